//! Webhook notifications: the outbox of events for teams' webhooks, the
//! claiming of due events by the brokers that deliver them, and the log of
//! every delivery attempt.
//!
//! An event is written in the transaction of what it announces
//! ([`Store::enqueue_notification`]), so a decision and its notification
//! are stored together or not at all. Delivering brokers claim due events
//! for a lease ([`Store::claim_notifications`]): on PostgreSQL with
//! `FOR UPDATE SKIP LOCKED`, so brokers sharing the database take different
//! events, and a killed broker's events come back when its lease ends. When
//! to try again is the caller's to say: this module stores, it schedules
//! nothing.

use std::collections::HashMap;

use base64::Engine;
use sqlx::Row;

use crate::ids::hex;
use crate::store::fetch_for_ids;
use crate::{Store, StoreError};

/// Longest event type, in bytes.
pub const MAX_EVENT_TYPE: usize = 100;
/// Largest payload (the whole JSON body), in bytes.
pub const MAX_PAYLOAD: usize = 64 * 1024;

/// An event to announce to a team.
#[derive(Debug, Clone)]
pub struct NewEvent<'a> {
    /// What happened, dotted: `proposal.opened`, `ping`...
    pub event_type: &'a str,
    /// One line for people, which chat tools display.
    pub text: &'a str,
    /// The event's details.
    pub data: serde_json::Value,
}

/// Where an event stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryState {
    /// Not delivered yet; tried again at `next_attempt_at`.
    Pending,
    /// A 2xx answer was received.
    Delivered,
    /// Every attempt of the schedule failed; no more are made.
    Dead,
}

impl DeliveryState {
    /// The name stored and shown: `pending`, `delivered` or `dead`.
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Pending => "pending",
            DeliveryState::Delivered => "delivered",
            DeliveryState::Dead => "dead",
        }
    }

    fn parse(s: &str) -> Option<DeliveryState> {
        Some(match s {
            "pending" => DeliveryState::Pending,
            "delivered" => DeliveryState::Delivered,
            "dead" => DeliveryState::Dead,
            _ => return None,
        })
    }
}

/// How an event is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Channel {
    /// POSTed to the team's webhook.
    Webhook,
    /// Mailed to an address over SMTP.
    Email,
}

impl Channel {
    fn as_str(self) -> &'static str {
        match self {
            Channel::Webhook => "webhook",
            Channel::Email => "email",
        }
    }
}

/// An event a broker has claimed and now delivers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimedNotification {
    /// The `webhook-id`, the same on every attempt.
    pub id: String,
    /// The team it is for.
    pub team: String,
    /// Where it goes: the webhook URL, or the e-mail address.
    pub url: String,
    /// Its type.
    pub event_type: String,
    /// The JSON body to send.
    pub payload: String,
    /// Attempts made before this one.
    pub attempts: i64,
    /// The team's signing secret now (`whsec_...`); `None` if it has none.
    pub secret: Option<String>,
}

/// One event, as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotificationRecord {
    /// The `webhook-id`.
    pub id: String,
    /// The team it is for.
    pub team: String,
    /// Where it goes: the webhook URL, or the e-mail address.
    pub url: String,
    /// Its type.
    pub event_type: String,
    /// The JSON body sent.
    pub payload: String,
    /// When it was written (Unix ms).
    pub created_at: i64,
    /// When it is due next, while pending (Unix ms).
    pub next_attempt_at: i64,
    /// Attempts made.
    pub attempts: i64,
    /// Where it stands.
    pub state: DeliveryState,
}

/// One delivery attempt: its outcome as the deliverer saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    /// When it started (Unix ms).
    pub at: i64,
    /// How long it took, in ms.
    pub duration_ms: i64,
    /// The HTTP status answered, if any.
    pub status_code: Option<i64>,
    /// Why it failed without (or besides) a status, if it failed so.
    pub error: Option<String>,
}

/// What follows an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterAttempt {
    /// It was delivered.
    Delivered,
    /// It failed; try again at this time (Unix ms).
    RetryAt(i64),
    /// It failed for the last time.
    Dead,
}

/// A team's webhook settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Webhook {
    /// Where its events go; `None`: nowhere, none are queued.
    pub url: Option<String>,
    /// The signing secret, `whsec_` and base64; made when a webhook is
    /// first set.
    pub secret: Option<String>,
}

/// A new signing secret in the Standard Webhooks form: `whsec_` and the
/// base64 of 32 random bytes.
pub(crate) fn new_secret() -> Result<String, StoreError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| StoreError::Random(e.to_string()))?;
    Ok(format!(
        "whsec_{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    ))
}

/// A `webhook-id`: `msg_`, the creation time in hex (so ids sort by time,
/// and listings page by id) and 8 random bytes.
fn new_message_id(now: i64) -> Result<String, StoreError> {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).map_err(|e| StoreError::Random(e.to_string()))?;
    Ok(format!("msg_{:012x}{}", now.max(0), hex(&bytes)))
}

const COLUMNS: &str =
    "id, team_id, url, event_type, payload, created_at, next_attempt_at, attempts, state";

fn record(r: &sqlx::any::AnyRow) -> Result<NotificationRecord, StoreError> {
    let id: String = r.try_get("id")?;
    let state: String = r.try_get("state")?;
    let Some(parsed) = DeliveryState::parse(&state) else {
        return Err(StoreError::Corrupt {
            table: "notifications",
            row: id,
            field: "state",
            value: state,
        });
    };
    Ok(NotificationRecord {
        team: r.try_get("team_id")?,
        url: r.try_get("url")?,
        event_type: r.try_get("event_type")?,
        payload: r.try_get("payload")?,
        created_at: r.try_get("created_at")?,
        next_attempt_at: r.try_get("next_attempt_at")?,
        attempts: r.try_get("attempts")?,
        state: parsed,
        id,
    })
}

impl Store {
    /// Sets (or, with `None`, removes) a team's webhook; a team getting its
    /// first one gets a signing secret too. `NotFound` for an unknown team.
    pub async fn set_webhook(&self, team: &str, url: Option<&str>) -> Result<Webhook, StoreError> {
        let secret = new_secret()?;
        let (_turn, mut tx) = self.write_tx().await?;
        let updated = sqlx::query(
            "UPDATE teams SET webhook_url = $1, webhook_secret = COALESCE(webhook_secret, $2) WHERE id = $3",
        )
        .bind(url)
        .bind(if url.is_some() { Some(secret) } else { None })
        .bind(team)
        .execute(&mut *tx)
        .await?;
        if updated.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!("team `{team}`")));
        }
        let webhook = read_webhook(&mut tx, team).await?;
        tx.commit().await?;
        webhook.ok_or_else(|| StoreError::NotFound(format!("team `{team}`")))
    }

    /// A team's webhook and secret; `None` for an unknown team.
    pub async fn webhook(&self, team: &str) -> Result<Option<Webhook>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        read_webhook(&mut conn, team).await
    }

    /// Replaces a team's signing secret; events not yet delivered are
    /// signed with the new one. `NotFound` for an unknown team.
    pub async fn rotate_webhook_secret(&self, team: &str) -> Result<Webhook, StoreError> {
        let secret = new_secret()?;
        let (_turn, mut tx) = self.write_tx().await?;
        let updated = sqlx::query("UPDATE teams SET webhook_secret = $1 WHERE id = $2")
            .bind(secret)
            .bind(team)
            .execute(&mut *tx)
            .await?;
        if updated.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!("team `{team}`")));
        }
        let webhook = read_webhook(&mut tx, team).await?;
        tx.commit().await?;
        webhook.ok_or_else(|| StoreError::NotFound(format!("team `{team}`")))
    }

    /// Queues `event` for `team`'s webhook inside the caller's transaction,
    /// so that it is stored if and only if what it announces is. Answers
    /// the `webhook-id`, or `None` when the team has no webhook (nothing is
    /// queued). `NotFound` for an unknown team; `Conflict` for an event
    /// over the size limits.
    pub(crate) async fn enqueue_notification(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        team: &str,
        event: &NewEvent<'_>,
        now: i64,
    ) -> Result<Option<String>, StoreError> {
        match webhook_urls(tx, &[team]).await?.remove(team) {
            None => Err(StoreError::NotFound(format!("team `{team}`"))),
            Some(None) => Ok(None),
            Some(Some(url)) => self.queue_to(tx, team, &url, event, now).await.map(Some),
        }
    }

    /// Queues `event` for `team`'s webhook `url` inside the caller's
    /// transaction; answers its `webhook-id`. `Conflict` for an event over
    /// the size limits.
    pub(crate) async fn queue_to(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        team: &str,
        url: &str,
        event: &NewEvent<'_>,
        now: i64,
    ) -> Result<String, StoreError> {
        self.queue_on(tx, Channel::Webhook, team, url, event, now)
            .await
    }

    /// Queues `event` as an e-mail to `address` (on behalf of `team`)
    /// inside the caller's transaction; answers its id. Delivered by a
    /// broker with an SMTP server ([`Store::claim_emails`]), retried and
    /// logged as webhooks are.
    pub(crate) async fn queue_email(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        team: &str,
        address: &str,
        event: &NewEvent<'_>,
        now: i64,
    ) -> Result<String, StoreError> {
        self.queue_on(tx, Channel::Email, team, address, event, now)
            .await
    }

    async fn queue_on(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        channel: Channel,
        team: &str,
        url: &str,
        event: &NewEvent<'_>,
        now: i64,
    ) -> Result<String, StoreError> {
        if event.event_type.is_empty() || event.event_type.len() > MAX_EVENT_TYPE {
            return Err(StoreError::Conflict(format!(
                "an event type must be 1 to {MAX_EVENT_TYPE} bytes"
            )));
        }
        let timestamp = jiff::Timestamp::from_millisecond(now)
            .map(|t| t.to_string())
            .unwrap_or_default();
        let payload = serde_json::json!({
            "type": event.event_type,
            "timestamp": timestamp,
            "text": event.text,
            "data": event.data,
        })
        .to_string();
        if payload.len() > MAX_PAYLOAD {
            return Err(StoreError::Conflict(format!(
                "a notification's payload is {} bytes, over the {MAX_PAYLOAD} allowed",
                payload.len()
            )));
        }
        let id = new_message_id(now)?;
        sqlx::query(
            "INSERT INTO notifications (id, team_id, url, event_type, payload, created_at, next_attempt_at, attempts, state, channel)
             VALUES ($1, $2, $3, $4, $5, $6, $6, 0, 'pending', $7)",
        )
        .bind(&id)
        .bind(team)
        .bind(url)
        .bind(event.event_type)
        .bind(payload)
        .bind(now)
        .bind(channel.as_str())
        .execute(&mut **tx)
        .await?;
        Ok(id)
    }

    /// [`Store::enqueue_notification`] in a transaction of its own: for
    /// events that announce nothing else stored (a ping).
    pub async fn enqueue_event(
        &self,
        team: &str,
        event: &NewEvent<'_>,
        now: i64,
    ) -> Result<Option<String>, StoreError> {
        let (_turn, mut tx) = self.write_tx().await?;
        let id = self.enqueue_notification(&mut tx, team, event, now).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Claims up to `limit` due events for `broker` until `lease_until`:
    /// pending, due by `now`, and not claimed by a lease still running.
    /// Brokers claiming at once on PostgreSQL get different events (rows
    /// locked by another claim are skipped, not waited for); SQLite has one
    /// writer anyway.
    pub async fn claim_notifications(
        &self,
        broker: &str,
        now: i64,
        lease_until: i64,
        limit: i64,
    ) -> Result<Vec<ClaimedNotification>, StoreError> {
        self.claim_on(Channel::Webhook, broker, now, lease_until, limit)
            .await
    }

    /// [`Store::claim_notifications`] for the e-mails queued: each one's
    /// `url` is the address. Only a broker that can send e-mail claims them.
    pub async fn claim_emails(
        &self,
        broker: &str,
        now: i64,
        lease_until: i64,
        limit: i64,
    ) -> Result<Vec<ClaimedNotification>, StoreError> {
        self.claim_on(Channel::Email, broker, now, lease_until, limit)
            .await
    }

    async fn claim_on(
        &self,
        channel: Channel,
        broker: &str,
        now: i64,
        lease_until: i64,
        limit: i64,
    ) -> Result<Vec<ClaimedNotification>, StoreError> {
        let lock = if self.sqlite {
            ""
        } else {
            "FOR UPDATE SKIP LOCKED"
        };
        let sql = format!(
            "UPDATE notifications SET claimed_by = $1, claimed_until = $2
             WHERE id IN (SELECT id FROM notifications
                          WHERE state = 'pending' AND next_attempt_at <= $3
                            AND (claimed_until IS NULL OR claimed_until <= $3)
                            AND channel = $5
                          ORDER BY next_attempt_at LIMIT $4 {lock})
             RETURNING id, team_id, url, event_type, payload, attempts"
        );
        let (_turn, mut tx) = self.write_tx().await?;
        let rows = sqlx::query(&sql)
            .bind(broker)
            .bind(lease_until)
            .bind(now)
            .bind(limit)
            .bind(channel.as_str())
            .fetch_all(&mut *tx)
            .await?;
        let mut claimed = Vec::with_capacity(rows.len());
        for r in &rows {
            let id: String = r.try_get("id")?;
            let team: String = r.try_get("team_id")?;
            let mut url: String = r.try_get("url")?;
            let webhook = read_webhook(&mut tx, &team).await?;
            let secret = webhook.as_ref().and_then(|w| w.secret.clone());
            // A team that changed its webhook (a typo fixed, a new chat
            // channel) gets its pending events at the new one; one that
            // removed it still gets what was queued, where it was queued.
            if let Some(current) = webhook.and_then(|w| w.url)
                && channel == Channel::Webhook
                && current != url
            {
                sqlx::query("UPDATE notifications SET url = $1 WHERE id = $2")
                    .bind(&current)
                    .bind(&id)
                    .execute(&mut *tx)
                    .await?;
                url = current;
            }
            claimed.push(ClaimedNotification {
                id,
                url,
                event_type: r.try_get("event_type")?,
                payload: r.try_get("payload")?,
                attempts: r.try_get("attempts")?,
                team,
                secret,
            });
        }
        tx.commit().await?;
        Ok(claimed)
    }

    /// Records an attempt at event `id` and what follows it, and gives up
    /// `broker`'s claim. The attempt is logged even when the claim was lost
    /// meanwhile (the lease ran out and another broker took the event);
    /// the event's state is then the other broker's to set.
    pub async fn finish_attempt(
        &self,
        id: &str,
        broker: &str,
        attempt: &Attempt,
        after: AfterAttempt,
    ) -> Result<(), StoreError> {
        let (state, next) = match after {
            AfterAttempt::Delivered => (DeliveryState::Delivered, attempt.at),
            AfterAttempt::RetryAt(at) => (DeliveryState::Pending, at),
            AfterAttempt::Dead => (DeliveryState::Dead, attempt.at),
        };
        let attempt_id = crate::random_id("att_")?;
        let (_turn, mut tx) = self.write_tx().await?;
        sqlx::query(
            "INSERT INTO notification_attempts (id, notification_id, attempted_at, duration_ms, status_code, error)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(attempt_id)
        .bind(id)
        .bind(attempt.at)
        .bind(attempt.duration_ms)
        .bind(attempt.status_code)
        .bind(attempt.error.as_deref())
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE notifications SET attempts = attempts + 1, state = $1, next_attempt_at = $2,
                    claimed_by = NULL, claimed_until = NULL
             WHERE id = $3 AND claimed_by = $4 AND state = 'pending'",
        )
        .bind(state.as_str())
        .bind(next)
        .bind(id)
        .bind(broker)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// How many events of `event_type` are pending for `team`: what bounds
    /// the test events a team may have queued at once.
    pub async fn pending_notifications(
        &self,
        team: &str,
        event_type: &str,
    ) -> Result<i64, StoreError> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM notifications WHERE team_id = $1 AND event_type = $2 AND state = 'pending'",
        )
        .bind(team)
        .bind(event_type)
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get("n")?)
    }

    /// Gives up every claim `broker` holds (at a graceful stop): its events
    /// are due again at once for the other brokers, or for the next start.
    pub async fn release_claims(&self, broker: &str) -> Result<u64, StoreError> {
        let (_turn, mut tx) = self.write_tx().await?;
        let done = sqlx::query(
            "UPDATE notifications SET claimed_by = NULL, claimed_until = NULL
             WHERE claimed_by = $1 AND state = 'pending'",
        )
        .bind(broker)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(done.rows_affected())
    }

    /// Events after `after` in id (so time) order, at most `limit`; of
    /// `team` only, when given.
    pub async fn notifications(
        &self,
        team: Option<&str>,
        after: &str,
        limit: i64,
    ) -> Result<Vec<NotificationRecord>, StoreError> {
        let rows = match team {
            Some(team) => {
                sqlx::query(&format!(
                    "SELECT {COLUMNS} FROM notifications WHERE team_id = $1 AND id > $2 ORDER BY id LIMIT $3"
                ))
                .bind(team)
                .bind(after)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?
            }
            None => {
                sqlx::query(&format!(
                    "SELECT {COLUMNS} FROM notifications WHERE id > $1 ORDER BY id LIMIT $2"
                ))
                .bind(after)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?
            }
        };
        rows.iter().map(record).collect()
    }

    /// One event and its attempts, oldest first; `None` if there is none.
    pub async fn notification(
        &self,
        id: &str,
    ) -> Result<Option<(NotificationRecord, Vec<Attempt>)>, StoreError> {
        // The event and its attempts are two reads; an attempt committed
        // between them would show an attempt the event does not count
        // yet. Read again until they agree (an attempt is rare).
        let mut tries = 0;
        loop {
            let Some(row) = sqlx::query(&format!(
                "SELECT {COLUMNS} FROM notifications WHERE id = $1"
            ))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            else {
                return Ok(None);
            };
            let event = record(&row)?;
            let attempts = sqlx::query(
                "SELECT attempted_at, duration_ms, status_code, error FROM notification_attempts
                 WHERE notification_id = $1 ORDER BY attempted_at, id",
            )
            .bind(id)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| {
                Ok(Attempt {
                    at: r.try_get("attempted_at")?,
                    duration_ms: r.try_get("duration_ms")?,
                    status_code: r.try_get("status_code")?,
                    error: r.try_get("error")?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
            tries += 1;
            if attempts.len() as i64 <= event.attempts || tries >= 5 {
                return Ok(Some((event, attempts)));
            }
        }
    }
}

async fn read_webhook(
    conn: &mut sqlx::AnyConnection,
    team: &str,
) -> Result<Option<Webhook>, StoreError> {
    let row = sqlx::query("SELECT webhook_url, webhook_secret FROM teams WHERE id = $1")
        .bind(team)
        .fetch_optional(&mut *conn)
        .await?;
    row.map(|r| {
        Ok(Webhook {
            url: r.try_get("webhook_url")?,
            secret: r.try_get("webhook_secret")?,
        })
    })
    .transpose()
}

/// The webhook URL of each of `teams` that exists (`None`: it has none),
/// in one query.
pub(crate) async fn webhook_urls(
    conn: &mut sqlx::AnyConnection,
    teams: &[&str],
) -> Result<HashMap<String, Option<String>>, StoreError> {
    let mut urls = HashMap::with_capacity(teams.len());
    let sql = "SELECT id, webhook_url FROM teams WHERE id IN {ids}";
    for row in fetch_for_ids(conn, sql, teams).await? {
        urls.insert(row.try_get("id")?, row.try_get("webhook_url")?);
    }
    Ok(urls)
}
