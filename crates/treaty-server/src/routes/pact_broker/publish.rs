//! Publishing pacts: `POST /contracts/publish` (what `pact-broker-cli
//! publish` sends) and the older `PUT /pacts/provider/{provider}/consumer/
//! {consumer}/version/{version}`. A pact is stored as the consumer
//! version's expectation of the provider's interface, with the pact as an
//! artifact of kind `pact`, and its content kept by hash.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::post;
use base64::Engine;
use serde::Deserialize;
use serde_json::{Value, json};
use treaty_core::impact::Usage;
use treaty_store::{ExpectationRecord, InterfaceRecord, NewPact, Written};

use super::pacts::pact_document;
use super::{
    Base, PactError, PactResult, bad, check_label, check_name, check_version, existing, hal,
    own_component, seg,
};
use crate::AppState;
use crate::api::Artifact;
use crate::auth::Caller;
use crate::error::ApiError;

pub(super) fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/contracts/publish", post(publish_contracts))
        .route(
            "/pacts/provider/{provider}/consumer/{consumer}/version/{version}",
            axum::routing::put(put_pact).get(super::pacts::show_pact),
        )
}

/// A pact's text, at most: Treaty's limit on Pact files (docs/pact.md).
pub(super) const MAX_PACT_BYTES: usize = 16 * 1024 * 1024;

/// Contracts one publication may hold, at most.
const MAX_CONTRACTS: usize = 100;

/// Tags one publication may give, at most.
const MAX_TAGS: usize = 100;

/// One pact to publish, with where it goes.
struct Publication<'a> {
    consumer: &'a str,
    version: &'a str,
    provider: &'a str,
    pact: &'a Value,
    branch: Option<&'a str>,
    tags: &'a [String],
}

/// The interface of `provider` that pacts are expectations of: the one
/// named like the provider, else its only one; when it produces none, one
/// named like it is registered with the first pact (an OpenAPI interface
/// whose versions the provider may publish later). A provider with several
/// and none named like it is a conflict the caller must settle.
async fn pact_interface(
    state: &AppState,
    provider: &str,
) -> PactResult<(String, Option<InterfaceRecord>)> {
    let interfaces = state.store.interfaces_of(provider).await?;
    if let Some(i) = interfaces.iter().find(|i| i.interface.id == provider) {
        return Ok((i.interface.id.clone(), None));
    }
    match interfaces.as_slice() {
        [only] => Ok((only.interface.id.clone(), None)),
        [] => {
            if let Some(other) = state.store.interface(provider).await? {
                // Registered since the list was read, by a publish of the
                // same provider at the same moment: that is the interface.
                if other.interface.component == provider {
                    return Ok((provider.to_owned(), None));
                }
                return Err(PactError(ApiError::Conflict(format!(
                    "provider `{provider}` produces no interface, and the interface `{provider}` a pact would be recorded against is produced by `{}`",
                    other.interface.component
                ))));
            }
            Ok((
                provider.to_owned(),
                Some(InterfaceRecord {
                    id: provider.to_owned(),
                    component: provider.to_owned(),
                    kind: treaty_compat::Format::OpenApi.as_str().to_owned(),
                    compatibility: "backward".to_owned(),
                    proto_category: None,
                }),
            ))
        }
        several => Err(PactError(ApiError::Conflict(format!(
            "provider `{provider}` produces several interfaces ({}) and none is named `{provider}`: Treaty records a pact against the provider's interface named like it",
            several
                .iter()
                .map(|i| i.interface.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )))),
    }
}

/// The name a pact gives a participant (`consumer.name`).
fn named_in_pact<'a>(pact: &'a Value, role: &str) -> Option<&'a str> {
    pact.get(role)?.get("name")?.as_str()
}

/// Validates and stores one pact; whether it was new.
async fn publish(state: &AppState, caller: &Caller, p: Publication<'_>) -> PactResult<Written> {
    caller.principal()?;
    check_name("consumerName", p.consumer)?;
    check_name("providerName", p.provider)?;
    check_version("pacticipantVersionNumber", p.version)?;
    if let Some(b) = p.branch {
        check_label("branch", b)?;
    }
    if p.tags.len() > MAX_TAGS {
        return Err(bad("tags", format!("at most {MAX_TAGS}")));
    }
    for t in p.tags {
        check_label("tags", t)?;
    }
    if !p.pact.is_object() {
        return Err(bad("content", "a pact is a JSON object"));
    }
    for (role, want) in [("consumer", p.consumer), ("provider", p.provider)] {
        match named_in_pact(p.pact, role) {
            Some(name) if name == want => {}
            Some(name) => {
                return Err(bad(
                    "content",
                    format!("the pact's {role}.name is `{name}`, not `{want}`"),
                ));
            }
            None => return Err(bad("content", format!("the pact has no {role}.name"))),
        }
    }
    let content = serde_json::to_string(p.pact).map_err(|e| bad("content", e))?;
    if content.len() > MAX_PACT_BYTES {
        return Err(bad(
            "content",
            format!("a pact holds at most {MAX_PACT_BYTES} bytes"),
        ));
    }
    own_component(state, caller, p.consumer).await?;
    existing(state, p.provider).await.map_err(|_| {
        PactError(ApiError::NotFound(format!(
            "provider `{}` does not exist: its team creates it first (pact-broker-cli create-or-update-pacticipant, or POST /pacticipants)",
            p.provider
        )))
    })?;
    let (interface, register_interface) = pact_interface(state, p.provider).await?;
    let sha = treaty_store::content_hash(&content);
    let artifacts = vec![Artifact {
        name: format!("{}-{}.json", p.consumer, p.provider),
        kind: "pact".to_owned(),
        content: content.clone(),
    }];
    let internal = |e: serde_json::Error| PactError(ApiError::Internal(e.to_string()));
    let expectation = ExpectationRecord {
        component: p.consumer.to_owned(),
        version: p.version.to_owned(),
        interface,
        // A pact is not built against a published interface version: it
        // is judged by its verifications and interactions (see
        // docs/pact.md). The label names its content; what marks the
        // expectation as a pact is its row in `pacts`.
        built_against: format!("pact-{}", &sha[..12]),
        uses: serde_json::to_string(&Usage::default()).map_err(internal)?,
        artifacts: serde_json::to_string(&artifacts).map_err(internal)?,
    };
    let new = NewPact {
        expectation,
        provider: p.provider.to_owned(),
        content,
        register_interface,
        branch: p.branch.map(str::to_owned),
        tags: p.tags.to_vec(),
    };
    Ok(state
        .store
        .publish_pact(&new, state.config.clock.now_ms()?)
        .await?)
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PublishBody {
    pacticipant_name: Option<String>,
    pacticipant_version_number: Option<String>,
    branch: Option<String>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    contracts: Vec<Contract>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Contract {
    consumer_name: Option<String>,
    provider_name: Option<String>,
    specification: Option<String>,
    content_type: Option<String>,
    content: Option<String>,
}

/// `POST /contracts/publish`: the consumer version, its branch and tags,
/// and its pacts, each base64-encoded.
async fn publish_contracts(
    State(state): State<AppState>,
    caller: Caller,
    base: Base,
    body: Bytes,
) -> PactResult<Response> {
    caller.principal()?;
    let body: PublishBody = super::parse_body(&body)?;
    let consumer = body
        .pacticipant_name
        .ok_or_else(|| bad("pacticipantName", "is required"))?;
    let version = body
        .pacticipant_version_number
        .ok_or_else(|| bad("pacticipantVersionNumber", "is required"))?;
    if body.contracts.is_empty() || body.contracts.len() > MAX_CONTRACTS {
        return Err(bad("contracts", format!("1 to {MAX_CONTRACTS} contracts")));
    }
    let mut decoded = Vec::new();
    for (i, c) in body.contracts.iter().enumerate() {
        let field = |name: &str| format!("contracts[{i}].{name}");
        if c.specification.as_deref() != Some("pact") {
            return Err(bad(
                &field("specification"),
                "only `pact` contracts are accepted",
            ));
        }
        if c.content_type
            .as_deref()
            .is_some_and(|t| !t.starts_with("application/json"))
        {
            return Err(bad(&field("contentType"), "must be application/json"));
        }
        if c.consumer_name.as_deref() != Some(consumer.as_str()) {
            return Err(bad(
                &field("consumerName"),
                format!("must be the pacticipantName, `{consumer}`"),
            ));
        }
        let provider = c
            .provider_name
            .clone()
            .ok_or_else(|| bad(&field("providerName"), "is required"))?;
        let text = c
            .content
            .as_deref()
            .ok_or_else(|| bad(&field("content"), "is required"))?;
        if text.len() > MAX_PACT_BYTES * 4 / 3 + 4 {
            return Err(bad(
                &field("content"),
                format!("a pact holds at most {MAX_PACT_BYTES} bytes"),
            ));
        }
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(text.trim())
            .map_err(|e| bad(&field("content"), format!("not base64: {e}")))?;
        let pact: Value = serde_json::from_slice(&bytes)
            .map_err(|e| bad(&field("content"), format!("not a JSON pact: {e}")))?;
        decoded.push((provider, pact));
    }
    let mut notices = Vec::new();
    let mut contracts = Vec::new();
    for (provider, pact) in &decoded {
        let w = publish(
            &state,
            &caller,
            Publication {
                consumer: &consumer,
                version: &version,
                provider,
                pact,
                branch: body.branch.as_deref(),
                tags: &body.tags,
            },
        )
        .await?;
        let what = match w {
            Written::Created => "published",
            Written::Unchanged => "already published with the same content; nothing changed",
        };
        notices.push(json!({"type": "success", "text": format!("Pact between {consumer} ({version}) and {provider} {what}")}));
        contracts.push(base.named(
            &format!(
                "/pacts/provider/{}/consumer/{}/version/{}",
                seg(provider),
                seg(&consumer),
                seg(&version)
            ),
            &format!("Pact between {consumer} ({version}) and {provider}"),
            "Pact",
        ));
    }
    let pacticipant = format!("/pacticipants/{}", seg(&consumer));
    let version_path = format!("{pacticipant}/versions/{}", seg(&version));
    let logs: Vec<Value> = notices
        .iter()
        .map(|n| json!({"level": "info", "message": n["text"], "deprecationWarning": ""}))
        .collect();
    Ok(hal(
        StatusCode::OK,
        json!({
            "notices": notices,
            "logs": logs,
            "_embedded": {
                "pacticipant": {"name": consumer, "_links": {"self": base.link(&pacticipant)}},
                "version": {"number": version, "_links": {"self": base.named(&version_path, &version, "Version")}}
            },
            "_links": {
                "pb:pacticipant": base.named(&pacticipant, &consumer, "Pacticipant"),
                "pb:pacticipant-version": base.named(&version_path, &version, "Pacticipant version"),
                "pb:pacticipant-version-tags": body.tags.iter().map(|t| base.named(&format!("{version_path}/tags/{}", seg(t)), t, "Tag")).collect::<Vec<_>>(),
                "pb:contracts": contracts,
            }
        }),
    ))
}

/// `PUT /pacts/provider/{provider}/consumer/{consumer}/version/{version}`:
/// the pact itself as the body.
async fn put_pact(
    State(state): State<AppState>,
    caller: Caller,
    base: Base,
    Path((provider, consumer, version)): Path<(String, String, String)>,
    body: Bytes,
) -> PactResult<Response> {
    caller.principal()?;
    if body.len() > MAX_PACT_BYTES {
        return Err(bad(
            "body",
            format!("a pact holds at most {MAX_PACT_BYTES} bytes"),
        ));
    }
    let pact: Value =
        serde_json::from_slice(&body).map_err(|e| bad("body", format!("not a JSON pact: {e}")))?;
    let w = publish(
        &state,
        &caller,
        Publication {
            consumer: &consumer,
            version: &version,
            provider: &provider,
            pact: &pact,
            branch: None,
            tags: &[],
        },
    )
    .await?;
    let stored = state
        .store
        .pact(&provider, &consumer, &version)
        .await?
        .ok_or_else(|| PactError(ApiError::Internal("a pact just published is gone".into())))?;
    let status = match w {
        Written::Created => StatusCode::CREATED,
        Written::Unchanged => StatusCode::OK,
    };
    Ok(hal(status, pact_document(&state, &base, &stored).await?))
}
