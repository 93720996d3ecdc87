//! Change proposals in the repository-only mode, end to end on a real git
//! repository: the check fails, `treaty propose` writes the proposal, the
//! approvals governance asks for are added to it, the check passes; one
//! more change and it fails again.

mod common;

use std::path::Path;

use common::git_repo::{check, edit, interface, repo};
use common::treaty;

fn propose(ws: &Path) -> std::process::Output {
    treaty()
        .args(["propose", "payments-api", "--dir"])
        .arg(ws)
        .args([
            "--title",
            "Drop SEK and CHF",
            "--rollback",
            "Restore the enum values and redeploy payments 1.4",
            "--reason",
            "The acquirer no longer settles them",
        ])
        .output()
        .unwrap_or_else(|e| panic!("cannot run treaty: {e}"))
}

/// Runs `treaty propose`, which must succeed.
fn proposed(ws: &Path) {
    let out = propose(ws);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Records each team's decision with `treaty approve` or `treaty reject`.
fn decide(ws: &Path, id: &str, decisions: &[(&str, &str)]) {
    for (team, decision) in decisions {
        let out = treaty()
            .args([
                decision,
                id,
                "--team",
                team,
                "--by",
                "someone",
                "--reason",
                "reviewed the impact",
                "--dir",
            ])
            .arg(ws)
            .output()
            .unwrap_or_else(|e| panic!("cannot run treaty: {e}"));
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

fn drop_currencies(ws: &Path) {
    edit(
        ws,
        "schemas/payments-api.openapi.yaml",
        "enum: [EUR, USD, GBP, SEK, CHF]",
        "enum: [EUR, USD, GBP]",
    );
}

#[test]
fn propose_then_two_approvals_pass_the_check_until_the_change_set_changes() {
    let (_dir, ws) = repo();
    drop_currencies(&ws);
    let (out, r) = check(&ws, "HEAD");
    assert_eq!(out.status.code(), Some(1), "{r}");
    let payments = interface(&r, "payments-api");
    assert_eq!(payments["proposal"]["state"], "none", "{payments}");
    assert_eq!(
        payments["needs_approval"]["from"],
        serde_json::json!([
            "payments (producer)",
            "checkout (affected consumer)",
            "fulfillment (affected consumer)"
        ])
    );

    proposed(&ws);
    assert!(ws.join("proposals/cp-1.yaml").is_file());
    // The proposal is a valid workspace file.
    let valid = treaty()
        .arg("validate")
        .arg(&ws)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        valid.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&valid.stdout)
    );

    // Open, not yet approved: still failing, and it says whom it awaits.
    let (out, r) = check(&ws, "HEAD");
    assert_eq!(out.status.code(), Some(1), "{r}");
    let payments = interface(&r, "payments-api");
    assert_eq!(payments["proposal"]["state"], "pending", "{payments}");
    assert_eq!(payments["proposal"]["id"], "cp-1");

    // The producer and one of two consumers: still pending.
    decide(
        &ws,
        "cp-1",
        &[("payments", "approve"), ("checkout", "approve")],
    );
    let (out, r) = check(&ws, "HEAD");
    assert_eq!(out.status.code(), Some(1), "{r}");
    let detail = interface(&r, "payments-api")["proposal"]["detail"].clone();
    assert!(
        detail.as_str().is_some_and(|d| d.contains("fulfillment")),
        "{detail}"
    );

    // Every approval: the check passes, the changes are approved.
    decide(
        &ws,
        "cp-1",
        &[
            ("payments", "approve"),
            ("checkout", "approve"),
            ("fulfillment", "approve"),
        ],
    );
    let (out, r) = check(&ws, "HEAD");
    assert_eq!(out.status.code(), Some(0), "{r}");
    let payments = interface(&r, "payments-api");
    assert_eq!(payments["status"], "pass");
    assert_eq!(payments["proposal"]["state"], "approved");
    assert_eq!(payments["changes"][0]["standing"], "approved");

    // One more breaking change: another change set, not covered.
    edit(
        &ws,
        "schemas/payments-api.openapi.yaml",
        "enum: [EUR, USD, GBP]",
        "enum: [EUR, USD]",
    );
    let (out, r) = check(&ws, "HEAD");
    assert_eq!(out.status.code(), Some(1), "{r}");
    assert_eq!(
        interface(&r, "payments-api")["proposal"]["state"],
        "other_change_set"
    );
}

#[test]
fn a_required_teams_rejection_keeps_the_check_failing() {
    let (_dir, ws) = repo();
    drop_currencies(&ws);
    proposed(&ws);
    decide(
        &ws,
        "cp-1",
        &[
            ("payments", "approve"),
            ("checkout", "reject"),
            ("fulfillment", "approve"),
        ],
    );
    let (out, r) = check(&ws, "HEAD");
    assert_eq!(out.status.code(), Some(1), "{r}");
    assert_eq!(
        interface(&r, "payments-api")["proposal"]["state"],
        "rejected"
    );
}

#[test]
fn nothing_to_propose_when_the_interface_passes() {
    let (_dir, ws) = repo();
    let out = propose(&ws);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing to propose"));
    assert!(!ws.join("proposals").exists());
}

#[test]
fn a_decision_for_an_unknown_team_writes_nothing() {
    let (_dir, ws) = repo();
    drop_currencies(&ws);
    proposed(&ws);
    let before = std::fs::read_to_string(ws.join("proposals/cp-1.yaml")).unwrap_or_default();
    let out = treaty()
        .args([
            "approve", "cp-1", "--team", "nobody", "--by", "x", "--reason", "y", "--dir",
        ])
        .arg(&ws)
        .output()
        .unwrap_or_else(|e| panic!("cannot run treaty: {e}"));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown team `nobody`"));
    let after = std::fs::read_to_string(ws.join("proposals/cp-1.yaml")).unwrap_or_default();
    assert_eq!(before, after);
}
