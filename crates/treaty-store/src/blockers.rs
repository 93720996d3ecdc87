//! Blockers of release trains: each blocker's current state and the
//! history of its changes (raised, assigned, severity changed, resolved,
//! reopened), with who, when and why. A change is written with its event
//! in one transaction, serialized per blocker, so brokers sharing a
//! database apply changes one after the other.
//!
//! Who may change what, and what a change makes of a blocker, are the
//! server's (`treaty_core::triage`); this module keeps what it is given.

use sqlx::Row;
use treaty_log::Actor;

use crate::proposals::actor_token;
use crate::write::Serialized;
use crate::{Store, StoreError, Written};

/// Most blockers one [`Store::blockers`] call returns, and most open
/// blockers one train may have.
pub const MAX_BLOCKERS: i64 = 1_000;

/// What changes over a blocker's life.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockerState {
    /// `low`, `medium`, `high` or `critical`.
    pub severity: String,
    /// When it must be resolved by (Unix milliseconds), if an SLA says.
    pub deadline: Option<i64>,
    /// The team it is assigned to.
    pub assignee_team: Option<String>,
    /// The member of that team it is assigned to, when one is named.
    pub assignee_handle: Option<String>,
    /// The link to its issue in a tracker.
    pub tracker: Option<String>,
    /// `open` or `resolved`.
    pub state: String,
    /// The evidence that showed the fix, in words.
    pub fix: Option<String>,
}

/// A blocker to raise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewBlocker {
    /// The release train it blocks.
    pub train: String,
    /// What blocks, in a line.
    pub title: String,
    /// The scope item it blocks; none: the whole release.
    pub item: Option<String>,
    /// The team that owns it.
    pub team: String,
    /// Its first state (open, its severity, deadline, tracker...).
    pub state: BlockerState,
}

/// One change of a blocker.
#[derive(Debug, Clone, PartialEq)]
pub struct BlockerEvent {
    /// 1 for `raised`, then one more per change.
    pub seq: i64,
    /// `raised`, `assigned`, `severity_changed`, `resolved` or `reopened`.
    pub kind: String,
    /// The team that made it.
    pub team: String,
    /// The id of the token it used.
    pub token_id: String,
    /// Why, in its words.
    pub reason: String,
    /// What changed (JSON).
    pub details: serde_json::Value,
    /// When, in Unix milliseconds.
    pub at: i64,
}

/// A blocker as stored, with its history.
#[derive(Debug, Clone, PartialEq)]
pub struct BlockerRecord {
    /// `b-N`.
    pub id: String,
    /// What was raised (its `state` is the current one).
    pub blocker: NewBlocker,
    /// The team that raised it.
    pub raised_by: String,
    /// When, in Unix milliseconds.
    pub raised_at: i64,
    /// When it last changed.
    pub updated_at: i64,
    /// Every change, oldest first.
    pub events: Vec<BlockerEvent>,
}

/// A change to write: the next state and the event recording it.
#[derive(Debug, Clone, PartialEq)]
pub struct BlockerChange {
    /// The state after the change.
    pub next: BlockerState,
    /// The event's kind.
    pub kind: String,
    /// Why.
    pub reason: String,
    /// What changed (JSON).
    pub details: serde_json::Value,
}

const COLUMNS: &str = "id, train_id, title, severity, item, team_id, assignee_team, assignee_handle, tracker, state, fix, raised_by, raised_at, deadline, updated_at";

fn read_row(r: &sqlx::any::AnyRow) -> Result<BlockerRecord, StoreError> {
    Ok(BlockerRecord {
        id: r.try_get("id")?,
        blocker: NewBlocker {
            train: r.try_get("train_id")?,
            title: r.try_get("title")?,
            item: r.try_get("item")?,
            team: r.try_get("team_id")?,
            state: BlockerState {
                severity: r.try_get("severity")?,
                deadline: r.try_get("deadline")?,
                assignee_team: r.try_get("assignee_team")?,
                assignee_handle: r.try_get("assignee_handle")?,
                tracker: r.try_get("tracker")?,
                state: r.try_get("state")?,
                fix: r.try_get("fix")?,
            },
        },
        raised_by: r.try_get("raised_by")?,
        raised_at: r.try_get("raised_at")?,
        updated_at: r.try_get("updated_at")?,
        events: Vec::new(),
    })
}

async fn events_of(
    conn: &mut sqlx::AnyConnection,
    record: &mut BlockerRecord,
) -> Result<(), StoreError> {
    let rows = sqlx::query(
        "SELECT seq, kind, team_id, token_id, reason, details, at FROM blocker_events WHERE blocker_id = $1 ORDER BY seq",
    )
    .bind(&record.id)
    .fetch_all(&mut *conn)
    .await?;
    for r in rows {
        let details: String = r.try_get("details")?;
        let seq: i64 = r.try_get("seq")?;
        record.events.push(BlockerEvent {
            seq,
            kind: r.try_get("kind")?,
            team: r.try_get("team_id")?,
            token_id: r.try_get("token_id")?,
            reason: r.try_get("reason")?,
            details: serde_json::from_str(&details).map_err(|_| StoreError::Corrupt {
                table: "blocker_events",
                row: format!("{} #{seq}", record.id),
                field: "details",
                value: details.clone(),
            })?,
            at: r.try_get("at")?,
        });
    }
    Ok(())
}

async fn read_one(
    conn: &mut sqlx::AnyConnection,
    id: &str,
) -> Result<Option<BlockerRecord>, StoreError> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM blockers WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    let Some(row) = row else { return Ok(None) };
    let mut record = read_row(&row)?;
    events_of(conn, &mut record).await?;
    Ok(Some(record))
}

async fn insert_event(
    conn: &mut sqlx::AnyConnection,
    id: &str,
    seq: i64,
    by: &Actor,
    change: (&str, &str, &serde_json::Value),
    now: i64,
) -> Result<(), StoreError> {
    let (kind, reason, details) = change;
    sqlx::query("INSERT INTO blocker_events (blocker_id, seq, kind, team_id, token_id, reason, details, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
        .bind(id)
        .bind(seq)
        .bind(kind)
        .bind(&by.team)
        .bind(actor_token(by))
        .bind(reason)
        .bind(details.to_string())
        .bind(now)
        .execute(&mut *conn)
        .await?;
    // A blocker's deadline is an escalation's start: its train's timer
    // evaluates at once and learns when the new deadline falls.
    sqlx::query(
        "UPDATE escalation_timers SET next_due_at = 0 WHERE train_id = (SELECT train_id FROM blockers WHERE id = $1)",
    )
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

impl Store {
    /// Raises a blocker with its `raised` event. An open blocker of the
    /// same train, title, scope item and owning team is a repeat: it is
    /// answered as stored, [`Written::Unchanged`].
    pub async fn raise_blocker(
        &self,
        new: &NewBlocker,
        by: &Actor,
        reason: &str,
        now: i64,
    ) -> Result<(BlockerRecord, Written), StoreError> {
        let (_turn, mut tx) = self.write_tx().await?;
        self.serialize_on(&mut tx, Serialized::Blockers, "blocker-numbers")
            .await?;
        let live = sqlx::query(
            "SELECT id FROM blockers WHERE train_id = $1 AND title = $2 AND team_id = $3 AND COALESCE(item, '') = $4 AND state = 'open' ORDER BY number",
        )
        .bind(&new.train)
        .bind(&new.title)
        .bind(&new.team)
        .bind(new.item.clone().unwrap_or_default())
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(row) = live {
            let id: String = row.try_get("id")?;
            let record = read_one(&mut tx, &id)
                .await?
                .ok_or_else(|| StoreError::NotFound(format!("blocker `{id}`")))?;
            tx.rollback().await?;
            return Ok((record, Written::Unchanged));
        }
        let open: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM blockers WHERE train_id = $1 AND state = 'open'",
        )
        .bind(&new.train)
        .fetch_one(&mut *tx)
        .await?
        .try_get("n")?;
        if open >= MAX_BLOCKERS {
            tx.rollback().await?;
            return Err(StoreError::Invalid(format!(
                "train `{}` has {open} open blockers, the most one train may have: resolve some first",
                new.train
            )));
        }
        let number: i64 = sqlx::query("SELECT COALESCE(MAX(number), 0) + 1 AS next FROM blockers")
            .fetch_one(&mut *tx)
            .await?
            .try_get("next")?;
        let id = format!("b-{number}");
        let s = &new.state;
        sqlx::query(&format!(
            "INSERT INTO blockers ({COLUMNS}, number) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $13, $15)"
        ))
        .bind(&id)
        .bind(&new.train)
        .bind(&new.title)
        .bind(&s.severity)
        .bind(&new.item)
        .bind(&new.team)
        .bind(&s.assignee_team)
        .bind(&s.assignee_handle)
        .bind(&s.tracker)
        .bind(&s.state)
        .bind(&s.fix)
        .bind(&by.team)
        .bind(now)
        .bind(s.deadline)
        .bind(number)
        .execute(&mut *tx)
        .await?;
        let details = serde_json::json!({
            "severity": s.severity,
            "item": new.item,
            "team": new.team,
            "tracker": s.tracker,
            "deadline": s.deadline,
        });
        insert_event(&mut tx, &id, 1, by, ("raised", reason, &details), now).await?;
        let record = read_one(&mut tx, &id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("blocker `{id}`")))?;
        tx.commit().await?;
        Ok((record, Written::Created))
    }

    /// Changes blocker `id` as `decide` says, given the blocker as it
    /// stands under its lock: the next state and an event, in one
    /// transaction. `decide` answers `None` for a repeat of the current
    /// state (nothing is written: [`Written::Unchanged`]); its error is
    /// answered and nothing is written.
    pub async fn change_blocker<E: From<StoreError>>(
        &self,
        id: &str,
        by: &Actor,
        now: i64,
        decide: impl FnOnce(&BlockerRecord) -> Result<Option<BlockerChange>, E>,
    ) -> Result<(BlockerRecord, Written), E> {
        let (_turn, mut tx) = self.write_tx().await?;
        self.serialize_on(&mut tx, Serialized::Blockers, id).await?;
        let current = read_one(&mut tx, id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("blocker `{id}`")))?;
        let change = match decide(&current) {
            Ok(Some(change)) => change,
            Ok(None) => {
                tx.rollback().await.map_err(StoreError::from)?;
                return Ok((current, Written::Unchanged));
            }
            Err(e) => {
                tx.rollback().await.map_err(StoreError::from)?;
                return Err(e);
            }
        };
        let s = &change.next;
        sqlx::query("UPDATE blockers SET severity = $1, deadline = $2, assignee_team = $3, assignee_handle = $4, tracker = $5, state = $6, fix = $7, updated_at = $8 WHERE id = $9")
            .bind(&s.severity)
            .bind(s.deadline)
            .bind(&s.assignee_team)
            .bind(&s.assignee_handle)
            .bind(&s.tracker)
            .bind(&s.state)
            .bind(&s.fix)
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(StoreError::from)?;
        let seq = current.events.last().map_or(1, |e| e.seq + 1);
        insert_event(
            &mut tx,
            id,
            seq,
            by,
            (&change.kind, &change.reason, &change.details),
            now,
        )
        .await?;
        let record = read_one(&mut tx, id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("blocker `{id}`")))?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok((record, Written::Created))
    }

    /// Blocker `id` with its history.
    pub async fn blocker(&self, id: &str) -> Result<Option<BlockerRecord>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        read_one(&mut conn, id).await
    }

    /// The blockers of `train`, in the order raised, at most
    /// [`MAX_BLOCKERS`], each with its history.
    pub async fn blockers(&self, train: &str) -> Result<Vec<BlockerRecord>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let mut out = blocker_rows(&mut conn, train, "").await?;
        for record in &mut out {
            events_of(&mut conn, record).await?;
        }
        Ok(out)
    }

    /// The open blockers of `train`, in the order raised, at most
    /// [`MAX_BLOCKERS`], without their history (what the gate reads).
    pub async fn open_blockers(&self, train: &str) -> Result<Vec<BlockerRecord>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        blocker_rows(&mut conn, train, " AND state = 'open'").await
    }
}

async fn blocker_rows(
    conn: &mut sqlx::AnyConnection,
    train: &str,
    filter: &str,
) -> Result<Vec<BlockerRecord>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM blockers WHERE train_id = $1{filter} ORDER BY number LIMIT $2"
    ))
    .bind(train)
    .bind(MAX_BLOCKERS)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(read_row).collect()
}
