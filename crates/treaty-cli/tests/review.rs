//! `treaty review` on a real git history: the January train's file is
//! committed, then changed after its feature freeze (an item added, the
//! ship date moved), a proposal is approved the day before shipping, a
//! commitment is recorded as broken and the release is marked shipped.
//! The review's timeline, index and lessons say so; February's review
//! compares its index with January's.

mod common;

use std::path::Path;

use common::git_repo::{edit, git, git_on, repo};
use common::run_expecting;

/// Commits every change with a chosen date.
fn commit_on(dir: &Path, date: &str, message: &str) {
    git(dir, &["add", "-A"]);
    git_on(dir, date, &["commit", "-q", "-m", message]);
}

const LATE_ITEM: &str = "  - id: gift-wrapping
    title: Gift wrapping at checkout
    owner: checkout
    essential: false
    done:
      - id: e2e-pass
        description: End-to-end tests pass.
        evidence: {kind: junit, source: reports/checkout/gift/*.xml}
        threshold: {metric: pass_rate, min: 1.0}

  - id: stock-badges
";

const PROPOSAL: &str = "id: cp-1
title: Drop the legacy refund status
interface: payments-api
proposer: payments
change_set: sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
changes:
  - rule: enum-value-removed
    message: refund status `legacy` removed
    affects: [checkout]
essential: true
rollback: Restore the value and redeploy.
target_release: 2027-01
decisions:
  - {team: payments, decision: approve, by: tbauer, on: 2027-01-10, reason: ours}
  - {team: checkout, decision: approve, by: opetrov, on: 2027-01-24, reason: tested late}
";

#[test]
fn a_review_tells_the_trains_history_and_what_to_amend() {
    let (dir, ws) = repo();
    let root = dir.path();
    // After feature freeze (8 January): an item is added.
    edit(
        &ws,
        "releases/2027-01.yaml",
        "  - id: stock-badges\n",
        LATE_ITEM,
    );
    commit_on(root, "2027-01-12T10:00:00Z", "add gift wrapping");
    // The ship date moves by three days.
    edit(
        &ws,
        "releases/2027-01.yaml",
        "  ship: 2027-01-22",
        "  ship: 2027-01-25",
    );
    commit_on(root, "2027-01-20T10:00:00Z", "ship on the 25th");
    // A proposal approved the day before shipping; a commitment broken;
    // the release shipped.
    std::fs::create_dir_all(ws.join("proposals")).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(ws.join("proposals/cp-1.yaml"), PROPOSAL).unwrap_or_else(|e| panic!("{e}"));
    edit(
        &ws,
        "releases/2027-01.yaml",
        "status: active",
        "status: shipped",
    );
    edit(
        &ws,
        "releases/2027-01.yaml",
        "    promise: Defects in the refund path found by checkout are fixed within two working days.\n",
        "    promise: Defects in the refund path found by checkout are fixed within two working days.\n    kept: false\n",
    );
    commit_on(root, "2027-01-25T16:00:00Z", "shipped");

    let run = |args: &[&str]| {
        let mut c = common::treaty();
        c.args(args)
            .arg("--dir")
            .arg(&ws)
            .arg("--now")
            .arg("2027-02-01T00:00:00Z");
        run_expecting(&mut c, 0).unwrap_or_else(|e| panic!("{e}"))
    };
    let json: serde_json::Value =
        serde_json::from_str(&run(&["review", "2027-01", "--format", "json"]))
            .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(json["index"]["late_scope_changes"], 1, "{json:#}");
    assert_eq!(json["index"]["late_approvals"], 1, "{json:#}");
    assert_eq!(json["index"]["total"], 2);
    assert_eq!(json["shipped"], "2027-01-25T16:00:00Z");
    let lessons: Vec<&str> = json["lessons"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|l| l["observation"].as_str())
        .collect();
    assert_eq!(
        lessons,
        [
            "the ship date moved 1 time(s), 3 days in all",
            "1 scope item(s) added or removed after feature freeze",
            "1 approval(s) given within 48 hours of ship",
            "commitment `refund-defects-fixed-fast` of payments was not kept",
        ]
    );
    // The gift wrapping item was planned 13 days before it shipped.
    let lead = json["lead_times"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|l| l[0] == "gift-wrapping")
        .map(|l| l[1].clone());
    assert_eq!(lead, Some(serde_json::json!(13)));

    let markdown = run(&["review", "2027-01"]);
    insta::assert_snapshot!("review_2027_01", markdown);

    // February compares itself with January.
    let feb: serde_json::Value =
        serde_json::from_str(&run(&["review", "2027-02", "--format", "json"]))
            .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(feb["previous_index"][0], "2027-01");
    assert_eq!(feb["previous_index"][1]["late_scope_changes"], 1);
    assert_eq!(feb["index"]["total"], 0);
}

#[test]
fn a_release_without_a_file_of_its_name_is_refused() {
    let (_dir, ws) = repo();
    let mut c = common::treaty();
    c.args(["review", "2027-09", "--dir"]).arg(&ws);
    let err = run_expecting(&mut c, 2).unwrap_or_else(|e| panic!("{e}"));
    assert!(err.contains("no release `2027-09`"), "{err}");
}
