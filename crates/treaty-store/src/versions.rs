//! Published interface versions, their bundles, and the content-addressed
//! blobs that hold them.

use sqlx::Row;

use crate::facts::{remember, remembered};
use crate::ids::content_hash;
use crate::registry::interface_in;
use crate::write::finish_insert;
use crate::{Store, StoreError, Written};

/// A published version of an interface, as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionRecord {
    /// The version's name, as published.
    pub version: String,
    /// The hash of its bundle (see [`crate::content_hash`]).
    pub bundle_hash: String,
    /// When it was published, in Unix milliseconds.
    pub created_at: i64,
}

impl Store {
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
            return repeated_version(interface, version, Some(&stored), &hash);
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
        // Published at the same moment by another request (PostgreSQL):
        // the same bundle is no conflict.
        let stored_answer = async || {
            let stored = self.bundle_hash_of(interface, version).await?;
            Ok(Some(repeated_version(
                interface,
                version,
                stored.as_deref(),
                &hash,
            )))
        };
        finish_insert(tx, inserted, stored_answer, || {
            format!("version {version} of `{interface}`")
        })
        .await
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
}

/// The answer to publishing `version` of `interface` with a bundle hashing
/// to `hash` when that version exists with `stored`: nothing to do for the
/// same bundle, a conflict for another (or none: the version vanished).
fn repeated_version(
    interface: &str,
    version: &str,
    stored: Option<&str>,
    hash: &str,
) -> Result<Written, StoreError> {
    if stored == Some(hash) {
        Ok(Written::Unchanged)
    } else {
        Err(StoreError::Conflict(format!(
            "version {version} of `{interface}` already exists with another schema (versions are immutable: publish a new version)"
        )))
    }
}

/// Stores `content` under `hash` unless it is there already.
pub(crate) async fn put_blob(
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

/// Records that `version` of `component` exists, unless it is known
/// already: publishing, expecting and deploying all name one.
pub(crate) async fn put_component_version(
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
