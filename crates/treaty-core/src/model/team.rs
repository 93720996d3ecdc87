//! `teams/*.yaml`: who owns, consumes and approves, and how to reach them.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use treaty_syntax::Spanned;

use super::Duration;

/// A team: the unit that owns interfaces, consumes them and approves changes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "Treaty team (teams/*.yaml)")]
pub struct Team {
    /// Short, stable identifier (kebab-case), used in every reference.
    pub id: Spanned<String>,
    /// A human-readable name.
    pub name: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    /// The people of the team.
    pub members: Vec<Member>,
    #[serde(default)]
    /// How to reach the team.
    pub contacts: Contacts,
    /// Who is told, in order, when a blocker of this team passes its deadline.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub escalation: Vec<EscalationStep>,
}

/// A person in a team.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Member {
    /// Handle, unique within the team, used by escalation steps.
    pub id: Spanned<String>,
    /// The person's name.
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// Where to reach the person.
    pub email: Option<Spanned<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// The person's role in the team, in words.
    pub role: Option<String>,
}

/// How to reach a team.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Contacts {
    /// An `https://` (or `http://`) URL that receives signed notifications.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook: Option<Spanned<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// The team's address.
    pub email: Option<Spanned<String>>,
    /// A chat channel, such as `#payments`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chat: Option<String>,
}

/// One step of an escalation path.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EscalationStep {
    /// A member of this team (by handle) or another team (by id).
    pub to: Spanned<String>,
    /// How long after the deadline this step is taken.
    pub after: Spanned<Duration>,
}
