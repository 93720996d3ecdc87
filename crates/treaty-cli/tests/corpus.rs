//! Realism: the public specs in the shared corpus diff without error and
//! report changes verified by hand. Runs when `TREATY_CORPUS` names the
//! corpus directory (`.ci/run` sets it); a user's machine has no corpus,
//! and there each test says `skipped:` (under `CI` it fails instead).

mod common;

use std::path::PathBuf;

use common::{corpus, treaty};

fn diff_json(old: &PathBuf, new: &PathBuf) -> (i32, serde_json::Value) {
    let out = treaty()
        .arg("diff")
        .arg(old)
        .arg(new)
        .args(["--format", "json"])
        .output()
        .unwrap_or_else(|e| panic!("cannot run treaty: {e}"));
    let code = out.status.code().unwrap_or(-1);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        code == 0 || code == 1,
        "{} → {}: exit {code}\n{stderr}",
        old.display(),
        new.display()
    );
    let v =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("not JSON: {e}\n{stderr}"));
    (code, v)
}

fn has(report: &serde_json::Value, level: &str, rule: &str, needle: &str) -> bool {
    report["changes"].as_array().into_iter().flatten().any(|c| {
        c["level"] == level
            && c["rule"] == rule
            && c["message"].as_str().is_some_and(|m| m.contains(needle))
    })
}

#[test]
fn every_adjacent_pair_diffs_and_itself_is_unchanged() {
    let Some(root) = corpus() else { return };
    for dir in [
        "openapi/stripe",
        "openapi/openai",
        "openapi/twilio",
        "jsonschema/compose-spec",
    ] {
        let mut files: Vec<PathBuf> = std::fs::read_dir(root.join(dir))
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .filter(|p| !p.to_string_lossy().contains("uri-normalized"))
            .collect();
        files.sort();
        // Twilio holds two APIs: pair files of the same API only.
        let api = |p: &PathBuf| {
            p.file_name().map(|n| {
                n.to_string_lossy()
                    .split('.')
                    .next()
                    .unwrap_or("")
                    .to_owned()
            })
        };
        for pair in files.windows(2) {
            if api(&pair[0]) != api(&pair[1]) {
                continue;
            }
            diff_json(&pair[0], &pair[1]);
        }
        if let Some(first) = files.first() {
            let (code, same) = diff_json(first, first);
            assert_eq!(code, 0);
            assert_eq!(
                same["changes"].as_array().map(Vec::len),
                Some(0),
                "{} differs from itself",
                first.display()
            );
        }
    }
}

#[test]
fn hand_verified_stripe_changes_are_reported() {
    let Some(root) = corpus() else { return };
    let (code, r) = diff_json(
        &root.join("openapi/stripe/spec3.2021-03-31.json"),
        &root.join("openapi/stripe/spec3.2021-09-29.json"),
    );
    assert_eq!(code, 1);
    // `PUT /v1/account/logout` is in the March spec and not in September's.
    assert!(has(
        &r,
        "breaking",
        "operation-removed",
        "PUT /v1/account/logout"
    ));
    // `three_d_secure_details.required` went from [result, version] to none,
    // in responses: clients that relied on the fields break.
    assert!(has(
        &r,
        "breaking",
        "required-property-removed",
        "three_d_secure_details.result"
    ));
    // New enum values in responses are warnings, not errors.
    assert!(has(
        &r,
        "warning",
        "enum-value-added",
        "checkout.session.locale"
    ));
}

#[test]
fn yaml_and_json_of_one_spec_are_the_same() {
    let Some(root) = corpus() else { return };
    let (code, r) = diff_json(
        &root.join("openapi/stripe/spec3.2022-04-07.json"),
        &root.join("openapi/stripe/spec3.2022-04-07.yaml"),
    );
    assert_eq!(code, 0);
    assert_eq!(r["changes"].as_array().map(Vec::len), Some(0), "{r}");
}

#[test]
fn otel_protobuf_history_matches_what_buf_reports() {
    let Some(root) = corpus() else { return };
    let (code, r) = diff_json(
        &root.join("proto/otel/v0.9.0"),
        &root.join("proto/otel/v0.20.0"),
    );
    assert_eq!(code, 1);
    // `buf breaking` (WIRE_JSON) reports these too: field 1 of Status was
    // deleted without reserving its number, and `instrumentation_library_*`
    // fields were renamed to `scope_*`.
    assert!(has(
        &r,
        "breaking",
        "proto-field-removed",
        "Status.deprecated_code"
    ));
    assert!(has(
        &r,
        "breaking",
        "proto-field-name-changed",
        "ResourceSpans.instrumentation_library_spans"
    ));
    // Tags without wire changes compare clean.
    let (code, r) = diff_json(
        &root.join("proto/otel/v1.0.0"),
        &root.join("proto/otel/v1.11.0"),
    );
    assert_eq!(code, 0, "{r}");
}
