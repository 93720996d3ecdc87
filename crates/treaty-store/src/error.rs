//! What can go wrong in the store, and the translation of a database's
//! unique-key refusal into a [`StoreError::Conflict`].

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database refused or could not be reached.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// The URL names neither SQLite nor PostgreSQL.
    #[error("`{0}` is not a supported database URL: use sqlite://PATH or postgres://...")]
    BadUrl(String),
    /// The database's schema is newer than this build's migrations: running
    /// on it could misread or damage rows written by the newer build.
    #[error(
        "the database was migrated by a newer Treaty (schema version {found}, this build knows {known}): refusing to start"
    )]
    NewerSchema {
        /// The schema version the database is at.
        found: i64,
        /// The last schema version this build can migrate to.
        known: i64,
    },
    /// A full sentence: what exists, and how it differs.
    #[error("{0}")]
    Conflict(String),
    /// Other writes of the same thing (e.g. "the deployment of `web` to
    /// `production`") kept this one from completing, however often it was
    /// tried; nothing was written. The same request later may well
    /// succeed: a server answers 503 with `Retry-After`.
    #[error(
        "{0} was being written by another request at the same moment; nothing was written: try again"
    )]
    Busy(String),
    /// A value given to the store that it refuses to keep (e.g. a decision
    /// record over the log's size limit); nothing was written.
    #[error("{0}")]
    Invalid(String),
    /// The named thing (e.g. "team `payments`") does not exist.
    #[error("{0} does not exist")]
    NotFound(String),
    /// The system's random source failed, so no id or token could be made.
    #[error("cannot generate a token: {0}")]
    Random(String),
    /// A stored value this build cannot read back (e.g. an unknown token
    /// scope): refused rather than defaulted or dropped, so a damaged or
    /// newer row never silently changes what it grants.
    #[error(
        "corrupt database: table `{table}`, row `{row}`: {field} `{value}` is not a value this build knows"
    )]
    Corrupt {
        /// The table holding the row.
        table: &'static str,
        /// The row's key.
        row: String,
        /// The column holding the unreadable value.
        field: &'static str,
        /// The value as stored.
        value: String,
    },
}

impl StoreError {
    /// Whether the same request may succeed if sent again unchanged: the
    /// store was busy ([`StoreError::Busy`]) or the database gave up on a
    /// transaction for another's sake (serialization failure, deadlock) or
    /// had no connection free in time. Everything else would fail again.
    pub fn is_retryable(&self) -> bool {
        match self {
            StoreError::Busy(_) => true,
            StoreError::Database(sqlx::Error::PoolTimedOut) => true,
            StoreError::Database(sqlx::Error::Database(d)) => {
                // PostgreSQL's serialization_failure and deadlock_detected;
                // SQLite's busy, past its busy timeout.
                matches!(d.code().as_deref(), Some("40001" | "40P01" | "5" | "517"))
            }
            _ => false,
        }
    }
}

/// `e` as a conflict on `what` when it is a unique-key violation.
pub(crate) fn unique_or(e: sqlx::Error, what: impl FnOnce() -> String) -> StoreError {
    if is_unique_violation(&e) {
        StoreError::Conflict(format!("{} already exists", what()))
    } else {
        StoreError::Database(e)
    }
}

pub(crate) fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

#[cfg(test)]
mod tests {
    use super::StoreError;

    #[test]
    fn only_what_may_succeed_unchanged_is_retryable() {
        assert!(StoreError::Busy("the deployment of `web` to `production`".into()).is_retryable());
        assert!(StoreError::Database(sqlx::Error::PoolTimedOut).is_retryable());
        assert!(!StoreError::Conflict("team `payments` already exists".into()).is_retryable());
        assert!(!StoreError::Database(sqlx::Error::RowNotFound).is_retryable());
    }
}
