//! SARIF 2.1.0, as clippy-sarif, semgrep or CodeQL write it, read with
//! serde into only the fields a finding's severity needs.
//!
//! Runs and results are read through seeds rather than into a
//! `serde_json::Value`: a result is counted as it is read when its run's
//! `tool` (the rules) came first, and otherwise kept as a small
//! [`findings::Pending`] record until the run ends (SARIF does not order
//! a run's members; clippy-sarif writes `results` first). The result
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

mod findings;
#[cfg(test)]
mod tests;

use std::fmt;
use std::io::BufRead;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::json::CheckedStr;
use crate::{Limits, Report, ReportError, ReportFormat};
use findings::{Catalog, Pending, SarifResult, Totals};

/// Reads a SARIF 2.1.0 log into one unnamed entry of finding counts.
pub(crate) fn read(input: impl BufRead, limits: &Limits) -> Result<Report, ReportError> {
    let totals = crate::json::read_with(input, limits, LogSeed { limits })?;
    Ok(Report {
        format: ReportFormat::Sarif,
        entries: vec![totals.into_entry()],
    })
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
        for finding in &pending {
            self.totals.count(finding, &catalog);
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
                Some(catalog) => self.totals.count(&finding, catalog),
                None => pending.push(finding),
            }
        }
        Ok(pending)
    }
}
