//! Reading pacts back: by consumer version, by content (`pact-version`,
//! what verifiers fetch and publish results against), and the latest of
//! each consumer of a provider.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use serde_json::{Value, json};
use treaty_store::PactRecord;

use super::{Base, PactError, PactResult, check_name, check_version, hal, seg};
use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiError;

pub(super) fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route(
            "/pacts/provider/{provider}/consumer/{consumer}/pact-version/{sha}",
            get(show_pact_version),
        )
        .route(
            "/pacts/provider/{provider}/consumer/{consumer}/pact-version/{sha}/metadata/{metadata}",
            get(show_pact_version_with_metadata),
        )
        .route("/pacts/provider/{provider}/latest", get(latest_pacts))
}

/// Where a pact version lives.
pub(super) fn pact_version_path(p: &PactRecord) -> String {
    format!(
        "/pacts/provider/{}/consumer/{}/pact-version/{}",
        seg(&p.provider),
        seg(&p.consumer),
        seg(&p.sha)
    )
}

/// The pact as published, with the links a verifier follows: where to
/// publish its verification results.
pub(super) async fn pact_document(
    state: &AppState,
    base: &Base,
    p: &PactRecord,
) -> PactResult<Value> {
    let text = state.store.blob(&p.sha).await?.ok_or_else(|| {
        PactError(ApiError::Internal(format!(
            "the content {} of the pact of `{}` version {} is missing",
            p.sha, p.consumer, p.consumer_version
        )))
    })?;
    let mut doc: Value = serde_json::from_str(&text).map_err(|e| {
        PactError(ApiError::Internal(format!(
            "the stored pact {} does not read: {e}",
            p.sha
        )))
    })?;
    let path = pact_version_path(p);
    let title = format!(
        "Pact between {} ({}) and {}",
        p.consumer, p.consumer_version, p.provider
    );
    if let Some(map) = doc.as_object_mut() {
        map.insert("createdAt".into(), json!(super::iso(p.created_at)));
        map.insert(
            "_links".into(),
            json!({
                "self": base.named(&path, &title, "Pact"),
                "pb:publish-verification-results": base.named(&format!("{path}/verification-results"), "Publish verification results", "Publish verification results"),
                "pb:consumer": base.named(&format!("/pacticipants/{}", seg(&p.consumer)), &p.consumer, "Consumer"),
                "pb:provider": base.named(&format!("/pacticipants/{}", seg(&p.provider)), &p.provider, "Provider"),
                "pb:consumer-version": base.named(&format!("/pacticipants/{}/versions/{}", seg(&p.consumer), seg(&p.consumer_version)), &p.consumer_version, "Consumer version"),
            }),
        );
    }
    Ok(doc)
}

/// `GET /pacts/provider/{provider}/consumer/{consumer}/version/{version}`.
pub(super) async fn show_pact(
    State(state): State<AppState>,
    caller: Caller,
    base: Base,
    Path((provider, consumer, version)): Path<(String, String, String)>,
) -> PactResult<Response> {
    caller.read(state.config.anonymous_read)?;
    check_name("provider", &provider)?;
    check_name("consumer", &consumer)?;
    check_version("version", &version)?;
    let p = state
        .store
        .pact(&provider, &consumer, &version)
        .await?
        .ok_or_else(|| {
            PactError(ApiError::NotFound(format!(
                "no pact between `{consumer}` version {version} and `{provider}`"
            )))
        })?;
    Ok(hal(StatusCode::OK, pact_document(&state, &base, &p).await?))
}

/// The newest consumer version that published the content `sha`.
pub(super) async fn pact_of_sha(
    state: &AppState,
    provider: &str,
    consumer: &str,
    sha: &str,
) -> PactResult<Vec<PactRecord>> {
    check_name("provider", provider)?;
    check_name("consumer", consumer)?;
    if sha.len() != 64 || !sha.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(super::bad(
            "pact-version",
            "a pact version is 64 hex digits",
        ));
    }
    let pacts = state
        .store
        .pacts_with_content(provider, consumer, sha)
        .await?;
    if pacts.is_empty() {
        return Err(PactError(ApiError::NotFound(format!(
            "no pact version {sha} between `{consumer}` and `{provider}`"
        ))));
    }
    Ok(pacts)
}

async fn show_pact_version(
    State(state): State<AppState>,
    caller: Caller,
    base: Base,
    Path((provider, consumer, sha)): Path<(String, String, String)>,
) -> PactResult<Response> {
    caller.read(state.config.anonymous_read)?;
    let pacts = pact_of_sha(&state, &provider, &consumer, &sha).await?;
    Ok(hal(
        StatusCode::OK,
        pact_document(&state, &base, &pacts[0]).await?,
    ))
}

async fn show_pact_version_with_metadata(
    state: State<AppState>,
    caller: Caller,
    base: Base,
    Path((provider, consumer, sha, _metadata)): Path<(String, String, String, String)>,
) -> PactResult<Response> {
    show_pact_version(state, caller, base, Path((provider, consumer, sha))).await
}

/// `GET /pacts/provider/{provider}/latest`: the latest pact of each
/// consumer.
async fn latest_pacts(
    State(state): State<AppState>,
    caller: Caller,
    base: Base,
    Path(provider): Path<String>,
) -> PactResult<Response> {
    caller.read(state.config.anonymous_read)?;
    check_name("provider", &provider)?;
    super::existing(&state, &provider).await?;
    let links: Vec<Value> = state
        .store
        .latest_pacts(&provider, None)
        .await?
        .iter()
        .map(|p| {
            base.named(
                &pact_version_path(p),
                &p.consumer,
                &format!(
                    "Pact between {} ({}) and {}",
                    p.consumer, p.consumer_version, p.provider
                ),
            )
        })
        .collect();
    Ok(hal(
        StatusCode::OK,
        json!({"_links": {
            "self": base.link(&format!("/pacts/provider/{}/latest", seg(&provider))),
            "provider": {"href": base.link(&format!("/pacticipants/{}", seg(&provider)))["href"], "name": provider},
            "pb:pacts": links,
            "pacts": links,
        }}),
    ))
}
