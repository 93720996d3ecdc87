//! Tests as data: every directory under `tests/data/compat/` holds an old
//! and a new schema (`old.yaml`/`new.yaml` or `.json`) and `expected.txt`,
//! the sorted `<level> <rule>` lines `treaty diff` must report under the
//! backward policy. The text and JSON outputs are snapshots beside them.
//! An optional `args.txt` holds further options for `treaty diff`
//! (`--proto-category wire`), separated by whitespace.
//! `TREATY_CASE=<case>` runs one case (see docs/testing.md).

mod common;

use std::path::Path;

fn side(case: &Path, name: &str) -> Option<String> {
    // A directory `old/` holds a set of .proto files that import each other.
    if case.join(name).is_dir() {
        return Some(name.to_owned());
    }
    ["yaml", "yml", "json", "avsc", "proto"]
        .iter()
        .map(|ext| format!("{name}.{ext}"))
        .find(|f| case.join(f).is_file())
}

/// The further options of a case, from its `args.txt`.
fn case_args(case: &Path) -> Vec<String> {
    std::fs::read_to_string(case.join("args.txt"))
        .unwrap_or_default()
        .split_whitespace()
        .map(str::to_owned)
        .collect()
}

fn diff(case: &Path, old: &str, new: &str, format: &str) -> (i32, String) {
    let out = common::treaty()
        .current_dir(case)
        .args(["diff", old, new, "--format", format])
        .args(case_args(case))
        .output()
        .unwrap_or_else(|e| panic!("cannot run treaty: {e}"));
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.code().unwrap_or(-1), text)
}

#[test]
fn every_case_reports_exactly_its_findings() {
    let cases = common::fixture_cases("compat");
    assert!(
        cases.narrowed || cases.dirs.len() >= 80,
        "expected at least 80 cases, found {}",
        cases.dirs.len()
    );
    let mut failures = Vec::new();
    for case in &cases.dirs {
        let name = common::case_name(case);
        let (Some(old), Some(new)) = (side(case, "old"), side(case, "new")) else {
            failures.push(format!("{name}: needs old.* and new.*"));
            continue;
        };
        let expected_text = std::fs::read_to_string(case.join("expected.txt")).unwrap_or_default();
        let mut expected: Vec<&str> = expected_text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        expected.sort_unstable();
        let (code, json) = diff(case, &old, &new, "json");
        let report: serde_json::Value = match serde_json::from_str(&json) {
            Ok(v) => v,
            Err(e) => {
                failures.push(format!("{name}: output is not JSON ({e}): {json}"));
                continue;
            }
        };
        let mut found: Vec<String> = report["changes"]
            .as_array()
            .map(|cs| {
                cs.iter()
                    .map(|c| {
                        format!(
                            "{} {}",
                            c["level"].as_str().unwrap_or("?"),
                            c["rule"].as_str().unwrap_or("?")
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        found.sort_unstable();
        // Every rule emitted is in the catalog, which `rules_doc` checks
        // has a case for each of its rules.
        for f in &found {
            let rule = f.split_whitespace().nth(1).unwrap_or("?");
            if !treaty_compat::RULES.iter().any(|(r, _)| *r == rule) {
                failures.push(format!("{name}: `{rule}` is not in treaty_compat::RULES"));
            }
        }
        if found != expected {
            failures.push(format!(
                "{name}:\n  expected {expected:?}\n  found    {found:?}"
            ));
        }
        let breaking = found.iter().any(|f| f.starts_with("breaking "));
        if (code == 1) != breaking || !(code == 0 || code == 1) {
            failures.push(format!(
                "{name}: exit code {code} does not match the findings"
            ));
        }
        let (_, text) = diff(case, &old, &new, "text");
        insta::with_settings!({
            snapshot_path => case,
            prepend_module_to_snapshot => false,
            omit_expression => true,
            description => format!("treaty diff {old} {new}{}", case_args(case).iter().map(|a| format!(" {a}")).collect::<String>()),
        }, {
            insta::assert_snapshot!("text", format!("exit code: {code}\n\n{text}"));
            insta::assert_snapshot!("json", json);
        });
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases fail:\n{}",
        failures.len(),
        cases.dirs.len(),
        failures.join("\n")
    );
}

#[test]
fn a_schema_diffed_with_itself_has_no_changes() {
    for case in common::fixture_cases("compat").dirs {
        for name in ["old", "new"] {
            let Some(file) = side(&case, name) else {
                continue;
            };
            let (code, json) = diff(&case, &file, &file, "json");
            assert_eq!(code, 0, "{}: {json}", case.display());
            assert!(
                json.contains("\"changes\": []"),
                "{}/{file} differs from itself: {json}",
                case.display()
            );
        }
    }
}
