//! `/api/v1/components/{component}/versions/{version}/expectations`: what
//! a consumer component version was built against and uses of each
//! interface. Immutable, like versions.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use treaty_core::impact::Usage;
use treaty_store::{ExpectationRecord, Scope, Written};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::common::{Result, existing_component, existing_interface, written_status};
use crate::AppState;
use crate::api::{
    Expectation, MAX_ARTIFACTS, MAX_USE_LEN, MAX_USES, NewExpectation, Uses, check_id,
};
use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody, Json};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(put_expectation))
        .routes(routes!(list_expectations))
}

/// Length of an artifact's name, in bytes, at most.
const MAX_ARTIFACT_NAME: usize = 1024;

fn check_uses(uses: &Uses) -> Result<()> {
    for (name, list) in [
        ("operations", &uses.operations),
        ("messages", &uses.messages),
        ("channels", &uses.channels),
        ("fields", &uses.fields),
    ] {
        if list.len() > MAX_USES {
            return Err(ApiError::Invalid(format!(
                "`uses.{name}` holds at most {MAX_USES} entries"
            )));
        }
        if let Some(long) = list.iter().find(|s| s.is_empty() || s.len() > MAX_USE_LEN) {
            return Err(ApiError::Invalid(format!(
                "`uses.{name}` entries must be 1 to {MAX_USE_LEN} bytes: {:?}",
                long.chars().take(40).collect::<String>()
            )));
        }
    }
    Ok(())
}

fn check_artifacts(body: &NewExpectation) -> Result<()> {
    if body.artifacts.len() > MAX_ARTIFACTS {
        return Err(ApiError::Invalid(format!(
            "at most {MAX_ARTIFACTS} artifacts per expectation"
        )));
    }
    for a in &body.artifacts {
        if a.kind != "example" && a.kind != "pact" {
            return Err(ApiError::Invalid(format!(
                "artifact `{}`: unknown kind `{}`, expected example or pact",
                a.name, a.kind
            )));
        }
        if a.name.is_empty() || a.name.len() > MAX_ARTIFACT_NAME {
            return Err(ApiError::Invalid(format!(
                "artifact names must be 1 to {MAX_ARTIFACT_NAME} bytes"
            )));
        }
    }
    Ok(())
}

/// Record what a consumer component version was built against and uses
/// (the consumer's team with `publish`). Immutable, like versions.
#[utoipa::path(put, path = "/api/v1/components/{component}/versions/{version}/expectations/{interface}", tag = "expectations",
    params(("component" = String, Path), ("version" = String, Path), ("interface" = String, Path)), request_body = NewExpectation,
    responses((status = 201, body = Expectation), (status = 200, body = Expectation), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn put_expectation(
    State(state): State<AppState>,
    caller: Caller,
    Path((component, version, interface)): Path<(String, String, String)>,
    Json(body): Json<NewExpectation>,
) -> Result<(StatusCode, Json<Expectation>)> {
    // Who asks comes first: an anonymous caller learns nothing of what exists.
    caller.principal()?;
    check_id("component", &component, false)?;
    check_id("version", &version, true)?;
    check_id("interface", &interface, false)?;
    check_id("built_against", &body.built_against, true)?;
    let owner = existing_component(&state, &component).await?;
    caller.write_as(
        &owner.team,
        Scope::Publish,
        &format!("component `{component}`"),
    )?;
    existing_interface(&state, &interface).await?;
    check_uses(&body.uses)?;
    check_artifacts(&body)?;
    let usage = Usage::from(body.uses.clone());
    let record = ExpectationRecord {
        component: component.clone(),
        version: version.clone(),
        interface: interface.clone(),
        built_against: body.built_against.clone(),
        uses: serde_json::to_string(&usage).map_err(|e| ApiError::Internal(e.to_string()))?,
        artifacts: serde_json::to_string(&body.artifacts)
            .map_err(|e| ApiError::Internal(e.to_string()))?,
    };
    let w = state
        .store
        .put_expectation(&record, state.config.clock.now_ms()?)
        .await?;
    Ok((
        written_status(w),
        Json(Expectation {
            component,
            version,
            interface,
            built_against: body.built_against,
            uses: body.uses,
            artifacts: body.artifacts,
            created: Some(w == Written::Created),
        }),
    ))
}

/// What a consumer component version expects, by interface.
#[utoipa::path(get, path = "/api/v1/components/{component}/versions/{version}/expectations", tag = "expectations",
    params(("component" = String, Path), ("version" = String, Path)),
    responses((status = 200, body = Vec<Expectation>), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn list_expectations(
    State(state): State<AppState>,
    caller: Caller,
    Path((component, version)): Path<(String, String)>,
) -> Result<Json<Vec<Expectation>>> {
    caller.read(state.config.anonymous_read)?;
    existing_component(&state, &component).await?;
    let expectations = state
        .store
        .expectations_of(&component, &version)
        .await?
        .into_iter()
        .map(Expectation::try_from)
        .collect::<Result<_>>()?;
    Ok(Json(expectations))
}
