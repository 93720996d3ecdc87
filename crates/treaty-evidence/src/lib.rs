//! Reports that CI jobs produce, read into named measurements a release
//! gate can compare with a criterion's threshold.
//!
//! [`read`] takes a report's bytes as a [`BufRead`] and its
//! [`ReportFormat`], and returns a [`Report`]: one or more [`Entry`]s,
//! each a set of named [`Measurement`]s (`pass_rate`, `high_findings`,
//! `p99_latency`, …). A test report or a scan has one unnamed entry; a
//! benchmark or SLO file has one entry per benchmark or objective, named
//! as a criterion's `source` names it. [`Report::combine`] merges the
//! shards of one run (several JUnit files of one CI job).
//!
//! What it is not: a reader of files, globs or uploads (callers open
//! them and pass readers), nor a judge: whether a measurement meets a
//! threshold is decided in `treaty-core`'s gate. It has no clock.

#![warn(missing_docs)]

use std::collections::BTreeMap;
use std::io::BufRead;

use serde::{Deserialize, Serialize};

mod combine;
mod criterion;
mod json;
mod junit;
mod metrics;
mod sarif;
mod source;
mod summary;
mod units;

pub use combine::CombineError;
pub use criterion::criterion_name;
pub use units::convert;

/// Reads a report of `format` from `input`, as a stream: memory grows
/// with what is kept (the results of one SARIF run, the metrics of a
/// metrics file), not with the report's size, and every one of `limits`
/// is enforced while reading. A malformed report is refused with the
/// 1-based line it failed at; nothing of it is returned.
///
/// The formats, their metric names and rules are in docs/evidence.md.
pub fn read(
    format: ReportFormat,
    input: impl BufRead,
    limits: &Limits,
) -> Result<Report, ReportError> {
    match format {
        ReportFormat::Junit => junit::read(input, limits),
        ReportFormat::Sarif => sarif::read(input, limits),
        ReportFormat::Metrics => metrics::read(input, limits),
        ReportFormat::CriterionEstimates => criterion::read(input, limits),
    }
}

/// The formats [`read`] understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportFormat {
    /// JUnit XML, as `cargo nextest`, pytest and JUnit 5 write it.
    Junit,
    /// SARIF 2.1.0, as clippy-sarif, semgrep or CodeQL write it.
    Sarif,
    /// Treaty's JSON of named metrics (docs/evidence.md).
    Metrics,
    /// criterion's `estimates.json` (one benchmark).
    CriterionEstimates,
}

impl ReportFormat {
    /// Every format, in the order of their names below.
    pub const ALL: [ReportFormat; 4] = [
        ReportFormat::Junit,
        ReportFormat::Sarif,
        ReportFormat::Metrics,
        ReportFormat::CriterionEstimates,
    ];

    /// The format's name, as serde writes it (`junit`, `sarif`,
    /// `metrics`, `criterion_estimates`).
    pub fn name(self) -> &'static str {
        match self {
            ReportFormat::Junit => "junit",
            ReportFormat::Sarif => "sarif",
            ReportFormat::Metrics => "metrics",
            ReportFormat::CriterionEstimates => "criterion_estimates",
        }
    }
}

impl std::fmt::Display for ReportFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A name that is not one of [`ReportFormat::name`]'s.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown report format `{0}` (known: junit, sarif, metrics, criterion_estimates)")]
pub struct UnknownFormat(pub String);

impl std::str::FromStr for ReportFormat {
    type Err = UnknownFormat;

    fn from_str(name: &str) -> Result<ReportFormat, UnknownFormat> {
        ReportFormat::ALL
            .into_iter()
            .find(|f| f.name() == name)
            .ok_or_else(|| UnknownFormat(name.to_owned()))
    }
}

/// A measured value and its unit, when it has one (`ms`, `s`, `%`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Measurement {
    /// The value.
    pub value: f64,
    /// The unit, as the report wrote it; none for counts and ratios.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
}

/// The measurements of one subject of a report.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Entry {
    /// The benchmark's or objective's name; none for a whole test report
    /// or scan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Its measurements, by metric name.
    pub metrics: BTreeMap<String, Measurement>,
}

/// What a report says, as measurements.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// The report's format.
    pub format: ReportFormat,
    /// Its entries: one unnamed for JUnit and SARIF, one per benchmark or
    /// objective otherwise.
    pub entries: Vec<Entry>,
}

impl Report {
    /// The entry a criterion whose evidence `source` is `name` reads:
    /// the entry of that name, else the unnamed entry.
    pub fn entry(&self, name: &str) -> Option<&Entry> {
        self.entries
            .iter()
            .find(|e| e.name.as_deref() == Some(name))
            .or_else(|| self.entries.iter().find(|e| e.name.is_none()))
    }

    /// The shards of one run merged into one report: JUnit counts and
    /// durations summed and `pass_rate` computed from the sums; SARIF
    /// counts summed; metrics and criterion entries united, a name in two
    /// reports (or two unnamed entries) being an error. All reports must
    /// be of one format.
    pub fn combine(reports: &[Report]) -> Result<Report, CombineError> {
        combine::combine(reports)
    }
}

/// Bounds on what [`read`] accepts from a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest report, in bytes.
    pub max_bytes: u64,
    /// Deepest nesting of elements or JSON values.
    pub max_depth: usize,
    /// Most test cases, results or metrics.
    pub max_items: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_bytes: 1 << 30,
            max_depth: 64,
            max_items: 10_000_000,
        }
    }
}

/// Why a report was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct ReportError {
    /// The 1-based line it failed at.
    pub line: u64,
    /// What is wrong, in words.
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_names_round_trip() {
        for format in ReportFormat::ALL {
            assert_eq!(format.name().parse(), Ok(format));
            assert_eq!(
                serde_json::to_value(format).ok(),
                Some(serde_json::Value::from(format.name()))
            );
        }
        assert_eq!(
            "xunit".parse::<ReportFormat>(),
            Err(UnknownFormat("xunit".to_owned()))
        );
    }
}
