//! Pacticipants (Treaty components), their versions, and the branches and
//! tags of versions: `/pacticipants/...`.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, put};
use serde::Deserialize;
use serde_json::{Value, json};
use treaty_store::{PacticipantDetails, Scope, Written};

use super::environments::{environment_uuid, known_environments};
use super::{
    Base, PactError, PactResult, bad, check_label, check_name, check_version, existing, hal, iso,
    own_component, parse_body, seg,
};
use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiError;

pub(super) fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/pacticipants", get(list).post(create))
        .route(
            "/pacticipants/{pacticipant}",
            get(show).patch(update).put(update),
        )
        .route(
            "/pacticipants/{pacticipant}/versions/{version}",
            get(show_version).put(put_version),
        )
        .route(
            "/pacticipants/{pacticipant}/branches/{branch}/versions/{version}",
            put(put_branch_version).get(show_branch_version),
        )
        .route(
            "/pacticipants/{pacticipant}/versions/{version}/tags/{tag}",
            put(put_tag),
        )
}

/// Pacticipants listed at once, at most.
const MAX_LISTED: i64 = 1000;

/// What a client says of a pacticipant; unknown fields are ignored, as
/// the Pact Broker ignores them.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PacticipantBody {
    name: Option<String>,
    display_name: Option<String>,
    main_branch: Option<String>,
    repository_url: Option<String>,
}

impl PacticipantBody {
    fn details(self) -> PactResult<PacticipantDetails> {
        for (field, value) in [
            ("displayName", &self.display_name),
            ("mainBranch", &self.main_branch),
            ("repositoryUrl", &self.repository_url),
        ] {
            if let Some(v) = value {
                check_label(field, v).or_else(|e| {
                    if field == "repositoryUrl" && v.len() <= 2048 && !v.is_empty() {
                        Ok(())
                    } else {
                        Err(e)
                    }
                })?;
            }
        }
        Ok(PacticipantDetails {
            display_name: self.display_name,
            main_branch: self.main_branch,
            repository_url: self.repository_url,
        })
    }
}

async fn pacticipant_json(
    state: &AppState,
    base: &Base,
    name: &str,
    team: &str,
) -> PactResult<Value> {
    let d = state.store.pacticipant_details(name).await?;
    let p = format!("/pacticipants/{}", seg(name));
    Ok(json!({
        "name": name,
        "displayName": d.display_name.clone().unwrap_or_else(|| name.to_owned()),
        "mainBranch": d.main_branch,
        "repositoryUrl": d.repository_url,
        "team": team,
        "_links": {
            "self": base.link(&p),
            "pb:versions": base.link(&format!("{p}/versions")),
            "pb:version": base.template(&format!("{p}/versions/{{version}}"), "Get, create or delete a pacticipant version"),
            "pb:branch-version": base.template(&format!("{p}/branches/{{branch}}/versions/{{version}}"), "Get or add/create a version for a branch"),
            "pb:version-tag": base.template(&format!("{p}/versions/{{version}}/tags/{{tag}}"), "Get, create or delete a tag for a version"),
        }
    }))
}

async fn list(State(state): State<AppState>, caller: Caller, base: Base) -> PactResult<Response> {
    caller.read(state.config.anonymous_read)?;
    let mut items = Vec::new();
    for c in state.store.components("", MAX_LISTED).await? {
        items.push(pacticipant_json(&state, &base, &c.id, &c.team).await?);
    }
    Ok(hal(
        StatusCode::OK,
        json!({
            "_embedded": {"pacticipants": items},
            "_links": {"self": base.link("/pacticipants")}
        }),
    ))
}

/// Creates a pacticipant: a component of the caller's team.
async fn create(
    State(state): State<AppState>,
    caller: Caller,
    base: Base,
    body: Bytes,
) -> PactResult<Response> {
    caller.principal()?;
    let body: PacticipantBody = parse_body(&body)?;
    let name = body
        .name
        .clone()
        .ok_or_else(|| bad("name", "is required"))?;
    check_name("name", &name)?;
    let existed = state.store.component(&name).await?.is_some();
    own_component(&state, &caller, &name).await?;
    let details = body.details()?;
    state.store.put_pacticipant_details(&name, &details).await?;
    let team = existing(&state, &name).await?.team;
    let status = if existed {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok(hal(
        status,
        pacticipant_json(&state, &base, &name, &team).await?,
    ))
}

async fn show(
    State(state): State<AppState>,
    caller: Caller,
    base: Base,
    Path(name): Path<String>,
) -> PactResult<Response> {
    caller.read(state.config.anonymous_read)?;
    check_name("pacticipant", &name)?;
    let c = existing(&state, &name).await?;
    Ok(hal(
        StatusCode::OK,
        pacticipant_json(&state, &base, &name, &c.team).await?,
    ))
}

/// Updates what Pact clients say of a pacticipant (its team's token).
async fn update(
    State(state): State<AppState>,
    caller: Caller,
    base: Base,
    Path(name): Path<String>,
    body: Bytes,
) -> PactResult<Response> {
    caller.principal()?;
    check_name("pacticipant", &name)?;
    let body: PacticipantBody = parse_body(&body)?;
    if body.name.as_ref().is_some_and(|n| *n != name) {
        return Err(bad("name", "a pacticipant cannot be renamed"));
    }
    let c = existing(&state, &name).await?;
    caller.write_as(&c.team, Scope::Publish, &format!("pacticipant `{name}`"))?;
    let mut details = state.store.pacticipant_details(&name).await?;
    let new = body.details()?;
    // A merge patch: what is absent stays.
    details.display_name = new.display_name.or(details.display_name);
    details.main_branch = new.main_branch.or(details.main_branch);
    details.repository_url = new.repository_url.or(details.repository_url);
    state.store.put_pacticipant_details(&name, &details).await?;
    Ok(hal(
        StatusCode::OK,
        pacticipant_json(&state, &base, &name, &c.team).await?,
    ))
}

/// A version as the Pact Broker shows it, with the links to record its
/// deployment or release in each environment.
pub(super) async fn version_json(
    state: &AppState,
    base: &Base,
    name: &str,
    version: &str,
    created_at: i64,
) -> PactResult<Value> {
    let (branches, tags) = state.store.version_labels(name, version).await?;
    let p = format!("/pacticipants/{}/versions/{}", seg(name), seg(version));
    let mut deploy_links = Vec::new();
    let mut release_links = Vec::new();
    for env in known_environments(state).await? {
        let uuid = environment_uuid(&env);
        deploy_links.push(base.named(
            &format!("{p}/deployed-versions/environment/{uuid}"),
            &env,
            &format!("Record deployment to {env}"),
        ));
        release_links.push(base.named(
            &format!("{p}/released-versions/environment/{uuid}"),
            &env,
            &format!("Record release to {env}"),
        ));
    }
    let branch_versions: Vec<Value> = branches
        .iter()
        .map(|b| json!({"name": b, "_links": {"self": base.link(&format!("/pacticipants/{}/branches/{}/versions/{}", seg(name), seg(b), seg(version)))}}))
        .collect();
    let tags: Vec<Value> = tags.iter().map(|t| json!({"name": t})).collect();
    Ok(json!({
        "number": version,
        "createdAt": iso(created_at),
        "branchVersions": branch_versions,
        "tags": tags,
        "_embedded": {"branchVersions": branch_versions, "tags": tags},
        "_links": {
            "self": base.named(&p, version, &format!("Version {version}")),
            "pb:pacticipant": base.named(&format!("/pacticipants/{}", seg(name)), name, "Pacticipant"),
            "pb:record-deployment": deploy_links,
            "pb:record-release": release_links,
        }
    }))
}

async fn show_version(
    State(state): State<AppState>,
    caller: Caller,
    base: Base,
    Path((name, version)): Path<(String, String)>,
) -> PactResult<Response> {
    caller.read(state.config.anonymous_read)?;
    check_name("pacticipant", &name)?;
    check_version("version", &version)?;
    existing(&state, &name).await?;
    let Some(created) = state
        .store
        .component_version_created(&name, &version)
        .await?
    else {
        return Err(PactError(ApiError::NotFound(format!(
            "version {version} of pacticipant `{name}` does not exist"
        ))));
    };
    Ok(hal(
        StatusCode::OK,
        version_json(&state, &base, &name, &version, created).await?,
    ))
}

/// What a client may send with a version.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct VersionBody {
    branch: Option<String>,
    #[serde(default)]
    tags: Vec<String>,
}

/// Records a version (and a branch and tags) of a pacticipant the
/// caller's team owns, creating the pacticipant on first use.
async fn label(
    state: &AppState,
    caller: &Caller,
    base: &Base,
    name: &str,
    version: &str,
    branch: Option<&str>,
    tags: &[String],
) -> PactResult<Response> {
    caller.principal()?;
    check_name("pacticipant", name)?;
    check_version("version", version)?;
    if let Some(b) = branch {
        check_label("branch", b)?;
    }
    for t in tags {
        check_label("tags", t)?;
    }
    own_component(state, caller, name).await?;
    let now = state.config.clock.now_ms()?;
    let w = state
        .store
        .label_component_version(name, version, branch, tags, now)
        .await?;
    let created = state
        .store
        .component_version_created(name, version)
        .await?
        .unwrap_or(now);
    let status = match w {
        Written::Created => StatusCode::CREATED,
        Written::Unchanged => StatusCode::OK,
    };
    Ok(hal(
        status,
        version_json(state, base, name, version, created).await?,
    ))
}

async fn put_version(
    State(state): State<AppState>,
    caller: Caller,
    base: Base,
    Path((name, version)): Path<(String, String)>,
    body: Bytes,
) -> PactResult<Response> {
    caller.principal()?;
    let body: VersionBody = parse_body(&body)?;
    label(
        &state,
        &caller,
        &base,
        &name,
        &version,
        body.branch.as_deref(),
        &body.tags,
    )
    .await
}

async fn put_branch_version(
    State(state): State<AppState>,
    caller: Caller,
    base: Base,
    Path((name, branch, version)): Path<(String, String, String)>,
) -> PactResult<Response> {
    label(&state, &caller, &base, &name, &version, Some(&branch), &[]).await
}

async fn show_branch_version(
    State(state): State<AppState>,
    caller: Caller,
    base: Base,
    Path((name, branch, version)): Path<(String, String, String)>,
) -> PactResult<Response> {
    caller.read(state.config.anonymous_read)?;
    check_name("pacticipant", &name)?;
    check_version("version", &version)?;
    let (branches, _) = state.store.version_labels(&name, &version).await?;
    if !branches.contains(&branch) {
        return Err(PactError(ApiError::NotFound(format!(
            "version {version} of `{name}` is not on branch `{branch}`"
        ))));
    }
    let created = state
        .store
        .component_version_created(&name, &version)
        .await?
        .unwrap_or_default();
    Ok(hal(
        StatusCode::OK,
        version_json(&state, &base, &name, &version, created).await?,
    ))
}

async fn put_tag(
    State(state): State<AppState>,
    caller: Caller,
    base: Base,
    Path((name, version, tag)): Path<(String, String, String)>,
) -> PactResult<Response> {
    let response = label(
        &state,
        &caller,
        &base,
        &name,
        &version,
        None,
        std::slice::from_ref(&tag),
    )
    .await?;
    let status = response.status();
    Ok(hal(
        status,
        json!({
            "name": tag,
            "_links": {"self": base.link(&format!("/pacticipants/{}/versions/{}/tags/{}", seg(&name), seg(&version), seg(&tag)))}
        }),
    ))
}
