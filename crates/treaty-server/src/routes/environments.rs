//! `/api/v1/environments`: register an environment (admin), list them.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use treaty_store::Written;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::common::{Result, bare_page, written_status};
use crate::AppState;
use crate::api::{Environment, PageQuery, check_id, page};
use crate::auth::Caller;
use crate::error::{ErrorBody, Json};

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
    let w = state
        .store
        .create_environment(&id, state.config.clock.now_ms()?)
        .await?;
    Ok((
        written_status(w),
        Json(Environment {
            id,
            created: Some(w == Written::Created),
        }),
    ))
}

/// List environments, by id. A bare array: the next page, when there is
/// one, is in the `Link` header (`rel="next"`).
#[utoipa::path(get, path = "/api/v1/environments", tag = "environments", params(PageQuery),
    responses((status = 200, body = Vec<Environment>), (status = 401, body = ErrorBody)))]
async fn list_environments(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<PageQuery>,
) -> Result<Response> {
    caller.read(state.config.anonymous_read)?;
    let limit = q.limit()?;
    let environments = state
        .store
        .environments(q.after.as_deref().unwrap_or(""), limit + 1)
        .await?
        .into_iter()
        .map(Environment::listed)
        .collect();
    let page = page(environments, limit, |e: &Environment| e.id.clone());
    Ok(bare_page(page, "/api/v1/environments", limit))
}
