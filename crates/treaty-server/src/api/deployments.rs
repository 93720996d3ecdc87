//! Deployments: which version of each component runs in each environment.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A deployment to record: the body of `POST /api/v1/deployments`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDeployment {
    /// The component deployed.
    pub component: String,
    /// The version that now runs.
    pub version: String,
    /// Where it runs.
    pub environment: String,
}

/// An undeployment to record: the body of `POST /api/v1/undeployments`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUndeployment {
    /// The component that no longer runs there.
    pub component: String,
    /// Where it no longer runs.
    pub environment: String,
}

/// A component version running in an environment.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Deployment {
    /// The deployment's id.
    pub id: String,
    /// The component deployed.
    pub component: String,
    /// Where it runs.
    pub environment: String,
    /// The version that runs.
    pub version: String,
    /// Unix milliseconds.
    pub deployed_at: i64,
}

impl From<treaty_store::Deployment> for Deployment {
    fn from(d: treaty_store::Deployment) -> Deployment {
        Deployment {
            id: d.id,
            component: d.component,
            environment: d.environment,
            version: d.version,
            deployed_at: d.deployed_at,
        }
    }
}

/// What recording an undeployment did.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Undeployed {
    /// The component.
    pub component: String,
    /// The environment.
    pub environment: String,
    /// False when the component was not deployed there.
    pub undeployed: bool,
}
