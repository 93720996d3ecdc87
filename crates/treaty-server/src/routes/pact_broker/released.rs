//! Released versions: `record-release` (`POST /pacticipants/{p}/versions/
//! {v}/released-versions/environment/{uuid}`, from the version's
//! `pb:record-release` links), the versions supported in an environment
//! (`GET /environments/{uuid}/released-versions/currently-supported`, the
//! environment's `pb:currently-supported-released-versions`) and
//! `record-support-ended` (`PATCH /released-versions/{id}` with
//! `{"currentlySupported": false}`). Several versions of a pacticipant may
//! be supported in one environment at once; each counts in can-i-deploy
//! like a deployed one until its support ends.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use treaty_store::{Recorded, Release, Scope};

use super::environments::{MAX_ENVIRONMENTS, environment_json, environment_of};
use super::{
    Base, PactError, PactResult, bad, check_name, check_version, existing, hal, iso, parse_body,
    seg,
};
use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiError;

pub(super) fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route(
            "/environments/{uuid}/released-versions/currently-supported",
            get(currently_supported),
        )
        .route(
            "/pacticipants/{pacticipant}/versions/{version}/released-versions/environment/{uuid}",
            post(record_release),
        )
        .route(
            "/released-versions/{id}",
            get(show_released).patch(end_support),
        )
}

/// A release as the Pact Broker shows a released version. Pact clients
/// read `uuid`, `_embedded.pacticipant.name`, `_embedded.version.number`
/// and `_links.self.href` without checking they are there.
async fn released_json(state: &AppState, base: &Base, r: &Release) -> PactResult<Value> {
    Ok(json!({
        "uuid": r.id,
        "currentlySupported": r.supported(),
        "createdAt": iso(r.released_at),
        "supportEndedAt": r.support_ended_at.map(iso),
        "_embedded": {
            "pacticipant": {"name": r.component},
            "version": {"number": r.version, "_links": {"self": base.link(&format!("/pacticipants/{}/versions/{}", seg(&r.component), seg(&r.version)))}},
            "environment": environment_json(state, base, &r.environment).await?,
        },
        "_links": {"self": base.link(&format!("/released-versions/{}", seg(&r.id)))}
    }))
}

/// `record-release`: a version of a pacticipant the caller's team owns is
/// released to the environment, beside the versions released there
/// before. 201 for a new release; 200 when it was released there already
/// (supported again if its support had ended), the same release.
async fn record_release(
    State(state): State<AppState>,
    caller: Caller,
    base: Base,
    Path((name, version, uuid)): Path<(String, String, String)>,
    body: Bytes,
) -> PactResult<Response> {
    caller.principal()?;
    check_name("pacticipant", &name)?;
    check_version("version", &version)?;
    // `pact-broker-cli` sends `{}`; nothing in the body is used.
    let _: Map<String, Value> = parse_body(&body)?;
    let c = existing(&state, &name).await?;
    let p = caller.write_as(&c.team, Scope::Publish, &format!("pacticipant `{name}`"))?;
    let recorded_by = p.team.clone();
    let env = environment_of(&state, &uuid).await?;
    let (release, recorded) = state
        .store
        .record_release(
            &name,
            &env,
            &version,
            &recorded_by,
            state.config.clock.now_ms()?,
        )
        .await?;
    tracing::info!(component = %name, version = %version, environment = %env, ?recorded, "release recorded");
    let status = match recorded {
        Recorded::Created => StatusCode::CREATED,
        Recorded::Unchanged | Recorded::SupportedAgain => StatusCode::OK,
    };
    Ok(hal(status, released_json(&state, &base, &release).await?))
}

#[derive(Debug, Deserialize)]
struct SupportedQuery {
    pacticipant: Option<String>,
}

/// The versions supported in the environment, optionally of one
/// pacticipant (what `record-support-ended` looks its release up in).
async fn currently_supported(
    State(state): State<AppState>,
    caller: Caller,
    base: Base,
    Path(uuid): Path<String>,
    Query(q): Query<SupportedQuery>,
) -> PactResult<Response> {
    caller.read(state.config.anonymous_read)?;
    if let Some(p) = &q.pacticipant {
        check_name("pacticipant", p)?;
    }
    let env = environment_of(&state, &uuid).await?;
    let mut items = Vec::new();
    for r in state
        .store
        .released(&env, q.pacticipant.as_deref(), ("", ""), MAX_ENVIRONMENTS)
        .await?
    {
        items.push(released_json(&state, &base, &r).await?);
    }
    Ok(hal(
        StatusCode::OK,
        json!({
            "_embedded": {"releasedVersions": items},
            "_links": {"self": base.link(&format!("/environments/{uuid}/released-versions/currently-supported"))}
        }),
    ))
}

async fn existing_release(state: &AppState, id: &str) -> PactResult<Release> {
    state.store.release(id).await?.ok_or_else(|| {
        PactError(ApiError::NotFound(format!(
            "released version `{id}` does not exist"
        )))
    })
}

async fn show_released(
    State(state): State<AppState>,
    caller: Caller,
    base: Base,
    Path(id): Path<String>,
) -> PactResult<Response> {
    caller.read(state.config.anonymous_read)?;
    let r = existing_release(&state, &id).await?;
    Ok(hal(StatusCode::OK, released_json(&state, &base, &r).await?))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ReleasedPatch {
    currently_supported: Option<bool>,
}

/// `record-support-ended`: `{"currentlySupported": false}` ends the
/// support of this release (its pacticipant's team's write); the other
/// versions released to the environment stay supported.
async fn end_support(
    State(state): State<AppState>,
    caller: Caller,
    base: Base,
    Path(id): Path<String>,
    body: Bytes,
) -> PactResult<Response> {
    caller.principal()?;
    let patch: ReleasedPatch = parse_body(&body)?;
    if patch.currently_supported != Some(false) {
        return Err(bad(
            "currentlySupported",
            "only `false` (support ended) can be recorded: record the release again to support it again",
        ));
    }
    let r = existing_release(&state, &id).await?;
    let owner = existing(&state, &r.component).await?;
    caller.write_as(
        &owner.team,
        Scope::Publish,
        &format!("pacticipant `{}`", r.component),
    )?;
    let (ended, _) = state
        .store
        .end_support(&r.id, state.config.clock.now_ms()?)
        .await?
        .ok_or_else(|| {
            PactError(ApiError::NotFound(format!(
                "released version `{id}` does not exist"
            )))
        })?;
    Ok(hal(
        StatusCode::OK,
        released_json(&state, &base, &ended).await?,
    ))
}
