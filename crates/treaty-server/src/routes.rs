//! The handlers of `/api/v1`. Each checks the caller before it writes,
//! validates ids and sizes, and writes through one store call (one
//! transaction).

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use treaty_compat::Bundle;
use treaty_store::{ExpectationRecord, InterfaceRecord, Scope, Written};

use crate::api::*;
use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody, Json};
use crate::release::{self, format_of};
use crate::{AppState, now_ms};

type Result<T> = std::result::Result<T, ApiError>;

fn status(w: Written) -> StatusCode {
    match w {
        Written::Created => StatusCode::CREATED,
        Written::Unchanged => StatusCode::OK,
    }
}

async fn existing_team(state: &AppState, id: &str) -> Result<()> {
    if state.store.team_exists(id).await? {
        Ok(())
    } else {
        Err(ApiError::NotFound(format!("team `{id}` does not exist")))
    }
}

async fn existing_component(state: &AppState, id: &str) -> Result<treaty_store::Component> {
    state
        .store
        .component(id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("component `{id}` does not exist")))
}

async fn existing_interface(state: &AppState, id: &str) -> Result<treaty_store::OwnedInterface> {
    state
        .store
        .interface(id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("interface `{id}` does not exist")))
}

async fn existing_environment(state: &AppState, id: &str) -> Result<()> {
    if state.store.environment_exists(id).await? {
        Ok(())
    } else {
        Err(ApiError::NotFound(format!(
            "environment `{id}` does not exist"
        )))
    }
}

fn interface_out(o: treaty_store::OwnedInterface) -> Interface {
    Interface {
        id: o.interface.id,
        component: o.interface.component,
        team: o.team,
        kind: o.interface.kind,
        compatibility: o.interface.compatibility,
        proto_category: o.interface.proto_category,
    }
}

/// Create a team (admin).
#[utoipa::path(post, path = "/api/v1/teams", tag = "teams", request_body = NewTeam,
    responses((status = 201, body = Team), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn create_team(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<NewTeam>,
) -> Result<(StatusCode, Json<Team>)> {
    caller.admin()?;
    check_id("id", &body.id, false)?;
    if body.name.is_empty() || body.name.len() > 200 {
        return Err(ApiError::Invalid("`name` must be 1 to 200 bytes".into()));
    }
    state
        .store
        .create_team(&body.id, &body.name, now_ms())
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(Team {
            id: body.id,
            name: body.name,
        }),
    ))
}

/// List teams.
#[utoipa::path(get, path = "/api/v1/teams", tag = "teams", params(PageQuery),
    responses((status = 200, body = Page<Team>), (status = 401, body = ErrorBody)))]
pub async fn list_teams(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<PageQuery>,
) -> Result<Json<Page<Team>>> {
    caller.read(state.config.anonymous_read)?;
    let limit = q.limit()?;
    let teams = state
        .store
        .teams(q.after.as_deref().unwrap_or(""), limit + 1)
        .await?;
    let items = teams
        .into_iter()
        .map(|t| Team {
            id: t.id,
            name: t.name,
        })
        .collect();
    Ok(Json(page(items, limit, |t: &Team| t.id.clone())))
}

/// Issue a token for a team (admin). The secret is in this response only.
#[utoipa::path(post, path = "/api/v1/tokens", tag = "tokens", request_body = NewToken,
    responses((status = 201, body = IssuedToken), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn create_token(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<NewToken>,
) -> Result<(StatusCode, Json<IssuedToken>)> {
    caller.admin()?;
    check_id("team", &body.team, false)?;
    let mut scopes = Vec::new();
    for s in &body.scopes {
        let scope = Scope::parse(s).ok_or_else(|| {
            ApiError::Invalid(format!(
                "unknown scope `{s}`: expected read, publish, approve or admin"
            ))
        })?;
        if !scopes.contains(&scope) {
            scopes.push(scope);
        }
    }
    if scopes.is_empty() {
        return Err(ApiError::Invalid(
            "`scopes` must name at least one scope".into(),
        ));
    }
    existing_team(&state, &body.team).await?;
    let (id, token) = state
        .store
        .issue_token(&body.team, &scopes, now_ms())
        .await?;
    tracing::info!(token = %id, team = %body.team, "token issued");
    Ok((
        StatusCode::CREATED,
        Json(IssuedToken {
            id,
            team: body.team,
            scopes: scopes.iter().map(|s| s.as_str().to_owned()).collect(),
            token,
        }),
    ))
}

/// Revoke a token by its id (admin, or the token's own team with `publish`).
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "tokens", params(("id" = String, Path)),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn revoke_token(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    // Who asks comes first: an anonymous caller learns nothing of what exists.
    caller.principal()?;
    check_id("id", &id, false)?;
    let team = state
        .store
        .token_team(&id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("token `{id}` does not exist")))?;
    caller.write_as(&team, Scope::Publish, &format!("token `{id}`"))?;
    if state.store.revoke_token(&id, now_ms()).await? {
        state.tokens.clear();
        tracing::info!(token = %id, "token revoked");
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound(format!(
            "token `{id}` is already revoked"
        )))
    }
}

/// Register a component of a team (that team with `publish`, or admin).
#[utoipa::path(put, path = "/api/v1/components/{id}", tag = "components", params(("id" = String, Path)), request_body = NewComponent,
    responses((status = 201, body = Component), (status = 200, body = Component), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn put_component(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(body): Json<NewComponent>,
) -> Result<(StatusCode, Json<Component>)> {
    // Who asks comes first: an anonymous caller learns nothing of what exists.
    caller.principal()?;
    check_id("id", &id, false)?;
    check_id("team", &body.team, false)?;
    caller.write_as(&body.team, Scope::Publish, &format!("component `{id}`"))?;
    existing_team(&state, &body.team).await?;
    let w = state
        .store
        .create_component(&id, &body.team, now_ms())
        .await?;
    Ok((
        status(w),
        Json(Component {
            id,
            team: body.team,
        }),
    ))
}

/// List components.
#[utoipa::path(get, path = "/api/v1/components", tag = "components", params(PageQuery),
    responses((status = 200, body = Page<Component>), (status = 401, body = ErrorBody)))]
pub async fn list_components(
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
        .map(|c| Component {
            id: c.id,
            team: c.team,
        })
        .collect();
    Ok(Json(page(items, limit, |c: &Component| c.id.clone())))
}

/// Register an interface produced by a component of the caller's team.
#[utoipa::path(put, path = "/api/v1/interfaces/{id}", tag = "interfaces", params(("id" = String, Path)), request_body = NewInterface,
    responses((status = 201, body = Interface), (status = 200, body = Interface), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_interface(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(body): Json<NewInterface>,
) -> Result<(StatusCode, Json<Interface>)> {
    // Who asks comes first: an anonymous caller learns nothing of what exists.
    caller.principal()?;
    check_id("id", &id, false)?;
    check_id("component", &body.component, false)?;
    let component = existing_component(&state, &body.component).await?;
    caller.write_as(
        &component.team,
        Scope::Publish,
        &format!("component `{}`", component.id),
    )?;
    if format_of(&body.kind).is_none() {
        return Err(ApiError::Invalid(format!(
            "unknown kind `{}`: expected openapi, jsonschema, avro, asyncapi or protobuf",
            body.kind
        )));
    }
    let compatibility = body.compatibility.unwrap_or_else(|| "backward".into());
    const POLICIES: [&str; 7] = [
        "backward",
        "backward_transitive",
        "forward",
        "forward_transitive",
        "full",
        "full_transitive",
        "none",
    ];
    if !POLICIES.contains(&compatibility.as_str()) {
        return Err(ApiError::Invalid(format!(
            "unknown compatibility `{compatibility}`: expected one of {}",
            POLICIES.join(", ")
        )));
    }
    if let Some(c) = &body.proto_category {
        c.parse::<treaty_compat::proto::Category>()
            .map_err(ApiError::Invalid)?;
        if body.kind != "protobuf" {
            return Err(ApiError::Invalid(
                "`proto_category` is for protobuf interfaces only".into(),
            ));
        }
    }
    let record = InterfaceRecord {
        id: id.clone(),
        component: component.id.clone(),
        kind: body.kind,
        compatibility,
        proto_category: body.proto_category,
    };
    let w = state.store.create_interface(&record, now_ms()).await?;
    Ok((
        status(w),
        Json(interface_out(treaty_store::OwnedInterface {
            interface: record,
            team: component.team,
        })),
    ))
}

/// One interface.
#[utoipa::path(get, path = "/api/v1/interfaces/{id}", tag = "interfaces", params(("id" = String, Path)),
    responses((status = 200, body = Interface), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_interface(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Interface>> {
    caller.read(state.config.anonymous_read)?;
    Ok(Json(interface_out(existing_interface(&state, &id).await?)))
}

/// List interfaces.
#[utoipa::path(get, path = "/api/v1/interfaces", tag = "interfaces", params(PageQuery),
    responses((status = 200, body = Page<Interface>), (status = 401, body = ErrorBody)))]
pub async fn list_interfaces(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<PageQuery>,
) -> Result<Json<Page<Interface>>> {
    caller.read(state.config.anonymous_read)?;
    let limit = q.limit()?;
    let items = state
        .store
        .interfaces(q.after.as_deref().unwrap_or(""), limit + 1)
        .await?
        .into_iter()
        .map(interface_out)
        .collect();
    Ok(Json(page(items, limit, |i: &Interface| i.id.clone())))
}

/// Publish what a version of the producer component provides. The same
/// bundle again is accepted (200); another bundle under the same version is
/// a conflict: versions are immutable.
#[utoipa::path(put, path = "/api/v1/interfaces/{id}/versions/{version}", tag = "interfaces",
    params(("id" = String, Path), ("version" = String, Path)), request_body = SchemaBundle,
    responses((status = 201, body = Published), (status = 200, body = Published), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn publish_version(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, version)): Path<(String, String)>,
    Json(body): Json<SchemaBundle>,
) -> Result<(StatusCode, Json<Published>)> {
    // Who asks comes first: an anonymous caller learns nothing of what exists.
    caller.principal()?;
    check_id("interface", &id, false)?;
    check_id("version", &version, true)?;
    let interface = existing_interface(&state, &id).await?;
    caller.write_as(
        &interface.team,
        Scope::Publish,
        &format!("interface `{id}`"),
    )?;
    if body.files.len() > treaty_compat::bundle::MAX_FILES {
        return Err(ApiError::Invalid(format!(
            "a bundle holds at most {} files, this one {}",
            treaty_compat::bundle::MAX_FILES,
            body.files.len()
        )));
    }
    if body.include_paths.len() > 100 {
        return Err(ApiError::Invalid(
            "`include_paths` holds at most 100 directories".into(),
        ));
    }
    if let Some(long) = body
        .files
        .keys()
        .chain(body.include_paths.iter())
        .find(|p| p.is_empty() || p.len() > 1024)
    {
        return Err(ApiError::Invalid(format!(
            "paths in a bundle must be 1 to 1024 bytes: {:?}",
            long.chars().take(40).collect::<String>()
        )));
    }
    if !body.files.contains_key(&body.entry) {
        return Err(ApiError::Invalid(format!(
            "`entry` names `{}`, which is not among `files`",
            body.entry
        )));
    }
    let bundle = Bundle {
        entry: body.entry,
        include_paths: body.include_paths,
        files: body.files,
    };
    // A schema that cannot be read now could never be compared later:
    // refuse it while the publisher is there to fix it.
    let format = format_of(&interface.interface.kind)
        .ok_or_else(|| ApiError::Internal(format!("stored kind `{}`", interface.interface.kind)))?;
    let _permit = state
        .comparisons
        .acquire()
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let bundle = tokio::task::spawn_blocking(move || {
        treaty_compat::diff_bundles(
            &bundle,
            &bundle,
            format,
            treaty_compat::proto::Category::File,
        )
        .map(|_| bundle)
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))?
    .map_err(|e| {
        let d = &e.diagnostic;
        let sources = e.sources();
        let place = match (d.span.and_then(|s| sources.locate(s)), &d.file) {
            (Some((file, pos)), _) => format!("{file}:{}:{}: ", pos.line, pos.column),
            (None, Some(f)) => format!("{f}: "),
            _ => String::new(),
        };
        ApiError::Invalid(format!(
            "the schema is not a readable {} document: {place}{}",
            interface.interface.kind, d.message
        ))
    })?;
    let text = bundle.canonical();
    let w = state
        .store
        .publish_version(&id, &version, &text, now_ms())
        .await?;
    tracing::info!(interface = %id, %version, created = w == Written::Created, "version published");
    Ok((
        status(w),
        Json(Published {
            interface: id,
            version,
            created: w == Written::Created,
            bundle_hash: treaty_store::content_hash(&text),
        }),
    ))
}

/// Versions of an interface, in the text order of their names.
#[utoipa::path(get, path = "/api/v1/interfaces/{id}/versions", tag = "interfaces",
    params(("id" = String, Path), PageQuery),
    responses((status = 200, body = Page<InterfaceVersion>), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_versions(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Query(q): Query<PageQuery>,
) -> Result<Json<Page<InterfaceVersion>>> {
    caller.read(state.config.anonymous_read)?;
    existing_interface(&state, &id).await?;
    let limit = q.limit()?;
    let items = state
        .store
        .versions(&id, q.after.as_deref().unwrap_or(""), limit + 1)
        .await?
        .into_iter()
        .map(|v| InterfaceVersion {
            version: v.version,
            bundle_hash: v.bundle_hash,
            created_at: v.created_at,
        })
        .collect();
    Ok(Json(page(items, limit, |v: &InterfaceVersion| {
        v.version.clone()
    })))
}

/// The schema bundle of a published version.
#[utoipa::path(get, path = "/api/v1/interfaces/{id}/versions/{version}", tag = "interfaces",
    params(("id" = String, Path), ("version" = String, Path)),
    responses((status = 200, body = SchemaBundle), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_version(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, version)): Path<(String, String)>,
) -> Result<Json<SchemaBundle>> {
    caller.read(state.config.anonymous_read)?;
    let (_, text) =
        state.store.bundle_of(&id, &version).await?.ok_or_else(|| {
            ApiError::NotFound(format!("version {version} of `{id}` does not exist"))
        })?;
    let b: Bundle = serde_json::from_str(&text).map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(Json(SchemaBundle {
        entry: b.entry,
        include_paths: b.include_paths,
        files: b.files,
    }))
}

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

/// Record what a consumer component version was built against and uses
/// (the consumer's team with `publish`). Immutable, like versions.
#[utoipa::path(put, path = "/api/v1/components/{component}/versions/{version}/expectations/{interface}", tag = "expectations",
    params(("component" = String, Path), ("version" = String, Path), ("interface" = String, Path)), request_body = NewExpectation,
    responses((status = 201, body = Expectation), (status = 200, body = Expectation), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_expectation(
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
        if a.name.is_empty() || a.name.len() > 1024 {
            return Err(ApiError::Invalid(
                "artifact names must be 1 to 1024 bytes".into(),
            ));
        }
    }
    let usage = treaty_core::impact::Usage {
        operations: body.uses.operations.clone(),
        messages: body.uses.messages.clone(),
        channels: body.uses.channels.clone(),
        fields: body.uses.fields.clone(),
    };
    let record = ExpectationRecord {
        component: component.clone(),
        version: version.clone(),
        interface: interface.clone(),
        built_against: body.built_against.clone(),
        uses: serde_json::to_string(&usage).map_err(|e| ApiError::Internal(e.to_string()))?,
        artifacts: serde_json::to_string(&body.artifacts)
            .map_err(|e| ApiError::Internal(e.to_string()))?,
    };
    let w = state.store.put_expectation(&record, now_ms()).await?;
    Ok((
        status(w),
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
pub async fn list_expectations(
    State(state): State<AppState>,
    caller: Caller,
    Path((component, version)): Path<(String, String)>,
) -> Result<Json<Vec<Expectation>>> {
    caller.read(state.config.anonymous_read)?;
    existing_component(&state, &component).await?;
    let records = state.store.expectations_of(&component, &version).await?;
    let mut out = Vec::new();
    for r in records {
        let usage: treaty_core::impact::Usage =
            serde_json::from_str(&r.uses).map_err(|e| ApiError::Internal(e.to_string()))?;
        out.push(Expectation {
            component: r.component,
            version: r.version,
            interface: r.interface,
            built_against: r.built_against,
            uses: Uses {
                operations: usage.operations,
                messages: usage.messages,
                channels: usage.channels,
                fields: usage.fields,
            },
            artifacts: serde_json::from_str(&r.artifacts)
                .map_err(|e| ApiError::Internal(e.to_string()))?,
            created: None,
        });
    }
    Ok(Json(out))
}

fn verification_out(r: treaty_store::VerificationRecord) -> Verification {
    Verification {
        id: r.id,
        interface: r.verification.interface,
        provider_version: r.verification.provider_version,
        consumer: r.verification.consumer,
        consumer_version: r.verification.consumer_version,
        success: r.verification.success,
        details: r.verification.details,
        recorded_by: r.recorded_by,
        recorded_at: r.recorded_at,
    }
}

/// Record the result of verifying a consumer version against a provider
/// version (the producer's team with `publish`). A failure blocks the pair
/// in can-i-release until a later success.
#[utoipa::path(post, path = "/api/v1/verifications", tag = "verifications", request_body = NewVerification,
    responses((status = 201, body = Verification), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_verification(
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
    let v = treaty_store::Verification {
        interface: body.interface,
        provider_version: body.provider_version,
        consumer: body.consumer,
        consumer_version: body.consumer_version,
        success: body.success,
        details: body.details,
    };
    let now = now_ms();
    let id = state
        .store
        .record_verification(&v, &recorded_by, now)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(verification_out(treaty_store::VerificationRecord {
            id,
            verification: v,
            recorded_by,
            recorded_at: now,
        })),
    ))
}

/// Verifications of an interface, newest first.
#[utoipa::path(get, path = "/api/v1/verifications", tag = "verifications", params(VerificationQuery),
    responses((status = 200, body = Page<Verification>), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_verifications(
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
    let cursor = match q.after.as_deref() {
        None => None,
        Some(c) => {
            let (at, id) = c
                .split_once(':')
                .and_then(|(at, id)| Some((at.parse::<i64>().ok()?, id)))
                .ok_or_else(|| {
                    ApiError::Invalid(format!("`after` {c:?} is not a cursor this broker gave"))
                })?;
            Some((at, id))
        }
    };
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
        .map(verification_out)
        .collect();
    Ok(Json(page(items, limit, |v: &Verification| {
        format!("{}:{}", v.recorded_at, v.id)
    })))
}

/// Register an environment (admin).
#[utoipa::path(put, path = "/api/v1/environments/{id}", tag = "environments", params(("id" = String, Path)),
    responses((status = 201, body = Environment), (status = 200, body = Environment), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn put_environment(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<Environment>)> {
    caller.admin()?;
    check_id("id", &id, false)?;
    let w = state.store.create_environment(&id, now_ms()).await?;
    Ok((
        status(w),
        Json(Environment {
            id,
            created: Some(w == Written::Created),
        }),
    ))
}

/// List environments.
#[utoipa::path(get, path = "/api/v1/environments", tag = "environments",
    responses((status = 200, body = Vec<Environment>), (status = 401, body = ErrorBody)))]
pub async fn list_environments(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<Environment>>> {
    caller.read(state.config.anonymous_read)?;
    Ok(Json(
        state
            .store
            .environments()
            .await?
            .into_iter()
            .map(|id| Environment { id, created: None })
            .collect(),
    ))
}

/// What runs in an environment.
#[utoipa::path(get, path = "/api/v1/environments/{id}/deployments", tag = "environments", params(("id" = String, Path)),
    responses((status = 200, body = Vec<Deployment>), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_deployments(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Vec<Deployment>>> {
    caller.read(state.config.anonymous_read)?;
    existing_environment(&state, &id).await?;
    Ok(Json(
        state
            .store
            .deployed(&id)
            .await?
            .into_iter()
            .map(|d| Deployment {
                id: d.id,
                component: d.component,
                environment: d.environment,
                version: d.version,
                deployed_at: d.deployed_at,
            })
            .collect(),
    ))
}

/// Record that a component version now runs in an environment (the
/// component's team with `publish`, or admin). The version running there
/// before is undeployed in the same transaction.
#[utoipa::path(post, path = "/api/v1/deployments", tag = "environments", request_body = NewDeployment,
    responses((status = 201, body = Deployment), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn create_deployment(
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
    let now = now_ms();
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
pub async fn create_undeployment(
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
        .record_undeployment(&body.component, &body.environment, now_ms())
        .await?;
    Ok(Json(Undeployed {
        component: body.component,
        environment: body.environment,
        undeployed,
    }))
}

/// May this component version go to this environment? Checks it as a
/// producer against every consumer version running there, and as a
/// consumer against every producer version running there.
#[utoipa::path(get, path = "/api/v1/can-i-release", tag = "release", params(ReleaseQuery),
    responses((status = 200, body = ReleaseVerdict), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn can_i_release(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<ReleaseQuery>,
) -> Result<Json<ReleaseVerdict>> {
    caller.read(state.config.anonymous_read)?;
    check_id("component", &q.component, false)?;
    check_id("version", &q.version, true)?;
    check_id("environment", &q.environment, false)?;
    let v = release::can_i_release(
        &state.store,
        &state.cache,
        &state.comparisons,
        &q.component,
        &q.version,
        &q.environment,
    )
    .await?;
    use treaty_core::release::Outcome;
    let pairs = v
        .pairs
        .into_iter()
        .map(|j| {
            let blocks = j.outcome.blocks();
            let (outcome, verification, changes, reason) = match j.outcome {
                Outcome::Verified { verification } => {
                    ("verified", Some(verification), vec![], None)
                }
                Outcome::Compatible => ("compatible", None, vec![], None),
                Outcome::VerificationFailed { verification } => {
                    ("verification_failed", Some(verification), vec![], None)
                }
                Outcome::BreakingChanges { changes } => (
                    "breaking_changes",
                    None,
                    changes
                        .into_iter()
                        .map(|c| BreakingChange {
                            rule: c.rule.to_owned(),
                            message: c.message,
                            field: c.field,
                            operations: c.operations,
                        })
                        .collect(),
                    None,
                ),
                Outcome::Missing { reason } => ("missing", None, vec![], Some(reason)),
            };
            CheckedPair {
                interface: j.pair.interface,
                producer: j.pair.producer,
                producer_version: j.pair.producer_version,
                consumer: j.pair.consumer,
                consumer_version: j.pair.consumer_version,
                built_against: j.pair.built_against,
                outcome: outcome.to_owned(),
                blocks,
                verification,
                changes,
                reason,
            }
        })
        .collect();
    Ok(Json(ReleaseVerdict {
        component: v.component,
        version: v.version,
        environment: v.environment,
        release: v.release,
        reasons: v.reasons,
        pairs,
    }))
}

/// The team and scopes of the caller's token.
#[utoipa::path(get, path = "/api/v1/whoami", tag = "tokens",
    responses((status = 200, body = WhoAmI), (status = 401, body = ErrorBody)))]
pub async fn whoami(caller: Caller) -> Result<Json<WhoAmI>> {
    let p = caller.principal()?;
    Ok(Json(WhoAmI {
        team: p.team.clone(),
        scopes: p.scopes.iter().map(|s| s.as_str().to_owned()).collect(),
    }))
}

/// The process is up.
#[utoipa::path(get, path = "/healthz", tag = "operations", responses((status = 200, body = Health)))]
pub async fn healthz() -> Json<Health> {
    Json(Health {
        status: "ok".into(),
    })
}

/// The database answers.
#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses((status = 200, body = Health), (status = 503, body = ErrorBody)))]
pub async fn readyz(
    State(state): State<AppState>,
) -> std::result::Result<Json<Health>, axum::response::Response> {
    match state.store.ping().await {
        Ok(()) => Ok(Json(Health {
            status: "ready".into(),
        })),
        Err(e) => Err(crate::error::error_response(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            format!("the database does not answer: {e}"),
        )),
    }
}
