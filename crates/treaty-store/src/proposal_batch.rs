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
//! The group is written by a task of its own, so a request that goes away
//! (its client hung up) never cancels the others' writes. A group either
//! commits whole or not at all; a database error is answered to all of its
//! requests (an update the server refuses is answered to its request alone
//! and writes nothing).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::oneshot;

use crate::decision_log::{AppendedDecision, insert_rows};
use crate::notifications::{NewEvent, webhook_urls};
use crate::proposals::{
    DecisionRow, ProposalRecord, ProposalUpdate, TransitionRow, actor_token, read_many,
};
use crate::store::value_rows;
use crate::write::Serialized;
use crate::{Store, StoreError};

/// Most updates written in one transaction; the rest wait for the next.
const MAX_GROUP: usize = 256;

/// What the server decides for an update, given the proposal as it stands;
/// `None` when it refuses (its reason kept by the caller's closure).
type Decide = Box<dyn FnOnce(&ProposalRecord) -> Option<ProposalUpdate> + Send>;

/// The answer to one queued update: the proposal after it and the log's
/// receipt, `None` when the server refused it.
type Answer = Result<Option<(ProposalRecord, AppendedDecision)>, StoreError>;

/// An update waiting for its group.
struct Queued {
    id: String,
    now: i64,
    decide: Decide,
    answer: oneshot::Sender<Answer>,
}

/// The queue of proposal updates and the turn to write them.
#[derive(Default)]
pub(crate) struct ProposalQueue {
    waiting: Mutex<Vec<Queued>>,
    turn: Arc<tokio::sync::Mutex<()>>,
}

impl std::fmt::Debug for ProposalQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProposalQueue").finish_non_exhaustive()
    }
}

impl ProposalQueue {
    fn waiting(&self) -> std::sync::MutexGuard<'_, Vec<Queued>> {
        // Nothing panics while the lock is held (a push, a drain).
        self.waiting.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// One update of a group, decided.
struct Decided {
    update: ProposalUpdate,
    /// The proposal right after this update (its new rows' log indexes
    /// filled in once the log has given them).
    after: ProposalRecord,
    /// Whether it adds a decision row and a transition row.
    decision_row: bool,
    transition_row: bool,
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
        self.proposal_queue.waiting().push(Queued {
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

    /// Waits for the answer; when the turn comes first, writes the group
    /// waiting then (this request's update is in it, or was in one just
    /// written) in a task of its own.
    async fn wait_for_group(&self, mut answered: oneshot::Receiver<Answer>) -> Answer {
        loop {
            tokio::select! {
                biased;
                answer = &mut answered => {
                    return answer.unwrap_or_else(|_| {
                        Err(StoreError::Busy("the proposal's group of updates".into()))
                    });
                }
                turn = Arc::clone(&self.proposal_queue.turn).lock_owned() => {
                    let group: Vec<Queued> = {
                        let mut waiting = self.proposal_queue.waiting();
                        let n = waiting.len().min(MAX_GROUP);
                        waiting.drain(..n).collect()
                    };
                    if group.is_empty() {
                        continue;
                    }
                    let store = self.clone();
                    let writing = tokio::spawn(async move {
                        store.write_group(group).await;
                        drop(turn);
                    });
                    // A panic drops the group's senders: answered above.
                    let _ = writing.await;
                }
            }
        }
    }

    /// Writes `group` in one transaction and answers each of its updates.
    async fn write_group(&self, group: Vec<Queued>) {
        let mut done = Vec::with_capacity(group.len());
        let mut pending = Vec::new();
        if let Err(e) = self.decide_and_write(group, &mut done, &mut pending).await {
            // The transaction rolled back: every update of the group that
            // was to be written fails alike.
            for answer in pending {
                let _ = answer.send(Err(echo(&e)));
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
        let mut decided = Vec::new();
        let mut now_of: HashMap<String, i64> = HashMap::new();
        for q in group {
            let Some(before) = current.get(&q.id) else {
                let missing = Err(StoreError::NotFound(format!("proposal `{}`", q.id)));
                done.push((q.answer, missing));
                continue;
            };
            let Some(update) = (q.decide)(before) else {
                done.push((q.answer, Ok(None)));
                continue;
            };
            let after = apply(before, &update, q.now);
            let decision_row = update.decision.is_some();
            let transition_row =
                update.state != before.proposal.state || update.change_set.is_some();
            current.insert(q.id.clone(), after.clone());
            now_of.insert(q.id, q.now);
            pending.push(q.answer);
            decided.push(Decided {
                update,
                after,
                decision_row,
                transition_row,
            });
        }
        if decided.is_empty() {
            tx.rollback().await?;
            return Ok(());
        }
        // Every proposal as the group leaves it, in one statement.
        let mut changed: Vec<(&String, &i64)> = now_of.iter().collect();
        changed.sort_unstable();
        // VALUES' columns are `column1`... on both databases.
        let sql = format!(
            "UPDATE proposals SET change_set = v.column2, changes = v.column3, required = v.column4, impact = v.column5, state = v.column6, updated_at = v.column7
             FROM (VALUES {}) AS v WHERE proposals.id = v.column1",
            value_rows(1, changed.len(), 7)
        );
        let mut query = sqlx::query(&sql);
        for (id, at) in changed {
            let last = &current[id];
            query = query
                .bind(id.clone())
                .bind(last.proposal.change_set.clone())
                .bind(last.proposal.changes.to_string())
                .bind(last.proposal.required.to_string())
                .bind(last.proposal.impact.to_string())
                .bind(last.proposal.state.clone())
                .bind(*at);
        }
        query.execute(&mut *tx).await?;
        // Every team told, looked up once; an event queued for each with a
        // webhook.
        let mut told: Vec<&str> = decided
            .iter()
            .flat_map(|d| d.update.announce.iter().map(|a| a.team.as_str()))
            .collect();
        told.sort_unstable();
        told.dedup();
        let urls = webhook_urls(&mut tx, &told).await?;
        for d in &decided {
            for a in &d.update.announce {
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
                self.queue_to(&mut tx, &a.team, url, &event, d.after.updated_at)
                    .await?;
            }
        }
        // The log's turn last, held to the commit.
        let logs = decided.iter().map(|d| d.update.log.clone()).collect();
        let logged = self.append_decisions(&mut tx, logs).await?;
        for (d, l) in decided.iter_mut().zip(&logged) {
            let index = i64::try_from(l.decision.index).unwrap_or(i64::MAX);
            if d.decision_row
                && let Some(row) = d.after.decisions.last_mut()
            {
                row.log_index = index;
            }
            if d.transition_row
                && let Some(row) = d.after.transitions.last_mut()
            {
                row.log_index = index;
            }
        }
        insert_rows(
            &mut tx,
            "proposal_decisions (proposal_id, seq, team_id, decision, change_set, reason, token_id, at, log_index)",
            9,
            decided.iter().filter(|d| d.decision_row).filter_map(|d| {
                let seq = d.after.decisions.len().checked_sub(1)?;
                Some((d.after.id.clone(), seq, d.after.decisions.last()?.clone()))
            }),
            |q, (id, seq, row)| {
                q.bind(id)
                    .bind(i64::try_from(seq).unwrap_or(i64::MAX))
                    .bind(row.team)
                    .bind(row.decision)
                    .bind(row.change_set)
                    .bind(row.reason)
                    .bind(row.token_id)
                    .bind(row.at)
                    .bind(row.log_index)
            },
        )
        .await?;
        insert_rows(
            &mut tx,
            "proposal_transitions (proposal_id, seq, from_state, to_state, change_set, team_id, token_id, reason, at, log_index)",
            10,
            decided.iter().filter(|d| d.transition_row).filter_map(|d| {
                let seq = d.after.transitions.len().checked_sub(1)?;
                Some((d.after.id.clone(), seq, d.after.transitions.last()?.clone()))
            }),
            |q, (id, seq, row)| {
                q.bind(id)
                    .bind(i64::try_from(seq).unwrap_or(i64::MAX))
                    .bind(row.from)
                    .bind(row.to)
                    .bind(row.change_set)
                    .bind(row.team)
                    .bind(row.token_id)
                    .bind(row.reason)
                    .bind(row.at)
                    .bind(row.log_index)
            },
        )
        .await?;
        tx.commit().await?;
        let answers = std::mem::take(pending);
        for ((d, logged), answer) in decided.into_iter().zip(logged).zip(answers) {
            done.push((answer, Ok(Some((d.after, logged)))));
        }
        Ok(())
    }
}

/// `current` after `update` at `now`, as the rows written for it will read
/// back (a new row's log index is filled in once the log has given it).
fn apply(current: &ProposalRecord, update: &ProposalUpdate, now: i64) -> ProposalRecord {
    let mut after = current.clone();
    if let Some((hash, changes, required, impact)) = &update.change_set {
        after.proposal.change_set = hash.clone();
        after.proposal.changes = changes.clone();
        after.proposal.required = required.clone();
        after.proposal.impact = impact.clone();
    }
    let team = &update.log.actor.team;
    let token = actor_token(&update.log.actor);
    if let Some((decision, reason)) = &update.decision {
        after.decisions.push(DecisionRow {
            team: team.clone(),
            decision: decision.clone(),
            change_set: after.proposal.change_set.clone(),
            reason: reason.clone(),
            token_id: token.clone(),
            at: now,
            log_index: 0,
        });
    }
    if update.state != current.proposal.state || update.change_set.is_some() {
        after.transitions.push(TransitionRow {
            from: current.proposal.state.clone(),
            to: update.state.clone(),
            change_set: after.proposal.change_set.clone(),
            team: team.clone(),
            token_id: token,
            reason: update.reason.clone(),
            at: now,
            log_index: 0,
        });
    }
    after.proposal.state = update.state.clone();
    after.updated_at = now;
    after
}

/// The same failure, for each update of a group that failed together.
fn echo(e: &StoreError) -> StoreError {
    if e.is_retryable() {
        StoreError::Busy("the proposal".into())
    } else {
        StoreError::Database(sqlx::Error::Protocol(e.to_string()))
    }
}
