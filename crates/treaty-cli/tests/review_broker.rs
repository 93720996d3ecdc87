//! `treaty review --broker` on a real `treaty serve` with a test clock:
//! the example workspace committed to git, February's train published
//! before January's (so January is unknown to the broker at first), then
//! January's; time moves past January's code freeze so that escalation
//! steps are sent, and an override of its gate is asked for and approved
//! a day later; a breaking change is proposed and approved there. The
//! review of January counts the steps and the override in its index and
//! lists them and the approval in its timeline; February's compares
//! itself with January's.

mod common;

use common::escalation::{
    create_teams, publish, sent_in_order, serve_args, set_clock, wait_for_steps,
};
use common::git_repo::{edit, repo};
use common::receivers::Listener;
use common::{Broker, TestResult, run_expecting, treaty};
use serde_json::Value;

const NOW: &str = "2027-02-01T00:00:00Z";

/// An RFC 3339 moment to the second (`2027-01-16T00:01:00`).
fn seconds(moment: &Value) -> String {
    moment
        .as_str()
        .unwrap_or_default()
        .chars()
        .take(19)
        .collect()
}

fn events<'a>(review: &'a Value, kind: &str) -> Vec<&'a Value> {
    review["timeline"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["kind"] == kind)
        .collect()
}

#[test]
fn a_review_on_the_broker_counts_its_escalations_and_approved_overrides() -> TestResult {
    let (_repo, ws) = repo();
    let dir = ws.to_str().ok_or("path")?;
    let scratch = tempfile::tempdir()?;
    let clock = scratch.path().join("clock");
    let clock_arg = clock.to_str().ok_or("path")?;
    set_clock(&clock, "2027-01-14T12:00:00Z")?;
    let mut hooks = Listener::webhook()?;
    hooks.up()?;
    let db = format!("sqlite://{}", scratch.path().join("treaty.db").display());
    let broker = Broker::start_with(&db, &serve_args(clock_arg, None))?;
    let admin = broker.bootstrap_token()?;
    create_teams(&broker, &admin, hooks.port)?;
    publish(&broker, &admin, &ws, "2027-02")?;

    // TREATY_BROKER and TREATY_TOKEN are set by `command`: the review
    // reads the broker the way `treaty gate` does.
    let review = |release: &str, code: i32| -> TestResult<String> {
        run_expecting(
            &mut broker.command(
                &admin,
                &[
                    "review", release, "--dir", dir, "--now", NOW, "--format", "json",
                ],
            ),
            code,
        )
    };

    // January is not on the broker: reviewing it there is refused; as
    // February's previous release it simply has no records.
    let err = review("2027-01", 2)?;
    assert!(err.contains("no release train `2027-01`"), "{err}");
    assert!(err.contains("treaty release publish 2027-01"), "{err}");
    let feb: Value = serde_json::from_str(&review("2027-02", 0)?)?;
    assert_eq!(feb["previous_index"][0], "2027-01", "{feb:#}");
    assert_eq!(feb["previous_index"][1]["escalations"], 0, "{feb:#}");
    assert_eq!(feb["previous_index"][1]["overrides"], 0, "{feb:#}");

    publish(&broker, &admin, &ws, "2027-01")?;
    run_expecting(
        &mut broker.command(&admin, &["environment", "create", "production"]),
        0,
    )?;
    let token = |team: &str| -> TestResult<String> {
        let out = run_expecting(
            &mut broker.command(
                &admin,
                &[
                    "token", "create", "--team", team, "--scope", "publish", "--scope", "approve",
                ],
            ),
            0,
        )?;
        Ok(out.lines().next().ok_or("no token")?.trim().to_owned())
    };
    let (fulfillment, platform, payments) = (
        token("fulfillment")?,
        token("platform")?,
        token("payments")?,
    );

    // Code freeze passes: the first steps are sent. The override is asked
    // for and platform approves it; a day on, payments makes the steering
    // group's quorum, and it is approved then.
    let moment = "2027-01-16T00:01:00Z";
    set_clock(&clock, moment)?;
    wait_for_steps(&broker, &admin, moment)?;
    let reason = "refunds are dark; the rest is verified";
    run_expecting(
        &mut broker.command(
            &fulfillment,
            &["override", "request", "2027-01", "--reason", reason],
        ),
        0,
    )?;
    let approve = |token: &str| {
        run_expecting(
            &mut broker.command(
                token,
                &["override", "approve", "2027-01", "o-1", "--reason", "ok"],
            ),
            0,
        )
    };
    assert!(approve(&platform)?.contains("o-1 pending"));
    let moment = "2027-01-17T00:01:00Z";
    set_clock(&clock, moment)?;
    wait_for_steps(&broker, &admin, moment)?;
    assert!(approve(&payments)?.contains("o-1 approved"));
    // A breaking change of payments-api (in January's scope) proposed on
    // the broker and approved by its producer there. The broker dates
    // decisions by the wall clock, not the test clock.
    run_expecting(
        &mut broker.command(
            &payments,
            &[
                "publish",
                "payments-api",
                "--version",
                "1.4.0",
                "--dir",
                dir,
            ],
        ),
        0,
    )?;
    edit(
        &ws,
        "schemas/payments-api.openapi.yaml",
        "enum: [EUR, USD, GBP, SEK, CHF]",
        "enum: [EUR, USD, GBP]",
    );
    run_expecting(
        &mut broker.command(
            &payments,
            &[
                "propose",
                "payments-api",
                "--dir",
                dir,
                "--title",
                "Drop SEK and CHF",
                "--rollback",
                "Restore the values",
            ],
        ),
        0,
    )?;
    run_expecting(
        &mut broker.command(&payments, &["approve", "cp-1", "--reason", "ours"]),
        0,
    )?;
    let steps = sent_in_order(&broker, &admin)?;
    assert!(steps.len() >= 2, "{steps:?}");

    let jan: Value = serde_json::from_str(&review("2027-01", 0)?)?;
    let index = &jan["index"];
    assert_eq!(index["escalations"], steps.len(), "{jan:#}");
    assert_eq!(index["overrides"], 1, "{jan:#}");
    let sum: u64 = [
        "escalations",
        "late_scope_changes",
        "overrides",
        "late_approvals",
    ]
    .iter()
    .filter_map(|k| index[k].as_u64())
    .sum();
    assert_eq!(index["total"], sum);
    let escalated = events(&jan, "escalation");
    assert_eq!(escalated.len(), steps.len(), "{jan:#}");
    assert!(escalated.iter().all(|e| e["unplanned"] == true), "{jan:#}");
    for step in &steps {
        let (key, to) = (
            step["key"].as_str().ok_or("no key")?,
            step["to"].as_str().ok_or("no to")?,
        );
        assert!(
            escalated
                .iter()
                .any(|e| seconds(&e["on"]) == seconds(&step["sent_at"])
                    && e["text"]
                        .as_str()
                        .is_some_and(|t| t.contains(&format!("`{key}`")) && t.contains(to))),
            "step {key} not in the timeline: {jan:#}"
        );
    }
    let overridden = events(&jan, "override");
    assert_eq!(overridden.len(), 1, "{jan:#}");
    // Approved when payments decided, on the broker's clock (which runs on
    // from the moment the test set).
    let on = overridden[0]["on"].as_str().ok_or("no moment")?;
    assert!(
        ("2027-01-17T00:01:00Z".."2027-01-17T00:02:00Z").contains(&on),
        "{on}"
    );
    assert_eq!(
        overridden[0]["text"],
        format!(
            "override o-1 of the production gate asked by fulfillment, approved by platform, payments: {reason}"
        )
    );
    let approvals: Vec<&str> = events(&jan, "approval")
        .iter()
        .filter_map(|e| e["text"].as_str())
        .collect();
    // Dated by the broker's clock, as every decision is: 17 January, after
    // the train's feature freeze.
    assert_eq!(
        approvals,
        ["payments approved proposal cp-1 on `payments-api`, after feature freeze"],
        "{jan:#}"
    );
    let observations: Vec<&str> = jan["lessons"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|l| l["observation"].as_str())
        .collect();
    assert!(
        observations.contains(&format!("{} escalation(s) sent", steps.len()).as_str()),
        "{observations:?}"
    );

    // February compares itself with January's records now.
    let feb: Value = serde_json::from_str(&review("2027-02", 0)?)?;
    assert_eq!(feb["previous_index"][1]["escalations"], steps.len());
    assert_eq!(feb["previous_index"][1]["overrides"], 1);
    assert_eq!(feb["index"]["overrides"], 0);

    // The Markdown says where the records come from.
    let markdown = run_expecting(
        &mut broker.command(&admin, &["review", "2027-01", "--dir", dir, "--now", NOW]),
        0,
    )?;
    assert!(
        markdown.contains(&format!("as the broker at {} recorded them", broker.url())),
        "{markdown}"
    );
    assert!(
        markdown.contains("**override** (unplanned): override o-1 of the production gate"),
        "{markdown}"
    );

    // Without a broker, nothing of it is read, and the review says so.
    let local = run_expecting(
        treaty().args(["review", "2027-01", "--dir", dir, "--now", NOW]),
        0,
    )?;
    assert!(local.contains("were not read"), "{local}");
    assert!(local.contains("| escalations | 0 |"), "{local}");
    assert!(!local.contains("proposal cp-1"), "{local}");
    Ok(())
}

#[test]
fn a_broker_that_cannot_be_reached_is_an_error() -> TestResult {
    let (_repo, ws) = repo();
    // Nothing listens on port 9 of the loopback (discard, not served).
    let err = run_expecting(
        treaty()
            .args([
                "review",
                "2027-01",
                "--broker",
                "http://127.0.0.1:9",
                "--dir",
            ])
            .arg(&ws),
        2,
    )?;
    assert!(
        err.contains("cannot reach the broker at http://127.0.0.1:9"),
        "{err}"
    );
    Ok(())
}
