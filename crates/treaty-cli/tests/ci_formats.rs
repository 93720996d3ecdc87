//! The reports CI tools read: SARIF (code scanning) from `treaty diff` and
//! `treaty check`, validated against the official SARIF 2.1.0 schema, and
//! GitLab's Code Quality report from `treaty check --format gitlab`, on a
//! real breaking change in a git repository.

mod common;

use std::path::Path;
use std::process::Output;

use common::git_repo::{edit, git, repo};

/// The enum value two consumers of `payments-api` send is removed.
fn break_payments(ws: &Path) {
    edit(
        ws,
        "schemas/payments-api.openapi.yaml",
        "enum: [EUR, USD, GBP, SEK, CHF]",
        "enum: [EUR, USD, GBP]",
    );
}

fn run_in(dir: &Path, args: &[&str]) -> Output {
    common::treaty()
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run treaty: {e}"))
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}):\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// Every result's location names a file that exists under `root`, at a
/// line the file has.
fn assert_locations_exist(sarif: &serde_json::Value, root: &Path) {
    for r in sarif["runs"][0]["results"].as_array().into_iter().flatten() {
        let loc = &r["locations"][0]["physicalLocation"];
        let uri = loc["artifactLocation"]["uri"].as_str().unwrap_or_default();
        let line = loc["region"]["startLine"].as_u64().unwrap_or_default();
        let text =
            std::fs::read_to_string(root.join(uri)).unwrap_or_else(|e| panic!("{uri} of {r}: {e}"));
        assert!(
            line >= 1 && line as usize <= text.lines().count(),
            "{uri}:{line} is not a line of the file"
        );
    }
}

#[test]
fn sarif_of_check_and_diff_passes_the_official_schema() {
    let Some(validator) = common::sarif::validator() else {
        return;
    };
    let (dir, ws) = repo();
    let old = dir.path().join("old.yaml");
    let text = git(
        dir.path(),
        &["show", "HEAD:acme/schemas/payments-api.openapi.yaml"],
    );
    std::fs::write(&old, text + "\n").unwrap_or_else(|e| panic!("{e}"));
    break_payments(&ws);

    // From the repository's root, as CI runs it: paths lead with `acme/`.
    let out = run_in(
        dir.path(),
        &["check", "acme", "--base", "HEAD", "--format", "sarif"],
    );
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let check = json(&out);
    assert_eq!(
        common::sarif::errors(&validator, &check),
        Vec::<String>::new()
    );
    assert_locations_exist(&check, dir.path());
    let results = check["runs"][0]["results"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let failing: Vec<&serde_json::Value> =
        results.iter().filter(|r| r["level"] == "error").collect();
    assert!(!failing.is_empty(), "{check}");
    for r in &failing {
        let uri = &r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"];
        assert!(uri.as_str().is_some_and(|u| u.starts_with("acme/")), "{r}");
    }
    let enum_removed = failing
        .iter()
        .find(|r| r["ruleId"] == "enum-value-removed")
        .unwrap_or_else(|| panic!("no failing enum-value-removed in {check}"));
    let region = &enum_removed["locations"][0]["physicalLocation"]["region"];
    assert_eq!(region["startLine"], 170, "{enum_removed}");
    assert!(
        enum_removed["message"]["text"]
            .as_str()
            .is_some_and(|m| m.starts_with("payments-api: ") && m.contains("checkout")),
        "{enum_removed}"
    );
    // Every rule a result names is described, with help.
    let rules = check["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for r in &results {
        let index = r["ruleIndex"].as_u64().unwrap_or(u64::MAX) as usize;
        let rule = rules.get(index).unwrap_or(&serde_json::Value::Null);
        assert_eq!(rule["id"], r["ruleId"], "{r}");
        assert!(
            rule["help"]["text"].as_str().is_some_and(|t| t.len() > 20),
            "{rule}"
        );
    }

    let out = run_in(
        dir.path(),
        &[
            "diff",
            "old.yaml",
            "acme/schemas/payments-api.openapi.yaml",
            "--format",
            "sarif",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let diff = json(&out);
    assert_eq!(
        common::sarif::errors(&validator, &diff),
        Vec::<String>::new()
    );
    assert_locations_exist(&diff, dir.path());
    assert!(
        diff["runs"][0]["results"].as_array().is_some_and(|r| r
            .iter()
            .any(|r| r["ruleId"] == "enum-value-removed" && r["level"] == "error")),
        "{diff}"
    );
}

#[test]
fn the_schema_check_fails_on_sarif_that_breaks_it() {
    // The validation above could pass anything if the schema did not load
    // as a schema: a result without its message must be refused.
    let Some(validator) = common::sarif::validator() else {
        return;
    };
    let broken = serde_json::json!({
        "version": "2.1.0",
        "runs": [{ "tool": { "driver": { "name": "treaty" } },
                   "results": [{ "ruleId": "x", "level": "fatal" }] }]
    });
    let errors = common::sarif::errors(&validator, &broken);
    assert!(errors.len() >= 2, "{errors:?}");
}

#[test]
fn gitlab_code_quality_names_each_finding_once_at_its_line() {
    let (dir, ws) = repo();
    break_payments(&ws);
    let out = run_in(
        dir.path(),
        &["check", "acme", "--base", "HEAD", "--format", "gitlab"],
    );
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let issues = json(&out);
    let issues = issues.as_array().cloned().unwrap_or_default();
    assert!(!issues.is_empty());
    let mut fingerprints = std::collections::BTreeSet::new();
    for i in &issues {
        for key in ["description", "check_name", "fingerprint", "severity"] {
            assert!(
                i[key].as_str().is_some_and(|s| !s.is_empty()),
                "{key} of {i}"
            );
        }
        assert!(
            ["info", "minor", "major", "critical", "blocker"]
                .contains(&i["severity"].as_str().unwrap_or_default()),
            "{i}"
        );
        let path = i["location"]["path"].as_str().unwrap_or_default();
        assert!(dir.path().join(path).is_file(), "{i}");
        assert!(
            i["location"]["lines"]["begin"]
                .as_u64()
                .is_some_and(|l| l >= 1),
            "{i}"
        );
        assert!(
            fingerprints.insert(i["fingerprint"].as_str().unwrap_or_default().to_owned()),
            "fingerprint repeated: {i}"
        );
    }
    let critical: Vec<&str> = issues
        .iter()
        .filter(|i| i["severity"] == "critical")
        .filter_map(|i| i["check_name"].as_str())
        .collect();
    assert!(critical.contains(&"enum-value-removed"), "{issues:?}");
    assert_eq!(
        issues
            .iter()
            .find(|i| i["check_name"] == "enum-value-removed" && i["severity"] == "critical")
            .map(|i| i["location"].clone()),
        Some(serde_json::json!({
            "path": "acme/schemas/payments-api.openapi.yaml",
            "lines": { "begin": 170 }
        }))
    );

    // An unchanged workspace: an empty report, and the check passes.
    git(dir.path(), &["checkout", "-q", "--", "."]);
    let out = run_in(
        dir.path(),
        &["check", "acme", "--base", "HEAD", "--format", "gitlab"],
    );
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(json(&out), serde_json::json!([]));
}
