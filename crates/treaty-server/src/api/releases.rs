//! Released versions: several versions of a component supported side by
//! side in one environment until their support ends.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// A release to record: the body of `POST /api/v1/releases`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRelease {
    /// The component released.
    pub component: String,
    /// The version released; the versions released there before stay
    /// supported.
    pub version: String,
    /// Where it is released.
    pub environment: String,
}

/// A component version released to an environment.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Release {
    /// The release's id (`rel_…`).
    pub id: String,
    /// The component released.
    pub component: String,
    /// Where it is released.
    pub environment: String,
    /// The version released.
    pub version: String,
    /// When it was released (again, if its support had ended), in Unix
    /// milliseconds.
    pub released_at: i64,
    /// Whether it is still supported there: only a supported release
    /// counts in can-i-release.
    pub supported: bool,
    /// When its support ended, in Unix milliseconds; absent while it is
    /// supported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub support_ended_at: Option<i64>,
}

impl From<treaty_store::Release> for Release {
    fn from(r: treaty_store::Release) -> Release {
        Release {
            supported: r.supported(),
            id: r.id,
            component: r.component,
            environment: r.environment,
            version: r.version,
            released_at: r.released_at,
            support_ended_at: r.support_ended_at,
        }
    }
}

/// Which supported releases of an environment to list.
#[derive(Debug, Default, Serialize, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ReleasesQuery {
    /// Only this component's releases.
    pub component: Option<String>,
    /// At most 1000; 100 by default.
    pub limit: Option<i64>,
    /// The `next` of the previous page.
    pub after: Option<String>,
}
