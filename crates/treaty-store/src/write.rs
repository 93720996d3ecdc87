//! Writes: one at a time per process on SQLite, in parallel on PostgreSQL,
//! and serialized per thing where several brokers could interleave.

use crate::error::{is_unique_violation, unique_or};
use crate::grouped_statements::Statement;
use crate::store::value_rows;
use crate::{Store, StoreError, Written};

/// The turn to write; see [`Store::write_turn`].
pub(crate) type WriteTurn = Option<tokio::sync::OwnedMutexGuard<()>>;

/// Kinds of thing whose writes [`Store::serialize_on`] puts in one line.
/// Each is its own key space, so keys of different kinds never wait for
/// each other.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Serialized {
    /// Deployments and undeployments of one component in one environment.
    Deployments = 1,
    /// Verifications of one provider version against one consumer version.
    Verifications = 2,
    /// Appends to the decision log (one key: the log is one sequence).
    DecisionLog = 3,
    /// Proposals: numbering new ones (one key), and each proposal's
    /// decisions and moves (its id).
    Proposals = 4,
    /// Releases of one component in one environment, and the ends of
    /// their support.
    Releases = 5,
    /// Revisions of one release train.
    Trains = 6,
    /// Blockers: numbering new ones (one key), and each blocker's changes
    /// (its id).
    Blockers = 7,
    /// Gate overrides: numbering new ones (one key), and each override's
    /// decisions (its id).
    Overrides = 8,
}

impl Store {
    /// A transaction that will write. On SQLite it takes the write lock at
    /// once (`BEGIN IMMEDIATE`), waiting for it up to the busy timeout: a
    /// deferred transaction that reads first could not upgrade its lock
    /// while another connection writes, and would fail instead of waiting.
    pub(crate) async fn write_tx(
        &self,
    ) -> Result<(WriteTurn, sqlx::Transaction<'static, sqlx::Any>), StoreError> {
        let turn = self.write_turn().await;
        let tx = if self.sqlite {
            self.write_pool.begin_with("BEGIN IMMEDIATE").await?
        } else {
            self.write_pool.begin().await?
        };
        Ok((turn, tx))
    }

    /// This process's turn to write (SQLite only; PostgreSQL writes in
    /// parallel). Held until the returned value is dropped.
    pub(crate) async fn write_turn(&self) -> WriteTurn {
        match &self.write_lock {
            Some(lock) => Some(lock.clone().lock_owned().await),
            None => None,
        }
    }

    /// Waits until no other transaction, from any broker, holds `key` of
    /// `kind`, then holds it until `tx` ends: transactions that read what
    /// they then change (the current deployment, the last verification)
    /// run one after the other, as one broker's would. Call it first in the
    /// transaction, so that every later statement sees what the previous
    /// holder committed. A transaction takes at most one key besides the
    /// decision log's, and takes that one last, so no two can wait for
    /// each other.
    ///
    /// On PostgreSQL this is a transaction-level advisory lock on
    /// (`kind`, hash of `key`); two keys with one hash merely wait for each
    /// other. SQLite needs nothing: a write transaction there already has
    /// the whole database to itself (`BEGIN IMMEDIATE`).
    pub(crate) async fn serialize_on(
        &self,
        tx: &mut sqlx::AnyConnection,
        kind: Serialized,
        key: &str,
    ) -> Result<(), StoreError> {
        if let Some(statement) = self.serializing(kind, key) {
            statement.query().execute(&mut *tx).await?;
        }
        Ok(())
    }

    /// The statement [`Store::serialize_on`] runs, for a write described
    /// as statements; `None` on SQLite.
    pub(crate) fn serializing(&self, kind: Serialized, key: &str) -> Option<Statement> {
        (!self.sqlite).then(|| {
            Statement::new("SELECT pg_advisory_xact_lock(CAST($1 AS integer), hashtext($2))")
                .int(kind as i64)
                .text(key)
        })
    }
}

impl Store {
    /// [`Store::serialize_on`] for several keys of one kind at once, in
    /// one statement. The locks are taken in the order of their hashes,
    /// the same order in every transaction, so two transactions holding
    /// some of the same keys never wait for each other.
    pub(crate) async fn serialize_on_each(
        &self,
        tx: &mut sqlx::AnyConnection,
        kind: Serialized,
        keys: &[&str],
    ) -> Result<(), StoreError> {
        if self.sqlite || keys.is_empty() {
            return Ok(());
        }
        // The subquery is sorted and made distinct, which keeps PostgreSQL
        // from flattening it: the outer scan takes the locks in its order.
        let sql = format!(
            "SELECT pg_advisory_xact_lock($1, h) FROM (SELECT DISTINCT hashtext(v) AS h FROM (VALUES {}) AS t(v) ORDER BY h) AS s",
            value_rows(2, keys.len(), 1)
        );
        let mut query = sqlx::query(&sql).bind(kind as i32);
        for key in keys {
            query = query.bind(*key);
        }
        query.execute(&mut *tx).await?;
        Ok(())
    }
}

/// What a write that is refused or repeated answers, from what is stored
/// now: `Unchanged` when it is the same, a conflict when it differs; `None`
/// when nothing is stored under the key.
pub(crate) type RepeatAnswer = Option<Result<Written, StoreError>>;

/// Ends a write transaction whose last statement was the insert that gave
/// `inserted`: commits it as [`Written::Created`]. When another connection
/// inserted the same key at the same moment (PostgreSQL), rolls back and
/// answers as if this request had come second, from `stored_answer`; a
/// key gone again by then is a conflict on `what`.
pub(crate) async fn finish_insert(
    tx: sqlx::Transaction<'static, sqlx::Any>,
    inserted: Result<sqlx::any::AnyQueryResult, sqlx::Error>,
    stored_answer: impl AsyncFnOnce() -> Result<RepeatAnswer, StoreError>,
    what: impl FnOnce() -> String,
) -> Result<Written, StoreError> {
    match inserted {
        Ok(_) => {
            tx.commit().await?;
            Ok(Written::Created)
        }
        Err(e) if is_unique_violation(&e) => {
            tx.rollback().await?;
            match stored_answer().await? {
                Some(answer) => answer,
                None => Err(unique_or(e, what)),
            }
        }
        Err(e) => Err(e.into()),
    }
}
