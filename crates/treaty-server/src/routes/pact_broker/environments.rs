//! Environments (Treaty's) with the Pact Broker's uuids, display names and
//! production flag, and recording deployments of pacticipant versions
//! into them: `/environments/...` and
//! `/pacticipants/{p}/versions/{v}/deployed-versions/environment/{uuid}`.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::Digest;
use treaty_store::{Scope, Written};

use super::{
    Base, PactError, PactResult, bad, check_label, check_name, check_version, existing, hal, seg,
};
use crate::AppState;
use crate::api::check_id;
use crate::auth::Caller;
use crate::error::ApiError;

pub(super) fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/environments", get(list).post(create))
        .route("/environments/{uuid}", get(show))
        .route(
            "/environments/{uuid}/deployed-versions/currently-deployed",
            get(currently_deployed),
        )
        .route(
            "/pacticipants/{pacticipant}/versions/{version}/deployed-versions/environment/{uuid}",
            post(record_deployment),
        )
        .route(
            "/deployed-versions/{id}",
            get(show_deployed).patch(end_deployed),
        )
}

/// Environments a broker lists, at most.
pub(super) const MAX_ENVIRONMENTS: i64 = 1000;

/// The uuid the Pact API gives Treaty environment `id`: derived from the
/// id (a name-based UUID, version 5 layout over SHA-256), so every Treaty
/// environment has one without storing it, and it never changes.
pub(super) fn environment_uuid(id: &str) -> String {
    let digest = sha2::Sha256::digest(format!("treaty environment {id}").as_bytes());
    let mut b = [0u8; 16];
    b.copy_from_slice(&digest[..16]);
    b[6] = (b[6] & 0x0f) | 0x50;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

/// Every environment's id.
pub(super) async fn known_environments(state: &AppState) -> PactResult<Vec<String>> {
    Ok(state.store.environments("", MAX_ENVIRONMENTS).await?)
}

/// The environment whose uuid is `uuid`; 404 when none.
pub(super) async fn environment_of(state: &AppState, uuid: &str) -> PactResult<String> {
    known_environments(state)
        .await?
        .into_iter()
        .find(|id| environment_uuid(id) == uuid)
        .ok_or_else(|| {
            PactError(ApiError::NotFound(format!(
                "no environment has the uuid `{uuid}`"
            )))
        })
}

pub(super) async fn environment_json(state: &AppState, base: &Base, id: &str) -> PactResult<Value> {
    let (display, production) = state
        .store
        .environment_details(id)
        .await?
        .unwrap_or((None, false));
    let uuid = environment_uuid(id);
    Ok(json!({
        "uuid": uuid,
        "name": id,
        "displayName": display.unwrap_or_else(|| id.to_owned()),
        "production": production,
        "contacts": [],
        "_links": {
            "self": base.named(&format!("/environments/{uuid}"), id, "Environment"),
            "pb:currently-deployed-deployed-versions": base.link(&format!("/environments/{uuid}/deployed-versions/currently-deployed")),
            "pb:currently-supported-released-versions": base.link(&format!("/environments/{uuid}/released-versions/currently-supported")),
        }
    }))
}

async fn list(State(state): State<AppState>, caller: Caller, base: Base) -> PactResult<Response> {
    caller.read(state.config.anonymous_read)?;
    let mut items = Vec::new();
    for id in known_environments(&state).await? {
        items.push(environment_json(&state, &base, &id).await?);
    }
    Ok(hal(
        StatusCode::OK,
        json!({"_embedded": {"environments": items}, "_links": {"self": base.link("/environments")}}),
    ))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct NewEnvironment {
    name: Option<String>,
    display_name: Option<String>,
    #[serde(default)]
    production: bool,
}

/// Creates (or updates) an environment: an administrator's write, as in
/// Treaty's own API.
async fn create(
    State(state): State<AppState>,
    caller: Caller,
    base: Base,
    body: Bytes,
) -> PactResult<Response> {
    caller.admin()?;
    let body: NewEnvironment = super::parse_body(&body)?;
    let name = body.name.ok_or_else(|| bad("name", "is required"))?;
    check_id("name", &name, false).map_err(PactError)?;
    if let Some(d) = &body.display_name {
        check_label("displayName", d)?;
    }
    let w = state
        .store
        .put_environment_details(
            &name,
            body.display_name.as_deref(),
            body.production,
            state.config.clock.now_ms()?,
        )
        .await?;
    let status = match w {
        Written::Created => StatusCode::CREATED,
        Written::Unchanged => StatusCode::OK,
    };
    Ok(hal(status, environment_json(&state, &base, &name).await?))
}

async fn show(
    State(state): State<AppState>,
    caller: Caller,
    base: Base,
    Path(uuid): Path<String>,
) -> PactResult<Response> {
    caller.read(state.config.anonymous_read)?;
    let id = environment_of(&state, &uuid).await?;
    Ok(hal(
        StatusCode::OK,
        environment_json(&state, &base, &id).await?,
    ))
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct DeploymentBody {
    application_instance: Option<String>,
    target: Option<String>,
}

/// Records that a version of a pacticipant the caller's team owns now runs
/// in the environment (the one before it there is undeployed).
async fn record_deployment(
    State(state): State<AppState>,
    caller: Caller,
    base: Base,
    Path((name, version, uuid)): Path<(String, String, String)>,
    body: Bytes,
) -> PactResult<Response> {
    caller.principal()?;
    check_name("pacticipant", &name)?;
    check_version("version", &version)?;
    let body: DeploymentBody = super::parse_body(&body)?;
    // Treaty keeps one running version per component and environment; an
    // application instance would say several run at once.
    if let Some(instance) = body.application_instance.or(body.target) {
        return Err(bad(
            "applicationInstance",
            format!(
                "Treaty keeps one deployed version per pacticipant and environment, so application instances (`{instance}`) are not supported: record the deployment without one"
            ),
        ));
    }
    let c = existing(&state, &name).await?;
    let p = caller.write_as(&c.team, Scope::Publish, &format!("pacticipant `{name}`"))?;
    let recorded_by = p.team.clone();
    let env = environment_of(&state, &uuid).await?;
    let now = state.config.clock.now_ms()?;
    let id = state
        .store
        .record_deployment(&name, &env, &version, &recorded_by, now)
        .await?;
    Ok(hal(
        StatusCode::CREATED,
        deployed_json(
            &state,
            &base,
            Deployed {
                id: &id,
                name: &name,
                version: &version,
                env: &env,
                at: now,
                current: true,
            },
        )
        .await?,
    ))
}

/// A deployment as the Pact Broker shows a deployed version.
struct Deployed<'a> {
    id: &'a str,
    name: &'a str,
    version: &'a str,
    env: &'a str,
    at: i64,
    current: bool,
}

async fn deployed_json(state: &AppState, base: &Base, d: Deployed<'_>) -> PactResult<Value> {
    let Deployed {
        id,
        name,
        version,
        env,
        at,
        current,
    } = d;
    Ok(json!({
        "uuid": id,
        "currentlyDeployed": current,
        "target": null,
        "applicationInstance": null,
        "createdAt": super::iso(at),
        "_embedded": {
            "pacticipant": {"name": name},
            "version": {"number": version, "_links": {"self": base.link(&format!("/pacticipants/{}/versions/{}", seg(name), seg(version)))}},
            "environment": environment_json(state, base, env).await?,
        },
        "_links": {"self": base.link(&format!("/deployed-versions/{}", seg(id)))}
    }))
}

#[derive(Debug, Deserialize)]
struct DeployedQuery {
    pacticipant: Option<String>,
}

/// What runs in the environment now, optionally of one pacticipant.
async fn currently_deployed(
    State(state): State<AppState>,
    caller: Caller,
    base: Base,
    Path(uuid): Path<String>,
    Query(q): Query<DeployedQuery>,
) -> PactResult<Response> {
    caller.read(state.config.anonymous_read)?;
    let env = environment_of(&state, &uuid).await?;
    let mut items = Vec::new();
    for d in state.store.deployed(&env, "", MAX_ENVIRONMENTS).await? {
        if q.pacticipant.as_ref().is_some_and(|p| *p != d.component) {
            continue;
        }
        items.push(
            deployed_json(
                &state,
                &base,
                Deployed {
                    id: &d.id,
                    name: &d.component,
                    version: &d.version,
                    env: &env,
                    at: d.deployed_at,
                    current: true,
                },
            )
            .await?,
        );
    }
    Ok(hal(
        StatusCode::OK,
        json!({"_embedded": {"deployedVersions": items}, "_links": {"self": base.link(&format!("/environments/{uuid}/deployed-versions/currently-deployed"))}}),
    ))
}

async fn existing_deployment(
    state: &AppState,
    id: &str,
) -> PactResult<(treaty_store::Deployment, bool)> {
    state.store.deployment(id).await?.ok_or_else(|| {
        PactError(ApiError::NotFound(format!(
            "deployed version `{id}` does not exist"
        )))
    })
}

async fn show_deployed(
    State(state): State<AppState>,
    caller: Caller,
    base: Base,
    Path(id): Path<String>,
) -> PactResult<Response> {
    caller.read(state.config.anonymous_read)?;
    let (d, current) = existing_deployment(&state, &id).await?;
    let body = deployed_json(
        &state,
        &base,
        Deployed {
            id: &d.id,
            name: &d.component,
            version: &d.version,
            env: &d.environment,
            at: d.deployed_at,
            current,
        },
    )
    .await?;
    Ok(hal(StatusCode::OK, body))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct DeployedPatch {
    currently_deployed: Option<bool>,
}

/// `record-undeployment`: `{"currentlyDeployed": false}` ends this
/// deployment (its component's team's write), not whatever runs there
/// since.
async fn end_deployed(
    State(state): State<AppState>,
    caller: Caller,
    base: Base,
    Path(id): Path<String>,
    body: Bytes,
) -> PactResult<Response> {
    caller.principal()?;
    let patch: DeployedPatch = super::parse_body(&body)?;
    if patch.currently_deployed != Some(false) {
        return Err(bad(
            "currentlyDeployed",
            "only `false` (the deployment ended) can be recorded",
        ));
    }
    let (d, _) = existing_deployment(&state, &id).await?;
    let owner = existing(&state, &d.component).await?;
    caller.write_as(
        &owner.team,
        Scope::Publish,
        &format!("pacticipant `{}`", d.component),
    )?;
    state
        .store
        .end_deployment(&d, state.config.clock.now_ms()?)
        .await?;
    let body = deployed_json(
        &state,
        &base,
        Deployed {
            id: &d.id,
            name: &d.component,
            version: &d.version,
            env: &d.environment,
            at: d.deployed_at,
            current: false,
        },
    )
    .await?;
    Ok(hal(StatusCode::OK, body))
}
