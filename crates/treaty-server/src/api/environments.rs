//! Environments: where component versions run (`staging`, `production`).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// An environment. Registering one takes no body: its id is in the path.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Environment {
    /// The environment's id.
    pub id: String,
    /// False when it already existed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<bool>,
}

impl Environment {
    /// An environment as listed, where whether it was just created does not
    /// apply.
    pub fn listed(id: String) -> Environment {
        Environment { id, created: None }
    }
}
