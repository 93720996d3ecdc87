//! criterion's `estimates.json`, the statistics of one benchmark
//! (`target/criterion/<group>/<bench>/new/estimates.json`): each estimate's
//! `point_estimate`, in nanoseconds. The entry is unnamed: the benchmark's
//! name is in the file's path, which the caller knows (see
//! [`criterion_name`]).

use std::io::BufRead;
use std::marker::PhantomData;

use serde::{Deserialize, de};

use crate::{Entry, Limits, Measurement, Report, ReportError, ReportFormat};

/// Reads an `estimates.json` into one unnamed entry: `mean`, `median`,
/// `std_dev`, `median_abs_dev` and, when criterion fitted one, `slope`,
/// each in `ns`.
pub(crate) fn read(input: impl BufRead, limits: &Limits) -> Result<Report, ReportError> {
    let estimates = crate::json::read_with(input, limits, PhantomData::<Estimates>)?;
    let mut entry = Entry::default();
    let named = [
        ("mean", Some(estimates.mean)),
        ("median", Some(estimates.median)),
        ("std_dev", Some(estimates.std_dev)),
        ("median_abs_dev", estimates.median_abs_dev),
        ("slope", estimates.slope),
    ];
    for (name, estimate) in named {
        if let Some(estimate) = estimate {
            entry.metrics.insert(
                name.to_owned(),
                Measurement {
                    value: estimate.point_estimate,
                    unit: Some("ns".to_owned()),
                },
            );
        }
    }
    Ok(Report {
        format: ReportFormat::CriterionEstimates,
        entries: vec![entry],
    })
}

/// The name of the benchmark whose `estimates.json` is at a path, from
/// the path's components: those after the last `criterion` directory,
/// without the trailing `new`/`base`/`change` directory and file name
/// (`target/criterion/inventory/reserve/new/estimates.json` →
/// `inventory/reserve`). None when no `criterion` directory is in it or
/// nothing is left.
pub fn criterion_name<'a>(components: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let components: Vec<&str> = components.into_iter().collect();
    let start = components.iter().rposition(|c| *c == "criterion")? + 1;
    let mut name = &components[start..];
    if let [rest @ .., last] = name
        && last.ends_with(".json")
    {
        name = rest;
    }
    if let [rest @ .., last] = name
        && matches!(*last, "new" | "base" | "change")
    {
        name = rest;
    }
    (!name.is_empty()).then(|| name.join("/"))
}

#[derive(Debug, Deserialize)]
struct Estimates {
    mean: Estimate,
    median: Estimate,
    std_dev: Estimate,
    median_abs_dev: Option<Estimate>,
    /// Null when criterion did not fit a line (flat sampling).
    slope: Option<Estimate>,
}

#[derive(Debug, Deserialize)]
struct Estimate {
    #[serde(deserialize_with = "duration_ns")]
    point_estimate: f64,
}

/// A duration in nanoseconds: finite and not negative.
fn duration_ns<'de, D: de::Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    let value = f64::deserialize(d)?;
    if value.is_finite() && value >= 0.0 {
        Ok(value)
    } else {
        Err(de::Error::custom(format!(
            "point_estimate {value} is not a duration in nanoseconds"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_from_paths() {
        let name = |path: &str| criterion_name(path.split('/'));
        assert_eq!(
            name("target/criterion/inventory/reserve/new/estimates.json").as_deref(),
            Some("inventory/reserve")
        );
        assert_eq!(
            name("ci/criterion/sum_1000/base/estimates.json").as_deref(),
            Some("sum_1000")
        );
        assert_eq!(name("target/criterion/new/estimates.json"), None);
        assert_eq!(name("target/bench/sum/new/estimates.json"), None);
    }

    #[test]
    fn slope_null_is_left_out() {
        let text = r#"{"mean": {"point_estimate": 10.5, "standard_error": 1},
            "median": {"point_estimate": 10}, "std_dev": {"point_estimate": 0.5},
            "median_abs_dev": {"point_estimate": 0.25}, "slope": null}"#;
        let report = read(text.as_bytes(), &Limits::default());
        let Ok(report) = report else {
            panic!("{report:?}")
        };
        let metrics = &report.entries[0].metrics;
        assert_eq!(metrics.get("mean").map(|m| m.value), Some(10.5));
        assert_eq!(metrics.get("slope"), None);
        assert_eq!(metrics.len(), 4);
    }

    #[test]
    fn negative_estimate_names_its_line() {
        let text = "{\"mean\": {\"point_estimate\": 1},\n\"median\": {\"point_estimate\": -1},\n\"std_dev\": {\"point_estimate\": 0}}";
        let err = read(text.as_bytes(), &Limits::default());
        assert_eq!(err.map_err(|e| e.line), Err(2));
    }
}
