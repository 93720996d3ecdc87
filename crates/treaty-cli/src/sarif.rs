//! SARIF 2.1.0 (the OASIS standard code scanning reads) of a list of
//! findings: `treaty diff --format sarif` and `treaty check --format
//! sarif`. The output is validated against the official schema in
//! `tests/ci_formats.rs`.

use serde_json::{Value, json};

use crate::finding::{Finding, Severity, rule_summary};

/// Where a rule's catalog entry is, for the `helpUri` code scanning links.
const RULES_DOC: &str = concat!(env!("CARGO_PKG_REPOSITORY"), "/blob/main/docs/rules.md");

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

fn rule(id: &str) -> Value {
    let summary = rule_summary(id);
    let text = if summary.is_empty() {
        format!("Treaty rule `{id}`.")
    } else {
        summary.to_owned()
    };
    json!({
        "id": id,
        "name": id,
        "shortDescription": { "text": text },
        "fullDescription": { "text": text },
        "help": {
            "text": format!("{text} See docs/rules.md, rule `{id}`."),
            "markdown": format!("{text}\n\nSee [`{id}`]({RULES_DOC}#{id}) in the rule catalog."),
        },
        "helpUri": format!("{RULES_DOC}#{id}"),
    })
}

fn result(f: &Finding, rule_index: usize) -> Value {
    let mut v = json!({
        "ruleId": f.rule,
        "ruleIndex": rule_index,
        "level": level(f.severity),
        "message": { "text": f.message },
        "locations": [{
            "physicalLocation": {
                "artifactLocation": { "uri": f.path, "uriBaseId": "%SRCROOT%" },
                "region": { "startLine": f.line, "startColumn": f.column }
            }
        }],
        "partialFingerprints": { "treatyFinding/v1": f.fingerprint },
    });
    if let Some(why) = &f.suppressed {
        v["suppressions"] = json!([{ "kind": "external", "justification": why }]);
    }
    v
}

/// The SARIF log of one run of Treaty over `findings`, with the metadata
/// of every rule they name.
pub fn render(findings: &[Finding]) -> String {
    let mut rules: Vec<&str> = findings.iter().map(|f| f.rule.as_str()).collect();
    rules.sort_unstable();
    rules.dedup();
    let results: Vec<Value> = findings
        .iter()
        .map(|f| result(f, rules.binary_search(&f.rule.as_str()).unwrap_or(0)))
        .collect();
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "treaty",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": env!("CARGO_PKG_REPOSITORY"),
                "rules": rules.iter().map(|id| rule(id)).collect::<Vec<_>>(),
            }},
            "originalUriBaseIds": { "%SRCROOT%": { "description": {
                "text": "The directory Treaty ran in (the repository's root in CI)."
            }}},
            "results": results,
        }]
    });
    serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
}
