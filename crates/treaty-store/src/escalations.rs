//! Escalations on the broker: one timer per release train (when its
//! escalations are evaluated next, claimed by the broker evaluating them)
//! and the record of each escalation step sent, written with its decision
//! log entry and its notifications in one transaction, so that a step is
//! sent once however many brokers evaluate it and whenever one is killed.
//!
//! Which steps are due is `treaty_core::escalation`'s; when to look again
//! and what to say are the server's. Time is passed in (the broker's
//! clock, which tests set).

use sqlx::Row;

use crate::decision_log::NewDecision;
use crate::notifications::{NewEvent, webhook_urls};
use crate::{Store, StoreError};

/// Steps listed at most by one [`Store::escalation_steps`] call.
pub const MAX_STEP_PAGE: i64 = 1_000;

/// An escalation step to record and announce.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewStep {
    /// The train.
    pub train: String,
    /// The step's stable key (`code-freeze/2027-01/checkout#2`).
    pub key: String,
    /// The rule that called for it (`code_freeze_missed`...).
    pub rule: String,
    /// The team whose escalation path the step is on.
    pub team: String,
    /// Who is told, as the path names them (a team, or a member's handle).
    pub to: String,
    /// What is wrong, in words.
    pub message: String,
    /// When the escalation's condition began (Unix ms).
    pub since: i64,
    /// When the step fell due (Unix ms).
    pub due_at: i64,
}

/// Where a step's notification goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recipient {
    /// A team's webhook, if the broker knows the team and it has one.
    Webhook {
        /// The team.
        team: String,
    },
    /// An e-mail address, queued on behalf of `team` (which the broker
    /// must know).
    Email {
        /// The team it is sent for.
        team: String,
        /// The address.
        address: String,
    },
}

/// A step as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepRecord {
    /// What was recorded.
    pub step: NewStep,
    /// When it was recorded and sent (Unix ms).
    pub sent_at: i64,
    /// The ids of the notifications queued for it.
    pub notifications: Vec<String>,
}

impl Store {
    /// Claims up to `limit` trains whose escalations are due by `now`, for
    /// `broker` until `lease_until`: on PostgreSQL with `FOR UPDATE SKIP
    /// LOCKED`, so brokers evaluating at once take different trains; a
    /// killed broker's trains come back when its lease ends (a claimed
    /// train is due again then: `next_due_at` is the lease's end until
    /// [`Store::reschedule_escalations`]).
    pub async fn claim_escalation_timers(
        &self,
        broker: &str,
        now: i64,
        lease_until: i64,
        limit: i64,
    ) -> Result<Vec<String>, StoreError> {
        let lock = if self.sqlite {
            ""
        } else {
            "FOR UPDATE SKIP LOCKED"
        };
        let sql = format!(
            "UPDATE escalation_timers SET claimed_by = $1, claimed_until = $2, next_due_at = $2
             WHERE train_id IN (SELECT train_id FROM escalation_timers
                                WHERE next_due_at <= $3
                                  AND (claimed_until IS NULL OR claimed_until <= $3)
                                ORDER BY next_due_at LIMIT $4 {lock})
             RETURNING train_id"
        );
        let (_turn, mut tx) = self.write_tx().await?;
        let rows = sqlx::query(&sql)
            .bind(broker)
            .bind(lease_until)
            .bind(now)
            .bind(limit)
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        rows.iter()
            .map(|r| r.try_get("train_id").map_err(StoreError::from))
            .collect()
    }

    /// Sets when `train`'s escalations are evaluated next and gives up
    /// `broker`'s claim; a claim lost meanwhile (the lease ran out and
    /// another broker took the train) changes nothing. A train published
    /// again while it was evaluated (its timer reset to 0) keeps the
    /// earlier moment.
    pub async fn reschedule_escalations(
        &self,
        train: &str,
        broker: &str,
        next_due_at: i64,
    ) -> Result<(), StoreError> {
        let (_turn, mut tx) = self.write_tx().await?;
        sqlx::query(
            "UPDATE escalation_timers
             SET next_due_at = CASE WHEN next_due_at = 0 THEN 0 ELSE $1 END,
                 claimed_by = NULL, claimed_until = NULL
             WHERE train_id = $2 AND claimed_by = $3",
        )
        .bind(next_due_at)
        .bind(train)
        .bind(broker)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Gives up every timer `broker` holds (at a graceful stop).
    pub async fn release_escalation_timers(&self, broker: &str) -> Result<u64, StoreError> {
        let (_turn, mut tx) = self.write_tx().await?;
        let done = sqlx::query(
            "UPDATE escalation_timers SET claimed_by = NULL, claimed_until = NULL WHERE claimed_by = $1",
        )
        .bind(broker)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(done.rows_affected())
    }

    /// Records `step` as sent, appends `decision` to the log and queues
    /// `event` for each of `to`, in one transaction; `None`, and nothing
    /// written, when the step was recorded already (by this broker or
    /// another: on PostgreSQL a second broker recording the same step at
    /// the same moment waits for the first and then finds it). A webhook
    /// recipient the broker does not know, or without a webhook, is
    /// skipped; so is an e-mail for a team the broker does not know.
    pub async fn record_escalation_step(
        &self,
        step: &NewStep,
        to: &[Recipient],
        event: &NewEvent<'_>,
        decision: NewDecision,
        now: i64,
    ) -> Result<Option<StepRecord>, StoreError> {
        let (_turn, mut tx) = self.write_tx().await?;
        let inserted = sqlx::query(
            "INSERT INTO escalation_steps (train_id, step_key, rule, team_id, to_whom, message, since, due_at, sent_at, notifications)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, '[]')
             ON CONFLICT (train_id, step_key) DO NOTHING",
        )
        .bind(&step.train)
        .bind(&step.key)
        .bind(&step.rule)
        .bind(&step.team)
        .bind(&step.to)
        .bind(&step.message)
        .bind(step.since)
        .bind(step.due_at)
        .bind(now)
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
            "UPDATE escalation_steps SET notifications = $1 WHERE train_id = $2 AND step_key = $3",
        )
        .bind(&listed)
        .bind(&step.train)
        .bind(&step.key)
        .execute(&mut *tx)
        .await?;
        self.append_decision(&mut tx, decision).await?;
        tx.commit().await?;
        Ok(Some(StepRecord {
            step: step.clone(),
            sent_at: now,
            notifications: ids,
        }))
    }

    /// Queues `event` for each of `to` in `tx`; answers the ids queued. A
    /// webhook recipient the broker does not know, or without a webhook,
    /// is skipped; so is an e-mail for a team the broker does not know.
    pub(crate) async fn queue_for(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        to: &[Recipient],
        event: &NewEvent<'_>,
        now: i64,
    ) -> Result<Vec<String>, StoreError> {
        let teams: Vec<&str> = to
            .iter()
            .map(|r| match r {
                Recipient::Webhook { team } | Recipient::Email { team, .. } => team.as_str(),
            })
            .collect();
        let urls = webhook_urls(tx, &teams).await?;
        let mut ids = Vec::new();
        for r in to {
            match r {
                Recipient::Webhook { team } => {
                    if let Some(Some(url)) = urls.get(team) {
                        ids.push(self.queue_to(tx, team, url, event, now).await?);
                    }
                }
                Recipient::Email { team, address } => {
                    if urls.contains_key(team) {
                        ids.push(self.queue_email(tx, team, address, event, now).await?);
                    }
                }
            }
        }
        Ok(ids)
    }

    /// The steps sent for `train`, in the order sent, at most `limit` (up
    /// to [`MAX_STEP_PAGE`]).
    pub async fn escalation_steps(
        &self,
        train: &str,
        limit: i64,
    ) -> Result<Vec<StepRecord>, StoreError> {
        self.steps_in_order(train, "", limit).await
    }

    /// The steps sent for `train`, the last sent first, at most `limit`
    /// (up to [`MAX_STEP_PAGE`]): a train's newest, however many it has.
    pub async fn latest_escalation_steps(
        &self,
        train: &str,
        limit: i64,
    ) -> Result<Vec<StepRecord>, StoreError> {
        self.steps_in_order(train, "DESC", limit).await
    }

    /// `direction`: `""` (as sent) or `"DESC"` (the last sent first).
    async fn steps_in_order(
        &self,
        train: &str,
        direction: &'static str,
        limit: i64,
    ) -> Result<Vec<StepRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT train_id, step_key, rule, team_id, to_whom, message, since, due_at, sent_at, notifications
             FROM escalation_steps WHERE train_id = $1
             ORDER BY sent_at {direction}, due_at {direction}, step_key {direction} LIMIT $2",
        ))
        .bind(train)
        .bind(limit.clamp(1, MAX_STEP_PAGE))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(step_row).collect()
    }
}

fn step_row(r: &sqlx::any::AnyRow) -> Result<StepRecord, StoreError> {
    let key: String = r.try_get("step_key")?;
    let listed: String = r.try_get("notifications")?;
    let notifications = serde_json::from_str(&listed).map_err(|_| StoreError::Corrupt {
        table: "escalation_steps",
        row: key.clone(),
        field: "notifications",
        value: listed.clone(),
    })?;
    Ok(StepRecord {
        step: NewStep {
            train: r.try_get("train_id")?,
            rule: r.try_get("rule")?,
            team: r.try_get("team_id")?,
            to: r.try_get("to_whom")?,
            message: r.try_get("message")?,
            since: r.try_get("since")?,
            due_at: r.try_get("due_at")?,
            key,
        },
        sent_at: r.try_get("sent_at")?,
        notifications,
    })
}
