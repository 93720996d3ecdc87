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

/// The pairs the verdicts below were read on: every adjacent version of
/// Stripe (2021–2022), OpenAI (2023–2026) and Twilio's 2010 API.
fn reviewed_pairs(root: &std::path::Path) -> Vec<(String, PathBuf, PathBuf)> {
    let mut pairs = Vec::new();
    for (dir, prefix, ext) in [
        ("openapi/stripe", "spec3.", ".json"),
        ("openapi/openai", "openapi.", ".yaml"),
        ("openapi/twilio", "twilio_api_v2010.", ".json"),
    ] {
        let mut files: Vec<PathBuf> = std::fs::read_dir(root.join(dir))
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                let name = p.file_name().map(|n| n.to_string_lossy().into_owned());
                name.is_some_and(|n| n.starts_with(prefix) && n.ends_with(ext))
            })
            .collect();
        files.sort();
        for pair in files.windows(2) {
            let name = |p: &PathBuf| {
                p.file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default()
            };
            pairs.push((
                format!("{} -> {}", name(&pair[0]), name(&pair[1])),
                pair[0].clone(),
                pair[1].clone(),
            ));
        }
    }
    pairs
}

/// Every breaking finding on the reviewed pairs, counted per rule: a change
/// of verdict on real specs shows in review as a change of this snapshot.
/// Each class was read in samples (`../shared/tools/sample-findings.py`);
/// the debatable ones are argued in docs/rules.md, and one hand-checked
/// instance of each is asserted in `breaking_findings_on_real_specs_are_true`.
#[test]
fn breaking_verdicts_on_real_specs() {
    let Some(root) = corpus() else { return };
    let mut table = String::new();
    for (name, old, new) in reviewed_pairs(&root) {
        let (_, r) = diff_json(&old, &new);
        let mut counts = std::collections::BTreeMap::<String, usize>::new();
        for c in r["changes"].as_array().into_iter().flatten() {
            if c["level"] == "breaking" {
                *counts
                    .entry(c["rule"].as_str().unwrap_or("?").to_owned())
                    .or_default() += 1;
            }
        }
        table.push_str(&format!("{name}: {}\n", counts.values().sum::<usize>()));
        for (rule, n) in counts {
            table.push_str(&format!("  {rule} {n}\n"));
        }
    }
    insta::assert_snapshot!(table);
}

/// One instance of each breaking class on the reviewed pairs, checked by
/// hand against the two documents, with the reason it breaks a client.
#[test]
fn breaking_findings_on_real_specs_are_true() {
    let Some(root) = corpus() else { return };
    let stripe = |v: &str| root.join(format!("openapi/stripe/spec3.{v}.json"));
    let openai = |v: &str| root.join(format!("openapi/openai/openapi.{v}.yaml"));
    let twilio = |v: &str| root.join(format!("openapi/twilio/twilio_api_v2010.{v}.json"));
    let cases: &[(PathBuf, PathBuf, &str, &str)] = &[
        // The new alternative lacks the old one's required
        // `expires_after_days`: a response may now come without it.
        (
            stripe("2021-09-29"),
            stripe("2022-04-07"),
            "one-of-branch-added",
            "payment_method_options_boleto",
        ),
        // A request field limited to 5000 characters is now limited to 200.
        (
            stripe("2021-09-29"),
            stripe("2022-04-07"),
            "max-length-decreased",
            "lookup_key",
        ),
        // Timestamps that were strings are integers.
        (
            openai("2024-04-22"),
            openai("2024-05-28"),
            "type-changed",
            "Batch.completed_at",
        ),
        // `metadata` was a free-form object in requests; its values must
        // now be strings.
        (
            openai("2024-12-18"),
            openai("2026-08-21"),
            "additional-properties-narrowed",
            "Metadata",
        ),
        // Audit logs need an admin key now; the global ApiKeyAuth is no
        // longer accepted there.
        (
            openai("2024-12-18"),
            openai("2026-08-21"),
            "security-alternative-removed",
            "GET /organization/audit_logs",
        ),
        // A 3.1 document writes `nullable: true`, which 3.1 does not
        // define: the specification decides, and the message says why.
        (
            openai("2024-12-18"),
            openai("2026-08-21"),
            "nullable-removed",
            "max_completion_tokens` no longer accepts null (`nullable` is not a keyword",
        ),
        // The description starts to require a key on every operation.
        (
            openai("2023-08-16"),
            openai("2023-09-19"),
            "security-requirement-added",
            "POST /edits",
        ),
        // Sending `{}` as `response_format` was valid; `type` is required.
        (
            openai("2024-07-18"),
            openai("2024-08-15"),
            "required-property-added",
            "ResponseFormatText.type",
        ),
        // 201 became 200.
        (
            twilio("2.0.0"),
            twilio("2.6.6"),
            "response-success-status-removed",
            "OutgoingCallerIds.json` no longer responds with status 201",
        ),
        // A URI that was always a string may be null.
        (
            twilio("2.0.0"),
            twilio("2.6.6"),
            "nullable-added",
            "`response 200 (application/json).uri` now accepts null",
        ),
    ];
    for (old, new, rule, needle) in cases {
        let (_, r) = diff_json(old, new);
        assert!(
            has(&r, "breaking", rule, needle),
            "{} → {}: no breaking {rule} on {needle}",
            old.display(),
            new.display()
        );
    }
}

/// The false-alarm patterns seen on these specs stay absent.
#[test]
fn false_alarm_patterns_are_absent_on_real_specs() {
    let Some(root) = corpus() else { return };
    for (name, old, new) in reviewed_pairs(&root) {
        let (_, r) = diff_json(&old, &new);
        let changes: Vec<&serde_json::Value> =
            r["changes"].as_array().into_iter().flatten().collect();
        for c in &changes {
            let (rule, level) = (
                c["rule"].as_str().unwrap_or(""),
                c["level"].as_str().unwrap_or(""),
            );
            let message = c["message"].as_str().unwrap_or("");
            // A format on values its bounds already keep in range, or an
            // annotation, excludes nothing.
            assert!(
                !(rule == "format-added" && level == "breaking"),
                "{name}: {c}"
            );
            // A limit replaced by a shorter enum does not widen anything.
            assert!(
                !(rule == "max-length-increased" && level == "breaking"),
                "{name}: {c}"
            );
            // A path parameter named in the template was always sent.
            assert!(
                !(rule == "required-parameter-added" && message.contains("path parameter")),
                "{name}: {c}"
            );
            // An enum lifted on a response is a warning, as a new value is.
            let response = c["path"]
                .as_str()
                .is_some_and(|p| p.starts_with("response"));
            assert!(
                !(rule == "enum-removed" && response && level == "breaking"),
                "{name}: {c}"
            );
            // Alternatives are named by their schema; an inline one by its
            // position and what it holds, never by a bare number.
            let bare = message.match_indices("alternative #").any(|(i, _)| {
                let rest = message[i + "alternative #".len()..]
                    .trim_start_matches(|ch: char| ch.is_ascii_digit());
                !rest.starts_with(" (")
            });
            assert!(!bare, "{name}: {c}");
        }
        // One finding per change: where the type changed, its format and
        // bounds are not reported again at the same place.
        for c in changes.iter().filter(|c| c["rule"] == "type-changed") {
            let place = c["new"]["pointer"]
                .as_str()
                .unwrap_or("")
                .trim_end_matches("/type");
            let operation = &c["operation"];
            let again = changes.iter().filter(|d| {
                d["operation"] == *operation
                    && d["new"]["pointer"].as_str().is_some_and(|p| {
                        p.starts_with(place) && p[place.len()..].matches('/').count() <= 1
                    })
                    && [
                        "format-removed",
                        "format-added",
                        "format-changed",
                        "minimum-removed",
                        "maximum-removed",
                    ]
                    .contains(&d["rule"].as_str().unwrap_or(""))
            });
            assert_eq!(again.count(), 0, "{name}: {c} reported again");
        }
        // No finding twice: same rule, level, side (request or response), place,
        // operation and message.
        let mut seen = std::collections::BTreeSet::new();
        for c in &changes {
            let key = (
                c["rule"].to_string(),
                c["level"].to_string(),
                // The direction: request or response side.
                c["path"]
                    .as_str()
                    .and_then(|p| p.split(' ').next())
                    .map(str::to_owned),
                c["new"]["pointer"].to_string(),
                c["old"]["pointer"].to_string(),
                c["operation"].to_string(),
                c["message"].to_string(),
            );
            assert!(seen.insert(key), "{name}: {c} twice");
        }
    }
}
