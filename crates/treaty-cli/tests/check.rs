//! `treaty check --base REF` on a real git repository: the old schema is
//! read from the commit, each breaking change is attributed to the
//! consumers that use what changed, and only those fail the check.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .current_dir(dir)
        .args([
            "-c",
            "user.email=ci@example.com",
            "-c",
            "user.name=CI",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("git: {e}"));
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn copy(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap_or_else(|e| panic!("{e}"));
    for e in std::fs::read_dir(from).into_iter().flatten().flatten() {
        let p = e.path();
        let target = to.join(e.file_name());
        if p.is_dir() {
            copy(&p, &target);
        } else {
            std::fs::copy(&p, &target).unwrap_or_else(|e| panic!("{e}"));
        }
    }
}

/// A repository whose one commit holds the example workspace under `acme/`.
fn repo() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let ws = dir.path().join("acme");
    copy(
        &PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/acme"),
        &ws,
    );
    git(dir.path(), &["init", "-q"]);
    git(dir.path(), &["add", "-A"]);
    git(dir.path(), &["commit", "-q", "-m", "base"]);
    (dir, ws)
}

fn edit(ws: &Path, file: &str, from: &str, to: &str) {
    let path = ws.join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(text.contains(from), "{file} does not contain {from}");
    std::fs::write(&path, text.replace(from, to)).unwrap_or_else(|e| panic!("{e}"));
}

fn check(ws: &Path, base: &str) -> (Output, serde_json::Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_treaty"))
        .current_dir(ws)
        .args(["check", "--base", base, "--format", "json"])
        .output()
        .unwrap_or_else(|e| panic!("cannot run treaty: {e}"));
    let v = serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null);
    (out, v)
}

fn interface<'a>(r: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    r["interfaces"]
        .as_array()
        .and_then(|a| a.iter().find(|i| i["id"] == id))
        .unwrap_or(&serde_json::Value::Null)
}

#[test]
fn an_unchanged_workspace_passes() {
    let (_dir, ws) = repo();
    let (out, r) = check(&ws, "HEAD");
    assert_eq!(out.status.code(), Some(0), "{r}");
    assert_eq!(interface(&r, "payments-api")["status"], "pass");
    assert_eq!(interface(&r, "inventory-service")["status"], "skipped");
}

#[test]
fn a_breaking_change_names_the_consumers_it_breaks() {
    let (_dir, ws) = repo();
    edit(
        &ws,
        "schemas/payments-api.openapi.yaml",
        "enum: [EUR, USD, GBP, SEK, CHF]",
        "enum: [EUR, USD, GBP]",
    );
    let (out, r) = check(&ws, "HEAD");
    assert_eq!(out.status.code(), Some(1), "{r}");
    let payments = interface(&r, "payments-api");
    assert_eq!(payments["status"], "fail");
    let change = &payments["changes"][0];
    assert_eq!(change["rule"], "enum-value-removed");
    assert_eq!(
        change["affects"],
        serde_json::json!(["checkout", "fulfillment"])
    );
}

#[test]
fn a_breaking_change_nobody_uses_is_reported_but_passes() {
    let (_dir, ws) = repo();
    // Only `GET /payments` (listPayments) takes `limit`; no consumer uses it.
    edit(
        &ws,
        "schemas/payments-api.openapi.yaml",
        "maximum: 100",
        "maximum: 50",
    );
    let (out, r) = check(&ws, "HEAD");
    assert_eq!(out.status.code(), Some(0), "{r}");
    let payments = interface(&r, "payments-api");
    assert_eq!(payments["status"], "pass");
    assert_eq!(payments["changes"][0]["level"], "breaking");
    assert_eq!(payments["changes"][0]["affects"], serde_json::json!([]));
}

#[test]
fn an_unknown_base_is_a_usage_error() {
    let (_dir, ws) = repo();
    let (out, _) = check(&ws, "no-such-branch");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot resolve `no-such-branch`"));
}
