//! Nothing queued is lost: a team's receiver is down while pings are
//! queued, the broker delivering them is killed with SIGKILL (with events
//! claimed, attempts failed and retries scheduled), a broker starts again
//! on the same database, the receiver comes back, and every event arrives,
//! at least once, with the `webhook-id` it was queued with. On SQLite one
//! broker restarts; on PostgreSQL two share the queue and one is killed.
//!
//! On SQLite the broker is killed while deliveries hang on a receiver that
//! accepts connections and never answers, so it dies holding claims: they
//! come back when their lease ends.
//!
//! The retry schedule is scaled down (`--webhook-backoff-scale`, a hidden
//! flag for tests) so that its hours pass in seconds, and claims last
//! 1.5 s (`--webhook-lease-ms`).

mod common;

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::net::TcpListener;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use common::{Broker, TestResult, http_agent, run_expecting, test_database_url};
use serde_json::Value;

const EVENTS: usize = 30;

/// A webhook receiver on a fixed port that can be down (nothing listens:
/// connections are refused) or up (answers 204 and records `webhook-id`s).
struct Receiver {
    port: u16,
    received: Arc<Mutex<Vec<String>>>,
    /// While set, connections are accepted and held without an answer.
    hanging: Arc<AtomicBool>,
    /// Connections held so far.
    held: Arc<Mutex<usize>>,
    stop: Arc<AtomicBool>,
    thread: Option<thread::JoinHandle<()>>,
}

impl Receiver {
    /// A free port, with nothing listening on it yet.
    fn down() -> TestResult<Receiver> {
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        Ok(Receiver {
            port,
            received: Arc::default(),
            hanging: Arc::default(),
            held: Arc::default(),
            stop: Arc::default(),
            thread: None,
        })
    }

    /// Listening, but answering nothing: deliveries hang (and their
    /// claims are held) until they time out.
    fn hang(&mut self) -> TestResult {
        self.hanging.store(true, Ordering::SeqCst);
        self.up()
    }

    fn held(&self) -> usize {
        self.held.lock().map(|h| *h).unwrap_or(0)
    }

    /// Answering (started, or no longer hanging).
    fn up(&mut self) -> TestResult {
        if self.thread.is_some() {
            self.hanging.store(false, Ordering::SeqCst);
            return Ok(());
        }
        let listener = TcpListener::bind(("127.0.0.1", self.port))?;
        listener.set_nonblocking(true)?;
        let (received, stop) = (self.received.clone(), self.stop.clone());
        let (hanging, held) = (self.hanging.clone(), self.held.clone());
        self.thread = Some(thread::spawn(move || {
            let mut holding = Vec::new();
            while !stop.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((stream, _)) if hanging.load(Ordering::SeqCst) => {
                        holding.push(stream);
                        if let Ok(mut h) = held.lock() {
                            *h += 1;
                        }
                    }
                    Ok((stream, _)) => {
                        holding.clear();
                        let _ = stream.set_nonblocking(false);
                        if let Some(id) = answer(stream)
                            && let Ok(mut r) = received.lock()
                        {
                            r.push(id);
                        }
                    }
                    Err(_) => thread::sleep(Duration::from_millis(5)),
                }
            }
        }));
        Ok(())
    }

    fn received(&self) -> Vec<String> {
        self.received.lock().map(|r| r.clone()).unwrap_or_default()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Reads one request, answers 204, returns its `webhook-id`.
fn answer(stream: std::net::TcpStream) -> Option<String> {
    common::receivers::answer_webhook(stream).map(|r| r.id)
}

fn serve_args(lease_ms: &str) -> Vec<&str> {
    vec![
        "--webhook-allow",
        "127.0.0.1/32",
        "--webhook-backoff-scale",
        "0.0002",
        "--webhook-lease-ms",
        lease_ms,
        "--webhook-poll-ms",
        "50",
    ]
}

/// Queues `EVENTS` pings, 5 (as many as a team may have pending) for
/// each of 6 teams created with their webhook on the receiver's port, and
/// answers their ids.
fn queue_pings(broker: &Broker, admin: &str, port: u16) -> TestResult<Vec<String>> {
    let hook = format!("http://127.0.0.1:{port}/hook");
    let agent = http_agent(Duration::from_secs(10));
    let mut ids = Vec::new();
    for t in 0..EVENTS / 5 {
        let team = format!("team-{t}");
        run_expecting(
            &mut broker.command(
                admin,
                &["team", "create", &team, "--name", &team, "--webhook", &hook],
            ),
            0,
        )?;
        for _ in 0..5 {
            let mut response = agent
                .post(format!("{}/api/v1/teams/{team}/webhook/ping", broker.url()))
                .header("Authorization", format!("Bearer {admin}"))
                .send(&b""[..])?;
            let status = response.status().as_u16();
            let body: Value = serde_json::from_str(&response.body_mut().read_to_string()?)?;
            if status != 202 {
                return Err(format!("ping: {status} {body}").into());
            }
            ids.push(body["id"].as_str().ok_or("no id")?.to_owned());
        }
    }
    Ok(ids)
}

/// The notifications as `treaty notifications list --format json` shows
/// them, by id.
fn states(broker: &Broker, admin: &str) -> TestResult<HashMap<String, (String, i64)>> {
    let out = broker
        .command(
            admin,
            &[
                "notifications",
                "list",
                "--format",
                "json",
                "--limit",
                "1000",
            ],
        )
        .output()?;
    if !out.status.success() {
        return Err(format!(
            "notifications list: {}",
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    let page: Value = serde_json::from_slice(&out.stdout)?;
    let items = page["items"].as_array().ok_or("no items")?;
    Ok(items
        .iter()
        .filter_map(|n| {
            Some((
                n["id"].as_str()?.to_owned(),
                (n["state"].as_str()?.to_owned(), n["attempts"].as_i64()?),
            ))
        })
        .collect())
}

/// Waits until every id was received and shows as delivered.
fn all_delivered(
    broker: &Broker,
    admin: &str,
    receiver: &Receiver,
    ids: &[String],
) -> TestResult<HashMap<String, (String, i64)>> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let received: HashSet<String> = receiver.received().into_iter().collect();
        let states = states(broker, admin)?;
        let missing: Vec<&String> = ids.iter().filter(|id| !received.contains(*id)).collect();
        let undelivered = ids
            .iter()
            .filter(|id| states.get(*id).is_none_or(|(s, _)| s != "delivered"))
            .count();
        if missing.is_empty() && undelivered == 0 {
            return Ok(states);
        }
        if Instant::now() > deadline {
            return Err(format!(
                "after 60 s, {} of {EVENTS} never received ({missing:?}), {undelivered} not delivered; states: {states:?}",
                missing.len()
            )
            .into());
        }
        thread::sleep(Duration::from_millis(100));
    }
}

/// Waits until every event has had at least one failed attempt.
fn all_failed_once(broker: &Broker, admin: &str, ids: &[String]) -> TestResult {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        let states = states(broker, admin)?;
        if ids
            .iter()
            .all(|id| states.get(id).is_some_and(|(_, n)| *n >= 1))
        {
            return Ok(());
        }
        thread::sleep(Duration::from_millis(50));
    }
    Err("the events were not attempted while the receiver was down".into())
}

#[test]
fn every_event_arrives_after_a_receiver_outage_and_a_sigkill_on_sqlite() -> TestResult {
    let scratch = tempfile::tempdir()?;
    let db = format!("sqlite://{}", scratch.path().join("treaty.db").display());
    let mut receiver = Receiver::down()?;
    let mut broker = Broker::start_with(&db, &serve_args("1500"))?;
    let admin = broker.bootstrap_token()?;
    let ids = queue_pings(&broker, &admin, receiver.port)?;
    all_failed_once(&broker, &admin, &ids)?;
    // Now the receiver takes connections and never answers: the broker is
    // killed while it holds claims on events it is sending.
    receiver.hang()?;
    let deadline = Instant::now() + Duration::from_secs(20);
    while receiver.held() == 0 {
        if Instant::now() > deadline {
            return Err("no delivery reached the hanging receiver".into());
        }
        thread::sleep(Duration::from_millis(10));
    }
    broker.crash()?;

    let broker = Broker::start_with(&db, &serve_args("1500"))?;
    thread::sleep(Duration::from_millis(300));
    receiver.up()?;
    let states = all_delivered(&broker, &admin, &receiver, &ids)?;
    assert!(ids.iter().all(|id| states[id].1 >= 2), "{states:?}");

    // Its delivery log, as the CLI shows it: the refused connections, then
    // the 204.
    let shown = run_expecting(
        &mut broker.command(&admin, &["notifications", "show", &ids[0]]),
        0,
    )?;
    assert!(shown.contains("state: delivered"), "{shown}");
    assert!(shown.contains("attempt 1 at"), "{shown}");
    assert!(shown.contains("): 204"), "{shown}");
    Ok(())
}

#[test]
fn two_brokers_on_postgres_deliver_everything_when_one_is_killed() -> TestResult {
    let Some(server) = test_database_url() else {
        return Ok(());
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let db = runtime.block_on(treaty_store::scratch_postgres_url(&server))?;
    let outcome = (|| -> TestResult {
        let mut receiver = Receiver::down()?;
        let mut first = Broker::start_with(&db, &serve_args("1500"))?;
        let admin = first.bootstrap_token()?;
        let second = Broker::start_with(&db, &serve_args("1500"))?;
        let ids = queue_pings(&first, &admin, receiver.port)?;
        all_failed_once(&second, &admin, &ids)?;
        first.crash()?;
        thread::sleep(Duration::from_millis(300));
        receiver.up()?;
        all_delivered(&second, &admin, &receiver, &ids)?;
        let received = receiver.received();
        let _ = writeln!(
            std::io::stderr(),
            "{} deliveries for {EVENTS} events",
            received.len()
        );
        Ok(())
    })();
    let _ = runtime.block_on(treaty_store::drop_scratch_postgres(&db));
    outcome
}
