//! `/api/v1/deployments`, `/api/v1/undeployments` and
//! `/api/v1/environments/{id}/deployments`: which component version runs
//! where.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use treaty_store::Scope;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::common::{Result, bare_page, existing_component, existing_environment};
use crate::AppState;
use crate::api::{
    Deployment, NewDeployment, NewUndeployment, PageQuery, Undeployed, check_id, page,
};
use crate::auth::Caller;
use crate::error::{ErrorBody, Json};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_deployments))
        .routes(routes!(create_deployment))
        .routes(routes!(create_undeployment))
}

/// What runs in an environment, by component. A bare array: the next page,
/// when there is one, is in the `Link` header (`rel="next"`).
#[utoipa::path(get, path = "/api/v1/environments/{id}/deployments", tag = "environments", params(("id" = String, Path), PageQuery),
    responses((status = 200, body = Vec<Deployment>), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn list_deployments(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Query(q): Query<PageQuery>,
) -> Result<Response> {
    caller.read(state.config.anonymous_read)?;
    let limit = q.limit()?;
    existing_environment(&state, &id).await?;
    let deployed = state
        .store
        .deployed(&id, q.after.as_deref().unwrap_or(""), limit + 1)
        .await?
        .into_iter()
        .map(Deployment::from)
        .collect();
    let page = page(deployed, limit, |d: &Deployment| d.component.clone());
    let path = format!("/api/v1/environments/{id}/deployments");
    Ok(bare_page(page, &path, limit))
}

/// Record that a component version now runs in an environment (the
/// component's team with `publish`, or admin). The version running there
/// before is undeployed in the same transaction.
#[utoipa::path(post, path = "/api/v1/deployments", tag = "environments", request_body = NewDeployment,
    responses((status = 201, body = Deployment), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn create_deployment(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<NewDeployment>,
) -> Result<(StatusCode, Json<Deployment>)> {
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
    let now = state.config.clock.now_ms()?;
    let id = state
        .store
        .record_deployment(&body.component, &body.environment, &body.version, &by, now)
        .await?;
    tracing::info!(component = %body.component, version = %body.version, environment = %body.environment, "deployment recorded");
    Ok((
        StatusCode::CREATED,
        Json(Deployment {
            id,
            component: body.component,
            environment: body.environment,
            version: body.version,
            deployed_at: now,
        }),
    ))
}

/// Record that a component no longer runs in an environment.
#[utoipa::path(post, path = "/api/v1/undeployments", tag = "environments", request_body = NewUndeployment,
    responses((status = 200, body = Undeployed), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn create_undeployment(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<NewUndeployment>,
) -> Result<Json<Undeployed>> {
    // Who asks comes first: an anonymous caller learns nothing of what exists.
    caller.principal()?;
    check_id("component", &body.component, false)?;
    check_id("environment", &body.environment, false)?;
    let component = existing_component(&state, &body.component).await?;
    caller.write_as(
        &component.team,
        Scope::Publish,
        &format!("component `{}`", body.component),
    )?;
    existing_environment(&state, &body.environment).await?;
    let undeployed = state
        .store
        .record_undeployment(
            &body.component,
            &body.environment,
            state.config.clock.now_ms()?,
        )
        .await?;
    Ok(Json(Undeployed {
        component: body.component,
        environment: body.environment,
        undeployed,
    }))
}
