//! Proposals and waivers through the API: what is refused (and writes
//! nothing), the life cycle with who and why, a waiver's expiry announced
//! once, and two brokers on one PostgreSQL taking decisions at once.

mod common;

use common::{Broker, TestResult, postgres, sqlite};
use serde_json::{Value, json};
use treaty_core::governance::change_set_hash;
use treaty_server::Config;

struct Teams {
    payments: String,
    checkout: String,
    fulfillment: String,
}

/// Teams with webhooks (events are queued, never sent: no worker runs),
/// tokens, and `payments-api` registered to payments.
async fn set_up(b: &Broker) -> Result<Teams, Box<dyn std::error::Error>> {
    let a = Some(b.admin.as_str());
    for team in ["payments", "checkout", "fulfillment"] {
        b.expect(
            201,
            "POST",
            "/api/v1/teams",
            a,
            Some(json!({"id": team, "name": team})),
        )
        .await?;
        b.store
            .set_webhook(team, Some(&format!("https://hooks.example.com/{team}")))
            .await?;
    }
    let t = Teams {
        payments: b.token("payments", &["publish", "approve"]).await?,
        checkout: b.token("checkout", &["approve"]).await?,
        fulfillment: b.token("fulfillment", &["approve"]).await?,
    };
    let p = Some(t.payments.as_str());
    b.expect(
        201,
        "PUT",
        "/api/v1/components/payments-svc",
        p,
        Some(json!({"team": "payments"})),
    )
    .await?;
    b.expect(
        201,
        "PUT",
        "/api/v1/interfaces/payments-api",
        p,
        Some(json!({"component": "payments-svc", "kind": "openapi"})),
    )
    .await?;
    Ok(t)
}

fn required() -> Value {
    json!([
        {"type": "team", "team": "payments", "role": "producer"},
        {"type": "team", "team": "checkout", "role": "affected_consumer"},
        {"type": "team", "team": "fulfillment", "role": "affected_consumer"},
    ])
}

fn breaking(message: &str) -> Value {
    let hash = change_set_hash("payments-api", [("enum-value-removed", message)]);
    json!({
        "interface": "payments-api",
        "title": "Drop SEK",
        "change_set": hash,
        "changes": [{"rule": "enum-value-removed", "message": message}],
        "required": required(),
        "rollback": "redeploy 1.4",
    })
}

async fn decide(
    b: &Broker,
    want: u16,
    token: &str,
    id: &str,
    decision: &str,
    hash: &str,
) -> Result<Value, Box<dyn std::error::Error>> {
    b.expect(
        want,
        "POST",
        &format!("/api/v1/proposals/{id}/decisions"),
        Some(token),
        Some(json!({"decision": decision, "change_set": hash, "reason": "reviewed"})),
    )
    .await
}

#[tokio::test]
async fn refusals_write_nothing() -> TestResult {
    let b = sqlite(Config::default()).await?;
    let t = set_up(&b).await?;
    let p = Some(t.payments.as_str());
    let mut wrong_hash = breaking("SEK removed");
    wrong_hash["change_set"] = json!(format!("sha256:{}", "0".repeat(64)));
    let cases = [
        (
            Some(t.checkout.as_str()),
            breaking("SEK removed"),
            403,
            "belongs to",
        ),
        (p, wrong_hash, 422, "hash to"),
        (
            p,
            {
                let mut v = breaking("x");
                v["rollback"] = json!(" ");
                v
            },
            422,
            "rollback",
        ),
        (
            p,
            {
                let mut v = breaking("x");
                v["required"] = json!([{"type": "quorum", "of": ["checkout"], "needed": 2}]);
                v
            },
            422,
            "quorum",
        ),
        (
            p,
            {
                let mut v = breaking("x");
                v["required"] = json!([{"type": "team", "team": "nobody", "role": "named"}]);
                v
            },
            404,
            "nobody",
        ),
        (
            p,
            json!({"interface": "payments-api", "kind": "waiver", "title": "t", "rules": ["no-such-rule"], "expires": "2999-01-01", "reason": "r", "required": required()}),
            422,
            "unknown rule",
        ),
        (
            p,
            json!({"interface": "payments-api", "kind": "waiver", "title": "t", "rules": ["enum-value-removed"], "expires": "2020-01-01", "reason": "r", "required": required()}),
            422,
            "in the past",
        ),
        (
            p,
            json!({"interface": "payments-api", "kind": "waiver", "title": "t", "rules": ["enum-value-removed"], "expires": "2999-01-01", "required": required()}),
            422,
            "reason",
        ),
    ];
    for (token, body, want, says) in cases {
        let v = b
            .expect(want, "POST", "/api/v1/proposals", token, Some(body))
            .await?;
        assert!(v.to_string().contains(says), "{v}");
    }
    let listed = b.expect(200, "GET", "/api/v1/proposals", p, None).await?;
    assert_eq!(listed["items"], json!([]));
    assert_eq!(
        b.store.log_head().await?.size,
        4,
        "one admin and three team tokens only"
    );
    Ok(())
}

#[tokio::test]
async fn the_life_cycle_records_who_and_why_and_refuses_skipped_steps() -> TestResult {
    let b = sqlite(Config::default()).await?;
    let t = set_up(&b).await?;
    let p = Some(t.payments.as_str());
    let mut draft = breaking("SEK removed");
    draft["draft"] = json!(true);
    let cp = b
        .expect(201, "POST", "/api/v1/proposals", p, Some(draft))
        .await?;
    assert_eq!(
        (cp["id"].as_str(), cp["state"].as_str()),
        (Some("cp-1"), Some("draft"))
    );
    let hash = cp["change_set"].as_str().ok_or("hash")?.to_owned();
    // A draft asks nobody: no decision yet, no event.
    decide(&b, 409, &t.checkout, "cp-1", "approve", &hash).await?;
    let state = |s: &str| json!({"state": s, "reason": "because"});
    let v = b
        .expect(
            409,
            "POST",
            "/api/v1/proposals/cp-1/state",
            p,
            Some(state("shipped")),
        )
        .await?;
    assert!(
        v.to_string().contains("only an approved proposal ships"),
        "{v}"
    );
    b.expect(
        403,
        "POST",
        "/api/v1/proposals/cp-1/state",
        Some(&t.checkout),
        Some(state("withdrawn")),
    )
    .await?;
    b.expect(
        200,
        "POST",
        "/api/v1/proposals/cp-1/state",
        p,
        Some(state("open")),
    )
    .await?;
    for token in [&t.payments, &t.checkout, &t.fulfillment] {
        decide(&b, 200, token, "cp-1", "approve", &hash).await?;
    }
    let shipped = b
        .expect(
            200,
            "POST",
            "/api/v1/proposals/cp-1/state",
            p,
            Some(state("shipped")),
        )
        .await?;
    assert_eq!(shipped["state"], "shipped");
    assert!(shipped["log"]["checkpoint"].is_string() || shipped["log"].is_null());
    let rolled = b
        .expect(
            200,
            "POST",
            "/api/v1/proposals/cp-1/state",
            p,
            Some(state("rolled_back")),
        )
        .await?;
    // A write's answer is what a read then gives (the receipt aside).
    let mut answered = rolled.clone();
    if let Some(o) = answered.as_object_mut() {
        o.remove("log");
    }
    assert_eq!(
        answered,
        b.expect(200, "GET", "/api/v1/proposals/cp-1", p, None)
            .await?
    );
    let moves: Vec<(String, String)> = rolled["transitions"]
        .as_array()
        .ok_or("transitions")?
        .iter()
        .map(|t| {
            (
                t["from"].as_str().unwrap_or("").to_owned(),
                t["to"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    let pairs = |v: &[(&str, &str)]| {
        v.iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        moves,
        pairs(&[
            ("draft", "open"),
            ("open", "approved"),
            ("approved", "shipped"),
            ("shipped", "rolled_back")
        ])
    );
    assert!(
        rolled["transitions"][3]["reason"] == "because"
            && rolled["transitions"][3]["team"] == "payments"
    );
    b.expect(
        409,
        "POST",
        "/api/v1/proposals/cp-1/state",
        p,
        Some(state("withdrawn")),
    )
    .await?;
    Ok(())
}

#[tokio::test]
async fn a_waiver_is_approved_by_its_producer_and_its_expiry_announced_once() -> TestResult {
    let b = sqlite(Config::default()).await?;
    let t = set_up(&b).await?;
    let p = Some(t.payments.as_str());
    let today = jiff::Zoned::now().date();
    let expires = today.checked_add(jiff::Span::new().days(3))?.to_string();
    let w = b
        .expect(
            201,
            "POST",
            "/api/v1/proposals",
            p,
            Some(json!({
                "interface": "payments-api", "kind": "waiver", "title": "Let the SEK removal through",
                "rules": ["enum-value-removed"], "expires": expires, "reason": "the acquirer drops SEK first",
                "required": [{"type": "team", "team": "payments", "role": "producer"}],
            })),
        )
        .await?;
    assert_eq!(w["id"], "w-1");
    let hash = w["change_set"].as_str().ok_or("hash")?.to_owned();
    assert_eq!(
        hash,
        treaty_core::governance::waiver_terms_hash(
            "payments-api",
            ["enum-value-removed"],
            &expires
        )
    );
    // Checkout is not asked: a waiver is the producer's by default.
    decide(&b, 403, &t.checkout, "w-1", "approve", &hash).await?;
    let approved = decide(&b, 200, &t.payments, "w-1", "approve", &hash).await?;
    assert_eq!(approved["state"], "approved");

    let now = treaty_server::now_ms();
    let n = treaty_server::announce_expiring_waivers(&b.store, now).await?;
    assert_eq!(n, 1);
    assert_eq!(
        treaty_server::announce_expiring_waivers(&b.store, now).await?,
        0
    );
    let queued = b.store.notifications(Some("payments"), "", 100).await?;
    assert!(
        queued.iter().any(|n| n.event_type == "waiver.expiring"),
        "{:?}",
        queued.iter().map(|n| &n.event_type).collect::<Vec<_>>()
    );
    Ok(())
}

/// Two brokers on one PostgreSQL database: both consumers approve at once,
/// each through its own broker, and each repeats itself: one decision
/// each is recorded, and the proposal ends approved on both.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_brokers_deciding_at_once_answer_as_one() -> TestResult {
    let Some(first) = postgres(Config::default()).await? else {
        return Ok(());
    };
    let second = first.another(Config::default());
    let t = set_up(&first).await?;
    let cp = first
        .expect(
            201,
            "POST",
            "/api/v1/proposals",
            Some(&t.payments),
            Some(breaking("SEK removed")),
        )
        .await?;
    let hash = cp["change_set"].as_str().ok_or("hash")?.to_owned();
    decide(&first, 200, &t.payments, "cp-1", "approve", &hash).await?;
    let (a, b2, c, d) = tokio::join!(
        decide(&first, 200, &t.checkout, "cp-1", "approve", &hash),
        decide(&second, 200, &t.fulfillment, "cp-1", "approve", &hash),
        decide(&second, 200, &t.checkout, "cp-1", "approve", &hash),
        decide(&first, 200, &t.fulfillment, "cp-1", "approve", &hash),
    );
    for v in [a?, b2?, c?, d?] {
        assert!(v["state"] == "approved" || v["state"] == "open", "{v}");
    }
    for broker in [&first, &second] {
        let v = broker
            .expect(
                200,
                "GET",
                "/api/v1/proposals/cp-1",
                Some(&t.checkout),
                None,
            )
            .await?;
        assert_eq!(v["state"], "approved", "{v}");
        assert_eq!(v["decisions"].as_array().map(Vec::len), Some(3), "{v}");
    }
    Ok(())
}

/// A broker on a test clock dates what it writes by that clock: the
/// proposal, each decision and each transition, as the escalation timers
/// and the gate already were (a test can place an approval in time).
#[tokio::test]
async fn decisions_are_dated_by_the_brokers_clock() -> TestResult {
    let dir = tempfile::tempdir()?;
    let clock = dir.path().join("clock");
    std::fs::write(&clock, "2031-05-06T07:08:09Z\n")?;
    let set = 1_935_817_689_000_i64; // 2031-05-06T07:08:09Z
    let b = sqlite(Config {
        clock: treaty_server::clock::Clock::file(&clock),
        ..Config::default()
    })
    .await?;
    let t = set_up(&b).await?;
    let cp = b
        .expect(
            201,
            "POST",
            "/api/v1/proposals",
            Some(&t.payments),
            Some(breaking("SEK removed")),
        )
        .await?;
    let id = cp["id"].as_str().ok_or("id")?.to_owned();
    let hash = cp["change_set"].as_str().ok_or("hash")?.to_owned();
    let v = decide(&b, 200, &t.checkout, &id, "approve", &hash).await?;
    // The clock advances in real time from when the file was written.
    let near = |at: &Value| {
        at.as_i64()
            .is_some_and(|at| (set..set + 60_000).contains(&at))
    };
    assert!(near(&v["created_at"]), "{v}");
    let decisions = v["decisions"].as_array().ok_or("decisions")?;
    assert!(
        !decisions.is_empty() && decisions.iter().all(|d| near(&d["at"])),
        "{v}"
    );
    let transitions = v["transitions"].as_array().ok_or("transitions")?;
    assert!(transitions.iter().all(|t| near(&t["at"])), "{v}");
    Ok(())
}
