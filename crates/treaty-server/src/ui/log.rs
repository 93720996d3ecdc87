//! The decision log (`/ui/log`): entries newest first, a page at a time,
//! each with its inclusion proof in the tree of the current signed
//! checkpoint. The broker verifies each proof before showing it
//! (`treaty_log::verify_inclusion`, against the root of the checkpoint
//! opened with its own verifier key), so the page is complete with
//! JavaScript off; `static/ui/verify.js`, served from the binary, checks
//! every proof again in the browser (WebCrypto SHA-256, RFC 6962 hashing)
//! against the root the checkpoint names, and says so beside each entry.

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use treaty_log::{Checkpoint, Decision, leaf_hash, verify_inclusion};

use super::pages::{Nav, UiError, render, when};
use super::session::Visitor;
use crate::AppState;
use crate::error::ApiError;
use crate::routes::log::sign;

/// Entries shown on one page.
const ENTRIES_PER_PAGE: u64 = 25;

/// One entry as shown.
#[derive(Debug)]
struct EntryRow {
    index: u64,
    at: String,
    kind: String,
    team: String,
    subject: String,
    reason: String,
    /// The leaf's bytes, base64, for the browser's check.
    leaf: String,
    /// The proof's hashes, base64, space-separated.
    proof: String,
    /// How many hashes the proof has.
    proof_len: usize,
    /// The broker's verification of the proof.
    verified: Result<(), String>,
}

#[derive(Template)]
#[template(path = "ui/log.html")]
struct LogPage {
    nav: Nav,
    script: String,
    size: u64,
    /// The signed checkpoint, as served at `/api/v1/log/checkpoint`; none
    /// on a broker started without a log key.
    checkpoint: Option<String>,
    /// The checkpoint's root hash, base64.
    root: String,
    entries: Vec<EntryRow>,
    /// The entry asked for (`?entry=`), marked.
    focus: Option<u64>,
    /// Where the next (older) page starts: entries before this index.
    older: Option<u64>,
    /// Where the newer page starts, when this is not the newest.
    newer: Option<u64>,
}

/// `GET /ui/log?before=N` (entries with an index below N, newest first)
/// or `?entry=N` (the page that starts at entry N).
pub(crate) async fn log(
    State(state): State<AppState>,
    visitor: Visitor,
    RawQuery(query): RawQuery,
) -> Result<Response, UiError> {
    visitor.may_read(&state)?;
    let (mut before, mut focus) = (None, None);
    for (k, v) in url::form_urlencoded::parse(query.as_deref().unwrap_or("").as_bytes()) {
        let number = || {
            v.parse::<u64>().map_err(|_| {
                UiError::BadRequest(format!("`{k}` must be an entry's index, got `{v}`"))
            })
        };
        match &*k {
            "before" => before = Some(number()?),
            "entry" => focus = Some(number()?),
            other => {
                return Err(UiError::BadRequest(format!(
                    "unknown query parameter `{other}`: expected before or entry"
                )));
            }
        }
    }
    let head = state.store.log_head().await?;
    // The root the page is verified against is the signed checkpoint's;
    // a broker without a log key has only its own tree head to offer.
    let (checkpoint, opened) = match &state.config.log_signer {
        Some(signer) => {
            let note = sign(&state, head.size, head.root)?;
            let opened = Checkpoint::open(&note, &signer.verifier())
                .map_err(|e| ApiError::Internal(format!("the checkpoint does not open: {e}")))?;
            (Some(note), opened)
        }
        None => (
            None,
            Checkpoint {
                origin: String::new(),
                size: head.size,
                root: head.root,
            },
        ),
    };
    let end = focus
        .map(|f| f.saturating_add(1))
        .or(before)
        .unwrap_or(opened.size)
        .min(opened.size);
    let start = end.saturating_sub(ENTRIES_PER_PAGE);
    let leaves = if end > start {
        state.store.log_entries(start, end - start).await?
    } else {
        Vec::new()
    };
    let mut entries = Vec::with_capacity(leaves.len());
    for (i, leaf) in leaves.iter().enumerate().rev() {
        let index = start + i as u64;
        let proof = state.store.log_inclusion(index, opened.size).await?;
        let verified = verify_inclusion(
            index,
            opened.size,
            &leaf_hash(leaf.as_bytes()),
            &proof,
            &opened.root,
        )
        .map_err(|e| e.to_string());
        let decision = Decision::from_leaf(leaf.as_bytes()).map_err(|e| {
            ApiError::Internal(format!("decision log entry {index} does not read: {e}"))
        })?;
        entries.push(EntryRow {
            index,
            at: when(decision.at.saturating_mul(1000)),
            kind: serde_json::to_value(decision.kind)
                .ok()
                .and_then(|v| v.as_str().map(|s| s.replace('_', " ")))
                .unwrap_or_default(),
            team: decision.actor.team,
            subject: decision.subject,
            reason: decision.reason,
            leaf: B64.encode(leaf.as_bytes()),
            proof: proof
                .iter()
                .map(|h| B64.encode(h))
                .collect::<Vec<_>>()
                .join(" "),
            proof_len: proof.len(),
            verified,
        });
    }
    let page = LogPage {
        nav: visitor.nav("log"),
        script: super::assets::script_path(),
        size: opened.size,
        root: B64.encode(opened.root),
        checkpoint,
        entries,
        focus,
        older: (start > 0).then_some(start),
        newer: (end < opened.size).then(|| (end + ENTRIES_PER_PAGE).min(opened.size)),
    };
    Ok(render(&page))
}
