//! The decision log on the wire: pages of entries, proofs (hashes in
//! standard base64, as in checkpoints), and the receipt a write that
//! records a decision answers with.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// A page of log entries: `GET /api/v1/log/entries`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct LogEntries {
    /// The index of the first entry of this page.
    pub start: u64,
    /// Each entry's leaf: the decision's canonical JSON, exactly the bytes
    /// the tree hashes (keys in a fixed order, no whitespace).
    pub entries: Vec<String>,
    /// Where the next page starts; absent when this page reaches the end
    /// of the log as it was when read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<u64>,
}

/// Which entries: `start` (default 0) and `limit` (default 100, at most
/// 1000).
#[derive(Debug, Clone, Serialize, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct LogEntriesQuery {
    /// The index of the first entry.
    pub start: Option<u64>,
    /// Entries at most.
    pub limit: Option<u64>,
}

/// Which inclusion proof: entry `index` in the tree of `size` entries.
#[derive(Debug, Clone, Serialize, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct InclusionQuery {
    /// The entry's index.
    pub index: u64,
    /// The tree's size (a checkpoint's); the current size if absent.
    pub size: Option<u64>,
}

/// Which consistency proof: from the tree of `from` entries to the tree of
/// `to` entries.
#[derive(Debug, Clone, Serialize, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ConsistencyQuery {
    /// The older tree's size.
    pub from: u64,
    /// The newer tree's size; the current size if absent.
    pub to: Option<u64>,
}

/// An inclusion proof (RFC 9162 section 2.1.3).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct InclusionProof {
    /// The entry's index.
    pub index: u64,
    /// The tree's size.
    pub tree_size: u64,
    /// The proof's hashes, base64, deepest first.
    pub hashes: Vec<String>,
}

/// A consistency proof (RFC 9162 section 2.1.4).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ConsistencyProof {
    /// The older tree's size.
    pub from: u64,
    /// The newer tree's size.
    pub to: u64,
    /// The proof's hashes, base64.
    pub hashes: Vec<String>,
}

/// Where a decision landed in the log: its index, the tree that includes
/// it, the inclusion proof, and that tree's signed checkpoint. With the
/// broker's verifier key, a client can check all of it offline.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct LogReceipt {
    /// The decision's index in the log.
    pub index: u64,
    /// The size of the tree the proof and checkpoint are for.
    pub tree_size: u64,
    /// The decision's leaf: its canonical JSON.
    pub entry: String,
    /// The inclusion proof's hashes, base64, deepest first.
    pub inclusion: Vec<String>,
    /// The signed checkpoint (C2SP `tlog-checkpoint` in a `signed-note`).
    pub checkpoint: String,
}
