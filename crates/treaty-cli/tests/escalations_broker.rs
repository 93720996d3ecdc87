//! Escalations on a real `treaty serve`, on a test clock (`--test-clock`,
//! a file the test rewrites): the example workspace's January train is
//! published, time moves past code freeze and towards the ship date, and
//! the broker sends each escalation step once, when it falls due, as
//! `treaty escalations` computes them from the files at the same moment;
//! by webhook to the teams and by e-mail (a minimal SMTP server here) to
//! the members named. A broker killed with SIGKILL after recording a step
//! whose receiver was down still sends it, once, with the same
//! `webhook-id`; two brokers on one PostgreSQL database send each step
//! once.

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::thread;
use std::time::{Duration, Instant};

use common::escalation::{
    Sent, get, sent, sent_in_order, serve_args, set_clock, set_up, wait_for_steps,
};
use common::receivers::{Listener, Received};
use common::{Broker, TestResult, run_expecting, test_database_url, treaty};
use serde_json::Value;

/// Whether `r` is a status digest: a webhook's `digest` event, or its
/// e-mail (by its subject, as the body may be encoded).
fn is_digest(r: &Received) -> bool {
    r.body.contains("\"type\":\"digest\"") || r.body.contains("Subject: Status digest for")
}

/// What `listeners` received but the status digests (the broker also
/// sends acme's teams their weekly digests: those are not this test's).
fn received(listeners: &[&Listener]) -> Vec<Received> {
    listeners
        .iter()
        .flat_map(|l| l.received())
        .filter(|r| !is_digest(r))
        .collect()
}

/// Waits until every one of `ids` was received. A test moves its clock on
/// only then: a delivery's lease is on the broker's clock, so a jump while
/// one is in flight would end its lease, and a broker deliver it again
/// (at least once, as promised, but not what these tests count).
fn wait_received(listeners: &[&Listener], ids: &BTreeSet<String>) -> TestResult {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !ids
        .iter()
        .all(|id| received(listeners).iter().any(|r| &r.id == id))
    {
        if Instant::now() > deadline {
            let got: Vec<String> = received(listeners).into_iter().map(|r| r.id).collect();
            return Err(format!("not all received: want {ids:?}, got {got:?}").into());
        }
        thread::sleep(Duration::from_millis(50));
    }
    Ok(())
}

/// Waits until every one of `ids` was received, then a little longer, and
/// checks each arrived once.
fn each_received_once(
    listeners: &[&Listener],
    ids: &BTreeSet<String>,
) -> TestResult<Vec<Received>> {
    wait_received(listeners, ids)?;
    thread::sleep(Duration::from_millis(800));
    let received = received(listeners);
    let mut seen = BTreeSet::new();
    for r in &received {
        if !seen.insert(r.id.clone()) {
            return Err(format!("{} received twice", r.id).into());
        }
        if !ids.contains(&r.id) {
            return Err(format!("{} received, never queued for a step", r.id).into());
        }
    }
    Ok(received)
}

fn notification_ids(steps: &Sent) -> BTreeSet<String> {
    steps.values().flat_map(|s| s.3.iter().cloned()).collect()
}

#[test]
fn each_step_is_sent_once_when_it_falls_due_by_webhook_and_email() -> TestResult {
    let scratch = tempfile::tempdir()?;
    let clock = scratch.path().join("clock");
    let clock_arg = clock.to_str().ok_or("path")?;
    set_clock(&clock, "2027-01-14T12:00:00Z")?;
    let mut hooks = Listener::webhook()?;
    hooks.up()?;
    let mut mail = Listener::smtp()?;
    mail.up()?;
    let smtp = format!("smtp://127.0.0.1:{}", mail.port);
    let db = format!("sqlite://{}", scratch.path().join("treaty.db").display());
    let broker = Broker::start_with(&db, &serve_args(clock_arg, Some(&smtp)))?;
    let admin = broker.bootstrap_token()?;
    set_up(&broker, &admin, hooks.port)?;

    let mut previous = 0;
    for moment in [
        // Before code freeze: the high-variability dependency of the
        // tracking page, open a week before feature freeze, has walked
        // fulfillment's whole path.
        "2027-01-14T12:00:00Z",
        // Code freeze passed: the first step of each missing item's path.
        "2027-01-16T00:01:00Z",
        // 4 hours on: fulfillment's engineering manager.
        "2027-01-16T04:01:00Z",
        // A day on: platform, on every path.
        "2027-01-17T00:01:00Z",
        // 3 days before the ship date, the gate still says no-go.
        "2027-01-19T00:01:00Z",
    ] {
        set_clock(&clock, moment)?;
        let steps = wait_for_steps(&broker, &admin, moment)?;
        assert!(steps.len() > previous, "nothing new at {moment}");
        previous = steps.len();
        wait_received(&[&hooks, &mail], &notification_ids(&steps))?;
    }

    // In the order they fell due; each when the clock had passed it.
    let listed = sent_in_order(&broker, &admin)?;
    let due: Vec<&str> = listed.iter().filter_map(|s| s["due_at"].as_str()).collect();
    let mut sorted = due.clone();
    sorted.sort();
    assert_eq!(due, sorted);
    for s in &listed {
        assert!(s["sent_at"].as_str() >= s["due_at"].as_str(), "{s}");
    }
    let keys: Vec<&str> = listed.iter().filter_map(|s| s["key"].as_str()).collect();
    assert!(
        keys.contains(&"code-freeze/2027-01/split-shipments#1"),
        "{keys:?}"
    );
    assert!(
        keys.iter()
            .any(|k| k.starts_with("gate/2027-01/production/")),
        "{keys:?}"
    );

    // Every notification arrives once: webhooks at the teams, e-mail at the
    // members named (fulfillment's tech lead for the first step).
    let steps = sent(&broker, &admin)?;
    let received = each_received_once(&[&hooks, &mail], &notification_ids(&steps))?;
    let first = &steps["code-freeze/2027-01/split-shipments#1"];
    assert_eq!(first.0, "nrossi");
    assert_eq!(first.3.len(), 2, "a webhook and an e-mail: {first:?}");
    let mailed: Vec<&Received> = received
        .iter()
        .filter(|r| first.3.contains(&r.id) && r.body.contains("nadia.rossi@acme.example"))
        .collect();
    assert_eq!(mailed.len(), 1, "{received:?}");
    assert!(
        mailed[0].body.contains("split-shipments"),
        "{}",
        mailed[0].body
    );
    let hooked = received
        .iter()
        .find(|r| first.3.contains(&r.id) && r.body.starts_with('{'))
        .ok_or("no webhook for the first step")?;
    let payload: Value = serde_json::from_str(&hooked.body)?;
    assert_eq!(payload["type"], "escalation");
    assert_eq!(
        payload["data"]["key"],
        "code-freeze/2027-01/split-shipments#1"
    );

    // Each step is in the decision log, once.
    let log = get(&broker, &admin, "/api/v1/log/entries?start=0&limit=1000")?;
    let logged: Vec<Value> = log["entries"]
        .as_array()
        .ok_or("no entries")?
        .iter()
        .filter_map(|e| serde_json::from_str::<Value>(e.as_str()?).ok())
        .filter(|d| d["kind"] == "escalation")
        .collect();
    let logged_keys: BTreeSet<&str> = logged
        .iter()
        .filter_map(|d| d["details"]["key"].as_str())
        .collect();
    assert_eq!(logged.len(), steps.len());
    assert_eq!(logged_keys, steps.keys().map(String::as_str).collect());

    // And `treaty escalations --broker` lists what was sent.
    let shown = run_expecting(
        &mut broker.command(
            &admin,
            &["escalations", "2027-01", "--broker", broker.url()],
        ),
        0,
    )?;
    assert!(
        shown.contains("code-freeze/2027-01/split-shipments#1"),
        "{shown}"
    );
    assert!(shown.contains("nrossi"), "{shown}");
    Ok(())
}

/// A blocker raised on the broker (at its clock) gets its deadline from
/// governance's SLA for its severity; once past it, the owning team's
/// path is walked step by step, each step once; resolved, it walks no
/// further.
#[test]
fn an_overdue_blocker_walks_its_team_path() -> TestResult {
    let scratch = tempfile::tempdir()?;
    let clock = scratch.path().join("clock");
    let clock_arg = clock.to_str().ok_or("path")?;
    set_clock(&clock, "2027-01-05T09:00:00Z")?;
    let mut hooks = Listener::webhook()?;
    hooks.up()?;
    let db = format!("sqlite://{}", scratch.path().join("treaty.db").display());
    let mut broker = Broker::start_with(&db, &serve_args(clock_arg, None))?;
    let admin = broker.bootstrap_token()?;
    set_up(&broker, &admin, hooks.port)?;
    let raised = run_expecting(
        &mut broker.command(
            &admin,
            &[
                "blocker",
                "raise",
                "2027-01",
                "--title",
                "Stock counts drift under load",
                "--severity",
                "high",
                "--item",
                "multi-warehouse-reservations",
                "--tracker",
                "https://tracker.acme.example/FUL-12",
            ],
        ),
        0,
    )?;
    assert!(raised.starts_with("raised: b-1"), "{raised}");
    let blocker_steps = |broker: &Broker| -> TestResult<Vec<(String, String)>> {
        Ok(sent_in_order(broker, &admin)?
            .iter()
            .filter_map(|s| {
                let key = s["key"].as_str()?;
                key.starts_with("blocker/").then(|| {
                    (
                        key.to_owned(),
                        s["to"].as_str().unwrap_or_default().to_owned(),
                    )
                })
            })
            .collect())
    };
    let wait_for = |broker: &Broker, want: &[(&str, &str)]| -> TestResult {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let have = blocker_steps(broker)?;
            let have: Vec<(&str, &str)> =
                have.iter().map(|(k, t)| (k.as_str(), t.as_str())).collect();
            if have == want {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!("want {want:?}, sent {have:?}").into());
            }
            thread::sleep(Duration::from_millis(100));
        }
    };
    // Acme's SLA for a high blocker is a day: nothing before it ends.
    set_clock(&clock, "2027-01-06T08:59:00Z")?;
    thread::sleep(Duration::from_millis(600));
    wait_for(&broker, &[])?;
    // Past it: fulfillment's first step; 4 hours on, the second.
    set_clock(&clock, "2027-01-06T09:01:00Z")?;
    if let Err(e) = wait_for(&broker, &[("blocker/b-1#1", "nrossi")]) {
        let log = broker.stop()?;
        return Err(format!("{e}\n{}", log.join("\n")).into());
    }
    set_clock(&clock, "2027-01-06T13:01:00Z")?;
    wait_for(
        &broker,
        &[("blocker/b-1#1", "nrossi"), ("blocker/b-1#2", "swozniak")],
    )?;
    // Resolved: platform, the third step, is never told.
    run_expecting(
        &mut broker.command(
            &admin,
            &[
                "blocker",
                "resolve",
                "2027-01",
                "b-1",
                "--reason",
                "reservations serialized per warehouse",
            ],
        ),
        0,
    )?;
    set_clock(&clock, "2027-01-07T09:01:00Z")?;
    thread::sleep(Duration::from_millis(1500));
    wait_for(
        &broker,
        &[("blocker/b-1#1", "nrossi"), ("blocker/b-1#2", "swozniak")],
    )?;
    Ok(())
}

#[test]
fn a_step_recorded_before_a_sigkill_is_still_sent_once() -> TestResult {
    let scratch = tempfile::tempdir()?;
    let clock = scratch.path().join("clock");
    let clock_arg = clock.to_str().ok_or("path")?;
    set_clock(&clock, "2027-01-15T12:00:00Z")?;
    let mut hooks = Listener::webhook()?;
    let db = format!("sqlite://{}", scratch.path().join("treaty.db").display());
    let mut broker = Broker::start_with(&db, &serve_args(clock_arg, None))?;
    let admin = broker.bootstrap_token()?;
    set_up(&broker, &admin, hooks.port)?;

    // The deadline passes while the receiver is down: the steps are
    // recorded and their notifications fail.
    let moment = "2027-01-16T00:01:00Z";
    set_clock(&clock, moment)?;
    let steps = wait_for_steps(&broker, &admin, moment)?;
    let ids = notification_ids(&steps);
    assert!(!ids.is_empty());
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let attempted = ids.iter().all(|id| {
            get(&broker, &admin, &format!("/api/v1/notifications/{id}"))
                .is_ok_and(|n| n["attempts"].as_i64().unwrap_or(0) >= 1)
        });
        if attempted {
            break;
        }
        if Instant::now() > deadline {
            return Err("the notifications were not attempted while the receiver was down".into());
        }
        thread::sleep(Duration::from_millis(50));
    }
    broker.crash()?;

    // Started again on the same database and clock, receiver up: every
    // notification arrives once, under the id it was queued with, and no
    // step is sent again.
    let broker = Broker::start_with(&db, &serve_args(clock_arg, None))?;
    hooks.up()?;
    each_received_once(&[&hooks], &ids)?;
    thread::sleep(Duration::from_millis(500));
    assert_eq!(sent(&broker, &admin)?, steps);
    Ok(())
}

#[test]
fn two_brokers_on_postgres_send_each_step_once() -> TestResult {
    let Some(server) = test_database_url() else {
        return Ok(());
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let db = runtime.block_on(treaty_store::scratch_postgres_url(&server))?;
    let outcome = (|| -> TestResult {
        let scratch = tempfile::tempdir()?;
        let clock = scratch.path().join("clock");
        let clock_arg = clock.to_str().ok_or("path")?;
        set_clock(&clock, "2027-01-14T12:00:00Z")?;
        let mut hooks = Listener::webhook()?;
        hooks.up()?;
        let first = Broker::start_with(&db, &serve_args(clock_arg, None))?;
        let admin = first.bootstrap_token()?;
        let second = Broker::start_with(&db, &serve_args(clock_arg, None))?;
        set_up(&first, &admin, hooks.port)?;
        for moment in ["2027-01-16T04:01:00Z", "2027-01-19T00:01:00Z"] {
            set_clock(&clock, moment)?;
            let steps = wait_for_steps(&second, &admin, moment)?;
            wait_received(&[&hooks], &notification_ids(&steps))?;
        }
        let steps = sent(&first, &admin)?;
        each_received_once(&[&hooks], &notification_ids(&steps))?;
        assert_eq!(sent(&second, &admin)?, steps);
        Ok(())
    })();
    let _ = runtime.block_on(treaty_store::drop_scratch_postgres(&db));
    outcome
}

#[test]
fn bad_smtp_or_clock_settings_stop_the_broker_before_it_writes() -> TestResult {
    let scratch = tempfile::tempdir()?;
    let db_path = scratch.path().join("treaty.db");
    let db = format!("sqlite://{}", db_path.display());
    let missing = scratch.path().join("no-clock");
    let garbled = scratch.path().join("clock");
    std::fs::write(&garbled, "next tuesday\n")?;
    let path = |p: &Path| p.to_str().map(str::to_owned).ok_or("path");
    let cases: [(Vec<String>, &str); 4] = [
        (
            [
                "--smtp-url",
                "smtp://127.0.0.1:2525",
                "--smtp-from",
                "not an address",
            ]
            .map(String::from)
            .into(),
            "--smtp-from `not an address` is not an e-mail address",
        ),
        (
            [
                "--smtp-url",
                "ftp://mail.example",
                "--smtp-from",
                "treaty@acme.example",
            ]
            .map(String::from)
            .into(),
            "--smtp-url `ftp://mail.example`",
        ),
        (
            vec!["--test-clock".into(), path(&missing)?],
            "the test clock",
        ),
        (
            vec!["--test-clock".into(), path(&garbled)?],
            "`next tuesday` is not an RFC 3339 moment",
        ),
    ];
    for (args, says) in cases {
        let out = run_expecting(
            treaty()
                .args(["serve", "--listen", "127.0.0.1:0", "--database-url", &db])
                .args(&args),
            2,
        )?;
        assert!(out.contains(says), "{args:?}: {out}");
        assert!(!db_path.exists(), "{args:?} created the database");
    }
    Ok(())
}
