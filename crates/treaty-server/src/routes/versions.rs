//! `/api/v1/interfaces/{id}/versions`: publish a version's schema bundle
//! (immutable once published), read one back, list them.

use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use treaty_compat::{Bundle, Format};
use treaty_store::{Scope, Written};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::common::{Result, existing_interface, written_status};
use crate::AppState;
use crate::api::{InterfaceVersion, Page, PageQuery, Published, SchemaBundle, check_id, page};
use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody, Json};
use crate::stored::{self, Row};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_versions))
        .routes(routes!(publish_version, get_version))
        // One per broker: the bundle downloads in progress share it.
        .layer(axum::Extension(download::Downloads::new()))
        .layer(axum::Extension(slots::PublishSlots::new(slots::PER_TOKEN)))
}

mod budget;
mod download;
mod paths;
mod slots;

/// Include directories in one bundle, at most.
const MAX_INCLUDE_PATHS: usize = 100;

/// The bundle's shape: sizes, paths a client can write safely, an entry
/// among its files.
fn check_bundle(body: &SchemaBundle) -> Result<()> {
    if body.files.len() > treaty_compat::bundle::MAX_FILES {
        return Err(ApiError::Invalid(format!(
            "a bundle holds at most {} files, this one {}",
            treaty_compat::bundle::MAX_FILES,
            body.files.len()
        )));
    }
    if body.include_paths.len() > MAX_INCLUDE_PATHS {
        return Err(ApiError::Invalid(format!(
            "`include_paths` holds at most {MAX_INCLUDE_PATHS} directories"
        )));
    }
    let refused = |what: &str, path: &str, why: &str| {
        ApiError::Invalid(format!(
            "{what} `{}` {why}: paths in a bundle are relative, `/`-separated, without `.` or `..` segments, at most {} bytes",
            paths::shown(path),
            paths::MAX_PATH
        ))
    };
    for path in body.files.keys() {
        if let Some(why) = paths::unsafe_path(path) {
            return Err(refused("file", path, why));
        }
    }
    for path in &body.include_paths {
        if let Some(why) = paths::unsafe_directory(path) {
            return Err(refused("include path", path, why));
        }
    }
    if let Some(clash) = paths::clash(body.files.keys()) {
        return Err(ApiError::Invalid(clash));
    }
    if !body.files.contains_key(&body.entry) {
        return Err(ApiError::Invalid(format!(
            "`entry` names `{}`, which is not among `files`",
            paths::shown(&body.entry)
        )));
    }
    Ok(())
}

/// Why a bundle is refused before it is stored.
enum Unreadable {
    /// More nodes than one bundle may hold: the refusal.
    OverBudget(String),
    /// What the engine could not read.
    Engine(treaty_compat::CompatError),
}

/// The bundle back if it holds at most `max_nodes` nodes and the engine
/// reads it as a `kind` document. A schema that cannot be read now could
/// never be compared later: it is refused while the publisher is there to
/// fix it.
async fn readable(state: &AppState, bundle: Bundle, format: Format, kind: &str) -> Result<Bundle> {
    let max_nodes = state.config.max_bundle_nodes;
    crate::release::on_comparison_thread(&state.comparisons, move || {
        // Counted first: the engine reads the bundle twice over (as the old
        // and the new side), so its trees cost more than the count's.
        if let Some(refusal) = budget::over_budget(bundle.files.values(), format, max_nodes) {
            return Err(Unreadable::OverBudget(refusal));
        }
        treaty_compat::diff_bundles(
            &bundle,
            &bundle,
            format,
            treaty_compat::proto::Category::File,
        )
        .map(|_| bundle)
        .map_err(Unreadable::Engine)
    })
    .await
    .map_err(ApiError::Internal)?
    .map_err(|e| {
        let e = match e {
            Unreadable::OverBudget(refusal) => return ApiError::Invalid(refusal),
            Unreadable::Engine(e) => e,
        };
        let d = &e.diagnostic;
        let sources = e.sources();
        let place = match (d.span.and_then(|s| sources.locate(s)), &d.file) {
            (Some((file, pos)), _) => format!("{file}:{}:{}: ", pos.line, pos.column),
            (None, Some(f)) => format!("{f}: "),
            _ => String::new(),
        };
        ApiError::Invalid(format!(
            "the schema is not a readable {kind} document: {place}{}",
            d.message
        ))
    })
}

/// Publish what a version of the producer component provides. The same
/// bundle again is accepted (200); another bundle under the same version is
/// a conflict: versions are immutable. A token may have 2 publishes in
/// progress at once: past that, 429 with `Retry-After`.
#[utoipa::path(put, path = "/api/v1/interfaces/{id}/versions/{version}", tag = "interfaces",
    params(("id" = String, Path), ("version" = String, Path)), request_body = SchemaBundle,
    responses((status = 201, body = Published), (status = 200, body = Published), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn publish_version(
    State(state): State<AppState>,
    caller: Caller,
    // Before the body: a token past its publishes in progress is refused
    // (429) before the body is read.
    _slot: slots::PublishSlot,
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
    check_bundle(&body)?;
    let format = stored::format_of(&interface.interface)?;
    let bundle = readable(&state, body.into(), format, &interface.interface.kind).await?;
    let text = bundle.canonical();
    let w = state
        .store
        .publish_version(&id, &version, &text, state.config.clock.now_ms()?)
        .await?;
    tracing::info!(interface = %id, %version, created = w == Written::Created, "version published");
    Ok((
        written_status(w),
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
async fn list_versions(
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
        .map(InterfaceVersion::from)
        .collect();
    Ok(Json(page(items, limit, |v: &InterfaceVersion| {
        v.version.clone()
    })))
}

/// The schema bundle of a published version.
///
/// Sent within a budget of bytes in flight: past it, 503 with `Retry-After`.
#[utoipa::path(get, path = "/api/v1/interfaces/{id}/versions/{version}", tag = "interfaces",
    params(("id" = String, Path), ("version" = String, Path)),
    responses((status = 200, body = SchemaBundle), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 503, body = ErrorBody)))]
async fn get_version(
    State(state): State<AppState>,
    Extension(downloads): Extension<download::Downloads>,
    caller: Caller,
    Path((id, version)): Path<(String, String)>,
) -> Result<Response> {
    caller.read(state.config.anonymous_read)?;
    let limits = download::Limits {
        budget: state.config.max_download_bytes,
        // What was stored came as a body within this (its encoding differs
        // by an empty `include_paths` at most).
        largest: state.config.max_body_bytes,
    };
    let key = format!("{id}\0{version}");
    downloads
        .send(limits, key, async {
            let (hash, text) = state.store.bundle_of(&id, &version).await?.ok_or_else(|| {
                ApiError::NotFound(format!("version {version} of `{id}` does not exist"))
            })?;
            let bundle = stored::bundle_of(&Row::blob(&hash), &text)?;
            // Sized once: the stored text is the encoding but for an
            // empty `include_paths`, which the answer spells out.
            let mut encoded = Vec::with_capacity(text.len() + 64);
            drop(text);
            serde_json::to_writer(&mut encoded, &SchemaBundle::from(bundle))
                .map_err(|e| ApiError::Internal(format!("the bundle could not be encoded: {e}")))?;
            Ok(encoded)
        })
        .await
}
