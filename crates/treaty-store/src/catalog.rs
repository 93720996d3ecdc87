//! What the dashboard's catalog reads: who consumes an interface (each
//! consumer component, its team, and its most recent expectation: what it
//! was built against and what it uses), and an interface's latest versions.

use sqlx::Row;

use crate::registry::{INTERFACE_SELECT, owned_interface};
use crate::{OwnedInterface, Store, StoreError, VersionRecord};

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
        // One row per consumer component (`interface_consumers`), joined
        // to its expectation recorded last (the highest version breaks a
        // tie within one millisecond), which `expectations_latest` finds
        // with one seek: the cost follows the consumers, not the
        // expectations they ever recorded (1,000 each in the benchmark).
        // `CROSS JOIN` keeps SQLite to that order.
        let rows = sqlx::query(
            "SELECT e.component_id AS component_id, c.team_id AS team_id, e.version AS version, e.built_against AS built_against, e.uses AS uses \
             FROM interface_consumers ic JOIN components c ON c.id = ic.component_id \
             CROSS JOIN expectations e WHERE e.interface_id = ic.interface_id AND e.component_id = ic.component_id \
             AND e.version = (SELECT l.version FROM expectations l WHERE l.interface_id = ic.interface_id AND l.component_id = ic.component_id ORDER BY l.created_at DESC, l.version DESC LIMIT 1) \
             AND ic.interface_id = $1 ORDER BY ic.component_id LIMIT $2",
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

    /// The interfaces after `after` (by id) that the search `needle`
    /// may concern, at most `limit`, by id: its id, its producer, its
    /// owning team's id or name, a consumer component, its team's id or
    /// name, or the text of what a consumer's latest expectation uses
    /// contains `needle`, ignoring case (ASCII case only on SQLite, whose
    /// `lower` knows no other). A candidate list: the caller says why
    /// each matches and drops one whose `uses` only matched JSON syntax.
    pub async fn search_interfaces(
        &self,
        needle: &str,
        after: &str,
        limit: i64,
    ) -> Result<Vec<OwnedInterface>, StoreError> {
        // `CROSS JOIN`: SQLite keeps that order, consumers first; with a
        // plain join it walked the interface's every expectation (1,000
        // in the benchmark) and searched 1,000 interfaces in 0.7 s.
        let pattern = format!("%{}%", like_escaped(&needle.to_lowercase()));
        let rows = sqlx::query(&format!(
            "{INTERFACE_SELECT} JOIN teams t ON t.id = c.team_id WHERE i.id > $1 AND ( \
             lower(i.id) LIKE $2 ESCAPE '\\' OR lower(i.component_id) LIKE $2 ESCAPE '\\' \
             OR lower(t.id) LIKE $2 ESCAPE '\\' OR lower(t.name) LIKE $2 ESCAPE '\\' \
             OR EXISTS (SELECT 1 FROM interface_consumers ic JOIN components cc ON cc.id = ic.component_id JOIN teams ct ON ct.id = cc.team_id \
                 WHERE ic.interface_id = i.id AND (lower(ic.component_id) LIKE $2 ESCAPE '\\' OR lower(ct.id) LIKE $2 ESCAPE '\\' OR lower(ct.name) LIKE $2 ESCAPE '\\')) \
             OR EXISTS (SELECT 1 FROM interface_consumers ic CROSS JOIN expectations e WHERE ic.interface_id = i.id \
                 AND e.interface_id = ic.interface_id AND e.component_id = ic.component_id \
                 AND e.version = (SELECT l.version FROM expectations l WHERE l.interface_id = ic.interface_id AND l.component_id = ic.component_id ORDER BY l.created_at DESC, l.version DESC LIMIT 1) \
                 AND lower(e.uses) LIKE $2 ESCAPE '\\')) \
             ORDER BY i.id LIMIT $3"
        ))
        .bind(after)
        .bind(pattern)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(owned_interface).collect()
    }
}

/// `text` for a `LIKE ... ESCAPE '\'` pattern: its `%`, `_` and `\`
/// match only themselves.
fn like_escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        if matches!(ch, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(ch);
    }
    out
}

/// Who consumes which interface: one row per (interface, consumer
/// component), with the consumer's team.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsumingTeam {
    /// The interface consumed.
    pub interface: String,
    /// The consumer component.
    pub component: String,
    /// The team that owns the consumer.
    pub team: String,
}

impl Store {
    /// Every interface's consumers with their teams, by interface and
    /// component, at most `limit` rows (the dependency graph's edges).
    pub async fn consuming_teams(&self, limit: i64) -> Result<Vec<ConsumingTeam>, StoreError> {
        let rows = sqlx::query(
            "SELECT ic.interface_id AS interface_id, ic.component_id AS component_id, c.team_id AS team_id \
             FROM interface_consumers ic JOIN components c ON c.id = ic.component_id \
             ORDER BY ic.interface_id, ic.component_id LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ConsumingTeam {
                    interface: r.try_get("interface_id")?,
                    component: r.try_get("component_id")?,
                    team: r.try_get("team_id")?,
                })
            })
            .collect()
    }
}
