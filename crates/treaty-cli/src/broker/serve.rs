//! `treaty serve`: the broker itself, on SQLite or PostgreSQL, with logs on
//! stderr, the webhook (and e-mail) delivery worker, the escalation timers,
//! the status digests, and a graceful stop on SIGTERM or Ctrl-C.

use std::io::IsTerminal;

use super::http::{Failure, Result};
use crate::cli::{LogFormat, ServeArgs};
use crate::exit::Exit;

/// `treaty serve` from its arguments.
pub fn run(args: ServeArgs) -> Exit {
    let ServeArgs {
        listen,
        database_url,
        max_body_bytes,
        max_evidence_bytes,
        request_timeout,
        anonymous_read,
        max_connections,
        header_timeout,
        send_timeout,
        max_bundle_nodes,
        max_download_bytes,
        log_format,
        webhook_allow,
        webhook_backoff_scale,
        webhook_lease_ms,
        webhook_poll_ms,
        log_key,
        log_origin,
        ui_session_hours,
        ui_secure_cookies,
        smtp_url,
        smtp_from,
        test_clock,
        escalation_poll_ms,
        digest_poll_ms,
    } = args;
    let smtp = match (smtp_url, smtp_from) {
        (Some(url), Some(from)) => Some(treaty_server::mail::SmtpConfig { url, from }),
        _ => None,
    };
    if let Some(e) = smtp.as_ref().and_then(|s| s.check().err()) {
        return crate::exit::error(e);
    }
    let clock = test_clock.map_or(
        treaty_server::clock::Clock::System,
        treaty_server::clock::Clock::file,
    );
    if let Err(e) = clock.now() {
        return crate::exit::error(e);
    }
    let log_key = log_key.unwrap_or_else(|| default_log_key(&database_url));
    let seconds = std::time::Duration::from_secs;
    let options = ServeOptions {
        listen,
        database_url,
        json_logs: log_format == LogFormat::Json,
        log_key,
        log_origin,
        config: treaty_server::Config {
            max_body_bytes,
            max_evidence_bytes,
            request_timeout: seconds(request_timeout),
            anonymous_read,
            max_connections,
            header_timeout: seconds(header_timeout),
            send_timeout: seconds(send_timeout),
            max_bundle_nodes: usize::try_from(max_bundle_nodes).unwrap_or(usize::MAX),
            max_download_bytes: usize::try_from(max_download_bytes).unwrap_or(usize::MAX),
            webhooks: treaty_server::webhooks::WebhookConfig {
                allow: webhook_allow,
                backoff: treaty_server::webhooks::Backoff {
                    scale: webhook_backoff_scale,
                },
                lease: std::time::Duration::from_millis(webhook_lease_ms),
                poll: std::time::Duration::from_millis(webhook_poll_ms),
                ..treaty_server::webhooks::WebhookConfig::default()
            },
            ui: treaty_server::ui::UiConfig {
                session_ttl: seconds(ui_session_hours.saturating_mul(3600)),
                secure_cookies: ui_secure_cookies,
            },
            clock,
            smtp,
            escalations: treaty_server::escalations::EscalationConfig {
                poll: std::time::Duration::from_millis(escalation_poll_ms),
                ..treaty_server::escalations::EscalationConfig::default()
            },
            digests: treaty_server::digests::DigestConfig {
                poll: std::time::Duration::from_millis(digest_poll_ms),
            },
            ..treaty_server::Config::default()
        },
    };
    serve(options).map_or_else(super::failed, |()| Exit::Success)
}

/// Where the log key is kept when `--log-key` is not given: beside an
/// SQLite database (`PATH.log-key`), else `treaty-log.key` here.
fn default_log_key(database_url: &str) -> std::path::PathBuf {
    let path = database_url
        .strip_prefix("sqlite://")
        .or_else(|| database_url.strip_prefix("sqlite:"))
        .map(|p| p.split('?').next().unwrap_or(p))
        .filter(|p| !p.is_empty() && *p != ":memory:");
    match path {
        Some(p) => std::path::PathBuf::from(format!("{p}.log-key")),
        None => std::path::PathBuf::from("treaty-log.key"),
    }
}

/// Settings of `treaty serve`.
#[derive(Debug)]
struct ServeOptions {
    listen: String,
    database_url: String,
    config: treaty_server::Config,
    json_logs: bool,
    log_key: std::path::PathBuf,
    log_origin: Option<String>,
}

/// `treaty serve`: migrates, prints the bootstrap token at first start,
/// serves until SIGTERM or Ctrl-C, then finishes requests in flight.
fn serve(options: ServeOptions) -> Result<()> {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    // Colour codes only for a person at a terminal, never in a log file.
    let ansi = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_writer(std::io::stderr);
    if options.json_logs {
        builder.json().init();
    } else {
        builder.init();
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        // Bind first: a start that fails on a busy port must not create the
        // database and print (and so lose) the only admin token.
        let listener = tokio::net::TcpListener::bind(&options.listen)
            .await
            .map_err(|e| Failure(format!("cannot listen on {}: {e}", options.listen)))?;
        // The log key before the database: a bad key file must not cost
        // the only admin token, printed at the first start.
        let signer = treaty_server::log_key::load_or_create(
            &options.log_key,
            options.log_origin.as_deref(),
        )?;
        let store = treaty_store::Store::open(&options.database_url)
            .await
            .map_err(|e| Failure(format!("{}: {e}", redact(&options.database_url))))?;
        eprintln!(
            "decision log `{}` (key file {}); verifier key:",
            signer.name(),
            options.log_key.display()
        );
        eprintln!("TREATY_LOG_KEY={}", signer.verifier().to_text());
        let mut options = options;
        options.config.log_signer = Some(signer);
        let now = options
            .config
            .clock
            .now_ms()
            .map_err(|e| Failure(e.to_string()))?;
        if let Some(token) = store.bootstrap(now).await? {
            eprintln!(
                "first start: an admin token for team `{}` was created; it is shown this once \
                 (lost it? `treaty token recover-admin` on this machine issues another):",
                treaty_store::ADMIN_TEAM
            );
            eprintln!("TREATY_TOKEN={token}");
        }
        let addr = listener.local_addr()?;
        tracing::info!(%addr, database = %redact(&options.database_url), "treaty broker listening");
        // Notifications are delivered beside the API, and stop after it:
        // claims still held at the stop are given back.
        let worker = treaty_server::webhooks::DeliveryWorker::start(store.clone(), &options.config)
            .map_err(|e| Failure(e.to_string()))?;
        // Escalation timers beside them: what they send goes to the outbox.
        // The API, the timers and the digests keep decoded evidence once.
        let kept = treaty_server::Kept::default();
        let timers = treaty_server::escalations::EscalationWorker::start(
            store.clone(),
            &options.config,
            &kept,
        )
        .map_err(|e| Failure(e.to_string()))?;
        // Status digests on the governance's cadence, to the outbox too.
        let digests =
            treaty_server::digests::DigestWorker::start(store.clone(), &options.config, &kept);
        let app = treaty_server::app_sharing(store, options.config.clone(), &kept);
        let served = treaty_server::serve(listener, app, &options.config, shutdown_signal()).await;
        digests.stop().await;
        timers.stop().await;
        worker.stop().await;
        served?;
        tracing::info!("stopped");
        Ok(())
    })
}

/// `treaty token recover-admin`: a new admin token, issued in the database
/// itself (whoever can open the database is an administrator already).
pub fn recover_admin(database_url: &str) -> Exit {
    let issued = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure(e.to_string()))
        .and_then(|runtime| {
            runtime.block_on(async {
                let store = treaty_store::Store::open(database_url)
                    .await
                    .map_err(|e| Failure(format!("{}: {e}", redact(database_url))))?;
                let now = treaty_server::now_ms();
                if let Some(token) = store.bootstrap(now).await? {
                    return Ok(token);
                }
                // Recorded as the broker's own doing: there is no caller token.
                let by = treaty_log::Actor {
                    team: treaty_store::ADMIN_TEAM.to_owned(),
                    token_id: None,
                };
                let issued = store
                    .issue_token(
                        treaty_store::ADMIN_TEAM,
                        &[treaty_store::Scope::Admin],
                        now,
                        by,
                    )
                    .await?;
                Ok(issued.secret)
            })
        });
    match issued {
        Ok(token) => {
            eprintln!(
                "a new admin token for team `{}`; it is shown this once:",
                treaty_store::ADMIN_TEAM
            );
            println!("TREATY_TOKEN={token}");
            Exit::Success
        }
        Err(failure) => super::failed(failure),
    }
}

/// The URL without a password.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let user = &url[scheme + 3..at];
            let user = user.split(':').next().unwrap_or("");
            format!("{}{user}:***{}", &url[..scheme + 3], &url[at..])
        }
        _ => url.to_owned(),
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn the_log_key_defaults_to_beside_an_sqlite_database() {
        use super::default_log_key;
        assert_eq!(
            default_log_key("sqlite:///var/lib/treaty/treaty.db?mode=rwc"),
            std::path::PathBuf::from("/var/lib/treaty/treaty.db.log-key")
        );
        assert_eq!(
            default_log_key("postgres://db/treaty"),
            std::path::PathBuf::from("treaty-log.key")
        );
    }

    #[test]
    fn a_database_password_is_never_logged() {
        assert_eq!(
            redact("postgres://treaty:s3cret@db:5432/treaty"),
            "postgres://treaty:***@db:5432/treaty"
        );
        assert_eq!(redact("sqlite://treaty.db"), "sqlite://treaty.db");
    }
}
