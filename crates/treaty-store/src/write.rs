//! Writes: one at a time per process on SQLite, in parallel on PostgreSQL,
//! and serialized per thing where several brokers could interleave.

use crate::{Store, StoreError};

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
            self.pool.begin_with("BEGIN IMMEDIATE").await?
        } else {
            self.pool.begin().await?
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
    /// holder committed. A transaction takes at most one key, so no two
    /// can wait for each other.
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
        if self.sqlite {
            return Ok(());
        }
        sqlx::query("SELECT pg_advisory_xact_lock($1, hashtext($2))")
            .bind(kind as i32)
            .bind(key)
            .execute(&mut *tx)
            .await?;
        Ok(())
    }
}
