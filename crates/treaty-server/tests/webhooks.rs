//! Webhook notifications end to end: a team's webhook through the API, a
//! ping through the outbox, the delivery worker POSTing it to a receiver on
//! loopback (let through by a test allowlist), its signature checked by the
//! reference Python implementation of Standard Webhooks, and the SSRF
//! guard refusing every non-public destination, however it is spelled.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use treaty_server::Config;
use treaty_server::webhooks::{Backoff, DeliveryWorker, WebhookConfig};
use treaty_store::{DeliveryState, Store};

mod common;

use common::TestResult;

/// A request the receiver got.
#[derive(Debug, Clone)]
struct Captured {
    path: String,
    headers: Vec<(String, String)>,
    body: String,
}

impl Captured {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Debug, Clone, Default)]
struct Receiver {
    got: Arc<Mutex<Vec<Captured>>>,
    base: Arc<Mutex<String>>,
}

impl Receiver {
    fn got(&self) -> Vec<Captured> {
        self.got.lock().map(|g| g.clone()).unwrap_or_default()
    }
}

/// Answers 204, except `/redirect` (302 to `/target` on itself) and
/// `/fail` (500); records everything.
async fn receive(
    State(r): State<Receiver>,
    uri: Uri,
    headers: HeaderMap,
    body: String,
) -> Response {
    let captured = Captured {
        path: uri.path().to_owned(),
        headers: headers
            .iter()
            .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
            .collect(),
        body,
    };
    let path = captured.path.clone();
    if let Ok(mut got) = r.got.lock() {
        got.push(captured);
    }
    match path.as_str() {
        "/redirect" => {
            let base = r.base.lock().map(|b| b.clone()).unwrap_or_default();
            (StatusCode::FOUND, [("location", format!("{base}/target"))]).into_response()
        }
        "/fail" => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        _ => StatusCode::NO_CONTENT.into_response(),
    }
}

async fn start_receiver() -> Result<(SocketAddr, Receiver), Box<dyn std::error::Error>> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let receiver = Receiver::default();
    if let Ok(mut base) = receiver.base.lock() {
        *base = format!("http://{addr}");
    }
    let app = axum::Router::new()
        .fallback(receive)
        .with_state(receiver.clone());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok((addr, receiver))
}

fn webhook_config(allow: &[&str], scale: f64) -> Result<WebhookConfig, Box<dyn std::error::Error>> {
    Ok(WebhookConfig {
        allow: allow.iter().map(|c| c.parse()).collect::<Result<_, _>>()?,
        backoff: Backoff { scale },
        lease: Duration::from_secs(5),
        timeout: Duration::from_secs(2),
        poll: Duration::from_millis(50),
        batch: 16,
    })
}

/// Waits until event `id` has had at least `attempts` attempts or is no
/// longer pending.
async fn settled(
    store: &Store,
    id: &str,
    attempts: usize,
) -> Result<
    (treaty_store::NotificationRecord, Vec<treaty_store::Attempt>),
    Box<dyn std::error::Error>,
> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (record, log) = store
            .notification(id)
            .await?
            .ok_or("no such notification")?;
        if log.len() >= attempts || record.state != DeliveryState::Pending {
            return Ok((record, log));
        }
        if Instant::now() > deadline {
            return Err(format!("{id}: still {record:?} after 20 s, attempts {log:?}").into());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The Python of the venv `.ci/run` makes (`target/py-venv`, with
/// `standardwebhooks`), or `TREATY_WEBHOOK_PYTHON`. Missing: fails under
/// CI, says `skipped:` elsewhere.
fn python() -> Option<PathBuf> {
    let venv = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/py-venv/bin/python");
    let found = std::env::var_os("TREATY_WEBHOOK_PYTHON")
        .map(PathBuf::from)
        .or_else(|| venv.exists().then_some(venv));
    if found.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "no Python with `standardwebhooks` (target/py-venv, made by .ci/run, or TREATY_WEBHOOK_PYTHON), and CI is set"
        );
        let _ = std::io::Write::write_all(
            &mut std::io::stderr().lock(),
            b"skipped: no target/py-venv with `standardwebhooks` (run .ci/run once, or set TREATY_WEBHOOK_PYTHON)\n",
        );
    }
    found
}

fn now_s() -> i64 {
    treaty_server::now_ms() / 1000
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ping_is_delivered_signed_and_verifies_with_the_reference_library() -> TestResult {
    let (addr, receiver) = start_receiver().await?;
    let webhooks = webhook_config(&["127.0.0.1/32"], 0.0001)?;
    let broker = common::sqlite(Config {
        webhooks: webhooks.clone(),
        ..Config::default()
    })
    .await?;
    let admin = broker.admin.clone();
    let hook = format!("http://{addr}/hooks/payments");
    let created = broker
        .expect(
            201,
            "POST",
            "/api/v1/teams",
            Some(&admin),
            Some(json!({"id": "payments", "name": "Payments", "webhook": hook})),
        )
        .await?;
    assert_eq!(created["webhook"], hook.as_str());
    broker
        .expect(
            201,
            "POST",
            "/api/v1/teams",
            Some(&admin),
            Some(json!({"id": "search", "name": "Search"})),
        )
        .await?;
    let payments = broker.token("payments", &["publish"]).await?;
    let search = broker.token("search", &["publish"]).await?;

    // The secret is the team's (and the admin's) to see.
    let settings = broker
        .expect(
            200,
            "GET",
            "/api/v1/teams/payments/webhook",
            Some(&payments),
            None,
        )
        .await?;
    let secret = settings["secret"].as_str().ok_or("no secret")?.to_owned();
    assert!(secret.starts_with("whsec_"));
    broker
        .expect(
            403,
            "GET",
            "/api/v1/teams/payments/webhook",
            Some(&search),
            None,
        )
        .await?;
    broker
        .expect(
            409,
            "POST",
            "/api/v1/teams/search/webhook/ping",
            Some(&search),
            None,
        )
        .await?;

    let queued = broker
        .expect(
            202,
            "POST",
            "/api/v1/teams/payments/webhook/ping",
            Some(&payments),
            None,
        )
        .await?;
    let id = queued["id"].as_str().ok_or("no id")?.to_owned();
    let worker = DeliveryWorker::start(
        broker.store.clone(),
        &Config {
            webhooks,
            ..Config::default()
        },
    )?;
    let (record, log) = settled(&broker.store, &id, 1).await?;
    assert_eq!(record.state, DeliveryState::Delivered, "{log:?}");
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].status_code, Some(204));

    let got = receiver.got();
    assert_eq!(got.len(), 1);
    let delivery = &got[0];
    assert_eq!(delivery.path, "/hooks/payments");
    assert_eq!(delivery.header("webhook-id"), Some(id.as_str()));
    assert_eq!(delivery.header("content-type"), Some("application/json"));
    let body: Value = serde_json::from_str(&delivery.body)?;
    assert_eq!(body["type"], "ping");
    assert_eq!(body["data"]["team"], "payments");
    assert!(
        body["text"]
            .as_str()
            .is_some_and(|t| t.contains("payments"))
    );
    assert!(body["timestamp"].as_str().is_some_and(|t| t.ends_with('Z')));

    // The delivery log through the API: the team's own, and no one else's.
    let listed = broker
        .expect(200, "GET", "/api/v1/notifications", Some(&payments), None)
        .await?;
    assert_eq!(listed["items"][0]["id"], id.as_str());
    assert_eq!(listed["items"][0]["state"], "delivered");
    let detail = broker
        .expect(
            200,
            "GET",
            &format!("/api/v1/notifications/{id}"),
            Some(&payments),
            None,
        )
        .await?;
    assert_eq!(detail["log"][0]["status"], 204);
    assert_eq!(detail["payload"]["type"], "ping");
    broker
        .expect(
            404,
            "GET",
            &format!("/api/v1/notifications/{id}"),
            Some(&search),
            None,
        )
        .await?;
    broker
        .expect(
            403,
            "GET",
            "/api/v1/notifications?team=payments",
            Some(&search),
            None,
        )
        .await?;
    let empty = broker
        .expect(200, "GET", "/api/v1/notifications", Some(&search), None)
        .await?;
    assert_eq!(empty["items"], json!([]));
    let all = broker
        .expect(200, "GET", "/api/v1/notifications", Some(&admin), None)
        .await?;
    assert_eq!(all["items"].as_array().map(Vec::len), Some(1));

    // Rotation: a new secret, which the next delivery is signed with.
    let rotated = broker
        .expect(
            200,
            "POST",
            "/api/v1/teams/payments/webhook/secret",
            Some(&payments),
            None,
        )
        .await?;
    let new_secret = rotated["secret"].as_str().ok_or("no secret")?.to_owned();
    assert_ne!(new_secret, secret);
    let second = broker
        .expect(
            202,
            "POST",
            "/api/v1/teams/payments/webhook/ping",
            Some(&payments),
            None,
        )
        .await?;
    let second_id = second["id"].as_str().ok_or("no id")?.to_owned();
    settled(&broker.store, &second_id, 1).await?;
    worker.stop().await;
    let got = receiver.got();
    let after_rotation = got.get(1).ok_or("no second delivery")?;

    // The reference implementation's verdicts.
    let headers = |c: &Captured| -> Value {
        json!({
            "webhook-id": c.header("webhook-id"),
            "webhook-timestamp": c.header("webhook-timestamp"),
            "webhook-signature": c.header("webhook-signature"),
        })
    };
    let old = now_s() - 3600;
    let old_signature =
        treaty_server::webhooks::sign::signature(&secret, &id, old, &delivery.body)?;
    let cases = json!([
        {"name": "the delivery", "secret": secret, "headers": headers(delivery), "body": delivery.body, "expect": "valid"},
        {"name": "after rotation, with the new secret", "secret": new_secret, "headers": headers(after_rotation), "body": after_rotation.body, "expect": "valid"},
        {"name": "after rotation, with the old secret", "secret": secret, "headers": headers(after_rotation), "body": after_rotation.body, "expect": "No matching signature"},
        {"name": "a body changed on the way", "secret": secret, "headers": headers(delivery), "body": delivery.body.replace("ping", "pong"), "expect": "No matching signature"},
        {"name": "signed an hour ago", "secret": secret,
         "headers": {"webhook-id": id, "webhook-timestamp": old.to_string(), "webhook-signature": old_signature},
         "body": delivery.body, "expect": "Message timestamp too old"},
    ]);
    let Some(python) = python() else {
        return Ok(());
    };
    let dir = tempfile::tempdir()?;
    let cases_file = dir.path().join("cases.json");
    std::fs::write(&cases_file, serde_json::to_vec_pretty(&cases)?)?;
    let script =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/webhooks/verify_signatures.py");
    let out = std::process::Command::new(python)
        .arg(script)
        .arg(&cases_file)
        .output()?;
    let report =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "standardwebhooks disagrees:\n{report}"
    );
    assert!(report.contains("5 passed, 0 failed"), "{report}");
    Ok(())
}

/// Every non-public destination is refused before anything is sent, with
/// the allowlist empty: addresses in every spelling, a name that resolves
/// to loopback, IPv4-mapped IPv6. The receiver they would reach on
/// loopback gets nothing. Through the API, an address is refused at once
/// (422, naming `webhook`); a name only when it is resolved.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ssrf_every_non_public_destination_is_refused() -> TestResult {
    let (addr, receiver) = start_receiver().await?;
    let port = addr.port();
    let webhooks = webhook_config(&[], 1.0)?;
    let broker = common::sqlite(Config {
        webhooks: webhooks.clone(),
        ..Config::default()
    })
    .await?;
    let admin = broker.admin.clone();
    let destinations = [
        (format!("http://127.0.0.1:{port}/"), true),
        ("http://10.0.0.1/".to_owned(), true),
        ("http://10.255.1.2:8080/".to_owned(), true),
        ("http://172.16.0.1/".to_owned(), true),
        ("http://172.31.200.1/".to_owned(), true),
        ("http://192.168.0.1/".to_owned(), true),
        ("http://169.254.169.254/latest/meta-data/".to_owned(), true),
        (format!("http://[::1]:{port}/"), true),
        (format!("http://[::ffff:127.0.0.1]:{port}/"), true),
        (format!("http://2130706433:{port}/"), true),
        (format!("http://0177.0.0.1:{port}/"), true),
        (format!("http://0x7f000001:{port}/"), true),
        (format!("http://localhost:{port}/"), false),
    ];
    let mut ids = Vec::new();
    for (i, (url, refused_at_once)) in destinations.iter().enumerate() {
        let team = format!("team-{i}");
        broker
            .expect(
                201,
                "POST",
                "/api/v1/teams",
                Some(&admin),
                Some(json!({"id": team, "name": team})),
            )
            .await?;
        let put = broker
            .call(
                "PUT",
                &format!("/api/v1/teams/{team}/webhook"),
                Some(&admin),
                Some(json!({"url": url})),
            )
            .await?;
        if *refused_at_once {
            assert_eq!(put.0.as_u16(), 422, "{url}: {}", put.1);
            let message = put.1["error"]["message"].as_str().unwrap_or("");
            assert!(message.starts_with("`url`"), "{url}: {message}");
            // Stored behind the API's back (as an older broker or an
            // operator might have), it is refused at delivery all the same.
            broker.store.set_webhook(&team, Some(url)).await?;
        } else {
            assert_eq!(put.0.as_u16(), 200, "{url}: {}", put.1);
        }
        let queued = broker
            .expect(
                202,
                "POST",
                &format!("/api/v1/teams/{team}/webhook/ping"),
                Some(&admin),
                None,
            )
            .await?;
        ids.push((
            url.clone(),
            queued["id"].as_str().ok_or("no id")?.to_owned(),
        ));
    }
    // A team may have 5 pings pending, no more.
    for _ in 1..5 {
        broker
            .expect(
                202,
                "POST",
                "/api/v1/teams/team-0/webhook/ping",
                Some(&admin),
                None,
            )
            .await?;
    }
    broker
        .expect(
            429,
            "POST",
            "/api/v1/teams/team-0/webhook/ping",
            Some(&admin),
            None,
        )
        .await?;
    let worker = DeliveryWorker::start(
        broker.store.clone(),
        &Config {
            webhooks,
            ..Config::default()
        },
    )?;
    for (url, id) in &ids {
        let (record, log) = settled(&broker.store, id, 1).await?;
        assert_eq!(record.state, DeliveryState::Pending, "{url}");
        let attempt = log.first().ok_or("no attempt")?;
        assert_eq!(attempt.status_code, None, "{url}");
        let error = attempt.error.as_deref().unwrap_or("");
        assert!(
            error.contains("does not send notifications there") || error.contains("refused"),
            "{url}: {error}"
        );
        // Tried again on the schedule (5 s later), not given up.
        assert!(
            record.next_attempt_at >= attempt.at + 4_000,
            "{url}: {record:?}"
        );
    }
    worker.stop().await;
    assert!(receiver.got().is_empty(), "{:?}", receiver.got());
    Ok(())
}

/// With `127.0.0.1/32` allowed, the receiver there is reached, and only it:
/// 127.0.0.2 and ::1 stay refused, and a redirect (to the receiver itself)
/// is not followed but logged as a failed attempt.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_allowlist_lets_through_its_range_only_and_redirects_are_not_followed() -> TestResult {
    let (addr, receiver) = start_receiver().await?;
    let port = addr.port();
    let webhooks = webhook_config(&["127.0.0.1/32"], 1.0)?;
    let broker = common::sqlite(Config {
        webhooks: webhooks.clone(),
        ..Config::default()
    })
    .await?;
    let store = &broker.store;
    let cases = [
        ("ok", format!("http://127.0.0.1:{port}/ok")),
        ("redirect", format!("http://127.0.0.1:{port}/redirect")),
        ("failing", format!("http://127.0.0.1:{port}/fail")),
        ("other-loopback", format!("http://127.0.0.2:{port}/")),
        ("ipv6-loopback", format!("http://[::1]:{port}/")),
    ];
    let mut ids = Vec::new();
    for (team, url) in &cases {
        store
            .create_team_with_webhook(team, team, Some(url), 1)
            .await?;
        let event = treaty_store::NewEvent {
            event_type: "ping",
            text: "ping",
            data: json!({}),
        };
        ids.push(
            store
                .enqueue_event(team, &event, treaty_server::now_ms())
                .await?
                .ok_or("no id")?,
        );
    }
    let worker = DeliveryWorker::start(
        store.clone(),
        &Config {
            webhooks,
            ..Config::default()
        },
    )?;
    let mut outcomes = Vec::new();
    for id in &ids {
        let (record, log) = settled(store, id, 1).await?;
        let first = log.first().ok_or("no attempt")?.clone();
        outcomes.push((
            record.state,
            first.status_code,
            first.error.unwrap_or_default(),
        ));
    }
    worker.stop().await;
    assert_eq!(outcomes[0].0, DeliveryState::Delivered);
    assert_eq!(
        (outcomes[1].0, outcomes[1].1),
        (DeliveryState::Pending, Some(302))
    );
    assert!(outcomes[1].2.contains("not followed"), "{:?}", outcomes[1]);
    assert_eq!(
        (outcomes[2].0, outcomes[2].1),
        (DeliveryState::Pending, Some(500))
    );
    for refused in &outcomes[3..] {
        assert_eq!(
            (refused.0, refused.1),
            (DeliveryState::Pending, None),
            "{refused:?}"
        );
        assert!(refused.2.contains("loopback"), "{refused:?}");
    }
    let mut paths: Vec<String> = receiver.got().into_iter().map(|c| c.path).collect();
    paths.sort();
    assert_eq!(paths, ["/fail", "/ok", "/redirect"]);
    Ok(())
}
