//! Tests as data: every directory under `tests/data/validate/` is a
//! workspace named after the diagnostic code it must produce (`valid*`
//! cases must produce none). The rendered and JSON outputs are snapshots
//! kept beside each case (`human.snap`, `json.snap`).

use std::path::{Path, PathBuf};
use std::process::Command;

fn cases_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/validate")
}

fn run(case: &Path, json: bool) -> (i32, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_treaty"));
    cmd.current_dir(case)
        .args(["validate", ".", "--today", "2026-11-24"])
        .env("NO_COLOR", "1");
    if json {
        cmd.args(["--format", "json"]);
    }
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run treaty: {e}"));
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

/// Every known code, longest first, so that a case name picks the most
/// specific code it starts with.
fn known_code(case: &str, codes: &[&str]) -> Option<String> {
    let mut codes = codes.to_vec();
    codes.sort_by_key(|c| std::cmp::Reverse(c.len()));
    codes
        .into_iter()
        .find(|c| case == *c || case.starts_with(&format!("{c}-")))
        .map(str::to_owned)
}

const CODES: &[&str] = &[
    "missing-workspace",
    "unreadable-file",
    "unsupported-version",
    "duplicate-id",
    "invalid-id",
    "unknown-team",
    "unknown-interface",
    "unknown-scope-item",
    "unknown-release",
    "unknown-escalation-target",
    "missing-owner",
    "dependency-cycle",
    "criterion-without-evidence",
    "criterion-without-threshold",
    "invalid-threshold",
    "milestone-order",
    "date-order",
    "past-deadline",
    "schema-not-found",
    "invalid-schema-file",
    "kind-mismatch",
    "path-outside-workspace",
    "producer-consumes",
    "duplicate-consumer",
    "invalid-quorum",
    "invalid-version",
    "invalid-contact",
    "expectation-not-found",
    "no-escalation",
    "empty-approval-rule",
    "duplicate-entry",
    "unknown-operation",
    "unknown-channel",
    "unknown-field-path",
    "unknown-field",
    "missing-field",
    "invalid-type",
    "invalid-value",
    "yaml-syntax",
    "not-text",
    "empty-file",
    "multiple-documents",
    "duplicate-key",
    "unknown-alias",
    "unsupported-tag",
    "limit-exceeded",
];

#[test]
fn every_case_reports_its_code() {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(cases_dir())
        .unwrap_or_else(|e| panic!("cannot read the cases: {e}"))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    assert!(
        cases.len() >= 25,
        "expected at least 25 cases, found {}",
        cases.len()
    );
    let mut failures = Vec::new();
    for case in &cases {
        let name = case
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let (code, json) = run(case, true);
        let report: serde_json::Value = serde_json::from_str(&json)
            .unwrap_or_else(|e| panic!("{name}: output is not JSON ({e}):\n{json}"));
        let found: Vec<String> = report["diagnostics"]
            .as_array()
            .map(|d| {
                d.iter()
                    .filter_map(|d| d["code"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        if name.starts_with("valid") {
            if !found.is_empty() || code != 0 {
                failures.push(format!(
                    "{name}: expected no diagnostics, got {found:?} (exit {code})"
                ));
            }
        } else {
            match known_code(&name, CODES) {
                None => failures.push(format!(
                    "{name}: the case name does not start with a known code"
                )),
                Some(expected) if !found.contains(&expected) => {
                    failures.push(format!("{name}: expected `{expected}`, got {found:?}"))
                }
                Some(_) if code == 0 && report["summary"]["errors"].as_u64() != Some(0) => {
                    failures.push(format!("{name}: errors reported but exit code 0"))
                }
                Some(_) => {}
            }
        }
        let (human_code, human) = run(case, false);
        assert_eq!(
            code, human_code,
            "{name}: the exit code depends on the format"
        );
        insta::with_settings!({
            snapshot_path => case,
            prepend_module_to_snapshot => false,
            omit_expression => true,
            description => format!("treaty validate {name}"),
        }, {
            insta::assert_snapshot!("human", format!("exit code: {code}\n\n{human}"));
            insta::assert_snapshot!("json", format!("exit code: {code}\n\n{json}"));
        });
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_example_workspace_is_clean() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/acme");
    let out = Command::new(env!("CARGO_BIN_EXE_treaty"))
        .args(["validate", "--deny-warnings", "--today", "2026-11-24"])
        .arg(&dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap_or_else(|e| panic!("cannot run treaty: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("0 errors, 0 warnings"), "{stdout}");
}
