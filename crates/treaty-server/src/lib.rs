//! Treaty's broker: the HTTP JSON API under `/api/v1` over a
//! [`treaty_store::Store`], with bearer-token auth, request limits and
//! timeouts, can-i-release, `/healthz` and `/readyz`, and the OpenAPI
//! description it serves at `/api/v1/openapi.json`; and, at the root, the
//! part of the Pact Broker API that Pact clients use (`routes::pact_broker`,
//! outside that description).
//!
//! It is not the CLI (`treaty serve` parses flags, sets up logging and
//! prints the bootstrap token) and not the decision logic (that is
//! `treaty_core::release`, fed with facts read here).
//!
//! [`api`] holds the wire types (what clients send and receive), `routes`
//! one module of handlers per resource, `stored` the reading back of rows
//! (a value the broker cannot read is an error naming its row),
//! `admission` what a request must show before its body is read (a token,
//! for a write) and `connections` the accept loop and the bounds on
//! connections (how many, how idle, how slow), `webhooks` the delivery
//! of notifications (a worker `treaty serve` starts beside the API),
//! `log_key` the decision log's signing key file, `ui` the dashboard (HTML
//! pages under `/ui/`), `escalations` the escalation timers (a worker
//! beside the delivery worker), `clock` the injected clock they and the
//! gate read, `mail` e-mail over SMTP. The names the API accepts
//! for kinds, policies and categories are treaty-compat's (`Format`,
//! `Compatibility`, `proto::Category`).

#![warn(missing_docs)]

mod admission;
pub mod api;
mod auth;
pub mod checkpoints;
pub mod clock;
mod connections;
pub mod digests;
pub mod error;
pub mod escalations;
pub mod log_key;
pub mod mail;
mod pact_check;
mod release;
mod remembered;
mod routes;
mod stored;
pub mod ui;
pub mod webhooks;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use treaty_store::Store;

pub use release::ComparisonCache;
pub use routes::proposals::announce_expiring_waivers;

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
    /// Connections open at once, at most; at the limit a new one sheds the
    /// oldest without a request in progress. Keep it under the process's
    /// file-descriptor limit (`ulimit -n`).
    pub max_connections: usize,
    /// Longest the broker waits for a request's headers, counted from when
    /// it starts waiting: on a new connection and between requests on a
    /// kept-alive one (so the idle time too).
    pub header_timeout: Duration,
    /// Longest a response waits for the client to read any of it before
    /// the connection is closed.
    pub send_timeout: Duration,
    /// Nodes (values, keys and items, over all its files) one published
    /// bundle may hold, at most: what bounds the memory a publish costs,
    /// which bytes alone do not (see docs/PERFORMANCE.md).
    pub max_bundle_nodes: usize,
    /// Bytes of bundles being sent back at once, at most, counted until
    /// each is sent or its client is gone; a download past it is refused
    /// (503, `Retry-After`). A bundle larger than this is still sent, alone.
    pub max_download_bytes: usize,
    /// Webhook delivery: the SSRF allowlist, the schedule, the lease.
    pub webhooks: webhooks::WebhookConfig,
    /// The key that signs the decision log's checkpoints; its name is the
    /// log's origin. Without one, decisions are still recorded but nothing
    /// is signed: the log's checkpoint and key routes answer 500 and writes
    /// carry no receipt. `treaty serve` always gives one (see [`log_key`]).
    pub log_signer: Option<treaty_log::NoteSigner>,
    /// Largest report accepted as evidence, in bytes: reports are read as
    /// they arrive (memory stays bounded), so this may exceed
    /// `max_body_bytes`.
    pub max_evidence_bytes: u64,
    /// Whether the gate accepts `now` (decide as of another moment): for
    /// tests only; a broker in use decides at its own time.
    pub gate_clock_from_request: bool,
    /// The clock of the escalation timers, their notifications and the
    /// gate: the system's, or a test clock (`clock`).
    pub clock: clock::Clock,
    /// The SMTP server escalation e-mails go through; none: no e-mail.
    pub smtp: Option<mail::SmtpConfig>,
    /// The escalation timers: how often they are looked at, the lease.
    pub escalations: escalations::EscalationConfig,
    /// The status digests: how often the broker looks whether one is due.
    pub digests: digests::DigestConfig,
    /// The dashboard (`/ui/`): how long a session lasts, whether its
    /// cookie is `Secure`.
    pub ui: ui::UiConfig,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            max_body_bytes: 32 * 1024 * 1024,
            request_timeout: Duration::from_secs(30),
            anonymous_read: false,
            comparison_cache: 4_096,
            max_connections: 512,
            header_timeout: Duration::from_secs(10),
            send_timeout: Duration::from_secs(30),
            max_bundle_nodes: 1_000_000,
            // Two bundles of the largest body accepted by default; 128 MiB
            // let 40 unread downloads peak the broker at 714 MB.
            max_download_bytes: 64 * 1024 * 1024,
            webhooks: webhooks::WebhookConfig::default(),
            log_signer: None,
            max_evidence_bytes: 256 * 1024 * 1024,
            gate_clock_from_request: false,
            clock: clock::Clock::System,
            smtp: None,
            escalations: escalations::EscalationConfig::default(),
            digests: digests::DigestConfig::default(),
            ui: ui::UiConfig::default(),
        }
    }
}

/// What every handler shares.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The database.
    pub store: Store,
    /// How the broker behaves.
    pub config: Arc<Config>,
    /// Schema comparisons already made, for can-i-release.
    pub cache: Arc<ComparisonCache>,
    /// Tokens recently checked.
    pub tokens: Arc<auth::TokenCache>,
    /// Schema comparisons (CPU work, off the async threads) at once, at
    /// most: one per core.
    pub comparisons: Arc<tokio::sync::Semaphore>,
    /// The last checkpoint signed, for the answers that hand it out again.
    pub checkpoints: Arc<checkpoints::SignedCheckpoints>,
    /// Trains' evidence as the gate decoded it, by evidence generation.
    pub(crate) evidence: Arc<routes::trains::gate::EvidenceCache>,
}

/// Unix milliseconds now, on the system clock. The broker itself reads the
/// injected [`clock::Clock`] (`Config::clock`, which tests set); this is
/// for what runs without a broker (`treaty token recover-admin`).
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// The OpenAPI description of the API, generated from the handlers.
pub fn openapi() -> utoipa::openapi::OpenApi {
    routes::router().split_for_parts().1
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

/// What one broker process keeps between requests and shares with its
/// escalation timers and status digests, so that each is held once:
/// trains' evidence as the gate decoded it, by evidence generation.
#[derive(Debug, Clone, Default)]
pub struct Kept {
    pub(crate) evidence: Arc<routes::trains::gate::EvidenceCache>,
}

/// The whole application, keeping its own.
pub fn app(store: Store, config: Config) -> Router {
    app_sharing(store, config, &Kept::default())
}

/// The whole application, keeping what it decodes in `kept` (shared with
/// the escalation timers and digests of the same process and store).
pub fn app_sharing(store: Store, config: Config, kept: &Kept) -> Router {
    let state = AppState {
        cache: Arc::new(ComparisonCache::new(config.comparison_cache)),
        // On PostgreSQL, starts the task that hears other brokers' revocations.
        tokens: auth::token_cache(&store),
        store,
        comparisons: Arc::new(tokio::sync::Semaphore::new(
            std::thread::available_parallelism().map_or(2, |n| n.get()),
        )),
        config: Arc::new(config.clone()),
        checkpoints: Arc::default(),
        evidence: kept.evidence.clone(),
    };
    let (router, doc) = routes::router().split_for_parts();
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
        .merge(routes::pact_broker::router())
        .merge(ui::router())
        .fallback(not_found)
        .with_state(state.clone())
        // Outside the routes, so that a write to a path that does not
        // exist is refused before its body is read too.
        .layer(axum::middleware::from_fn_with_state(
            state,
            admission::admit,
        ))
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

/// Serves `app` on `listener`, within `config`'s connection limits
/// (`max_connections`, `header_timeout`, `send_timeout`), until `shutdown`
/// resolves, then finishes the requests in flight.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    config: &Config,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    connections::serve(listener, app, config, shutdown).await
}
