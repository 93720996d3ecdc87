//! Change proposals and waivers in the broker: the proposal, each team's
//! decisions and each move of its state, written in one transaction with
//! the decision-log entry that records it and the notifications that
//! announce it.
//!
//! Who may decide and what a decision does to the state are the server's
//! (with `treaty-core`): [`Store::update_proposal`] hands the caller the
//! proposal as it stands, under the proposal's lock, and writes what the
//! caller's function answers, so two teams deciding at once are judged one
//! after the other.

use std::collections::HashMap;

use sqlx::Row;
use treaty_log::Actor;

use crate::decision_log::{AppendedDecision, NewDecision};
use crate::notifications::NewEvent;
use crate::store::fetch_for_ids;
use crate::write::Serialized;
use crate::{Store, StoreError};

/// Most proposals one [`Store::proposals`] call returns.
pub const MAX_PROPOSAL_PAGE: i64 = 100;

/// A proposal to store; the store numbers it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NewProposal {
    /// `breaking` or `waiver`; the id's prefix follows (`cp-`, `w-`).
    pub kind: String,
    /// The interface it changes.
    pub interface: String,
    /// The team proposing it.
    pub proposer: String,
    /// What it is, in a line.
    pub title: String,
    /// The hash of the change set (or of a waiver's terms).
    pub change_set: String,
    /// The changes, as JSON.
    pub changes: serde_json::Value,
    /// Who must approve, as JSON.
    pub required: serde_json::Value,
    /// Who and what it touches, as JSON.
    pub impact: serde_json::Value,
    /// Why.
    pub reason: Option<String>,
    /// How to undo it.
    pub rollback: String,
    /// Whether the release needs it.
    pub essential: bool,
    /// The release it is meant for.
    pub target_release: Option<String>,
    /// A waiver's rules.
    pub rules: Vec<String>,
    /// A waiver's last day (`YYYY-MM-DD`).
    pub expires: Option<String>,
    /// `draft` or `open`.
    pub state: String,
}

/// A proposal as stored, with its decisions and transitions in order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProposalRecord {
    /// `cp-3`, `w-1`.
    pub id: String,
    /// The rest, as given (and as changed since).
    pub proposal: NewProposal,
    /// When it was proposed, Unix milliseconds.
    pub created_at: i64,
    /// When it last changed.
    pub updated_at: i64,
    /// Every decision, oldest first.
    pub decisions: Vec<DecisionRow>,
    /// Every move of state or change set, oldest first.
    pub transitions: Vec<TransitionRow>,
}

/// A team's decision on a proposal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionRow {
    /// The team.
    pub team: String,
    /// `approve` or `reject`.
    pub decision: String,
    /// The change set it was taken on.
    pub change_set: String,
    /// Why.
    pub reason: String,
    /// The token used.
    pub token_id: String,
    /// Unix milliseconds.
    pub at: i64,
    /// Its entry in the decision log.
    pub log_index: i64,
}

/// A move of a proposal's state or change set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransitionRow {
    /// The state before.
    pub from: String,
    /// The state after (the same for a new change set).
    pub to: String,
    /// The change set after.
    pub change_set: String,
    /// The team that moved it.
    pub team: String,
    /// The token used.
    pub token_id: String,
    /// Why.
    pub reason: String,
    /// Unix milliseconds.
    pub at: i64,
    /// Its entry in the decision log.
    pub log_index: i64,
}

/// An event to queue for a team's webhook with the write.
#[derive(Debug, Clone)]
pub struct Announcement {
    /// The team told.
    pub team: String,
    /// `proposal.opened`, `proposal.approval_needed`...
    pub event_type: &'static str,
    /// One line for people.
    pub text: String,
    /// The details.
    pub data: serde_json::Value,
}

/// What to change on a proposal, as the server decided it.
#[derive(Debug, Clone)]
pub struct ProposalUpdate {
    /// The decision to record, if any: (`approve` | `reject`, why).
    pub decision: Option<(String, String)>,
    /// The state afterwards.
    pub state: String,
    /// A new change set: its hash, changes, who must approve and impact.
    pub change_set: Option<(
        String,
        serde_json::Value,
        serde_json::Value,
        serde_json::Value,
    )>,
    /// Why the state or change set moved, when it did (a transition row is
    /// written when the state or the change set changes).
    pub reason: String,
    /// The decision-log entry (its `at` and `actor` are used for the rows).
    pub log: NewDecision,
    /// Who to tell.
    pub announce: Vec<Announcement>,
}

const SELECT: &str = "SELECT id, kind, interface_id, proposer, title, change_set, changes, required, impact, reason, rollback, essential, target_release, rules, expires, state, created_at, updated_at FROM proposals";

fn json(id: &str, field: &'static str, text: String) -> Result<serde_json::Value, StoreError> {
    serde_json::from_str(&text).map_err(|_| StoreError::Corrupt {
        table: "proposals",
        row: id.to_owned(),
        field,
        value: text,
    })
}

fn read_row(r: &sqlx::any::AnyRow) -> Result<ProposalRecord, StoreError> {
    let id: String = r.try_get("id")?;
    let rules = json(&id, "rules", r.try_get("rules")?)?;
    let rules =
        serde_json::from_value::<Vec<String>>(rules.clone()).map_err(|_| StoreError::Corrupt {
            table: "proposals",
            row: id.clone(),
            field: "rules",
            value: rules.to_string(),
        })?;
    let proposal = NewProposal {
        kind: r.try_get("kind")?,
        interface: r.try_get("interface_id")?,
        proposer: r.try_get("proposer")?,
        title: r.try_get("title")?,
        change_set: r.try_get("change_set")?,
        changes: json(&id, "changes", r.try_get("changes")?)?,
        required: json(&id, "required", r.try_get("required")?)?,
        impact: json(&id, "impact", r.try_get("impact")?)?,
        reason: r.try_get("reason")?,
        rollback: r.try_get("rollback")?,
        essential: r.try_get::<i64, _>("essential")? != 0,
        target_release: r.try_get("target_release")?,
        rules,
        expires: r.try_get("expires")?,
        state: r.try_get("state")?,
    };
    Ok(ProposalRecord {
        id,
        proposal,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        decisions: Vec::new(),
        transitions: Vec::new(),
    })
}

/// Reads one proposal with its decisions and transitions through `conn`.
async fn read_one(
    conn: &mut sqlx::AnyConnection,
    id: &str,
) -> Result<Option<ProposalRecord>, StoreError> {
    let row = sqlx::query(&format!("{SELECT} WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    let Some(row) = row else { return Ok(None) };
    let mut record = read_row(&row)?;
    fill(conn, &mut record).await?;
    Ok(Some(record))
}

async fn fill(
    conn: &mut sqlx::AnyConnection,
    record: &mut ProposalRecord,
) -> Result<(), StoreError> {
    let id = record.id.clone();
    let mut one = HashMap::from([(id.clone(), std::mem::take(record))]);
    fill_all(conn, &mut one, &[&id]).await?;
    *record = one.remove(&id).unwrap_or_default();
    Ok(())
}

/// Fills in the decisions and transitions of `records`, keyed by their
/// ids `ids`, two queries in all.
async fn fill_all(
    conn: &mut sqlx::AnyConnection,
    records: &mut HashMap<String, ProposalRecord>,
    ids: &[&str],
) -> Result<(), StoreError> {
    let sql = "SELECT proposal_id, team_id, decision, change_set, reason, token_id, at, log_index FROM proposal_decisions WHERE proposal_id IN {ids} ORDER BY proposal_id, seq";
    for r in fetch_for_ids(conn, sql, ids).await? {
        let id: String = r.try_get("proposal_id")?;
        let row = DecisionRow {
            team: r.try_get("team_id")?,
            decision: r.try_get("decision")?,
            change_set: r.try_get("change_set")?,
            reason: r.try_get("reason")?,
            token_id: r.try_get("token_id")?,
            at: r.try_get("at")?,
            log_index: r.try_get("log_index")?,
        };
        if let Some(record) = records.get_mut(&id) {
            record.decisions.push(row);
        }
    }
    let sql = "SELECT proposal_id, from_state, to_state, change_set, team_id, token_id, reason, at, log_index FROM proposal_transitions WHERE proposal_id IN {ids} ORDER BY proposal_id, seq";
    for r in fetch_for_ids(conn, sql, ids).await? {
        let id: String = r.try_get("proposal_id")?;
        let row = TransitionRow {
            from: r.try_get("from_state")?,
            to: r.try_get("to_state")?,
            change_set: r.try_get("change_set")?,
            team: r.try_get("team_id")?,
            token_id: r.try_get("token_id")?,
            reason: r.try_get("reason")?,
            at: r.try_get("at")?,
            log_index: r.try_get("log_index")?,
        };
        if let Some(record) = records.get_mut(&id) {
            record.transitions.push(row);
        }
    }
    Ok(())
}

/// Proposals `ids` with their decisions and transitions, by id, in three
/// queries; ids that name no proposal are left out.
pub(crate) async fn read_many(
    conn: &mut sqlx::AnyConnection,
    ids: &[&str],
) -> Result<HashMap<String, ProposalRecord>, StoreError> {
    let mut records = HashMap::with_capacity(ids.len());
    if ids.is_empty() {
        return Ok(records);
    }
    for row in fetch_for_ids(conn, &format!("{SELECT} WHERE id IN {{ids}}"), ids).await? {
        let record = read_row(&row)?;
        records.insert(record.id.clone(), record);
    }
    fill_all(conn, &mut records, ids).await?;
    Ok(records)
}

fn prefix(kind: &str) -> &'static str {
    if kind == "waiver" { "w-" } else { "cp-" }
}

pub(crate) fn actor_token(actor: &Actor) -> String {
    actor.token_id.clone().unwrap_or_default()
}

/// Which proposals a listing reads: each field narrows it when given.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProposalFilter<'a> {
    /// `breaking` or `waiver`.
    pub kind: Option<&'a str>,
    /// The interface changed.
    pub interface: Option<&'a str>,
    /// The state (`open`, `approved`, `rejected`, …).
    pub state: Option<&'a str>,
}

impl Store {
    /// Stores a new proposal, its decision-log entry (`log` is given the
    /// new id) and its announcements in one transaction. A proposal of the
    /// same kind, interface, proposer and change set that is still live
    /// (not withdrawn, shipped or rolled back) is a repeat: it is answered
    /// as stored, with no log entry (`None`).
    pub async fn create_proposal(
        &self,
        new: NewProposal,
        now: i64,
        log: impl FnOnce(&str) -> (NewDecision, Vec<Announcement>),
    ) -> Result<(ProposalRecord, Option<AppendedDecision>), StoreError> {
        let (_turn, mut tx) = self.write_tx().await?;
        self.serialize_on(&mut tx, Serialized::Proposals, "proposal-numbers")
            .await?;
        let live = sqlx::query(
            "SELECT id FROM proposals WHERE kind = $1 AND interface_id = $2 AND proposer = $3 AND change_set = $4
             AND state NOT IN ('withdrawn', 'shipped', 'rolled_back') ORDER BY number",
        )
        .bind(&new.kind)
        .bind(&new.interface)
        .bind(&new.proposer)
        .bind(&new.change_set)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(row) = live {
            let id: String = row.try_get("id")?;
            let record = read_one(&mut tx, &id)
                .await?
                .ok_or_else(|| StoreError::NotFound(format!("proposal `{id}`")))?;
            tx.rollback().await?;
            return Ok((record, None));
        }
        let number: i64 = sqlx::query(
            "SELECT COALESCE(MAX(number), 0) + 1 AS next FROM proposals WHERE kind = $1",
        )
        .bind(&new.kind)
        .fetch_one(&mut *tx)
        .await?
        .try_get("next")?;
        let id = format!("{}{number}", prefix(&new.kind));
        sqlx::query(
            "INSERT INTO proposals (id, kind, number, interface_id, proposer, title, change_set, changes, required, impact, reason, rollback, essential, target_release, rules, expires, expiry_announced, state, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, 0, $17, $18, $18)",
        )
        .bind(&id)
        .bind(&new.kind)
        .bind(number)
        .bind(&new.interface)
        .bind(&new.proposer)
        .bind(&new.title)
        .bind(&new.change_set)
        .bind(new.changes.to_string())
        .bind(new.required.to_string())
        .bind(new.impact.to_string())
        .bind(&new.reason)
        .bind(&new.rollback)
        .bind(i64::from(new.essential))
        .bind(&new.target_release)
        .bind(serde_json::Value::from(new.rules.clone()).to_string())
        .bind(&new.expires)
        .bind(&new.state)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let (decision, announce) = log(&id);
        self.announce(&mut tx, &announce, now).await?;
        let logged = self.append_decision(&mut tx, decision).await?;
        let record = read_one(&mut tx, &id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("proposal `{id}`")))?;
        tx.commit().await?;
        Ok((record, Some(logged)))
    }

    async fn announce(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        announce: &[Announcement],
        now: i64,
    ) -> Result<(), StoreError> {
        for a in announce {
            let event = NewEvent {
                event_type: a.event_type,
                text: &a.text,
                data: a.data.clone(),
            };
            self.enqueue_notification(tx, &a.team, &event, now).await?;
        }
        Ok(())
    }

    /// Proposal `id` with its decisions and transitions.
    pub async fn proposal(&self, id: &str) -> Result<Option<ProposalRecord>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        read_one(&mut conn, id).await
    }

    /// Proposals of `kind` (any when `None`), about `interface` (any when
    /// `None`), newest first, at most `limit` (up to
    /// [`MAX_PROPOSAL_PAGE`]); after `after`, the (`created_at`, `id`) of
    /// the last one of the previous page, when given.
    pub async fn proposals(
        &self,
        kind: Option<&str>,
        interface: Option<&str>,
        after: Option<(i64, &str)>,
        limit: i64,
    ) -> Result<Vec<ProposalRecord>, StoreError> {
        let filter = ProposalFilter {
            kind,
            interface,
            state: None,
        };
        self.proposals_where(filter, after, limit).await
    }

    /// Proposals as [`Store::proposals`] reads them, narrowed also by
    /// state (`open`, `approved`, …) when `filter.state` names one.
    pub async fn proposals_where(
        &self,
        filter: ProposalFilter<'_>,
        after: Option<(i64, &str)>,
        limit: i64,
    ) -> Result<Vec<ProposalRecord>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let (at, id) = after.unwrap_or((i64::MAX, ""));
        let rows = sqlx::query(&format!(
            "{SELECT} WHERE ($1 = '' OR kind = $1) AND ($2 = '' OR interface_id = $2)
             AND (created_at < $3 OR (created_at = $3 AND ($4 = '' OR id < $4)))
             AND ($5 = '' OR state = $5)
             ORDER BY created_at DESC, id DESC LIMIT $6"
        ))
        .bind(filter.kind.unwrap_or(""))
        .bind(filter.interface.unwrap_or(""))
        .bind(at)
        .bind(id)
        .bind(filter.state.unwrap_or(""))
        .bind(limit.clamp(1, MAX_PROPOSAL_PAGE + 1))
        .fetch_all(&mut *conn)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            let mut record = read_row(row)?;
            fill(&mut conn, &mut record).await?;
            out.push(record);
        }
        Ok(out)
    }

    /// Approved or open waivers whose last day is on or before `by`
    /// (`YYYY-MM-DD`) and whose expiry has not been announced yet.
    pub async fn waivers_expiring(&self, by: &str) -> Result<Vec<ProposalRecord>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let rows = sqlx::query(&format!(
            "{SELECT} WHERE kind = 'waiver' AND expiry_announced = 0 AND expires <= $1
             AND state IN ('open', 'approved') ORDER BY expires, id LIMIT {MAX_PROPOSAL_PAGE}"
        ))
        .bind(by)
        .fetch_all(&mut *conn)
        .await?;
        rows.iter().map(read_row).collect()
    }

    /// Marks waiver `id`'s expiry as announced and queues `announce`, in
    /// one transaction; false (nothing queued) when another broker did it
    /// first.
    pub async fn announce_expiry(
        &self,
        id: &str,
        announce: &[Announcement],
        now: i64,
    ) -> Result<bool, StoreError> {
        let (_turn, mut tx) = self.write_tx().await?;
        let r = sqlx::query(
            "UPDATE proposals SET expiry_announced = 1 WHERE id = $1 AND expiry_announced = 0",
        )
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if r.rows_affected() == 0 {
            return Ok(false);
        }
        self.announce(&mut tx, announce, now).await?;
        tx.commit().await?;
        Ok(true)
    }
}
