//! The commands that talk to a broker: `publish`, `expect`, `verify`,
//! `record-deployment`, `record-undeployment`, `can-i-release`, `token`,
//! `team`, `environment`; and `serve`, which runs one.

use std::io::{IsTerminal, Read, Write};
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;
use treaty_compat::Bundle;
use treaty_core::impact::{Usage, policy_of};
use treaty_core::model::{ExpectationKind, Interface};
use treaty_server::api;

use crate::fs_source::FsSource;

/// Where the broker is and who calls it.
#[derive(Debug, Clone)]
pub struct Broker {
    pub url: String,
    pub token: Option<String>,
}

/// A failure of a broker command: what to tell the user; exit code 2.
#[derive(Debug)]
pub struct Failure(pub String);

impl<E: std::fmt::Display> From<E> for Failure {
    fn from(e: E) -> Failure {
        Failure(e.to_string())
    }
}

type Result<T> = std::result::Result<T, Failure>;

/// Responses read at most this large.
const MAX_RESPONSE: u64 = 256 * 1024 * 1024;
/// Bodies above this show upload progress on a terminal.
const PROGRESS_FROM: usize = 1024 * 1024;

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(120)))
        .http_status_as_error(false)
        .build()
        .into()
}

/// Counts bytes read, showing progress on stderr.
struct Progress<'a> {
    inner: &'a [u8],
    sent: usize,
    shown: usize,
}

impl Read for Progress<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.sent += n;
        let total = self.sent + self.inner.len();
        let percent = self.sent * 100 / total.max(1);
        if percent >= self.shown + 10 || (n == 0 && self.shown < 100) {
            self.shown = percent;
            eprint!("\ruploading {} KiB: {percent}%", total / 1024);
            if n == 0 || percent == 100 {
                eprintln!();
            }
            let _ = std::io::stderr().flush();
        }
        Ok(n)
    }
}

impl Broker {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.url.trim_end_matches('/'))
    }

    fn call<T: DeserializeOwned>(
        &self,
        method: &str,
        path: &str,
        body: Option<&impl Serialize>,
    ) -> Result<(u16, T)> {
        let url = self.url(path);
        let auth = self.token.as_ref().map(|t| format!("Bearer {t}"));
        let agent = agent();
        let sent = match (method, body) {
            ("GET", _) => {
                let mut r = agent.get(&url);
                if let Some(a) = &auth {
                    r = r.header("Authorization", a);
                }
                r.call()
            }
            ("DELETE", _) => {
                let mut r = agent.delete(&url);
                if let Some(a) = &auth {
                    r = r.header("Authorization", a);
                }
                r.call()
            }
            (m, body) => {
                let bytes = match body {
                    Some(b) => serde_json::to_vec(b)?,
                    None => b"{}".to_vec(),
                };
                let mut r = if m == "PUT" {
                    agent.put(&url)
                } else {
                    agent.post(&url)
                };
                r = r.header("Content-Type", "application/json");
                if let Some(a) = &auth {
                    r = r.header("Authorization", a);
                }
                if bytes.len() >= PROGRESS_FROM && std::io::stderr().is_terminal() {
                    let mut progress = Progress {
                        inner: &bytes,
                        sent: 0,
                        shown: 0,
                    };
                    r.send(ureq::SendBody::from_reader(&mut progress))
                } else {
                    r.send(&bytes[..])
                }
            }
        };
        let mut response = sent.map_err(|e| {
            Failure(format!(
                "cannot reach the broker at {}: {e} (set --broker or TREATY_BROKER)",
                self.url
            ))
        })?;
        let status = response.status().as_u16();
        let text = response
            .body_mut()
            .with_config()
            .limit(MAX_RESPONSE)
            .read_to_string()
            .map_err(|e| Failure(format!("reading the broker's answer: {e}")))?;
        if status >= 400 {
            let message = serde_json::from_str::<serde_json::Value>(&text)
                .ok()
                .and_then(|v| v["error"]["message"].as_str().map(str::to_owned))
                .unwrap_or_else(|| text.chars().take(500).collect());
            return Err(Failure(format!(
                "the broker refused {method} {path} ({status}): {message}"
            )));
        }
        let value = if status == 204 || text.is_empty() {
            serde_json::from_str("null")
        } else {
            serde_json::from_str(&text)
        };
        let value = value.map_err(|e| {
            Failure(format!(
                "the broker's answer to {path} is not what Treaty expects: {e}"
            ))
        })?;
        Ok((status, value))
    }

    fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T> {
        Ok(self.call::<T>("GET", path, None::<&()>)?.1)
    }
}

/// `a b` → `a%20b`: path segments and query values.
fn enc(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn workspace_interface(dir: &Path, id: &str) -> Result<(Interface, treaty_core::model::Defaults)> {
    let source = FsSource::new(dir);
    let (ws, diags) = treaty_core::load(&source);
    if let Some(d) = diags
        .iter()
        .find(|d| d.unreadable || d.severity == treaty_syntax::Severity::Error)
    {
        return Err(Failure(format!(
            "the workspace at {} has problems ({}: {}); run `treaty validate` and fix them first",
            dir.display(),
            d.code,
            d.message
        )));
    }
    let defaults = ws
        .workspace
        .as_ref()
        .map(|w| w.defaults.clone())
        .unwrap_or_default();
    let interface = ws
        .interfaces
        .iter()
        .find(|i| i.id.value == id)
        .cloned()
        .ok_or_else(|| {
            let known: Vec<&str> = ws.interfaces.iter().map(|i| i.id.value.as_str()).collect();
            Failure(format!(
                "the workspace at {} has no interface `{id}` (it has: {})",
                dir.display(),
                known.join(", ")
            ))
        })?;
    Ok((interface, defaults))
}

fn format_of(i: &Interface) -> treaty_compat::Format {
    use treaty_core::model::InterfaceKind::*;
    match i.kind.value {
        Openapi => treaty_compat::Format::OpenApi,
        Jsonschema => treaty_compat::Format::JsonSchema,
        Avro => treaty_compat::Format::Avro,
        Asyncapi => treaty_compat::Format::AsyncApi,
        Protobuf => treaty_compat::Format::Protobuf,
    }
}

fn compatibility_name(i: &Interface, defaults: &treaty_core::model::Defaults) -> String {
    let (policy, transitive) = policy_of(i, defaults);
    let base = match policy {
        treaty_compat::Policy::Backward => "backward",
        treaty_compat::Policy::Forward => "forward",
        treaty_compat::Policy::Full => "full",
        treaty_compat::Policy::None => "none",
    };
    if transitive && policy != treaty_compat::Policy::None {
        format!("{base}_transitive")
    } else {
        base.to_owned()
    }
}

fn ensure_component(broker: &Broker, component: &str, team: &str) -> Result<()> {
    broker.call::<api::Component>(
        "PUT",
        &format!("/api/v1/components/{}", enc(component)),
        Some(&serde_json::json!({ "team": team })),
    )?;
    Ok(())
}

/// `treaty publish`: registers the producer component and the interface
/// when needed, and publishes the schema with every file it reaches.
pub fn publish(
    broker: &Broker,
    dir: &Path,
    interface: &str,
    version: &str,
    component: Option<&str>,
) -> Result<String> {
    let (i, defaults) = workspace_interface(dir, interface)?;
    let team = i
        .producer
        .as_ref()
        .map(|p| p.value.clone())
        .ok_or_else(|| Failure(format!("interface `{interface}` names no producer")))?;
    let component = component.unwrap_or(&team).to_owned();
    let includes: Vec<String> = i.include_paths.iter().map(|p| p.value.clone()).collect();
    let source = FsSource::new(dir);
    let bundle =
        Bundle::collect(&source, &i.schema.value, &includes, format_of(&i)).map_err(|e| {
            Failure(format!(
                "reading `{}`: {}",
                i.schema.value, e.diagnostic.message
            ))
        })?;
    ensure_component(broker, &component, &team)?;
    let proto_category = (format_of(&i) == treaty_compat::Format::Protobuf).then(|| {
        treaty_core::impact::proto_category_of(&i)
            .as_str()
            .to_ascii_lowercase()
    });
    broker.call::<api::Interface>(
        "PUT",
        &format!("/api/v1/interfaces/{}", enc(interface)),
        Some(&serde_json::json!({
            "component": component,
            "kind": i.kind.value.as_str(),
            "compatibility": compatibility_name(&i, &defaults),
            "proto_category": proto_category,
        })),
    )?;
    let files = bundle.files.len();
    let (_, published) = broker.call::<api::Published>(
        "PUT",
        &format!(
            "/api/v1/interfaces/{}/versions/{}",
            enc(interface),
            enc(version)
        ),
        Some(&api::SchemaBundle {
            entry: bundle.entry,
            include_paths: bundle.include_paths,
            files: bundle.files,
        }),
    )?;
    Ok(if published.created {
        format!(
            "published {interface} {version} ({files} file(s), bundle {})",
            &published.bundle_hash[..12]
        )
    } else {
        format!("{interface} {version} was already published with this schema: nothing changed")
    })
}

/// `treaty expect`: records what a consumer version was built against and,
/// from the workspace, what it uses and its example payloads and Pact files.
pub fn expect(
    broker: &Broker,
    dir: &Path,
    interface: &str,
    component: &str,
    version: &str,
    built_against: &str,
    team: Option<&str>,
) -> Result<String> {
    let (i, _) = workspace_interface(dir, interface)?;
    let team = match team {
        Some(t) => t.to_owned(),
        None => broker.get::<api::WhoAmI>("/api/v1/whoami")?.team,
    };
    let consumer = i.consumers.iter().find(|c| c.team.value == team);
    if consumer.is_none() {
        eprintln!(
            "warning: team `{team}` is not a consumer of `{interface}` in the workspace; recorded as using all of it"
        );
    }
    let usage = consumer
        .and_then(|c| c.uses.as_ref())
        .map(Usage::from)
        .unwrap_or_default();
    let source = FsSource::new(dir);
    let mut artifacts = Vec::new();
    for e in consumer
        .map(|c| c.expectations.as_slice())
        .unwrap_or_default()
    {
        let bytes = treaty_core::WorkspaceSource::read(&source, &e.file.value, 64 * 1024 * 1024)
            .map_err(|err| Failure(format!("reading `{}`: {err:?}", e.file.value)))?;
        let content = String::from_utf8(bytes)
            .map_err(|_| Failure(format!("`{}` is not UTF-8 text", e.file.value)))?;
        artifacts.push(api::Artifact {
            name: e.file.value.clone(),
            kind: match e.kind {
                ExpectationKind::Pact => "pact",
                _ => "example",
            }
            .into(),
            content,
        });
    }
    ensure_component(broker, component, &team)?;
    let body = serde_json::json!({
        "built_against": built_against,
        "uses": usage,
        "artifacts": artifacts,
    });
    let (_, e) = broker.call::<api::Expectation>(
        "PUT",
        &format!(
            "/api/v1/components/{}/versions/{}/expectations/{}",
            enc(component),
            enc(version),
            enc(interface)
        ),
        Some(&body),
    )?;
    Ok(if e.created == Some(false) {
        format!("{component} {version} already expects this of {interface}: nothing changed")
    } else {
        format!(
            "recorded: {component} {version} was built against {interface} {built_against}{}",
            if usage.is_everything() {
                " and uses all of it".to_owned()
            } else {
                format!(
                    " and uses {} operation(s), {} channel(s), {} message(s), {} field(s)",
                    usage.operations.len(),
                    usage.channels.len(),
                    usage.messages.len(),
                    usage.fields.len()
                )
            }
        )
    })
}

pub fn verify(broker: &Broker, body: &serde_json::Value) -> Result<String> {
    let (_, v) = broker.call::<api::Verification>("POST", "/api/v1/verifications", Some(body))?;
    Ok(format!(
        "recorded verification {}: {} {} against {} {}: {}",
        v.id,
        v.consumer,
        v.consumer_version,
        v.interface,
        v.provider_version,
        if v.success { "success" } else { "failure" }
    ))
}

pub fn record_deployment(
    broker: &Broker,
    component: &str,
    version: &str,
    environment: &str,
) -> Result<String> {
    let (_, d) = broker.call::<api::Deployment>(
        "POST",
        "/api/v1/deployments",
        Some(&serde_json::json!({"component": component, "version": version, "environment": environment})),
    )?;
    Ok(format!(
        "recorded: {} {} runs in {} ({})",
        d.component, d.version, d.environment, d.id
    ))
}

pub fn record_undeployment(broker: &Broker, component: &str, environment: &str) -> Result<String> {
    let (_, d) = broker.call::<api::Undeployed>(
        "POST",
        "/api/v1/undeployments",
        Some(&serde_json::json!({"component": component, "environment": environment})),
    )?;
    Ok(if d.undeployed {
        format!("recorded: {component} no longer runs in {environment}")
    } else {
        format!("{component} was not deployed in {environment}: nothing changed")
    })
}

/// `treaty can-i-release`: 0 when it may go, 1 when not, with every reason.
pub fn can_i_release(
    broker: &Broker,
    component: &str,
    version: &str,
    environment: &str,
    json: bool,
) -> Result<ExitCode> {
    let v: api::ReleaseVerdict = broker.get(&format!(
        "/api/v1/can-i-release?component={}&version={}&environment={}",
        enc(component),
        enc(version),
        enc(environment)
    ))?;
    let mut out = std::io::stdout().lock();
    if json {
        writeln!(out, "{}", serde_json::to_string_pretty(&v)?)?;
    } else {
        if v.release {
            writeln!(
                out,
                "yes: {component} {version} may be released to {environment}"
            )?;
        } else {
            writeln!(
                out,
                "no: {component} {version} may not be released to {environment}"
            )?;
            for r in &v.reasons {
                writeln!(out, "  - {r}")?;
            }
        }
        if !v.pairs.is_empty() {
            writeln!(out, "checked:")?;
            for p in &v.pairs {
                writeln!(
                    out,
                    "  {} {} {} ← {} {} (built against {}): {}",
                    p.interface,
                    p.producer,
                    p.producer_version,
                    p.consumer,
                    p.consumer_version,
                    p.built_against,
                    p.outcome
                )?;
                for c in &p.changes {
                    writeln!(out, "      {} {}", c.rule, c.message)?;
                }
            }
        }
    }
    Ok(if v.release {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

pub fn token_create(broker: &Broker, team: &str, scopes: &[String]) -> Result<String> {
    let (_, t) = broker.call::<api::IssuedToken>(
        "POST",
        "/api/v1/tokens",
        Some(&serde_json::json!({"team": team, "scopes": scopes})),
    )?;
    eprintln!(
        "token {} for team {} [{}]; the secret below is shown this once:",
        t.id,
        t.team,
        t.scopes.join(", ")
    );
    Ok(t.token)
}

pub fn token_revoke(broker: &Broker, id: &str) -> Result<String> {
    broker.call::<serde_json::Value>(
        "DELETE",
        &format!("/api/v1/tokens/{}", enc(id)),
        None::<&()>,
    )?;
    Ok(format!("revoked token {id}"))
}

pub fn team_create(broker: &Broker, id: &str, name: &str) -> Result<String> {
    broker.call::<api::Team>(
        "POST",
        "/api/v1/teams",
        Some(&serde_json::json!({"id": id, "name": name})),
    )?;
    Ok(format!("created team {id}"))
}

pub fn environment_create(broker: &Broker, id: &str) -> Result<String> {
    let (_, e) = broker.call::<api::Environment>(
        "PUT",
        &format!("/api/v1/environments/{}", enc(id)),
        None::<&()>,
    )?;
    Ok(if e.created == Some(false) {
        format!("environment {id} already exists")
    } else {
        format!("created environment {id}")
    })
}

/// Settings of `treaty serve`.
#[derive(Debug)]
pub struct ServeOptions {
    pub listen: String,
    pub database_url: String,
    pub config: treaty_server::Config,
    pub json_logs: bool,
}

/// `treaty serve`: migrates, prints the bootstrap token at first start,
/// serves until SIGTERM or Ctrl-C, then finishes requests in flight.
pub fn serve(options: ServeOptions) -> Result<()> {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
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
        let store = treaty_store::Store::open(&options.database_url)
            .await
            .map_err(|e| Failure(format!("{}: {e}", redact(&options.database_url))))?;
        if let Some(token) = store.bootstrap(treaty_server::now_ms()).await? {
            eprintln!(
                "first start: an admin token for team `{}` was created; it is shown this once:",
                treaty_store::ADMIN_TEAM
            );
            eprintln!("TREATY_TOKEN={token}");
        }
        let listener = tokio::net::TcpListener::bind(&options.listen)
            .await
            .map_err(|e| Failure(format!("cannot listen on {}: {e}", options.listen)))?;
        let addr = listener.local_addr()?;
        tracing::info!(%addr, database = %redact(&options.database_url), "treaty broker listening");
        let app = treaty_server::app(store, options.config);
        treaty_server::serve(listener, app, shutdown_signal()).await?;
        tracing::info!("stopped");
        Ok(())
    })
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
