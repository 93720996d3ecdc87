//! GitLab's Code Quality report (a JSON array of issues, the
//! `artifacts: reports: codequality` of a job) of a list of findings:
//! `treaty check --format gitlab`. GitLab shows them in the merge
//! request's widget and diff.

use serde_json::{Value, json};

use crate::finding::{Finding, Severity};

/// GitLab's severities are info, minor, major, critical and blocker: a
/// finding that fails the check is critical, one let through is minor.
fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Error => "critical",
        Severity::Warning => "minor",
        Severity::Note => "info",
    }
}

pub fn render(findings: &[Finding]) -> String {
    let issues: Vec<Value> = findings
        .iter()
        .map(|f| {
            let description = match &f.suppressed {
                Some(why) => format!("{} ({why})", f.message),
                None => f.message.clone(),
            };
            json!({
                "type": "issue",
                "description": description,
                "check_name": f.rule,
                "fingerprint": f.fingerprint,
                "severity": severity(f.severity),
                "location": { "path": f.path, "lines": { "begin": f.line } },
            })
        })
        .collect();
    serde_json::to_string_pretty(&issues).unwrap_or_default() + "\n"
}
