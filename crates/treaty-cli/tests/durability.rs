//! Durability of the broker across crashes: the real `treaty serve` binary
//! on an SQLite file takes a stream of writes from two clients and is
//! killed with SIGKILL at varying moments, then restarted on the same file.
//! After each restart, read back through the API:
//!
//! - every acknowledged write (a 2xx answer was read in full) is there, as
//!   it was acknowledged (same ids, same bundles);
//! - a write whose connection died is either wholly there or wholly absent:
//!   a listed version always has its readable bundle, a deployment replaced
//!   the previous one or did not happen;
//! - nothing appears that was never sent, and nothing once seen disappears
//!   (so no count goes down);
//! - each component runs exactly one version in the environment: the last
//!   acknowledged deployment, or the one in flight after it.
//!
//! Deployments of a component come from one client, one at a time, so at a
//! kill at most one of them is in flight and "the latest" is well defined.
//!
//! A SIGKILL leaves what reached the operating system intact, so this
//! checks that a write is committed before it is acknowledged and that a
//! transaction cut short leaves nothing behind; it cannot check the fsyncs
//! that a power loss would need.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::thread;
use std::time::{Duration, Instant};

use common::{Broker, http_agent as agent};
use serde_json::{Value, json};

type Res<T> = common::TestResult<T>;

const ROUNDS: u64 = 8;
const CLIENTS: usize = 2;
const INTERFACE: &str = "orders";
const ENVIRONMENT: &str = "prod";
const PRODUCER: &str = "api";
const CONSUMER: &str = "web";
const PROVIDER_VERSION: &str = "1.0.0";
const BASE_SCHEMA: &str = "{\"type\":\"object\"}";

/// Whether a 500 `database is locked` counts as a refusal. It did before
/// the store began its SQLite write transactions with `BEGIN IMMEDIATE`
/// (a deferred transaction that reads first cannot wait to upgrade its
/// lock); now it is a failure, so that this test guards that fix too.
const TOLERATE_SQLITE_BUSY: bool = false;

/// Query values: the verification cursor holds a `:`.
fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// What became of one request.
enum Outcome {
    /// A 2xx answer, read in full.
    Acked(Value),
    /// Any other answer: the broker refused or failed.
    Refused(u16, String),
    /// No complete answer: the connection died (or timed out).
    Died(String),
}

fn send(agent: &ureq::Agent, method: &str, url: &str, token: &str, body: &Value) -> Outcome {
    let auth = format!("Bearer {token}");
    let sent = match method {
        "PUT" => agent
            .put(url)
            .header("Authorization", &auth)
            .send_json(body),
        _ => agent
            .post(url)
            .header("Authorization", &auth)
            .send_json(body),
    };
    let mut response = match sent {
        Ok(r) => r,
        Err(e) => return Outcome::Died(e.to_string()),
    };
    let status = response.status().as_u16();
    let text = match response.body_mut().read_to_string() {
        Ok(t) => t,
        Err(e) => return Outcome::Died(format!("{status}, then: {e}")),
    };
    if !(200..300).contains(&status) {
        return Outcome::Refused(status, text);
    }
    match serde_json::from_str(&text) {
        Ok(v) => Outcome::Acked(v),
        Err(e) => Outcome::Died(format!("{status} with a partial body ({e}): {text}")),
    }
}

/// A read that must succeed.
fn get(agent: &ureq::Agent, base: &str, path: &str, token: &str) -> Res<Value> {
    let mut r = agent
        .get(format!("{base}{path}"))
        .header("Authorization", format!("Bearer {token}"))
        .call()?;
    let status = r.status().as_u16();
    let text = r.body_mut().read_to_string()?;
    if status != 200 {
        return Err(format!("GET {path}: {status}: {text}").into());
    }
    Ok(serde_json::from_str(&text)?)
}

/// A set-up write that must succeed.
fn setup(
    agent: &ureq::Agent,
    base: &str,
    method: &str,
    path: &str,
    token: &str,
    body: &Value,
) -> Res<Value> {
    match send(agent, method, &format!("{base}{path}"), token, body) {
        Outcome::Acked(v) => Ok(v),
        Outcome::Refused(s, t) => Err(format!("{method} {path}: {s}: {t}").into()),
        Outcome::Died(e) => Err(format!("{method} {path}: {e}").into()),
    }
}

fn str_of<'a>(v: &'a Value, field: &str) -> Res<&'a str> {
    v[field]
        .as_str()
        .ok_or_else(|| format!("no string `{field}` in {v}").into())
}

#[derive(Debug, Clone)]
enum Write {
    Verification {
        consumer_version: String,
        success: bool,
    },
    Version {
        version: String,
        schema: String,
    },
    Deployment {
        component: String,
        version: String,
    },
}

/// The `i`-th write of client `client` in `round`; every name is unique.
fn plan(round: u64, client: usize, i: usize) -> Write {
    let name = format!("r{round}-c{client}-{i}");
    match i % 4 {
        1 => Write::Version {
            // Every other one shares the base bundle: the blob is stored
            // once and referenced again.
            schema: if (i / 4).is_multiple_of(2) {
                format!("{{\"type\":\"object\",\"title\":\"{name}\"}}")
            } else {
                BASE_SCHEMA.to_owned()
            },
            version: name,
        },
        3 => Write::Deployment {
            component: if client == 0 { PRODUCER } else { CONSUMER }.to_owned(),
            version: name,
        },
        _ => Write::Verification {
            consumer_version: name,
            success: !i.is_multiple_of(3),
        },
    }
}

fn bundle(schema: &str) -> Value {
    json!({"entry": "s.json", "files": {"s.json": schema}})
}

#[derive(Debug, Default)]
struct ClientLog {
    /// In the order sent, with the answer.
    acked: Vec<(Write, Value)>,
    /// The write whose connection died; the client stops there.
    in_flight: Option<Write>,
    /// Refused with 500 `database is locked`: must leave nothing behind.
    busy: Vec<Write>,
    /// Any other refusal: the test fails.
    refused: Vec<String>,
}

/// Sends writes one after another until the connection dies.
fn client(base: &str, token: &str, round: u64, client: usize) -> ClientLog {
    let agent = agent(Duration::from_secs(10));
    let mut log = ClientLog::default();
    for i in 0..1_000_000 {
        let w = plan(round, client, i);
        let outcome = match &w {
            Write::Verification {
                consumer_version,
                success,
            } => send(
                &agent,
                "POST",
                &format!("{base}/api/v1/verifications"),
                token,
                &json!({
                    "interface": INTERFACE,
                    "provider_version": PROVIDER_VERSION,
                    "consumer": CONSUMER,
                    "consumer_version": consumer_version,
                    "success": success,
                }),
            ),
            Write::Version { version, schema } => send(
                &agent,
                "PUT",
                &format!("{base}/api/v1/interfaces/{INTERFACE}/versions/{version}"),
                token,
                &bundle(schema),
            ),
            Write::Deployment { component, version } => send(
                &agent,
                "POST",
                &format!("{base}/api/v1/deployments"),
                token,
                &json!({"component": component, "version": version, "environment": ENVIRONMENT}),
            ),
        };
        match outcome {
            Outcome::Acked(v) => log.acked.push((w, v)),
            Outcome::Refused(500, text)
                if TOLERATE_SQLITE_BUSY && text.contains("database is locked") =>
            {
                log.busy.push(w);
            }
            Outcome::Refused(status, text) => {
                log.refused.push(format!("{w:?}: {status}: {text}"));
                break;
            }
            Outcome::Died(_) => {
                log.in_flight = Some(w);
                break;
            }
        }
    }
    log
}

/// What must be in the database (committed: acknowledged, or seen after a
/// restart) and what may be (in flight at the last kill).
#[derive(Debug, Default)]
struct Model {
    /// consumer_version → (id, success).
    verifications: BTreeMap<String, (String, bool)>,
    /// version → (schema, bundle_hash).
    versions: BTreeMap<String, (String, String)>,
    /// component → (version, deployment id).
    deployed: BTreeMap<String, (String, String)>,
    maybe_verifications: BTreeMap<String, bool>,
    maybe_versions: BTreeMap<String, String>,
    maybe_deployments: BTreeMap<String, String>,
    acked: usize,
    busy: usize,
    in_flight: usize,
    in_flight_kept: usize,
}

impl Model {
    fn record(&mut self, log: ClientLog) -> Res<()> {
        for (w, v) in log.acked {
            self.acked += 1;
            match w {
                Write::Verification {
                    consumer_version,
                    success,
                } => {
                    let id = str_of(&v, "id")?.to_owned();
                    self.verifications.insert(consumer_version, (id, success));
                }
                Write::Version { version, schema } => {
                    let hash = str_of(&v, "bundle_hash")?.to_owned();
                    self.versions.insert(version, (schema, hash));
                }
                Write::Deployment { component, version } => {
                    let id = str_of(&v, "id")?.to_owned();
                    self.deployed.insert(component, (version, id));
                }
            }
        }
        // Refused writes join neither set: the check fails if they appear.
        self.busy += log.busy.len();
        if let Some(w) = log.in_flight {
            self.in_flight += 1;
            match w {
                Write::Verification {
                    consumer_version,
                    success,
                } => {
                    self.maybe_verifications.insert(consumer_version, success);
                }
                Write::Version { version, schema } => {
                    self.maybe_versions.insert(version, schema);
                }
                Write::Deployment { component, version } => {
                    self.maybe_deployments.insert(component, version);
                }
            }
        }
        Ok(())
    }

    /// Reads everything back from a freshly started broker (nothing else
    /// writes meanwhile) and compares; what was in flight is then settled.
    fn check(&mut self, base: &str, token: &str) -> Res<()> {
        let agent = agent(Duration::from_secs(10));
        let mut problems = Vec::new();

        let interface = get(
            &agent,
            base,
            &format!("/api/v1/interfaces/{INTERFACE}"),
            token,
        )?;
        if interface["kind"] != "jsonschema" || interface["component"] != PRODUCER {
            problems.push(format!("interface changed: {interface}"));
        }

        // Verifications: every page, newest first.
        let mut seen: BTreeMap<String, (String, bool)> = BTreeMap::new();
        let mut ids = BTreeSet::new();
        let mut after: Option<String> = None;
        loop {
            let mut path = format!("/api/v1/verifications?interface={INTERFACE}&limit=1000");
            if let Some(a) = &after {
                path.push_str(&format!("&after={}", enc(a)));
            }
            let page = get(&agent, base, &path, token)?;
            for v in page["items"].as_array().ok_or("no items")? {
                let id = str_of(v, "id")?.to_owned();
                let cv = str_of(v, "consumer_version")?.to_owned();
                let success = v["success"].as_bool().ok_or("no success")?;
                if v["provider_version"] != PROVIDER_VERSION
                    || v["consumer"] != CONSUMER
                    || v["interface"] != INTERFACE
                    || v["recorded_by"] != "admins"
                {
                    problems.push(format!("verification with other fields than sent: {v}"));
                }
                if !ids.insert(id.clone()) {
                    problems.push(format!("verification {id} listed twice"));
                }
                if let Some(old) = seen.insert(cv.clone(), (id, success)) {
                    problems.push(format!("verification {cv} stored twice (also {})", old.0));
                }
            }
            match page["next"].as_str() {
                Some(n) => after = Some(n.to_owned()),
                None => break,
            }
        }
        for (cv, (id, success)) in &self.verifications {
            match seen.get(cv) {
                None => problems.push(format!(
                    "LOST: acknowledged verification {id} ({cv}) is missing"
                )),
                Some(got) if got != &(id.clone(), *success) => problems.push(format!(
                    "verification {cv} was acknowledged as ({id}, {success}), reads {got:?}"
                )),
                Some(_) => {}
            }
        }
        for (cv, (id, success)) in seen {
            if self.verifications.contains_key(&cv) {
                continue;
            }
            match self.maybe_verifications.get(&cv) {
                Some(s) if *s == success => {
                    self.in_flight_kept += 1;
                    self.verifications.insert(cv, (id, success));
                }
                _ => problems.push(format!(
                    "verification {id} ({cv}, {success}) was never acknowledged (refused, never sent, or absent after an earlier restart)"
                )),
            }
        }
        self.maybe_verifications.clear();

        // Versions: every page, each bundle read back.
        let mut listed: BTreeMap<String, String> = BTreeMap::new();
        let mut after = String::new();
        loop {
            let page = get(
                &agent,
                base,
                &format!(
                    "/api/v1/interfaces/{INTERFACE}/versions?limit=1000&after={}",
                    enc(&after)
                ),
                token,
            )?;
            for v in page["items"].as_array().ok_or("no items")? {
                let version = str_of(v, "version")?.to_owned();
                let hash = str_of(v, "bundle_hash")?.to_owned();
                if listed.insert(version.clone(), hash).is_some() {
                    problems.push(format!("version {version} listed twice"));
                }
            }
            match page["next"].as_str() {
                Some(n) => after = n.to_owned(),
                None => break,
            }
        }
        for (version, (_, hash)) in &self.versions {
            match listed.get(version) {
                None => problems.push(format!(
                    "LOST: acknowledged version {version} is not listed"
                )),
                Some(h) if h != hash => problems.push(format!(
                    "version {version} was acknowledged with bundle {hash}, lists {h}"
                )),
                Some(_) => {}
            }
        }
        for (version, hash) in listed {
            let schema = match self.versions.get(&version) {
                Some((schema, _)) => schema.clone(),
                None => match self.maybe_versions.get(&version) {
                    Some(schema) => {
                        self.in_flight_kept += 1;
                        self.versions
                            .insert(version.clone(), (schema.clone(), hash));
                        schema.clone()
                    }
                    None => {
                        problems.push(format!(
                            "version {version} was never acknowledged (refused, never sent, or absent after an earlier restart)"
                        ));
                        continue;
                    }
                },
            };
            let path = format!("/api/v1/interfaces/{INTERFACE}/versions/{version}");
            match get(&agent, base, &path, token) {
                Ok(b) => {
                    let want = json!({"entry": "s.json", "include_paths": [], "files": {"s.json": schema}});
                    if b != want {
                        problems.push(format!(
                            "HALF-WRITTEN: version {version} reads {b}, was sent {want}"
                        ));
                    }
                }
                Err(e) => problems.push(format!(
                    "HALF-WRITTEN: version {version} is listed but its bundle does not read: {e}"
                )),
            }
        }
        self.maybe_versions.clear();

        // Deployments: one current version per component, the last
        // acknowledged or the one in flight after it.
        let deployments = get(
            &agent,
            base,
            &format!("/api/v1/environments/{ENVIRONMENT}/deployments"),
            token,
        )?;
        let mut current: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
        for d in deployments.as_array().ok_or("deployments: not a list")? {
            current
                .entry(str_of(d, "component")?.to_owned())
                .or_default()
                .push((
                    str_of(d, "version")?.to_owned(),
                    str_of(d, "id")?.to_owned(),
                ));
        }
        for component in current.keys() {
            if !self.deployed.contains_key(component) {
                problems.push(format!("{component} is deployed but never was"));
            }
        }
        for (component, (version, id)) in self.deployed.clone() {
            let found = current
                .get(&component)
                .map(Vec::as_slice)
                .unwrap_or_default();
            match found {
                [(v, i)] if (v, i) == (&version, &id) => {}
                [(v, i)] if self.maybe_deployments.get(&component) == Some(v) => {
                    self.in_flight_kept += 1;
                    self.deployed.insert(component, (v.clone(), i.clone()));
                }
                [(v, i)] => problems.push(format!(
                    "LOST: {component} runs {v} ({i}); the last acknowledged deployment was {version} ({id}), in flight after it {:?}",
                    self.maybe_deployments.get(&component)
                )),
                other => problems.push(format!(
                    "{component} should run exactly one version, runs {other:?}"
                )),
            }
        }
        self.maybe_deployments.clear();

        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems.join("\n").into())
        }
    }
}

#[test]
fn acknowledged_writes_survive_sigkill() -> Res<()> {
    let started = Instant::now();
    let dir = tempfile::tempdir()?;
    let db = dir.path().join("treaty.db");
    let database_url = format!("sqlite://{}", db.display());

    let mut server = Broker::start(&database_url)?;
    let token = server.bootstrap_token()?;
    let agent = agent(Duration::from_secs(10));
    let base = server.url().to_owned();
    setup(
        &agent,
        &base,
        "POST",
        "/api/v1/teams",
        &token,
        &json!({"id": "shop", "name": "Shop"}),
    )?;
    for c in [PRODUCER, CONSUMER] {
        setup(
            &agent,
            &base,
            "PUT",
            &format!("/api/v1/components/{c}"),
            &token,
            &json!({"team": "shop"}),
        )?;
    }
    setup(
        &agent,
        &base,
        "PUT",
        &format!("/api/v1/environments/{ENVIRONMENT}"),
        &token,
        &json!({}),
    )?;
    setup(
        &agent,
        &base,
        "PUT",
        &format!("/api/v1/interfaces/{INTERFACE}"),
        &token,
        &json!({"component": PRODUCER, "kind": "jsonschema", "compatibility": "backward"}),
    )?;
    let mut model = Model::default();
    let published = setup(
        &agent,
        &base,
        "PUT",
        &format!("/api/v1/interfaces/{INTERFACE}/versions/{PROVIDER_VERSION}"),
        &token,
        &bundle(BASE_SCHEMA),
    )?;
    model.versions.insert(
        PROVIDER_VERSION.to_owned(),
        (
            BASE_SCHEMA.to_owned(),
            str_of(&published, "bundle_hash")?.to_owned(),
        ),
    );
    for c in [PRODUCER, CONSUMER] {
        let d = setup(
            &agent,
            &base,
            "POST",
            "/api/v1/deployments",
            &token,
            &json!({"component": c, "version": PROVIDER_VERSION, "environment": ENVIRONMENT}),
        )?;
        model.deployed.insert(
            c.to_owned(),
            (PROVIDER_VERSION.to_owned(), str_of(&d, "id")?.to_owned()),
        );
    }
    // The checker agrees with a broker that was never killed.
    model.check(&base, &token)?;

    let mut first = true;
    for round in 0..ROUNDS {
        // 50 to 300 ms, spread over the rounds.
        let delay = Duration::from_millis(50 + (round * 137) % 251);
        let clients: Vec<_> = (0..CLIENTS)
            .map(|c| {
                let (base, token) = (server.url().to_owned(), token.clone());
                thread::spawn(move || client(&base, &token, round, c))
            })
            .collect();
        thread::sleep(delay);
        let log = server.crash()?;
        if !first && log.iter().any(|l| l.starts_with("TREATY_TOKEN=")) {
            return Err("a restarted broker printed a new bootstrap token".into());
        }
        first = false;
        let mut refused = Vec::new();
        for h in clients {
            let log = h.join().map_err(|_| "a client thread panicked")?;
            refused.extend(log.refused.iter().cloned());
            model.record(log)?;
        }
        if !refused.is_empty() {
            return Err(format!(
                "round {round}: the broker refused writes:\n{}",
                refused.join("\n")
            )
            .into());
        }
        if !dir.path().join("treaty.db-wal").exists() {
            return Err("no treaty.db-wal after a kill: the database is not in WAL mode".into());
        }
        server = Broker::start(&database_url)?;
        model.check(server.url(), &token).map_err(|e| {
            format!(
                "after kill {} ({} ms into the writes):\n{e}",
                round + 1,
                delay.as_millis()
            )
        })?;
    }
    let log = server.stop()?;
    if log.iter().any(|l| l.starts_with("TREATY_TOKEN=")) {
        return Err("a restarted broker printed a new bootstrap token".into());
    }
    if model.acked < 2 * ROUNDS as usize {
        return Err(format!(
            "only {} writes were acknowledged in {ROUNDS} rounds",
            model.acked
        )
        .into());
    }
    eprintln!(
        "{ROUNDS} kills in {:.1} s: {} writes acknowledged, {} refused as `database is locked`, {} in flight at a kill ({} of them kept); now {} verifications, {} versions",
        started.elapsed().as_secs_f64(),
        model.acked,
        model.busy,
        model.in_flight,
        model.in_flight_kept,
        model.verifications.len(),
        model.versions.len(),
    );
    Ok(())
}
