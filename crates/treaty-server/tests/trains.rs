//! Release trains, evidence and the gate through the API, on `examples/acme`
//! and its January release: publishing is idempotent and refused to teams
//! that own nothing in the train; real reports are read and counted, a
//! malformed one refused with its line and nothing kept; the gate turns
//! from no-go to go as evidence arrives, evidence for another version does
//! not count, and two brokers on one PostgreSQL answer alike.

mod common;

use common::acme::{
    NOW, acme_train, codes, config, fixture, gate, push, set_up, state_of, verify_shipped_providers,
};
use common::{Broker, TestResult, postgres, sqlite};
use serde_json::json;
use treaty_server::Config;

async fn publishing(b: &Broker) -> TestResult {
    let t = set_up(b).await?;
    let train = acme_train("2027-01")?;
    let path = "/api/v1/trains/2027-01";
    let first = b
        .expect(201, "PUT", path, Some(&t.fulfillment), Some(train.clone()))
        .await?;
    assert_eq!(first["revision"], 1);
    // The same content again, by another owner: the same revision.
    let again = b
        .expect(200, "PUT", path, Some(&t.catalog), Some(train.clone()))
        .await?;
    assert_eq!(again["revision"], 1);
    assert_eq!(again["content_hash"], first["content_hash"]);

    // A team owning nothing in the train, and not in the steering group.
    let mut changed = train.clone();
    changed["release"]["name"] = json!("January, renamed");
    let (status, refused) = b
        .call("PUT", path, Some(&t.identity), Some(changed.clone()))
        .await?;
    assert_eq!(status.as_u16(), 403, "{refused}");
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("identity"),
        "{refused}"
    );
    let stored = b.expect(200, "GET", path, Some(&t.identity), None).await?;
    assert_eq!(stored["revision"], 1, "nothing stored by the refusal");
    assert_eq!(
        stored["content"]["release"]["name"],
        train["release"]["name"]
    );

    let second = b
        .expect(201, "PUT", path, Some(&t.fulfillment), Some(changed))
        .await?;
    assert_eq!(second["revision"], 2);
    // Back to the first content: a change from the newest, a new revision.
    let third = b
        .expect(201, "PUT", path, Some(&t.fulfillment), Some(train.clone()))
        .await?;
    assert_eq!(third["revision"], 3);
    assert_eq!(third["content_hash"], first["content_hash"]);

    // The path and the body must name one release.
    let (status, _) = b
        .call(
            "PUT",
            "/api/v1/trains/2027-02",
            Some(&t.fulfillment),
            Some(train),
        )
        .await?;
    assert_eq!(status.as_u16(), 422);
    let (status, _) = b
        .call("GET", "/api/v1/trains/2027-02", Some(&t.fulfillment), None)
        .await?;
    assert_eq!(status.as_u16(), 404);
    Ok(())
}

#[tokio::test]
async fn publishing_is_idempotent_and_only_for_the_trains_teams_sqlite() -> TestResult {
    publishing(&sqlite(config()).await?).await
}

#[tokio::test]
async fn publishing_is_idempotent_and_only_for_the_trains_teams_postgres() -> TestResult {
    match postgres(config()).await? {
        Some(b) => publishing(&b).await,
        None => Ok(()),
    }
}

async fn evidence(b: &Broker) -> TestResult {
    let t = set_up(b).await?;
    b.expect(
        201,
        "PUT",
        "/api/v1/trains/2027-01",
        Some(&t.fulfillment),
        Some(acme_train("2027-01")?),
    )
    .await?;
    let item = "item=multi-warehouse-reservations&criterion=tests-pass&component=inventory-svc&version=2.0.0";

    // pytest's report, two failures out of its tests: counted as read.
    let (status, v) = push(b, &t.fulfillment, item, fixture("junit/pytest-mixed.xml")?).await?;
    assert_eq!(status, 201, "{v}");
    let metrics = &v["report"]["entries"][0]["metrics"];
    assert!(
        metrics["tests"]["value"].as_f64().unwrap_or(0.0) > 0.0,
        "{v}"
    );
    assert!(
        metrics["pass_rate"]["value"].as_f64().unwrap_or(1.0) < 1.0,
        "{v}"
    );
    assert_eq!(v["subject"], "multi-warehouse-reservations/tests-pass");
    assert_eq!(v["recorded_by"], "fulfillment");
    assert_eq!(b.store.evidence_count("2027-01").await?, 1);

    // Truncated: refused with its line, nothing stored.
    let (status, v) = push(
        b,
        &t.fulfillment,
        item,
        fixture("junit/malformed-truncated.xml")?,
    )
    .await?;
    assert_eq!(status, 400, "{v}");
    let message = v["error"]["message"].as_str().unwrap_or("");
    assert!(message.contains("line "), "{message}");
    assert_eq!(b.store.evidence_count("2027-01").await?, 1);

    // Another team's scope item: refused before the body is read.
    let (status, v) = push(b, &t.payments, item, fixture("junit/nextest-pass.xml")?).await?;
    assert_eq!(status, 403, "{v}");
    // Unknown criterion, unknown format, no subject.
    for (query, want) in [
        ("item=multi-warehouse-reservations&criterion=nope", 404),
        (&format!("{item}&format=xlsx") as &str, 422),
        ("component=inventory-svc", 422),
    ] {
        let (status, v) =
            push(b, &t.fulfillment, query, fixture("junit/nextest-pass.xml")?).await?;
        assert_eq!(status, want, "{query}: {v}");
    }
    assert_eq!(b.store.evidence_count("2027-01").await?, 1);

    // An SLO measured, by the interface's producer (payments-api: payments).
    let metrics = br#"{"version": 1, "entries": [{"name": "payments-api/refund-latency", "metrics": {"p99_latency": {"value": 420, "unit": "ms"}}}]}"#;
    let slo = acme_train("2027-01")?["interfaces"]
        .as_array()
        .and_then(|i| i.iter().find(|i| i["id"] == "payments-api"))
        .and_then(|i| i["slos"][0]["name"].as_str().map(str::to_owned))
        .ok_or("payments-api declares no SLO")?;
    let query = format!(
        "slo=payments-api/{}&format=metrics",
        slo.replace(' ', "%20")
    );
    let (status, v) = push(b, &t.fulfillment, &query, metrics.to_vec()).await?;
    assert_eq!(status, 403, "{v}");
    let (status, v) = push(b, &t.payments, &query, metrics.to_vec()).await?;
    assert_eq!(status, 201, "{v}");
    assert_eq!(b.store.evidence_count("2027-01").await?, 2);
    Ok(())
}

#[tokio::test]
async fn evidence_is_read_counted_and_refused_when_malformed_sqlite() -> TestResult {
    evidence(&sqlite(config()).await?).await
}

#[tokio::test]
async fn evidence_is_read_counted_and_refused_when_malformed_postgres() -> TestResult {
    match postgres(config()).await? {
        Some(b) => evidence(&b).await,
        None => Ok(()),
    }
}

/// The gate on acme's January train as evidence arrives; with a second
/// broker (on PostgreSQL, another process's view of the same database)
/// answering the same.
async fn gate_turns(b: &Broker, other: Option<&Broker>) -> TestResult {
    let t = set_up(b).await?;
    let f = t.fulfillment.as_str();
    b.expect(
        201,
        "PUT",
        "/api/v1/trains/2027-01",
        Some(f),
        Some(acme_train("2027-01")?),
    )
    .await?;
    let first = gate(b, f).await?;
    assert_eq!(first["decision"], "no_go", "{first}");
    assert_eq!(state_of(&first, "multi-warehouse-reservations"), "missing");

    // Passing tests, but of the version before the one shipped: stale.
    let reservations =
        "item=multi-warehouse-reservations&criterion=tests-pass&component=inventory-svc";
    let (status, v) = push(
        b,
        f,
        &format!("{reservations}&version=1.9.0"),
        fixture("junit/nextest-pass.xml")?,
    )
    .await?;
    assert_eq!(status, 201, "{v}");
    let stale = gate(b, f).await?;
    assert_eq!(stale["decision"], "no_go");
    assert!(
        codes(&stale)
            .contains(&"evidence-stale multi-warehouse-reservations/tests-pass".to_owned()),
        "{:?}",
        codes(&stale)
    );

    // The shipped versions' evidence: two shards of one run, a benchmark.
    for shard in ["junit/nextest-pass.xml", "junit/nextest-pass.xml"] {
        let (status, v) = push(
            b,
            f,
            &format!("{reservations}&version=2.0.0&run=ci-41"),
            fixture(shard)?,
        )
        .await?;
        assert_eq!(status, 201, "{v}");
    }
    let (status, v) = push(
        b,
        f,
        "item=multi-warehouse-reservations&criterion=reserve-latency&component=inventory-svc&version=2.0.0&format=metrics",
        fixture("metrics/benchmarks.json")?,
    )
    .await?;
    assert_eq!(status, 201, "{v}");
    let (status, v) = push(
        b,
        f,
        "item=split-shipments&criterion=tests-pass&component=fulfillment-svc&version=3.1.0",
        fixture("junit/nextest-pass.xml")?,
    )
    .await?;
    assert_eq!(status, 201, "{v}");
    let (status, v) = push(
        b,
        &t.catalog,
        "item=stock-badges&criterion=tests-pass",
        fixture("junit/nextest-pass.xml")?,
    )
    .await?;
    assert_eq!(status, 201, "{v}");
    let half = gate(b, f).await?;
    assert_eq!(
        state_of(&half, "multi-warehouse-reservations"),
        "live",
        "{half}"
    );
    let criteria = &half["items"][0]["criteria"];
    assert!(
        criteria[0]["evidence"]
            .as_str()
            .unwrap_or("")
            .contains("2 reports"),
        "the shards of run ci-41 combined: {criteria}"
    );
    // The verified items still wait for their verifications.
    assert_eq!(half["decision"], "no_go");
    assert_eq!(state_of(&half, "split-shipments"), "missing");

    // Contract verifications of the shipped providers, in the broker.
    verify_shipped_providers(b, f).await?;
    let go = gate(b, f).await?;
    assert_eq!(go["decision"], "go", "{:?}", codes(&go));
    for (item, state) in [
        ("multi-warehouse-reservations", "live"),
        ("split-shipments", "live"),
        ("stock-badges", "live"),
        ("partial-refunds", "dark"),
    ] {
        assert_eq!(state_of(&go, item), state, "{item}: {go}");
    }
    if let Some(other) = other {
        assert_eq!(gate(other, f).await?, go, "two brokers on one database");
    }
    // Naming no version (as the escalation timers and digests ask), the
    // providers' newest verified versions are judged: still go.
    let unnamed = b
        .expect(
            200,
            "GET",
            &format!("/api/v1/trains/2027-01/gate?environment=production&now={NOW}"),
            Some(f),
            None,
        )
        .await?;
    assert_eq!(unnamed["decision"], "go", "{:?}", codes(&unnamed));
    assert_eq!(state_of(&unnamed, "stock-badges"), "live", "{unnamed}");

    // A failing re-run of the shipped version is news: no-go again.
    let (status, _) = push(
        b,
        f,
        &format!("{reservations}&version=2.0.0&run=ci-42"),
        fixture("junit/nextest-mixed.xml")?,
    )
    .await?;
    assert_eq!(status, 201);
    let again = gate(b, f).await?;
    assert_eq!(again["decision"], "no_go", "{:?}", codes(&again));
    Ok(())
}

#[tokio::test]
async fn the_gate_turns_from_no_go_to_go_as_evidence_arrives_sqlite() -> TestResult {
    gate_turns(&sqlite(config()).await?, None).await
}

#[tokio::test]
async fn the_gate_turns_from_no_go_to_go_as_evidence_arrives_postgres() -> TestResult {
    match postgres(config()).await? {
        Some(b) => {
            let other = b.another(config());
            gate_turns(&b, Some(&other)).await
        }
        None => Ok(()),
    }
}

#[tokio::test]
async fn the_gate_refuses_a_clock_from_the_request_unless_configured() -> TestResult {
    let b = sqlite(Config::default()).await?;
    let t = set_up(&b).await?;
    b.expect(
        201,
        "PUT",
        "/api/v1/trains/2027-01",
        Some(&t.fulfillment),
        Some(acme_train("2027-01")?),
    )
    .await?;
    let path = format!("/api/v1/trains/2027-01/gate?environment=production&now={NOW}");
    let (status, _) = b.call("GET", &path, Some(&t.fulfillment), None).await?;
    assert_eq!(status.as_u16(), 400);
    for bad in [
        "environment=production&ship=nope",
        "ship=a%3D1",
        "environment=production&color=red",
    ] {
        let (status, v) = b
            .call(
                "GET",
                &format!("/api/v1/trains/2027-01/gate?{bad}"),
                Some(&t.fulfillment),
                None,
            )
            .await?;
        assert!(matches!(status.as_u16(), 400 | 422), "{bad}: {status} {v}");
    }
    // At the broker's own time the train is judged too.
    let v = b
        .expect(
            200,
            "GET",
            "/api/v1/trains/2027-01/gate?environment=production",
            Some(&t.fulfillment),
            None,
        )
        .await?;
    assert_eq!(v["decision"], "no_go");
    // Each scope item's risk, in the release's order, with its reasons.
    let risks = b
        .expect(
            200,
            "GET",
            "/api/v1/trains/2027-01/status?environment=production",
            Some(&t.fulfillment),
            None,
        )
        .await?;
    let risks = risks.as_array().ok_or("not a list")?;
    assert!(!risks.is_empty());
    for r in risks {
        assert!(
            ["low", "medium", "high", "critical"].contains(&r["level"].as_str().unwrap_or("")),
            "{r}"
        );
        assert!(r["item"].is_string() && r["owner"].is_string(), "{r}");
        assert!(r["reasons"].is_array(), "{r}");
    }
    let (status, _) = b
        .call(
            "GET",
            "/api/v1/trains/2027-01/status?color=red",
            Some(&t.fulfillment),
            None,
        )
        .await?;
    assert_eq!(status.as_u16(), 400);
    Ok(())
}
