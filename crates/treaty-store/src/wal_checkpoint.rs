//! SQLite's write-ahead log copied back into the database file off the
//! commit path.
//!
//! Left to itself, SQLite checkpoints in the `COMMIT` that takes the log
//! past 1,000 pages: that commit copies the pages into the database file
//! (random writes, each write touching a leaf of several indexes) and
//! flushes it, and every write queued behind it waits, for hundreds of
//! milliseconds on a slow disk. Here a task copies the log on a reader
//! connection while writes go on (a `PASSIVE` checkpoint never blocks the
//! writer), and only once the log is long takes the writer's turn for
//! the few pages written meanwhile, so that the next write finds the log
//! wholly copied and starts it again from the beginning: the log stays
//! small. The writer keeps an automatic checkpoint, at ten times the
//! length, in case this task falls behind or is not running.

use std::sync::Weak;
use std::time::Duration;

use sqlx::{AnyPool, Row};

/// How often the log is copied.
const EVERY: Duration = Duration::from_millis(100);

/// Log pages past which the writer's turn is taken to finish the copy.
const RESTART_AFTER_PAGES: i64 = 1_000;

/// The writer connection's own automatic checkpoint, a backstop.
pub(crate) const WRITER_AUTOCHECKPOINT_PAGES: i64 = 10 * RESTART_AFTER_PAGES;

/// Starts the task for a store whose writer's turn is `turn`; it ends
/// once the store is gone. Outside a Tokio runtime nothing starts, and the
/// writer's automatic checkpoint does the work.
pub(crate) fn start(pool: AnyPool, turn: Weak<tokio::sync::Mutex<()>>) {
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        return;
    };
    runtime.spawn(async move {
        let mut tick = tokio::time::interval(EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if turn.strong_count() == 0 || pool.is_closed() {
                return;
            }
            // A copy that fails (the pool busy, closing) is tried again
            // at the next tick; the writer's own checkpoint is there if it
            // keeps failing.
            match copy_log(&pool).await {
                Ok(pages) if pages >= RESTART_AFTER_PAGES => {}
                _ => continue,
            }
            let Some(turn) = turn.upgrade() else { return };
            let _turn = turn.lock().await;
            let _ = copy_log(&pool).await;
        }
    });
}

/// Copies what it can of the log into the database file (`PASSIVE`: no
/// waiting on readers or the writer); answers the log's length in pages.
async fn copy_log(pool: &AnyPool) -> Result<i64, sqlx::Error> {
    let row = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
        .fetch_one(pool)
        .await?;
    row.try_get::<i64, _>(1)
}

#[cfg(test)]
mod tests {
    use super::{RESTART_AFTER_PAGES, WRITER_AUTOCHECKPOINT_PAGES};
    use crate::Store;
    use crate::grouped_statements::Statement;

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    /// A write of one page of its own.
    fn page(n: i64) -> Vec<Statement> {
        vec![
            Statement::new("INSERT INTO pages (n, body) VALUES ($1, $2)")
                .int(n)
                .text("x".repeat(4000)),
        ]
    }

    /// Written without pause, many times the length at which the log is
    /// started again, the log's file stays a few times that length: the
    /// task copied it while the writes went on. Without the task it would
    /// grow to the writer's own checkpoint, ten times that length.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_log_stays_short_while_writes_go_on() -> TestResult {
        let dir = tempfile::tempdir()?;
        let db = dir.path().join("t.db");
        let store = Store::open(&format!("sqlite://{}", db.display())).await?;
        store
            .grouped_write(
                vec![Statement::new("CREATE TABLE pages (n BIGINT, body TEXT)")],
                (),
            )
            .await?;
        let writes = 9 * RESTART_AFTER_PAGES;
        let mut writers = Vec::new();
        for w in 0..8 {
            let store = store.clone();
            writers.push(tokio::spawn(async move {
                let mut n = w;
                while n < writes {
                    store.grouped_write(page(n), ()).await?;
                    n += 8;
                }
                Ok::<_, crate::StoreError>(())
            }));
        }
        for writer in writers {
            writer.await??;
        }
        let page_size = 4096;
        let log = std::fs::metadata(dir.path().join("t.db-wal"))?.len() / page_size;
        let row = sqlx::query("SELECT COUNT(*) AS n FROM pages")
            .fetch_one(&store.pool)
            .await?;
        assert_eq!(sqlx::Row::try_get::<i64, _>(&row, "n")?, writes);
        assert!(
            log < 5 * RESTART_AFTER_PAGES as u64,
            "the log's file grew to {log} pages (the writer's own checkpoint is at {WRITER_AUTOCHECKPOINT_PAGES})"
        );
        Ok(())
    }
}
