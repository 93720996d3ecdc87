//! Writes: one at a time per process on SQLite, in parallel on PostgreSQL.

use crate::{Store, StoreError};

/// The turn to write; see [`Store::write_turn`].
pub(crate) type WriteTurn = Option<tokio::sync::OwnedMutexGuard<()>>;

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
}
