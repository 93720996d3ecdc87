//! Treaty's persistence: one [`Store`] over SQLite (one file, the embedded
//! default; WAL with synchronous writes, so an acknowledged write survives
//! a crash) or PostgreSQL (for several brokers behind a load balancer),
//! with the same migrations. Every write that touches several rows runs in
//! one transaction.
//!
//! It is storage only: who may do what is decided by the server, and what
//! is compatible by `treaty-compat`. Time is passed in, never read here.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyPool, Executor, Row};

/// The migrations, in order. Version N is the N-th entry.
const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/0001_init.sql"),
    include_str!("../migrations/0002_interface_consumers.sql"),
];

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("`{0}` is not a supported database URL: use sqlite://PATH or postgres://...")]
    BadUrl(String),
    #[error(
        "the database was migrated by a newer Treaty (schema version {found}, this build knows {known}): refusing to start"
    )]
    NewerSchema { found: i64, known: i64 },
    /// A full sentence: what exists, and how it differs.
    #[error("{0}")]
    Conflict(String),
    #[error("{0} does not exist")]
    NotFound(String),
    #[error("cannot generate a token: {0}")]
    Random(String),
}

/// What a token lets its team do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    Read,
    Publish,
    Approve,
    Admin,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Publish => "publish",
            Scope::Approve => "approve",
            Scope::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Scope> {
        Some(match s {
            "read" => Scope::Read,
            "publish" => Scope::Publish,
            "approve" => Scope::Approve,
            "admin" => Scope::Admin,
            _ => return None,
        })
    }
}

/// The caller a valid token stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub team: String,
    pub scopes: Vec<Scope>,
    /// The token's id (not the secret), for logs.
    pub token_id: String,
}

impl Principal {
    /// Admin implies every scope, and any valid token may read.
    pub fn may(&self, scope: Scope) -> bool {
        scope == Scope::Read || self.scopes.contains(&scope) || self.scopes.contains(&Scope::Admin)
    }

    pub fn is_admin(&self) -> bool {
        self.scopes.contains(&Scope::Admin)
    }
}

/// Whether a write stored something new. Writes of immutable things
/// (versions, expectations) may be repeated: the same content again is
/// `Unchanged`, other content is a [`StoreError::Conflict`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    Created,
    Unchanged,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Team {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Component {
    pub id: String,
    pub team: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterfaceRecord {
    pub id: String,
    /// The producer component.
    pub component: String,
    pub kind: String,
    pub compatibility: String,
    pub proto_category: Option<String>,
}

/// An interface with the team that owns its producer component.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnedInterface {
    pub interface: InterfaceRecord,
    pub team: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionRecord {
    pub version: String,
    pub bundle_hash: String,
    pub created_at: i64,
}

/// What version `version` of consumer `component` was built against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpectationRecord {
    pub component: String,
    pub version: String,
    pub interface: String,
    pub built_against: String,
    /// JSON, as the server wrote it.
    pub uses: String,
    /// JSON of the example payloads and Pact files, stored as they came.
    pub artifacts: String,
}

/// A recorded verification of a consumer version against a provider version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    pub interface: String,
    pub provider_version: String,
    pub consumer: String,
    pub consumer_version: String,
    pub success: bool,
    pub details: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerificationRecord {
    pub id: String,
    pub verification: Verification,
    pub recorded_by: String,
    pub recorded_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deployment {
    pub id: String,
    pub component: String,
    pub environment: String,
    pub version: String,
    pub deployed_at: i64,
}

/// A consumer version running in an environment, and what it expects of
/// one interface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeployedConsumer {
    pub component: String,
    pub version: String,
    pub built_against: String,
    pub uses: String,
}

/// The store, on SQLite or PostgreSQL.
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    sqlite: bool,
    /// SQLite has one writer: writes queue here, in order, rather than in
    /// SQLite's busy handler, whose growing sleeps make a long tail.
    write_lock: Option<Arc<tokio::sync::Mutex<()>>>,
    facts: Arc<Facts>,
}

/// Entries each fact cache holds before it starts over.
const FACTS_CAPACITY: usize = 100_000;

/// Answers that can never change once given: a published version's bundle,
/// a registered interface or component, an environment. Remembered so that
/// a can-i-release question costs fewer round trips.
#[derive(Debug, Default)]
struct Facts {
    /// By `interface\0version`.
    bundles: Mutex<HashMap<String, String>>,
    interfaces: Mutex<HashMap<String, OwnedInterface>>,
    components: Mutex<HashMap<String, Component>>,
    environments: Mutex<HashMap<String, ()>>,
}

fn remembered<V: Clone>(map: &Mutex<HashMap<String, V>>, key: &str) -> Option<V> {
    map.lock().ok()?.get(key).cloned()
}

fn remember<K: std::hash::Hash + Eq, V>(map: &Mutex<HashMap<K, V>>, key: K, value: V) {
    if let Ok(mut m) = map.lock() {
        if m.len() >= FACTS_CAPACITY {
            m.clear();
        }
        m.insert(key, value);
    }
}

fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest;
    hex(&sha2::Sha256::digest(data))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `prefix` and 16 random bytes: ids that need no coordination between
/// brokers.
pub fn random_id(prefix: &str) -> Result<String, StoreError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| StoreError::Random(e.to_string()))?;
    Ok(format!("{prefix}{}", hex(&bytes)))
}

/// The hash under which `content` is stored.
pub fn content_hash(content: &str) -> String {
    sha256_hex(content.as_bytes())
}

/// The team created at first start, which holds the bootstrap token.
pub const ADMIN_TEAM: &str = "admins";

fn unique_or(e: sqlx::Error, what: impl FnOnce() -> String) -> StoreError {
    if is_unique_violation(&e) {
        StoreError::Conflict(format!("{} already exists", what()))
    } else {
        StoreError::Database(e)
    }
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
        let pool = AnyPoolOptions::new()
            .max_connections(if sqlite { 8 } else { 16 })
            .acquire_timeout(std::time::Duration::from_secs(10))
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if sqlite {
                        // Durable before acknowledged; readers never block the writer.
                        conn.execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; PRAGMA cache_size = -16384; PRAGMA mmap_size = 268435456;")
                            .await?;
                    }
                    Ok(())
                })
            })
            .connect(&url)
            .await?;
        let store = Store {
            pool,
            sqlite,
            write_lock: sqlite.then(|| Arc::new(tokio::sync::Mutex::new(()))),
            facts: Arc::new(Facts::default()),
        };
        store.migrate().await?;
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
            conn.execute("SELECT pg_advisory_lock(7349127031)").await?;
        }
        let result = self.migrate_on(&mut conn).await;
        if !self.sqlite {
            conn.execute("SELECT pg_advisory_unlock(7349127031)")
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
            // Comments go first, so that a `;` in one cannot split a statement.
            let code: String = sql
                .lines()
                .filter(|l| !l.trim_start().starts_with("--"))
                .collect::<Vec<_>>()
                .join("\n");
            for statement in code.split(';').map(str::trim).filter(|s| !s.is_empty()) {
                tx.execute(statement).await?;
            }
            sqlx::query("INSERT INTO treaty_schema (version) VALUES ($1)")
                .bind(i as i64 + 1)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        }
        Ok(())
    }

    /// A transaction that will write. On SQLite it takes the write lock at
    /// once (`BEGIN IMMEDIATE`), waiting for it up to the busy timeout: a
    /// deferred transaction that reads first could not upgrade its lock
    /// while another connection writes, and would fail instead of waiting.
    async fn write_tx(
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
    async fn write_turn(&self) -> WriteTurn {
        match &self.write_lock {
            Some(lock) => Some(lock.clone().lock_owned().await),
            None => None,
        }
    }

    /// Whether the database answers.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1 AS one").fetch_one(&self.pool).await?;
        Ok(())
    }

    /// At first start (no admin team yet): creates it and an admin token,
    /// returned once. `None` when the store was already set up.
    pub async fn bootstrap(&self, now: i64) -> Result<Option<String>, StoreError> {
        let (_turn, mut tx) = self.write_tx().await?;
        let r = sqlx::query("INSERT INTO teams (id, name, created_at) VALUES ($1, $2, $3)")
            .bind(ADMIN_TEAM)
            .bind("Treaty administrators")
            .bind(now)
            .execute(&mut *tx)
            .await;
        match r {
            Ok(_) => {}
            Err(e) if is_unique_violation(&e) => return Ok(None),
            Err(e) => return Err(e.into()),
        }
        let (_, token) = insert_token(&mut tx, ADMIN_TEAM, &[Scope::Admin], now).await?;
        tx.commit().await?;
        Ok(Some(token))
    }

    pub async fn create_team(&self, id: &str, name: &str, now: i64) -> Result<(), StoreError> {
        let _turn = self.write_turn().await;
        sqlx::query("INSERT INTO teams (id, name, created_at) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(name)
            .bind(now)
            .execute(&self.pool)
            .await
            .map_err(|e| unique_or(e, || format!("team `{id}`")))?;
        Ok(())
    }

    pub async fn team_exists(&self, id: &str) -> Result<bool, StoreError> {
        Ok(sqlx::query("SELECT 1 AS one FROM teams WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .is_some())
    }

    /// Teams after `after` in id order, at most `limit`.
    pub async fn teams(&self, after: &str, limit: i64) -> Result<Vec<Team>, StoreError> {
        let rows = sqlx::query("SELECT id, name FROM teams WHERE id > $1 ORDER BY id LIMIT $2")
            .bind(after)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(Team {
                    id: r.try_get("id")?,
                    name: r.try_get("name")?,
                })
            })
            .collect()
    }

    /// A new random token for `team`: its id and its secret. Only the
    /// secret's hash is stored, so this is the one chance to see it.
    pub async fn issue_token(
        &self,
        team: &str,
        scopes: &[Scope],
        now: i64,
    ) -> Result<(String, String), StoreError> {
        let (_turn, mut tx) = self.write_tx().await?;
        let exists = sqlx::query("SELECT 1 AS one FROM teams WHERE id = $1")
            .bind(team)
            .fetch_optional(&mut *tx)
            .await?;
        if exists.is_none() {
            return Err(StoreError::NotFound(format!("team `{team}`")));
        }
        let issued = insert_token(&mut tx, team, scopes, now).await?;
        tx.commit().await?;
        Ok(issued)
    }

    /// The principal of a valid, unrevoked token.
    pub async fn authenticate(&self, token: &str) -> Result<Option<Principal>, StoreError> {
        let row = sqlx::query(
            "SELECT id, team_id, scopes FROM tokens WHERE hash = $1 AND revoked_at IS NULL",
        )
        .bind(sha256_hex(token.as_bytes()))
        .fetch_optional(&self.pool)
        .await?;
        let Some(r) = row else { return Ok(None) };
        let scopes: String = r.try_get("scopes")?;
        Ok(Some(Principal {
            team: r.try_get("team_id")?,
            scopes: scopes.split(',').filter_map(Scope::parse).collect(),
            token_id: r.try_get("id")?,
        }))
    }

    /// The team a token id belongs to.
    pub async fn token_team(&self, id: &str) -> Result<Option<String>, StoreError> {
        let row = sqlx::query("SELECT team_id FROM tokens WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| r.try_get("team_id")).transpose()?)
    }

    /// Revokes a token by its id; false when there is no such live token.
    pub async fn revoke_token(&self, id: &str, now: i64) -> Result<bool, StoreError> {
        let _turn = self.write_turn().await;
        let r =
            sqlx::query("UPDATE tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
                .bind(now)
                .bind(id)
                .execute(&self.pool)
                .await?;
        Ok(r.rows_affected() > 0)
    }

    /// Registers a component of `team`. Registering it again for the same
    /// team changes nothing; for another team it is a conflict.
    pub async fn create_component(
        &self,
        id: &str,
        team: &str,
        now: i64,
    ) -> Result<Written, StoreError> {
        let (_turn, mut tx) = self.write_tx().await?;
        if let Some(existing) = component_in(&mut tx, id).await? {
            return if existing.team == team {
                Ok(Written::Unchanged)
            } else {
                Err(StoreError::Conflict(format!(
                    "component `{id}` already exists, owned by team `{}`",
                    existing.team
                )))
            };
        }
        sqlx::query("INSERT INTO components (id, team_id, created_at) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(team)
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(|e| unique_or(e, || format!("component `{id}`")))?;
        tx.commit().await?;
        Ok(Written::Created)
    }

    pub async fn component(&self, id: &str) -> Result<Option<Component>, StoreError> {
        if let Some(c) = remembered(&self.facts.components, id) {
            return Ok(Some(c));
        }
        let mut conn = self.pool.acquire().await?;
        let found = component_in(&mut conn, id).await?;
        if let Some(c) = &found {
            remember(&self.facts.components, id.to_owned(), c.clone());
        }
        Ok(found)
    }

    pub async fn components(&self, after: &str, limit: i64) -> Result<Vec<Component>, StoreError> {
        let rows =
            sqlx::query("SELECT id, team_id FROM components WHERE id > $1 ORDER BY id LIMIT $2")
                .bind(after)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
        rows.iter()
            .map(|r| {
                Ok(Component {
                    id: r.try_get("id")?,
                    team: r.try_get("team_id")?,
                })
            })
            .collect()
    }

    /// Registers an interface. The same registration again changes
    /// nothing; another one under the same id is a conflict.
    pub async fn create_interface(
        &self,
        record: &InterfaceRecord,
        now: i64,
    ) -> Result<Written, StoreError> {
        let (_turn, mut tx) = self.write_tx().await?;
        if let Some(existing) = interface_in(&mut tx, &record.id).await? {
            return if existing.interface == *record {
                Ok(Written::Unchanged)
            } else {
                Err(StoreError::Conflict(format!(
                    "interface `{}` already exists with other settings",
                    record.id
                )))
            };
        }
        sqlx::query("INSERT INTO interfaces (id, component_id, kind, compatibility, proto_category, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(&record.id)
            .bind(&record.component)
            .bind(&record.kind)
            .bind(&record.compatibility)
            .bind(record.proto_category.as_deref())
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(|e| unique_or(e, || format!("interface `{}`", record.id)))?;
        tx.commit().await?;
        Ok(Written::Created)
    }

    pub async fn interface(&self, id: &str) -> Result<Option<OwnedInterface>, StoreError> {
        if let Some(i) = remembered(&self.facts.interfaces, id) {
            return Ok(Some(i));
        }
        let mut conn = self.pool.acquire().await?;
        let found = interface_in(&mut conn, id).await?;
        if let Some(i) = &found {
            remember(&self.facts.interfaces, id.to_owned(), i.clone());
        }
        Ok(found)
    }

    pub async fn interfaces(
        &self,
        after: &str,
        limit: i64,
    ) -> Result<Vec<OwnedInterface>, StoreError> {
        let rows = sqlx::query(&format!(
            "{INTERFACE_SELECT} WHERE i.id > $1 ORDER BY i.id LIMIT $2"
        ))
        .bind(after)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(owned_interface).collect()
    }

    /// The interfaces a component produces.
    pub async fn interfaces_of(&self, component: &str) -> Result<Vec<OwnedInterface>, StoreError> {
        let rows = sqlx::query(&format!(
            "{INTERFACE_SELECT} WHERE i.component_id = $1 ORDER BY i.id"
        ))
        .bind(component)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(owned_interface).collect()
    }

    /// Stores what version `version` of an interface's producer provides:
    /// the bundle (by content), the version, and the component version, in
    /// one transaction. Versions are immutable.
    pub async fn publish_version(
        &self,
        interface: &str,
        version: &str,
        bundle: &str,
        now: i64,
    ) -> Result<Written, StoreError> {
        let hash = content_hash(bundle);
        let (_turn, mut tx) = self.write_tx().await?;
        let Some(owned) = interface_in(&mut tx, interface).await? else {
            return Err(StoreError::NotFound(format!("interface `{interface}`")));
        };
        let existing = sqlx::query(
            "SELECT bundle_hash FROM interface_versions WHERE interface_id = $1 AND version = $2",
        )
        .bind(interface)
        .bind(version)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(row) = existing {
            let stored: String = row.try_get("bundle_hash")?;
            return if stored == hash {
                Ok(Written::Unchanged)
            } else {
                Err(StoreError::Conflict(format!(
                    "version {version} of `{interface}` already exists with another schema (versions are immutable: publish a new version)"
                )))
            };
        }
        put_blob(&mut tx, &hash, bundle).await?;
        put_component_version(&mut tx, &owned.interface.component, version, now).await?;
        let inserted = sqlx::query("INSERT INTO interface_versions (interface_id, version, bundle_hash, created_at) VALUES ($1, $2, $3, $4)")
            .bind(interface)
            .bind(version)
            .bind(&hash)
            .bind(now)
            .execute(&mut *tx)
            .await;
        match inserted {
            Ok(_) => {}
            // Published at the same moment by another request (PostgreSQL):
            // the same bundle is no conflict.
            Err(e) if is_unique_violation(&e) => {
                tx.rollback().await?;
                return match self.bundle_hash_of(interface, version).await? {
                    Some(stored) if stored == hash => Ok(Written::Unchanged),
                    _ => Err(StoreError::Conflict(format!(
                        "version {version} of `{interface}` already exists with another schema (versions are immutable: publish a new version)"
                    ))),
                };
            }
            Err(e) => return Err(e.into()),
        }
        tx.commit().await?;
        Ok(Written::Created)
    }

    /// The bundle of a published version: its hash and its text.
    pub async fn bundle_of(
        &self,
        interface: &str,
        version: &str,
    ) -> Result<Option<(String, String)>, StoreError> {
        let row = sqlx::query(
            "SELECT b.hash AS hash, b.content AS content FROM interface_versions v JOIN blobs b ON b.hash = v.bundle_hash WHERE v.interface_id = $1 AND v.version = $2",
        )
        .bind(interface)
        .bind(version)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| Ok((r.try_get("hash")?, r.try_get("content")?)))
            .transpose()
    }

    /// The hash of a published version's bundle.
    pub async fn bundle_hash_of(
        &self,
        interface: &str,
        version: &str,
    ) -> Result<Option<String>, StoreError> {
        let key = format!("{interface}\0{version}");
        if let Some(hash) = remembered(&self.facts.bundles, &key) {
            return Ok(Some(hash));
        }
        let row = sqlx::query(
            "SELECT bundle_hash FROM interface_versions WHERE interface_id = $1 AND version = $2",
        )
        .bind(interface)
        .bind(version)
        .fetch_optional(&self.pool)
        .await?;
        let hash: Option<String> = row.map(|r| r.try_get("bundle_hash")).transpose()?;
        if let Some(h) = &hash {
            remember(&self.facts.bundles, key, h.clone());
        }
        Ok(hash)
    }

    /// Stored text by hash.
    pub async fn blob(&self, hash: &str) -> Result<Option<String>, StoreError> {
        let row = sqlx::query("SELECT content FROM blobs WHERE hash = $1")
            .bind(hash)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| r.try_get("content")).transpose()?)
    }

    /// Published versions of an interface after the version `after`, in the
    /// text order of their names.
    pub async fn versions(
        &self,
        interface: &str,
        after: &str,
        limit: i64,
    ) -> Result<Vec<VersionRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT version, bundle_hash, created_at FROM interface_versions WHERE interface_id = $1 AND version > $2 ORDER BY version LIMIT $3",
        )
        .bind(interface)
        .bind(after)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(VersionRecord {
                    version: r.try_get("version")?,
                    bundle_hash: r.try_get("bundle_hash")?,
                    created_at: r.try_get("created_at")?,
                })
            })
            .collect()
    }

    /// Records what a consumer version was built against, in one
    /// transaction with its artifacts and the component version.
    /// Expectations are immutable, like versions.
    pub async fn put_expectation(
        &self,
        e: &ExpectationRecord,
        now: i64,
    ) -> Result<Written, StoreError> {
        let artifacts_hash = content_hash(&e.artifacts);
        let (_turn, mut tx) = self.write_tx().await?;
        let existing = sqlx::query(
            "SELECT built_against, uses, artifacts_hash FROM expectations WHERE component_id = $1 AND version = $2 AND interface_id = $3",
        )
        .bind(&e.component)
        .bind(&e.version)
        .bind(&e.interface)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(row) = existing {
            let same = row.try_get::<String, _>("built_against")? == e.built_against
                && row.try_get::<String, _>("uses")? == e.uses
                && row.try_get::<String, _>("artifacts_hash")? == artifacts_hash;
            return if same {
                Ok(Written::Unchanged)
            } else {
                Err(StoreError::Conflict(format!(
                    "`{}` version {} already has another expectation of `{}` (expectations are immutable: record a new version)",
                    e.component, e.version, e.interface
                )))
            };
        }
        put_blob(&mut tx, &artifacts_hash, &e.artifacts).await?;
        put_component_version(&mut tx, &e.component, &e.version, now).await?;
        sqlx::query("INSERT INTO interface_consumers (interface_id, component_id) VALUES ($1, $2) ON CONFLICT (interface_id, component_id) DO NOTHING")
            .bind(&e.interface)
            .bind(&e.component)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO expectations (component_id, version, interface_id, built_against, uses, artifacts_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(&e.component)
            .bind(&e.version)
            .bind(&e.interface)
            .bind(&e.built_against)
            .bind(&e.uses)
            .bind(&artifacts_hash)
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(|err| unique_or(err, || format!("expectation of `{}` version {} on `{}`", e.component, e.version, e.interface)))?;
        tx.commit().await?;
        Ok(Written::Created)
    }

    /// Everything one consumer version expects, by interface.
    pub async fn expectations_of(
        &self,
        component: &str,
        version: &str,
    ) -> Result<Vec<ExpectationRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT e.interface_id AS interface_id, e.built_against AS built_against, e.uses AS uses, b.content AS artifacts FROM expectations e JOIN blobs b ON b.hash = e.artifacts_hash WHERE e.component_id = $1 AND e.version = $2 ORDER BY e.interface_id",
        )
        .bind(component)
        .bind(version)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ExpectationRecord {
                    component: component.to_owned(),
                    version: version.to_owned(),
                    interface: r.try_get("interface_id")?,
                    built_against: r.try_get("built_against")?,
                    uses: r.try_get("uses")?,
                    artifacts: r.try_get("artifacts")?,
                })
            })
            .collect()
    }

    /// Records a verification result; returns its id.
    pub async fn record_verification(
        &self,
        v: &Verification,
        recorded_by: &str,
        now: i64,
    ) -> Result<String, StoreError> {
        let _turn = self.write_turn().await;
        let id = random_id("ver_")?;
        sqlx::query(
            "INSERT INTO verifications (id, interface_id, provider_version, consumer_id, consumer_version, success, details, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&id)
        .bind(&v.interface)
        .bind(&v.provider_version)
        .bind(&v.consumer)
        .bind(&v.consumer_version)
        .bind(i64::from(v.success))
        .bind(v.details.as_deref())
        .bind(recorded_by)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(id)
    }

    /// The latest verification of a pair, if any. Of two recorded in the
    /// same millisecond, a failure counts as the later.
    pub async fn latest_verification(
        &self,
        interface: &str,
        provider_version: &str,
        consumer: &str,
        consumer_version: &str,
    ) -> Result<Option<VerificationRecord>, StoreError> {
        let row = sqlx::query(&format!(
            "{VERIFICATION_SELECT} WHERE interface_id = $1 AND provider_version = $2 AND consumer_id = $3 AND consumer_version = $4 ORDER BY recorded_at DESC, success ASC LIMIT 1"
        ))
        .bind(interface)
        .bind(provider_version)
        .bind(consumer)
        .bind(consumer_version)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(verification_record).transpose()
    }

    /// Verifications of an interface's provider version, newest first,
    /// recorded before `before` (a cursor: recorded_at, then id).
    pub async fn verifications(
        &self,
        interface: &str,
        provider_version: Option<&str>,
        before: Option<(i64, &str)>,
        limit: i64,
    ) -> Result<Vec<VerificationRecord>, StoreError> {
        let (at, id) = before.unwrap_or((i64::MAX, ""));
        // Two texts rather than an `OR` on an empty filter, so that each
        // can walk its index in order.
        let rows = match provider_version {
            Some(pv) => {
                sqlx::query(&format!(
                    "{VERIFICATION_SELECT} WHERE interface_id = $1 AND provider_version = $2 AND (recorded_at, id) < ($3, $4) ORDER BY recorded_at DESC, id DESC LIMIT $5"
                ))
                .bind(interface)
                .bind(pv)
                .bind(at)
                .bind(id)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?
            }
            None => {
                sqlx::query(&format!(
                    "{VERIFICATION_SELECT} WHERE interface_id = $1 AND (recorded_at, id) < ($2, $3) ORDER BY recorded_at DESC, id DESC LIMIT $4"
                ))
                .bind(interface)
                .bind(at)
                .bind(id)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?
            }
        };
        rows.iter().map(verification_record).collect()
    }

    /// Registers an environment (again: no change).
    pub async fn create_environment(&self, id: &str, now: i64) -> Result<Written, StoreError> {
        let _turn = self.write_turn().await;
        let r = sqlx::query("INSERT INTO environments (id, created_at) VALUES ($1, $2)")
            .bind(id)
            .bind(now)
            .execute(&self.pool)
            .await;
        match r {
            Ok(_) => Ok(Written::Created),
            Err(e) if is_unique_violation(&e) => Ok(Written::Unchanged),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn environments(&self) -> Result<Vec<String>, StoreError> {
        let rows = sqlx::query("SELECT id FROM environments ORDER BY id")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| r.try_get("id"))
            .collect::<Result<_, sqlx::Error>>()
            .map_err(StoreError::from)
    }

    pub async fn environment_exists(&self, id: &str) -> Result<bool, StoreError> {
        if remembered(&self.facts.environments, id).is_some() {
            return Ok(true);
        }
        let exists = sqlx::query("SELECT 1 AS one FROM environments WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .is_some();
        if exists {
            remember(&self.facts.environments, id.to_owned(), ());
        }
        Ok(exists)
    }

    /// Records that `version` of `component` now runs in `environment`; the
    /// version that ran there before is undeployed, in one transaction.
    pub async fn record_deployment(
        &self,
        component: &str,
        environment: &str,
        version: &str,
        recorded_by: &str,
        now: i64,
    ) -> Result<String, StoreError> {
        // Two deployments of one component at once (PostgreSQL): the unique
        // index on current deployments refuses the second insert; it then
        // runs again and replaces the first.
        let mut attempts = 0;
        loop {
            attempts += 1;
            match self
                .try_record_deployment(component, environment, version, recorded_by, now)
                .await
            {
                Err(StoreError::Database(e)) if is_unique_violation(&e) && attempts < 5 => continue,
                other => return other,
            }
        }
    }

    async fn try_record_deployment(
        &self,
        component: &str,
        environment: &str,
        version: &str,
        recorded_by: &str,
        now: i64,
    ) -> Result<String, StoreError> {
        let id = random_id("dep_")?;
        let (_turn, mut tx) = self.write_tx().await?;
        sqlx::query("UPDATE deployments SET undeployed_at = $1 WHERE component_id = $2 AND environment_id = $3 AND undeployed_at IS NULL")
            .bind(now)
            .bind(component)
            .bind(environment)
            .execute(&mut *tx)
            .await?;
        put_component_version(&mut tx, component, version, now).await?;
        sqlx::query("INSERT INTO deployments (id, component_id, environment_id, version, deployed_at, recorded_by) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(&id)
            .bind(component)
            .bind(environment)
            .bind(version)
            .bind(now)
            .bind(recorded_by)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Records that `component` no longer runs in `environment`; false when
    /// it did not.
    pub async fn record_undeployment(
        &self,
        component: &str,
        environment: &str,
        now: i64,
    ) -> Result<bool, StoreError> {
        let _turn = self.write_turn().await;
        let r = sqlx::query("UPDATE deployments SET undeployed_at = $1 WHERE component_id = $2 AND environment_id = $3 AND undeployed_at IS NULL")
            .bind(now)
            .bind(component)
            .bind(environment)
            .execute(&self.pool)
            .await?;
        Ok(r.rows_affected() > 0)
    }

    /// What runs in `environment`, by component.
    pub async fn deployed(&self, environment: &str) -> Result<Vec<Deployment>, StoreError> {
        let rows = sqlx::query("SELECT id, component_id, environment_id, version, deployed_at FROM deployments WHERE environment_id = $1 AND undeployed_at IS NULL ORDER BY component_id")
            .bind(environment)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(deployment).collect()
    }

    /// The version of `component` running in `environment`.
    pub async fn deployed_version(
        &self,
        component: &str,
        environment: &str,
    ) -> Result<Option<String>, StoreError> {
        let row = sqlx::query("SELECT version FROM deployments WHERE environment_id = $1 AND component_id = $2 AND undeployed_at IS NULL ORDER BY deployed_at DESC LIMIT 1")
            .bind(environment)
            .bind(component)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| r.try_get("version")).transpose()?)
    }

    /// The consumer versions running in `environment` that expect something
    /// of `interface`.
    pub async fn deployed_consumers(
        &self,
        interface: &str,
        environment: &str,
    ) -> Result<Vec<DeployedConsumer>, StoreError> {
        // From the interface's consumers to their deployed versions: a few
        // index lookups, however many components run in the environment.
        // CROSS JOIN fixes that order on SQLite, whose planner, without
        // statistics, would start from every deployment of the environment.
        let rows = sqlx::query("SELECT d.component_id AS component_id, d.version AS version, e.built_against AS built_against, e.uses AS uses FROM interface_consumers c CROSS JOIN deployments d CROSS JOIN expectations e WHERE c.interface_id = $2 AND d.component_id = c.component_id AND d.environment_id = $1 AND d.undeployed_at IS NULL AND e.component_id = d.component_id AND e.version = d.version AND e.interface_id = c.interface_id ORDER BY d.component_id")
            .bind(environment)
            .bind(interface)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(DeployedConsumer {
                    component: r.try_get("component_id")?,
                    version: r.try_get("version")?,
                    built_against: r.try_get("built_against")?,
                    uses: r.try_get("uses")?,
                })
            })
            .collect()
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

/// The turn to write; see [`Store::write_turn`].
type WriteTurn = Option<tokio::sync::OwnedMutexGuard<()>>;

/// Tables that may be counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    Teams,
    Components,
    InterfaceVersions,
    Expectations,
    Verifications,
    Deployments,
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
        }
    }
}

const INTERFACE_SELECT: &str = "SELECT i.id AS id, i.component_id AS component_id, i.kind AS kind, i.compatibility AS compatibility, i.proto_category AS proto_category, c.team_id AS team_id FROM interfaces i JOIN components c ON c.id = i.component_id";

const VERIFICATION_SELECT: &str = "SELECT id, interface_id, provider_version, consumer_id, consumer_version, success, details, recorded_by, recorded_at FROM verifications";

fn owned_interface(r: &sqlx::any::AnyRow) -> Result<OwnedInterface, StoreError> {
    Ok(OwnedInterface {
        interface: InterfaceRecord {
            id: r.try_get("id")?,
            component: r.try_get("component_id")?,
            kind: r.try_get("kind")?,
            compatibility: r.try_get("compatibility")?,
            proto_category: r.try_get("proto_category")?,
        },
        team: r.try_get("team_id")?,
    })
}

fn verification_record(r: &sqlx::any::AnyRow) -> Result<VerificationRecord, StoreError> {
    Ok(VerificationRecord {
        id: r.try_get("id")?,
        verification: Verification {
            interface: r.try_get("interface_id")?,
            provider_version: r.try_get("provider_version")?,
            consumer: r.try_get("consumer_id")?,
            consumer_version: r.try_get("consumer_version")?,
            success: r.try_get::<i64, _>("success")? != 0,
            details: r.try_get("details")?,
        },
        recorded_by: r.try_get("recorded_by")?,
        recorded_at: r.try_get("recorded_at")?,
    })
}

fn deployment(r: &sqlx::any::AnyRow) -> Result<Deployment, StoreError> {
    Ok(Deployment {
        id: r.try_get("id")?,
        component: r.try_get("component_id")?,
        environment: r.try_get("environment_id")?,
        version: r.try_get("version")?,
        deployed_at: r.try_get("deployed_at")?,
    })
}

async fn component_in(
    conn: &mut sqlx::AnyConnection,
    id: &str,
) -> Result<Option<Component>, StoreError> {
    let row = sqlx::query("SELECT id, team_id FROM components WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    row.map(|r| {
        Ok(Component {
            id: r.try_get("id")?,
            team: r.try_get("team_id")?,
        })
    })
    .transpose()
}

async fn interface_in(
    conn: &mut sqlx::AnyConnection,
    id: &str,
) -> Result<Option<OwnedInterface>, StoreError> {
    let row = sqlx::query(&format!("{INTERFACE_SELECT} WHERE i.id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(owned_interface).transpose()
}

async fn insert_token(
    conn: &mut sqlx::AnyConnection,
    team: &str,
    scopes: &[Scope],
    now: i64,
) -> Result<(String, String), StoreError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| StoreError::Random(e.to_string()))?;
    let token = format!("trt_{}", hex(&bytes));
    let id = random_id("tok_")?;
    let scopes: Vec<&str> = scopes.iter().map(|s| s.as_str()).collect();
    sqlx::query(
        "INSERT INTO tokens (id, hash, team_id, scopes, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&id)
    .bind(sha256_hex(token.as_bytes()))
    .bind(team)
    .bind(scopes.join(","))
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok((id, token))
}

async fn put_blob(
    conn: &mut sqlx::AnyConnection,
    hash: &str,
    content: &str,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO blobs (hash, content) VALUES ($1, $2) ON CONFLICT (hash) DO NOTHING")
        .bind(hash)
        .bind(content)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

async fn put_component_version(
    conn: &mut sqlx::AnyConnection,
    component: &str,
    version: &str,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO component_versions (component_id, version, created_at) VALUES ($1, $2, $3) ON CONFLICT (component_id, version) DO NOTHING")
        .bind(component)
        .bind(version)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

/// A new, empty PostgreSQL schema on the server `url` names, and a URL
/// that uses it: tests run side by side on one database without seeing
/// each other's rows.
pub async fn scratch_postgres_url(url: &str) -> Result<String, StoreError> {
    install_default_drivers();
    let schema = random_id("treaty_test_")?;
    let pool = AnyPoolOptions::new()
        .max_connections(1)
        .connect(url)
        .await?;
    pool.execute(format!("CREATE SCHEMA {schema}").as_str())
        .await?;
    pool.close().await;
    let sep = if url.contains('?') { '&' } else { '?' };
    Ok(format!("{url}{sep}options=-c%20search_path%3D{schema}"))
}
