//! `/api/v1/verifications`: record the result of verifying a consumer
//! version against a provider version, and list them.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use treaty_store::{Scope, VerificationRecord};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::common::{Result, existing_component, existing_interface};
use crate::AppState;
use crate::api::{
    MAX_DETAILS, NewVerification, Page, PageQuery, Verification, VerificationQuery, check_id, page,
};
use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody, Json};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create_verification, list_verifications))
}

/// A page's cursor, `recorded_at:id`, as [`list_verifications`] gives it.
fn cursor_of(after: &str) -> Result<(i64, &str)> {
    after
        .split_once(':')
        .and_then(|(at, id)| Some((at.parse::<i64>().ok()?, id)))
        .ok_or_else(|| {
            ApiError::Invalid(format!(
                "`after` {after:?} is not a cursor this broker gave"
            ))
        })
}

/// Record the result of verifying a consumer version against a provider
/// version (the producer's team with `publish`). A failure blocks the pair
/// in can-i-release until a later success.
#[utoipa::path(post, path = "/api/v1/verifications", tag = "verifications", request_body = NewVerification,
    responses((status = 201, body = Verification), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_verification(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<NewVerification>,
) -> Result<(StatusCode, Json<Verification>)> {
    // Who asks comes first: an anonymous caller learns nothing of what exists.
    caller.principal()?;
    check_id("interface", &body.interface, false)?;
    check_id("provider_version", &body.provider_version, true)?;
    check_id("consumer", &body.consumer, false)?;
    check_id("consumer_version", &body.consumer_version, true)?;
    let interface = existing_interface(&state, &body.interface).await?;
    let p = caller.write_as(
        &interface.team,
        Scope::Publish,
        &format!("interface `{}`", body.interface),
    )?;
    let recorded_by = p.team.clone();
    existing_component(&state, &body.consumer).await?;
    if body.details.as_ref().is_some_and(|d| d.len() > MAX_DETAILS) {
        return Err(ApiError::Invalid(format!(
            "`details` holds at most {MAX_DETAILS} bytes"
        )));
    }
    let verification = treaty_store::Verification::from(body);
    let now = state.config.clock.now_ms()?;
    let id = state
        .store
        .record_verification(&verification, &recorded_by, now)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(
            VerificationRecord {
                id,
                verification,
                recorded_by,
                recorded_at: now,
            }
            .into(),
        ),
    ))
}

/// Verifications of an interface, newest first.
#[utoipa::path(get, path = "/api/v1/verifications", tag = "verifications", params(VerificationQuery),
    responses((status = 200, body = Page<Verification>), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn list_verifications(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<VerificationQuery>,
) -> Result<Json<Page<Verification>>> {
    caller.read(state.config.anonymous_read)?;
    existing_interface(&state, &q.interface).await?;
    let limit = PageQuery {
        limit: q.limit,
        after: None,
    }
    .limit()?;
    let cursor = q.after.as_deref().map(cursor_of).transpose()?;
    let items = state
        .store
        .verifications(
            &q.interface,
            q.provider_version.as_deref(),
            cursor,
            limit + 1,
        )
        .await?
        .into_iter()
        .map(Verification::from)
        .collect();
    Ok(Json(page(items, limit, |v: &Verification| {
        format!("{}:{}", v.recorded_at, v.id)
    })))
}
