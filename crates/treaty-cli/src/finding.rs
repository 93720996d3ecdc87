//! Findings for code-review tools: the changes of `treaty diff` and
//! `treaty check` as a flat list, each with one place in a file, a
//! severity and a stable fingerprint. SARIF (`crate::sarif`) and GitLab's
//! Code Quality report (`crate::code_quality`) are renderings of it, so
//! both say the same thing about the same change.

use treaty_compat::Level;
use treaty_core::check::Standing;

use crate::check::{CheckReport, InterfaceReport};
use crate::diff::{JsonChange, JsonLocation, JsonReport};

/// How much a finding matters to the one reading the review.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// It fails the check (or, in a diff, breaks under the policy).
    Error,
    /// Breaking but let through (nobody uses it, waived, approved...), or
    /// a warning.
    Warning,
    /// Information.
    Note,
}

/// One finding, at one place.
#[derive(Debug, Clone)]
pub struct Finding {
    pub rule: String,
    pub severity: Severity,
    pub message: String,
    /// The file, relative to where the command ran, with `/` separators.
    pub path: String,
    /// 1-based; 1 when only the file is known.
    pub line: usize,
    pub column: usize,
    /// Why it does not count against the verdict although it is breaking
    /// (a waiver, an approved proposal): SARIF's suppression.
    pub suppressed: Option<String>,
    /// Stable across runs and line moves: the interface (or file), the
    /// rule and the message, hashed.
    pub fingerprint: String,
}

/// `dir` joined with a workspace-relative `file`, as a relative path with
/// `/` (what code scanning and GitLab resolve against the checkout).
fn joined(dir: &str, file: &str) -> String {
    let dir = dir.trim_end_matches('/');
    let dir = dir.strip_prefix("./").unwrap_or(dir);
    let file = file.strip_prefix("./").unwrap_or(file);
    if dir.is_empty() || dir == "." {
        file.to_owned()
    } else {
        format!("{dir}/{file}")
    }
}

fn fingerprint(scope: &str, rule: &str, what: &str) -> String {
    let hash = treaty_core::governance::change_set_hash(scope, [(rule, what)]);
    hash.trim_start_matches("sha256:").to_owned()
}

/// What tells a change from another of the same rule and message (the
/// same enum value removed from a request and from a response).
fn identity(c: &JsonChange, against: Option<&str>) -> String {
    fn pointer(l: &Option<JsonLocation>) -> &str {
        l.as_ref().map_or("", |l| l.pointer.as_str())
    }
    format!(
        "{}\t{}\t{}\t{}\t{}\t{}",
        c.level.as_str(),
        c.message,
        pointer(&c.old),
        pointer(&c.new),
        c.path.as_deref().unwrap_or(""),
        against.unwrap_or("")
    )
}

/// GitLab takes one issue per fingerprint: a repeated one gets the count
/// of its repeats appended, in the order of the report.
fn unique_fingerprints(findings: &mut [Finding]) {
    let mut seen = std::collections::HashMap::<String, usize>::new();
    for f in findings {
        let n = seen.entry(f.fingerprint.clone()).or_insert(0);
        *n += 1;
        if *n > 1 {
            f.fingerprint = format!("{}-{n}", f.fingerprint);
        }
    }
}

/// Where a change is shown: its new side, else its old side (a removal),
/// else `fallback` at line 1.
fn place(change: &JsonChange, fallback: &str) -> (String, usize, usize) {
    let at = |l: &JsonLocation| (l.file.clone(), l.line.max(1), l.column.max(1));
    change
        .new
        .as_ref()
        .map(at)
        .or_else(|| change.old.as_ref().map(at))
        .unwrap_or_else(|| (fallback.to_owned(), 1, 1))
}

fn severity_of(level: Level) -> Severity {
    match level {
        Level::Breaking => Severity::Error,
        Level::Warning => Severity::Warning,
        Level::Info => Severity::Note,
    }
}

/// The findings of `treaty diff OLD NEW`: every change, at its place in
/// the new file (the old one for a removal).
pub fn of_diff(report: &JsonReport, new_path: &str) -> Vec<Finding> {
    let mut out = report
        .changes
        .iter()
        .map(|c| {
            let (path, line, column) = place(c, new_path);
            Finding {
                rule: c.rule.to_owned(),
                severity: severity_of(c.level),
                message: c.message.clone(),
                path: joined("", &path),
                line,
                column,
                suppressed: None,
                fingerprint: fingerprint(new_path, c.rule, &identity(c, None)),
            }
        })
        .collect::<Vec<_>>();
    unique_fingerprints(&mut out);
    out
}

/// The findings of `treaty check` on the workspace in `dir` (as given on
/// the command line, so that paths resolve from the repository root
/// where CI runs it): every change, and every interface that could not
/// be compared or was removed.
pub fn of_check(report: &CheckReport, dir: &str) -> Vec<Finding> {
    let mut out = Vec::new();
    for i in &report.interfaces {
        if let Some(f) = of_interface(i, dir) {
            out.push(f);
        }
        for c in &i.changes {
            let j = &c.change;
            // The base's side of a change is a line of another revision:
            // show the current schema instead, and name the old place.
            let (path, line, column, message) = match &j.new {
                Some(l) => (
                    l.file.clone(),
                    l.line.max(1),
                    l.column.max(1),
                    j.message.clone(),
                ),
                None => {
                    let before = j.old.as_ref().map_or_else(String::new, |l| {
                        format!(" (at {}:{}:{}:{})", report.base, l.file, l.line, l.column)
                    });
                    (i.schema.clone(), 1, 1, format!("{}{before}", j.message))
                }
            };
            let affects = match &j.affects {
                Some(teams) if !teams.is_empty() => format!("; affects {}", teams.join(", ")),
                _ => String::new(),
            };
            let severity = match (j.level, c.standing) {
                (Level::Breaking, Standing::Fails) => Severity::Error,
                (Level::Breaking, _) => Severity::Warning,
                (level, _) => severity_of(level),
            };
            let suppressed = match c.standing {
                Standing::Waived => Some(format!(
                    "waived by {}",
                    c.waived_by.as_deref().unwrap_or("a waiver")
                )),
                Standing::Approved => Some("approved by a change proposal".to_owned()),
                _ => None,
            };
            out.push(Finding {
                rule: j.rule.to_owned(),
                severity,
                message: format!("{}: {message}{affects}", i.id),
                path: joined(dir, &path),
                line,
                column,
                suppressed,
                fingerprint: fingerprint(
                    &i.id,
                    j.rule,
                    &identity(j, c.found_against.as_ref().map(|a| a.commit.as_str())),
                ),
            });
        }
    }
    unique_fingerprints(&mut out);
    out
}

/// An interface that fails without a change to show (removed while
/// consumed, unreadable) as one finding at its schema.
fn of_interface(i: &InterfaceReport, dir: &str) -> Option<Finding> {
    let rule = match i.status {
        "removed" => "interface-removed",
        "error" => "interface-unreadable",
        _ => return None,
    };
    let message = i.message.clone().unwrap_or_default();
    Some(Finding {
        rule: rule.to_owned(),
        severity: Severity::Error,
        message: format!("{}: {message}", i.id),
        path: joined(dir, &i.schema),
        line: 1,
        column: 1,
        suppressed: None,
        fingerprint: fingerprint(&i.id, rule, &message),
    })
}

/// The rules Treaty's own check reports besides the engine's, with their
/// summaries (the engine's are `treaty_compat::RULES`).
const CHECK_RULES: &[(&str, &str)] = &[
    (
        crate::check::USE_GONE,
        "Something a consumer declares it uses (an operation, channel, message or schema) is gone.",
    ),
    (
        crate::check::PACT_BROKEN,
        "An interaction of a consumer's Pact file no longer holds against the new schema.",
    ),
    (
        "interface-removed",
        "An interface with consumers at the base is no longer declared.",
    ),
    (
        "interface-unreadable",
        "A version of the interface's schema could not be read, so it was not compared.",
    ),
];

/// The one-line summary of a rule id, from the engine's catalog or the
/// check's own rules.
pub fn rule_summary(rule: &str) -> &'static str {
    treaty_compat::RULES
        .iter()
        .chain(CHECK_RULES)
        .find(|r| r.0 == rule)
        .map_or("", |r| r.1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_join_the_workspace_directory_as_given() {
        assert_eq!(joined(".", "schemas/a.yaml"), "schemas/a.yaml");
        assert_eq!(joined("", "a.yaml"), "a.yaml");
        assert_eq!(
            joined("./contracts/", "schemas/a.yaml"),
            "contracts/schemas/a.yaml"
        );
        assert_eq!(
            joined("docs/api", "./openapi.json"),
            "docs/api/openapi.json"
        );
    }

    #[test]
    fn every_rule_has_a_summary() {
        for (rule, _) in treaty_compat::RULES.iter().chain(CHECK_RULES) {
            assert!(!rule_summary(rule).is_empty(), "{rule}");
        }
        assert_eq!(rule_summary("no-such-rule"), "");
    }
}
