//! What several resources' handlers share: looking up what a request names
//! (404 when it does not exist) and the status of a repeatable write.

use axum::http::StatusCode;
use treaty_store::{OwnedInterface, Written};

use crate::AppState;
use crate::error::ApiError;

/// A handler's result: an error answers in the common error body.
pub(super) type Result<T> = std::result::Result<T, ApiError>;

/// 201 for a write that stored something new, 200 for a repeat.
pub(super) fn written_status(w: Written) -> StatusCode {
    match w {
        Written::Created => StatusCode::CREATED,
        Written::Unchanged => StatusCode::OK,
    }
}

pub(super) async fn existing_team(state: &AppState, id: &str) -> Result<()> {
    if state.store.team_exists(id).await? {
        Ok(())
    } else {
        Err(ApiError::NotFound(format!("team `{id}` does not exist")))
    }
}

pub(super) async fn existing_component(
    state: &AppState,
    id: &str,
) -> Result<treaty_store::Component> {
    state
        .store
        .component(id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("component `{id}` does not exist")))
}

pub(super) async fn existing_interface(state: &AppState, id: &str) -> Result<OwnedInterface> {
    state
        .store
        .interface(id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("interface `{id}` does not exist")))
}

pub(super) async fn existing_environment(state: &AppState, id: &str) -> Result<()> {
    if state.store.environment_exists(id).await? {
        Ok(())
    } else {
        Err(ApiError::NotFound(format!(
            "environment `{id}` does not exist"
        )))
    }
}

/// A page of one of the two lists that answer a bare JSON array (version 1
/// of the API shipped them so, and a client reading an array must keep
/// working): the items, and the next page, when there is one, in a `Link`
/// header (RFC 8288, `rel="next"`) rather than in the body.
pub(super) fn bare_page<T: serde::Serialize>(
    page: crate::api::Page<T>,
    path: &str,
    limit: i64,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let mut response = crate::error::Json(page.items).into_response();
    if let Some(next) = page.next {
        let link = format!(
            "<{path}?limit={limit}&after={}>; rel=\"next\"",
            query_escape(&next)
        );
        if let Ok(value) = axum::http::HeaderValue::from_str(&link) {
            response
                .headers_mut()
                .insert(axum::http::header::LINK, value);
        }
    }
    response
}

/// `s` with everything but RFC 3986's unreserved characters percent-encoded.
fn query_escape(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
