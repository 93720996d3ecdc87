//! Waivers and proposal transitions in the repository-only mode, end to
//! end on a real git repository: the check fails, `treaty waive` writes a
//! waiver, the approvals governance asks for are added, the check passes
//! with the change waived until the waiver expires; a rule not waived
//! still fails. Then proposals moved through their life cycle with who
//! and why.

mod common;

use std::path::Path;
use std::process::Output;

use common::git_repo::{check_with, edit, interface, repo};
use common::treaty;

/// A day outside the example's year-end freeze and before every expiry
/// written here.
const BEFORE: &str = "2027-06-01";
/// The waivers' last day: in the future of any real day these tests run.
const EXPIRES: &str = "2099-01-31";
/// The day after it.
const AFTER: &str = "2099-02-01";

fn run(ws: &Path, args: &[&str]) -> Output {
    treaty()
        .args(args)
        .arg("--dir")
        .arg(ws)
        .output()
        .unwrap_or_else(|e| panic!("cannot run treaty: {e}"))
}

fn succeeds(ws: &Path, args: &[&str]) {
    let out = run(ws, args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Runs `args`, which must be refused (exit 2) with `message` and change
/// nothing in `file`.
fn refused(ws: &Path, args: &[&str], message: &str, file: &str) {
    let before = std::fs::read_to_string(ws.join(file)).ok();
    let out = run(ws, args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
    assert!(stderr.contains(message), "{args:?}: {stderr}");
    assert_eq!(
        std::fs::read_to_string(ws.join(file)).ok(),
        before,
        "{file}"
    );
}

/// `treaty validate` finds nothing wrong in `ws`.
fn validates(ws: &Path) {
    let valid = treaty()
        .arg("validate")
        .arg(ws)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        valid.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&valid.stdout)
    );
}

fn check_on(ws: &Path, today: &str) -> (Output, serde_json::Value) {
    check_with(ws, &["--base", "HEAD", "--today", today])
}

fn drop_currencies(ws: &Path) {
    edit(
        ws,
        "schemas/payments-api.openapi.yaml",
        "enum: [EUR, USD, GBP, SEK, CHF]",
        "enum: [EUR, USD, GBP]",
    );
}

fn waive(rules: &[&str], until: &str, reason: &str, team: &str) -> Vec<String> {
    let mut args = vec!["waive".to_owned(), "payments-api".to_owned()];
    for r in rules {
        args.extend(["--rule".to_owned(), (*r).to_owned()]);
    }
    args.extend(
        ["--until", until, "--reason", reason, "--team", team]
            .iter()
            .map(|s| (*s).to_owned()),
    );
    args
}

fn approve(ws: &Path, id: &str, team: &str) {
    succeeds(
        ws,
        &[
            "approve",
            id,
            "--team",
            team,
            "--by",
            "someone",
            "--reason",
            "understood",
        ],
    );
}

#[test]
fn an_approved_waiver_lets_its_rule_through_until_it_expires() {
    let (_dir, ws) = repo();
    drop_currencies(&ws);
    let (out, r) = check_on(&ws, BEFORE);
    assert_eq!(out.status.code(), Some(1), "{r}");

    let args = waive(
        &["enum-value-removed"],
        EXPIRES,
        "SEK and CHF settle elsewhere",
        "payments",
    );
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    succeeds(&ws, &args);
    let text = std::fs::read_to_string(ws.join("waivers/w-1.yaml")).unwrap_or_default();
    assert!(text.contains("expires: 2099-01-31"), "{text}");
    validates(&ws);

    // Not approved yet: still failing, and it says whom it awaits.
    let (out, r) = check_on(&ws, BEFORE);
    assert_eq!(out.status.code(), Some(1), "{r}");
    let waiver = &interface(&r, "payments-api")["waivers"][0];
    assert_eq!(waiver["id"], "w-1");
    assert_eq!(waiver["state"], "pending", "{waiver}");
    assert!(
        waiver["detail"]
            .as_str()
            .is_some_and(|d| d.contains("payments (producer)")),
        "{waiver}"
    );

    // The producer, then the team governance names for waivers.
    approve(&ws, "w-1", "payments");
    let (out, r) = check_on(&ws, BEFORE);
    assert_eq!(out.status.code(), Some(1), "{r}");
    approve(&ws, "w-1", "platform");
    let (out, r) = check_on(&ws, BEFORE);
    assert_eq!(out.status.code(), Some(0), "{r}");
    let payments = interface(&r, "payments-api");
    assert_eq!(payments["status"], "pass");
    assert_eq!(payments["waivers"][0]["state"], "approved");
    assert_eq!(payments["waivers"][0]["waived"], 1);
    let breaking = &payments["changes"][0];
    assert_eq!(breaking["standing"], "waived", "{payments}");
    assert_eq!(breaking["waived_by"], "w-1");

    // Its last day counts; the day after, it waives nothing.
    let (out, r) = check_on(&ws, EXPIRES);
    assert_eq!(out.status.code(), Some(0), "{r}");
    let (out, r) = check_on(&ws, AFTER);
    assert_eq!(out.status.code(), Some(1), "{r}");
    let payments = interface(&r, "payments-api");
    assert_eq!(payments["waivers"][0]["state"], "expired");
    assert_eq!(
        payments["waivers"][0]["detail"],
        "waiver w-1 expired on 2099-01-31"
    );
    assert_eq!(payments["changes"][0]["standing"], "fails");

    // A second breaking change under another rule still fails, and the
    // proposal's change set is what the waiver leaves.
    edit(
        &ws,
        "schemas/payments-api.openapi.yaml",
        "orderId: { type: string, minLength: 1, maxLength: 64 }",
        "orderId: { type: string, minLength: 1, maxLength: 32 }",
    );
    let (out, r) = check_on(&ws, BEFORE);
    assert_eq!(out.status.code(), Some(1), "{r}");
    let payments = interface(&r, "payments-api");
    let standings: Vec<(String, String)> = payments["changes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| c["level"] == "breaking")
        .map(|c| (c["rule"].to_string(), c["standing"].to_string()))
        .collect();
    assert_eq!(
        standings,
        vec![
            (
                "\"max-length-decreased\"".to_owned(),
                "\"fails\"".to_owned()
            ),
            ("\"enum-value-removed\"".to_owned(), "\"waived\"".to_owned()),
        ]
    );

    // The reports for people name the waiver.
    let text = check_text(&ws, "text");
    assert!(text.contains("(waived by w-1 until 2099-01-31)"), "{text}");
    assert!(
        text.contains("waiver w-1 lets `enum-value-removed` through until 2099-01-31"),
        "{text}"
    );
    insta::assert_snapshot!("one_waived_one_failing_text", text);
    let markdown = check_text(&ws, "markdown");
    assert!(
        markdown.contains("`payments-api`: waiver w-1 lets `enum-value-removed` through"),
        "{markdown}"
    );
    insta::assert_snapshot!("one_waived_one_failing_markdown", markdown);

    // Withdrawn, it waives nothing.
    succeeds(
        &ws,
        &[
            "proposal",
            "withdraw",
            "w-1",
            "--by",
            "ana",
            "--reason",
            "fixed instead",
        ],
    );
    let text = std::fs::read_to_string(ws.join("waivers/w-1.yaml")).unwrap_or_default();
    assert!(text.contains("state: withdrawn"), "{text}");
    let (_, r) = check_on(&ws, BEFORE);
    assert_eq!(
        interface(&r, "payments-api")["waivers"][0]["state"],
        "closed"
    );
}

fn check_text(ws: &Path, format: &str) -> String {
    let out = treaty()
        .current_dir(ws)
        .args([
            "check", "--base", "HEAD", "--today", BEFORE, "--format", format,
        ])
        .output()
        .unwrap_or_else(|e| panic!("cannot run treaty: {e}"));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn treaty_waive_refuses_what_would_not_hold_and_writes_nothing() {
    let (_dir, ws) = repo();
    let as_of_after = {
        let mut args = waive(&["enum-value-removed"], EXPIRES, "why", "payments");
        args.extend(["--today".to_owned(), AFTER.to_owned()]);
        args
    };
    let cases: [(Vec<String>, &str); 7] = [
        (
            as_of_after,
            "--until 2099-01-31 is in the past (today is 2099-02-01)",
        ),
        (
            waive(&["enum-value-removed"], EXPIRES, "why", "payments")
                .into_iter()
                .map(|a| a.replace("payments-api", "payment-api"))
                .collect(),
            "did you mean `payments-api`?",
        ),
        (
            waive(&["enum-value-remove"], EXPIRES, "why", "payments"),
            "unknown rule `enum-value-remove`; did you mean `enum-value-removed`?",
        ),
        (
            waive(&["enum-value-removed"], EXPIRES, "why", "nobody"),
            "unknown team `nobody`",
        ),
        (
            waive(&["enum-value-removed"], "2020-01-01", "why", "payments"),
            "is in the past",
        ),
        (
            waive(&["enum-value-removed"], EXPIRES, "  ", "payments"),
            "--reason is empty",
        ),
        (
            waive(&["enum-value-removed"], "2099-02-30", "why", "payments"),
            "--until",
        ),
    ];
    for (args, message) in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        refused(&ws, &args, message, "waivers/w-1.yaml");
        assert!(!ws.join("waivers").exists(), "{args:?}");
    }
}

#[test]
fn proposals_move_through_their_life_cycle_with_who_and_why() {
    let (_dir, ws) = repo();
    drop_currencies(&ws);
    let file = "proposals/cp-1.yaml";
    let transition = |what: &'static str| {
        vec![
            "proposal",
            what,
            "cp-1",
            "--by",
            "ana",
            "--reason",
            "release 2027-01",
        ]
    };
    // A draft is opened before anything else.
    succeeds(
        &ws,
        &[
            "propose",
            "payments-api",
            "--title",
            "Drop SEK and CHF",
            "--rollback",
            "Restore the values",
            "--draft",
        ],
    );
    let text = std::fs::read_to_string(ws.join(file)).unwrap_or_default();
    assert!(text.contains("state: draft"), "{text}");
    refused(&ws, &transition("ship"), "cannot become shipped", file);
    succeeds(&ws, &transition("open"));

    // Open, not approved: it does not ship.
    refused(
        &ws,
        &transition("ship"),
        "a proposal that is open cannot become shipped: only an approved proposal ships",
        file,
    );
    refused(
        &ws,
        &transition("roll-back"),
        "only a shipped proposal is rolled back",
        file,
    );

    // Approved by every team governance asks: it ships, and the file says
    // who shipped it and why, its comments kept and decisions last.
    for team in ["payments", "checkout", "fulfillment"] {
        approve(&ws, "cp-1", team);
    }
    succeeds(&ws, &transition("ship"));
    let text = std::fs::read_to_string(ws.join(file)).unwrap_or_default();
    assert!(text.contains("state: shipped"), "{text}");
    assert!(
        text.starts_with("\n# Written by `treaty propose`"),
        "{text}"
    );
    let transitions = text.find("\ntransitions:").unwrap_or(usize::MAX);
    let decisions = text.find("\ndecisions:").unwrap_or(0);
    assert!(transitions < decisions, "{text}");
    assert!(
        text.contains("  - to: shipped\n    by: \"ana\"\n"),
        "{text}"
    );
    assert!(text.contains("  - to: open\n"), "{text}");

    // Shipped: rolled back, not withdrawn.
    refused(
        &ws,
        &transition("withdraw"),
        "cannot become withdrawn",
        file,
    );
    succeeds(&ws, &transition("roll-back"));
    let text = std::fs::read_to_string(ws.join(file)).unwrap_or_default();
    assert!(text.contains("state: rolled_back"), "{text}");
    assert_eq!(text.matches("  - to: ").count(), 3, "{text}");
    validates(&ws);

    // A waiver is never shipped.
    refused(
        &ws,
        &["proposal", "ship", "w-1", "--by", "ana", "--reason", "x"],
        "a waiver is never shipped",
        "waivers/w-1.yaml",
    );
}
