//! The part of the Pact Broker's HTTP API that Pact clients use
//! (`pact-broker-cli`, the verifiers), at the root paths they expect and
//! answering `application/hal+json`, mapped onto Treaty's model: a
//! pacticipant is a component, a pacticipant version a component version,
//! a pact a consumer version's expectation with the pact as an artifact,
//! a verification result a verification, can-i-deploy can-i-release.
//! Outside Treaty's own OpenAPI description (docs/pact.md lists what is
//! served). One module per resource; this one holds what they share:
//! links, names, errors and the HAL response.

use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use treaty_store::Scope;

use crate::AppState;
use crate::api::check_id;
use crate::auth::Caller;
use crate::error::ApiError;

mod environments;
mod index;
mod matrix;
mod pacticipants;
mod pacts;
mod publish;
mod released;
mod verification;

/// Every route of the Pact Broker API Treaty serves.
pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .merge(index::routes())
        .merge(pacticipants::routes())
        .merge(publish::routes())
        .merge(pacts::routes())
        .merge(environments::routes())
        .merge(released::routes())
        .merge(matrix::routes())
        .merge(verification::routes())
}

/// A Pact route's result.
pub(super) type PactResult<T> = std::result::Result<T, PactError>;

/// An error as Pact clients read it: `errors` (a list of messages, which
/// `pact-broker-cli` prints) beside Treaty's own `error` body. Bad input
/// is 400, as the Pact Broker answers it.
#[derive(Debug)]
pub(super) struct PactError(pub ApiError);

impl From<ApiError> for PactError {
    fn from(e: ApiError) -> PactError {
        PactError(e)
    }
}

impl From<treaty_store::StoreError> for PactError {
    fn from(e: treaty_store::StoreError) -> PactError {
        PactError(e.into())
    }
}

impl From<crate::clock::ClockError> for PactError {
    fn from(e: crate::clock::ClockError) -> PactError {
        PactError(e.into())
    }
}

impl IntoResponse for PactError {
    fn into_response(self) -> Response {
        let message = self.0.to_string();
        let error = match self.0 {
            ApiError::Invalid(m) => ApiError::BadRequest(m),
            other => other,
        };
        let response = error.into_response();
        let status = response.status();
        if status.is_server_error() {
            // Treaty's body already hides what must not be sent.
            return response;
        }
        let (parts, _) = response.into_parts();
        let body = json!({
            "errors": [message],
            "error": {"status": status.as_u16(), "message": message},
        });
        let mut response = (parts.status, axum::Json(body)).into_response();
        for (name, value) in parts.headers.iter() {
            if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
                response.headers_mut().insert(name.clone(), value.clone());
            }
        }
        response
    }
}

/// Bad input in a field the client sent.
pub(super) fn bad(field: &str, message: impl std::fmt::Display) -> PactError {
    PactError(ApiError::BadRequest(format!("{field}: {message}")))
}

/// A HAL document, `application/hal+json`.
pub(super) fn hal(status: StatusCode, body: Value) -> Response {
    let mut response = (status, axum::Json(body)).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/hal+json;charset=utf-8"),
    );
    response
}

/// Where the broker is, as the client reached it: links are absolute, as
/// the Pact Broker gives them (some clients do not resolve relative ones).
#[derive(Debug, Clone)]
pub(super) struct Base(pub String);

impl<S: Send + Sync> FromRequestParts<S> for Base {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let host = parts
            .headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .filter(|h| {
                !h.is_empty()
                    && h.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
            });
        let scheme = match parts
            .headers
            .get("x-forwarded-proto")
            .and_then(|h| h.to_str().ok())
        {
            Some("https") => "https",
            _ => "http",
        };
        Ok(Base(
            host.map(|h| format!("{scheme}://{h}")).unwrap_or_default(),
        ))
    }
}

impl Base {
    /// An absolute link to `path` (which starts with `/`).
    pub(super) fn link(&self, path: &str) -> Value {
        json!({"href": format!("{}{path}", self.0)})
    }

    /// A link with a title (and a name, which some clients select by).
    pub(super) fn named(&self, path: &str, name: &str, title: &str) -> Value {
        json!({"href": format!("{}{path}", self.0), "name": name, "title": title})
    }

    /// A templated link.
    pub(super) fn template(&self, path: &str, title: &str) -> Value {
        json!({"href": format!("{}{path}", self.0), "title": title, "templated": true})
    }
}

/// A path segment, percent-encoded as RFC 3986 wants it.
pub(super) fn seg(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'+' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A pacticipant's name: a Treaty component id.
pub(super) fn check_name(field: &str, name: &str) -> PactResult<()> {
    check_id(field, name, false).map_err(|e| {
        bad(
            field,
            format!("{e} (a pacticipant is a Treaty component, named by its id)"),
        )
    })
}

/// A version number: a Treaty version.
pub(super) fn check_version(field: &str, version: &str) -> PactResult<()> {
    check_id(field, version, true).map_err(PactError)
}

/// Branch and tag names, at most.
const MAX_LABEL: usize = 255;

/// A branch or tag name: 1 to 255 characters, no control characters
/// (branches such as `feature/x` are fine).
pub(super) fn check_label(field: &str, label: &str) -> PactResult<()> {
    if label.is_empty() || label.len() > MAX_LABEL || label.chars().any(char::is_control) {
        return Err(bad(
            field,
            format!("must be 1 to {MAX_LABEL} bytes without control characters"),
        ));
    }
    Ok(())
}

/// A time as the Pact Broker writes them (RFC 3339).
pub(super) fn iso(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.to_string())
        .unwrap_or_default()
}

/// The component a Pact write names, owned by the caller's team: created
/// for it when it does not exist (as the Pact Broker creates pacticipants
/// on first use), refused (403) when another team owns it.
pub(super) async fn own_component(state: &AppState, caller: &Caller, name: &str) -> PactResult<()> {
    let what = format!("pacticipant `{name}`");
    match state.store.component(name).await? {
        Some(c) => {
            caller.write_as(&c.team, Scope::Publish, &what)?;
        }
        None => {
            let p = caller.principal()?;
            let team = p.team.clone();
            caller.create_as(&team, Scope::Publish, &what)?;
            state
                .store
                .create_component(name, &team, state.config.clock.now_ms()?)
                .await?;
        }
    }
    Ok(())
}

/// The component a Pact read names; 404 when there is none.
pub(super) async fn existing(state: &AppState, name: &str) -> PactResult<treaty_store::Component> {
    state.store.component(name).await?.ok_or_else(|| {
        PactError(ApiError::NotFound(format!(
            "pacticipant `{name}` does not exist"
        )))
    })
}

/// A JSON body, refused with 400 naming what is wrong.
pub(super) fn parse_body<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> PactResult<T> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return serde_json::from_str("{}").map_err(|e| bad("body", e));
    }
    serde_json::from_slice(bytes).map_err(|e| bad("body", format!("not the JSON expected: {e}")))
}
