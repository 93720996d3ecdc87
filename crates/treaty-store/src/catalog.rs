//! What the dashboard's catalog reads: who consumes an interface (each
//! consumer component, its team, and its most recent expectation: what it
//! was built against and what it uses), and an interface's latest versions.

use sqlx::Row;

use crate::{Store, StoreError, VersionRecord};

/// A consumer of an interface, by its most recent expectation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsumerOf {
    /// The consumer component.
    pub component: String,
    /// The team that owns it.
    pub team: String,
    /// The version whose expectation this is: the one recorded last.
    pub version: String,
    /// The interface version it was built against.
    pub built_against: String,
    /// What it uses: JSON, as the server wrote it.
    pub uses: String,
}

impl Store {
    /// The versions of `interface` published last, newest first, at most
    /// `limit`, and how many there are in all.
    pub async fn latest_versions(
        &self,
        interface: &str,
        limit: i64,
    ) -> Result<(Vec<VersionRecord>, i64), StoreError> {
        let rows = sqlx::query(
            "SELECT version, bundle_hash, created_at FROM interface_versions WHERE interface_id = $1 ORDER BY created_at DESC, version DESC LIMIT $2",
        )
        .bind(interface)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        let versions = rows
            .iter()
            .map(|r| {
                Ok(VersionRecord {
                    version: r.try_get("version")?,
                    bundle_hash: r.try_get("bundle_hash")?,
                    created_at: r.try_get("created_at")?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        let total: i64 =
            sqlx::query("SELECT COUNT(*) AS n FROM interface_versions WHERE interface_id = $1")
                .bind(interface)
                .fetch_one(&self.pool)
                .await?
                .try_get("n")?;
        Ok((versions, total))
    }

    /// The consumers of `interface`, by component id, each with its most
    /// recently recorded expectation; at most `limit` components.
    pub async fn consumers_of(
        &self,
        interface: &str,
        limit: i64,
    ) -> Result<Vec<ConsumerOf>, StoreError> {
        // One row per consumer: its expectation recorded last (the highest
        // version breaks a tie within one millisecond). A window over the
        // interface's expectations, sorted once: a `NOT EXISTS` for each
        // row compared every expectation of a consumer with every other
        // (a million comparisons for 1,000 versions).
        let rows = sqlx::query(
            "SELECT component_id, team_id, version, built_against, uses FROM ( \
                 SELECT e.component_id AS component_id, c.team_id AS team_id, e.version AS version, e.built_against AS built_against, e.uses AS uses, \
                 ROW_NUMBER() OVER (PARTITION BY e.component_id ORDER BY e.created_at DESC, e.version DESC) AS latest \
                 FROM expectations e JOIN components c ON c.id = e.component_id \
                 WHERE e.interface_id = $1) ranked \
             WHERE latest = 1 ORDER BY component_id LIMIT $2",
        )
        .bind(interface)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ConsumerOf {
                    component: r.try_get("component_id")?,
                    team: r.try_get("team_id")?,
                    version: r.try_get("version")?,
                    built_against: r.try_get("built_against")?,
                    uses: r.try_get("uses")?,
                })
            })
            .collect()
    }
}
