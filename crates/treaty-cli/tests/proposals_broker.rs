//! Change proposals in the broker mode, end to end: a real `treaty serve`,
//! one token per team, and `treaty check --broker` on a real git
//! repository. The check fails, the producer proposes, the two affected
//! consumers approve with their own tokens, the check passes; one more
//! change and it fails again, and approvals on the old change set are
//! refused. Who may decide is the broker's to enforce.

mod common;

use std::path::Path;

use common::git_repo::{edit, interface, repo};
use common::{Broker, TestResult, run_expecting};

/// A broker whose webhooks may go to loopback (nothing listens there:
/// the events stay queued, and are listed).
fn fresh() -> TestResult<Broker> {
    Broker::start_fresh_with(&["--webhook-allow", "127.0.0.1/32"])
}

struct Tokens {
    admin: String,
    payments: String,
    checkout: String,
    fulfillment: String,
    catalog: String,
    platform: String,
}

fn token(s: &Broker, admin: &str, team: &str, scopes: &[&str]) -> TestResult<String> {
    let mut args = vec!["token", "create", "--team", team];
    for scope in scopes {
        args.extend(["--scope", scope]);
    }
    let out = run_expecting(&mut s.command(admin, &args), 0)?;
    Ok(out.lines().next().ok_or("no token")?.trim().to_owned())
}

/// The example's teams in the broker, each with a token, and
/// `payments-api` published by its producer.
fn set_up(s: &Broker, ws: &Path) -> TestResult<Tokens> {
    let admin = s.bootstrap_token()?;
    for team in ["payments", "checkout", "fulfillment", "catalog", "platform"] {
        let webhook = format!("http://127.0.0.1:9/{team}");
        run_expecting(
            &mut s.command(
                &admin,
                &[
                    "team",
                    "create",
                    team,
                    "--name",
                    team,
                    "--webhook",
                    &webhook,
                ],
            ),
            0,
        )?;
    }
    let tokens = Tokens {
        payments: token(s, &admin, "payments", &["publish", "approve"])?,
        checkout: token(s, &admin, "checkout", &["approve"])?,
        fulfillment: token(s, &admin, "fulfillment", &["approve"])?,
        catalog: token(s, &admin, "catalog", &["approve"])?,
        platform: token(s, &admin, "platform", &["approve"])?,
        admin,
    };
    let dir = ws.to_str().ok_or("path")?;
    run_expecting(
        &mut s.command(
            &tokens.payments,
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
    Ok(tokens)
}

/// `treaty check --format json` against the broker: exit code and report.
fn check(s: &Broker, token: &str, ws: &Path) -> TestResult<(i32, serde_json::Value)> {
    let out = s
        .command(token, &["check", "--format", "json"])
        .arg(ws)
        .output()?;
    let report = serde_json::from_slice(&out.stdout).map_err(|e| {
        format!(
            "check printed no JSON ({e}): {}",
            String::from_utf8_lossy(&out.stderr)
        )
    })?;
    Ok((out.status.code().unwrap_or(-1), report))
}

fn propose(s: &Broker, token: &str, ws: &Path) -> TestResult<String> {
    let dir = ws.to_str().ok_or("path")?;
    run_expecting(
        &mut s.command(
            token,
            &[
                "propose",
                "payments-api",
                "--dir",
                dir,
                "--title",
                "Drop SEK and CHF",
                "--rollback",
                "Restore the enum values and redeploy payments 1.4",
            ],
        ),
        0,
    )
}

/// `treaty approve|reject ID --broker` with `token` and `extra` arguments;
/// requires exit `code`; answers stdout then stderr.
fn decide(
    s: &Broker,
    token: &str,
    decision: &str,
    extra: &[&str],
    code: i32,
) -> TestResult<String> {
    let mut args = vec![decision, "cp-1", "--reason", "reviewed the impact"];
    args.extend(extra);
    run_expecting(&mut s.command(token, &args), code)
}

fn state(report: &serde_json::Value) -> serde_json::Value {
    interface(report, "payments-api")["proposal"]["state"].clone()
}

#[test]
fn propose_two_approvals_pass_then_one_more_change_fails_again() -> TestResult {
    let s = fresh()?;
    let (_dir, ws) = repo();
    let t = set_up(&s, &ws)?;
    edit(
        &ws,
        "schemas/payments-api.openapi.yaml",
        "enum: [EUR, USD, GBP, SEK, CHF]",
        "enum: [EUR, USD, GBP]",
    );
    let (code, r) = check(&s, &t.checkout, &ws)?;
    assert_eq!((code, state(&r)), (1, "none".into()), "{r}");

    let out = propose(&s, &t.payments, &ws)?;
    assert!(
        out.contains("cp-1") && out.contains("decision log"),
        "{out}"
    );
    // Proposing the same change set again is a repeat, not a second proposal.
    let again = propose(&s, &t.payments, &ws)?;
    assert!(
        again.contains("cp-1") && !again.contains("decision log"),
        "{again}"
    );
    let (code, r) = check(&s, &t.checkout, &ws)?;
    assert_eq!((code, state(&r)), (1, "pending".into()), "{r}");
    // The impact: the consumers, the operations, and the teams behind the
    // consumers (catalog consumes an interface of checkout's).
    let cp: serde_json::Value = common::http_agent(std::time::Duration::from_secs(10))
        .get(&format!("{}/api/v1/proposals/cp-1", s.url()))
        .header("Authorization", &format!("Bearer {}", t.checkout))
        .call()?
        .body_mut()
        .read_json()?;
    assert_eq!(
        cp["impact"]["consumers"],
        serde_json::json!(["checkout", "fulfillment"])
    );
    assert_eq!(cp["impact"]["behind"], serde_json::json!(["catalog"]));
    assert!(
        cp["impact"]["operations"]
            .as_array()
            .is_some_and(|o| o.iter().any(|o| o == "POST /payments")),
        "{cp}"
    );

    // Nobody decides for another team: not a consumer for a consumer, not
    // the proposer for a consumer, not a team that is not asked, not an
    // administrator.
    let out = decide(&s, &t.checkout, "approve", &["--team", "fulfillment"], 2)?;
    assert!(
        out.contains("cannot decide for team `fulfillment`"),
        "{out}"
    );
    let out = decide(&s, &t.payments, "approve", &["--team", "checkout"], 2)?;
    assert!(out.contains("cannot decide for team `checkout`"), "{out}");
    let out = decide(&s, &t.catalog, "approve", &[], 2)?;
    assert!(out.contains("not asked for"), "{out}");
    let out = decide(&s, &t.admin, "approve", &["--team", "checkout"], 2)?;
    assert!(out.contains("cannot decide for team `checkout`"), "{out}");

    for token in [&t.payments, &t.checkout] {
        decide(&s, token, "approve", &[], 0)?;
    }
    let (code, r) = check(&s, &t.checkout, &ws)?;
    assert_eq!((code, state(&r)), (1, "pending".into()), "{r}");
    let out = decide(&s, &t.fulfillment, "approve", &[], 0)?;
    assert!(out.contains("it is approved"), "{out}");
    let (code, r) = check(&s, &t.checkout, &ws)?;
    assert_eq!((code, state(&r)), (0, "approved".into()), "{r}");
    assert_eq!(
        interface(&r, "payments-api")["changes"][0]["standing"],
        "approved"
    );
    let approved_hash = interface(&r, "payments-api")["proposal"]["change_set"].clone();

    // One more change: the approval does not cover it.
    edit(
        &ws,
        "schemas/payments-api.openapi.yaml",
        "enum: [EUR, USD, GBP]",
        "enum: [EUR, USD]",
    );
    let (code, r) = check(&s, &t.checkout, &ws)?;
    assert_eq!((code, state(&r)), (1, "other_change_set".into()), "{r}");

    // Proposing again replaces cp-1's change set: the old approvals no
    // longer count, and one taken on the old hash is refused.
    let out = propose(&s, &t.payments, &ws)?;
    assert!(out.contains("cp-1") && out.contains("open"), "{out}");
    let old = approved_hash.as_str().ok_or("hash")?;
    let out = decide(&s, &t.checkout, "approve", &["--change-set", old], 2)?;
    assert!(out.contains("review the changes again"), "{out}");
    let (code, r) = check(&s, &t.checkout, &ws)?;
    assert_eq!((code, state(&r)), (1, "pending".into()), "{r}");
    Ok(())
}

#[test]
fn a_rejection_keeps_the_check_failing_and_everyone_hears_of_it() -> TestResult {
    let s = fresh()?;
    let (_dir, ws) = repo();
    let t = set_up(&s, &ws)?;
    edit(
        &ws,
        "schemas/payments-api.openapi.yaml",
        "enum: [EUR, USD, GBP, SEK, CHF]",
        "enum: [EUR, USD, GBP]",
    );
    propose(&s, &t.payments, &ws)?;
    let out = decide(&s, &t.checkout, "reject", &[], 0)?;
    assert!(out.contains("rejected cp-1 on change set sha256:"), "{out}");
    // What an approver reads before deciding, and after.
    let shown = run_expecting(
        &mut s.command(&t.fulfillment, &["proposal", "show", "cp-1"]),
        0,
    )?;
    for line in [
        "cp-1 (breaking) on `payments-api` by payments: Drop SEK and CHF",
        "state: rejected",
        "breaks: checkout, fulfillment",
        "rollback: Restore the enum values",
        "checkout rejected: reviewed the impact",
    ] {
        assert!(shown.contains(line), "{line} not in:\n{shown}");
    }
    let (code, r) = check(&s, &t.checkout, &ws)?;
    assert_eq!((code, state(&r)), (1, "rejected".into()), "{r}");

    // Fulfillment was asked, then told of the rejection, by webhook events
    // queued with the decisions.
    let out = run_expecting(
        &mut s.command(
            &t.admin,
            &[
                "notifications",
                "list",
                "--team",
                "fulfillment",
                "--format",
                "json",
            ],
        ),
        0,
    )?;
    assert!(out.contains("proposal.approval_needed"), "{out}");
    assert!(out.contains("proposal.rejected"), "{out}");
    Ok(())
}

#[test]
fn a_broker_that_cannot_be_reached_keeps_the_check_failing() -> TestResult {
    let (_dir, ws) = repo();
    edit(
        &ws,
        "schemas/payments-api.openapi.yaml",
        "enum: [EUR, USD, GBP, SEK, CHF]",
        "enum: [EUR, USD, GBP]",
    );
    let out = common::treaty()
        .args([
            "check",
            "--format",
            "json",
            "--broker",
            "http://127.0.0.1:9",
        ])
        .arg(&ws)
        .output()?;
    assert_eq!(out.status.code(), Some(1));
    let r: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    assert_eq!(state(&r), "unavailable", "{r}");
    Ok(())
}

#[test]
fn a_waiver_in_the_broker_lets_the_failure_through_and_a_proposal_ships() -> TestResult {
    let s = fresh()?;
    let (_dir, ws) = repo();
    let t = set_up(&s, &ws)?;
    edit(
        &ws,
        "schemas/payments-api.openapi.yaml",
        "enum: [EUR, USD, GBP, SEK, CHF]",
        "enum: [EUR, USD, GBP]",
    );
    let (_, r) = check(&s, &t.checkout, &ws)?;
    let rule = interface(&r, "payments-api")["changes"][0]["rule"]
        .as_str()
        .ok_or("rule")?
        .to_owned();
    let until = jiff::Zoned::now()
        .date()
        .checked_add(jiff::Span::new().days(30))?
        .to_string();
    let dir = ws.to_str().ok_or("path")?;
    let out = run_expecting(
        &mut s.command(
            &t.payments,
            &[
                "waive",
                "payments-api",
                "--rule",
                &rule,
                "--until",
                &until,
                "--reason",
                "the acquirer drops them next month",
                "--dir",
                dir,
            ],
        ),
        0,
    )?;
    assert!(out.contains("w-1") && out.contains("open"), "{out}");
    // Not approved yet: the check still fails.
    let (code, _) = check(&s, &t.checkout, &ws)?;
    assert_eq!(code, 1);
    // A consumer is not asked for a waiver (the workspace's rule names the
    // producer and platform).
    let out = run_expecting(
        &mut s.command(&t.checkout, &["approve", "w-1", "--reason", "fine by us"]),
        2,
    )?;
    assert!(out.contains("not asked for"), "{out}");
    for token in [&t.payments, &t.platform] {
        run_expecting(
            &mut s.command(token, &["approve", "w-1", "--reason", "ours to waive"]),
            0,
        )?;
    }
    let (code, r) = check(&s, &t.checkout, &ws)?;
    assert_eq!(code, 0, "{r}");
    assert_eq!(
        interface(&r, "payments-api")["changes"][0]["standing"],
        "waived"
    );

    // The life cycle in the broker: a proposal ships only once approved.
    let moved = |token: &str, verb: &str, code: i32| {
        run_expecting(
            &mut s.command(
                token,
                &["proposal", verb, "cp-1", "--reason", "release 2027-01"],
            ),
            code,
        )
    };
    // The waiver passes the check, so there is nothing to propose; withdraw
    // the waiver and propose.
    run_expecting(
        &mut s.command(
            &t.payments,
            &[
                "proposal",
                "withdraw",
                "w-1",
                "--reason",
                "proposing instead",
            ],
        ),
        0,
    )?;
    propose(&s, &t.payments, &ws)?;
    let out = moved(&t.payments, "ship", 2)?;
    assert!(out.contains("only an approved proposal ships"), "{out}");
    let out = moved(&t.checkout, "withdraw", 2)?;
    assert!(out.contains("belongs to"), "{out}");
    for token in [&t.payments, &t.checkout, &t.fulfillment] {
        decide(&s, token, "approve", &[], 0)?;
    }
    let out = moved(&t.payments, "ship", 0)?;
    assert!(out.contains("cp-1 is shipped"), "{out}");
    let out = moved(&t.payments, "roll-back", 0)?;
    assert!(out.contains("cp-1 is rolled_back"), "{out}");
    Ok(())
}
