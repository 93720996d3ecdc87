//! Overrides of release gates: a request to let one train's gate through
//! in one environment, and each team's decision on it. The request and
//! every decision are written in the transaction of their decision-log
//! entry, as proposals' are.
//!
//! Whose decision is asked for, and whether the decisions approve the
//! override, are the server's (`treaty_core::governance`).

use sqlx::Row;
use treaty_log::Actor;

use crate::proposals::actor_token;
use crate::write::Serialized;
use crate::{AppendedDecision, NewDecision, Store, StoreError};

/// Most overrides one train may have (all of them are read by the gate),
/// and most decisions one override may have.
pub const MAX_OVERRIDES: i64 = 1_000;

/// An override to ask for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOverride {
    /// The release train whose gate it lets through.
    pub train: String,
    /// The environment it is for.
    pub environment: String,
    /// Why the release should ship anyway.
    pub reason: String,
}

/// A team's decision on an override.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverrideDecision {
    /// 1 for the first, then one more per decision.
    pub seq: i64,
    /// The team deciding.
    pub team: String,
    /// `approve` or `reject`.
    pub decision: String,
    /// Why.
    pub reason: String,
    /// The id of the token it used.
    pub token_id: String,
    /// When, in Unix milliseconds.
    pub at: i64,
    /// Its entry in the decision log.
    pub log_index: i64,
}

/// An override as stored, with its decisions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverrideRecord {
    /// `o-N`.
    pub id: String,
    /// What was asked.
    pub request: NewOverride,
    /// The team that asked.
    pub requested_by: String,
    /// When, in Unix milliseconds.
    pub requested_at: i64,
    /// The request's entry in the decision log.
    pub log_index: i64,
    /// Every decision, in the order taken.
    pub decisions: Vec<OverrideDecision>,
}

const COLUMNS: &str =
    "id, train_id, environment, reason, requested_by, token_id, requested_at, log_index";

fn read_row(r: &sqlx::any::AnyRow) -> Result<OverrideRecord, StoreError> {
    Ok(OverrideRecord {
        id: r.try_get("id")?,
        request: NewOverride {
            train: r.try_get("train_id")?,
            environment: r.try_get("environment")?,
            reason: r.try_get("reason")?,
        },
        requested_by: r.try_get("requested_by")?,
        requested_at: r.try_get("requested_at")?,
        log_index: r.try_get("log_index")?,
        decisions: Vec::new(),
    })
}

async fn decisions_of(
    conn: &mut sqlx::AnyConnection,
    record: &mut OverrideRecord,
) -> Result<(), StoreError> {
    let rows = sqlx::query(
        "SELECT seq, team_id, decision, reason, token_id, at, log_index FROM gate_override_decisions WHERE override_id = $1 ORDER BY seq",
    )
    .bind(&record.id)
    .fetch_all(&mut *conn)
    .await?;
    for r in rows {
        record.decisions.push(OverrideDecision {
            seq: r.try_get("seq")?,
            team: r.try_get("team_id")?,
            decision: r.try_get("decision")?,
            reason: r.try_get("reason")?,
            token_id: r.try_get("token_id")?,
            at: r.try_get("at")?,
            log_index: r.try_get("log_index")?,
        });
    }
    Ok(())
}

async fn read_one(
    conn: &mut sqlx::AnyConnection,
    id: &str,
) -> Result<Option<OverrideRecord>, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM gate_overrides WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let mut record = read_row(&row)?;
    decisions_of(conn, &mut record).await?;
    Ok(Some(record))
}

impl Store {
    /// Asks for an override, with its decision-log entry (`log` is given
    /// the new id). The same request again (train, environment, reason and
    /// team) is a repeat: answered as stored, with no entry (`None`).
    pub async fn request_override(
        &self,
        new: &NewOverride,
        by: &Actor,
        now: i64,
        log: impl FnOnce(&str) -> NewDecision,
    ) -> Result<(OverrideRecord, Option<AppendedDecision>), StoreError> {
        let (_turn, mut tx) = self.write_tx().await?;
        self.serialize_on(&mut tx, Serialized::Overrides, "override-numbers")
            .await?;
        let repeat = sqlx::query(
            "SELECT id FROM gate_overrides WHERE train_id = $1 AND environment = $2 AND reason = $3 AND requested_by = $4 ORDER BY number",
        )
        .bind(&new.train)
        .bind(&new.environment)
        .bind(&new.reason)
        .bind(&by.team)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(row) = repeat {
            let id: String = row.try_get("id")?;
            let record = read_one(&mut tx, &id)
                .await?
                .ok_or_else(|| StoreError::NotFound(format!("override `{id}`")))?;
            tx.rollback().await?;
            return Ok((record, None));
        }
        let asked: i64 =
            sqlx::query("SELECT COUNT(*) AS n FROM gate_overrides WHERE train_id = $1")
                .bind(&new.train)
                .fetch_one(&mut *tx)
                .await?
                .try_get("n")?;
        if asked >= MAX_OVERRIDES {
            tx.rollback().await?;
            return Err(StoreError::Invalid(format!(
                "train `{}` has {asked} overrides asked for, the most one train may have",
                new.train
            )));
        }
        let number: i64 =
            sqlx::query("SELECT COALESCE(MAX(number), 0) + 1 AS next FROM gate_overrides")
                .fetch_one(&mut *tx)
                .await?
                .try_get("next")?;
        let id = format!("o-{number}");
        let logged = self.append_decision(&mut tx, log(&id)).await?;
        sqlx::query(&format!(
            "INSERT INTO gate_overrides ({COLUMNS}, number) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
        ))
        .bind(&id)
        .bind(&new.train)
        .bind(&new.environment)
        .bind(&new.reason)
        .bind(&by.team)
        .bind(actor_token(by))
        .bind(now)
        .bind(logged.decision.index as i64)
        .bind(number)
        .execute(&mut *tx)
        .await?;
        let record = read_one(&mut tx, &id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("override `{id}`")))?;
        tx.commit().await?;
        Ok((record, Some(logged)))
    }

    /// Records a team's decision on override `id` as `decide` says, given
    /// the override as it stands under its lock: `(decision, reason)` and
    /// its decision-log entry, in one transaction. `decide` answers `None`
    /// for a repeat of the team's latest decision (nothing written, no
    /// entry); its error is answered and nothing is written.
    pub async fn decide_override<E: From<StoreError>>(
        &self,
        id: &str,
        by: &Actor,
        now: i64,
        decide: impl FnOnce(&OverrideRecord) -> Result<Option<((String, String), NewDecision)>, E>,
    ) -> Result<(OverrideRecord, Option<AppendedDecision>), E> {
        let (_turn, mut tx) = self.write_tx().await?;
        self.serialize_on(&mut tx, Serialized::Overrides, id)
            .await?;
        let current = read_one(&mut tx, id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("override `{id}`")))?;
        if current.decisions.len() as i64 >= MAX_OVERRIDES {
            tx.rollback().await.map_err(StoreError::from)?;
            return Err(StoreError::Invalid(format!(
                "override `{id}` has {} decisions, the most one override may have",
                current.decisions.len()
            ))
            .into());
        }
        let ((decision, reason), log) = match decide(&current) {
            Ok(Some(d)) => d,
            Ok(None) => {
                tx.rollback().await.map_err(StoreError::from)?;
                return Ok((current, None));
            }
            Err(e) => {
                tx.rollback().await.map_err(StoreError::from)?;
                return Err(e);
            }
        };
        let logged = self.append_decision(&mut tx, log).await?;
        let seq = current.decisions.last().map_or(1, |d| d.seq + 1);
        sqlx::query("INSERT INTO gate_override_decisions (override_id, seq, team_id, decision, reason, token_id, at, log_index) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
            .bind(id)
            .bind(seq)
            .bind(&by.team)
            .bind(&decision)
            .bind(&reason)
            .bind(actor_token(by))
            .bind(now)
            .bind(logged.decision.index as i64)
            .execute(&mut *tx)
            .await
            .map_err(StoreError::from)?;
        let record = read_one(&mut tx, id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("override `{id}`")))?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok((record, Some(logged)))
    }

    /// Override `id` with its decisions.
    pub async fn gate_override(&self, id: &str) -> Result<Option<OverrideRecord>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        read_one(&mut conn, id).await
    }

    /// The overrides asked for `train` (every environment), in the order
    /// asked, at most [`MAX_OVERRIDES`], each with its decisions.
    pub async fn gate_overrides(&self, train: &str) -> Result<Vec<OverrideRecord>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM gate_overrides WHERE train_id = $1 ORDER BY number LIMIT $2"
        ))
        .bind(train)
        .bind(MAX_OVERRIDES)
        .fetch_all(&mut *conn)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            let mut record = read_row(row)?;
            decisions_of(&mut conn, &mut record).await?;
            out.push(record);
        }
        Ok(out)
    }
}
