//! Blockers and gate overrides through the API, on `examples/acme`'s
//! January train with a triage section added to its governance: raising
//! needs a tracker link at `high`, severities are changed by platform
//! only, a high blocker resolves only with a passing run recorded after it
//! was raised; the gate turns no-go on an open high blocker and go once it
//! is resolved; an override approved by the teams governance names turns
//! no-go into go with every reason still listed, and lands in the decision
//! log. On SQLite and PostgreSQL (two brokers on one database).

mod common;

use common::acme::{
    Tokens, acme_train, blocking, codes, config, fixture, gate, go_evidence, push, set_up,
};
use common::{Broker, TestResult, postgres, sqlite};
use serde_json::{Value, json};

const TRACKER: &str = "https://tracker.acme.example/FUL-12";

/// The January train with `governance.triage` set, published.
async fn publish(b: &Broker, t: &Tokens) -> TestResult {
    let mut train = acme_train("2027-01")?;
    train["governance"]["triage"] = json!({
        "severity_by": ["platform"],
        "tracker_link_from": "high",
        "fix_evidence_from": "high",
    });
    b.expect(
        201,
        "PUT",
        "/api/v1/trains/2027-01",
        Some(&t.fulfillment),
        Some(train),
    )
    .await?;
    Ok(())
}

async fn change(
    b: &Broker,
    token: &str,
    blocker: &str,
    body: Value,
) -> Result<(u16, Value), Box<dyn std::error::Error>> {
    let (status, v) = b
        .call(
            "POST",
            &format!("/api/v1/trains/2027-01/blockers/{blocker}/changes"),
            Some(token),
            Some(body),
        )
        .await?;
    Ok((status.as_u16(), v))
}

async fn blockers(b: &Broker, other: &Broker) -> TestResult {
    let t = set_up(b).await?;
    let platform = b.token("platform", &["publish", "approve"]).await?;
    publish(b, &t).await?;
    go_evidence(b, &t).await?;
    let go = gate(b, &t.fulfillment).await?;
    assert_eq!(go["decision"], "go", "{:?}", codes(&go));
    std::thread::sleep(std::time::Duration::from_millis(5));

    // A high blocker of the whole release, raised by catalog: a tracker
    // link is needed, and nothing is stored without one.
    let path = "/api/v1/trains/2027-01/blockers";
    let raise = json!({"title": "Stock counts drift under load", "severity": "high"});
    let (status, v) = b
        .call("POST", path, Some(&t.catalog), Some(raise.clone()))
        .await?;
    assert_eq!(status.as_u16(), 422, "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("tracker"),
        "{v}"
    );
    assert_eq!(
        b.expect(200, "GET", path, Some(&t.catalog), None).await?,
        json!([])
    );
    let mut raise = raise;
    raise["tracker"] = json!(TRACKER);
    let raised = b
        .expect(201, "POST", path, Some(&t.catalog), Some(raise.clone()))
        .await?;
    let id = raised["id"].as_str().ok_or("no id")?.to_owned();
    assert_eq!(raised["team"], "catalog");
    assert_eq!(raised["state"], "open");
    let day = 24 * 3600 * 1000;
    assert_eq!(
        raised["deadline"].as_i64(),
        raised["raised_at"].as_i64().map(|r| r + day),
        "acme's SLA for high is a day: {raised}"
    );
    // The same again, from the other broker: the same blocker.
    let again = other
        .expect(200, "POST", path, Some(&t.catalog), Some(raise))
        .await?;
    assert_eq!(again["id"], raised["id"]);
    // An unknown scope item, an unknown severity, a link that is no URL.
    for (body, want) in [
        (
            json!({"title": "x", "severity": "low", "item": "nope"}),
            404,
        ),
        (json!({"title": "x", "severity": "dire"}), 422),
        (
            json!({"title": "x", "severity": "low", "tracker": "FUL-12"}),
            422,
        ),
    ] {
        let (status, v) = b
            .call("POST", path, Some(&t.catalog), Some(body.clone()))
            .await?;
        assert_eq!(status.as_u16(), want, "{body}: {v}");
    }

    let no_go = gate(b, &t.fulfillment).await?;
    assert_eq!(no_go["decision"], "no_go");
    assert!(
        blocking(&no_go).contains(&format!("blocker-open {id}")),
        "{:?}",
        blocking(&no_go)
    );

    // Severity: catalog owns the blocker but governance lets platform
    // triage; platform raises it to critical, its deadline four hours.
    let (status, v) = change(
        b,
        &t.catalog,
        &id,
        json!({"action": "set_severity", "severity": "low", "reason": "not that bad"}),
    )
    .await?;
    assert_eq!(status, 403, "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("platform"),
        "{v}"
    );
    let (status, v) = change(
        b,
        &platform,
        &id,
        json!({"action": "set_severity", "severity": "critical", "reason": "orders oversell"}),
    )
    .await?;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["severity"], "critical");
    assert_eq!(
        v["deadline"].as_i64(),
        v["raised_at"].as_i64().map(|r| r + 4 * 3600 * 1000)
    );
    // Repeated: nothing new in its history.
    let (status, v) = change(
        other,
        &platform,
        &id,
        json!({"action": "set_severity", "severity": "critical", "reason": "orders oversell"}),
    )
    .await?;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["events"].as_array().map(Vec::len), Some(2), "{v}");

    // Assigned to fulfillment, who may then resolve it too.
    let (status, v) = change(
        b,
        &t.identity,
        &id,
        json!({"action": "assign", "team": "fulfillment", "reason": "mine"}),
    )
    .await?;
    assert_eq!(status, 403, "a bystander does not assign: {v}");
    let (status, v) = change(b, &t.catalog, &id, json!({"action": "assign", "team": "fulfillment", "handle": "dnovak", "reason": "the reservation code"})).await?;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["assignee_team"], "fulfillment");

    // Resolving: a bystander may not; the owner's word is not enough at
    // critical; evidence from before the raise shows nothing.
    let resolve = |fix: Option<&str>| {
        let mut body = json!({"action": "resolve", "reason": "fixed the counter"});
        if let Some(f) = fix {
            body["fix"] = json!(f);
        }
        body
    };
    let (status, v) = change(b, &t.identity, &id, resolve(None)).await?;
    assert_eq!(status, 403, "{v}");
    let (status, v) = change(b, &t.fulfillment, &id, resolve(None)).await?;
    assert_eq!(status, 422, "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("evidence of the fix"),
        "{v}"
    );
    let fix = "multi-warehouse-reservations/tests-pass";
    let (status, v) = change(b, &t.fulfillment, &id, resolve(Some(fix))).await?;
    assert_eq!(status, 422, "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("before the blocker was raised"),
        "{v}"
    );
    // A failing run after the raise: no fix either.
    let shipped = "item=multi-warehouse-reservations&criterion=tests-pass&component=inventory-svc&version=2.0.0";
    let (status, _) = push(
        b,
        &t.fulfillment,
        &format!("{shipped}&run=ci-42"),
        fixture("junit/nextest-mixed.xml")?,
    )
    .await?;
    assert_eq!(status, 201);
    let (status, v) = change(b, &t.fulfillment, &id, resolve(Some(fix))).await?;
    assert_eq!(status, 422, "{v}");
    assert_eq!(gate(b, &t.fulfillment).await?["decision"], "no_go");
    // A passing run: resolved, and the gate goes.
    let (status, _) = push(
        b,
        &t.fulfillment,
        &format!("{shipped}&run=ci-43"),
        fixture("junit/nextest-pass.xml")?,
    )
    .await?;
    assert_eq!(status, 201);
    let (status, v) = change(b, &t.fulfillment, &id, resolve(Some(fix))).await?;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["state"], "resolved");
    assert!(v["fix"].as_str().unwrap_or("").starts_with(fix), "{v}");
    let kinds: Vec<&str> = v["events"]
        .as_array()
        .map(|e| e.iter().filter_map(|e| e["kind"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(
        kinds,
        ["raised", "severity_changed", "assigned", "resolved"]
    );
    let go = gate(b, &t.fulfillment).await?;
    assert_eq!(go["decision"], "go", "{:?}", codes(&go));
    assert_eq!(gate(other, &t.fulfillment).await?, go, "two brokers alike");

    // Reopened by its owner: no-go again.
    let (status, v) = change(
        b,
        &t.catalog,
        &id,
        json!({"action": "reopen", "reason": "drifted again"}),
    )
    .await?;
    assert_eq!(status, 200, "{v}");
    assert_eq!(gate(b, &t.fulfillment).await?["decision"], "no_go");
    Ok(())
}

#[tokio::test]
async fn blockers_are_triaged_as_governance_says_and_stop_the_gate_sqlite() -> TestResult {
    let b = sqlite(config()).await?;
    let other = b.another(config());
    blockers(&b, &other).await
}

#[tokio::test]
async fn blockers_are_triaged_as_governance_says_and_stop_the_gate_postgres() -> TestResult {
    match postgres(config()).await? {
        Some(b) => {
            let other = b.another(config());
            blockers(&b, &other).await
        }
        None => Ok(()),
    }
}

async fn overrides(b: &Broker) -> TestResult {
    let t = set_up(b).await?;
    let decider = |team: &'static str| b.token(team, &["publish", "approve"]);
    let platform = decider("platform").await?;
    let payments = decider("payments").await?;
    let fulfillment = decider("fulfillment").await?;
    publish(b, &t).await?;
    go_evidence(b, &t).await?;
    let raised = b
        .expect(
            201,
            "POST",
            "/api/v1/trains/2027-01/blockers",
            Some(&t.payments),
            Some(json!({"title": "Refund provider outage", "severity": "critical", "tracker": TRACKER})),
        )
        .await?;
    let blocker = raised["id"].as_str().ok_or("no id")?.to_owned();
    let no_go = gate(b, &t.fulfillment).await?;
    assert_eq!(no_go["decision"], "no_go");
    let log_before = b.store.log_head().await?.size;

    // Asked for by a team of the train; not by a team owning nothing in it.
    let path = "/api/v1/trains/2027-01/overrides";
    let body = json!({"environment": "production", "reason": "the outage is the provider's; refunds are behind a flag"});
    let (status, v) = b
        .call("POST", path, Some(&t.identity), Some(body.clone()))
        .await?;
    assert_eq!(status.as_u16(), 403, "{v}");
    let asked = b
        .expect(201, "POST", path, Some(&t.fulfillment), Some(body.clone()))
        .await?;
    let id = asked["id"].as_str().ok_or("no id")?.to_owned();
    assert_eq!(asked["verdict"], "pending");
    let again = b
        .expect(200, "POST", path, Some(&t.fulfillment), Some(body))
        .await?;
    assert_eq!(again["id"], asked["id"]);
    let pending = gate(b, &t.fulfillment).await?;
    assert_eq!(pending["decision"], "no_go");
    assert!(
        codes(&pending).contains(&format!("override-pending {id}")),
        "{:?}",
        codes(&pending)
    );

    let decide = format!("{path}/{id}/decisions");
    let approve = |team: Option<&str>| {
        let mut v = json!({"decision": "approve", "reason": "flag off, provider's outage"});
        if let Some(team) = team {
            v["team"] = json!(team);
        }
        v
    };
    // The team that asked cannot approve for platform, nor for itself:
    // governance does not ask it.
    let (status, v) = b
        .call(
            "POST",
            &decide,
            Some(&fulfillment),
            Some(approve(Some("platform"))),
        )
        .await?;
    assert_eq!(status.as_u16(), 403, "{v}");
    let (status, v) = b
        .call("POST", &decide, Some(&fulfillment), Some(approve(None)))
        .await?;
    assert_eq!(status.as_u16(), 403, "{v}");
    // A token without `approve`.
    let (status, v) = b
        .call("POST", &decide, Some(&t.payments), Some(approve(None)))
        .await?;
    assert_eq!(status.as_u16(), 403, "{v}");

    // Platform, then payments (the quorum of two with platform): approved.
    let v = b
        .expect(200, "POST", &decide, Some(&platform), Some(approve(None)))
        .await?;
    assert_eq!(v["verdict"], "pending", "{v}");
    let v = b
        .expect(200, "POST", &decide, Some(&payments), Some(approve(None)))
        .await?;
    assert_eq!(v["verdict"], "approved", "{v}");
    // Repeated: no new decision.
    let v = b
        .expect(200, "POST", &decide, Some(&payments), Some(approve(None)))
        .await?;
    assert_eq!(v["decisions"].as_array().map(Vec::len), Some(2));

    let go = gate(b, &t.fulfillment).await?;
    assert_eq!(go["decision"], "go", "{:?}", codes(&go));
    assert_eq!(go["overridden_by"], json!(id));
    assert!(
        blocking(&go).contains(&format!("blocker-open {blocker}")),
        "every reason still listed: {:?}",
        blocking(&go)
    );
    // Another environment is not overridden.
    b.expect(
        201,
        "PUT",
        "/api/v1/environments/staging",
        Some(&b.admin),
        None,
    )
    .await?;
    let staging = b
        .expect(
            200,
            "GET",
            &format!(
                "/api/v1/trains/2027-01/gate?environment=staging&now={}",
                common::acme::NOW
            ),
            Some(&t.fulfillment),
            None,
        )
        .await?;
    assert_eq!(staging["decision"], "no_go");

    // The request and both decisions are in the decision log.
    let entries = b.store.log_entries(log_before, 100).await?;
    let logged: Vec<(String, String)> = entries
        .iter()
        .filter_map(|e| serde_json::from_str::<Value>(e).ok())
        .filter(|e| e["subject"] == json!(id))
        .map(|e| {
            (
                e["kind"].as_str().unwrap_or("").to_owned(),
                e["actor"]["team"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    assert_eq!(
        logged,
        [
            ("override".to_owned(), "fulfillment".to_owned()),
            ("approval".to_owned(), "platform".to_owned()),
            ("approval".to_owned(), "payments".to_owned()),
        ]
    );

    // A rejection by a required team rejects it: no-go again.
    let v = b
        .expect(
            200,
            "POST",
            &decide,
            Some(&platform),
            Some(json!({"decision": "reject", "reason": "the flag is not off in production"})),
        )
        .await?;
    assert_eq!(v["verdict"], "rejected");
    let rejected = gate(b, &t.fulfillment).await?;
    assert_eq!(rejected["decision"], "no_go");
    assert!(codes(&rejected).contains(&format!("override-rejected {id}")));
    Ok(())
}

#[tokio::test]
async fn an_approved_override_lets_a_failing_gate_through_sqlite() -> TestResult {
    overrides(&sqlite(config()).await?).await
}

#[tokio::test]
async fn an_approved_override_lets_a_failing_gate_through_postgres() -> TestResult {
    match postgres(config()).await? {
        Some(b) => overrides(&b).await,
        None => Ok(()),
    }
}

/// The same blocker raised at once through two brokers, and changed at
/// once: one is raised (201), the others answer it (200), never a 5xx;
/// concurrent severity changes are applied one after the other.
async fn races(b: &Broker, other: &Broker) -> TestResult {
    let t = set_up(b).await?;
    let platform = b.token("platform", &["publish"]).await?;
    publish(b, &t).await?;
    let path = "/api/v1/trains/2027-01/blockers";
    let body = json!({"title": "Label printer down", "severity": "medium"});
    let c = Some(t.catalog.as_str());
    let (r1, r2, r3, r4) = tokio::join!(
        b.call("POST", path, c, Some(body.clone())),
        other.call("POST", path, c, Some(body.clone())),
        b.call("POST", path, c, Some(body.clone())),
        other.call("POST", path, c, Some(body.clone())),
    );
    let mut statuses = Vec::new();
    let mut ids = Vec::new();
    for r in [r1?, r2?, r3?, r4?] {
        statuses.push(r.0.as_u16());
        ids.push(r.1["id"].clone());
    }
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 200, 200, 201], "{ids:?}");
    assert!(ids.iter().all(|id| *id == ids[0]), "{ids:?}");
    let id = ids[0].as_str().ok_or("no id")?.to_owned();

    let set = |severity: &str| json!({"action": "set_severity", "severity": severity, "reason": "triage"});
    let (c1, c2, c3) = tokio::join!(
        change(b, &platform, &id, set("high")),
        change(other, &platform, &id, set("low")),
        change(b, &platform, &id, set("critical")),
    );
    for (status, v) in [c1?, c2?, c3?] {
        assert!(
            status == 200 || status == 422,
            "no 5xx, and a high or critical blocker needs a tracker link: {status} {v}"
        );
    }
    let stored = b
        .expect(200, "GET", &format!("{path}/{id}"), Some(&t.catalog), None)
        .await?;
    let events = stored["events"].as_array().ok_or("no events")?;
    assert_eq!(events[0]["kind"], "raised");
    // Each change recorded once, in the order applied: the last one's
    // severity is the blocker's.
    if let Some(last) = events
        .iter()
        .rev()
        .find(|e| e["kind"] == "severity_changed")
    {
        assert_eq!(last["details"]["to"], stored["severity"], "{stored}");
    }
    Ok(())
}

#[tokio::test]
async fn raising_and_triaging_at_once_answer_as_one_broker_would_sqlite() -> TestResult {
    let b = sqlite(config()).await?;
    let other = b.another(config());
    races(&b, &other).await
}

#[tokio::test]
async fn raising_and_triaging_at_once_answer_as_one_broker_would_postgres() -> TestResult {
    match postgres(config()).await? {
        Some(b) => {
            let other = b.another(config());
            races(&b, &other).await
        }
        None => Ok(()),
    }
}
