//! Reading a JSON report through serde with the crate's limits, and
//! turning serde_json's errors into [`ReportError`]s with their line.

use std::io::BufRead;

use serde::de::DeserializeSeed;

use crate::source::Source;
use crate::{Limits, ReportError};

/// Deserializes one JSON document from `input` with `seed`, refusing
/// anything after it, within `limits`' bytes and depth.
pub(crate) fn read_with<T>(
    input: impl BufRead,
    limits: &Limits,
    seed: impl for<'de> DeserializeSeed<'de, Value = T>,
) -> Result<T, ReportError> {
    let mut source = Source::json(input, limits.max_bytes, limits.max_depth);
    let outcome = {
        let mut deserializer = serde_json::Deserializer::from_reader(&mut source);
        seed.deserialize(&mut deserializer)
            .and_then(|value| deserializer.end().map(|()| value))
    };
    outcome.map_err(|e| error(&source, &e))
}

/// serde_json's error as a [`ReportError`]: a limit the reader hit is
/// named as such; otherwise serde_json's line, and its message without
/// the " at line L column C" it appends.
fn error<R: BufRead>(source: &Source<R>, error: &serde_json::Error) -> ReportError {
    if let Some(limit) = source.exceeded() {
        return limit;
    }
    let text = error.to_string();
    let message = match text.rfind(" at line ") {
        Some(at) if error.line() > 0 => text[..at].to_owned(),
        _ => text,
    };
    let line = if error.line() > 0 {
        error.line() as u64
    } else {
        source.line()
    };
    ReportError { line, message }
}
