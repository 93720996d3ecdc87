//! The stylesheet, built into the binary and served under a name that
//! holds a hash of its content: cached for a year, and a new build's
//! stylesheet has a new name.

use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::pages::UiError;

const CSS: &str = include_str!("../../static/ui/treaty.css");

/// `/ui/static/treaty.<first 16 hex digits of its SHA-256>.css`.
static CSS_NAME: LazyLock<String> =
    LazyLock::new(|| format!("treaty.{}.css", &treaty_store::content_hash(CSS)[..16]));

/// The path pages link the stylesheet by.
pub(crate) fn stylesheet_path() -> String {
    format!("/ui/static/{}", *CSS_NAME)
}

/// The stylesheet under its current name; any other name is not found.
pub(crate) async fn asset(Path(name): Path<String>) -> Response {
    if name != *CSS_NAME {
        return UiError::NotFound(format!("no static file `{name}`")).into_response();
    }
    let mut response = (StatusCode::OK, CSS).into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/css; charset=utf-8"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    response
}
