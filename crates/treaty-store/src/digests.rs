//! The status digests the broker sent: one per team and period of the
//! digest cadence, recorded with its notifications in one transaction so
//! that a digest goes out once however many brokers compose it, and kept
//! so that the next one can say what changed since.
//!
//! What a digest says is `treaty_core::digest`'s; when it is due is the
//! server's. The body is stored as the JSON the server gives.

use sqlx::Row;

use crate::escalations::Recipient;
use crate::notifications::NewEvent;
use crate::{Store, StoreError};

/// Digests listed at most by one [`Store::digests`] call.
pub const MAX_DIGEST_PAGE: i64 = 100;

/// A digest to record and send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDigest {
    /// The team it is for.
    pub team: String,
    /// The cadence it was sent on (`daily`, `weekly`, `biweekly`).
    pub cadence: String,
    /// The period of that cadence it is for.
    pub period: i64,
    /// The digest, as JSON.
    pub body: String,
}

/// A digest as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestRecord {
    /// What was recorded.
    pub digest: NewDigest,
    /// When it was recorded and sent (Unix ms).
    pub sent_at: i64,
    /// The ids of the notifications queued for it.
    pub notifications: Vec<String>,
}

impl Store {
    /// Records `digest` as sent and queues `event` for each of `to`, in one
    /// transaction; `None`, and nothing written, when the team's digest for
    /// that cadence and period was recorded already (by this broker or
    /// another). Recipients the broker cannot reach are skipped, as for
    /// escalation steps.
    pub async fn record_digest(
        &self,
        digest: &NewDigest,
        to: &[Recipient],
        event: &NewEvent<'_>,
        now: i64,
    ) -> Result<Option<DigestRecord>, StoreError> {
        let (_turn, mut tx) = self.write_tx().await?;
        let inserted = sqlx::query(
            "INSERT INTO digests (team_id, cadence, period, sent_at, body, notifications)
             VALUES ($1, $2, $3, $4, $5, '[]')
             ON CONFLICT (team_id, cadence, period) DO NOTHING",
        )
        .bind(&digest.team)
        .bind(&digest.cadence)
        .bind(digest.period)
        .bind(now)
        .bind(&digest.body)
        .execute(&mut *tx)
        .await?;
        if inserted.rows_affected() == 0 {
            tx.rollback().await?;
            return Ok(None);
        }
        let ids = self.queue_for(&mut tx, to, event, now).await?;
        let listed = serde_json::to_string(&ids)
            .map_err(|e| StoreError::Invalid(format!("notification ids: {e}")))?;
        sqlx::query(
            "UPDATE digests SET notifications = $1
             WHERE team_id = $2 AND cadence = $3 AND period = $4",
        )
        .bind(&listed)
        .bind(&digest.team)
        .bind(&digest.cadence)
        .bind(digest.period)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Some(DigestRecord {
            digest: digest.clone(),
            sent_at: now,
            notifications: ids,
        }))
    }

    /// The teams whose digest for `cadence` and `period` was sent.
    pub async fn digested_teams(
        &self,
        cadence: &str,
        period: i64,
    ) -> Result<Vec<String>, StoreError> {
        let rows = sqlx::query("SELECT team_id FROM digests WHERE cadence = $1 AND period = $2")
            .bind(cadence)
            .bind(period)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| r.try_get("team_id").map_err(StoreError::from))
            .collect()
    }

    /// The digests sent to `team`, the newest first, at most `limit` (up
    /// to [`MAX_DIGEST_PAGE`]).
    pub async fn digests(&self, team: &str, limit: i64) -> Result<Vec<DigestRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT team_id, cadence, period, sent_at, body, notifications FROM digests
             WHERE team_id = $1 ORDER BY sent_at DESC, period DESC LIMIT $2",
        )
        .bind(team)
        .bind(limit.clamp(1, MAX_DIGEST_PAGE))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(digest_row).collect()
    }
}

fn digest_row(r: &sqlx::any::AnyRow) -> Result<DigestRecord, StoreError> {
    let team: String = r.try_get("team_id")?;
    let period: i64 = r.try_get("period")?;
    let listed: String = r.try_get("notifications")?;
    let notifications = serde_json::from_str(&listed).map_err(|_| StoreError::Corrupt {
        table: "digests",
        row: format!("{team}/{period}"),
        field: "notifications",
        value: listed.clone(),
    })?;
    Ok(DigestRecord {
        digest: NewDigest {
            cadence: r.try_get("cadence")?,
            body: r.try_get("body")?,
            team,
            period,
        },
        sent_at: r.try_get("sent_at")?,
        notifications,
    })
}
