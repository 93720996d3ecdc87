//! Checking proofs without the tree: RFC 9162 sections 2.1.3.2
//! (inclusion) and 2.1.4.2 (consistency), step by step.

use crate::hash::{Hash, node_hash};

/// Why a proof does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    /// The sizes or index cannot go together.
    #[error("{0}")]
    BadSizes(String),
    /// The proof has the wrong number of hashes for its sizes.
    #[error("the proof has {got} hashes; a proof for these sizes has {want}")]
    WrongLength {
        /// Hashes in the proof.
        got: usize,
        /// Hashes it should have.
        want: usize,
    },
    /// The hashes do not lead to the given root(s).
    #[error("the proof does not lead to the {0}")]
    Mismatch(&'static str),
}

/// Verifies that `leaf` (a leaf hash) is leaf number `index` of the tree
/// of `size` leaves whose head is `root` (RFC 9162 2.1.3.2).
pub fn verify_inclusion(
    index: u64,
    size: u64,
    leaf: &Hash,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), ProofError> {
    if index >= size {
        return Err(ProofError::BadSizes(format!(
            "leaf {index} is not in a tree of {size} leaves"
        )));
    }
    let (mut fnode, mut snode) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if snode == 0 {
            return Err(ProofError::WrongLength {
                got: proof.len(),
                want: inclusion_len(index, size),
            });
        }
        if fnode & 1 == 1 || fnode == snode {
            r = node_hash(p, &r);
            if fnode & 1 == 0 {
                while fnode & 1 == 0 && fnode != 0 {
                    fnode >>= 1;
                    snode >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    if snode != 0 {
        return Err(ProofError::WrongLength {
            got: proof.len(),
            want: inclusion_len(index, size),
        });
    }
    if &r != root {
        return Err(ProofError::Mismatch("tree head"));
    }
    Ok(())
}

/// How many hashes an inclusion proof has (for messages).
fn inclusion_len(index: u64, size: u64) -> usize {
    crate::tree::inclusion_spans(index, size).map_or(0, |s| s.len())
}

/// Verifies that the tree of `old` leaves with head `old_root` is a prefix
/// of the tree of `new` leaves with head `new_root` (RFC 9162 2.1.4.2).
pub fn verify_consistency(
    old: u64,
    new: u64,
    proof: &[Hash],
    old_root: &Hash,
    new_root: &Hash,
) -> Result<(), ProofError> {
    if old > new {
        return Err(ProofError::BadSizes(format!(
            "the old tree ({old} leaves) is larger than the new one ({new})"
        )));
    }
    if old == new || old == 0 {
        if !proof.is_empty() {
            return Err(ProofError::WrongLength {
                got: proof.len(),
                want: 0,
            });
        }
        // Any tree extends the empty one; a tree is consistent with itself
        // only when the heads are equal.
        if old == new && old_root != new_root {
            return Err(ProofError::Mismatch("same-size tree heads (they differ)"));
        }
        return Ok(());
    }
    let want = crate::tree::consistency_spans(old, new).map_or(0, |s| s.len());
    if proof.is_empty() {
        return Err(ProofError::WrongLength { got: 0, want });
    }
    // Step 2: when `old` is a power of two its head is the path's start.
    let mut path: Vec<&Hash> = Vec::with_capacity(proof.len() + 1);
    if old.is_power_of_two() {
        path.push(old_root);
    }
    path.extend(proof.iter());
    let (mut fnode, mut snode) = (old - 1, new - 1);
    while fnode & 1 == 1 {
        fnode >>= 1;
        snode >>= 1;
    }
    let (mut fr, mut sr) = (*path[0], *path[0]);
    for c in &path[1..] {
        if snode == 0 {
            return Err(ProofError::WrongLength {
                got: proof.len(),
                want,
            });
        }
        if fnode & 1 == 1 || fnode == snode {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if fnode & 1 == 0 {
                while fnode & 1 == 0 && fnode != 0 {
                    fnode >>= 1;
                    snode >>= 1;
                }
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    if snode != 0 {
        return Err(ProofError::WrongLength {
            got: proof.len(),
            want,
        });
    }
    if &fr != old_root {
        return Err(ProofError::Mismatch("old tree head"));
    }
    if &sr != new_root {
        return Err(ProofError::Mismatch("new tree head"));
    }
    Ok(())
}
