//! Treaty's broker: the HTTP JSON API under `/api/v1` over a
//! [`treaty_store::Store`], with bearer-token auth, request limits and
//! timeouts, can-i-release, `/healthz` and `/readyz`, and the OpenAPI
//! description it serves at `/api/v1/openapi.json`.
//!
//! It is not the CLI (`treaty serve` parses flags, sets up logging and
//! prints the bootstrap token) and not the decision logic (that is
//! `treaty_core::release`, fed with facts read here).

pub mod api;
mod auth;
pub mod error;
mod release;
mod routes;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use treaty_store::Store;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use release::ComparisonCache;

/// How the broker behaves; the CLI fills it from flags.
#[derive(Debug, Clone)]
pub struct Config {
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Longest a request may take before it is answered 408.
    pub request_timeout: Duration,
    /// Whether reads need no token.
    pub anonymous_read: bool,
    /// Comparisons remembered.
    pub comparison_cache: usize,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            max_body_bytes: 32 * 1024 * 1024,
            request_timeout: Duration::from_secs(30),
            anonymous_read: false,
            comparison_cache: 4_096,
        }
    }
}

/// What every handler shares.
#[derive(Debug, Clone)]
pub struct AppState {
    pub store: Store,
    pub config: Arc<Config>,
    pub cache: Arc<ComparisonCache>,
    pub tokens: Arc<auth::TokenCache>,
    /// Schema comparisons (CPU work, off the async threads) at once, at
    /// most: one per core.
    pub comparisons: Arc<tokio::sync::Semaphore>,
}

/// Unix milliseconds now: the one place the broker reads the clock.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Treaty broker API",
        version = "1.0.0",
        description = "Interface versions, consumer expectations, verifications, deployments and can-i-release. Every write needs a bearer token of the team that owns what it writes; errors share one body."
    ),
    modifiers(&BearerAuth),
    security(("bearer" = []))
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

fn api_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(routes::create_team, routes::list_teams))
        .routes(routes!(routes::create_token))
        .routes(routes!(routes::revoke_token))
        .routes(routes!(routes::whoami))
        .routes(routes!(routes::list_components))
        .routes(routes!(routes::put_component))
        .routes(routes!(routes::list_interfaces))
        .routes(routes!(routes::put_interface, routes::get_interface))
        .routes(routes!(routes::list_versions))
        .routes(routes!(routes::publish_version, routes::get_version))
        .routes(routes!(routes::put_expectation))
        .routes(routes!(routes::list_expectations))
        .routes(routes!(
            routes::create_verification,
            routes::list_verifications
        ))
        .routes(routes!(routes::list_environments))
        .routes(routes!(routes::put_environment))
        .routes(routes!(routes::list_deployments))
        .routes(routes!(routes::create_deployment))
        .routes(routes!(routes::create_undeployment))
        .routes(routes!(routes::can_i_release))
        .routes(routes!(routes::healthz))
        .routes(routes!(routes::readyz))
}

/// The OpenAPI description of the API, generated from the handlers.
pub fn openapi() -> utoipa::openapi::OpenApi {
    api_router().split_for_parts().1
}

/// The description as served and committed: pretty JSON, newline-ended.
pub fn openapi_json() -> String {
    let mut s = openapi().to_pretty_json().unwrap_or_default();
    s.push('\n');
    s
}

async fn not_found() -> axum::response::Response {
    error::error_response(
        StatusCode::NOT_FOUND,
        "not_found",
        "no such endpoint: the API is under /api/v1 (see /api/v1/openapi.json)".into(),
    )
}

/// The whole application.
pub fn app(store: Store, config: Config) -> Router {
    let state = AppState {
        store,
        cache: Arc::new(ComparisonCache::new(config.comparison_cache)),
        tokens: Arc::new(auth::TokenCache::default()),
        comparisons: Arc::new(tokio::sync::Semaphore::new(
            std::thread::available_parallelism().map_or(2, |n| n.get()),
        )),
        config: Arc::new(config.clone()),
    };
    let (router, doc) = api_router().split_for_parts();
    let doc = Arc::new(openapi_json_from(&doc));
    router
        .route(
            "/api/v1/openapi.json",
            axum::routing::get(move || {
                let doc = doc.clone();
                async move {
                    (
                        [(axum::http::header::CONTENT_TYPE, "application/json")],
                        (*doc).clone(),
                    )
                        .into_response()
                }
            }),
        )
        .fallback(not_found)
        .with_state(state)
        .layer(DefaultBodyLimit::max(config.max_body_bytes))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            config.request_timeout,
        ))
        .layer(axum::middleware::map_response(error::uniform_errors))
        .layer(TraceLayer::new_for_http())
}

fn openapi_json_from(doc: &utoipa::openapi::OpenApi) -> String {
    let mut s = doc.to_pretty_json().unwrap_or_default();
    s.push('\n');
    s
}

/// Serves `app` on `listener` until `shutdown` resolves, then finishes the
/// requests in flight.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}
