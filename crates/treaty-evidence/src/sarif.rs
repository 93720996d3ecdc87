//! SARIF 2.1.0, as clippy-sarif, semgrep or CodeQL write it, read with
//! serde into only the fields a finding's severity needs.
//!
//! Runs and results are read through seeds rather than into a
//! `serde_json::Value`, so the memory kept is a few words per result of
//! the run being read (results are classified when their run ends; the
//! rules they refer to may come before or after them), and the result
//! limit counts across runs while reading.
//!
//! A result counts as a finding unless a suppression accepted it (a
//! `suppressions` entry whose `status` is absent or `accepted`) or its
//! `baselineState` is `absent` (it was fixed since the baseline). Its
//! effective level is its `level`, else `none` when its `kind` is other
//! than `fail` (SARIF §3.27.10), else its rule's
//! `defaultConfiguration.level`, else `warning`. Its severity is GitHub's
//! `security-severity` (on the result's `properties`, else its rule's):
//! critical ≥ 9.0, high ≥ 7.0, medium ≥ 4.0, low > 0; without one, the
//! level: error → high, warning → medium, note → low. A result of level
//! `none` has no severity (SARIF: "the concept of severity does not
//! apply"), whatever its rule's score.

use std::collections::HashMap;
use std::fmt;
use std::io::BufRead;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::json::CheckedStr;
use crate::summary::count;
use crate::{Entry, Limits, Report, ReportError, ReportFormat};

/// Reads a SARIF 2.1.0 log into one unnamed entry of finding counts.
pub(crate) fn read(input: impl BufRead, limits: &Limits) -> Result<Report, ReportError> {
    let totals = crate::json::read_with(input, limits, LogSeed { limits })?;
    Ok(Report {
        format: ReportFormat::Sarif,
        entries: vec![totals.into_entry()],
    })
}

/// A result's level, as SARIF names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Level {
    None,
    Note,
    Warning,
    Error,
}

/// GitHub's severity buckets, from a `security-severity` score or a level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    fn from_score(score: f64) -> Option<Severity> {
        if score >= 9.0 {
            Some(Severity::Critical)
        } else if score >= 7.0 {
            Some(Severity::High)
        } else if score >= 4.0 {
            Some(Severity::Medium)
        } else if score > 0.0 {
            Some(Severity::Low)
        } else {
            None
        }
    }

    fn from_level(level: Level) -> Option<Severity> {
        match level {
            Level::Error => Some(Severity::High),
            Level::Warning => Some(Severity::Medium),
            Level::Note => Some(Severity::Low),
            Level::None => None,
        }
    }
}

/// Findings counted so far, exclusively per bucket (made cumulative only
/// in [`Totals::into_entry`]).
#[derive(Debug, Default)]
struct Totals {
    findings: u64,
    /// By severity: low, medium, high, critical.
    severity: [u64; 4],
    /// By effective level: note, warning, error.
    level: [u64; 3],
}

impl Totals {
    fn record(&mut self, level: Level, severity: Option<Severity>) {
        self.findings += 1;
        if let Some(severity) = severity {
            self.severity[severity as usize] += 1;
        }
        match level {
            Level::Note => self.level[0] += 1,
            Level::Warning => self.level[1] += 1,
            Level::Error => self.level[2] += 1,
            Level::None => {}
        }
    }

    /// The entry, each count "at or above" its bucket: a threshold
    /// `high_findings max 0` means nothing high or critical.
    fn into_entry(self) -> Entry {
        let at_or_above = |counts: &[u64], from: usize| counts[from..].iter().sum::<u64>();
        let mut entry = Entry::default();
        let mut put = |name: &str, value: u64| {
            entry.metrics.insert(name.to_owned(), count(value));
        };
        put("findings", self.findings);
        put("low_findings", at_or_above(&self.severity, 0));
        put("medium_findings", at_or_above(&self.severity, 1));
        put("high_findings", at_or_above(&self.severity, 2));
        put("critical_findings", at_or_above(&self.severity, 3));
        put("note_findings", at_or_above(&self.level, 0));
        put("warning_findings", at_or_above(&self.level, 1));
        put("error_findings", at_or_above(&self.level, 2));
        entry
    }
}

/// `properties`, for the one property read: GitHub's score from 0.0 to
/// 10.0, written as a string (`"9.8"`), sometimes as a number.
#[derive(Debug, Default, Deserialize)]
struct Properties {
    #[serde(
        rename = "security-severity",
        default,
        deserialize_with = "security_severity"
    )]
    security_severity: Option<f64>,
}

fn security_severity<'de, D: de::Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Score {
        Number(f64),
        Text(String),
    }
    let score = match Option::<Score>::deserialize(d)? {
        None => return Ok(None),
        Some(Score::Number(n)) => n,
        Some(Score::Text(text)) if text.trim().is_empty() => return Ok(None),
        Some(Score::Text(text)) => text.trim().parse::<f64>().map_err(|_| {
            de::Error::custom(format!("security-severity {text:?} is not a number"))
        })?,
    };
    if score.is_finite() && (0.0..=10.0).contains(&score) {
        Ok(Some(score))
    } else {
        Err(de::Error::custom(format!(
            "security-severity {score} is not between 0.0 and 10.0"
        )))
    }
}

#[derive(Debug, Default, Deserialize)]
struct Configuration {
    level: Option<Level>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    id: Option<String>,
    default_configuration: Option<Configuration>,
    properties: Option<Properties>,
}

#[derive(Debug, Default, Deserialize)]
struct Component {
    rules: Option<Vec<Rule>>,
}

#[derive(Debug, Deserialize)]
struct Tool {
    driver: Component,
    extensions: Option<Vec<Component>>,
}

/// What a result needs of its rule.
#[derive(Debug, Clone, Copy, Default)]
struct RuleFacts {
    level: Option<Level>,
    score: Option<f64>,
}

impl From<&Rule> for RuleFacts {
    fn from(rule: &Rule) -> RuleFacts {
        RuleFacts {
            level: rule.default_configuration.as_ref().and_then(|c| c.level),
            score: rule.properties.as_ref().and_then(|p| p.security_severity),
        }
    }
}

/// A run's rules, by position and by id (looked up once per result, so a
/// hash map rather than a search of thousands of CodeQL rules).
#[derive(Debug, Default)]
struct Catalog {
    driver: Vec<RuleFacts>,
    extensions: Vec<Vec<RuleFacts>>,
    by_id: HashMap<String, RuleFacts>,
}

impl Catalog {
    fn new(tool: Tool) -> Catalog {
        let mut catalog = Catalog::default();
        let extensions = tool.extensions.unwrap_or_default();
        // The driver's rules first: an id in both is the driver's.
        for (i, component) in std::iter::once(tool.driver).chain(extensions).enumerate() {
            let rules = component.rules.unwrap_or_default();
            for rule in &rules {
                if let Some(id) = &rule.id {
                    catalog.by_id.entry(id.clone()).or_insert(rule.into());
                }
            }
            let facts = rules.iter().map(RuleFacts::from).collect();
            if i == 0 {
                catalog.driver = facts;
            } else {
                catalog.extensions.push(facts);
            }
        }
        catalog
    }

    /// The rule a result refers to: by index (into the driver, or into
    /// the extension `rule.toolComponent.index` names), else by id.
    fn rule(&self, result: &Pending) -> Option<RuleFacts> {
        if let Some(index) = result.rule_index {
            let rules = match result.component {
                Some(c) => self.extensions.get(c),
                None => Some(&self.driver),
            };
            if let Some(rule) = rules.and_then(|r| r.get(index)) {
                return Some(*rule);
            }
        }
        self.by_id.get(result.rule_id.as_deref()?).copied()
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ComponentReference {
    index: Option<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RuleReference {
    id: Option<String>,
    index: Option<i64>,
    tool_component: Option<ComponentReference>,
}

#[derive(Debug, Deserialize)]
struct Suppression {
    status: Option<String>,
}

/// What a result says, as far as counting it goes.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: Option<String>,
    rule_index: Option<i64>,
    rule: Option<RuleReference>,
    kind: Option<String>,
    level: Option<Level>,
    properties: Option<Properties>,
    suppressions: Option<Vec<Suppression>>,
    baseline_state: Option<String>,
}

impl SarifResult {
    /// What is kept of the result until its run's rules are known; none
    /// when it is not a finding (an accepted suppression, or fixed since
    /// the baseline).
    fn into_pending(self) -> Option<Pending> {
        let accepted = self
            .suppressions
            .iter()
            .flatten()
            .any(|s| s.status.is_none() || s.status.as_deref() == Some("accepted"));
        if accepted || self.baseline_state.as_deref() == Some("absent") {
            return None;
        }
        let reference = self.rule;
        let index = |i: Option<i64>| i.and_then(|i| usize::try_from(i).ok());
        let rule_index = index(self.rule_index).or(index(reference.as_ref().and_then(|r| r.index)));
        let component = index(
            reference
                .as_ref()
                .and_then(|r| r.tool_component.as_ref())
                .and_then(|c| c.index),
        );
        Some(Pending {
            rule_index,
            component,
            rule_id: self
                .rule_id
                .or(reference.and_then(|r| r.id))
                .map(String::into_boxed_str),
            level: self.level,
            not_a_failure: self.kind.is_some_and(|k| k != "fail"),
            score: self.properties.and_then(|p| p.security_severity),
        })
    }
}

/// A finding, as small as it can be kept (results may come before the
/// rules they refer to; SARIF does not order a run's members).
#[derive(Debug)]
struct Pending {
    rule_index: Option<usize>,
    component: Option<usize>,
    rule_id: Option<Box<str>>,
    level: Option<Level>,
    /// `kind` is present and not `fail`.
    not_a_failure: bool,
    score: Option<f64>,
}

impl Pending {
    fn classify(&self, catalog: &Catalog) -> (Level, Option<Severity>) {
        let rule = catalog.rule(self);
        let level = self.level.unwrap_or_else(|| {
            if self.not_a_failure {
                Level::None
            } else {
                rule.and_then(|r| r.level).unwrap_or(Level::Warning)
            }
        });
        if level == Level::None {
            return (level, None);
        }
        let severity = match self.score.or(rule.and_then(|r| r.score)) {
            Some(score) => Severity::from_score(score),
            None => Severity::from_level(level),
        };
        (level, severity)
    }
}

struct LogSeed<'a> {
    limits: &'a Limits,
}

impl<'de> DeserializeSeed<'de> for LogSeed<'_> {
    type Value = Totals;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Totals, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for LogSeed<'_> {
    type Value = Totals;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a SARIF log (an object with `version` and `runs`)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Totals, A::Error> {
        let mut version = false;
        let mut totals = None;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "version" => {
                    map.next_value_seed(CheckedStr(|value: &str| {
                        if value == "2.1.0" {
                            Ok(())
                        } else {
                            Err(format!(
                                "SARIF version {value:?} is not supported (only 2.1.0 is)"
                            ))
                        }
                    }))?;
                    version = true;
                }
                "runs" if totals.is_some() => return Err(de::Error::duplicate_field("runs")),
                "runs" => {
                    totals = Some(map.next_value_seed(RunsSeed {
                        limits: self.limits,
                    })?)
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if !version {
            return Err(de::Error::custom(
                "no `version`: not a SARIF log (SARIF 2.1.0 logs say \"version\": \"2.1.0\")",
            ));
        }
        totals.ok_or_else(|| de::Error::missing_field("runs"))
    }
}

struct RunsSeed<'a> {
    limits: &'a Limits,
}

impl<'de> DeserializeSeed<'de> for RunsSeed<'_> {
    type Value = Totals;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Totals, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for RunsSeed<'_> {
    type Value = Totals;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of runs")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Totals, A::Error> {
        let mut totals = Totals::default();
        let mut results_seen = 0usize;
        let mut runs = 0usize;
        while let Some(()) = seq.next_element_seed(RunSeed {
            limits: self.limits,
            results_seen: &mut results_seen,
            totals: &mut totals,
        })? {
            runs += 1;
        }
        if runs == 0 {
            // An empty log says nothing was scanned, not that nothing
            // was found: a threshold must not pass on it.
            return Err(de::Error::custom("no runs: the log reports no scan"));
        }
        Ok(totals)
    }
}

struct RunSeed<'a> {
    limits: &'a Limits,
    results_seen: &'a mut usize,
    totals: &'a mut Totals,
}

impl<'de> DeserializeSeed<'de> for RunSeed<'_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for RunSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a run (an object with `tool` and `results`)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut catalog: Option<Catalog> = None;
        let mut pending: Option<Vec<Pending>> = None;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "tool" if catalog.is_some() => return Err(de::Error::duplicate_field("tool")),
                "tool" => catalog = Some(Catalog::new(map.next_value()?)),
                "results" if pending.is_some() => {
                    return Err(de::Error::duplicate_field("results"));
                }
                "results" => {
                    // With the rules known (the tool came first, as it
                    // usually does), each result is counted as it is read.
                    pending = Some(map.next_value_seed(ResultsSeed {
                        limits: self.limits,
                        results_seen: &mut *self.results_seen,
                        catalog: catalog.as_ref(),
                        totals: &mut *self.totals,
                    })?);
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let catalog = catalog.ok_or_else(|| de::Error::missing_field("tool"))?;
        // SARIF: results absent or null mean the tool produced no result
        // set (it failed); an empty array means it found nothing.
        let pending = pending.ok_or_else(|| {
            de::Error::custom("a run without `results`: the tool produced no result set")
        })?;
        for result in &pending {
            let (level, severity) = result.classify(&catalog);
            self.totals.record(level, severity);
        }
        Ok(())
    }
}

struct ResultsSeed<'a> {
    limits: &'a Limits,
    results_seen: &'a mut usize,
    /// The run's rules, when they came before its results.
    catalog: Option<&'a Catalog>,
    totals: &'a mut Totals,
}

impl<'de> DeserializeSeed<'de> for ResultsSeed<'_> {
    type Value = Vec<Pending>;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for ResultsSeed<'_> {
    type Value = Vec<Pending>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of results (null means the tool produced no result set)")
    }

    /// The findings still to classify: none when the rules were known.
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut pending = Vec::new();
        while let Some(result) = seq.next_element::<SarifResult>()? {
            *self.results_seen += 1;
            if *self.results_seen > self.limits.max_items {
                return Err(de::Error::custom(format!(
                    "more than the limit of {} results",
                    self.limits.max_items
                )));
            }
            let Some(finding) = result.into_pending() else {
                continue;
            };
            match self.catalog {
                Some(catalog) => {
                    let (level, severity) = finding.classify(catalog);
                    self.totals.record(level, severity);
                }
                None => pending.push(finding),
            }
        }
        Ok(pending)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let results = r#""results": [{"ruleId": "r"}, {"ruleIndex": 0, "level": "note"}, {"ruleId": "other"}]"#;
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
}
