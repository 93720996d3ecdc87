//! `treaty init` scaffolds a workspace that validates, and never overwrites.

mod common;

use common::TestContext;

#[test]
fn scaffold_validates_cleanly() {
    let cx = TestContext::new();
    let out = cx.run(&["init", ".", "--name", "Example Corp"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ws = std::fs::read_to_string(cx.path().join("treaty.yaml")).unwrap_or_default();
    assert!(ws.starts_with("# yaml-language-server: $schema=.treaty/schema/workspace.schema.json"));
    assert!(ws.contains("id: example-corp"));
    assert!(cx.path().join(".treaty/schema/team.schema.json").is_file());
    let out = cx.run(&["validate", "--deny-warnings"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("0 errors, 0 warnings"), "{stdout}");
}

#[test]
fn refuses_to_overwrite_a_workspace() {
    let cx = TestContext::new();
    cx.write("treaty.yaml", "mine");
    let out = cx.run(&["init", "."]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("already holds a treaty.yaml"));
    assert_eq!(
        std::fs::read_to_string(cx.path().join("treaty.yaml")).unwrap_or_default(),
        "mine"
    );
    assert!(!cx.path().join("teams").exists());
}

#[test]
fn a_broken_scaffold_is_reported_precisely() {
    let cx = TestContext::new();
    cx.run(&["init", "."]);
    let path = "interfaces/greetings-api.yaml";
    let text = std::fs::read_to_string(cx.path().join(path)).unwrap_or_default();
    cx.write(path, text.replace("consumers:", "comsumers:"));
    let out = cx.run(&["validate"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("unknown field `comsumers`"), "{stdout}");
    assert!(stdout.contains("did you mean `consumers`?"), "{stdout}");
    assert!(
        stdout.contains("interfaces/greetings-api.yaml:"),
        "{stdout}"
    );
}
