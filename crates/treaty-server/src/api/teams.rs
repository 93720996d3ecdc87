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

/// A status digest the broker sent to a team (`GET
/// /api/v1/teams/{team}/digests`): one per period of the governance's
/// digest cadence, recorded with the notifications queued for it
/// (docs/gates.md).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DigestSent {
    /// The team it was sent to.
    pub team: String,
    /// The cadence it was sent on: `daily`, `weekly` or `biweekly`.
    pub cadence: String,
    /// When its period began (RFC 3339).
    pub period_start: String,
    /// When it was sent (RFC 3339).
    pub sent_at: String,
    /// The ids of the notifications queued for it (the team's webhook, and
    /// its address when the broker sends e-mail).
    pub notifications: Vec<String>,
    /// The digest: `gates`, `items`, `waiting_on`, `blockers`,
    /// `decisions`, `upcoming`, `liaisons`, `commitments` and `changes`
    /// since the previous one, as `treaty digest --format json` prints it.
    #[schema(value_type = Object)]
    pub digest: serde_json::Value,
}
