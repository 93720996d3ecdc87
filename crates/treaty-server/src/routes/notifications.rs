//! A team's webhook (`/api/v1/teams/{id}/webhook`: set, show with its
//! secret, remove, rotate the secret, ping) and the notifications queued
//! for teams with their delivery log (`/api/v1/notifications`).

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use treaty_store::{NewEvent, Scope};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::common::Result;
use crate::AppState;
use crate::api::{
    Notification, NotificationDetail, NotificationQuery, Page, Queued, SetWebhook, WebhookSettings,
    check_id, page,
};
use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody, Json};
use crate::webhooks::address::check_url;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(show_webhook, set_webhook, remove_webhook))
        .routes(routes!(rotate_secret))
        .routes(routes!(ping))
        .routes(routes!(list_notifications))
        .routes(routes!(show_notification))
}

/// Pings a team may have queued and not yet delivered: a test event
/// needs no more, and the queue is no place for a flood.
const MAX_PENDING_PINGS: i64 = 5;

/// A team's webhook settings are its own (with `publish`) or an admin's.
fn may_manage(caller: &Caller, team: &str) -> Result<()> {
    check_id("id", team, false)?;
    caller.write_as(
        team,
        Scope::Publish,
        &format!("the webhook of team `{team}`"),
    )?;
    Ok(())
}

/// A team's webhook and signing secret (the team with `publish`, or admin).
#[utoipa::path(get, path = "/api/v1/teams/{id}/webhook", tag = "notifications", params(("id" = String, Path)),
    responses((status = 200, body = WebhookSettings), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn show_webhook(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<WebhookSettings>> {
    may_manage(&caller, &id)?;
    let webhook = state
        .store
        .webhook(&id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("team `{id}` does not exist")))?;
    Ok(Json(WebhookSettings::of(&id, webhook)))
}

/// Set where a team's notifications go (the team with `publish`, or
/// admin). The first webhook comes with a new signing secret; changing the
/// URL keeps the secret.
#[utoipa::path(put, path = "/api/v1/teams/{id}/webhook", tag = "notifications", params(("id" = String, Path)), request_body = SetWebhook,
    responses((status = 200, body = WebhookSettings), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn set_webhook(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(body): Json<SetWebhook>,
) -> Result<Json<WebhookSettings>> {
    may_manage(&caller, &id)?;
    let url = check_url(&body.url, &state.config.webhooks.allow)
        .map_err(|e| ApiError::Invalid(format!("`url` {e}")))?;
    let webhook = state.store.set_webhook(&id, Some(url.as_str())).await?;
    Ok(Json(WebhookSettings::of(&id, webhook)))
}

/// Stop a team's notifications (the team with `publish`, or admin); what
/// is already queued is still delivered.
#[utoipa::path(delete, path = "/api/v1/teams/{id}/webhook", tag = "notifications", params(("id" = String, Path)),
    responses((status = 200, body = WebhookSettings), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn remove_webhook(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<WebhookSettings>> {
    may_manage(&caller, &id)?;
    let webhook = state.store.set_webhook(&id, None).await?;
    Ok(Json(WebhookSettings::of(&id, webhook)))
}

/// Replace a team's signing secret (the team with `publish`, or admin);
/// the answer shows the new one. Events not yet delivered are signed with
/// it.
#[utoipa::path(post, path = "/api/v1/teams/{id}/webhook/secret", tag = "notifications", params(("id" = String, Path)),
    responses((status = 200, body = WebhookSettings), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn rotate_secret(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<WebhookSettings>> {
    may_manage(&caller, &id)?;
    let webhook = state.store.rotate_webhook_secret(&id).await?;
    Ok(Json(WebhookSettings::of(&id, webhook)))
}

/// Queue a `ping` event to the team's webhook, delivered like any other
/// (the team with `publish`, or admin); 409 when it has no webhook, 429
/// when it has 5 pings not yet delivered.
#[utoipa::path(post, path = "/api/v1/teams/{id}/webhook/ping", tag = "notifications", params(("id" = String, Path)),
    responses((status = 202, body = Queued), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn ping(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<Queued>)> {
    may_manage(&caller, &id)?;
    if state.store.pending_notifications(&id, "ping").await? >= MAX_PENDING_PINGS {
        return Err(ApiError::TooManyRequests(format!(
            "team `{id}` has {MAX_PENDING_PINGS} pings not yet delivered; see `GET /api/v1/notifications?team={id}`"
        )));
    }
    let event = NewEvent {
        event_type: "ping",
        text: &format!("Treaty: a test notification for team `{id}`; its webhook works."),
        data: serde_json::json!({ "team": id }),
    };
    let queued = state
        .store
        .enqueue_event(&id, &event, state.config.clock.now_ms()?)
        .await?;
    let id = queued.ok_or_else(|| {
        ApiError::Conflict(format!(
            "team `{id}` has no webhook: set one with `PUT /api/v1/teams/{id}/webhook`"
        ))
    })?;
    Ok((StatusCode::ACCEPTED, Json(Queued { id })))
}

/// Notifications by id (so by time), with their state: an admin sees every
/// team's (or one's, with `team`), a team only its own.
#[utoipa::path(get, path = "/api/v1/notifications", tag = "notifications", params(NotificationQuery),
    responses((status = 200, body = Page<Notification>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn list_notifications(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<NotificationQuery>,
) -> Result<Json<Page<Notification>>> {
    let principal = caller.principal()?;
    let team = if principal.is_admin() {
        q.team.clone()
    } else {
        match &q.team {
            Some(team) if *team != principal.team => {
                return Err(ApiError::Forbidden(format!(
                    "team `{team}`'s notifications are its own; this token is team `{}`'s",
                    principal.team
                )));
            }
            _ => Some(principal.team.clone()),
        }
    };
    let limit = q.page().limit()?;
    let items = state
        .store
        .notifications(team.as_deref(), q.after.as_deref().unwrap_or(""), limit + 1)
        .await?
        .into_iter()
        .map(Notification::from)
        .collect();
    Ok(Json(page(items, limit, |n: &Notification| n.id.clone())))
}

/// One notification, its body and every delivery attempt (its team, or
/// admin; to anyone else it does not exist).
#[utoipa::path(get, path = "/api/v1/notifications/{id}", tag = "notifications", params(("id" = String, Path)),
    responses((status = 200, body = NotificationDetail), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn show_notification(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<NotificationDetail>> {
    let principal = caller.principal()?;
    let not_found = || ApiError::NotFound(format!("notification `{id}` does not exist"));
    let (record, attempts) = state.store.notification(&id).await?.ok_or_else(not_found)?;
    if !principal.is_admin() && record.team != principal.team {
        return Err(not_found());
    }
    let payload = serde_json::from_str(&record.payload).map_err(|e| {
        ApiError::Internal(format!(
            "notification `{id}`: its stored payload is not JSON: {e}"
        ))
    })?;
    Ok(Json(NotificationDetail {
        notification: record.into(),
        payload,
        log: attempts.into_iter().map(Into::into).collect(),
    }))
}
