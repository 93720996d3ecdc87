//! The dashboard: server-rendered HTML pages under `/ui/`, readable with
//! JavaScript off. It holds the catalog (`catalog`), the can-i-release
//! matrix (`matrix`), the release board (`releases`: each train's gate and
//! risk), change proposals with the approve and reject forms
//! (`proposals`, their diff in `proposal_diff`), the decision log with
//! its proofs verified (`log`), sign-in and sign-out with a team token
//! (`session`), the security headers and CSRF checks every page and form
//! gets (`security`), the stylesheet and the log's one script (`assets`)
//! and the error pages (`pages`).
//!
//! It is not a second API and not a second judge: it reads the store as the
//! JSON API does, with the same rule for who may read (a session, or any
//! visitor when the broker allows anonymous reads), and the matrix asks
//! `crate::release::can_i_release` for every version in the environment.
//! Templates are askama's, checked at compile time, in `templates/ui/`;
//! askama escapes every value, and none is marked safe.

mod assets;
mod catalog;
mod changelog;
mod forms;
mod graph;
mod graph_layout;
mod log;
mod matrix;
mod pages;
mod proposal_diff;
mod proposals;
mod releases;
mod security;
mod session;

use std::time::Duration;

use axum::Router;
use axum::response::Redirect;
use axum::routing::{get, post};

use crate::AppState;

/// How the dashboard's sessions behave; `treaty serve` fills it from flags.
#[derive(Debug, Clone)]
pub struct UiConfig {
    /// How long a session lasts after sign-in, at most (it also ends at
    /// sign-out and when its token is revoked). Default 12 hours.
    pub session_ttl: Duration,
    /// Whether cookies carry `Secure`: set it when the broker is reached
    /// over https (directly or behind a proxy that terminates TLS), so
    /// that the browser never sends the session over plain http.
    pub secure_cookies: bool,
}

impl Default for UiConfig {
    fn default() -> UiConfig {
        UiConfig {
            session_ttl: Duration::from_secs(12 * 60 * 60),
            secure_cookies: false,
        }
    }
}

/// The dashboard's routes, each answered with the security headers.
pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/ui", get(|| async { Redirect::to("/ui/catalog") }))
        .route("/ui/", get(|| async { Redirect::to("/ui/catalog") }))
        .route(
            "/ui/sign-in",
            get(session::sign_in_page).post(session::sign_in),
        )
        .route("/ui/sign-out", post(session::sign_out))
        .route("/ui/catalog", get(catalog::catalog))
        .route("/ui/interfaces/{id}", get(catalog::interface))
        .route("/ui/matrix", get(matrix::matrix))
        .route("/ui/releases", get(releases::releases))
        .route("/ui/releases/{id}", get(releases::release))
        .route("/ui/proposals", get(proposals::proposals))
        .route("/ui/proposals/{id}", get(proposals::proposal))
        .route("/ui/proposals/{id}/decisions", post(proposals::decide))
        .route("/ui/log", get(log::log))
        .route("/ui/graph", get(graph::graph))
        .route("/ui/static/{name}", get(assets::asset))
        // Any other page under /ui/ is a dashboard 404, in HTML and with
        // the headers, not the API's JSON one.
        .route(
            "/ui/{*rest}",
            get(|| async { pages::UiError::NotFound("no such page".into()) }),
        )
        .layer(axum::middleware::map_response(security::headers))
}
