//! Tests as data: every directory under `tests/data/pact/` holds a Pact
//! file (`pact.json`), the provider's description (`openapi.yaml`, or
//! `asyncapi.yaml` for messages) and
//! `expected.json`: the exit code of `treaty pact check` and its findings
//! as `{level, code, pact_pointer}`, in any order. Exit code 2 (an
//! unreadable file) expects no report and the file and line on stderr.
//! `TREATY_PACT_CASE=<name>` runs the cases whose names start with it.

mod common;

use std::path::{Path, PathBuf};

fn cases() -> Vec<PathBuf> {
    let root = common::repo_root().join("tests/data/pact");
    let wanted = std::env::var("TREATY_PACT_CASE").unwrap_or_default();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", root.display()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_dir() && common::case_name(p).starts_with(&wanted))
        .collect();
    dirs.sort();
    dirs
}

fn triple(f: &serde_json::Value) -> (String, String, String) {
    let s = |k: &str| f[k].as_str().unwrap_or("?").to_owned();
    (s("level"), s("code"), s("pact_pointer"))
}

fn check(case: &Path) -> Result<(), String> {
    let name = common::case_name(case);
    let expected: serde_json::Value = std::fs::read_to_string(case.join("expected.json"))
        .map_err(|e| format!("{name}: expected.json: {e}"))
        .and_then(|t| {
            serde_json::from_str(&t).map_err(|e| format!("{name}: expected.json: {e}"))
        })?;
    let description = if case.join("asyncapi.yaml").is_file() {
        "asyncapi.yaml"
    } else {
        "openapi.yaml"
    };
    let out = common::treaty()
        .current_dir(case)
        .args([
            "pact",
            "check",
            "pact.json",
            description,
            "--format",
            "json",
        ])
        .output()
        .map_err(|e| format!("cannot run treaty: {e}"))?;
    let code = out.status.code().unwrap_or(-1);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let want_code = expected["exit"].as_i64().unwrap_or(-1);
    if i64::from(code) != want_code {
        return Err(format!(
            "{name}: exit code {code}, expected {want_code}\n{stdout}{stderr}"
        ));
    }
    if code == 2 {
        let located = stderr.contains("pact.json:") || stderr.contains(&format!("{description}:"));
        return if located {
            Ok(())
        } else {
            Err(format!("{name}: no file and line in: {stderr}"))
        };
    }
    let report: serde_json::Value =
        serde_json::from_str(&stdout).map_err(|e| format!("{name}: not JSON ({e}): {stdout}"))?;
    let mut found: Vec<_> = report["findings"]
        .as_array()
        .map(|fs| fs.iter().map(triple).collect())
        .unwrap_or_default();
    let mut want: Vec<_> = expected["findings"]
        .as_array()
        .map(|fs| fs.iter().map(triple).collect())
        .unwrap_or_default();
    found.sort();
    want.sort();
    for (_, code, _) in &found {
        if !treaty_pact::CODES.iter().any(|(c, _)| c == code) {
            return Err(format!("{name}: `{code}` is not in treaty_pact::CODES"));
        }
    }
    if found != want {
        return Err(format!(
            "{name}:\n  expected {want:?}\n  found    {found:?}"
        ));
    }
    Ok(())
}

#[test]
fn every_pact_case_reports_exactly_its_findings() {
    let cases = cases();
    if std::env::var_os("TREATY_PACT_CASE").is_none() {
        assert!(
            cases.len() >= 15,
            "expected at least 15 cases, found {}",
            cases.len()
        );
    }
    let failures: Vec<String> = cases.iter().filter_map(|c| check(c).err()).collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases fail:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn every_code_has_a_case() {
    let mut seen = String::new();
    for case in cases() {
        seen.push_str(&std::fs::read_to_string(case.join("expected.json")).unwrap_or_default());
    }
    let missing: Vec<&str> = treaty_pact::CODES
        .iter()
        .map(|(c, _)| *c)
        .filter(|c| !seen.contains(&format!("\"{c}\"")))
        .collect();
    // `spec.schema.unreadable` needs a schema the validator refuses, which
    // a description that parses rarely is; it has no case.
    let known_gaps = ["spec.schema.unreadable"];
    let missing: Vec<&str> = missing
        .into_iter()
        .filter(|c| !known_gaps.contains(c))
        .collect();
    assert!(missing.is_empty(), "codes without a case: {missing:?}");
}

/// `treaty pact read` reads every case's pact (exit 0, one line each) and
/// refuses the deliberately unreadable one with exit 2 and its line.
#[test]
fn pact_read_reads_every_readable_case() {
    let (readable, unreadable): (Vec<PathBuf>, Vec<PathBuf>) = cases()
        .into_iter()
        .map(|c| c.join("pact.json"))
        .partition(|p| !p.starts_with(common::repo_root().join("tests/data/pact/unreadable")));
    let run = |files: &[PathBuf]| {
        common::treaty()
            .args(["pact", "read"])
            .args(files)
            .output()
            .unwrap_or_else(|e| panic!("cannot run treaty: {e}"))
    };
    let out = run(&readable);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains(&format!("{0} of {0} file(s) read", readable.len())),
        "{stdout}"
    );
    if !unreadable.is_empty() {
        let out = run(&unreadable);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains("pact.json:"), "{stderr}");
    }
}
