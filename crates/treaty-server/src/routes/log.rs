//! `/api/v1/log/...`: the decision log. The signed checkpoint and the
//! verifier key are public (they are what lets anyone check the log);
//! entries and proofs are reads like any other.

use axum::extract::{Query, State};
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use treaty_store::{AppendedDecision, MAX_LOG_PAGE};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::common::Result;
use crate::AppState;
use crate::api::{
    ConsistencyProof, ConsistencyQuery, InclusionProof, InclusionQuery, LogEntries,
    LogEntriesQuery, LogReceipt,
};
use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody, Json};

/// Entries per page when the request does not say.
const DEFAULT_LOG_PAGE: u64 = 100;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(checkpoint))
        .routes(routes!(verifier_key))
        .routes(routes!(entries))
        .routes(routes!(inclusion))
        .routes(routes!(consistency))
}

fn signer(state: &AppState) -> Result<&treaty_log::NoteSigner> {
    state.config.log_signer.as_ref().ok_or_else(|| {
        ApiError::Internal("this broker was started without a decision log key".into())
    })
}

/// The checkpoint of the tree of `size` leaves with head `root`, signed
/// once for every answer that hands it out (see `SignedCheckpoints`).
pub(crate) fn sign(state: &AppState, size: u64, root: treaty_log::Hash) -> Result<String> {
    state
        .checkpoints
        .sign(signer(state)?, size, root)
        .map_err(|e| ApiError::Internal(format!("signing the checkpoint: {e}")))
}

fn text(body: String) -> Response {
    ([(CONTENT_TYPE, "text/plain; charset=utf-8")], body).into_response()
}

fn b64(hashes: &[treaty_log::Hash]) -> Vec<String> {
    hashes.iter().map(|h| B64.encode(h)).collect()
}

/// The receipt of a decision just appended, for the write's answer;
/// `None` on a broker without a log key.
pub(crate) fn receipt(state: &AppState, a: &AppendedDecision) -> Result<Option<LogReceipt>> {
    if state.config.log_signer.is_none() {
        return Ok(None);
    }
    Ok(Some(LogReceipt {
        index: a.decision.index,
        tree_size: a.tree_size,
        entry: a.leaf.clone(),
        inclusion: b64(&a.inclusion),
        checkpoint: sign(state, a.tree_size, a.root)?,
    }))
}

/// The log's current checkpoint, signed: a C2SP `tlog-checkpoint` in a
/// C2SP `signed-note` (Ed25519). Needs no token.
#[utoipa::path(get, path = "/api/v1/log/checkpoint", tag = "log", security(()),
    responses((status = 200, content_type = "text/plain; charset=utf-8", body = String)))]
async fn checkpoint(State(state): State<AppState>) -> Result<Response> {
    let head = state.store.log_head().await?;
    Ok(text(sign(&state, head.size, head.root)?))
}

/// The log's verifier key, `origin+keyid+base64(0x01 || Ed25519 public
/// key)`, as Go's `sumdb/note` and other signed-note tools read it. Needs
/// no token.
#[utoipa::path(get, path = "/api/v1/log/key", tag = "log", security(()),
    responses((status = 200, content_type = "text/plain; charset=utf-8", body = String)))]
async fn verifier_key(State(state): State<AppState>) -> Result<Response> {
    Ok(text(format!("{}\n", signer(&state)?.verifier().to_text())))
}

/// Entries of the log in index order, each the decision's canonical JSON.
#[utoipa::path(get, path = "/api/v1/log/entries", tag = "log", params(LogEntriesQuery),
    responses((status = 200, body = LogEntries), (status = 401, body = ErrorBody)))]
async fn entries(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<LogEntriesQuery>,
) -> Result<Json<LogEntries>> {
    caller.read(state.config.anonymous_read)?;
    let start = q.start.unwrap_or(0);
    let limit = q.limit.unwrap_or(DEFAULT_LOG_PAGE);
    if limit == 0 || limit > MAX_LOG_PAGE {
        return Err(ApiError::Invalid(format!(
            "`limit` must be 1 to {MAX_LOG_PAGE}"
        )));
    }
    let entries = state.store.log_entries(start, limit).await?;
    let next = (entries.len() as u64 == limit).then(|| start + limit);
    Ok(Json(LogEntries {
        start,
        entries,
        next,
    }))
}

/// The inclusion proof of entry `index` in the tree of `size` entries.
#[utoipa::path(get, path = "/api/v1/log/inclusion", tag = "log", params(InclusionQuery),
    responses((status = 200, body = InclusionProof), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn inclusion(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<InclusionQuery>,
) -> Result<Json<InclusionProof>> {
    caller.read(state.config.anonymous_read)?;
    let size = match q.size {
        Some(s) => s,
        None => state.store.log_head().await?.size,
    };
    let hashes = state.store.log_inclusion(q.index, size).await?;
    Ok(Json(InclusionProof {
        index: q.index,
        tree_size: size,
        hashes: b64(&hashes),
    }))
}

/// The consistency proof from the tree of `from` entries to the tree of
/// `to` entries: that the older tree is a prefix of the newer.
#[utoipa::path(get, path = "/api/v1/log/consistency", tag = "log", params(ConsistencyQuery),
    responses((status = 200, body = ConsistencyProof), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn consistency(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<ConsistencyQuery>,
) -> Result<Json<ConsistencyProof>> {
    caller.read(state.config.anonymous_read)?;
    let to = match q.to {
        Some(s) => s,
        None => state.store.log_head().await?.size,
    };
    let hashes = state.store.log_consistency(q.from, to).await?;
    Ok(Json(ConsistencyProof {
        from: q.from,
        to,
        hashes: b64(&hashes),
    }))
}
