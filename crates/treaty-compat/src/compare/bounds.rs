//! Bounds on values: `maximum` and `minimum` (with their exclusivity),
//! `multipleOf`, the length and count limits of strings, arrays and
//! objects, and `uniqueItems`.

use super::opt;
use super::value_space::{Finding, Found, Range, side};
use crate::change::Effect;
use crate::schema::{Bound, Schema, types};

/// A count limit: its keyword, whether it bounds from above, and its rules
/// when it tightens and when it loosens.
struct Limit {
    keyword: &'static str,
    upper: bool,
    tighter: &'static str,
    looser: &'static str,
    /// The type whose values it limits.
    concerns: u8,
}

const LIMITS: [Limit; 6] = [
    Limit {
        keyword: "maxLength",
        upper: true,
        tighter: "max-length-decreased",
        looser: "max-length-increased",
        concerns: types::STRING,
    },
    Limit {
        keyword: "minLength",
        upper: false,
        tighter: "min-length-increased",
        looser: "min-length-decreased",
        concerns: types::STRING,
    },
    Limit {
        keyword: "maxItems",
        upper: true,
        tighter: "max-items-decreased",
        looser: "max-items-increased",
        concerns: types::ARRAY,
    },
    Limit {
        keyword: "minItems",
        upper: false,
        tighter: "min-items-increased",
        looser: "min-items-decreased",
        concerns: types::ARRAY,
    },
    Limit {
        keyword: "maxProperties",
        upper: true,
        tighter: "max-properties-decreased",
        looser: "max-properties-increased",
        concerns: types::OBJECT,
    },
    Limit {
        keyword: "minProperties",
        upper: false,
        tighter: "min-properties-increased",
        looser: "min-properties-decreased",
        concerns: types::OBJECT,
    },
];

/// Every bound of a pair, numeric first, then lengths and counts.
pub(super) fn bounds(os: &Schema, ns: &Schema, f: &str) -> [Found; 10] {
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
        let finding = if ns.unique_items {
            Finding::new(
                "unique-items-added",
                Effect::Narrows,
                format!("items of `{f}` must now be unique"),
                "uniqueItems",
            )
        } else {
            Finding::new(
                "unique-items-removed",
                Effect::Widens,
                format!("items of `{f}` may now repeat"),
                "",
            )
        };
        finding.concerning(types::ARRAY)
    });
    let (ro, rn) = (Range::of(os), Range::of(ns));
    [
        bound_keyword(
            (os.maximum, ns.maximum),
            side(ro.high, rn.high, false),
            false,
            f,
        ),
        bound_keyword(
            (os.minimum, ns.minimum),
            side(ro.low, rn.low, true),
            true,
            f,
        ),
        multiple_of(os.multiple_of, ns.multiple_of, f),
        max_length,
        min_length,
        max_items,
        min_items,
        max_properties,
        min_properties,
        unique,
    ]
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
    Some(
        Finding::new(
            "multiple-of-changed",
            effect,
            format!("`{f}` multipleOf changed from {} to {}", opt(old), opt(new)),
            "multipleOf",
        )
        .concerning(NUMBERS),
    )
}

/// The types numeric keywords constrain.
const NUMBERS: u8 = types::INTEGER | types::NUMBER;

/// Whether `a` is a multiple of `b`.
pub(super) fn is_multiple(a: f64, b: f64) -> bool {
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
    Some(
        Finding::new(
            rule,
            effect,
            format!("`{f}` {keyword} changed from {} to {}", opt(old), opt(new)),
            keyword,
        )
        .concerning(limit.concerns),
    )
}

/// `maximum` (`lower`: `minimum`) added, removed or moved; its effect is
/// how that side of the range moved, the numeric format included (the
/// keyword may move where a format already bounds the values).
fn bound_keyword(
    (old, new): (Option<Bound>, Option<Bound>),
    moved: Option<Effect>,
    lower: bool,
    f: &str,
) -> Found {
    // Most pairs keep their bounds: no message to write.
    if old == new {
        return None;
    }
    let keyword = if lower { "minimum" } else { "maximum" };
    let show = |b: Option<Bound>| match b {
        None => "none".to_owned(),
        Some(b) if b.exclusive => format!("{} (exclusive)", b.value),
        Some(b) => b.value.to_string(),
    };
    let mut message = format!(
        "`{f}` {keyword} changed from {} to {}",
        show(old),
        show(new)
    );
    let rule = match (old, new, lower) {
        (None, _, true) => "minimum-added",
        (None, _, false) => "maximum-added",
        (_, None, true) => "minimum-removed",
        (_, None, false) => "maximum-removed",
        (Some(a), Some(b), true) if b.value > a.value || (b.value == a.value && b.exclusive) => {
            "minimum-increased"
        }
        (Some(_), Some(_), true) => "minimum-decreased",
        (Some(a), Some(b), false) if b.value < a.value || (b.value == a.value && b.exclusive) => {
            "maximum-decreased"
        }
        (Some(_), Some(_), false) => "maximum-increased",
    };
    let effect = moved.unwrap_or_else(|| {
        message.push_str(" (the values allowed stay the same)");
        Effect::Neutral
    });
    let placed = if new.is_some() { keyword } else { "" };
    Some(Finding::new(rule, effect, message, placed).concerning(NUMBERS))
}
