//! What every page shares: the navigation (who is signed in, the sign-out
//! form and its CSRF token) and the error pages, answered as HTML with
//! the status of the failure.

use askama::Template;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};

use super::assets::stylesheet_path;
use crate::error::ApiError;

/// The header of every page.
#[derive(Debug, Clone)]
pub(crate) struct Nav {
    /// The stylesheet's path.
    pub css: String,
    /// The team signed in, if any.
    pub team: Option<String>,
    /// The CSRF token of the signed-in session, for the sign-out form.
    pub csrf: String,
    /// Which page this is (`catalog`, `matrix`, `releases`, `proposals`,
    /// `log`, `sign-in`), for
    /// `aria-current`.
    pub current: &'static str,
}

impl Nav {
    /// The header for page `current`, for `team` with CSRF token `csrf`.
    pub(crate) fn new(current: &'static str, team: Option<String>, csrf: Option<String>) -> Nav {
        Nav {
            css: stylesheet_path(),
            team,
            csrf: csrf.unwrap_or_default(),
            current,
        }
    }
}

/// A page that failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum UiError {
    /// The broker needs a session to read and there is none: to sign-in.
    #[error("sign in to read this page")]
    SignInNeeded,
    /// A form without its CSRF token, or with another: 403.
    #[error("{0}")]
    Forbidden(String),
    /// A form that does not parse: 400.
    #[error("{0}")]
    BadRequest(String),
    /// A form too large: 413.
    #[error("{0}")]
    TooLarge(String),
    /// What the page names does not exist: 404.
    #[error("{0}")]
    NotFound(String),
    /// What the API would answer: its status and, but for a server
    /// failure, its message.
    #[error(transparent)]
    Api(#[from] ApiError),
}

impl From<treaty_store::StoreError> for UiError {
    fn from(e: treaty_store::StoreError) -> UiError {
        UiError::Api(e.into())
    }
}

impl From<crate::clock::ClockError> for UiError {
    fn from(e: crate::clock::ClockError) -> UiError {
        UiError::Api(e.into())
    }
}

#[derive(Template)]
#[template(path = "ui/error.html")]
struct ErrorPage {
    nav: Nav,
    status: u16,
    title: String,
    message: String,
}

impl IntoResponse for UiError {
    fn into_response(self) -> Response {
        let (status, message) = match self {
            UiError::SignInNeeded => return Redirect::to("/ui/sign-in").into_response(),
            UiError::Forbidden(m) => (StatusCode::FORBIDDEN, m),
            UiError::BadRequest(m) => (StatusCode::BAD_REQUEST, m),
            UiError::TooLarge(m) => (StatusCode::PAYLOAD_TOO_LARGE, m),
            UiError::NotFound(m) => (StatusCode::NOT_FOUND, m),
            UiError::Api(e) => {
                let (status, _) = e.parts();
                let message = if status.is_server_error() {
                    tracing::error!(error = %e, "dashboard page failed");
                    "the broker failed to answer; its log has the details".to_owned()
                } else {
                    e.to_string()
                };
                (status, message)
            }
        };
        let page = ErrorPage {
            nav: Nav::new("error", None, None),
            status: status.as_u16(),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            message,
        };
        (status, render(&page)).into_response()
    }
}

/// A page as HTML; a template that fails to render is a plain 500.
pub(crate) fn render(page: &impl Template) -> Response {
    match page.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "a dashboard template failed to render");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                "<!doctype html><title>Error</title><p>The page failed to render.</p>",
            )
                .into_response()
        }
    }
}

/// A time in Unix milliseconds as people read it, in UTC.
pub(crate) fn when(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.strftime("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_else(|_| format!("{ms} ms"))
}
