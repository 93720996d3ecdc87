//! Opening a store: connecting, then bringing the schema to this build's
//! version, once, however many brokers start at the same moment.

use std::sync::Arc;

use sqlx::AnyPool;
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{Executor, Row};

use crate::facts::Facts;
use crate::group_commit::GroupQueue;
use crate::wal_checkpoint::{self, WRITER_AUTOCHECKPOINT_PAGES};
use crate::{Store, StoreError};

/// The migrations, in order. Version N is the N-th entry.
const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/0001_init.sql"),
    include_str!("../migrations/0002_interface_consumers.sql"),
    include_str!("../migrations/0003_verification_order.sql"),
    include_str!("../migrations/0004_decision_log.sql"),
    include_str!("../migrations/0005_notifications.sql"),
    include_str!("../migrations/0006_proposals.sql"),
    include_str!("../migrations/0007_pact_broker.sql"),
    include_str!("../migrations/0008_released_versions.sql"),
    include_str!("../migrations/0009_ui_sessions.sql"),
    include_str!("../migrations/0010_trains.sql"),
    include_str!("../migrations/0011_catalog_indexes.sql"),
    include_str!("../migrations/0012_escalations.sql"),
    include_str!("../migrations/0013_blockers.sql"),
    include_str!("../migrations/0014_evidence_generation.sql"),
    include_str!("../migrations/0015_digests.sql"),
    include_str!("../migrations/0016_evidence_newest.sql"),
];

/// Held by the PostgreSQL connection that migrates; any fixed number
/// works, as long as every build uses the same one.
const MIGRATION_LOCK: &str = "7349127031";

/// How long a pooled connection may have been idle and still be handed
/// out without a ping first.
const IDLE_BEFORE_PING: std::time::Duration = std::time::Duration::from_secs(2);

/// A pool of at most `max` connections to `url`; SQLite's connections
/// are set up for durability and for readers beside one writer.
async fn connect(url: &str, sqlite: bool, max: u32) -> Result<AnyPool, StoreError> {
    // The writer's own checkpoint is a backstop (`wal_checkpoint`).
    let autocheckpoint = if max == 1 {
        format!(" PRAGMA wal_autocheckpoint = {WRITER_AUTOCHECKPOINT_PAGES};")
    } else {
        String::new()
    };
    let pool = AnyPoolOptions::new()
        .max_connections(max)
        .min_connections(u32::from(max == 1))
        .idle_timeout(if max == 1 { None } else { Some(std::time::Duration::from_secs(600)) })
        .acquire_timeout(std::time::Duration::from_secs(10))
        // sqlx pings every connection it hands out, and again when it is
        // given back: a round trip per query more (to the database, or to
        // SQLite's worker thread). A connection used a moment ago is alive;
        // one idle longer (its server restarted, a firewall dropped it) is
        // still checked before use, and replaced if dead.
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for >= IDLE_BEFORE_PING {
                    sqlx::Connection::ping(conn).await?;
                }
                Ok(true)
            })
        })
        .after_connect(move |conn, _| {
            let autocheckpoint = autocheckpoint.clone();
            Box::pin(async move {
                if sqlite {
                    // Durable before acknowledged; readers never block the writer.
                    conn.execute(format!("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; PRAGMA cache_size = -16384; PRAGMA mmap_size = 268435456;{autocheckpoint}").as_str())
                        .await?;
                }
                Ok(())
            })
        })
        .connect(url)
        .await?;
    Ok(pool)
}

impl Store {
    /// Connects (creating an SQLite file if needed) and migrates.
    pub async fn open(url: &str) -> Result<Store, StoreError> {
        install_default_drivers();
        let sqlite = url.starts_with("sqlite:");
        if !sqlite && !url.starts_with("postgres://") && !url.starts_with("postgresql://") {
            return Err(StoreError::BadUrl(url.to_owned()));
        }
        let url = if sqlite && !url.contains("mode=") {
            format!("{url}{}mode=rwc", if url.contains('?') { "&" } else { "?" })
        } else {
            url.to_owned()
        };
        let pool = connect(&url, sqlite, if sqlite { 8 } else { 16 }).await?;
        // SQLite has one writer: one connection for every write keeps its
        // page cache and memory map valid from one write to the next
        // (with writes spread over the pool, each connection rereads what
        // the others changed). PostgreSQL writes in parallel.
        let write_pool = if sqlite {
            connect(&url, sqlite, 1).await?
        } else {
            pool.clone()
        };
        let store = Store {
            pool,
            write_pool,
            sqlite,
            write_lock: sqlite.then(|| Arc::new(tokio::sync::Mutex::new(()))),
            facts: Arc::new(Facts::default()),
            proposal_queue: Arc::new(GroupQueue::with_turns(if sqlite { 1 } else { 2 })),
            write_queue: Arc::default(),
            listen_url: (!sqlite).then(|| Arc::from(url.as_str())),
        };
        store.migrate().await?;
        if let Some(turn) = &store.write_lock {
            wal_checkpoint::start(store.pool.clone(), Arc::downgrade(turn));
        }
        Ok(store)
    }

    /// Applies the migrations this build knows, each in a transaction;
    /// refuses a database migrated by a newer build.
    async fn migrate(&self) -> Result<(), StoreError> {
        let mut conn = self.pool.acquire().await?;
        // Brokers starting at once on one PostgreSQL database migrate one
        // after the other: the lock is held by this connection until the
        // end (or until the process dies). SQLite serialises by itself.
        if !self.sqlite {
            conn.execute(format!("SELECT pg_advisory_lock({MIGRATION_LOCK})").as_str())
                .await?;
        }
        let result = self.migrate_on(&mut conn).await;
        if !self.sqlite {
            conn.execute(format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})").as_str())
                .await?;
        }
        result
    }

    async fn migrate_on(&self, conn: &mut sqlx::AnyConnection) -> Result<(), StoreError> {
        conn.execute("CREATE TABLE IF NOT EXISTS treaty_schema (version BIGINT PRIMARY KEY)")
            .await?;
        let found: Option<i64> = sqlx::query("SELECT MAX(version) AS v FROM treaty_schema")
            .fetch_one(&mut *conn)
            .await?
            .try_get::<Option<i64>, _>("v")?;
        let found = found.unwrap_or(0);
        let known = MIGRATIONS.len() as i64;
        if found > known {
            return Err(StoreError::NewerSchema { found, known });
        }
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
            let mut tx = if self.sqlite {
                sqlx::Connection::begin_with(&mut *conn, "BEGIN IMMEDIATE").await?
            } else {
                sqlx::Connection::begin(&mut *conn).await?
            };
            // Another process may have applied it while this one waited.
            let now_at: Option<i64> = sqlx::query("SELECT MAX(version) AS v FROM treaty_schema")
                .fetch_one(&mut *tx)
                .await?
                .try_get::<Option<i64>, _>("v")?;
            if now_at.unwrap_or(0) > i as i64 {
                tx.rollback().await?;
                continue;
            }
            for statement in statements(sql) {
                tx.execute(statement.as_str()).await?;
            }
            sqlx::query("INSERT INTO treaty_schema (version) VALUES ($1)")
                .bind(i as i64 + 1)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        }
        Ok(())
    }
}

/// The statements of a migration. Comments go first, so that a `;` in one
/// cannot split a statement.
fn statements(sql: &str) -> Vec<String> {
    let code: String = sql
        .lines()
        .filter(|l| !l.trim_start().starts_with("--"))
        .collect::<Vec<_>>()
        .join("\n");
    code.split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}
