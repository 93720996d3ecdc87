//! Teams: who owns components, and whose tokens write what.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A team to create: the body of `POST /api/v1/teams`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTeam {
    /// The team's id, used in paths and by components: a letter or digit,
    /// then letters, digits, `.`, `_` or `-`, at most 128.
    pub id: String,
    /// A name for people, 1 to 200 bytes.
    pub name: String,
    /// Where the team's notifications go: an http or https URL, at most
    /// 2048 bytes, whose host is public (see docs/notifications.md). A
    /// signing secret is made with it (`GET .../webhook` shows it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook: Option<String>,
}

/// A team.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Team {
    /// The team's id.
    pub id: String,
    /// Its name for people.
    pub name: String,
    /// Where its notifications go: only in the answer to its creation. A
    /// webhook URL can be a credential (chat tools' are), so lists leave it
    /// out; `GET /api/v1/teams/{id}/webhook` shows it to the team.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook: Option<String>,
}

impl From<treaty_store::Team> for Team {
    fn from(t: treaty_store::Team) -> Team {
        Team {
            id: t.id,
            name: t.name,
            webhook: None,
        }
    }
}

impl From<NewTeam> for Team {
    fn from(t: NewTeam) -> Team {
        Team {
            id: t.id,
            name: t.name,
            webhook: None,
        }
    }
}
