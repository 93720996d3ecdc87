//! Treaty's tamper-evident decision log, as pure logic: an append-only
//! Merkle tree exactly as RFC 6962 / RFC 9162 define it (SHA-256, leaf
//! and node hashes domain-separated), its tree heads, inclusion and
//! consistency proofs and their verification; checkpoints in the C2SP
//! `tlog-checkpoint` format signed as C2SP `signed-note`s with Ed25519, so
//! that existing transparency-log tools read them; the decision record a
//! leaf holds; and the export format with its offline verifier.
//!
//! It is not a store and reads no clock, file or randomness: `tree` says
//! which stored subtree hashes an answer needs and builds the answer from
//! them, so a store keeps one hash per complete subtree, writes O(log n)
//! of them per append and reads O(log n) per proof; times and key seeds
//! are passed in.

#![warn(missing_docs)]

pub mod checkpoint;
pub mod decision;
pub mod export;
pub mod hash;
pub mod note;
pub mod tree;
pub mod verify;

pub use checkpoint::{Checkpoint, CheckpointError};
pub use decision::{Actor, Decision, DecisionError, DecisionKind};
pub use export::{ExportVerdict, verify_export};
pub use hash::{Hash, empty_root, leaf_hash, node_hash};
pub use note::{NoteError, NoteSigner, NoteVerifier};
pub use tree::{NodeAddr, Span, SubtreeSource, TreeError};
pub use verify::{ProofError, verify_consistency, verify_inclusion};
