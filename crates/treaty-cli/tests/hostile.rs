//! Hostile and broken input: each gets a clear message and exit code 2,
//! quickly and without a panic, and nothing is written.

mod common;

use common::TestContext;

use std::path::Path;
use std::process::Output;
use std::time::{Duration, Instant};

/// A minimal workspace with an empty `teams/` directory.
fn workspace() -> TestContext {
    let cx = TestContext::new();
    cx.write(
        "treaty.yaml",
        "version: 1\norganization: {id: acme, name: Acme}\n",
    );
    std::fs::create_dir(cx.path().join("teams")).unwrap_or_else(|e| panic!("mkdir: {e}"));
    cx
}

/// Runs `treaty validate`; the time bound only catches a hang or a blow-up
/// (speed itself is measured in `bench/`).
fn validate(dir: &Path) -> Output {
    let start = Instant::now();
    let out = common::treaty()
        .args(["validate", "--today", "2026-11-24"])
        .arg(dir)
        .output()
        .unwrap_or_else(|e| panic!("cannot run treaty: {e}"));
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "took {:?}",
        start.elapsed()
    );
    out
}

fn assert_rejected(out: &Output, needle: &str) {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(2),
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    // The renderer wraps long messages: read them as one line.
    let unwrapped = stdout.replace("\n  │ ", " ");
    assert!(
        unwrapped.contains(needle) || stderr.contains(needle),
        "expected `{needle}` in:\n{stdout}\n{stderr}"
    );
}

#[test]
fn alias_bomb() {
    let ws = workspace();
    let mut bomb = String::from(
        "id: bomb\nname: Bomb\na0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n",
    );
    for i in 1..12 {
        let refs = vec![format!("*a{}", i - 1); 9].join(", ");
        bomb.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
    }
    ws.write("teams/bomb.yaml", bomb);
    assert_rejected(
        &validate(ws.path()),
        "aliases expand to more than the limit",
    );
}

#[test]
fn deep_nesting() {
    let ws = workspace();
    let deep = format!("id: deep\nname: {}x{}\n", "[".repeat(100), "]".repeat(100));
    ws.write("teams/deep.yaml", deep);
    assert_rejected(
        &validate(ws.path()),
        "nesting is deeper than the limit of 64 levels",
    );
}

#[test]
fn deep_block_nesting() {
    let ws = workspace();
    let mut deep = String::from("id: deep\nname: Deep\nmembers:\n");
    for i in 0..100 {
        deep.push_str(&format!("{}- k{i}:\n", "  ".repeat(i + 1)));
    }
    ws.write("teams/deep.yaml", deep);
    assert_rejected(&validate(ws.path()), "nesting is deeper than the limit");
}

#[test]
fn fifty_megabyte_file() {
    let ws = workspace();
    let line = "# padding padding padding padding padding padding padding padding\n";
    let big = line.repeat(50 * 1024 * 1024 / line.len());
    ws.write("teams/big.yaml", big);
    assert_rejected(&validate(ws.path()), "more than the limit of 4194304 bytes");
}

#[test]
fn binary_garbage() {
    let ws = workspace();
    let garbage: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    ws.write("teams/garbage.yaml", garbage);
    assert_rejected(&validate(ws.path()), "teams/garbage.yaml");
}

#[test]
fn invalid_utf8() {
    let ws = workspace();
    ws.write("teams/latin1.yaml", b"id: caf\xe9\nname: Caf\xe9\n");
    assert_rejected(&validate(ws.path()), "not UTF-8 text");
}

#[test]
fn nul_bytes() {
    let ws = workspace();
    ws.write("teams/nul.yaml", b"id: a\0b\nname: x\n");
    assert_rejected(&validate(ws.path()), "NUL byte");
}

#[test]
fn empty_files() {
    let ws = workspace();
    ws.write("teams/empty.yaml", "");
    assert_rejected(&validate(ws.path()), "file is empty");
    ws.write("treaty.yaml", "   \n# only a comment\n");
    assert_rejected(&validate(ws.path()), "file is empty");
}

#[test]
fn malformed_yaml() {
    let ws = workspace();
    ws.write("teams/bad.yaml", "id: [unclosed\nname: x\n");
    let out = validate(ws.path());
    assert_rejected(&out, "invalid YAML");
    assert!(String::from_utf8_lossy(&out.stdout).contains("teams/bad.yaml:"));
}

#[test]
fn no_workspace() {
    let dir = TestContext::new();
    assert_rejected(&validate(dir.path()), "not a Treaty workspace");
}

#[test]
fn not_a_directory() {
    let ws = workspace();
    assert_rejected(
        &validate(&ws.path().join("treaty.yaml")),
        "is not a directory",
    );
}

#[test]
fn usage_errors_exit_2() {
    let out = common::treaty()
        .args(["validate", "--format", "xml"])
        .output()
        .unwrap_or_else(|e| panic!("cannot run treaty: {e}"));
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn validation_writes_nothing() {
    let ws = workspace();
    ws.write("teams/bad.yaml", "id: [unclosed\n");
    let before = listing(ws.path());
    validate(ws.path());
    assert_eq!(before, listing(ws.path()));
}

fn listing(dir: &Path) -> Vec<(String, u64)> {
    let mut out = Vec::new();
    for entry in walk(dir) {
        let len = std::fs::metadata(&entry).map(|m| m.len()).unwrap_or(0);
        out.push((entry.display().to_string(), len));
    }
    out.sort();
    out
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        }
        out.push(p);
    }
    out
}

#[cfg(unix)]
#[test]
fn symlinks_out_of_the_workspace_are_not_followed() {
    let ws = workspace();
    let outside = TestContext::new();
    outside.write("secret.yaml", "id: secret\nname: Secret\n");
    std::os::unix::fs::symlink(
        outside.path().join("secret.yaml"),
        ws.path().join("teams/secret.yaml"),
    )
    .unwrap_or_else(|e| panic!("symlink: {e}"));
    let out = validate(ws.path());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{stdout}");
    assert!(stdout.contains("leads outside the workspace"), "{stdout}");
}

#[test]
fn a_named_pipe_as_a_schema_file_is_refused_not_waited_on() {
    let ws = workspace();
    ws.write(
        "teams/payments.yaml",
        "id: payments\nname: Payments\nmembers: [{handle: ana}]\n",
    );
    ws.write(
        "interfaces/api.yaml",
        "id: api\nkind: openapi\nschema: api.yaml\nproducer: payments\n",
    );
    common::mkfifo(&ws.path().join("api.yaml"));
    let out = validate(ws.path());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("not a regular file"), "{stdout}");
}
