//! Teams: who owns components and holds tokens.

use sqlx::Row;

use crate::error::unique_or;
use crate::{Store, StoreError};

/// The team created at first start, which holds the bootstrap token.
pub const ADMIN_TEAM: &str = "admins";

/// A team, as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Team {
    /// The team's id, as used in URLs and ownership.
    pub id: String,
    /// Its display name.
    pub name: String,
}

impl Store {
    /// Creates a team; an existing id is a conflict.
    pub async fn create_team(&self, id: &str, name: &str, now: i64) -> Result<(), StoreError> {
        self.create_team_with_webhook(id, name, None, now).await
    }

    /// Creates a team whose notifications go to `webhook`, with a new
    /// signing secret; an existing id is a conflict.
    pub async fn create_team_with_webhook(
        &self,
        id: &str,
        name: &str,
        webhook: Option<&str>,
        now: i64,
    ) -> Result<(), StoreError> {
        let secret = webhook
            .map(|_| crate::notifications::new_secret())
            .transpose()?;
        let _turn = self.write_turn().await;
        sqlx::query("INSERT INTO teams (id, name, created_at, webhook_url, webhook_secret) VALUES ($1, $2, $3, $4, $5)")
            .bind(id)
            .bind(name)
            .bind(now)
            .bind(webhook)
            .bind(secret)
            .execute(&self.write_pool)
            .await
            .map_err(|e| unique_or(e, || format!("team `{id}`")))?;
        Ok(())
    }

    /// Whether a team with this id exists.
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
}
