//! `/api/v1/environments`: register an environment (admin), list them.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use treaty_store::Written;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::common::{Result, written_status};
use crate::api::{Environment, check_id};
use crate::auth::Caller;
use crate::error::{ErrorBody, Json};
use crate::{AppState, now_ms};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_environments))
        .routes(routes!(put_environment))
}

/// Register an environment (admin).
#[utoipa::path(put, path = "/api/v1/environments/{id}", tag = "environments", params(("id" = String, Path)),
    responses((status = 201, body = Environment), (status = 200, body = Environment), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn put_environment(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<Environment>)> {
    caller.admin()?;
    check_id("id", &id, false)?;
    let w = state.store.create_environment(&id, now_ms()).await?;
    Ok((
        written_status(w),
        Json(Environment {
            id,
            created: Some(w == Written::Created),
        }),
    ))
}

/// List environments.
#[utoipa::path(get, path = "/api/v1/environments", tag = "environments",
    responses((status = 200, body = Vec<Environment>), (status = 401, body = ErrorBody)))]
async fn list_environments(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<Environment>>> {
    caller.read(state.config.anonymous_read)?;
    let environments = state.store.environments().await?;
    Ok(Json(
        environments.into_iter().map(Environment::listed).collect(),
    ))
}
