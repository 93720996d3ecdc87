//! `treaty init` scaffolds a workspace that validates, and never overwrites.

use std::process::Command;

fn treaty(args: &[&str], cwd: &std::path::Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_treaty"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .output()
        .unwrap_or_else(|e| panic!("cannot run treaty: {e}"))
}

#[test]
fn scaffold_validates_cleanly() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let out = treaty(&["init", ".", "--name", "Example Corp"], dir.path());
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ws = std::fs::read_to_string(dir.path().join("treaty.yaml")).unwrap_or_default();
    assert!(ws.starts_with("# yaml-language-server: $schema=.treaty/schema/workspace.schema.json"));
    assert!(ws.contains("id: example-corp"));
    assert!(dir.path().join(".treaty/schema/team.schema.json").is_file());
    let out = treaty(&["validate", "--deny-warnings"], dir.path());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("0 errors, 0 warnings"), "{stdout}");
}

#[test]
fn refuses_to_overwrite_a_workspace() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    std::fs::write(dir.path().join("treaty.yaml"), "mine").unwrap_or_else(|e| panic!("{e}"));
    let out = treaty(&["init", "."], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("already holds a treaty.yaml"));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("treaty.yaml")).unwrap_or_default(),
        "mine"
    );
    assert!(!dir.path().join("teams").exists());
}

#[test]
fn a_broken_scaffold_is_reported_precisely() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    treaty(&["init", "."], dir.path());
    let path = dir.path().join("interfaces/greetings-api.yaml");
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    std::fs::write(&path, text.replace("consumers:", "comsumers:"))
        .unwrap_or_else(|e| panic!("{e}"));
    let out = treaty(&["validate"], dir.path());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("unknown field `comsumers`"), "{stdout}");
    assert!(stdout.contains("did you mean `consumers`?"), "{stdout}");
    assert!(
        stdout.contains("interfaces/greetings-api.yaml:"),
        "{stdout}"
    );
}
