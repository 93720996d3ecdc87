//! Values shared by several file kinds: dates, durations, thresholds.

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// An objective bound on a measured value: at least `min`, at most `max`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Threshold {
    /// The measured quantity, as the evidence names it (`pass_rate`,
    /// `p99_latency`, `high_findings`).
    pub metric: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// The least acceptable value, when there is one.
    pub min: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// The greatest acceptable value, when there is one.
    pub max: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// The unit of the bounds, such as `ms` or `%`.
    pub unit: Option<String>,
}

/// A calendar day written `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CalendarDate(pub jiff::civil::Date);

impl fmt::Display for CalendarDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::str::FromStr for CalendarDate {
    type Err = String;

    fn from_str(s: &str) -> Result<CalendarDate, String> {
        let well_formed = s.len() == 10
            && s.bytes().enumerate().all(|(i, b)| {
                if i == 4 || i == 7 {
                    b == b'-'
                } else {
                    b.is_ascii_digit()
                }
            });
        if !well_formed {
            return Err(format!(
                "`{s}` is not a date: write YYYY-MM-DD, such as `2027-01-22`"
            ));
        }
        s.parse::<jiff::civil::Date>()
            .map(CalendarDate)
            .map_err(|_| format!("`{s}` is not a day of the calendar"))
    }
}

serde_as_text!(CalendarDate);

impl JsonSchema for CalendarDate {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "CalendarDate".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "format": "date",
            "description": "A calendar day: YYYY-MM-DD."
        })
    }
}

/// A length of time written as a number and a unit: `30m`, `4h`, `2d`, `1w`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Duration {
    minutes: u64,
}

impl Duration {
    /// A duration of `minutes` minutes.
    pub fn from_minutes(minutes: u64) -> Duration {
        Duration { minutes }
    }

    /// The duration in minutes.
    pub fn minutes(self) -> u64 {
        self.minutes
    }
}

impl std::str::FromStr for Duration {
    type Err = String;

    fn from_str(s: &str) -> Result<Duration, String> {
        let err = || {
            format!(
                "`{s}` is not a duration: write a number and a unit, such as `30m`, `4h`, `2d` or `1w`"
            )
        };
        let split = s.find(|c: char| !c.is_ascii_digit()).ok_or_else(err)?;
        let (num, unit) = s.split_at(split);
        let n: u64 = num.parse().map_err(|_| err())?;
        let factor = match unit {
            "m" => 1,
            "h" => 60,
            "d" => 60 * 24,
            "w" => 60 * 24 * 7,
            _ => return Err(err()),
        };
        n.checked_mul(factor)
            .map(Duration::from_minutes)
            .ok_or_else(|| format!("`{s}` is too long a duration"))
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let m = self.minutes;
        for (unit, size) in [("w", 60 * 24 * 7), ("d", 60 * 24), ("h", 60)] {
            if m != 0 && m.is_multiple_of(size) {
                return write!(f, "{}{unit}", m / size);
            }
        }
        write!(f, "{m}m")
    }
}

serde_as_text!(Duration);

impl JsonSchema for Duration {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Duration".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": "^[0-9]+[mhdw]$",
            "description": "A number and a unit: m (minutes), h (hours), d (days), w (weeks)."
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_iso_days() {
        assert_eq!(
            "2027-01-22".parse::<CalendarDate>().map(|d| d.to_string()),
            Ok("2027-01-22".to_owned())
        );
        assert!(
            "2026-11-31"
                .parse::<CalendarDate>()
                .is_err_and(|e| e.contains("not a day"))
        );
        assert!(
            "15.12.2026"
                .parse::<CalendarDate>()
                .is_err_and(|e| e.contains("YYYY-MM-DD"))
        );
        assert!("2026-1-5".parse::<CalendarDate>().is_err());
    }

    #[test]
    fn durations_round_trip() {
        for s in ["30m", "4h", "2d", "1w", "90m"] {
            assert_eq!(
                s.parse::<Duration>().map(|d| d.to_string()),
                Ok(s.to_owned())
            );
        }
        assert_eq!(
            "48h".parse::<Duration>().map(|d| d.to_string()),
            Ok("2d".to_owned())
        );
        assert!("4".parse::<Duration>().is_err());
        assert!("h".parse::<Duration>().is_err());
        assert!("4 hours".parse::<Duration>().is_err());
        assert!("99999999999999999w".parse::<Duration>().is_err());
    }
}
