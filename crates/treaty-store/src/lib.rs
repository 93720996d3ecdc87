//! Treaty's persistence: one [`Store`] over SQLite (one file, the embedded
//! default; WAL with synchronous writes, so an acknowledged write survives
//! a crash) or PostgreSQL (for several brokers behind a load balancer),
//! with the same migrations. Every write that touches several rows runs in
//! one transaction.
//!
//! It is storage only: who may do what is decided by the server, and what
//! is compatible by `treaty-compat`. Time is passed in, never read here.

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyPool, Executor, Row};

/// The migrations, in order. Version N is the N-th entry.
const MIGRATIONS: &[&str] = &[include_str!("../migrations/0001_init.sql")];

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
    #[error("{0} already exists")]
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
}

impl Principal {
    pub fn may(&self, scope: Scope) -> bool {
        self.scopes.contains(&scope) || self.scopes.contains(&Scope::Admin)
    }
}

/// Whether publishing stored a new version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Published {
    Created,
    /// The same version with the same schema was already there.
    Unchanged,
}

/// A recorded verification of a consumer version against a provider version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    pub interface: String,
    pub provider_version: String,
    pub consumer: String,
    pub consumer_version: String,
    pub success: bool,
}

/// The store, on SQLite or PostgreSQL.
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
}

fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
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
            .max_connections(if sqlite { 4 } else { 16 })
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if sqlite {
                        // Durable before acknowledged; readers never block the writer.
                        conn.execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;")
                            .await?;
                    }
                    Ok(())
                })
            })
            .connect(&url)
            .await?;
        let store = Store { pool };
        store.migrate().await?;
        Ok(store)
    }

    /// Applies the migrations this build knows, each in a transaction;
    /// refuses a database migrated by a newer build.
    async fn migrate(&self) -> Result<(), StoreError> {
        self.pool
            .execute("CREATE TABLE IF NOT EXISTS treaty_schema (version BIGINT NOT NULL)")
            .await?;
        let found: Option<i64> = sqlx::query("SELECT MAX(version) AS v FROM treaty_schema")
            .fetch_one(&self.pool)
            .await?
            .try_get::<Option<i64>, _>("v")?;
        let found = found.unwrap_or(0);
        let known = MIGRATIONS.len() as i64;
        if found > known {
            return Err(StoreError::NewerSchema { found, known });
        }
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
            let mut tx = self.pool.begin().await?;
            for statement in sql
                .split(';')
                .map(str::trim)
                .filter(|s| !s.is_empty() && !s.lines().all(|l| l.trim_start().starts_with("--")))
            {
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

    pub async fn create_team(&self, id: &str, name: &str, now: i64) -> Result<(), StoreError> {
        let r = sqlx::query("INSERT INTO teams (id, name, created_at) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(name)
            .bind(now)
            .execute(&self.pool)
            .await;
        match r {
            Ok(_) => Ok(()),
            Err(e) if is_unique_violation(&e) => Err(StoreError::Conflict(format!("team `{id}`"))),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn team_exists(&self, id: &str) -> Result<bool, StoreError> {
        Ok(sqlx::query("SELECT 1 AS one FROM teams WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .is_some())
    }

    /// A new random token for `team`; only its hash is stored, so the
    /// returned text is the one chance to see it.
    pub async fn issue_token(
        &self,
        team: &str,
        scopes: &[Scope],
        now: i64,
    ) -> Result<String, StoreError> {
        if !self.team_exists(team).await? {
            return Err(StoreError::NotFound(format!("team `{team}`")));
        }
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|e| StoreError::Random(e.to_string()))?;
        let token = format!(
            "trt_{}",
            bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
        );
        let scopes: Vec<&str> = scopes.iter().map(|s| s.as_str()).collect();
        sqlx::query(
            "INSERT INTO tokens (hash, team_id, scopes, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(sha256_hex(token.as_bytes()))
        .bind(team)
        .bind(scopes.join(","))
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(token)
    }

    /// The principal of a valid, unrevoked token.
    pub async fn authenticate(&self, token: &str) -> Result<Option<Principal>, StoreError> {
        let row = sqlx::query(
            "SELECT team_id, scopes FROM tokens WHERE hash = $1 AND revoked_at IS NULL",
        )
        .bind(sha256_hex(token.as_bytes()))
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| {
            let team: String = r.try_get("team_id").unwrap_or_default();
            let scopes: String = r.try_get("scopes").unwrap_or_default();
            Principal {
                team,
                scopes: scopes.split(',').filter_map(Scope::parse).collect(),
            }
        }))
    }

    pub async fn revoke_token(&self, token: &str, now: i64) -> Result<bool, StoreError> {
        let r =
            sqlx::query("UPDATE tokens SET revoked_at = $1 WHERE hash = $2 AND revoked_at IS NULL")
                .bind(now)
                .bind(sha256_hex(token.as_bytes()))
                .execute(&self.pool)
                .await?;
        Ok(r.rows_affected() > 0)
    }

    /// Registers an interface owned by `producer` (once).
    pub async fn create_interface(
        &self,
        id: &str,
        producer: &str,
        kind: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        let r = sqlx::query(
            "INSERT INTO interfaces (id, producer, kind, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(id)
        .bind(producer)
        .bind(kind)
        .bind(now)
        .execute(&self.pool)
        .await;
        match r {
            Ok(_) => Ok(()),
            Err(e) if is_unique_violation(&e) => {
                Err(StoreError::Conflict(format!("interface `{id}`")))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// The producer team of an interface.
    pub async fn producer_of(&self, interface: &str) -> Result<Option<String>, StoreError> {
        let row = sqlx::query("SELECT producer FROM interfaces WHERE id = $1")
            .bind(interface)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.and_then(|r| r.try_get("producer").ok()))
    }

    /// Stores a version's schema (by content) and the version, in one
    /// transaction. Publishing a version again with another schema is a
    /// conflict: versions are immutable.
    pub async fn publish_version(
        &self,
        interface: &str,
        version: &str,
        schema: &str,
        now: i64,
    ) -> Result<Published, StoreError> {
        let hash = sha256_hex(schema.as_bytes());
        let mut tx = self.pool.begin().await?;
        let existing = sqlx::query(
            "SELECT schema_hash FROM interface_versions WHERE interface_id = $1 AND version = $2",
        )
        .bind(interface)
        .bind(version)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(row) = existing {
            let stored: String = row.try_get("schema_hash")?;
            return if stored == hash {
                Ok(Published::Unchanged)
            } else {
                Err(StoreError::Conflict(format!(
                    "version {version} of `{interface}` with another schema"
                )))
            };
        }
        let known = sqlx::query("SELECT 1 AS one FROM schemas WHERE hash = $1")
            .bind(&hash)
            .fetch_optional(&mut *tx)
            .await?;
        if known.is_none() {
            sqlx::query("INSERT INTO schemas (hash, content) VALUES ($1, $2)")
                .bind(&hash)
                .bind(schema)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("INSERT INTO interface_versions (interface_id, version, schema_hash, created_at) VALUES ($1, $2, $3, $4)")
            .bind(interface)
            .bind(version)
            .bind(&hash)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Published::Created)
    }

    /// The schema text of a published version.
    pub async fn schema_of(
        &self,
        interface: &str,
        version: &str,
    ) -> Result<Option<String>, StoreError> {
        let row = sqlx::query(
            "SELECT s.content AS content FROM interface_versions v JOIN schemas s ON s.hash = v.schema_hash WHERE v.interface_id = $1 AND v.version = $2",
        )
        .bind(interface)
        .bind(version)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.and_then(|r| r.try_get("content").ok()))
    }

    pub async fn record_verification(
        &self,
        v: &Verification,
        id: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO verifications (id, interface_id, provider_version, consumer, consumer_version, success, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id)
        .bind(&v.interface)
        .bind(&v.provider_version)
        .bind(&v.consumer)
        .bind(&v.consumer_version)
        .bind(i64::from(v.success))
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The latest verification of a pair, if any.
    pub async fn latest_verification(
        &self,
        interface: &str,
        provider_version: &str,
        consumer: &str,
        consumer_version: &str,
    ) -> Result<Option<bool>, StoreError> {
        let row = sqlx::query(
            "SELECT success FROM verifications WHERE interface_id = $1 AND provider_version = $2 AND consumer = $3 AND consumer_version = $4 ORDER BY recorded_at DESC, id DESC LIMIT 1",
        )
        .bind(interface)
        .bind(provider_version)
        .bind(consumer)
        .bind(consumer_version)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row
            .and_then(|r| r.try_get::<i64, _>("success").ok())
            .map(|s| s != 0))
    }

    /// Records that `version` of `component` is now what runs in
    /// `environment`: the previous deployment there ends, in one transaction.
    pub async fn record_deployment(
        &self,
        component: &str,
        environment: &str,
        version: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("UPDATE deployments SET undeployed_at = $1 WHERE component = $2 AND environment = $3 AND undeployed_at IS NULL")
            .bind(now)
            .bind(component)
            .bind(environment)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO deployments (component, environment, version, deployed_at) VALUES ($1, $2, $3, $4)")
            .bind(component)
            .bind(environment)
            .bind(version)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// What runs in `environment`: (component, version), sorted.
    pub async fn deployed(&self, environment: &str) -> Result<Vec<(String, String)>, StoreError> {
        let rows = sqlx::query("SELECT component, version FROM deployments WHERE environment = $1 AND undeployed_at IS NULL ORDER BY component")
            .bind(environment)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("component")?, r.try_get("version")?)))
            .collect::<Result<Vec<_>, sqlx::Error>>()
            .map_err(StoreError::from)
    }
}

fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}
