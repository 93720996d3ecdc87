//! Converting a measurement's unit to a threshold's: time units between
//! each other, and `%` with `percent` (the same unit, two spellings).

/// Nanoseconds in one of each time unit: whole numbers, exact in an
/// `f64`, so the ratio of two of them is exact too.
fn nanoseconds_in(unit: &str) -> Option<f64> {
    Some(match unit {
        "ns" => 1.0,
        // `µ` is U+00B5 (micro sign), `μ` U+03BC (Greek mu): both are typed.
        "us" | "µs" | "μs" => 1e3,
        "ms" => 1e6,
        "s" => 1e9,
        "min" => 6e10,
        "h" => 3.6e12,
        _ => return None,
    })
}

fn is_percent(unit: &str) -> bool {
    unit == "%" || unit == "percent"
}

/// `value` in unit `from`, expressed in unit `to`; none when the two are
/// not convertible (different dimensions, or a unit this does not know).
/// A unit converts to itself whatever it is (`req/s` to `req/s`).
///
/// Time: `ns`, `us` (also `µs`, `μs`), `ms`, `s`, `min`, `h`. Percent:
/// `%` and `percent` are one unit; a ratio (no unit) is not converted to
/// a percentage, because a threshold that wrote `%` and a report that
/// wrote a bare `0.98` may mean either.
///
/// The result is `value` multiplied or divided once by an exact whole
/// number, so `100_000_000 ns` is exactly `100 ms` (a threshold
/// `max: 100, unit: ms` is not failed by a rounding error).
pub fn convert(value: f64, from: &str, to: &str) -> Option<f64> {
    if from == to || (is_percent(from) && is_percent(to)) {
        return Some(value);
    }
    let (from, to) = (nanoseconds_in(from)?, nanoseconds_in(to)?);
    Some(if from >= to {
        value * (from / to)
    } else {
        value / (to / from)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn time_units() {
        assert_eq!(convert(100_000_000.0, "ns", "ms"), Some(100.0));
        assert_eq!(convert(0.1, "s", "ms"), Some(100.0));
        assert_eq!(convert(1.5, "min", "s"), Some(90.0));
        assert_eq!(convert(2.0, "h", "min"), Some(120.0));
        assert_eq!(convert(7.0, "µs", "us"), Some(7.0));
        assert_eq!(convert(7.0, "μs", "ns"), Some(7000.0));
    }

    #[test]
    fn percent_and_unknown_units() {
        assert_eq!(convert(99.5, "%", "percent"), Some(99.5));
        assert_eq!(convert(3.0, "req/s", "req/s"), Some(3.0));
        assert_eq!(convert(3.0, "ms", "%"), None);
        assert_eq!(convert(3.0, "MS", "ms"), None);
        assert_eq!(convert(3.0, "kb", "mb"), None);
    }

    const UNITS: [&str; 8] = ["ns", "us", "µs", "μs", "ms", "s", "min", "h"];

    proptest! {
        #[test]
        fn round_trips(value in -1e12f64..1e12, a in 0..UNITS.len(), b in 0..UNITS.len()) {
            let there = convert(value, UNITS[a], UNITS[b]);
            let back = there.and_then(|v| convert(v, UNITS[b], UNITS[a]));
            prop_assert!(back.is_some());
            let back = back.unwrap_or(f64::NAN);
            prop_assert!((back - value).abs() <= value.abs() * 1e-12, "{value} -> {back}");
        }

        #[test]
        fn order_is_kept(x in 0f64..1e9, y in 0f64..1e9, a in 0..UNITS.len(), b in 0..UNITS.len()) {
            // A measurement below a threshold stays below it in any unit.
            let cx = convert(x, UNITS[a], UNITS[b]).unwrap_or(f64::NAN);
            let cy = convert(y, UNITS[a], UNITS[b]).unwrap_or(f64::NAN);
            prop_assert_eq!(x <= y, cx <= cy);
        }
    }
}
