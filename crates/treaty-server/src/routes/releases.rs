//! `/api/v1/releases`, `/api/v1/releases/{id}/support-ended` and
//! `/api/v1/environments/{id}/releases`: the versions of a component
//! released to an environment and supported there side by side, until
//! their support ends. A supported release counts in can-i-release like a
//! deployment.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use treaty_store::{Recorded, Scope};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::common::{Result, existing_component, existing_environment};
use crate::AppState;
use crate::api::{NewRelease, Page, PageQuery, Release, ReleasesQuery, check_id, page};
use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody, Json};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_releases))
        .routes(routes!(create_release))
        .routes(routes!(get_release))
        .routes(routes!(end_support))
}

/// The versions supported in an environment, by component and version.
#[utoipa::path(get, path = "/api/v1/environments/{id}/releases", tag = "environments", params(("id" = String, Path), ReleasesQuery),
    responses((status = 200, body = Page<Release>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn list_releases(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Query(q): Query<ReleasesQuery>,
) -> Result<Json<Page<Release>>> {
    caller.read(state.config.anonymous_read)?;
    let limit = PageQuery {
        limit: q.limit,
        after: None,
    }
    .limit()?;
    if let Some(c) = &q.component {
        check_id("component", c, false)?;
    }
    // The cursor is `component/version` (neither holds a `/`).
    let after = match q.after.as_deref() {
        None => ("", ""),
        Some(a) => a.split_once('/').ok_or_else(|| {
            ApiError::BadRequest(
                "`after` must be the `next` of the previous page (`component/version`)".into(),
            )
        })?,
    };
    existing_environment(&state, &id).await?;
    let released = state
        .store
        .released(&id, q.component.as_deref(), after, limit + 1)
        .await?
        .into_iter()
        .map(Release::from)
        .collect();
    Ok(Json(page(released, limit, |r: &Release| {
        format!("{}/{}", r.component, r.version)
    })))
}

/// Record that a component version is released to an environment and
/// supported there (the component's team with `publish`, or admin),
/// beside the versions released there before. 201 for a new release; 200
/// when it was released there already: the same release, supported again
/// if its support had ended.
#[utoipa::path(post, path = "/api/v1/releases", tag = "environments", request_body = NewRelease,
    responses((status = 201, body = Release), (status = 200, body = Release), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn create_release(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<NewRelease>,
) -> Result<(StatusCode, Json<Release>)> {
    // Who asks comes first: an anonymous caller learns nothing of what exists.
    caller.principal()?;
    check_id("component", &body.component, false)?;
    check_id("version", &body.version, true)?;
    check_id("environment", &body.environment, false)?;
    let component = existing_component(&state, &body.component).await?;
    let p = caller.write_as(
        &component.team,
        Scope::Publish,
        &format!("component `{}`", body.component),
    )?;
    let by = p.team.clone();
    existing_environment(&state, &body.environment).await?;
    let (release, recorded) = state
        .store
        .record_release(
            &body.component,
            &body.environment,
            &body.version,
            &by,
            state.config.clock.now_ms()?,
        )
        .await?;
    tracing::info!(component = %body.component, version = %body.version, environment = %body.environment, ?recorded, "release recorded");
    let status = match recorded {
        Recorded::Created => StatusCode::CREATED,
        Recorded::Unchanged | Recorded::SupportedAgain => StatusCode::OK,
    };
    Ok((status, Json(release.into())))
}

/// A release, supported or not.
#[utoipa::path(get, path = "/api/v1/releases/{id}", tag = "environments", params(("id" = String, Path)),
    responses((status = 200, body = Release), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_release(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Release>> {
    caller.read(state.config.anonymous_read)?;
    let release = existing_release(&state, &id).await?;
    Ok(Json(release.into()))
}

/// Record that a release is no longer supported (the component's team
/// with `publish`, or admin): it stops counting in can-i-release. Only
/// this release: other versions released to the environment stay
/// supported. A repeat changes nothing.
#[utoipa::path(post, path = "/api/v1/releases/{id}/support-ended", tag = "environments", params(("id" = String, Path)),
    responses((status = 200, body = Release), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn end_support(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Release>> {
    caller.principal()?;
    let release = existing_release(&state, &id).await?;
    let component = existing_component(&state, &release.component).await?;
    caller.write_as(
        &component.team,
        Scope::Publish,
        &format!("component `{}`", release.component),
    )?;
    let (ended, _) = state
        .store
        .end_support(&id, state.config.clock.now_ms()?)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("release `{id}` does not exist")))?;
    Ok(Json(ended.into()))
}

async fn existing_release(state: &AppState, id: &str) -> Result<treaty_store::Release> {
    check_id("id", id, false)?;
    state
        .store
        .release(id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("release `{id}` does not exist")))
}
