//! The export: JSON lines, one decision per line in index order (each
//! line exactly the leaf's bytes), then one line `{"checkpoint": NOTE}`
//! with the signed checkpoint of exactly those entries. [`verify_export`]
//! recomputes the tree from the lines and checks it against the signature.

use std::io::{BufRead, Read, Write};

use serde::{Deserialize, Serialize};

use crate::checkpoint::Checkpoint;
use crate::decision::{Decision, MAX_LEAF_BYTES};
use crate::hash::{Hash, leaf_hash};
use crate::note::{MAX_NOTE_BYTES, NoteVerifier};
use crate::tree::RunningRoot;

/// The last line of an export.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Trailer {
    /// The signed checkpoint of the entries above it.
    pub checkpoint: String,
}

/// Writes one entry (its leaf bytes) as a line.
pub fn write_entry(out: &mut impl Write, leaf: &str) -> std::io::Result<()> {
    out.write_all(leaf.as_bytes())?;
    out.write_all(b"\n")
}

/// Writes the closing line with the signed checkpoint.
pub fn write_trailer(out: &mut impl Write, checkpoint_note: &str) -> std::io::Result<()> {
    let line = serde_json::to_string(&Trailer {
        checkpoint: checkpoint_note.to_owned(),
    })
    .map_err(std::io::Error::other)?;
    out.write_all(line.as_bytes())?;
    out.write_all(b"\n")
}

/// What verifying an export found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExportVerdict {
    /// Every entry is there, in order, unchanged, and the log signed them.
    Verified {
        /// The checkpoint the entries match.
        checkpoint: Checkpoint,
    },
    /// Something does not match.
    Failed {
        /// The first line (from 1) found wrong, when one can be named. A
        /// changed entry that still reads as a decision with the right
        /// index shows only as a different tree head, which cannot say
        /// which leaf differs.
        line: Option<u64>,
        /// What is wrong.
        reason: String,
    },
}

fn failed(line: Option<u64>, reason: impl Into<String>) -> ExportVerdict {
    ExportVerdict::Failed {
        line,
        reason: reason.into(),
    }
}

/// Reads one line of at most `limit` bytes (without its newline) into
/// `buf`; `Ok(false)` at the end, an error naming the line when it is too
/// long.
fn read_line(input: &mut impl BufRead, buf: &mut Vec<u8>, limit: usize) -> std::io::Result<bool> {
    buf.clear();
    let n = input
        .by_ref()
        .take(limit as u64 + 2)
        .read_until(b'\n', buf)?;
    if n == 0 {
        return Ok(false);
    }
    if buf.last() == Some(&b'\n') {
        buf.pop();
    }
    Ok(true)
}

/// Verifies an export against the log's public key: every line is a
/// decision in canonical form whose index is its position, the last line
/// is a checkpoint signed by `verifier`, and the entries hash to its tree
/// head with its size. Any mutation, deletion, insertion or reordering of
/// entries fails. An I/O error is the only `Err`.
pub fn verify_export(
    mut input: impl BufRead,
    verifier: &NoteVerifier,
) -> std::io::Result<ExportVerdict> {
    let mut tree = RunningRoot::new();
    let mut buf = Vec::new();
    let mut line_no: u64 = 0;
    let limit = MAX_LEAF_BYTES.max(MAX_NOTE_BYTES + 64);
    let mut trailer: Option<(u64, Trailer)> = None;
    while read_line(&mut input, &mut buf, limit)? {
        line_no += 1;
        if let Some((at, _)) = &trailer {
            return Ok(failed(
                Some(line_no),
                format!("text after the checkpoint line (line {at})"),
            ));
        }
        if buf.starts_with(b"{\"checkpoint\"") {
            match serde_json::from_slice::<Trailer>(&buf) {
                Ok(t) => trailer = Some((line_no, t)),
                Err(e) => return Ok(failed(Some(line_no), format!("bad checkpoint line: {e}"))),
            }
            continue;
        }
        let decision = match Decision::from_leaf(&buf) {
            Ok(d) => d,
            Err(e) => return Ok(failed(Some(line_no), e.to_string())),
        };
        if decision.index != tree.size() {
            return Ok(failed(
                Some(line_no),
                format!(
                    "entry {} where entry {} belongs: an entry was removed, inserted or moved",
                    decision.index,
                    tree.size()
                ),
            ));
        }
        tree.push(leaf_hash(&buf));
    }
    let Some((trailer_line, trailer)) = trailer else {
        return Ok(failed(
            None,
            "no checkpoint line at the end: the export is truncated or not one",
        ));
    };
    let checkpoint = match Checkpoint::open(&trailer.checkpoint, verifier) {
        Ok(c) => c,
        Err(e) => return Ok(failed(Some(trailer_line), e.to_string())),
    };
    if checkpoint.size != tree.size() {
        return Ok(failed(
            Some(trailer_line),
            format!(
                "the export holds {} entries; the signed checkpoint covers {}",
                tree.size(),
                checkpoint.size
            ),
        ));
    }
    let root: Hash = tree.root();
    if root != checkpoint.root {
        return Ok(failed(
            None,
            "the entries do not hash to the signed tree head: an entry was changed",
        ));
    }
    Ok(ExportVerdict::Verified { checkpoint })
}
