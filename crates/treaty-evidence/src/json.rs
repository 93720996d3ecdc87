//! Reading a JSON report through serde with the crate's limits, and
//! turning serde_json's errors into [`ReportError`]s with their line.

use std::io::{BufRead, Read};

use serde::de::DeserializeSeed;

use crate::source::Source;
use crate::{Limits, ReportError};

/// A string checked as serde_json reads it, so that a refusal names the
/// line of the string itself (an error raised later, in the enclosing
/// object's visitor, is placed where that object's parsing stopped).
pub(crate) struct CheckedStr<F>(pub(crate) F);

impl<'de, F: FnOnce(&str) -> Result<(), String>> serde::de::DeserializeSeed<'de> for CheckedStr<F> {
    type Value = String;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<String, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de, F: FnOnce(&str) -> Result<(), String>> serde::de::Visitor<'de> for CheckedStr<F> {
    type Value = String;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a string")
    }

    fn visit_str<E: serde::de::Error>(self, value: &str) -> Result<String, E> {
        (self.0)(value).map_err(E::custom)?;
        Ok(value.to_owned())
    }
}

/// Deserializes one JSON document from `input` with `seed`, refusing
/// anything after it, within `limits`' bytes and depth.
pub(crate) fn read_with<T>(
    input: impl BufRead,
    limits: &Limits,
    seed: impl for<'de> DeserializeSeed<'de, Value = T>,
) -> Result<T, ReportError> {
    let mut source = Source::json(input, limits.max_bytes, limits.max_depth);
    let outcome = {
        // serde_json pulls bytes one at a time; std's `BufReader` serves
        // those without a call per byte into the source (4 to 5 times
        // the speed on a 50 MB SARIF log, docs/PERFORMANCE.md).
        // Its reading ahead does not move the line of an error: serde_json
        // counts its own, and the source records where a limit was hit.
        let buffered = std::io::BufReader::with_capacity(64 * 1024, &mut source);
        let mut deserializer = serde_json::Deserializer::from_reader(buffered);
        seed.deserialize(&mut deserializer)
            .and_then(|value| deserializer.end().map(|()| value))
    };
    outcome.map_err(|e| error(&source, &e))
}

/// serde_json's error as a [`ReportError`]: a limit the reader hit is
/// named as such; otherwise serde_json's line, and its message without
/// the " at line L column C" it appends.
fn error<R: Read>(source: &Source<R>, error: &serde_json::Error) -> ReportError {
    if let Some(limit) = source.exceeded() {
        return limit;
    }
    let text = error.to_string();
    let message = match text.rfind(" at line ") {
        Some(at) if error.line() > 0 => text[..at].to_owned(),
        _ => text,
    };
    // serde_json puts an early end after the final newline, on a line
    // the file does not have.
    let line = if error.is_eof() {
        source.last_line()
    } else if error.line() > 1 && error.column() == 0 {
        // serde_json's position is after the byte it last looked at; at
        // column 0 that byte was the newline ending the offending line.
        error.line() as u64 - 1
    } else if error.line() > 0 {
        error.line() as u64
    } else {
        source.line()
    };
    ReportError { line, message }
}
