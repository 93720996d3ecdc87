//! `treaty check` under transitive policies on git repositories built in
//! the test: how far back the history is read and where it says it
//! stopped, which version each finding was found against, a major version
//! bump accepting a break, renames followed; and `treaty changelog`
//! listing each change once.

mod common;

use common::git_repo::{check, check_with, commit_all, edit, git, interface, repo};

const SCHEMA: &str = "schemas/payments-api.openapi.yaml";
const INTERFACE: &str = "interfaces/payments-api.yaml";
const CURRENCIES: &str = "enum: [EUR, USD, GBP, SEK, CHF]";

fn short(commit: &str) -> String {
    commit.chars().take(10).collect()
}

/// Three more versions of payments-api's schema, each changing only the
/// server's description; returns their commits, oldest first.
fn three_versions(dir: &std::path::Path, ws: &std::path::Path) -> Vec<String> {
    let mut commits = Vec::new();
    for (from, to) in [
        ("Production\n", "Production (1)\n"),
        ("Production (1)\n", "Production (2)\n"),
        ("Production (2)\n", "Production (3)\n"),
    ] {
        edit(ws, SCHEMA, from, to);
        commits.push(commit_all(dir, to.trim()));
    }
    commits
}

#[test]
fn the_transitive_history_says_where_it_stopped() {
    let (dir, ws) = repo();
    let first = git(dir.path(), &["rev-parse", "HEAD"]);
    let later = three_versions(dir.path(), &ws);
    // Versions: first, later[0], later[1], later[2] (the base's content).
    let (out, r) = check_with(&ws, &["--base", "HEAD", "--max-history", "2"]);
    assert_eq!(out.status.code(), Some(0), "{r}");
    let history = &interface(&r, "payments-api")["history"];
    assert_eq!(history["compared"], 2, "{history}");
    assert_eq!(history["oldest"]["commit"], later[0].as_str(), "{history}");
    assert_eq!(history["stopped"]["cause"], "limit", "{history}");
    assert_eq!(history["stopped"]["before"]["commit"], first.as_str());
    assert_eq!(history["stopped"]["before"]["version"], "1.4.0");
    let text = String::from_utf8_lossy(
        &common::treaty()
            .current_dir(&ws)
            .args(["check", "--base", "HEAD", "--max-history", "2"])
            .output()
            .unwrap_or_else(|e| panic!("{e}"))
            .stdout,
    )
    .into_owned();
    assert!(
        text.contains(&format!(
            "  history: compared with 2 earlier versions, back to {} (1.4.0); not compared from {} (1.4.0) back: beyond --max-history 2\n",
            short(&later[0]),
            short(&first)
        )),
        "{text}"
    );
    // By default every version is read: nothing stopped.
    let (_, r) = check(&ws, "HEAD");
    let history = &interface(&r, "payments-api")["history"];
    assert_eq!(history["compared"], 3, "{history}");
    assert!(history["stopped"].is_null(), "{history}");
}

#[test]
fn a_transitive_finding_names_the_version_it_was_found_against() {
    let (dir, ws) = repo();
    let first = git(dir.path(), &["rev-parse", "HEAD"]);
    edit(&ws, INTERFACE, "current: 1.4.0", "current: 1.5.0");
    edit(&ws, SCHEMA, CURRENCIES, "enum: [EUR, USD, GBP, SEK]");
    commit_all(dir.path(), "Drop CHF");
    let (out, r) = check(&ws, "HEAD");
    assert_eq!(out.status.code(), Some(1), "{r}");
    let change = &interface(&r, "payments-api")["changes"][0];
    assert_eq!(change["rule"], "enum-value-removed", "{change}");
    assert_eq!(change["standing"], "fails");
    assert_eq!(change["found_against"]["commit"], first.as_str());
    assert_eq!(change["found_against"]["version"], "1.4.0");
    assert_eq!(
        change["affects"],
        serde_json::json!(["checkout", "fulfillment"])
    );
}

#[test]
fn a_major_version_bump_accepts_a_break_and_resets_the_transitive_baseline() {
    let (dir, ws) = repo();
    edit(&ws, SCHEMA, CURRENCIES, "enum: [EUR, USD, GBP, SEK]");
    // Without a bump the break fails.
    let (out, _) = check(&ws, "HEAD");
    assert_eq!(out.status.code(), Some(1));
    // With one, it is reported with the teams it breaks, and accepted.
    edit(&ws, INTERFACE, "current: 1.4.0", "current: 2.0.0");
    let (out, r) = check(&ws, "HEAD");
    assert_eq!(out.status.code(), Some(0), "{r}");
    let payments = interface(&r, "payments-api");
    assert_eq!(payments["status"], "pass");
    assert_eq!(
        payments["accepted_by"],
        serde_json::json!({"from": "1.4.0", "to": "2.0.0"})
    );
    let change = &payments["changes"][0];
    assert_eq!(change["level"], "breaking");
    assert_eq!(change["standing"], "accepted");
    assert_eq!(
        change["affects"],
        serde_json::json!(["checkout", "fulfillment"])
    );
    // Committed, later checks pass: the versions before the bump are not
    // compared, and the base has the break already.
    let bump = commit_all(dir.path(), "Drop CHF: 2.0.0");
    let (out, r) = check(&ws, "HEAD");
    assert_eq!(out.status.code(), Some(0), "{r}");
    let history = &interface(&r, "payments-api")["history"];
    assert_eq!(history["compared"], 0, "{history}");
    assert_eq!(history["stopped"]["cause"], "major_version", "{history}");
    assert!(
        history["stopped"]["reason"]
            .as_str()
            .is_some_and(|r| r.contains("it was 1.4.0")),
        "{history}"
    );
    edit(
        &ws,
        INTERFACE,
        "compatibility: backward_transitive",
        "compatibility: backward",
    );
    let (out, r) = check(&ws, "HEAD");
    assert_eq!(out.status.code(), Some(0), "{r}");
    edit(
        &ws,
        INTERFACE,
        "compatibility: backward",
        "compatibility: backward_transitive",
    );
    // A later version of 2.x is held against the 2.0.0 one, and a new
    // break under the same major version fails.
    edit(&ws, SCHEMA, "Production\n", "Production (eu)\n");
    edit(&ws, INTERFACE, "current: 2.0.0", "current: 2.1.0");
    commit_all(dir.path(), "2.1.0");
    edit(
        &ws,
        SCHEMA,
        "enum: [EUR, USD, GBP, SEK]",
        "enum: [EUR, USD, GBP]",
    );
    let (out, r) = check(&ws, "HEAD");
    assert_eq!(out.status.code(), Some(1), "{r}");
    let history = &interface(&r, "payments-api")["history"];
    assert_eq!(history["compared"], 1, "{history}");
    assert_eq!(history["oldest"]["commit"], bump.as_str(), "{history}");
    assert_eq!(history["oldest"]["version"], "2.0.0", "{history}");
}

#[test]
fn the_transitive_history_follows_a_renamed_schema() {
    let (dir, ws) = repo();
    edit(&ws, SCHEMA, CURRENCIES, "enum: [EUR, USD, GBP, SEK]");
    edit(&ws, INTERFACE, "current: 1.4.0", "current: 1.5.0");
    commit_all(dir.path(), "Drop CHF");
    git(&ws, &["mv", SCHEMA, "schemas/payments.openapi.yaml"]);
    edit(
        &ws,
        INTERFACE,
        &format!("schema: {SCHEMA}"),
        "schema: schemas/payments.openapi.yaml",
    );
    commit_all(dir.path(), "Rename the schema");
    // The first version, before the rename, still accepted CHF.
    let (out, r) = check(&ws, "HEAD");
    assert_eq!(out.status.code(), Some(1), "{r}");
    let payments = interface(&r, "payments-api");
    assert_eq!(payments["history"]["compared"], 1, "{payments}");
    let change = &payments["changes"][0];
    assert_eq!(change["rule"], "enum-value-removed", "{change}");
    assert_eq!(change["found_against"]["version"], "1.4.0", "{change}");
    assert_eq!(change["old"]["file"], SCHEMA, "{change}");
}

#[test]
fn a_moved_workspace_is_compared_with_the_files_git_renamed() {
    let (dir, _) = repo();
    std::fs::create_dir_all(dir.path().join("contracts")).unwrap_or_else(|e| panic!("{e}"));
    git(dir.path(), &["mv", "acme", "contracts/acme"]);
    commit_all(dir.path(), "Move the contracts");
    let ws = dir.path().join("contracts/acme");
    edit(&ws, SCHEMA, CURRENCIES, "enum: [EUR, USD, GBP]");
    // At HEAD~1 the workspace was at `acme/`: its schemas are found there.
    let (out, r) = check(&ws, "HEAD~1");
    assert_eq!(out.status.code(), Some(1), "{r}");
    let payments = interface(&r, "payments-api");
    assert_eq!(payments["status"], "fail", "{payments}");
    assert_eq!(payments["base_schema"], format!("acme/{SCHEMA}"));
    assert_eq!(payments["changes"][0]["rule"], "enum-value-removed");
    assert_eq!(interface(&r, "order-events")["status"], "pass", "{r}");
}

#[test]
fn the_changelog_lists_a_change_to_a_shared_schema_once() {
    let (dir, ws) = repo();
    // Money is in requests (breaking to narrow) and responses (not).
    edit(&ws, SCHEMA, CURRENCIES, "enum: [EUR, USD, GBP]");
    commit_all(dir.path(), "Drop CHF and SEK");
    let out = common::treaty()
        .current_dir(&ws)
        .args(["changelog", "payments-api", "--format", "json"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let c: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    let changes = &c["versions"][0]["changes"];
    assert_eq!(changes.as_array().map(Vec::len), Some(1), "{c}");
    assert_eq!(changes[0]["level"], "breaking");
    // The breaking direction's operations first, then the others.
    let mut operations: Vec<&str> = changes[0]["operations"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|o| o.as_str())
        .collect();
    assert_eq!(
        operations[..2],
        ["POST /payments", "POST /payments/{paymentId}/refunds"]
    );
    operations.sort_unstable();
    assert_eq!(
        operations,
        [
            "GET /payments",
            "GET /payments/{paymentId}",
            "POST /payments",
            "POST /payments/{paymentId}/refunds"
        ]
    );
}
