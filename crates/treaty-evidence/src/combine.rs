//! The shards of one run merged into one report (several JUnit files of
//! one CI job, one SARIF per scanner, one metrics file per benchmark).
//!
//! JUnit: the counts and durations are summed and `pass_rate` is computed
//! again from the sums (an average of rates would weigh a shard of 2
//! tests like one of 2,000). SARIF: every count is summed (they are
//! cumulative per report, so their sums are too). Metrics and criterion:
//! the entries are united; a name in two reports is an error, not a
//! choice of one, and so is a second unnamed entry (name each criterion
//! report after its benchmark before combining).

use std::collections::{BTreeMap, HashSet};

use crate::summary::TestCounts;
use crate::{Entry, Measurement, Report, ReportFormat};

/// Why reports could not be combined.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CombineError {
    /// There was nothing to combine.
    #[error("no reports to combine")]
    Empty,
    /// The reports are of different formats.
    #[error("cannot combine a {first} report with a {other} report")]
    MixedFormats {
        /// The first report's format.
        first: ReportFormat,
        /// The first other format met.
        other: ReportFormat,
    },
    /// A named entry appears in more than one report.
    #[error("entry `{0}` appears in more than one report")]
    DuplicateName(String),
    /// More than one report has an unnamed entry where entries are united.
    #[error(
        "more than one unnamed entry: name each report's entry (the benchmark's name) before combining"
    )]
    UnnamedTwice,
    /// A JUnit or SARIF report does not have the one unnamed entry its
    /// reader makes, or its counts are not counts.
    #[error("a {format} report is not as its reader makes it: {reason}")]
    Malformed {
        /// The report's format.
        format: ReportFormat,
        /// What is wrong with it.
        reason: String,
    },
}

pub(crate) fn combine(reports: &[Report]) -> Result<Report, CombineError> {
    let first = reports.first().ok_or(CombineError::Empty)?;
    if let Some(other) = reports.iter().find(|r| r.format != first.format) {
        return Err(CombineError::MixedFormats {
            first: first.format,
            other: other.format,
        });
    }
    let entries = match first.format {
        ReportFormat::Junit => vec![junit(reports)?],
        ReportFormat::Sarif => vec![sums(reports)?],
        ReportFormat::Metrics | ReportFormat::CriterionEstimates => united(reports)?,
    };
    Ok(Report {
        format: first.format,
        entries,
    })
}

/// The one unnamed entry of a JUnit or SARIF report.
fn only_entry(report: &Report) -> Result<&Entry, CombineError> {
    match report.entries.as_slice() {
        [entry] if entry.name.is_none() => Ok(entry),
        _ => Err(CombineError::Malformed {
            format: report.format,
            reason: format!(
                "{} entries, where its reader makes one unnamed entry",
                report.entries.len()
            ),
        }),
    }
}

fn junit(reports: &[Report]) -> Result<Entry, CombineError> {
    let mut total = TestCounts::default();
    for report in reports {
        let counts = TestCounts::from_entry(only_entry(report)?).map_err(|reason| {
            CombineError::Malformed {
                format: report.format,
                reason,
            }
        })?;
        total.add(&counts);
    }
    Ok(total.into_entry())
}

fn sums(reports: &[Report]) -> Result<Entry, CombineError> {
    let mut metrics: BTreeMap<String, Measurement> = BTreeMap::new();
    for report in reports {
        for (name, measurement) in &only_entry(report)?.metrics {
            metrics
                .entry(name.clone())
                .and_modify(|m| m.value += measurement.value)
                .or_insert_with(|| measurement.clone());
        }
    }
    Ok(Entry {
        name: None,
        metrics,
    })
}

fn united(reports: &[Report]) -> Result<Vec<Entry>, CombineError> {
    let mut names = HashSet::new();
    let mut unnamed = false;
    let mut entries = Vec::new();
    for entry in reports.iter().flat_map(|r| &r.entries) {
        match &entry.name {
            Some(name) if !names.insert(name.as_str()) => {
                return Err(CombineError::DuplicateName(name.clone()));
            }
            Some(_) => {}
            None if unnamed => return Err(CombineError::UnnamedTwice),
            None => unnamed = true,
        }
        entries.push(entry.clone());
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Limits, read};

    fn report(format: ReportFormat, text: &str) -> Report {
        read(format, text.as_bytes(), &Limits::default()).unwrap_or_else(|e| panic!("{e}"))
    }

    fn value(report: &Report, name: &str) -> Option<f64> {
        report.entries[0].metrics.get(name).map(|m| m.value)
    }

    #[test]
    fn junit_pass_rate_is_computed_from_the_sums() {
        let big = report(
            ReportFormat::Junit,
            &format!(
                "<testsuite>{}</testsuite>",
                "<testcase time=\"1\"/>".repeat(99)
            ),
        );
        let small = report(
            ReportFormat::Junit,
            "<testsuite><testcase><failure/></testcase><testcase><skipped/></testcase></testsuite>",
        );
        let combined = Report::combine(&[big, small]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(value(&combined, "tests"), Some(101.0));
        assert_eq!(value(&combined, "pass_rate"), Some(0.99));
        assert_eq!(value(&combined, "duration"), Some(99.0));
    }

    #[test]
    fn junit_of_nothing_ran_has_no_pass_rate() {
        let skipped = report(
            ReportFormat::Junit,
            "<testsuite><testcase><skipped/></testcase></testsuite>",
        );
        let combined =
            Report::combine(&[skipped.clone(), skipped]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(value(&combined, "skipped"), Some(2.0));
        assert_eq!(value(&combined, "pass_rate"), None);
    }

    #[test]
    fn sarif_counts_are_summed() {
        let log = r#"{"version": "2.1.0", "runs": [{"tool": {"driver": {}},
            "results": [{"level": "error"}, {"level": "note"}]}]}"#;
        let one = report(ReportFormat::Sarif, log);
        let combined = Report::combine(&[one.clone(), one]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(value(&combined, "findings"), Some(4.0));
        assert_eq!(value(&combined, "high_findings"), Some(2.0));
        assert_eq!(value(&combined, "low_findings"), Some(4.0));
    }

    #[test]
    fn metrics_are_united_and_names_stay_unique() {
        let a = report(
            ReportFormat::Metrics,
            r#"{"version": 1, "entries": [{"name": "a", "metrics": {"x": 1}}]}"#,
        );
        let b = report(
            ReportFormat::Metrics,
            r#"{"version": 1, "entries": [{"name": "b", "metrics": {"x": 2}}]}"#,
        );
        let combined = Report::combine(&[a.clone(), b]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(combined.entries.len(), 2);
        assert_eq!(
            combined
                .entry("b")
                .and_then(|e| e.metrics.get("x"))
                .map(|m| m.value),
            Some(2.0)
        );
        assert_eq!(
            Report::combine(&[a.clone(), a]),
            Err(CombineError::DuplicateName("a".to_owned()))
        );
    }

    #[test]
    fn refusals() {
        assert_eq!(Report::combine(&[]), Err(CombineError::Empty));
        let junit = report(ReportFormat::Junit, "<testsuite/>");
        let sarif = report(
            ReportFormat::Sarif,
            r#"{"version": "2.1.0", "runs": [{"tool": {"driver": {}}, "results": []}]}"#,
        );
        assert_eq!(
            Report::combine(&[junit.clone(), sarif]),
            Err(CombineError::MixedFormats {
                first: ReportFormat::Junit,
                other: ReportFormat::Sarif
            })
        );
        let criterion = report(
            ReportFormat::CriterionEstimates,
            r#"{"mean": {"point_estimate": 1}, "median": {"point_estimate": 1}, "std_dev": {"point_estimate": 0}}"#,
        );
        assert_eq!(
            Report::combine(&[criterion.clone(), criterion.clone()]),
            Err(CombineError::UnnamedTwice)
        );
        let mut named = criterion.clone();
        named.entries[0].name = Some("sum_1000".to_owned());
        assert!(Report::combine(&[criterion, named]).is_ok());
        let mut broken = junit;
        broken.entries[0].metrics.remove("passed");
        assert!(matches!(
            Report::combine(&[broken]),
            Err(CombineError::Malformed { reason, .. }) if reason.contains("passed")
        ));
    }
}
