//! The decision log's rows: entries (each a decision's leaf bytes) and the
//! hashes of complete subtrees, appended in the transaction of the
//! decision they record; tree heads and proofs read from them. The tree
//! arithmetic is `treaty_log::tree`'s; this module only fetches and writes
//! the subtrees it names.

use std::collections::HashMap;

use sqlx::Row;
use treaty_log::tree::{self, NodeAddr, Span};
use treaty_log::{Actor, Decision, DecisionKind, Hash, leaf_hash};

use crate::store::value_rows;
use crate::write::Serialized;

type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>;
use crate::{Store, StoreError};

/// Most entries one [`Store::log_entries`] call returns.
pub const MAX_LOG_PAGE: u64 = 1_000;

/// A decision to record; the log gives it its index.
#[derive(Debug, Clone)]
pub struct NewDecision {
    /// What was decided.
    pub kind: DecisionKind,
    /// Who decided.
    pub actor: Actor,
    /// What about (`CP-12`, `token:tok_...`).
    pub subject: String,
    /// Why.
    pub reason: String,
    /// Anything else, as JSON.
    pub details: serde_json::Value,
    /// Unix seconds.
    pub at: i64,
}

/// A decision as appended: the record, and the proof that it is in the
/// tree of `tree_size` leaves with head `root` (which the broker signs as
/// a checkpoint).
#[derive(Debug, Clone, PartialEq)]
pub struct AppendedDecision {
    /// The record, with its index.
    pub decision: Decision,
    /// The entry as logged: the record's canonical JSON (its leaf bytes),
    /// kept so that an answer need not serialize the record again.
    pub leaf: String,
    /// Leaves in the tree that includes it (its index + 1 when appended).
    pub tree_size: u64,
    /// That tree's head.
    pub root: Hash,
    /// The inclusion proof of the decision in that tree.
    pub inclusion: Vec<Hash>,
}

/// A tree head read from the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TreeHead {
    /// Leaves.
    pub size: u64,
    /// RFC 6962 `MTH` of them.
    pub root: Hash,
}

/// Subtree hashes fetched for one answer.
struct Fetched(HashMap<NodeAddr, Hash>);

impl tree::SubtreeSource for Fetched {
    fn subtree(&self, addr: NodeAddr) -> Result<Hash, tree::TreeError> {
        self.0.subtree(addr)
    }
}

fn corrupt(row: String, value: String) -> StoreError {
    StoreError::Corrupt {
        table: "log_nodes",
        row,
        field: "hash",
        value,
    }
}

/// A tree question the log cannot answer: a size or index past its end.
fn out_of_range(e: tree::TreeError) -> StoreError {
    match e {
        tree::TreeError::OutOfRange(m) => StoreError::NotFound(m),
        tree::TreeError::Missing(addr) => corrupt(
            format!("level {} index {}", addr.level, addr.index),
            "(missing)".into(),
        ),
    }
}

/// The subtree hashes at `addrs`, in one query; a missing one is left out
/// (and reported by whoever needed it).
async fn fetch(conn: &mut sqlx::AnyConnection, addrs: &[NodeAddr]) -> Result<Fetched, StoreError> {
    let mut map = HashMap::with_capacity(addrs.len());
    let Some(last) = addrs.last() else {
        return Ok(Fetched(map));
    };
    // A few statement shapes (8, 16, 32... parameters, the last key
    // repeated to fill them), so that prepared statements are reused.
    let slots = addrs.len().next_power_of_two().max(8);
    let sql = format!(
        "SELECT id, hash FROM log_nodes WHERE id IN {}",
        value_rows(1, 1, slots)
    );
    let mut query = sqlx::query(&sql);
    for i in 0..slots {
        query = query.bind(addrs.get(i).unwrap_or(last).key());
    }
    for r in query.fetch_all(&mut *conn).await? {
        let id: i64 = r.try_get("id")?;
        let text: String = r.try_get("hash")?;
        let hash =
            treaty_log::hash::from_hex(&text).ok_or_else(|| corrupt(id.to_string(), text))?;
        map.insert(NodeAddr::from_key(id), hash);
    }
    Ok(Fetched(map))
}

async fn size_in(conn: &mut sqlx::AnyConnection) -> Result<u64, StoreError> {
    let row = sqlx::query("SELECT MAX(idx) AS last FROM log_entries")
        .fetch_one(&mut *conn)
        .await?;
    let last: Option<i64> = row.try_get("last")?;
    Ok(last.map_or(0, |l| l as u64 + 1))
}

/// Inserts `rows` into `table` (its name and columns, as SQL) in as few
/// statements as the databases' parameter limits allow, binding `columns`
/// values per row with `bind`.
pub(crate) async fn insert_rows<T>(
    tx: &mut sqlx::AnyConnection,
    table: &str,
    columns: usize,
    rows: impl Iterator<Item = T>,
    bind: impl for<'q> Fn(AnyQuery<'q>, T) -> AnyQuery<'q>,
) -> Result<(), StoreError> {
    // SQLite allows 32,766 parameters in a statement; PostgreSQL 65,535.
    const MAX_PARAMS: usize = 30_000;
    let per_statement = (MAX_PARAMS / columns).max(1);
    let mut rows: Vec<T> = rows.collect();
    while !rows.is_empty() {
        let rest = rows.split_off(per_statement.min(rows.len()));
        let chunk = std::mem::replace(&mut rows, rest);
        let sql = format!(
            "INSERT INTO {table} VALUES {}",
            value_rows(1, chunk.len(), columns)
        );
        let mut query = sqlx::query(&sql);
        for row in chunk {
            query = bind(query, row);
        }
        query.execute(&mut *tx).await?;
    }
    Ok(())
}

impl Store {
    /// Appends a decision to the log in the caller's transaction `tx`, so
    /// that the entry commits or rolls back with the decision itself; see
    /// [`Store::append_decisions`].
    pub(crate) async fn append_decision(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        new: NewDecision,
    ) -> Result<AppendedDecision, StoreError> {
        let mut appended = self.append_decisions(tx, vec![new]).await?;
        appended
            .pop()
            .ok_or_else(|| StoreError::Invalid("no decision appended".into()))
    }

    /// Appends decisions, in order, to the log in the caller's transaction
    /// `tx`; each answer carries its inclusion proof in the tree that ends
    /// with the last of them. Appends from every broker sharing the
    /// database take turns (the log's key of [`Store::serialize_on`]), so
    /// indexes never collide. Take the log's turn last in a transaction
    /// that also takes other keys: a fixed order keeps two transactions
    /// from waiting on each other.
    ///
    /// The statements do not grow with the number of decisions: the log's
    /// size, the complete subtrees left of the first new leaf (its compact
    /// range: every older subtree the new leaves combine with or prove
    /// against is one of them), then the entries and the new subtrees,
    /// each in one insert. So a group of decisions costs about what one
    /// does (see `proposal_batch`).
    pub(crate) async fn append_decisions(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        news: Vec<NewDecision>,
    ) -> Result<Vec<AppendedDecision>, StoreError> {
        if news.is_empty() {
            return Ok(Vec::new());
        }
        self.serialize_on(tx, Serialized::DecisionLog, "decision-log")
            .await?;
        let first = size_in(tx).await?;
        let mut decisions = Vec::with_capacity(news.len());
        let mut leaves = Vec::with_capacity(news.len());
        for (i, new) in news.into_iter().enumerate() {
            let decision = Decision {
                index: first + i as u64,
                at: new.at,
                kind: new.kind,
                actor: new.actor,
                subject: new.subject,
                reason: new.reason,
                details: new.details,
            };
            let leaf = decision
                .to_leaf()
                .map_err(|e| StoreError::Invalid(format!("decision: {e}")))?;
            leaves.push(leaf);
            decisions.push(decision);
        }
        let mut known = fetch(tx, &tree::head_span(first).parts()).await?.0;
        let mut written = Vec::new();
        for (decision, leaf) in decisions.iter().zip(&leaves) {
            let nodes = tree::append(decision.index, leaf_hash(leaf.as_bytes()), &known)
                .map_err(out_of_range)?;
            for (addr, hash) in nodes {
                known.insert(addr, hash);
                written.push((addr, hash));
            }
        }
        insert_rows(
            tx,
            "log_entries (idx, kind, subject, at, leaf)",
            5,
            decisions.iter().zip(&leaves),
            |q, (d, leaf)| {
                let kind = serde_json::to_value(d.kind)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default();
                q.bind(d.index as i64)
                    .bind(kind)
                    .bind(d.subject.clone())
                    .bind(d.at)
                    .bind((*leaf).clone())
            },
        )
        .await?;
        insert_rows(
            tx,
            "log_nodes (id, hash)",
            2,
            written.iter(),
            |q, (addr, hash)| q.bind(addr.key()).bind(treaty_log::hash::to_hex(hash)),
        )
        .await?;
        let tree_size = first + decisions.len() as u64;
        let head = tree::head_span(tree_size);
        let root = head.hash(&known).map_err(out_of_range)?;
        decisions
            .into_iter()
            .zip(leaves)
            .map(|(decision, leaf)| {
                let spans =
                    tree::inclusion_spans(decision.index, tree_size).map_err(out_of_range)?;
                let inclusion = tree::resolve(&spans, &known).map_err(out_of_range)?;
                Ok(AppendedDecision {
                    decision,
                    leaf,
                    tree_size,
                    root,
                    inclusion,
                })
            })
            .collect()
    }

    /// The current tree head.
    pub async fn log_head(&self) -> Result<TreeHead, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let size = size_in(&mut conn).await?;
        let root = tree::head_span(size)
            .hash(&fetch(&mut conn, &tree::head_span(size).parts()).await?)
            .map_err(out_of_range)?;
        Ok(TreeHead { size, root })
    }

    /// The head of the tree of the first `size` entries; not found past
    /// the log's end.
    pub async fn log_head_at(&self, size: u64) -> Result<TreeHead, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let current = size_in(&mut conn).await?;
        if size > current {
            return Err(StoreError::NotFound(format!(
                "a tree of {size} entries (the log has {current})"
            )));
        }
        let span = tree::head_span(size);
        let root = span
            .hash(&fetch(&mut conn, &span.parts()).await?)
            .map_err(out_of_range)?;
        Ok(TreeHead { size, root })
    }

    /// Up to `limit` (at most [`MAX_LOG_PAGE`]) entries from index
    /// `start`, as their leaf bytes, in order.
    pub async fn log_entries(&self, start: u64, limit: u64) -> Result<Vec<String>, StoreError> {
        let rows =
            sqlx::query("SELECT leaf FROM log_entries WHERE idx >= $1 ORDER BY idx LIMIT $2")
                .bind(i64::try_from(start).unwrap_or(i64::MAX))
                .bind(limit.min(MAX_LOG_PAGE) as i64)
                .fetch_all(&self.pool)
                .await?;
        rows.iter()
            .map(|r| r.try_get::<String, _>("leaf").map_err(StoreError::from))
            .collect()
    }

    /// The inclusion proof of entry `index` in the tree of `size` entries.
    /// One query: the proof's subtrees and the entry's own leaf hash (a
    /// tree past the log's end lacks one of them).
    pub async fn log_inclusion(&self, index: u64, size: u64) -> Result<Vec<Hash>, StoreError> {
        let spans = tree::inclusion_spans(index, size).map_err(out_of_range)?;
        let leaf = NodeAddr { level: 0, index };
        self.proof(&spans, leaf, size).await
    }

    /// The consistency proof from the tree of `old` entries to the tree of
    /// `new` entries.
    pub async fn log_consistency(&self, old: u64, new: u64) -> Result<Vec<Hash>, StoreError> {
        let spans = tree::consistency_spans(old, new).map_err(out_of_range)?;
        let last = NodeAddr {
            level: 0,
            index: new.saturating_sub(1),
        };
        self.proof(&spans, last, new).await
    }

    /// The hashes of `spans` of the tree of `size` entries, whose entry
    /// `witness` must exist: stored subtrees are only ever complete ones,
    /// so a tree past the log's end shows as a missing row.
    async fn proof(
        &self,
        spans: &[Span],
        witness: NodeAddr,
        size: u64,
    ) -> Result<Vec<Hash>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let mut addrs = tree::needed(spans);
        if size > 0 {
            addrs.push(witness);
        }
        let fetched = fetch(&mut conn, &addrs).await?;
        let complete = size == 0 || fetched.0.contains_key(&witness);
        match tree::resolve(spans, &fetched) {
            Ok(hashes) if complete => Ok(hashes),
            Ok(_) | Err(tree::TreeError::Missing(_)) => {
                let current = size_in(&mut conn).await?;
                if size > current {
                    Err(StoreError::NotFound(format!(
                        "a tree of {size} entries (the log has {current})"
                    )))
                } else {
                    Err(corrupt(
                        format!("a subtree of the tree of {size} entries"),
                        "(missing)".into(),
                    ))
                }
            }
            Err(e) => Err(out_of_range(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A decision appended in a transaction that rolls back leaves
    /// nothing: no entry, no subtree, the same head.
    #[tokio::test]
    async fn a_rolled_back_decision_leaves_no_trace() -> Result<(), StoreError> {
        let dir = tempfile::tempdir().map_err(|e| StoreError::Invalid(e.to_string()))?;
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        let store = Store::open(&url).await?;
        store.bootstrap(1).await?;
        let before = store.log_head().await?;
        let new = NewDecision {
            kind: DecisionKind::Override,
            actor: Actor {
                team: "admin".into(),
                token_id: None,
            },
            subject: "CP-1".into(),
            reason: "test".into(),
            details: serde_json::json!({}),
            at: 5,
        };
        let (_turn, mut tx) = store.write_tx().await?;
        let appended = store.append_decision(&mut tx, new.clone()).await?;
        assert_eq!(appended.decision.index, before.size);
        tx.rollback().await?;
        drop(_turn);
        assert_eq!(store.log_head().await?, before);
        let (_turn, mut tx) = store.write_tx().await?;
        let again = store.append_decision(&mut tx, new).await?;
        tx.commit().await?;
        assert_eq!(again.decision.index, before.size);
        assert_eq!(store.log_head().await?.root, again.root);
        Ok(())
    }
}
