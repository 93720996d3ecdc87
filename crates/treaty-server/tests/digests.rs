//! Status digests sent by the broker on the governance's cadence (acme's
//! is weekly), on a test clock: in the week of Monday 2027-01-04 every
//! team with scope or promises in the January train gets one digest, with
//! its notification queued to its webhook; a team with nothing in the
//! train gets none; later in the same week nothing more is sent, however
//! often the broker looks; the next Monday each gets the next one, which
//! says what changed (a blocker raised meanwhile). Two digest senders on
//! one database (two brokers) send each digest once.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::acme::{acme_train, config, set_up};
use common::{Broker, TestResult, postgres, sqlite};
use serde_json::{Value, json};
use treaty_server::clock::Clock;
use treaty_server::digests::{DigestConfig, DigestWorker};
use treaty_server::{Config, Kept};

/// Acme's teams with scope items or promises in the January train.
const TOLD: [&str; 4] = ["catalog", "checkout", "fulfillment", "payments"];
/// Acme's teams with nothing in it.
const QUIET: [&str; 2] = ["identity", "platform"];
/// Where fulfillment is in `TOLD`.
const FULFILLMENT: usize = 2;

fn set_clock(file: &Path, moment: &str) -> TestResult {
    std::fs::write(file, format!("{moment}\n"))?;
    Ok(())
}

fn clocked(file: &Path) -> Result<Config, Box<dyn std::error::Error>> {
    let mut c = config();
    c.clock = Clock::file(file);
    c.digests = DigestConfig {
        poll: Duration::from_millis(20),
    };
    c.webhooks.allow = vec!["127.0.0.1/32".parse()?];
    Ok(c)
}

async fn digests(b: &Broker, team: &str) -> Result<Vec<Value>, Box<dyn std::error::Error>> {
    let v = b
        .expect(
            200,
            "GET",
            &format!("/api/v1/teams/{team}/digests"),
            Some(&b.admin),
            None,
        )
        .await?;
    Ok(v.as_array().ok_or("not a list")?.clone())
}

/// Waits until every team in `TOLD` has `n` digests; the digests by team.
async fn until_sent(b: &Broker, n: usize) -> Result<Vec<Vec<Value>>, Box<dyn std::error::Error>> {
    let started = Instant::now();
    loop {
        let mut all = Vec::new();
        for team in TOLD {
            all.push(digests(b, team).await?);
        }
        if all.iter().all(|d| d.len() == n) {
            return Ok(all);
        }
        if all.iter().any(|d| d.len() > n) || started.elapsed() > Duration::from_secs(20) {
            let counts: Vec<usize> = all.iter().map(Vec::len).collect();
            return Err(
                format!("expected {n} digest(s) each for {TOLD:?}, have {counts:?}").into(),
            );
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn lines(digest: &Value, field: &str) -> Vec<String> {
    digest["digest"][field]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|l| match l.as_str() {
                    Some(s) => s.to_owned(),
                    None => l.to_string(),
                })
                .collect()
        })
        .unwrap_or_default()
}

async fn weekly(b: &Broker, clock: &Path, senders: usize) -> TestResult {
    let t = set_up(b).await?;
    for team in TOLD.iter().chain(&QUIET) {
        b.expect(
            200,
            "PUT",
            &format!("/api/v1/teams/{team}/webhook"),
            Some(&b.admin),
            Some(json!({"url": "http://127.0.0.1:9/hook"})),
        )
        .await?;
    }
    set_clock(clock, "2027-01-05T09:00:00Z")?;
    b.expect(
        201,
        "PUT",
        "/api/v1/trains/2027-01",
        Some(&b.admin),
        Some(acme_train("2027-01")?),
    )
    .await?;
    let config = clocked(clock)?;
    let workers: Vec<DigestWorker> = (0..senders)
        .map(|_| DigestWorker::start(b.store.clone(), &config, &Kept::default()))
        .collect();

    let first = until_sent(b, 1).await?;
    for (team, sent) in TOLD.iter().zip(&first) {
        let d = &sent[0];
        assert_eq!(d["team"], *team);
        assert_eq!(d["cadence"], "weekly");
        assert_eq!(d["period_start"], "2027-01-04T00:00:00Z", "{d}");
        assert_eq!(d["notifications"].as_array().map(Vec::len), Some(1), "{d}");
        assert_eq!(lines(d, "gates"), ["2027-01 to production: no-go"], "{d}");
        assert!(lines(d, "changes").is_empty(), "a first digest: {d}");
    }
    let fulfillment = &first[FULFILLMENT][0];
    let items = lines(fulfillment, "items");
    assert!(
        items.iter().any(|i| i.contains("2027-01/split-shipments")),
        "{items:?}"
    );
    // The queued notification is the digest, with the words chat tools show.
    let id = fulfillment["notifications"][0].as_str().ok_or("no id")?;
    let n = b
        .expect(
            200,
            "GET",
            &format!("/api/v1/notifications/{id}"),
            Some(&b.admin),
            None,
        )
        .await?;
    assert_eq!(n["type"], "digest", "{n}");
    let text = n["payload"]["text"].as_str().unwrap_or_default();
    assert!(
        text.starts_with("Status digest for fulfillment, 2027-01-05T09:00:0"),
        "{text}"
    );
    assert!(text.contains("split-shipments"), "{text}");
    assert_eq!(n["payload"]["data"]["digest"], fulfillment["digest"], "{n}");
    for team in QUIET {
        assert!(
            digests(b, team).await?.is_empty(),
            "{team} has nothing in the train"
        );
    }

    // Later the same week, and after a blocker: nothing more this week.
    let (status, v) = b
        .call(
            "POST",
            "/api/v1/trains/2027-01/blockers",
            Some(&t.fulfillment),
            Some(json!({
                "title": "Reservations double-count under retry",
                "severity": "high",
                "item": "split-shipments",
                "tracker": "https://tracker.acme.example/FUL-88",
            })),
        )
        .await?;
    assert_eq!(status.as_u16(), 201, "{v}");
    set_clock(clock, "2027-01-10T23:59:00Z")?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    until_sent(b, 1).await?;

    // The next Monday: the next digest, saying what changed.
    set_clock(clock, "2027-01-11T06:00:00Z")?;
    let second = until_sent(b, 2).await?;
    let latest = &second[FULFILLMENT][0];
    assert_eq!(latest["period_start"], "2027-01-11T00:00:00Z", "{latest}");
    let changes = lines(latest, "changes");
    assert!(
        changes
            .iter()
            .any(|c| c.starts_with("new blocker:") && c.contains("double-count")),
        "{changes:?}"
    );
    for w in workers {
        w.stop().await;
    }
    Ok(())
}

#[tokio::test]
async fn digests_go_out_weekly_once_each_and_say_what_changed_sqlite() -> TestResult {
    let dir = tempfile::tempdir()?;
    let clock = dir.path().join("clock");
    set_clock(&clock, "2027-01-05T09:00:00Z")?;
    let b = sqlite(clocked(&clock)?).await?;
    weekly(&b, &clock, 1).await
}

#[tokio::test]
async fn two_brokers_send_each_digest_once_postgres() -> TestResult {
    let dir = tempfile::tempdir()?;
    let clock = dir.path().join("clock");
    set_clock(&clock, "2027-01-05T09:00:00Z")?;
    match postgres(clocked(&clock)?).await? {
        Some(b) => weekly(&b, &clock, 2).await,
        None => Ok(()),
    }
}

#[tokio::test]
async fn without_a_cadence_no_digest_is_sent() -> TestResult {
    let dir = tempfile::tempdir()?;
    let clock = dir.path().join("clock");
    set_clock(&clock, "2027-01-05T09:00:00Z")?;
    let config = clocked(&clock)?;
    let b = sqlite(config.clone()).await?;
    set_up(&b).await?;
    let mut train = acme_train("2027-01")?;
    train["governance"]["communication"]
        .as_object_mut()
        .ok_or("no communication")?
        .remove("digest");
    b.expect(
        201,
        "PUT",
        "/api/v1/trains/2027-01",
        Some(&b.admin),
        Some(train),
    )
    .await?;
    let worker = DigestWorker::start(b.store.clone(), &config, &Kept::default());
    tokio::time::sleep(Duration::from_millis(400)).await;
    worker.stop().await;
    for team in TOLD {
        assert!(digests(&b, team).await?.is_empty(), "{team}");
    }
    Ok(())
}
