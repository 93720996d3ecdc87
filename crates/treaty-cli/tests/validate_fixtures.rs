//! Tests as data: every directory under `tests/data/validate/` is a
//! workspace named after the diagnostic code it must produce (`valid*`
//! cases must produce none). The rendered and JSON outputs are snapshots
//! kept beside each case (`human.snap`, `json.snap`). Every code of the
//! catalogs must have a case; `TREATY_CASE=<case>` runs one case (see
//! docs/testing.md).

mod common;

use std::path::Path;

fn run(case: &Path, json: bool) -> (i32, String) {
    let mut cmd = common::treaty();
    cmd.current_dir(case)
        .args(["validate", ".", "--today", "2026-11-24"]);
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

/// Every code `treaty validate` can emit, from the catalogs:
/// `treaty_core::codes::ALL` and the codes of treaty-syntax's error kinds.
fn catalog_codes() -> Vec<String> {
    let mut codes: Vec<String> = treaty_core::codes::ALL
        .iter()
        .chain(syntax_codes().iter())
        .map(|c| (*c).to_owned())
        .collect();
    codes.sort_unstable();
    codes.dedup();
    codes
}

/// The codes of unreadable or ill-typed contract files. Rust cannot list
/// an enum's variants, so they are written out; the matches are
/// exhaustive, so a new kind stops this from compiling until it is added.
fn syntax_codes() -> Vec<&'static str> {
    use treaty_syntax::{DeErrorKind as De, SyntaxErrorKind as Syn};
    let syntax = [
        Syn::Syntax,
        Syn::NotText,
        Syn::Empty,
        Syn::MultipleDocuments,
        Syn::DuplicateKey,
        Syn::UnknownAlias,
        Syn::UnsupportedTag,
        Syn::Limit,
    ];
    for kind in syntax {
        match kind {
            Syn::Syntax
            | Syn::NotText
            | Syn::Empty
            | Syn::MultipleDocuments
            | Syn::DuplicateKey
            | Syn::UnknownAlias
            | Syn::UnsupportedTag
            | Syn::Limit => {}
        }
    }
    let de = [
        De::UnknownField,
        De::MissingField,
        De::InvalidType,
        De::InvalidValue,
    ];
    for kind in de {
        match kind {
            De::UnknownField | De::MissingField | De::InvalidType | De::InvalidValue => {}
        }
    }
    syntax
        .into_iter()
        .map(Syn::code)
        .chain(de.into_iter().map(De::code))
        .collect()
}

#[test]
fn every_code_in_the_catalogs_has_a_case() {
    let root = common::repo_root().join("tests/data/validate");
    let cases: Vec<String> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("cannot read the cases: {e}"))
        .filter_map(Result::ok)
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    let catalog = catalog_codes();
    let codes: Vec<&str> = catalog.iter().map(String::as_str).collect();
    // A case counts for the most specific code its name starts with, and
    // `every_case_reports_its_code` checks that the case produces it.
    let missing: Vec<&str> = codes
        .iter()
        .copied()
        .filter(|code| {
            !cases
                .iter()
                .any(|case| known_code(case, &codes).as_deref() == Some(code))
        })
        .collect();
    assert!(
        missing.is_empty(),
        "diagnostic codes without a case under tests/data/validate/ (add a directory named after the code): {missing:?}"
    );
}

#[test]
fn every_case_reports_its_code() {
    let cases = common::fixture_cases("validate");
    assert!(
        cases.narrowed || cases.dirs.len() >= 25,
        "expected at least 25 cases, found {}",
        cases.dirs.len()
    );
    let catalog = catalog_codes();
    let codes: Vec<&str> = catalog.iter().map(String::as_str).collect();
    let mut failures = Vec::new();
    for case in &cases.dirs {
        let name = common::case_name(case);
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
            match known_code(&name, &codes) {
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
    let dir = common::acme();
    let out = common::treaty()
        .args(["validate", "--deny-warnings", "--today", "2026-11-24"])
        .arg(&dir)
        .output()
        .unwrap_or_else(|e| panic!("cannot run treaty: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("0 errors, 0 warnings"), "{stdout}");
}
