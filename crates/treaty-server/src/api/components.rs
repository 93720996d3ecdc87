//! Components: the deployable things a team owns, which produce and
//! consume interfaces.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A component to register: the body of `PUT /api/v1/components/{id}`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewComponent {
    /// The owner team; the caller's token must be that team's (or an
    /// admin's).
    pub team: String,
}

/// A component and the team that owns it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Component {
    /// The component's id.
    pub id: String,
    /// The owner team.
    pub team: String,
}

impl From<treaty_store::Component> for Component {
    fn from(c: treaty_store::Component) -> Component {
        Component {
            id: c.id,
            team: c.team,
        }
    }
}
