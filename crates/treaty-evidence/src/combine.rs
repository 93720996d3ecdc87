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
