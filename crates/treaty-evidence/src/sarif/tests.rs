//! The SARIF reader's cases, each a small log and what it counts.

use super::*;
use crate::Limits;

fn metrics(text: &str) -> Vec<(String, f64)> {
    match read(text.as_bytes(), &Limits::default()) {
        Ok(report) => report.entries[0]
            .metrics
            .iter()
            .map(|(k, m)| (k.clone(), m.value))
            .collect(),
        Err(e) => panic!("{e}"),
    }
}

fn get(metrics: &[(String, f64)], name: &str) -> f64 {
    metrics
        .iter()
        .find(|(k, _)| k == name)
        .map_or(f64::NAN, |(_, v)| *v)
}

#[test]
fn severity_from_score_then_level_then_rule_default() {
    let m = metrics(
        r#"{"version": "2.1.0", "runs": [{
          "tool": {"driver": {"name": "t", "rules": [
            {"id": "r0", "properties": {"security-severity": "9.1"}},
            {"id": "r1", "defaultConfiguration": {"level": "error"}},
            {"id": "r2"}
          ]}},
          "results": [
            {"ruleIndex": 0, "level": "warning", "message": {"text": "x"}},
            {"ruleId": "r1", "message": {"text": "x"}},
            {"ruleId": "r2", "message": {"text": "x"}},
            {"ruleId": "r2", "level": "note", "properties": {"security-severity": 7.5}},
            {"ruleId": "r2", "level": "none", "properties": {"security-severity": "10"}},
            {"ruleId": "r2", "kind": "pass"},
            {"ruleId": "r2", "suppressions": [{"kind": "inSource"}]},
            {"ruleId": "r2", "suppressions": [{"kind": "external", "status": "rejected"}]},
            {"ruleId": "r2", "baselineState": "absent"}
          ]}]}"#,
    );
    // r0 critical (score), r1 high (rule's default level error), r2
    // medium (warning), r2-note high (score wins), none, pass (none),
    // rejected suppression medium; accepted and absent not counted.
    assert_eq!(get(&m, "findings"), 7.0);
    assert_eq!(get(&m, "critical_findings"), 1.0);
    assert_eq!(get(&m, "high_findings"), 3.0);
    assert_eq!(get(&m, "medium_findings"), 5.0);
    assert_eq!(get(&m, "low_findings"), 5.0);
    assert_eq!(get(&m, "error_findings"), 1.0);
    assert_eq!(get(&m, "warning_findings"), 4.0);
    assert_eq!(get(&m, "note_findings"), 5.0);
}

#[test]
fn results_before_their_rules_count_the_same() {
    let tool = r#""tool": {"driver": {"rules": [{"id": "r", "defaultConfiguration": {"level": "error"}}]}}"#;
    let results =
        r#""results": [{"ruleId": "r"}, {"ruleIndex": 0, "level": "note"}, {"ruleId": "other"}]"#;
    let first = metrics(&format!(
        r#"{{"version": "2.1.0", "runs": [{{{tool}, {results}}}]}}"#
    ));
    let last = metrics(&format!(
        r#"{{"version": "2.1.0", "runs": [{{{results}, {tool}}}]}}"#
    ));
    assert_eq!(first, last);
    assert_eq!(get(&first, "error_findings"), 1.0);
    assert_eq!(get(&first, "warning_findings"), 2.0);
    assert_eq!(get(&first, "note_findings"), 3.0);
}

#[test]
fn rules_of_extensions_by_component_index() {
    let m = metrics(
        r#"{"version": "2.1.0", "runs": [{
          "tool": {"driver": {"name": "codeql"}, "extensions": [
            {"name": "pack", "rules": [{"id": "js/x", "properties": {"security-severity": "8.8"}}]}
          ]},
          "results": [{"rule": {"id": "js/x", "index": 0, "toolComponent": {"index": 0}}}]
        }]}"#,
    );
    assert_eq!(get(&m, "high_findings"), 1.0);
    assert_eq!(get(&m, "critical_findings"), 0.0);
}

#[test]
fn results_count_over_all_runs() {
    let run = r#"{"tool": {"driver": {"name": "t"}}, "results": [{"level": "error"}]}"#;
    let m = metrics(&format!(
        r#"{{"version": "2.1.0", "runs": [{run}, {run}]}}"#
    ));
    assert_eq!(get(&m, "findings"), 2.0);
    let limits = Limits {
        max_items: 1,
        ..Limits::default()
    };
    let text = format!("{{\"version\": \"2.1.0\", \"runs\": [\n{run},\n{run}]}}");
    let err = read(text.as_bytes(), &limits);
    assert_eq!(err.map_err(|e| e.line), Err(3));
}

#[test]
fn refused_logs_name_their_line() {
    let cases = [
        ("{\n\"version\": \"2.0.0\",\n\"runs\": []}", 2, "2.0.0"),
        (
            "{\"runs\": [{\"tool\": {\"driver\": {}}, \"results\": []}],\n\"version\": \"2.0.0\"\n}",
            2,
            "2.0.0",
        ),
        ("{\"version\": \"2.1.0\",\n\"runs\": []\n}", 2, "no runs"),
        (
            "{\"version\": \"2.1.0\", \"runs\": [{\"tool\": {\"driver\": {}},\n\"results\": null}]}",
            2,
            "null",
        ),
        (
            "{\"version\": \"2.1.0\", \"runs\": [{\"tool\": {\"driver\": {}}, \"results\": [\n{\"level\": \"fatal\"}]}]}",
            2,
            "fatal",
        ),
        (
            "{\"version\": \"2.1.0\", \"runs\": [{\"tool\": {\"driver\": {}}, \"results\": [\n{\"properties\": {\"security-severity\": \"high\"}}]}]}",
            2,
            "security-severity",
        ),
        ("{\"version\": \"2.1.0\",\n\"runs\": [{\"tool\": ", 2, "EOF"),
    ];
    for (text, line, words) in cases {
        match read(text.as_bytes(), &Limits::default()) {
            Ok(report) => panic!("{text} read as {report:?}"),
            Err(e) => {
                assert_eq!(e.line, line, "{text}: {e}");
                assert!(e.message.contains(words), "{text}: {e}");
            }
        }
    }
}
