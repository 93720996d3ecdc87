//! The stylesheet and the decision log's script, built into the binary
//! and served under names that hold a hash of their content: cached for a
//! year, and a new build's files have new names.

use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::pages::UiError;

const CSS: &str = include_str!("../../static/ui/treaty.css");
/// The decision log page's progressive enhancement (`ui::log`).
const VERIFY_JS: &str = include_str!("../../static/ui/verify.js");

/// `treaty.<first 16 hex digits of its SHA-256>.css`.
static CSS_NAME: LazyLock<String> = LazyLock::new(|| hashed_name("treaty", CSS, "css"));
/// `verify.<first 16 hex digits of its SHA-256>.js`.
static JS_NAME: LazyLock<String> = LazyLock::new(|| hashed_name("verify", VERIFY_JS, "js"));

fn hashed_name(stem: &str, content: &str, ext: &str) -> String {
    format!(
        "{stem}.{}.{ext}",
        &treaty_store::content_hash(content)[..16]
    )
}

/// The path pages link the stylesheet by.
pub(crate) fn stylesheet_path() -> String {
    format!("/ui/static/{}", *CSS_NAME)
}

/// The path the decision log page loads its script by.
pub(crate) fn script_path() -> String {
    format!("/ui/static/{}", *JS_NAME)
}

/// A static file under its current name; any other name is not found.
pub(crate) async fn asset(Path(name): Path<String>) -> Response {
    let (content, content_type) = if name == *CSS_NAME {
        (CSS, "text/css; charset=utf-8")
    } else if name == *JS_NAME {
        (VERIFY_JS, "text/javascript; charset=utf-8")
    } else {
        return UiError::NotFound(format!("no static file `{name}`")).into_response();
    };
    let mut response = (StatusCode::OK, content).into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    response
}
