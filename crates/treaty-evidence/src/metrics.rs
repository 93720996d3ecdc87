//! Treaty's JSON of named metrics (docs/evidence.md), for benchmarks and
//! SLO measurements:
//!
//! ```json
//! {"version": 1, "entries": [{"name": "inventory/reserve-stock-3-warehouses",
//!   "metrics": {"p99_latency": {"value": 85.2, "unit": "ms"}, "throughput": 1200}}]}
//! ```
//!
//! A bare number has no unit. Entry names are unique and not empty;
//! values are finite; unknown fields are refused (a misspelt `unit` must
//! not silently turn milliseconds into a unitless number).

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::io::BufRead;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::json::CheckedStr;
use crate::{Entry, Limits, Measurement, Report, ReportError, ReportFormat};

/// The one version of the format this reader knows.
const VERSION: u64 = 1;

/// Reads a metrics file into one named entry per benchmark or objective.
pub(crate) fn read(input: impl BufRead, limits: &Limits) -> Result<Report, ReportError> {
    let entries = crate::json::read_with(input, limits, FileSeed { limits })?;
    Ok(Report {
        format: ReportFormat::Metrics,
        entries,
    })
}

/// A metric's value: a bare number, or `{"value": …, "unit": …}`.
#[derive(Debug)]
struct Value {
    value: f64,
    unit: Option<String>,
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Value, D::Error> {
        d.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(r#"a number, or {"value": <number>, "unit": "<unit>"}"#)
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Value, E> {
        Ok(Value { value, unit: None })
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Value, E> {
        self.visit_f64(value as f64)
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Value, E> {
        self.visit_f64(value as f64)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut value = None;
        let mut unit = None;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "value" if value.is_some() => return Err(de::Error::duplicate_field("value")),
                "value" => value = Some(map.next_value::<f64>()?),
                "unit" if unit.is_some() => return Err(de::Error::duplicate_field("unit")),
                "unit" => unit = Some(map.next_value::<String>()?),
                other => return Err(de::Error::unknown_field(other, &["value", "unit"])),
            }
        }
        let value = value.ok_or_else(|| de::Error::missing_field("value"))?;
        Ok(Value { value, unit })
    }
}

impl Value {
    fn into_measurement<E: de::Error>(self, metric: &str) -> Result<Measurement, E> {
        let Value { value, unit } = self;
        if !value.is_finite() {
            return Err(E::custom(format!(
                "metric `{metric}` is {value}, not a finite number"
            )));
        }
        if unit.as_deref().is_some_and(|u| u.trim().is_empty()) {
            return Err(E::custom(format!(
                "metric `{metric}` has an empty unit (leave `unit` out for none)"
            )));
        }
        Ok(Measurement { value, unit })
    }
}

struct FileSeed<'a> {
    limits: &'a Limits,
}

impl<'de> DeserializeSeed<'de> for FileSeed<'_> {
    type Value = Vec<Entry>;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Vec<Entry>, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for FileSeed<'_> {
    type Value = Vec<Entry>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a metrics file (an object with `version` and `entries`)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Vec<Entry>, A::Error> {
        let mut version = false;
        let mut entries = None;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "version" => {
                    map.next_value_seed(VersionSeed)?;
                    version = true;
                }
                "entries" if entries.is_some() => {
                    return Err(de::Error::duplicate_field("entries"));
                }
                "entries" => {
                    entries = Some(map.next_value_seed(EntriesSeed {
                        limits: self.limits,
                    })?);
                }
                // A `$schema` is welcome; anything else is a typo.
                "$schema" => {
                    map.next_value::<IgnoredAny>()?;
                }
                other => {
                    return Err(de::Error::unknown_field(
                        other,
                        &["version", "entries", "$schema"],
                    ));
                }
            }
        }
        if !version {
            return Err(de::Error::missing_field("version"));
        }
        entries.ok_or_else(|| de::Error::missing_field("entries"))
    }
}

/// The `version`, checked as it is read so a refusal names its line.
struct VersionSeed;

impl<'de> DeserializeSeed<'de> for VersionSeed {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_u64(self)
    }
}

impl<'de> Visitor<'de> for VersionSeed {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the format's version, {VERSION}")
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<(), E> {
        if value == VERSION {
            Ok(())
        } else {
            Err(E::custom(format!(
                "metrics file version {value} is not supported (only {VERSION} is)"
            )))
        }
    }
}

/// An entry's `metrics`, refusing a metric named twice (a plain map
/// would keep the last silently).
struct MetricMap(BTreeMap<String, Value>);

impl<'de> Deserialize<'de> for MetricMap {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<MetricMap, D::Error> {
        d.deserialize_map(MetricMapVisitor)
    }
}

struct MetricMapVisitor;

impl<'de> Visitor<'de> for MetricMapVisitor {
    type Value = MetricMap;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object of metrics by name")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<MetricMap, A::Error> {
        let mut metrics = BTreeMap::new();
        while let Some(name) = map.next_key::<String>()? {
            if metrics.contains_key(&name) {
                return Err(de::Error::custom(format!("metric `{name}` appears twice")));
            }
            let value = map.next_value::<Value>()?;
            metrics.insert(name, value);
        }
        Ok(MetricMap(metrics))
    }
}

struct EntriesSeed<'a> {
    limits: &'a Limits,
}

impl<'de> DeserializeSeed<'de> for EntriesSeed<'_> {
    type Value = Vec<Entry>;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Vec<Entry>, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for EntriesSeed<'_> {
    type Value = Vec<Entry>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of entries, each with a `name` and `metrics`")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<Entry>, A::Error> {
        let mut entries = Vec::new();
        let mut names = HashSet::new();
        let mut metrics_seen = 0usize;
        while let Some(entry) = seq.next_element_seed(EntrySeed {
            limits: self.limits,
            names: &mut names,
            metrics_seen: &mut metrics_seen,
        })? {
            entries.push(entry);
        }
        Ok(entries)
    }
}

/// One entry, checked as it is read so that an error names the entry's
/// own line: its name when the name is read, its metrics at its end.
struct EntrySeed<'a> {
    limits: &'a Limits,
    names: &'a mut HashSet<String>,
    metrics_seen: &'a mut usize,
}

impl<'de> DeserializeSeed<'de> for EntrySeed<'_> {
    type Value = Entry;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Entry, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for EntrySeed<'_> {
    type Value = Entry;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an entry (an object with `name` and `metrics`)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Entry, A::Error> {
        let mut name: Option<String> = None;
        let mut raw: Option<BTreeMap<String, Value>> = None;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "name" if name.is_some() => return Err(de::Error::duplicate_field("name")),
                "name" => {
                    let names = &mut *self.names;
                    let value = map.next_value_seed(CheckedStr(|value: &str| {
                        if value.trim().is_empty() {
                            Err("an entry with an empty name".to_owned())
                        } else if !names.insert(value.to_owned()) {
                            Err(format!("entry `{value}` appears twice (names are unique)"))
                        } else {
                            Ok(())
                        }
                    }))?;
                    name = Some(value);
                }
                "metrics" if raw.is_some() => return Err(de::Error::duplicate_field("metrics")),
                "metrics" => raw = Some(map.next_value::<MetricMap>()?.0),
                other => return Err(de::Error::unknown_field(other, &["name", "metrics"])),
            }
        }
        let name = name.ok_or_else(|| de::Error::missing_field("name"))?;
        let raw = raw.ok_or_else(|| de::Error::missing_field("metrics"))?;
        // An entry of no metrics still costs an item: a file of a million
        // empty entries is not free.
        *self.metrics_seen = self.metrics_seen.saturating_add(raw.len().max(1));
        if *self.metrics_seen > self.limits.max_items {
            return Err(de::Error::custom(format!(
                "more than the limit of {} metrics",
                self.limits.max_items
            )));
        }
        let mut metrics = BTreeMap::new();
        for (metric, value) in raw {
            if metric.trim().is_empty() {
                return Err(de::Error::custom(format!(
                    "entry `{name}` has a metric with an empty name"
                )));
            }
            let measurement = value.into_measurement(&metric)?;
            metrics.insert(metric, measurement);
        }
        Ok(Entry {
            name: Some(name),
            metrics,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_str(text: &str) -> Result<Report, ReportError> {
        read(text.as_bytes(), &Limits::default())
    }

    #[test]
    fn bare_numbers_and_units() {
        let report = read_str(
            r#"{"version": 1, "entries": [{"name": "a/b",
                "metrics": {"p99_latency": {"value": 85.2, "unit": "ms"}, "throughput": 1200}}]}"#,
        );
        let Ok(report) = report else {
            panic!("{report:?}")
        };
        let entry = report.entry("a/b").map(|e| &e.metrics);
        assert_eq!(
            entry.and_then(|m| m.get("p99_latency")),
            Some(&Measurement {
                value: 85.2,
                unit: Some("ms".to_owned())
            })
        );
        assert_eq!(
            entry.and_then(|m| m.get("throughput")),
            Some(&Measurement {
                value: 1200.0,
                unit: None
            })
        );
    }

    #[test]
    fn refused_files_name_their_line() {
        let cases = [
            ("{\"version\": 2,\n\"entries\": []}", 1, "version 2"),
            ("{\"entries\": [],\n\"version\": 2\n}", 2, "version 2"),
            (
                "{\"version\": 1, \"entries\": [\n{\"name\": \"a\", \"metrics\": {}},\n{\"metrics\": {},\n\"name\": \"a\"\n}\n]}",
                4,
                "appears twice",
            ),
            (
                "{\"version\": 1, \"entries\": [\n{\"name\": \"a\", \"metrics\": {\"x\": NaN}}]}",
                2,
                "expected value",
            ),
            (
                "{\"version\": 1, \"entries\": [\n{\"name\": \"a\", \"metrics\": {\"x\": 1e999}}]}",
                2,
                "out of range",
            ),
            (
                "{\"version\": 1, \"entries\": [\n{\"name\": \"a\", \"metrics\": {\"x\": {\"value\": 1, \"units\": \"ms\"}}}]}",
                2,
                "unknown field `units`",
            ),
            (
                "{\"version\": 1,\n\"entries\": [{\"name\": \"\", \"metrics\": {}}]}",
                2,
                "empty name",
            ),
            ("{\"entries\": []}", 1, "version"),
            (
                "{\"version\": 1, \"entries\": [{\"name\": \"a\", \"metrics\": {\"x\": 1,\n\"x\": 2}}]}",
                2,
                "metric `x` appears twice",
            ),
        ];
        for (text, line, words) in cases {
            match read_str(text) {
                Ok(report) => panic!("{text} read as {report:?}"),
                Err(e) => {
                    assert_eq!(e.line, line, "{text}: {e}");
                    assert!(e.message.contains(words), "{text}: {e}");
                }
            }
        }
    }

    #[test]
    fn metric_limit() {
        let limits = Limits {
            max_items: 2,
            ..Limits::default()
        };
        let text = "{\"version\": 1, \"entries\": [\n{\"name\": \"a\", \"metrics\": {\"x\": 1, \"y\": 2}},\n{\"name\": \"b\", \"metrics\": {\"x\": 1}}]}";
        assert_eq!(read(text.as_bytes(), &limits).map_err(|e| e.line), Err(3));
    }
}
