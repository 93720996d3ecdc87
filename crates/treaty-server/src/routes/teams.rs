//! `/api/v1/teams`: create (admin) and list.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::common::Result;
use crate::AppState;
use crate::api::{NewTeam, Page, PageQuery, Team, check_id, page};
use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody, Json};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create_team, list_teams))
}

/// Longest team name, in bytes.
const MAX_NAME: usize = 200;

fn check_new_team(body: &NewTeam, allow: &[ipnet::IpNet]) -> Result<Option<String>> {
    check_id("id", &body.id, false)?;
    if body.name.is_empty() || body.name.len() > MAX_NAME {
        return Err(ApiError::Invalid(format!(
            "`name` must be 1 to {MAX_NAME} bytes"
        )));
    }
    body.webhook
        .as_deref()
        .map(|url| {
            crate::webhooks::address::check_url(url, allow)
                .map(String::from)
                .map_err(|e| ApiError::Invalid(format!("`webhook` {e}")))
        })
        .transpose()
}

/// Create a team (admin).
#[utoipa::path(post, path = "/api/v1/teams", tag = "teams", request_body = NewTeam,
    responses((status = 201, body = Team), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_team(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<NewTeam>,
) -> Result<(StatusCode, Json<Team>)> {
    caller.admin()?;
    let webhook = check_new_team(&body, &state.config.webhooks.allow)?;
    state
        .store
        .create_team_with_webhook(
            &body.id,
            &body.name,
            webhook.as_deref(),
            state.config.clock.now_ms()?,
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(Team {
            webhook,
            ..body.into()
        }),
    ))
}

/// List teams.
#[utoipa::path(get, path = "/api/v1/teams", tag = "teams", params(PageQuery),
    responses((status = 200, body = Page<Team>), (status = 401, body = ErrorBody)))]
async fn list_teams(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<PageQuery>,
) -> Result<Json<Page<Team>>> {
    caller.read(state.config.anonymous_read)?;
    let limit = q.limit()?;
    let items = state
        .store
        .teams(q.after.as_deref().unwrap_or(""), limit + 1)
        .await?
        .into_iter()
        .map(Team::from)
        .collect();
    Ok(Json(page(items, limit, |t: &Team| t.id.clone())))
}
