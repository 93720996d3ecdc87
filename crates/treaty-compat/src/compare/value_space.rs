//! Scalar keywords judged by the values they allow together, not one by
//! one: types, `enum` and `const`, `format`, `pattern`, the numeric bounds
//! and the length and count limits of a pair are found by their families
//! (`scalar`, `bounds`), then judged here:
//!
//! - a keyword that constrains a type only one version has is part of the
//!   type change, not a change of its own (`type-changed` from string to
//!   integer says what `format-removed` on the string would repeat);
//! - when a version allows a finite set of values (`enum`, `const`) and
//!   every one of them satisfies the other version's keywords, the values
//!   went one way only: `maxLength: 5000` replaced by a short `enum` on a
//!   response produces fewer values, whatever `maxLength` now says;
//! - numeric bounds and integer formats make one range: `format: int64`
//!   on an integer bounded by 1 and 1000 changes no value.

use serde_json::Value;

use super::formats::{FormatSpace, text_contains, text_matches};
use super::{At, SchemaComparer, bounds};
use crate::change::Effect;
use crate::schema::{Additional, Bound, Schema, types};

/// A change a keyword family found, before it is judged and recorded.
#[derive(Debug)]
pub(super) struct Finding {
    pub(super) rule: &'static str,
    pub(super) effect: Effect,
    pub(super) message: String,
    /// Where it is placed (empty: the schema itself).
    pub(super) keyword: &'static str,
    /// The types whose values the keyword constrains.
    pub(super) concerns: u8,
}

/// A finding, if the keyword changed.
pub(super) type Found = Option<Finding>;

impl Finding {
    /// A finding about values of every type.
    pub(super) fn new(
        rule: &'static str,
        effect: Effect,
        message: String,
        keyword: &'static str,
    ) -> Finding {
        Finding {
            rule,
            effect,
            message,
            keyword,
            concerns: types::ALL,
        }
    }

    /// The same finding, about values of these types only.
    pub(super) fn concerning(mut self, types: u8) -> Finding {
        self.concerns = types;
        self
    }
}

impl SchemaComparer<'_> {
    /// Types, values, formats and bounds of a pair, judged together.
    pub(super) fn scalars(&mut self, at: At<'_>, ignore_null: bool) -> Vec<usize> {
        let (os, ns) = (self.old.get(at.o), self.new.get(at.n));
        let f = at.field;
        let mut found: Vec<Finding> = super::scalar::types(os, ns, ignore_null, f)
            .into_iter()
            .collect();
        found.extend(super::scalar::values(os, ns, f).into_iter().flatten());
        found.extend(format(os, ns, f));
        found.extend(bounds::bounds(os, ns, f).into_iter().flatten());
        judge(os, ns, ignore_null, found)
            .into_iter()
            .map(|x| self.push(at, x.rule, x.effect, x.message, x.keyword))
            .collect()
    }
}

/// Drops what another finding already says and what the values show did
/// not happen (see the module documentation).
fn judge(os: &Schema, ns: &Schema, ignore_null: bool, found: Vec<Finding>) -> Vec<Finding> {
    let mask = if ignore_null {
        !types::NULL
    } else {
        types::ALL
    };
    let shared = os.types & ns.types & mask;
    let retyped = os.types & mask != ns.types & mask;
    let within = |values: &Schema, other: &Schema| {
        finite(values).is_some_and(|vs| {
            vs.iter().all(|(text, v)| {
                (ignore_null && v.as_ref().is_some_and(Value::is_null))
                    || v.as_ref()
                        .is_some_and(|v| admits(other, text, v) == Some(true))
            })
        })
    };
    // Every value the new version allows, the old one allowed: nothing
    // was gained; and the reverse.
    let gained_none = within(ns, os);
    let lost_none = within(os, ns);
    found
        .into_iter()
        .filter_map(|mut x| {
            if x.concerns != types::ALL && x.concerns & shared == 0 {
                if retyped {
                    return None;
                }
                // A keyword for a type the schema does not have.
                x.effect = Effect::Neutral;
            }
            x.effect = match (x.effect, gained_none, lost_none) {
                (Effect::Neutral, ..) => Effect::Neutral,
                (_, true, true) | (Effect::Widens, true, _) | (Effect::Narrows, _, true) => {
                    return None;
                }
                (Effect::Both, true, _) => Effect::Narrows,
                (Effect::Both, _, true) => Effect::Widens,
                (e, ..) => e,
            };
            Some(x)
        })
        .collect()
}

/// The values of a schema that allows only finitely many (`const`, else
/// `enum`), as canonical text and parsed (`None`: not plain JSON).
fn finite(s: &Schema) -> Option<Vec<(&str, Option<Value>)>> {
    let parse = |t: &str| serde_json::from_str::<Value>(t).ok();
    if let Some(c) = &s.constant {
        return Some(vec![(c.as_str(), parse(c))]);
    }
    s.enumeration
        .as_ref()
        .map(|e| e.iter().map(|t| (t.as_str(), parse(t))).collect())
}

/// Whether a schema allows a value (given with its canonical text):
/// `None` when Treaty cannot tell (a `pattern`, a nested structure, an
/// alternative).
pub(super) fn admits(s: &Schema, text: &str, value: &Value) -> Option<bool> {
    if s.enumeration.as_ref().is_some_and(|e| !e.contains(text))
        || s.constant.as_ref().is_some_and(|c| c != text)
    {
        return Some(false);
    }
    let kind = match value {
        Value::Null => types::NULL,
        Value::Bool(_) => types::BOOLEAN,
        Value::Number(n) if n.as_f64().is_some_and(|x| x.fract() == 0.0) => types::INTEGER,
        Value::Number(_) => types::NUMBER,
        Value::String(_) => types::STRING,
        Value::Array(_) => types::ARRAY,
        Value::Object(_) => types::OBJECT,
    };
    if s.types & kind == 0 {
        return Some(false);
    }
    if !s.one_of.is_empty() || !s.any_of.is_empty() {
        return None;
    }
    match value {
        Value::Number(n) => Some(n.as_f64().is_some_and(|x| number_admitted(s, x))),
        Value::String(t) => string_admitted(s, t),
        Value::Array(_) => free_array(s).then_some(true),
        Value::Object(_) => free_object(s).then_some(true),
        Value::Null | Value::Bool(_) => Some(true),
    }
}

fn number_admitted(s: &Schema, x: f64) -> bool {
    let r = Range::of(s);
    let above = |b: Option<Bound>| b.is_none_or(|b| x > b.value || (!b.exclusive && x == b.value));
    let below = |b: Option<Bound>| b.is_none_or(|b| x < b.value || (!b.exclusive && x == b.value));
    above(r.low)
        && below(r.high)
        && (!r.integral || x.fract() == 0.0)
        && s.multiple_of.is_none_or(|m| bounds::is_multiple(x, m))
}

fn string_admitted(s: &Schema, t: &str) -> Option<bool> {
    let n = t.chars().count() as u64;
    if s.min_length.is_some_and(|m| n < m) || s.max_length.is_some_and(|m| n > m) {
        return Some(false);
    }
    let format = match s
        .format
        .as_deref()
        .map(|f| FormatSpace::of(f, types::STRING))
    {
        Some(FormatSpace::Text(name)) => text_matches(name, t),
        _ => Some(true),
    };
    match (format, &s.pattern) {
        (Some(false), _) => Some(false),
        // Patterns are ECMA-262 regular expressions: not evaluated.
        (_, Some(_)) => None,
        (f, None) => f,
    }
}

/// An array schema with no constraint on its items or their number.
fn free_array(s: &Schema) -> bool {
    s.items.is_none()
        && s.prefix_items.is_empty()
        && s.min_items.is_none()
        && s.max_items.is_none()
        && !s.unique_items
        && s.unevaluated_items.is_none()
        && s.contains.is_none()
}

/// An object schema with no constraint on its properties.
fn free_object(s: &Schema) -> bool {
    s.properties.is_empty()
        && s.required.is_empty()
        && s.additional == Additional::Any
        && s.pattern_properties.is_empty()
        && s.min_properties.is_none()
        && s.max_properties.is_none()
        && s.unevaluated_properties.is_none()
        && s.dependent_required.is_empty()
        && s.dependent_schemas.is_empty()
}

/// A schema that allows every value of its types: no keyword but `type`
/// (and annotations, formats Treaty knows no values of among them).
pub(super) fn free_form(s: &Schema) -> bool {
    s.enumeration.is_none()
        && s.constant.is_none()
        && s.format
            .as_deref()
            .is_none_or(|f| FormatSpace::of(f, s.types) == FormatSpace::Annotation)
        && s.pattern.is_none()
        && s.minimum.is_none()
        && s.maximum.is_none()
        && s.multiple_of.is_none()
        && s.min_length.is_none()
        && s.max_length.is_none()
        && free_array(s)
        && s.prefix_items.is_empty()
        && free_object(s)
        && s.one_of.is_empty()
        && s.any_of.is_empty()
        && s.all_of.is_empty()
        && s.not.is_none()
        && s.conditional.is_none()
}

/// The numbers a schema allows: its bounds and its numeric format as one
/// range, bounds made inclusive when only whole numbers are allowed.
#[derive(Debug, Clone, Copy)]
pub(super) struct Range {
    pub(super) low: Option<Bound>,
    pub(super) high: Option<Bound>,
    pub(super) integral: bool,
}

impl Range {
    pub(super) fn of(s: &Schema) -> Range {
        let mut r = Range {
            low: s.minimum,
            high: s.maximum,
            integral: s.types & types::NUMBER == 0,
        };
        if let Some(FormatSpace::Numbers {
            low,
            high,
            integral,
        }) = s.format.as_deref().map(|f| FormatSpace::of(f, s.types))
        {
            let bound = |value| Bound {
                value,
                exclusive: false,
            };
            if side(r.low, Some(bound(low)), true) == Some(Effect::Narrows) {
                r.low = Some(bound(low));
            }
            if side(r.high, Some(bound(high)), false) == Some(Effect::Narrows) {
                r.high = Some(bound(high));
            }
            r.integral |= integral;
        }
        if r.integral {
            r.low = r.low.map(|b| Bound {
                value: if b.exclusive {
                    b.value.floor() + 1.0
                } else {
                    b.value.ceil()
                },
                exclusive: false,
            });
            r.high = r.high.map(|b| Bound {
                value: if b.exclusive {
                    b.value.ceil() - 1.0
                } else {
                    b.value.floor()
                },
                exclusive: false,
            });
        }
        r
    }
}

/// How one side of a range moved (`lower`: the minimum side); `None`
/// when it stayed.
pub(super) fn side(old: Option<Bound>, new: Option<Bound>, lower: bool) -> Option<Effect> {
    let tighter = |a: Bound, b: Bound| {
        let further = if lower {
            b.value > a.value
        } else {
            b.value < a.value
        };
        further || (b.value == a.value && b.exclusive && !a.exclusive)
    };
    match (old, new) {
        (None, None) => None,
        (None, Some(_)) => Some(Effect::Narrows),
        (Some(_), None) => Some(Effect::Widens),
        (Some(a), Some(b)) if tighter(a, b) => Some(Effect::Narrows),
        (Some(a), Some(b)) if tighter(b, a) => Some(Effect::Widens),
        _ => None,
    }
}

/// Effects put together: nothing, one way, or both ways.
pub(super) fn combine(effects: impl IntoIterator<Item = Effect>) -> Effect {
    effects
        .into_iter()
        .fold(Effect::Neutral, |acc, e| match (acc, e) {
            (Effect::Neutral, e) | (e, Effect::Neutral) => e,
            (a, b) if a == b => a,
            _ => Effect::Both,
        })
}

/// `format` added, removed or changed, judged by the values the formats
/// allow (see `formats`): an annotation changes nothing, a format Treaty
/// cannot compare with the other is no evidence either way, and a numeric
/// format is one side of the range the bounds make.
fn format(os: &Schema, ns: &Schema, f: &str) -> Found {
    let (a, b) = (os.format.as_deref(), ns.format.as_deref());
    if a == b {
        return None;
    }
    let space = |name: Option<&str>, s: &Schema| {
        name.map_or(FormatSpace::Annotation, |n| FormatSpace::of(n, s.types))
    };
    let (sa, sb) = (space(a, os), space(b, ns));
    use FormatSpace::{Annotation, Numbers, Text};
    let (effect, note) = match (sa, sb) {
        (Annotation, Annotation) => (
            Effect::Neutral,
            " (an annotation: no value Treaty knows of is excluded)",
        ),
        // A format Treaty does not know may be as narrow as the known one
        // beside it (`int64` → `unixtime`): no evidence either way.
        (Annotation, _) | (_, Annotation) if a.is_some() && b.is_some() => (
            Effect::Neutral,
            " (Treaty does not know the values of one of them)",
        ),
        (Text(x), Text(y)) if text_contains(x, y) => (Effect::Narrows, ""),
        (Text(x), Text(y)) if text_contains(y, x) => (Effect::Widens, ""),
        (Text(_), Text(_)) | (Numbers { .. }, Text(_)) | (Text(_), Numbers { .. }) => {
            (Effect::Both, "")
        }
        (Text(_), Annotation) => (Effect::Widens, ""),
        (Annotation, Text(_)) => (Effect::Narrows, ""),
        (Numbers { .. }, _) | (_, Numbers { .. }) => match numeric_format(os, ns) {
            Effect::Neutral => (
                Effect::Neutral,
                " (its bounds already keep the values within it)",
            ),
            effect => (effect, ""),
        },
    };
    let (rule, keyword, message) = match (a, b) {
        (Some(a), Some(b)) => (
            "format-changed",
            "format",
            format!("format of `{f}` changed from `{a}` to `{b}`{note}"),
        ),
        (None, Some(b)) if effect == Effect::Neutral => (
            "format-added",
            "format",
            format!("`{f}` now has format `{b}`{note}"),
        ),
        (None, Some(b)) => (
            "format-added",
            "format",
            format!("`{f}` must now match format `{b}`"),
        ),
        (Some(a), None) if effect == Effect::Neutral => (
            "format-removed",
            "",
            format!("`{f}` no longer has format `{a}`{note}"),
        ),
        (Some(a), None) => (
            "format-removed",
            "",
            format!("`{f}` no longer has to match format `{a}`"),
        ),
        (None, None) => return None,
    };
    // An annotation concerns the values of the schema's own types.
    let concerns = match sa.concerns() | sb.concerns() {
        0 if b.is_some() => ns.types,
        0 => os.types,
        known => known,
    };
    Some(Finding::new(rule, effect, message, keyword).concerning(concerns))
}

/// A numeric format's part in the range: the sides whose bound keyword did
/// not change (those are reported as bounds), and whether fractions are
/// still allowed.
fn numeric_format(os: &Schema, ns: &Schema) -> Effect {
    let (ro, rn) = (Range::of(os), Range::of(ns));
    let mut effects = Vec::new();
    if os.minimum == ns.minimum {
        effects.extend(side(ro.low, rn.low, true));
    }
    if os.maximum == ns.maximum {
        effects.extend(side(ro.high, rn.high, false));
    }
    if os.types & ns.types & types::NUMBER != 0 && ro.integral != rn.integral {
        effects.push(if rn.integral {
            Effect::Narrows
        } else {
            Effect::Widens
        });
    }
    combine(effects)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn integer(min: f64, max: f64, format: Option<&str>) -> Schema {
        let bound = |value| {
            Some(Bound {
                value,
                exclusive: false,
            })
        };
        Schema {
            types: types::INTEGER,
            minimum: bound(min),
            maximum: bound(max),
            format: format.map(str::to_owned),
            ..Schema::default()
        }
    }

    #[test]
    fn an_integer_format_inside_the_bounds_changes_nothing() {
        let old = integer(1.0, 1000.0, None);
        let new = integer(1.0, 1000.0, Some("int64"));
        assert_eq!(numeric_format(&old, &new), Effect::Neutral);
        let wide = integer(0.0, 1e12, None);
        let narrow = integer(0.0, 1e12, Some("int32"));
        assert_eq!(numeric_format(&wide, &narrow), Effect::Narrows);
    }

    #[test]
    fn an_enum_is_checked_against_the_other_keywords() {
        let s = Schema {
            types: types::STRING,
            max_length: Some(5),
            ..Schema::default()
        };
        let v = |t: &str| serde_json::from_str::<Value>(t).unwrap_or(Value::Null);
        assert_eq!(admits(&s, "\"abc\"", &v("\"abc\"")), Some(true));
        assert_eq!(admits(&s, "\"abcdef\"", &v("\"abcdef\"")), Some(false));
        assert_eq!(admits(&s, "3", &v("3")), Some(false));
    }
}
