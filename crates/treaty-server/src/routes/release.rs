//! `/api/v1/can-i-release`: may this component version go to this
//! environment? The facts are gathered by `crate::release`, the decision
//! is `treaty_core::release`'s.

use axum::extract::{Query, State};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::common::Result;
use crate::api::{ReleaseQuery, ReleaseVerdict, check_id};
use crate::auth::Caller;
use crate::error::{ErrorBody, Json};
use crate::{AppState, release};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(can_i_release))
}

/// May this component version go to this environment? Checks it as a
/// producer against every consumer version running there, and as a
/// consumer against every producer version running there.
#[utoipa::path(get, path = "/api/v1/can-i-release", tag = "release", params(ReleaseQuery),
    responses((status = 200, body = ReleaseVerdict), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn can_i_release(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<ReleaseQuery>,
) -> Result<Json<ReleaseVerdict>> {
    caller.read(state.config.anonymous_read)?;
    check_id("component", &q.component, false)?;
    check_id("version", &q.version, true)?;
    check_id("environment", &q.environment, false)?;
    let verdict = release::can_i_release(
        &state.store,
        &state.cache,
        &state.comparisons,
        &q.component,
        &q.version,
        &q.environment,
    )
    .await?;
    Ok(Json(verdict.into()))
}
