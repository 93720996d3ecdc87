//! Git repositories built in a test: the example workspace committed under
//! `acme/`, edits, commits, and `treaty check` run on them. Commit dates
//! are fixed, so the same history gives the same commit ids.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Runs git in `dir`, with a fixed identity and date.
pub fn git(dir: &Path, args: &[&str]) -> String {
    git_on(dir, "2026-01-02T03:04:05Z", args)
}

/// Runs git in `dir`, with a fixed identity, as of `date`.
pub fn git_on(dir: &Path, date: &str, args: &[&str]) -> String {
    let out = Command::new("git")
        .current_dir(dir)
        .env("GIT_AUTHOR_DATE", date)
        .env("GIT_COMMITTER_DATE", date)
        .args([
            "-c",
            "user.email=ci@example.com",
            "-c",
            "user.name=CI",
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("git: {e}"));
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// A repository whose one commit holds the example workspace under `acme/`.
pub fn repo() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let ws = dir.path().join("acme");
    super::copy_dir(&super::acme(), &ws).unwrap_or_else(|e| panic!("{e}"));
    git(dir.path(), &["init", "-q"]);
    git(dir.path(), &["add", "-A"]);
    git(dir.path(), &["commit", "-q", "-m", "base"]);
    (dir, ws)
}

/// Replaces `from` with `to` in `file` (which must contain it).
pub fn edit(ws: &Path, file: &str, from: &str, to: &str) {
    let path = ws.join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(text.contains(from), "{file} does not contain {from}");
    std::fs::write(&path, text.replace(from, to)).unwrap_or_else(|e| panic!("{e}"));
}

/// Commits every tracked change; returns the commit id.
pub fn commit_all(dir: &Path, message: &str) -> String {
    git(dir, &["commit", "-q", "-a", "-m", message]);
    git(dir, &["rev-parse", "HEAD"])
}

/// `treaty check` with `args` in `ws`: the output and its JSON report.
pub fn check_with(ws: &Path, args: &[&str]) -> (Output, serde_json::Value) {
    let out = super::treaty()
        .current_dir(ws)
        .arg("check")
        .args(args)
        .args(["--format", "json"])
        .output()
        .unwrap_or_else(|e| panic!("cannot run treaty: {e}"));
    let v = serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null);
    (out, v)
}

/// `treaty check --base BASE` in `ws`: the output and its JSON report.
pub fn check(ws: &Path, base: &str) -> (Output, serde_json::Value) {
    check_with(ws, &["--base", base])
}

/// `treaty check --base BASE --format FORMAT`'s output.
pub fn check_as(ws: &Path, base: &str, format: &str) -> String {
    let out = super::treaty()
        .current_dir(ws)
        .args(["check", "--base", base, "--format", format])
        .output()
        .unwrap_or_else(|e| panic!("cannot run treaty: {e}"));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The report of interface `id` in a check's JSON.
pub fn interface<'a>(r: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    r["interfaces"]
        .as_array()
        .and_then(|a| a.iter().find(|i| i["id"] == id))
        .unwrap_or(&serde_json::Value::Null)
}
