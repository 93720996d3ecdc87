//! What a request must show before its body is read: a write (any method
//! but GET and HEAD) under `/api/v1` or to the Pact Broker API a known,
//! unrevoked token, and every
//! request a declared length within the body limit. A request refused here
//! costs the broker its headers only: no body is read, and no `100
//! Continue` is sent (hyper sends it only when the body is first read).
//!
//! Which team and scope may write what stays with each handler
//! ([`crate::auth::Caller`]); this only makes sure there is a caller.

use axum::extract::{Request, State};
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiError;

/// Refuses, before the handler reads the body: an anonymous write or one
/// with a bad token (401), and a body declared larger than the limit (413).
pub(crate) async fn admit(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    if is_write(request.method()) && needs_token(request.uri().path()) {
        match Caller::from_headers(request.headers(), &state).await {
            Ok(caller) => {
                if let Err(refused) = caller.principal() {
                    return refused.into_response();
                }
                // The handler's `Caller` reads this rather than asking again.
                request.extensions_mut().insert(caller);
            }
            Err(refused) => return refused.into_response(),
        }
    }
    // Evidence is read as it arrives, within a limit of its own.
    let limit = if is_evidence(request.uri().path()) {
        state.config.max_evidence_bytes
    } else {
        state.config.max_body_bytes as u64
    };
    if let Some(declared) = declared_length(&request)
        && declared > limit
    {
        return ApiError::TooLarge(format!(
            "the body declares {declared} bytes; this broker accepts at most {limit}"
        ))
        .into_response();
    }
    next.run(request).await
}

/// Paths whose writes need a token: Treaty's API and the Pact Broker
/// API's (`routes::pact_broker`), but for the pacts for verification,
/// a read sent as a POST (its handler asks as reads do).
fn needs_token(path: &str) -> bool {
    [
        "/api/v1/",
        "/contracts/",
        "/pacts/",
        "/pacticipants",
        "/environments",
        "/deployed-versions/",
    ]
    .iter()
    .any(|prefix| path.starts_with(prefix))
        && !path.ends_with("/for-verification")
}

/// A push of evidence (`/api/v1/trains/{id}/evidence`).
fn is_evidence(path: &str) -> bool {
    path.starts_with("/api/v1/trains/") && path.ends_with("/evidence")
}

fn is_write(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD)
}

/// The `Content-Length` header, when there is one that reads as a number
/// (hyper has refused a request whose header does not).
fn declared_length(request: &Request) -> Option<u64> {
    request
        .headers()
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .parse()
        .ok()
}
