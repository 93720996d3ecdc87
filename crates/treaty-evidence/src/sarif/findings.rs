//! What a SARIF result and its rule say about a finding: its effective
//! level, its severity, and the counts they add to (the rules are in the
//! parent module's documentation and docs/evidence.md).

use std::collections::HashMap;

use serde::Deserialize;
use serde::de;

use crate::Entry;
use crate::summary::count;

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
pub(super) struct Totals {
    findings: u64,
    /// By severity: low, medium, high, critical.
    severity: [u64; 4],
    /// By effective level: note, warning, error.
    level: [u64; 3],
}

impl Totals {
    /// Counts a finding, classified by the run's rules.
    pub(super) fn count(&mut self, finding: &Pending, catalog: &Catalog) {
        let (level, severity) = finding.classify(catalog);
        self.record(level, severity);
    }

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
    pub(super) fn into_entry(self) -> Entry {
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
pub(super) struct Tool {
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
pub(super) struct Catalog {
    driver: Vec<RuleFacts>,
    extensions: Vec<Vec<RuleFacts>>,
    by_id: HashMap<String, RuleFacts>,
}

impl Catalog {
    pub(super) fn new(tool: Tool) -> Catalog {
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
pub(super) struct SarifResult {
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
    pub(super) fn into_pending(self) -> Option<Pending> {
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
pub(super) struct Pending {
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
