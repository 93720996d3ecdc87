//! Bounds on values: `maximum` and `minimum` (with their exclusivity),
//! `multipleOf`, the length and count limits of strings, arrays and
//! objects, and `uniqueItems`.

use super::scalar::Found;
use super::{At, SchemaComparer, opt};
use crate::change::Effect;
use crate::schema::Bound;

/// A count limit: its keyword, whether it bounds from above, and its rules
/// when it tightens and when it loosens.
struct Limit {
    keyword: &'static str,
    upper: bool,
    tighter: &'static str,
    looser: &'static str,
}

const LIMITS: [Limit; 6] = [
    Limit {
        keyword: "maxLength",
        upper: true,
        tighter: "max-length-decreased",
        looser: "max-length-increased",
    },
    Limit {
        keyword: "minLength",
        upper: false,
        tighter: "min-length-increased",
        looser: "min-length-decreased",
    },
    Limit {
        keyword: "maxItems",
        upper: true,
        tighter: "max-items-decreased",
        looser: "max-items-increased",
    },
    Limit {
        keyword: "minItems",
        upper: false,
        tighter: "min-items-increased",
        looser: "min-items-decreased",
    },
    Limit {
        keyword: "maxProperties",
        upper: true,
        tighter: "max-properties-decreased",
        looser: "max-properties-increased",
    },
    Limit {
        keyword: "minProperties",
        upper: false,
        tighter: "min-properties-increased",
        looser: "min-properties-decreased",
    },
];

impl SchemaComparer<'_> {
    /// Every bound of a pair, numeric first, then lengths and counts.
    pub(super) fn bounds(&mut self, at: At<'_>) -> Vec<usize> {
        let (os, ns) = (self.old.get(at.o), self.new.get(at.n));
        let f = at.field;
        let limits = [
            (os.max_length, ns.max_length),
            (os.min_length, ns.min_length),
            (os.max_items, ns.max_items),
            (os.min_items, ns.min_items),
            (os.max_properties, ns.max_properties),
            (os.min_properties, ns.min_properties),
        ];
        let [
            max_length,
            min_length,
            max_items,
            min_items,
            max_properties,
            min_properties,
        ] = std::array::from_fn(|i| count_limit(&LIMITS[i], limits[i].0, limits[i].1, f));
        let unique = (os.unique_items != ns.unique_items).then(|| {
            if ns.unique_items {
                (
                    "unique-items-added",
                    Effect::Narrows,
                    format!("items of `{f}` must now be unique"),
                    "uniqueItems",
                )
            } else {
                (
                    "unique-items-removed",
                    Effect::Widens,
                    format!("items of `{f}` may now repeat"),
                    "",
                )
            }
        });
        let found: [Found; 10] = [
            bound_keyword(os.maximum, ns.maximum, false, f),
            bound_keyword(os.minimum, ns.minimum, true, f),
            multiple_of(os.multiple_of, ns.multiple_of, f),
            max_length,
            min_length,
            max_items,
            min_items,
            max_properties,
            min_properties,
            unique,
        ];
        self.push_all(at, found)
    }
}

fn multiple_of(old: Option<f64>, new: Option<f64>, f: &str) -> Found {
    if old == new {
        return None;
    }
    let effect = match (old, new) {
        (None, Some(_)) => Effect::Narrows,
        (Some(_), None) => Effect::Widens,
        (Some(a), Some(b)) if is_multiple(b, a) => Effect::Narrows,
        (Some(a), Some(b)) if is_multiple(a, b) => Effect::Widens,
        _ => Effect::Both,
    };
    Some((
        "multiple-of-changed",
        effect,
        format!("`{f}` multipleOf changed from {} to {}", opt(old), opt(new)),
        "multipleOf",
    ))
}

fn is_multiple(a: f64, b: f64) -> bool {
    b != 0.0 && ((a / b) - (a / b).round()).abs() < 1e-9
}

fn count_limit(limit: &Limit, old: Option<u64>, new: Option<u64>, f: &str) -> Found {
    // Absent means 0 for a lower bound and unbounded for an upper one.
    let norm = |v: Option<u64>| v.unwrap_or(if limit.upper { u64::MAX } else { 0 });
    let (a, b) = (norm(old), norm(new));
    if a == b {
        return None;
    }
    let narrows = if limit.upper { b < a } else { b > a };
    let (rule, effect) = if narrows {
        (limit.tighter, Effect::Narrows)
    } else {
        (limit.looser, Effect::Widens)
    };
    let keyword = limit.keyword;
    Some((
        rule,
        effect,
        format!("`{f}` {keyword} changed from {} to {}", opt(old), opt(new)),
        keyword,
    ))
}

fn bound_keyword(old: Option<Bound>, new: Option<Bound>, lower: bool, f: &str) -> Found {
    // Most pairs keep their bounds: no message to write.
    if old == new {
        return None;
    }
    let (keyword, name) = if lower {
        ("minimum", "minimum")
    } else {
        ("maximum", "maximum")
    };
    let show = |b: Option<Bound>| match b {
        None => "none".to_owned(),
        Some(b) if b.exclusive => format!("{} (exclusive)", b.value),
        Some(b) => b.value.to_string(),
    };
    let message = format!("`{f}` {name} changed from {} to {}", show(old), show(new));
    match (old, new) {
        (None, None) => None,
        (None, Some(_)) => Some((
            if lower {
                "minimum-added"
            } else {
                "maximum-added"
            },
            Effect::Narrows,
            message,
            keyword,
        )),
        (Some(_), None) => Some((
            if lower {
                "minimum-removed"
            } else {
                "maximum-removed"
            },
            Effect::Widens,
            message,
            "",
        )),
        (Some(a), Some(b)) if a != b => {
            // Compare as (value, exclusive): for an upper bound a smaller value
            // or a newly exclusive bound at the same value is tighter.
            let tighter = if lower {
                b.value > a.value || (b.value == a.value && b.exclusive && !a.exclusive)
            } else {
                b.value < a.value || (b.value == a.value && b.exclusive && !a.exclusive)
            };
            let rule = match (lower, tighter) {
                (true, true) => "minimum-increased",
                (true, false) => "minimum-decreased",
                (false, true) => "maximum-decreased",
                (false, false) => "maximum-increased",
            };
            Some((
                rule,
                if tighter {
                    Effect::Narrows
                } else {
                    Effect::Widens
                },
                message,
                keyword,
            ))
        }
        _ => None,
    }
}
