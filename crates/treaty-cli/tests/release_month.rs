//! A month of the example workspace's January train on a real `treaty
//! serve`, on a test clock, driven only through the CLI as teams would:
//!
//! - the train is published on Monday 4 January (the release file in git,
//!   with checkout's tracking page not behind a flag this time); every
//!   team with scope gets its weekly digest by webhook, and the gate says
//!   no-go;
//! - evidence arrives through the month: fulfillment's reservation tests
//!   and benchmark on the 6th, a failing then a passing fulfillment run,
//!   catalog's tests and the contract verifications; checkout's page never
//!   passes its end-to-end tests;
//! - catalog raises a high blocker on the 7th; a day later it is overdue
//!   and walks catalog's escalation path (pgarcia at once, elindqvist 8
//!   hours on), and stops there once resolved on the 9th;
//! - the next Monday's digest says what changed for fulfillment, and
//!   `treaty digest --broker` prints the newest one the team was sent;
//! - on the 18th the gate says go: the late, non-essential tracking page
//!   is dropped from the train, partial refunds ship dark;
//! - the release is marked shipped on the 22nd; no digest goes out for it
//!   after; the review written on the 25th counts the escalations the
//!   broker sent, and only the ones the month called for.

mod common;

use std::path::Path;
use std::thread;
use std::time::{Duration, Instant};

use common::escalation::{TEAMS, create_teams, get, publish, sent_in_order, serve_args, set_clock};
use common::git_repo::{edit, git_on};
use common::receivers::Listener;
use common::{Broker, TestResult, http_agent, run_expecting};
use serde_json::{Value, json};

const SHIP: [&str; 4] = [
    "--ship",
    "inventory-svc=2.0.0",
    "--ship",
    "fulfillment-svc=3.1.0",
];

fn fixture(path: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../treaty-evidence/tests/data")
        .join(path)
        .display()
        .to_string()
}

/// A PUT as the admin, answered 200 or 201.
fn put(broker: &Broker, admin: &str, path: &str, body: Value) -> TestResult {
    let response = http_agent(Duration::from_secs(10))
        .put(format!("{}{path}", broker.url()))
        .header("Authorization", format!("Bearer {admin}"))
        .send_json(body)?;
    let status = response.status().as_u16();
    if status != 200 && status != 201 {
        return Err(format!("PUT {path}: {status}").into());
    }
    Ok(())
}

/// Waits for `what` to hold, up to 30 s.
fn until(what: &str, mut holds: impl FnMut() -> TestResult<bool>) -> TestResult {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !holds()? {
        if Instant::now() > deadline {
            return Err(format!("never: {what}").into());
        }
        thread::sleep(Duration::from_millis(50));
    }
    Ok(())
}

fn digests(broker: &Broker, admin: &str, team: &str) -> TestResult<Vec<Value>> {
    let v = get(broker, admin, &format!("/api/v1/teams/{team}/digests"))?;
    Ok(v.as_array().ok_or("not a list")?.clone())
}

/// The events of `kind` delivered, as JSON bodies, each once: a receiver
/// drops a repeat by its `webhook-id` (delivery is at least once, and a
/// jump of the test clock can end a delivery's lease while it is sent).
fn delivered(hooks: &Listener, kind: &str) -> Vec<Value> {
    let mut seen = std::collections::BTreeSet::new();
    hooks
        .received()
        .into_iter()
        .filter(|r| seen.insert(r.id.clone()))
        .filter_map(|r| serde_json::from_str::<Value>(&r.body).ok())
        .filter(|b| b["type"] == kind)
        .collect()
}

fn state_of<'a>(verdict: &'a Value, item: &str) -> &'a str {
    verdict["items"]
        .as_array()
        .and_then(|items| items.iter().find(|i| i["id"] == item))
        .and_then(|i| i["state"].as_str())
        .unwrap_or("absent")
}

#[test]
fn a_simulated_month_of_the_january_train() -> TestResult {
    // The workspace in git, as the release manager wrote it before the
    // year's end: checkout's page without its flag.
    let repo = tempfile::tempdir()?;
    let ws = repo.path().join("acme");
    common::copy_dir(&common::acme(), &ws)?;
    edit(
        &ws,
        "releases/2027-01.yaml",
        "    mitigations:\n      - flag: checkout.tracking-page\n        default: off\n        flippable_by: [checkout]\n",
        "",
    );
    let december = "2026-12-20T10:00:00Z";
    git_on(repo.path(), december, &["init", "-q"]);
    git_on(repo.path(), december, &["add", "-A"]);
    git_on(
        repo.path(),
        december,
        &["commit", "-q", "-m", "January train"],
    );
    let dir = ws.to_str().ok_or("path")?;

    let scratch = tempfile::tempdir()?;
    let clock = scratch.path().join("clock");
    let clock_arg = clock.to_str().ok_or("path")?;
    set_clock(&clock, "2027-01-04T09:00:00Z")?;
    let mut hooks = Listener::webhook()?;
    hooks.up()?;
    let db = format!("sqlite://{}", scratch.path().join("treaty.db").display());
    let mut serve = serve_args(clock_arg, None);
    serve.extend(["--digest-poll-ms", "50"]);
    let broker = Broker::start_with(&db, &serve)?;
    let admin = broker.bootstrap_token()?;
    create_teams(&broker, &admin, hooks.port)?;
    let token = |team: &str| -> TestResult<String> {
        let out = run_expecting(
            &mut broker.command(
                &admin,
                &["token", "create", "--team", team, "--scope", "publish"],
            ),
            0,
        )?;
        Ok(out.lines().next().ok_or("no token")?.trim().to_owned())
    };
    let tokens: Vec<(&str, String)> = TEAMS
        .iter()
        .map(|t| token(t).map(|k| (*t, k)))
        .collect::<TestResult<_>>()?;
    let as_team = |team: &str| -> &str {
        tokens
            .iter()
            .find(|(t, _)| *t == team)
            .map_or("", |(_, k)| k.as_str())
    };
    // What the verifications need: the providers, their interfaces and
    // the consumers; and where the train ships.
    for (component, team) in [
        ("inventory-svc", "fulfillment"),
        ("fulfillment-svc", "fulfillment"),
        ("catalog-web", "catalog"),
        ("checkout-web", "checkout"),
    ] {
        put(
            &broker,
            &admin,
            &format!("/api/v1/components/{component}"),
            json!({"team": team}),
        )?;
    }
    for (interface, component) in [
        ("inventory-service", "inventory-svc"),
        ("fulfillment-service", "fulfillment-svc"),
    ] {
        put(
            &broker,
            &admin,
            &format!("/api/v1/interfaces/{interface}"),
            json!({"component": component, "kind": "protobuf"}),
        )?;
    }
    run_expecting(
        &mut broker.command(&admin, &["environment", "create", "production"]),
        0,
    )?;
    publish(&broker, &admin, &ws, "2027-01")?;

    let gate = |code: i32| -> TestResult<Value> {
        let mut args = vec!["gate", "2027-01", "--format", "json"];
        args.extend(SHIP);
        Ok(serde_json::from_str(&run_expecting(
            &mut broker.command(&admin, &args),
            code,
        )?)?)
    };
    let push = |team: &str, args: &[&str]| -> TestResult {
        let mut all = vec!["evidence", "push", "2027-01"];
        all.extend(args);
        run_expecting(&mut broker.command(as_team(team), &all), 0)?;
        Ok(())
    };

    // Monday 4 January: the first digests; the gate says no-go.
    until("the first digests", || {
        Ok(["catalog", "checkout", "fulfillment", "payments"]
            .iter()
            .all(|t| digests(&broker, &admin, t).is_ok_and(|d| d.len() == 1)))
    })?;
    until("the first digests delivered", || {
        Ok(delivered(&hooks, "digest").len() == 4)
    })?;
    let first = gate(1)?;
    assert_eq!(state_of(&first, "multi-warehouse-reservations"), "missing");

    // The 6th: the reservation work is done and measured.
    set_clock(&clock, "2027-01-06T15:00:00Z")?;
    let junit_pass = fixture("junit/nextest-pass.xml");
    let junit_mixed = fixture("junit/nextest-mixed.xml");
    let benchmarks = fixture("metrics/benchmarks.json");
    push(
        "fulfillment",
        &[
            &junit_pass,
            "--item",
            "multi-warehouse-reservations",
            "--criterion",
            "tests-pass",
            "--component",
            "inventory-svc",
            "--version",
            "2.0.0",
        ],
    )?;
    push(
        "fulfillment",
        &[
            &benchmarks,
            "--item",
            "multi-warehouse-reservations",
            "--criterion",
            "reserve-latency",
            "--component",
            "inventory-svc",
            "--version",
            "2.0.0",
            "--format",
            "metrics",
        ],
    )?;
    let sixth = gate(1)?;
    assert_eq!(state_of(&sixth, "multi-warehouse-reservations"), "live");

    // The 7th: catalog raises a high blocker; its SLA is a day.
    set_clock(&clock, "2027-01-07T10:00:00Z")?;
    run_expecting(
        &mut broker.command(
            as_team("catalog"),
            &[
                "blocker",
                "raise",
                "2027-01",
                "--title",
                "Badges show stale stock after a reservation",
                "--severity",
                "high",
                "--item",
                "stock-badges",
                "--tracker",
                "https://tracker.acme.example/CAT-311",
            ],
        ),
        0,
    )?;
    let blocker_steps = |to: &str| -> TestResult<usize> {
        Ok(sent_in_order(&broker, &admin)?
            .iter()
            .filter(|s| s["rule"] == "blocker_overdue" && s["to"] == to)
            .count())
    };
    // The 8th, past its deadline: catalog's path, step by step.
    set_clock(&clock, "2027-01-08T10:05:00Z")?;
    until("pgarcia told of the overdue blocker", || {
        Ok(blocker_steps("pgarcia")? == 1)
    })?;
    assert_eq!(blocker_steps("elindqvist")?, 0, "not before 8 hours");
    set_clock(&clock, "2027-01-08T18:05:00Z")?;
    until("elindqvist told 8 hours on", || {
        Ok(blocker_steps("elindqvist")? == 1)
    })?;
    until("the blocker's escalations delivered", || {
        Ok(delivered(&hooks, "escalation")
            .iter()
            .any(|e| e["data"]["rule"] == "blocker_overdue" && e["data"]["to"] == "elindqvist"))
    })?;
    // The 9th: fixed and resolved; the path stops before platform.
    set_clock(&clock, "2027-01-09T09:00:00Z")?;
    let listed = run_expecting(
        &mut broker.command(&admin, &["blocker", "list", "2027-01", "--json"]),
        0,
    )?;
    let listed: Value = serde_json::from_str(&listed)?;
    let id = listed[0]["id"].as_str().ok_or("no blocker id")?.to_owned();
    run_expecting(
        &mut broker.command(
            as_team("catalog"),
            &[
                "blocker",
                "resolve",
                "2027-01",
                &id,
                "--reason",
                "cache invalidated on reserve",
            ],
        ),
        0,
    )?;

    // Monday the 11th: the second digest says what changed.
    set_clock(&clock, "2027-01-11T07:00:00Z")?;
    until("fulfillment's second digest", || {
        Ok(digests(&broker, &admin, "fulfillment")?.len() == 2)
    })?;
    assert_eq!(blocker_steps("platform")?, 0, "resolved before 2 days");
    let second = &digests(&broker, &admin, "fulfillment")?[0];
    let changes: Vec<&str> = second["digest"]["changes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        changes.contains(&"2027-01/multi-warehouse-reservations: missing → live"),
        "{changes:?}"
    );

    // The 12th to the 14th: a failing run, then the fixes; catalog's
    // tests and the verifications; checkout's page still fails.
    set_clock(&clock, "2027-01-12T11:00:00Z")?;
    let split = |report: &str, run: &str| {
        push(
            "fulfillment",
            &[
                report,
                "--item",
                "split-shipments",
                "--criterion",
                "tests-pass",
                "--component",
                "fulfillment-svc",
                "--version",
                "3.1.0",
                "--run",
                run,
            ],
        )
    };
    split(&junit_mixed, "ci-101")?;
    assert_eq!(state_of(&gate(1)?, "split-shipments"), "missing");
    set_clock(&clock, "2027-01-13T16:00:00Z")?;
    split(&junit_pass, "ci-102")?;
    set_clock(&clock, "2027-01-14T10:00:00Z")?;
    push(
        "catalog",
        &[
            &junit_pass,
            "--item",
            "stock-badges",
            "--criterion",
            "tests-pass",
        ],
    )?;
    push(
        "checkout",
        &[
            &junit_mixed,
            "--item",
            "order-tracking-page",
            "--criterion",
            "e2e-pass",
        ],
    )?;
    for (interface, provider, consumer) in [
        ("inventory-service", "2.0.0", "catalog-web"),
        ("fulfillment-service", "3.1.0", "checkout-web"),
    ] {
        run_expecting(
            &mut broker.command(
                as_team("fulfillment"),
                &[
                    "verify",
                    "--interface",
                    interface,
                    "--provider-version",
                    provider,
                    "--consumer",
                    consumer,
                    "--consumer-version",
                    "7",
                    "--success",
                ],
            ),
            0,
        )?;
    }

    // The 18th: go, without the late tracking page; refunds ship dark.
    set_clock(&clock, "2027-01-18T09:00:00Z")?;
    let go = gate(0)?;
    assert_eq!(go["decision"], "go", "{go:#}");
    for (item, state) in [
        ("multi-warehouse-reservations", "live"),
        ("split-shipments", "live"),
        ("stock-badges", "live"),
        ("partial-refunds", "dark"),
        ("order-tracking-page", "dropped"),
    ] {
        assert_eq!(state_of(&go, item), state, "{item}: {go:#}");
    }

    // Monday the 18th's digest, the week's last for this train.
    until("fulfillment's third digest", || {
        Ok(digests(&broker, &admin, "fulfillment")?.len() == 3)
    })?;

    // What the team reads with the CLI is the digest the broker sent.
    let newest = &digests(&broker, &admin, "fulfillment")?[0];
    let printed: Value = serde_json::from_str(&run_expecting(
        &mut broker.command(
            as_team("fulfillment"),
            &["digest", "--team", "fulfillment", "--format", "json"],
        ),
        0,
    )?)?;
    assert_eq!(printed, newest["digest"]);
    let text = run_expecting(
        &mut broker.command(as_team("fulfillment"), &["digest", "--team", "fulfillment"]),
        0,
    )?;
    assert!(
        text.starts_with("Status digest for fulfillment, 2027-01-18T09:00:0"),
        "{text}"
    );
    let none = run_expecting(
        &mut broker.command(as_team("identity"), &["digest", "--team", "identity"]),
        0,
    )?;
    assert!(
        none.contains("has sent team `identity` no digest yet"),
        "{none}"
    );
    let refused = run_expecting(
        &mut broker.command(
            &admin,
            &[
                "digest",
                "--team",
                "fulfillment",
                "--now",
                "2027-01-18T09:00:00Z",
            ],
        ),
        2,
    )?;
    assert!(refused.contains("with --broker"), "{refused}");

    // The 22nd: shipped, in git and on the broker; no digest after.
    set_clock(&clock, "2027-01-22T17:00:00Z")?;
    edit(
        &ws,
        "releases/2027-01.yaml",
        "status: active",
        "status: shipped",
    );
    git_on(
        repo.path(),
        "2027-01-22T17:00:00Z",
        &["commit", "-q", "-a", "-m", "January shipped"],
    );
    publish(&broker, &admin, &ws, "2027-01")?;
    set_clock(&clock, "2027-01-25T09:00:00Z")?;
    thread::sleep(Duration::from_millis(600));
    assert_eq!(
        digests(&broker, &admin, "fulfillment")?.len(),
        3,
        "a shipped train gets no digest"
    );

    // What was escalated: the open high-variability dependency a week
    // before feature freeze, and the blocker. Nothing was missing at code
    // freeze and the gate did not fail near the ship date: the timers
    // judged the verifications that were made, not none.
    let sent = sent_in_order(&broker, &admin)?;
    let rules: std::collections::BTreeSet<&str> =
        sent.iter().filter_map(|s| s["rule"].as_str()).collect();
    assert_eq!(
        rules,
        ["blocker_overdue", "dependency_open"].into_iter().collect(),
        "{sent:#?}"
    );

    // The review, with the broker's records.
    let review: Value = serde_json::from_str(&run_expecting(
        &mut broker.command(
            &admin,
            &[
                "review",
                "2027-01",
                "--dir",
                dir,
                "--now",
                "2027-01-25T09:00:00Z",
                "--format",
                "json",
            ],
        ),
        0,
    )?)?;
    assert_eq!(review["index"]["escalations"], sent.len(), "{review:#}");
    assert!(
        review["shipped"]
            .as_str()
            .is_some_and(|s| s.starts_with("2027-01-22")),
        "{review:#}"
    );
    let timeline = review["timeline"].as_array().ok_or("no timeline")?;
    assert!(
        timeline.iter().any(|e| e["kind"] == "escalation"
            && e["text"]
                .as_str()
                .is_some_and(|t| t.contains("blocker_overdue") && t.contains("elindqvist"))),
        "{review:#}"
    );
    Ok(())
}
