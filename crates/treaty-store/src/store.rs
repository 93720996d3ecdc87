//! The [`Store`] handle, and what every resource shares: [`Written`],
//! [`Table`], and the health and counting queries.

use std::sync::Arc;

use sqlx::{AnyPool, Row};

use crate::StoreError;
use crate::facts::Facts;
use crate::group_commit::WriteQueue;
use crate::proposal_batch::ProposalQueue;

/// The store, on SQLite or PostgreSQL. Cheap to clone: clones share one
/// connection pool, one writer queue and one memory of immutable facts.
#[derive(Debug, Clone)]
pub struct Store {
    pub(crate) pool: AnyPool,
    /// Where writes go: on SQLite one connection of its own (see
    /// `migrate`), on PostgreSQL the pool.
    pub(crate) write_pool: AnyPool,
    pub(crate) sqlite: bool,
    /// SQLite has one writer: writes queue here, in order, rather than in
    /// SQLite's busy handler, whose growing sleeps make a long tail.
    pub(crate) write_lock: Option<Arc<tokio::sync::Mutex<()>>>,
    pub(crate) facts: Arc<Facts>,
    /// Proposal updates waiting to be written together (`proposal_batch`).
    pub(crate) proposal_queue: Arc<ProposalQueue>,
    /// Other writes waiting to be written together (`group_commit`;
    /// SQLite only).
    pub(crate) write_queue: Arc<WriteQueue>,
    /// PostgreSQL's URL, for the connection that listens for revocations
    /// (see `notify`); `None` on SQLite.
    pub(crate) listen_url: Option<Arc<str>>,
}

/// Whether a write stored something new. Writes of immutable things
/// (versions, expectations) may be repeated: the same content again is
/// `Unchanged`, other content is a [`StoreError::Conflict`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    /// The write stored a new row.
    Created,
    /// The same content was already stored; nothing changed.
    Unchanged,
}

/// Tables that may be counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    /// Teams, the admin team included.
    Teams,
    /// Registered components.
    Components,
    /// Published interface versions.
    InterfaceVersions,
    /// Consumer expectations, one per consumer version and interface.
    Expectations,
    /// Recorded verifications.
    Verifications,
    /// Deployments, past and current.
    Deployments,
    /// Released versions, supported or not.
    ReleasedVersions,
}

impl Table {
    fn name(self) -> &'static str {
        match self {
            Table::Teams => "teams",
            Table::Components => "components",
            Table::InterfaceVersions => "interface_versions",
            Table::Expectations => "expectations",
            Table::Verifications => "verifications",
            Table::Deployments => "deployments",
            Table::ReleasedVersions => "released_versions",
        }
    }
}

impl Store {
    /// Whether the database answers.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1 AS one").fetch_one(&self.pool).await?;
        Ok(())
    }

    /// Counts of rows per table, for consistency checks and the readiness
    /// report.
    pub async fn count(&self, table: Table) -> Result<i64, StoreError> {
        let row = sqlx::query(&format!("SELECT COUNT(*) AS n FROM {}", table.name()))
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get("n")?)
    }
}

/// Parameter lists for SQL: `rows` parenthesised groups of `columns`
/// parameters each, numbered from `$first` (`value_rows(1, 2, 2)` is
/// `($1, $2), ($3, $4)`): the rows of a `VALUES`, or with one row an `IN`
/// list.
pub(crate) fn value_rows(first: usize, rows: usize, columns: usize) -> String {
    let rows: Vec<String> = (0..rows)
        .map(|r| {
            let params: Vec<String> = (0..columns)
                .map(|c| format!("${}", first + r * columns + c))
                .collect();
            format!("({})", params.join(", "))
        })
        .collect();
    rows.join(", ")
}

/// The rows `sql` selects for `ids`: its `{ids}` becomes `($1, ..., $n)`,
/// one parameter per id (at most a few hundred here: a group's proposals
/// or teams).
pub(crate) async fn fetch_for_ids(
    conn: &mut sqlx::AnyConnection,
    sql: &str,
    ids: &[&str],
) -> Result<Vec<sqlx::any::AnyRow>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = sql.replace("{ids}", &value_rows(1, 1, ids.len()));
    let mut query = sqlx::query(&sql);
    for id in ids {
        query = query.bind(*id);
    }
    Ok(query.fetch_all(&mut *conn).await?)
}

#[cfg(test)]
mod tests {
    use super::value_rows;

    #[test]
    fn value_rows_number_every_parameter_once() {
        assert_eq!(value_rows(1, 2, 2), "($1, $2), ($3, $4)");
        assert_eq!(value_rows(2, 2, 1), "($2), ($3)");
        assert_eq!(value_rows(1, 1, 3), "($1, $2, $3)");
    }
}
