//! `treaty gate` and `treaty status` in the repository-only mode, end to
//! end on a copy of `examples/acme`: no evidence is a no-go; real reports
//! (nextest's JUnit, a SARIF scan, a metrics file) dropped where the
//! criteria's globs look, plus one given on the command line, turn it into
//! a go; a failing report, a malformed one and one that matches nothing
//! are each caught with the right exit code.

mod common;

use std::path::{Path, PathBuf};

use common::{TestContext, copy_dir, repo_root, run_expecting};

const NOW: &str = "2027-01-20T12:00:00Z";

fn fixture(rel: &str) -> PathBuf {
    repo_root()
        .join("crates/treaty-evidence/tests/data")
        .join(rel)
}

fn workspace() -> TestContext {
    let ctx = TestContext::new();
    copy_dir(&common::acme(), ctx.path()).unwrap_or_else(|e| panic!("copy acme: {e}"));
    ctx
}

fn copy(ctx: &TestContext, from: &Path, to: &str) {
    let bytes = std::fs::read(from).unwrap_or_else(|e| panic!("{}: {e}", from.display()));
    ctx.write(to, bytes);
}

/// Every report the 2027-01 criteria look for, all passing, except the
/// named metrics, which `metrics.json` (given on the command line) holds.
fn passing_reports(ctx: &TestContext) {
    let pass = fixture("junit/nextest-pass.xml");
    for to in [
        "reports/inventory/unit/junit.xml",
        "reports/fulfillment/junit.xml",
        "reports/payments/nested/deeper/junit.xml",
        "reports/catalog/junit.xml",
        "reports/checkout/e2e/junit.xml",
    ] {
        copy(ctx, &pass, to);
    }
    ctx.write(
        "reports/payments/semgrep.sarif",
        r#"{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "semgrep"}}, "results": []}]}"#,
    );
    ctx.write(
        "metrics.json",
        r#"{"version": 1, "entries": [
  {"name": "inventory/reserve-stock-3-warehouses", "metrics": {"p99_latency": {"value": 0.0852, "unit": "s"}}},
  {"name": "fulfillment-service", "metrics": {"failed_verifications": 0}},
  {"name": "inventory-service", "metrics": {"failed_verifications": 0}},
  {"name": "payments-api/refund-latency", "metrics": {"p99_latency": {"value": 640, "unit": "ms"}}},
  {"name": "checkout/order-status-page", "metrics": {"p95_latency": {"value": 900, "unit": "ms"}}}
]}"#,
    );
}

fn gate(ctx: &TestContext, extra: &[&str], code: i32) -> String {
    let mut args = vec!["gate", "2027-01", "--now", NOW];
    args.extend_from_slice(extra);
    run_expecting(&mut ctx.command(&args), code).unwrap_or_else(|e| panic!("{e}"))
}

fn json(out: &str) -> serde_json::Value {
    serde_json::from_str(out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

#[test]
fn no_evidence_is_no_go_and_real_reports_make_it_go() {
    let ctx = workspace();
    let before = json(&gate(&ctx, &["--format", "json"], 1));
    assert_eq!(before["decision"], "no_go");
    let blocking: Vec<&str> = before["reasons"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["weight"] == "blocking")
        .filter_map(|r| r["subject"].as_str())
        .collect();
    assert_eq!(
        blocking,
        [
            "multi-warehouse-reservations",
            "split-shipments",
            "stock-badges"
        ]
    );

    passing_reports(&ctx);
    let after = json(&gate(
        &ctx,
        &["--evidence", "metrics.json", "--format", "json"],
        0,
    ));
    assert_eq!(after["decision"], "go", "{after:#}");
    let latency = &after["items"][0]["criteria"][1];
    assert_eq!(latency["id"], "reserve-latency");
    // 0.0852 s read as the threshold's milliseconds.
    assert_eq!(latency["value"], 85.2);
    assert_eq!(
        after["items"][2]["criteria"][0]["evidence"],
        "reports/payments/nested/deeper/junit.xml"
    );

    let text = gate(&ctx, &["--evidence", "metrics.json"], 0);
    insta::assert_snapshot!("gate_go_text", text);
    let markdown = gate(
        &ctx,
        &["--evidence", "metrics.json", "--format", "markdown"],
        0,
    );
    insta::assert_snapshot!("gate_go_markdown", markdown);
    let status = run_expecting(
        &mut ctx.command(&["status", "2027-01", "--now", "2027-01-10T09:00:00Z"]),
        0,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    insta::assert_snapshot!("status_text", status);
}

#[test]
fn escalations_walk_each_teams_path() {
    let ctx = workspace();
    let none = run_expecting(
        &mut ctx.command(&["escalations", "2027-01", "--now", "2026-12-01T00:00:00Z"]),
        0,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(none, "no escalation is due\n");
    let due = run_expecting(
        &mut ctx.command(&["escalations", "2027-01", "--now", "2027-01-16T05:00:00Z"]),
        0,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    insta::assert_snapshot!("escalations_after_code_freeze", due);
}

#[test]
fn a_failing_report_given_for_one_criterion_stops_the_release() {
    let ctx = workspace();
    passing_reports(&ctx);
    let mixed = fixture("junit/nextest-mixed.xml");
    let target = format!("stock-badges/tests-pass={}", mixed.display());
    let out = json(&gate(
        &ctx,
        &[
            "--evidence",
            "metrics.json",
            "--evidence",
            &target,
            "--format",
            "json",
        ],
        1,
    ));
    let item = &out["items"][4];
    assert_eq!(item["id"], "stock-badges");
    assert_eq!(item["state"], "missing");
    assert_eq!(item["criteria"][0]["met"], false);
}

#[test]
fn a_high_finding_ships_partial_refunds_dark() {
    let ctx = workspace();
    passing_reports(&ctx);
    copy(
        &ctx,
        &fixture("sarif/semgrep.sarif"),
        "reports/payments/semgrep.sarif",
    );
    let out = json(&gate(
        &ctx,
        &["--evidence", "metrics.json", "--format", "json"],
        0,
    ));
    assert_eq!(out["items"][2]["state"], "dark");
    assert_eq!(out["items"][2]["flag"], "payments.partial-refunds");
    assert_eq!(
        out["items"][3]["state"], "dark",
        "the tracking page depends on it"
    );
}

#[test]
fn bad_input_is_exit_2_naming_the_file_and_line() {
    let ctx = workspace();
    passing_reports(&ctx);
    copy(
        &ctx,
        &fixture("junit/malformed-truncated.xml"),
        "reports/catalog/broken.xml",
    );
    let err = gate(&ctx, &["--evidence", "metrics.json"], 2);
    assert!(err.contains("reports/catalog/broken.xml:"), "{err}");
    assert!(err.contains("JUnit") || err.contains("junit"), "{err}");

    let ctx = workspace();
    ctx.write(
        "other.json",
        r#"{"version": 1, "entries": [{"name": "nobody/measures-this", "metrics": {"x": 1}}]}"#,
    );
    let err = gate(&ctx, &["--evidence", "other.json"], 2);
    assert!(
        err.contains("other.json: none of its entries (nobody/measures-this)"),
        "{err}"
    );

    let err = gate(&ctx, &["--ship", "payments"], 2);
    assert!(err.contains("COMPONENT=VERSION"), "{err}");

    let err =
        run_expecting(&mut ctx.command(&["gate", "2027-03"]), 2).unwrap_or_else(|e| panic!("{e}"));
    assert!(err.contains("no release `2027-03`"), "{err}");

    ctx.write(
        "releases/2027-01.yaml",
        "id: 2027-01\nmilestones: {ship: 2027-13-01}\n",
    );
    let err = gate(&ctx, &[], 2);
    assert!(err.contains("the workspace has 1 error"), "{err}");
    assert!(err.contains("releases/2027-01.yaml:2:20"), "{err}");
}

#[test]
fn a_digest_says_what_changed_since_the_last_one() {
    let ctx = workspace();
    let first = run_expecting(
        &mut ctx.command(&[
            "digest",
            "--team",
            "checkout",
            "--now",
            "2027-01-12T08:00:00Z",
            "--format",
            "json",
        ]),
        0,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    ctx.write("digest.json", &first);
    let first = json(&first);
    assert_eq!(first["changes"], serde_json::json!([]));
    assert_eq!(
        first["liaisons"][0],
        "release liaison: payments until 2027-01-18, then checkout"
    );

    // Fulfillment's tests arrive; a week later split shipments are still
    // missing a criterion, nearer the ship date: their risk rises.
    copy(
        &ctx,
        &fixture("junit/nextest-pass.xml"),
        "reports/fulfillment/junit.xml",
    );
    let second = run_expecting(
        &mut ctx.command(&[
            "digest",
            "--team",
            "checkout",
            "--now",
            "2027-01-19T08:00:00Z",
            "--previous",
            "digest.json",
        ]),
        0,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        second.contains(
            "2027-01/split-shipments, which you wait on: missing, risk medium → missing, risk high"
        ),
        "{second}"
    );
    insta::assert_snapshot!("digest_second_week", second);

    let err = run_expecting(
        &mut ctx.command(&["digest", "--team", "payments", "--previous", "digest.json"]),
        2,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        err.contains("the digest of team `checkout`, not `payments`"),
        "{err}"
    );
}
