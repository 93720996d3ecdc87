//! The broker's clock, injected: the system's, or for tests a moment kept
//! in a file (`treaty serve --test-clock FILE`). Everything the broker
//! dates reads it: every write through the API (decisions, proposals,
//! tokens, verifications, deployments...), the escalation timers, the
//! notifications and their delivery, the gate, the dashboard's sessions.
//!
//! A test clock is a file holding an RFC 3339 moment (`2027-01-16T09:00:00Z`)
//! and advancing in real time from when the file was last written: a test
//! moves time by rewriting the file, every broker reading the file sees
//! the same time, and a broker killed and started again goes on where the
//! clock stands (retries and leases keep elapsing). For tests only: a
//! broker in use keeps the system's clock.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use jiff::Timestamp;

/// Largest test clock file read, in bytes.
const MAX_CLOCK_FILE: u64 = 256;

/// Where the broker's time comes from.
#[derive(Debug, Clone, Default)]
pub enum Clock {
    /// The system's clock.
    #[default]
    System,
    /// For tests: the moment in this file, advancing from the file's last
    /// change.
    File(Arc<PathBuf>),
}

/// Why a test clock could not be read.
#[derive(Debug, thiserror::Error)]
#[error("the test clock {path}: {reason}")]
pub struct ClockError {
    path: String,
    reason: String,
}

impl Clock {
    /// A test clock read from `path`.
    pub fn file(path: impl Into<PathBuf>) -> Clock {
        Clock::File(Arc::new(path.into()))
    }

    /// Now, on this clock.
    pub fn now(&self) -> Result<Timestamp, ClockError> {
        match self {
            Clock::System => Timestamp::from_millisecond(crate::now_ms()).map_err(|e| ClockError {
                path: "(system)".into(),
                reason: e.to_string(),
            }),
            Clock::File(path) => read_file_clock(path),
        }
    }

    /// Now, on this clock, in Unix milliseconds.
    pub fn now_ms(&self) -> Result<i64, ClockError> {
        self.now().map(|t| t.as_millisecond())
    }
}

fn read_file_clock(path: &Path) -> Result<Timestamp, ClockError> {
    let failed = |reason: String| ClockError {
        path: path.display().to_string(),
        reason,
    };
    let meta = std::fs::metadata(path).map_err(|e| failed(e.to_string()))?;
    if meta.len() > MAX_CLOCK_FILE {
        return Err(failed(format!(
            "{} bytes; it holds one RFC 3339 moment",
            meta.len()
        )));
    }
    let text = std::fs::read_to_string(path).map_err(|e| failed(e.to_string()))?;
    let set: Timestamp = text.trim().parse().map_err(|e| {
        failed(format!(
            "`{}` is not an RFC 3339 moment (2027-01-16T09:00:00Z): {e}",
            text.trim()
        ))
    })?;
    let written = meta.modified().map_err(|e| failed(e.to_string()))?;
    let elapsed = SystemTime::now()
        .duration_since(written)
        .unwrap_or_default();
    let elapsed = jiff::SignedDuration::try_from(elapsed).unwrap_or_default();
    set.checked_add(elapsed).map_err(|e| failed(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_test_clock_starts_at_the_moment_written_and_advances()
    -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("clock");
        std::fs::write(&path, "2027-01-16T09:00:00Z\n")?;
        let clock = Clock::file(&path);
        let set: Timestamp = "2027-01-16T09:00:00Z".parse()?;
        let now = clock.now()?;
        assert!(
            now >= set && now < set + jiff::SignedDuration::from_secs(5),
            "{now}"
        );
        std::fs::write(&path, "not a time")?;
        let e = clock.now().err().map(|e| e.to_string()).unwrap_or_default();
        assert!(e.contains("is not an RFC 3339 moment"), "{e}");
        std::fs::remove_file(&path)?;
        assert!(clock.now().is_err());
        Ok(())
    }
}
