//! `/api/v1/components`: register a component of a team, and list them.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use treaty_store::Scope;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::common::{Result, existing_team, written_status};
use crate::AppState;
use crate::api::{Component, NewComponent, Page, PageQuery, check_id, page};
use crate::auth::Caller;
use crate::error::{ErrorBody, Json};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_components))
        .routes(routes!(put_component))
}

/// Register a component of a team (that team with `publish`, or admin).
#[utoipa::path(put, path = "/api/v1/components/{id}", tag = "components", params(("id" = String, Path)), request_body = NewComponent,
    responses((status = 201, body = Component), (status = 200, body = Component), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn put_component(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(body): Json<NewComponent>,
) -> Result<(StatusCode, Json<Component>)> {
    // Who asks comes first: an anonymous caller learns nothing of what exists.
    caller.principal()?;
    check_id("id", &id, false)?;
    check_id("team", &body.team, false)?;
    // The owner the request names: the store refuses (409) a component
    // that exists with another.
    caller.create_as(&body.team, Scope::Publish, &format!("component `{id}`"))?;
    existing_team(&state, &body.team).await?;
    let w = state
        .store
        .create_component(&id, &body.team, state.config.clock.now_ms()?)
        .await?;
    Ok((
        written_status(w),
        Json(Component {
            id,
            team: body.team,
        }),
    ))
}

/// List components.
#[utoipa::path(get, path = "/api/v1/components", tag = "components", params(PageQuery),
    responses((status = 200, body = Page<Component>), (status = 401, body = ErrorBody)))]
async fn list_components(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<PageQuery>,
) -> Result<Json<Page<Component>>> {
    caller.read(state.config.anonymous_read)?;
    let limit = q.limit()?;
    let items = state
        .store
        .components(q.after.as_deref().unwrap_or(""), limit + 1)
        .await?
        .into_iter()
        .map(Component::from)
        .collect();
    Ok(Json(page(items, limit, |c: &Component| c.id.clone())))
}
