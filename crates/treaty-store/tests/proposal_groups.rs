//! Proposal updates written in groups (one transaction and one log append
//! for the updates waiting at the same moment), on SQLite and on two
//! brokers sharing PostgreSQL: every acknowledged decision is stored and
//! logged once, each answer's inclusion proof verifies, an update sees the
//! ones before it in its group, a refused update writes nothing and does
//! not disturb the others.

#[allow(dead_code)]
mod common;

use std::collections::{BTreeMap, HashSet};

use common::{on_scratch_postgres, seed_producer, sqlite_file, test_error};
use treaty_store::treaty_log::{Actor, DecisionKind, leaf_hash, verify_inclusion};
use treaty_store::{
    AppendedDecision, NewDecision, NewProposal, ProposalRecord, ProposalUpdate, Store, StoreError,
};

const TEAMS: usize = 6;
const PROPOSALS: usize = 8;

fn team(i: usize) -> String {
    format!("team-{i}")
}

fn proposal(n: usize) -> NewProposal {
    NewProposal {
        kind: "breaking".into(),
        interface: "payments-api".into(),
        proposer: "payments".into(),
        title: format!("change {n}"),
        change_set: format!("sha256:{n:064x}"),
        changes: serde_json::json!([]),
        required: serde_json::json!([]),
        impact: serde_json::json!({}),
        rollback: "redeploy the previous version".into(),
        state: "open".into(),
        ..NewProposal::default()
    }
}

fn entry(kind: DecisionKind, team: &str, subject: &str, at: i64) -> NewDecision {
    NewDecision {
        kind,
        actor: Actor {
            team: team.into(),
            token_id: Some(format!("tok_{team}")),
        },
        subject: subject.into(),
        reason: "reviewed".into(),
        details: serde_json::json!({}),
        at,
    }
}

/// Team `t` approves, unless it already has (then refused, as the server
/// refuses a repeat); the last team's approval moves the proposal to
/// `approved`.
fn approve(
    t: String,
    at: i64,
) -> impl FnOnce(&ProposalRecord) -> Result<ProposalUpdate, StoreError> {
    move |p| {
        if p.decisions.iter().any(|d| d.team == t) {
            return Err(StoreError::Conflict(format!("{t} decided already")));
        }
        let approvals = p.decisions.len() + 1;
        Ok(ProposalUpdate {
            decision: Some(("approve".into(), "reviewed".into())),
            state: if approvals == TEAMS {
                "approved"
            } else {
                "open"
            }
            .into(),
            change_set: None,
            reason: format!("{t} decided: approve"),
            log: entry(DecisionKind::Approval, &t, &p.id, at),
            announce: Vec::new(),
        })
    }
}

async fn set_up(store: &Store) -> Result<Vec<String>, StoreError> {
    store.bootstrap(1).await?;
    seed_producer(store).await?;
    for t in 0..TEAMS {
        store.create_team(&team(t), &team(t), 1).await?;
    }
    let mut ids = Vec::new();
    for n in 0..PROPOSALS {
        let (record, _) = store
            .create_proposal(proposal(n), 2, |id| {
                (
                    entry(DecisionKind::ProposalOpened, "payments", id, 2),
                    Vec::new(),
                )
            })
            .await?;
        ids.push(record.id);
    }
    Ok(ids)
}

/// Every (proposal, team) approval twice over, all at once, spread over
/// `stores`: each pair is acknowledged exactly once and refused once.
async fn decide_at_once(stores: &[Store], ids: &[String]) -> Result<(), StoreError> {
    let before = stores[0].log_head().await?.size;
    let mut tasks = Vec::new();
    for round in 0..2 {
        for (n, id) in ids.iter().enumerate() {
            for t in 0..TEAMS {
                let store = stores[(n + t + round) % stores.len()].clone();
                let id = id.clone();
                let at = 10 + (n * TEAMS + t) as i64;
                tasks.push(tokio::spawn(async move {
                    let answer = store.update_proposal(&id, at, approve(team(t), at)).await;
                    (id, team(t), answer)
                }));
            }
        }
    }
    let mut acknowledged: Vec<(ProposalRecord, AppendedDecision)> = Vec::new();
    let mut refused = 0;
    for task in tasks {
        match task.await.map_err(test_error)? {
            (_, _, Ok(done)) => acknowledged.push(done),
            (_, _, Err(StoreError::Conflict(_))) => refused += 1,
            (id, t, Err(e)) => return Err(test_error(format!("{id} by {t}: {e}"))),
        }
    }
    let pairs = PROPOSALS * TEAMS;
    assert_eq!(acknowledged.len(), pairs, "each approval acknowledged once");
    assert_eq!(refused, pairs, "each repeat refused");
    // The log grew by exactly the acknowledged decisions; each answer's
    // proof leads to its tree's head.
    let after = stores[0].log_head().await?;
    assert_eq!(after.size, before + pairs as u64);
    let mut indexes = HashSet::new();
    let mut sizes = BTreeMap::<u64, usize>::new();
    for (record, logged) in &acknowledged {
        assert!(indexes.insert(logged.decision.index), "one index each");
        *sizes.entry(logged.tree_size).or_default() += 1;
        let leaf = logged.decision.to_leaf().map_err(test_error)?;
        verify_inclusion(
            logged.decision.index,
            logged.tree_size,
            &leaf_hash(leaf.as_bytes()),
            &logged.inclusion,
            &logged.root,
        )
        .map_err(test_error)?;
        let head = stores[0].log_head_at(logged.tree_size).await?;
        assert_eq!(head.root, logged.root);
        let row = record
            .decisions
            .last()
            .ok_or_else(|| test_error("no row"))?;
        assert_eq!(row.log_index as u64, logged.decision.index);
    }
    // Some decisions shared a transaction (one tree size for several
    // answers): without groups every answer has a tree of its own.
    assert!(
        sizes.len() < pairs,
        "no two decisions were written together: {} tree sizes for {pairs} decisions",
        sizes.len()
    );
    // What is stored is what was answered: every team once per proposal,
    // rows numbered in order, approved once all decided.
    for id in ids {
        let stored = stores[0]
            .proposal(id)
            .await?
            .ok_or_else(|| test_error("gone"))?;
        let teams: HashSet<&str> = stored.decisions.iter().map(|d| d.team.as_str()).collect();
        assert_eq!(teams.len(), TEAMS, "{id}: {:?}", stored.decisions);
        assert_eq!(stored.decisions.len(), TEAMS);
        assert_eq!(stored.proposal.state, "approved");
        assert_eq!(stored.transitions.len(), 1, "{id}: open → approved once");
        let logged: HashSet<i64> = stored.decisions.iter().map(|d| d.log_index).collect();
        assert_eq!(logged.len(), TEAMS);
        // Each answer shows the rows as stored, log indexes included, also
        // those of earlier updates of its own group.
        for (record, _) in acknowledged.iter().filter(|(r, _)| r.id == *id) {
            assert_eq!(
                record.decisions[..],
                stored.decisions[..record.decisions.len()],
                "{id}"
            );
            assert_eq!(
                record.transitions[..],
                stored.transitions[..record.transitions.len()],
                "{id}"
            );
        }
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite() -> Result<(), StoreError> {
    let (_dir, url) = sqlite_file()?;
    let store = Store::open(&url).await?;
    let ids = set_up(&store).await?;
    decide_at_once(&[store], &ids).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_brokers_on_postgres() -> Result<(), StoreError> {
    on_scratch_postgres(async |url| {
        let a = Store::open(url).await?;
        let b = Store::open(url).await?;
        let ids = set_up(&a).await?;
        decide_at_once(&[a, b], &ids).await
    })
    .await
}

/// A proposal that does not exist fails its own update only.
#[tokio::test]
async fn an_unknown_proposal_fails_alone() -> Result<(), StoreError> {
    let (_dir, url) = sqlite_file()?;
    let store = Store::open(&url).await?;
    let ids = set_up(&store).await?;
    let (missing, found) = tokio::join!(
        store.update_proposal("cp-999", 5, approve(team(0), 5)),
        store.update_proposal(&ids[0], 5, approve(team(0), 5)),
    );
    assert!(
        matches!(missing, Err(StoreError::NotFound(_))),
        "{missing:?}"
    );
    let (record, _) = found?;
    assert_eq!(record.decisions.len(), 1);
    Ok(())
}
