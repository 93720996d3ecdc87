//! What a `format` allows. JSON Schema (2019-09 and later) makes `format`
//! an annotation unless a validator opts in, and OpenAPI says tools may
//! ignore formats they do not know; so a format narrows the values only
//! when its value space is known. Treaty knows these:
//!
//! - on numbers: `int8`, `int16`, `int32`, `int64`, `uint8`, `uint16`,
//!   `uint32`, `uint64` (whole numbers in the type's range), `float` and
//!   `double` (numbers within the IEEE 754 binary32 / binary64 range);
//! - on strings: `date-time`, `date`, `time`, `duration`, `email`,
//!   `idn-email`, `hostname`, `idn-hostname`, `ipv4`, `ipv6`, `uri`,
//!   `uri-reference`, `iri`, `iri-reference`, `uri-template`, `uuid`,
//!   `json-pointer`, `relative-json-pointer`, `regex`, `byte` (base64) and
//!   `base64url`.
//!
//! Every other format (`binary`, `password`, `unixtime`, `phone-number`,
//! a number format on a string...) is an annotation: it changes no value.

use crate::schema::types;

/// The values a format allows, as far as Treaty knows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum FormatSpace {
    /// A format that restricts no value Treaty can tell.
    Annotation,
    /// Numbers within `[low, high]`, whole numbers only when `integral`.
    Numbers { low: f64, high: f64, integral: bool },
    /// Strings of a known syntax.
    Text(&'static str),
}

const TEXT_FORMATS: [&str; 21] = [
    "date-time",
    "date",
    "time",
    "duration",
    "email",
    "idn-email",
    "hostname",
    "idn-hostname",
    "ipv4",
    "ipv6",
    "uri",
    "uri-reference",
    "iri",
    "iri-reference",
    "uri-template",
    "uuid",
    "json-pointer",
    "relative-json-pointer",
    "regex",
    "byte",
    "base64url",
];

impl FormatSpace {
    /// The value space of a format on a schema of the given types: a
    /// known format applies to the instances of its own type only.
    pub(super) fn of(format: &str, schema_types: u8) -> FormatSpace {
        let numbers = |low: f64, high: f64, integral: bool| FormatSpace::Numbers {
            low,
            high,
            integral,
        };
        let space = match format {
            "int8" => numbers(-128.0, 127.0, true),
            "int16" => numbers(-32_768.0, 32_767.0, true),
            "int32" => numbers(-2_147_483_648.0, 2_147_483_647.0, true),
            // As JSON numbers are commonly read, in double precision: the
            // bounds 2^63 - 1 and 2^64 - 1 round to 2^63 and 2^64.
            "int64" => numbers(i64::MIN as f64, i64::MAX as f64, true),
            "uint8" => numbers(0.0, 255.0, true),
            "uint16" => numbers(0.0, 65_535.0, true),
            "uint32" => numbers(0.0, 4_294_967_295.0, true),
            "uint64" => numbers(0.0, u64::MAX as f64, true),
            "float" => numbers(f32::MIN as f64, f32::MAX as f64, false),
            "double" => numbers(f64::MIN, f64::MAX, false),
            _ => match TEXT_FORMATS.iter().find(|f| **f == format) {
                Some(known) => FormatSpace::Text(known),
                None => FormatSpace::Annotation,
            },
        };
        if space.concerns() & schema_types == 0 {
            return FormatSpace::Annotation;
        }
        space
    }

    /// The types whose values the format restricts.
    pub(super) fn concerns(self) -> u8 {
        match self {
            FormatSpace::Annotation => 0,
            FormatSpace::Numbers { .. } => types::INTEGER | types::NUMBER,
            FormatSpace::Text(_) => types::STRING,
        }
    }
}

/// Whether every string of format `inner` is also of format `outer`.
pub(super) fn text_contains(outer: &str, inner: &str) -> bool {
    outer == inner
        || matches!(
            (outer, inner),
            ("idn-email", "email")
                | ("idn-hostname", "hostname")
                | ("iri", "uri")
                | ("uri-reference", "uri")
                | ("iri-reference", "uri" | "iri" | "uri-reference")
        )
}

/// Whether a string is of a known format; `None` when Treaty cannot tell.
pub(super) fn text_matches(format: &str, s: &str) -> Option<bool> {
    Some(match format {
        "date" => is_date(s),
        "time" => is_time(s),
        "date-time" => s
            .split_once(['T', 't'])
            .is_some_and(|(d, t)| is_date(d) && is_time(t)),
        "uuid" => is_uuid(s),
        "ipv4" => s.parse::<std::net::Ipv4Addr>().is_ok(),
        "ipv6" => s.parse::<std::net::Ipv6Addr>().is_ok(),
        "email" => s.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && !domain.is_empty() && !domain.contains('@') && s.is_ascii()
        }),
        _ => return None,
    })
}

fn digits(s: &str, n: usize) -> bool {
    s.len() == n && s.bytes().all(|b| b.is_ascii_digit())
}

/// RFC 3339 `full-date`.
fn is_date(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    let [y, m, d] = parts.as_slice() else {
        return false;
    };
    if !(digits(y, 4) && digits(m, 2) && digits(d, 2)) {
        return false;
    }
    let (year, month, day): (u32, u32, u32) = match (y.parse(), m.parse(), d.parse()) {
        (Ok(y), Ok(m), Ok(d)) => (y, m, d),
        _ => return false,
    };
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&day)
}

/// RFC 3339 `full-time`: `hh:mm:ss[.frac](Z|±hh:mm)`.
fn is_time(s: &str) -> bool {
    let (clock, offset) = if let Some(c) = s.strip_suffix(['Z', 'z']) {
        (c, None)
    } else {
        match s.rfind(['+', '-']) {
            Some(i) => (&s[..i], Some(&s[i + 1..])),
            None => return false,
        }
    };
    let clock = clock.split_once('.').map_or(clock, |(c, frac)| {
        if digits(frac, frac.len()) && !frac.is_empty() {
            c
        } else {
            ""
        }
    });
    let hms = |t: &str, n: usize| {
        let parts: Vec<&str> = t.split(':').collect();
        parts.len() == n && parts.iter().all(|p| digits(p, 2))
    };
    hms(clock, 3) && offset.is_none_or(|o| hms(o, 2))
}

fn is_uuid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.iter().map(|g| g.len()).eq([8, 4, 4, 4, 12])
        && groups
            .iter()
            .all(|g| g.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_string_formats_check_their_syntax() {
        assert_eq!(text_matches("date", "2024-02-29"), Some(true));
        assert_eq!(text_matches("date", "2023-02-29"), Some(false));
        assert_eq!(
            text_matches("date-time", "2024-01-02T03:04:05.6+01:00"),
            Some(true)
        );
        assert_eq!(
            text_matches("date-time", "2024-01-02 03:04:05Z"),
            Some(false)
        );
        assert_eq!(
            text_matches("uuid", "123e4567-e89b-12d3-a456-426614174000"),
            Some(true)
        );
        assert_eq!(text_matches("ipv4", "10.0.0.256"), Some(false));
        assert_eq!(text_matches("email", "a@b.c"), Some(true));
        assert_eq!(text_matches("uri", "https://x"), None);
    }

    #[test]
    fn a_format_applies_to_its_own_type_only() {
        assert_eq!(
            FormatSpace::of("int64", types::STRING),
            FormatSpace::Annotation
        );
        assert_eq!(
            FormatSpace::of("date", types::INTEGER),
            FormatSpace::Annotation
        );
        assert_eq!(
            FormatSpace::of("unixtime", types::INTEGER),
            FormatSpace::Annotation
        );
        assert!(matches!(
            FormatSpace::of("int32", types::INTEGER | types::NULL),
            FormatSpace::Numbers { integral: true, .. }
        ));
        assert!(text_contains("iri-reference", "uri"));
        assert!(!text_contains("uri", "iri"));
    }
}
