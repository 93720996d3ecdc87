//! Tokens: a team's bearer secrets, with the scopes they grant.

use serde::{Deserialize, Serialize};
use treaty_store::Principal;
use utoipa::ToSchema;

/// A token to issue: the body of `POST /api/v1/tokens`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    /// The team the token acts for.
    pub team: String,
    /// Any of `read`, `publish`, `approve`, `admin`.
    pub scopes: Vec<String>,
}

/// A token, as created: the secret is shown this once.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct IssuedToken {
    /// The token's id, to revoke it by; not a secret.
    pub id: String,
    /// The team the token acts for.
    pub team: String,
    /// What the token may do, without repeats.
    pub scopes: Vec<String>,
    /// The secret, to send as `Authorization: Bearer <token>`. The broker
    /// keeps only its hash.
    pub token: String,
    /// Where the issue was recorded in the decision log (brokers before
    /// the log did not send it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log: Option<super::LogReceipt>,
}

/// A token, as revoked: `DELETE /api/v1/tokens/{id}`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RevokedToken {
    /// The token's id.
    pub id: String,
    /// Where the revocation was recorded in the decision log.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log: Option<super::LogReceipt>,
}

/// The caller, as its token says.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct WhoAmI {
    /// The team the token acts for.
    pub team: String,
    /// What the token may do.
    pub scopes: Vec<String>,
}

impl From<&Principal> for WhoAmI {
    fn from(p: &Principal) -> WhoAmI {
        WhoAmI {
            team: p.team.clone(),
            scopes: p.scopes.iter().map(|s| s.as_str().to_owned()).collect(),
        }
    }
}
