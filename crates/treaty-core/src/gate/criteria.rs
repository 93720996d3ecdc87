//! A criterion of a scope item judged from evidence: the newest record for
//! the version being shipped, the entry the criterion's source names, the
//! threshold's metric in the threshold's unit.

use serde::{Deserialize, Serialize};
use treaty_evidence::Measurement;

use super::{Evidence, EvidenceRecord, EvidenceSubject, GateInput};
use crate::model::{Criterion, EvidenceKind, Threshold};

/// One criterion judged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CriterionVerdict {
    /// The criterion's id.
    pub id: String,
    /// Whether the evidence meets the threshold.
    pub met: bool,
    /// The measured value, in the threshold's unit, when there was one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    /// Where the deciding evidence came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<String>,
    /// Why it is met or not, in words.
    pub detail: String,
    /// Unmet because evidence exists only for another version than the
    /// one shipped.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub stale: bool,
}

/// Judges `criterion` of scope item `item`.
pub(super) fn judge(
    input: &GateInput<'_>,
    evidence_of: &Evidence<'_>,
    item: &str,
    criterion: &Criterion,
) -> CriterionVerdict {
    let id = criterion.id.value.clone();
    let unmet = |stale, detail: String| CriterionVerdict {
        id: id.clone(),
        met: false,
        value: None,
        evidence: None,
        detail,
        stale,
    };
    let (Some(evidence), Some(threshold)) = (&criterion.evidence, &criterion.threshold) else {
        return unmet(
            false,
            "names no evidence or no threshold: nothing can show it is met".into(),
        );
    };
    let subject = EvidenceSubject::Criterion {
        item: item.to_owned(),
        criterion: criterion.id.value.clone(),
    };
    let records = evidence_of.get(&subject).into_iter().flatten().copied();
    let Selected { record, stale } = select(input, records);
    let Some(record) = record else {
        let detail = match stale.first() {
            Some(old) => format!(
                "evidence exists only for {} (shipping {}); newest from {}",
                describe_version(old),
                shipping_of(input, old).unwrap_or("another version"),
                old.origin
            ),
            None => format!(
                "no {} evidence yet (from `{}`)",
                kind_name(evidence.kind),
                evidence.source
            ),
        };
        return unmet(!stale.is_empty(), detail);
    };
    let verdict = measure(record, &evidence.source, &threshold.value);
    CriterionVerdict {
        id,
        met: verdict.is_ok(),
        value: verdict
            .as_ref()
            .ok()
            .copied()
            .or(verdict.as_ref().err().and_then(|e| e.1)),
        evidence: Some(record.origin.clone()),
        detail: match &verdict {
            Ok(v) => format!(
                "{} = {} meets {}{}",
                threshold.value.metric,
                number(*v),
                bounds(&threshold.value),
                pin_note(input, record)
            ),
            Err((why, _)) => format!("{why}{}", pin_note(input, record)),
        },
        stale: false,
    }
}

/// The records that count and those that are for another version.
pub(super) struct Selected<'a> {
    /// The newest record for the version being shipped (or of a component
    /// whose version is not given).
    pub record: Option<&'a EvidenceRecord>,
    /// Records for another version of a shipped component, newest first.
    pub stale: Vec<&'a EvidenceRecord>,
}

pub(super) fn select<'a>(
    input: &GateInput<'_>,
    records: impl Iterator<Item = &'a EvidenceRecord>,
) -> Selected<'a> {
    let mut record: Option<&EvidenceRecord> = None;
    let mut stale: Vec<&EvidenceRecord> = Vec::new();
    for r in records {
        let counts = match (&r.component, shipping_of(input, r)) {
            (Some(_), Some(shipped)) => r.version.as_deref() == Some(shipped),
            _ => true,
        };
        if !counts {
            stale.push(r);
        } else if record.is_none_or(|have| r.recorded_at >= have.recorded_at) {
            // The later of two records at the same moment wins: the input's
            // order is the order they were recorded in.
            record = Some(r);
        }
    }
    stale.sort_by_key(|r| std::cmp::Reverse(r.recorded_at));
    Selected { record, stale }
}

fn shipping_of<'i>(input: &GateInput<'i>, r: &EvidenceRecord) -> Option<&'i str> {
    r.component
        .as_deref()
        .and_then(|c| input.shipping.get(c))
        .map(String::as_str)
}

fn describe_version(r: &EvidenceRecord) -> String {
    match (&r.component, &r.version) {
        (Some(c), Some(v)) => format!("{c} {v}"),
        (Some(c), None) => format!("{c} (no version)"),
        _ => "no named version".into(),
    }
}

/// Says when the evidence's version could not be checked.
fn pin_note(input: &GateInput<'_>, r: &EvidenceRecord) -> String {
    match (&r.component, shipping_of(input, r)) {
        (Some(c), None) => format!(
            " (the version of {c} being shipped was not given: evidence for {} used)",
            r.version.as_deref().unwrap_or("an unnamed version")
        ),
        _ => String::new(),
    }
}

/// The threshold's metric read from the record's entry for `source`, in
/// the threshold's unit, checked against its bounds. The error carries the
/// value when there was one.
pub(super) fn measure(
    record: &EvidenceRecord,
    source: &str,
    threshold: &Threshold,
) -> Result<f64, (String, Option<f64>)> {
    let Some(entry) = record.report.entry(source) else {
        return Err((
            format!("{} has no entry named `{source}`", record.origin),
            None,
        ));
    };
    let Some(m) = entry.metrics.get(&threshold.metric) else {
        let known: Vec<&str> = entry.metrics.keys().map(String::as_str).collect();
        let why = if threshold.metric == "pass_rate" && entry.metrics.contains_key("tests") {
            "has no `pass_rate`: no test ran".to_owned()
        } else {
            format!(
                "has no `{}` (it has: {})",
                threshold.metric,
                if known.is_empty() {
                    "nothing".to_owned()
                } else {
                    known.join(", ")
                }
            )
        };
        return Err((format!("{} {why}", record.origin), None));
    };
    let value = in_unit(m, threshold.unit.as_deref()).map_err(|e| (e, None))?;
    let low = threshold.min.is_some_and(|min| value < min);
    let high = threshold.max.is_some_and(|max| value > max);
    if low || high || !value.is_finite() {
        return Err((
            format!(
                "{} = {} does not meet {}",
                threshold.metric,
                number(value),
                bounds(threshold)
            ),
            Some(value),
        ));
    }
    Ok(value)
}

/// The measurement in `unit`. A side without a unit is taken to be in
/// the other's.
fn in_unit(m: &Measurement, unit: Option<&str>) -> Result<f64, String> {
    match (m.unit.as_deref(), unit) {
        (Some(from), Some(to)) => treaty_evidence::convert(m.value, from, to).ok_or_else(|| {
            format!("measured in `{from}`, which does not convert to the threshold's `{to}`")
        }),
        _ => Ok(m.value),
    }
}

fn bounds(t: &Threshold) -> String {
    let unit = t
        .unit
        .as_deref()
        .map(|u| format!(" {u}"))
        .unwrap_or_default();
    match (t.min, t.max) {
        (Some(min), Some(max)) => format!("[{}, {}]{unit}", number(min), number(max)),
        (Some(min), None) => format!(">= {}{unit}", number(min)),
        (None, Some(max)) => format!("<= {}{unit}", number(max)),
        (None, None) => "no bound".into(),
    }
}

/// A value as people write it: no trailing `.0`, at most four decimals.
pub(super) fn number(v: f64) -> String {
    let s = format!("{v:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.into() }
}

fn kind_name(kind: EvidenceKind) -> &'static str {
    match kind {
        EvidenceKind::Junit => "JUnit",
        EvidenceKind::Benchmark => "benchmark",
        EvidenceKind::Sarif => "SARIF",
        EvidenceKind::Verification => "verification",
        EvidenceKind::Slo => "SLO",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_written() {
        assert_eq!(number(0.98), "0.98");
        assert_eq!(number(100.0), "100");
        assert_eq!(number(-0.0), "0");
    }
}
