//! Group commit of proposal updates (decisions, moves, new change sets).
//!
//! Every update ends with an entry in the decision log, and the log is one
//! sequence: its appends cannot run side by side, and each one alone would
//! pay a transaction, a dozen statements and a disk flush. So updates
//! queue here, and whichever request finds the queue's turn free writes
//! every update waiting at that moment in one transaction: the proposals
//! read in three queries, each update decided in order on the proposals as
//! the earlier ones left them, the log entries appended together (one
//! tree, one commit, one flush), and each request answered with its own
//! receipt. While one group is written the next one gathers, so under load
//! groups grow by themselves, and alone a request is written at once.
//!
//! The queue, and the task of its own that writes a group (so that a
//! request that goes away never cancels the others' writes), are
//! `group_commit`'s, shared with the other writes. A group either
//! commits whole or not at all; a database error is answered to all of its
//! requests (an update the server refuses is answered to its request alone
//! and writes nothing).

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use tokio::sync::oneshot;

use crate::decision_log::{AppendedDecision, NewDecision, insert_rows};
use crate::group_commit::{GroupQueue, echo};
use crate::notifications::{NewEvent, webhook_urls};
use crate::proposals::{
    Announcement, DecisionRow, ProposalRecord, ProposalUpdate, TransitionRow, actor_token,
    read_many,
};
use crate::store::value_rows;
use crate::write::Serialized;
use crate::{Store, StoreError};

/// What the server decides for an update, given the proposal as it stands;
/// `None` when it refuses (its reason kept by the caller's closure).
type Decide = Box<dyn FnOnce(&ProposalRecord) -> Option<ProposalUpdate> + Send>;

/// The answer to one queued update: the proposal after it and the log's
/// receipt, `None` when the server refused it.
type Answer = Result<Option<(ProposalRecord, AppendedDecision)>, StoreError>;

/// An update waiting for its group.
pub(crate) struct Queued {
    id: String,
    now: i64,
    decide: Decide,
    answer: oneshot::Sender<Answer>,
}

/// The queue of proposal updates.
pub(crate) type ProposalQueue = GroupQueue<Queued>;

/// One update of a group, decided.
struct Decided {
    id: String,
    now: i64,
    /// Whether it gives the proposal a new change set.
    new_change_set: bool,
    /// Its decision-log entry, until the group's append takes it.
    log: Option<NewDecision>,
    announce: Vec<Announcement>,
    /// The positions of the rows it adds in the proposal's decisions and
    /// transitions.
    decision_seq: Option<usize>,
    transition_seq: Option<usize>,
    /// The proposal right after it, kept only when a later update of the
    /// group changes the same proposal again: the last update's is the
    /// group's working copy itself, so most updates copy nothing.
    after: Option<ProposalRecord>,
}

impl Store {
    /// Changes proposal `id` as `decide` answers, given the proposal as it
    /// stands under its lock: the decision and transition rows, the state,
    /// the change set, the decision-log entry and the announcements, in one
    /// transaction (shared with the updates waiting at the same moment; see
    /// the module's doc). `decide`'s error is answered and nothing is
    /// written for it.
    pub async fn update_proposal<E: From<StoreError> + Send + 'static>(
        &self,
        id: &str,
        now: i64,
        decide: impl FnOnce(&ProposalRecord) -> Result<ProposalUpdate, E> + Send + 'static,
    ) -> Result<(ProposalRecord, AppendedDecision), E> {
        let refusal: Arc<Mutex<Option<E>>> = Arc::new(Mutex::new(None));
        let kept = Arc::clone(&refusal);
        let decide: Decide = Box::new(move |p| match decide(p) {
            Ok(update) => Some(update),
            Err(e) => {
                *kept.lock().unwrap_or_else(|e| e.into_inner()) = Some(e);
                None
            }
        });
        let (answer, answered) = oneshot::channel();
        self.proposal_queue.push(Queued {
            id: id.to_owned(),
            now,
            decide,
            answer,
        });
        match self.wait_for_group(answered).await? {
            Some(done) => Ok(done),
            None => Err(refusal
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .take()
                .unwrap_or_else(|| {
                    StoreError::Invalid(format!("the update of proposal `{id}` was refused")).into()
                })),
        }
    }

    /// Waits for the answer, writing the group waiting when the turn
    /// comes first (see [`GroupQueue::wait`]).
    async fn wait_for_group(&self, answered: oneshot::Receiver<Answer>) -> Answer {
        let store = self.clone();
        let write = move |group| {
            let store = store.clone();
            async move { store.write_group(group).await }
        };
        let lost = || Err(StoreError::Busy("the proposal's group of updates".into()));
        self.proposal_queue.wait(answered, write, lost).await
    }

    /// Writes `group` in one transaction and answers each of its updates.
    async fn write_group(&self, group: Vec<Queued>) {
        let mut done = Vec::with_capacity(group.len());
        let mut pending = Vec::new();
        if let Err(e) = self.decide_and_write(group, &mut done, &mut pending).await {
            // The transaction rolled back: every update of the group that
            // was to be written fails alike.
            for answer in pending {
                let _ = answer.send(Err(echo(&e, "the proposal")));
            }
        }
        for (answer, result) in done {
            let _ = answer.send(result);
        }
    }

    /// Decides and writes the group. What is settled goes to `done`
    /// (refusals, proposals not found and, once committed, the written
    /// updates); the updates to write wait in `pending` until then.
    async fn decide_and_write(
        &self,
        group: Vec<Queued>,
        done: &mut Vec<(oneshot::Sender<Answer>, Answer)>,
        pending: &mut Vec<oneshot::Sender<Answer>>,
    ) -> Result<(), StoreError> {
        let (_turn, mut tx) = self.write_tx().await?;
        let mut ids: Vec<&str> = group.iter().map(|q| q.id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        self.serialize_on_each(&mut tx, Serialized::Proposals, &ids)
            .await?;
        let mut current = read_many(&mut tx, &ids).await?;
        let mut decided: Vec<Decided> = Vec::new();
        // Each proposal's latest update in `decided`.
        let mut latest: HashMap<String, usize> = HashMap::new();
        for q in group {
            let Some(record) = current.get_mut(&q.id) else {
                let missing = Err(StoreError::NotFound(format!("proposal `{}`", q.id)));
                done.push((q.answer, missing));
                continue;
            };
            let Some(update) = (q.decide)(record) else {
                done.push((q.answer, Ok(None)));
                continue;
            };
            if let Some(&earlier) = latest.get(&q.id) {
                decided[earlier].after = Some(record.clone());
            }
            let (decision_seq, transition_seq) = apply(record, &update, q.now);
            latest.insert(q.id.clone(), decided.len());
            pending.push(q.answer);
            decided.push(Decided {
                id: q.id,
                now: q.now,
                new_change_set: update.change_set.is_some(),
                log: Some(update.log),
                announce: update.announce,
                decision_seq,
                transition_seq,
                after: None,
            });
        }
        if decided.is_empty() {
            tx.rollback().await?;
            return Ok(());
        }
        update_proposals(&mut tx, &current, &decided, &latest).await?;
        // Every team told, looked up once; an event queued for each with a
        // webhook.
        let mut told: Vec<&str> = decided
            .iter()
            .flat_map(|d| d.announce.iter().map(|a| a.team.as_str()))
            .collect();
        told.sort_unstable();
        told.dedup();
        if !told.is_empty() {
            let urls = webhook_urls(&mut tx, &told).await?;
            for d in &decided {
                for a in &d.announce {
                    let url = match urls.get(&a.team) {
                        None => return Err(StoreError::NotFound(format!("team `{}`", a.team))),
                        Some(None) => continue,
                        Some(Some(url)) => url,
                    };
                    let event = NewEvent {
                        event_type: a.event_type,
                        text: &a.text,
                        data: a.data.clone(),
                    };
                    self.queue_to(&mut tx, &a.team, url, &event, d.now).await?;
                }
            }
        }
        // The log's turn last, held to the commit.
        let logs: Vec<NewDecision> = decided.iter_mut().filter_map(|d| d.log.take()).collect();
        let logged = self.append_decisions(&mut tx, logs).await?;
        if logged.len() != decided.len() {
            return Err(StoreError::Invalid(
                "the log appended another number of entries than the group's".into(),
            ));
        }
        // Every row the group adds gets its log index, in every copy of its
        // proposal that holds it (a later update's answer shows the earlier
        // rows of its group too).
        let mut indexes: HashMap<String, Vec<NewRows>> = HashMap::new();
        for (d, l) in decided.iter().zip(&logged) {
            let rows = indexes.entry(d.id.clone()).or_default();
            rows.push(NewRows {
                decision: d.decision_seq,
                transition: d.transition_seq,
                log_index: i64::try_from(l.decision.index).unwrap_or(i64::MAX),
            });
        }
        let mut records = Vec::with_capacity(decided.len());
        for d in &mut decided {
            let mut record = match d.after.take() {
                Some(kept) => kept,
                None => current.remove(&d.id).ok_or_else(|| left(&d.id))?,
            };
            if let Some(rows) = indexes.get(d.id.as_str()) {
                fill_log_indexes(&mut record, rows);
            }
            records.push(record);
        }
        insert_rows(
            &mut tx,
            "proposal_decisions (proposal_id, seq, team_id, decision, change_set, reason, token_id, at, log_index)",
            9,
            decided.iter().zip(&records).filter_map(|(d, r)| {
                let seq = d.decision_seq?;
                Some((r.id.as_str(), seq, r.decisions.get(seq)?))
            }),
            |q, (id, seq, row)| {
                q.bind(id.to_owned())
                    .bind(i64::try_from(seq).unwrap_or(i64::MAX))
                    .bind(row.team.clone())
                    .bind(row.decision.clone())
                    .bind(row.change_set.clone())
                    .bind(row.reason.clone())
                    .bind(row.token_id.clone())
                    .bind(row.at)
                    .bind(row.log_index)
            },
        )
        .await?;
        insert_rows(
            &mut tx,
            "proposal_transitions (proposal_id, seq, from_state, to_state, change_set, team_id, token_id, reason, at, log_index)",
            10,
            decided.iter().zip(&records).filter_map(|(d, r)| {
                let seq = d.transition_seq?;
                Some((r.id.as_str(), seq, r.transitions.get(seq)?))
            }),
            |q, (id, seq, row)| {
                q.bind(id.to_owned())
                    .bind(i64::try_from(seq).unwrap_or(i64::MAX))
                    .bind(row.from.clone())
                    .bind(row.to.clone())
                    .bind(row.change_set.clone())
                    .bind(row.team.clone())
                    .bind(row.token_id.clone())
                    .bind(row.reason.clone())
                    .bind(row.at)
                    .bind(row.log_index)
            },
        )
        .await?;
        tx.commit().await?;
        let answers = std::mem::take(pending);
        for ((record, logged), answer) in records.into_iter().zip(logged).zip(answers) {
            done.push((answer, Ok(Some((record, logged)))));
        }
        Ok(())
    }
}

/// Every proposal as the group leaves it, in one statement; a second
/// one only for proposals given a new change set, the only updates
/// that change its changes, approvals asked and impact (which would
/// otherwise be serialized and sent back for every decision).
async fn update_proposals(
    tx: &mut sqlx::AnyConnection,
    current: &HashMap<String, ProposalRecord>,
    decided: &[Decided],
    latest: &HashMap<String, usize>,
) -> Result<(), StoreError> {
    let new_change_sets: HashSet<&str> = decided
        .iter()
        .filter(|d| d.new_change_set)
        .map(|d| d.id.as_str())
        .collect();
    let mut changed: Vec<(&str, bool, i64)> = latest
        .iter()
        .map(|(id, &last)| {
            (
                id.as_str(),
                new_change_sets.contains(id.as_str()),
                decided[last].now,
            )
        })
        .collect();
    changed.sort_unstable();
    let (reset, kept): (Vec<_>, Vec<_>) = changed.into_iter().partition(|c| c.1);
    if !kept.is_empty() {
        // VALUES' columns are `column1`... on both databases.
        let sql = format!(
            "UPDATE proposals SET state = v.column2, updated_at = v.column3
             FROM (VALUES {}) AS v WHERE proposals.id = v.column1",
            value_rows(1, kept.len(), 3)
        );
        let mut query = sqlx::query(&sql);
        for (id, _, at) in kept {
            let last = current.get(id).ok_or_else(|| left(id))?;
            query = query
                .bind(id.to_owned())
                .bind(last.proposal.state.clone())
                .bind(at);
        }
        query.execute(&mut *tx).await?;
    }
    if !reset.is_empty() {
        let sql = format!(
            "UPDATE proposals SET change_set = v.column2, changes = v.column3, required = v.column4, impact = v.column5, state = v.column6, updated_at = v.column7
             FROM (VALUES {}) AS v WHERE proposals.id = v.column1",
            value_rows(1, reset.len(), 7)
        );
        let mut query = sqlx::query(&sql);
        for (id, _, at) in reset {
            let last = current.get(id).ok_or_else(|| left(id))?;
            query = query
                .bind(id.to_owned())
                .bind(last.proposal.change_set.clone())
                .bind(last.proposal.changes.to_string())
                .bind(last.proposal.required.to_string())
                .bind(last.proposal.impact.to_string())
                .bind(last.proposal.state.clone())
                .bind(at);
        }
        query.execute(&mut *tx).await?;
    }
    Ok(())
}

/// Applies `update` at `now` to `record`, as the rows written for it will
/// read back (a new row's log index is filled in once the log has given
/// it); answers the positions of the decision and transition rows it adds.
fn apply(
    record: &mut ProposalRecord,
    update: &ProposalUpdate,
    now: i64,
) -> (Option<usize>, Option<usize>) {
    let from = (update.state != record.proposal.state || update.change_set.is_some())
        .then(|| record.proposal.state.clone());
    if let Some((hash, changes, required, impact)) = &update.change_set {
        record.proposal.change_set = hash.clone();
        record.proposal.changes = changes.clone();
        record.proposal.required = required.clone();
        record.proposal.impact = impact.clone();
    }
    let team = &update.log.actor.team;
    let token = actor_token(&update.log.actor);
    let mut decision_seq = None;
    if let Some((decision, reason)) = &update.decision {
        decision_seq = Some(record.decisions.len());
        record.decisions.push(DecisionRow {
            team: team.clone(),
            decision: decision.clone(),
            change_set: record.proposal.change_set.clone(),
            reason: reason.clone(),
            token_id: token.clone(),
            at: now,
            log_index: 0,
        });
    }
    let mut transition_seq = None;
    if let Some(from) = from {
        transition_seq = Some(record.transitions.len());
        record.transitions.push(TransitionRow {
            from,
            to: update.state.clone(),
            change_set: record.proposal.change_set.clone(),
            team: team.clone(),
            token_id: token,
            reason: update.reason.clone(),
            at: now,
            log_index: 0,
        });
    }
    record.proposal.state.clone_from(&update.state);
    record.updated_at = now;
    (decision_seq, transition_seq)
}

/// The rows one update added to its proposal, by position, and the log
/// index they record.
struct NewRows {
    decision: Option<usize>,
    transition: Option<usize>,
    log_index: i64,
}

/// Sets the log index of each of `rows` that `record` holds (a copy taken
/// before a later update lacks that update's rows).
fn fill_log_indexes(record: &mut ProposalRecord, rows: &[NewRows]) {
    for new in rows {
        if let Some(row) = new.decision.and_then(|s| record.decisions.get_mut(s)) {
            row.log_index = new.log_index;
        }
        if let Some(row) = new.transition.and_then(|s| record.transitions.get_mut(s)) {
            row.log_index = new.log_index;
        }
    }
}

/// A proposal the group decided on but no longer holds: a bug, answered
/// to the group's requests rather than written.
fn left(id: &str) -> StoreError {
    StoreError::Invalid(format!("proposal `{id}` left its group"))
}
