//! A test run's counts and the metrics they become: one home for the
//! metric names of a JUnit report and for how `pass_rate` follows from
//! the counts, used by the reader and by [`crate::Report::combine`].

use std::collections::BTreeMap;

use crate::{Entry, Measurement};

/// How one test case ended, in rising precedence: a case with both a
/// `<skipped>` and a `<failure>` child failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum CaseOutcome {
    Passed,
    Skipped,
    Error,
    Failure,
}

/// The counts of a test run (or of several shards of one).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub(crate) struct TestCounts {
    pub(crate) tests: u64,
    pub(crate) passed: u64,
    pub(crate) failures: u64,
    pub(crate) errors: u64,
    pub(crate) skipped: u64,
    /// Seconds, summed over the cases that said how long they took; none
    /// when no case did.
    pub(crate) duration: Option<f64>,
}

/// The metric names of a JUnit entry's counts.
pub(crate) const COUNT_METRICS: [&str; 5] = ["tests", "passed", "failures", "errors", "skipped"];

impl TestCounts {
    pub(crate) fn record(&mut self, outcome: CaseOutcome) {
        self.tests += 1;
        match outcome {
            CaseOutcome::Passed => self.passed += 1,
            CaseOutcome::Skipped => self.skipped += 1,
            CaseOutcome::Error => self.errors += 1,
            CaseOutcome::Failure => self.failures += 1,
        }
    }

    pub(crate) fn add_duration(&mut self, seconds: f64) {
        self.duration = Some(self.duration.unwrap_or(0.0) + seconds);
    }

    /// The counts read back from an entry made by [`TestCounts::into_entry`];
    /// `Err` names the count that is missing or not a whole number.
    pub(crate) fn from_entry(entry: &Entry) -> Result<TestCounts, String> {
        let count = |name: &str| -> Result<u64, String> {
            let value = entry
                .metrics
                .get(name)
                .map(|m| m.value)
                .ok_or_else(|| format!("metric `{name}` is missing"))?;
            if value >= 0.0 && value.fract() == 0.0 && value <= u64::MAX as f64 {
                Ok(value as u64)
            } else {
                Err(format!("metric `{name}` is {value}, not a count"))
            }
        };
        Ok(TestCounts {
            tests: count("tests")?,
            passed: count("passed")?,
            failures: count("failures")?,
            errors: count("errors")?,
            skipped: count("skipped")?,
            duration: entry.metrics.get("duration").map(|m| m.value),
        })
    }

    pub(crate) fn add(&mut self, other: &TestCounts) {
        self.tests = self.tests.saturating_add(other.tests);
        self.passed = self.passed.saturating_add(other.passed);
        self.failures = self.failures.saturating_add(other.failures);
        self.errors = self.errors.saturating_add(other.errors);
        self.skipped = self.skipped.saturating_add(other.skipped);
        if let Some(seconds) = other.duration {
            self.add_duration(seconds);
        }
    }

    /// The unnamed entry: the counts, `pass_rate` = passed / (tests −
    /// skipped) only when some test ran (so a threshold cannot be met by a
    /// run of nothing), and `duration` in seconds when known.
    pub(crate) fn into_entry(self) -> Entry {
        let mut metrics = BTreeMap::new();
        let values = [
            self.tests,
            self.passed,
            self.failures,
            self.errors,
            self.skipped,
        ];
        for (name, value) in COUNT_METRICS.iter().zip(values) {
            metrics.insert((*name).to_owned(), count(value));
        }
        let ran = self.tests.saturating_sub(self.skipped);
        if ran > 0 {
            metrics.insert(
                "pass_rate".to_owned(),
                Measurement {
                    value: self.passed as f64 / ran as f64,
                    unit: None,
                },
            );
        }
        if let Some(seconds) = self.duration {
            metrics.insert(
                "duration".to_owned(),
                Measurement {
                    value: seconds,
                    unit: Some("s".to_owned()),
                },
            );
        }
        Entry {
            name: None,
            metrics,
        }
    }
}

/// A count as a unitless measurement.
pub(crate) fn count(value: u64) -> Measurement {
    Measurement {
        value: value as f64,
        unit: None,
    }
}
