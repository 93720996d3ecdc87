//! The tree's shape, in terms of stored subtrees. A store keeps the hash
//! of every complete subtree, addressed by [`NodeAddr`] (level, index);
//! everything else — a tree head, a proof's elements — is a fold of a few
//! of them. Functions here say which addresses are needed (so that a store
//! fetches them in one read) and build the answer from what was fetched.
//!
//! The recursion is RFC 6962 section 2.1 with `MTH(D[a:b])` kept symbolic
//! as a [`Span`] until the hashes are known.

use std::collections::HashMap;

use crate::hash::{Hash, empty_root, node_hash};

/// A complete subtree: the `index`-th run of `2^level` leaves, covering
/// leaves `index << level` up to (not including) `(index + 1) << level`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeAddr {
    /// 0 for a leaf; a subtree of `2^level` leaves.
    pub level: u8,
    /// Its position among the subtrees of that level.
    pub index: u64,
}

impl NodeAddr {
    /// One integer per address, `level << 56 | index`, for a store's key
    /// column (indexes stay below 2^56, far beyond any log).
    pub fn key(self) -> i64 {
        ((u64::from(self.level) << 56) | self.index) as i64
    }

    /// The address a [`NodeAddr::key`] was made from.
    pub fn from_key(key: i64) -> NodeAddr {
        let key = key as u64;
        NodeAddr {
            level: (key >> 56) as u8,
            index: key & ((1 << 56) - 1),
        }
    }
}

/// The leaves `start..end` as RFC 6962 arranges them into one subtree:
/// `MTH(D[start:end])`. Its hash folds [`Span::parts`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// First leaf.
    pub start: u64,
    /// One past the last leaf.
    pub end: u64,
}

/// Why a tree question cannot be answered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TreeError {
    /// A leaf past the end of the tree, or a tree size past the log's.
    #[error("{0}")]
    OutOfRange(String),
    /// The source did not have a subtree the answer needs (a store that
    /// lost rows).
    #[error("the hash of subtree (level {}, index {}) is missing", .0.level, .0.index)]
    Missing(NodeAddr),
}

/// Most leaves a tree may have: addresses keep the index in 56 bits (see
/// [`NodeAddr::key`]).
pub const MAX_TREE_SIZE: u64 = (1 << 56) - 1;

fn check_size(size: u64) -> Result<(), TreeError> {
    if size > MAX_TREE_SIZE {
        return Err(TreeError::OutOfRange(format!(
            "a tree of {size} leaves is larger than any log ({MAX_TREE_SIZE})"
        )));
    }
    Ok(())
}

/// The largest power of two smaller than `n` (n > 1).
fn split(n: u64) -> u64 {
    1 << (63 - (n - 1).leading_zeros())
}

impl Span {
    /// The complete subtrees whose right fold is this span's hash, largest
    /// first. Spans from the RFC's recursion always split so that the left
    /// part is complete.
    pub fn parts(self) -> Vec<NodeAddr> {
        let mut out = Vec::new();
        let (mut start, end) = (self.start, self.end);
        while start < end {
            let n = end - start;
            if n.is_power_of_two() && start % n == 0 {
                out.push(NodeAddr {
                    level: n.trailing_zeros() as u8,
                    index: start >> n.trailing_zeros(),
                });
                break;
            }
            let k = split(n);
            out.push(NodeAddr {
                level: k.trailing_zeros() as u8,
                index: start >> k.trailing_zeros(),
            });
            start += k;
        }
        out
    }

    /// This span's hash from its parts' hashes.
    pub fn hash(self, source: &impl SubtreeSource) -> Result<Hash, TreeError> {
        let parts = self.parts();
        let mut iter = parts.iter().rev();
        let Some(last) = iter.next() else {
            return Ok(empty_root());
        };
        let mut h = source.subtree(*last)?;
        for part in iter {
            h = node_hash(&source.subtree(*part)?, &h);
        }
        Ok(h)
    }
}

/// Where subtree hashes come from: a store's rows fetched in advance, or a
/// map in memory.
pub trait SubtreeSource {
    /// The hash of a complete subtree, or [`TreeError::Missing`].
    fn subtree(&self, addr: NodeAddr) -> Result<Hash, TreeError>;
}

impl SubtreeSource for HashMap<NodeAddr, Hash> {
    fn subtree(&self, addr: NodeAddr) -> Result<Hash, TreeError> {
        self.get(&addr).copied().ok_or(TreeError::Missing(addr))
    }
}

/// Every subtree address the spans need, each once, in order.
pub fn needed(spans: &[Span]) -> Vec<NodeAddr> {
    let mut out: Vec<NodeAddr> = spans.iter().flat_map(|s| s.parts()).collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// The head of the tree of the first `size` leaves, as one span.
pub fn head_span(size: u64) -> Span {
    Span {
        start: 0,
        end: size,
    }
}

/// The spans whose hashes are the inclusion proof of leaf `index` in the
/// tree of `size` leaves (RFC 6962 2.1.1 `PATH`), in proof order.
pub fn inclusion_spans(index: u64, size: u64) -> Result<Vec<Span>, TreeError> {
    check_size(size)?;
    if index >= size {
        return Err(TreeError::OutOfRange(format!(
            "leaf {index} is not in a tree of {size} leaves"
        )));
    }
    let mut out = Vec::new();
    let (mut start, mut end) = (0, size);
    // Collected top-down; the proof lists the deepest sibling first.
    while end - start > 1 {
        let k = split(end - start);
        if index < start + k {
            out.push(Span {
                start: start + k,
                end,
            });
            end = start + k;
        } else {
            out.push(Span {
                start,
                end: start + k,
            });
            start += k;
        }
    }
    out.reverse();
    Ok(out)
}

/// The spans whose hashes are the consistency proof from the tree of
/// `old` leaves to the tree of `new` leaves (RFC 6962 2.1.2 `PROOF`).
pub fn consistency_spans(old: u64, new: u64) -> Result<Vec<Span>, TreeError> {
    check_size(new)?;
    if old > new {
        return Err(TreeError::OutOfRange(format!(
            "a tree of {old} leaves cannot be a prefix of one of {new}"
        )));
    }
    let mut out = Vec::new();
    if old == 0 || old == new {
        return Ok(out);
    }
    // SUBPROOF(m, D[start:end], b), iteratively; collected top-down.
    let (mut m, mut start, mut end, mut whole) = (old, 0, new, true);
    loop {
        let n = end - start;
        if m == n {
            if !whole {
                out.push(Span { start, end });
            }
            break;
        }
        let k = split(n);
        if m <= k {
            out.push(Span {
                start: start + k,
                end,
            });
            end = start + k;
        } else {
            out.push(Span {
                start,
                end: start + k,
            });
            m -= k;
            start += k;
            whole = false;
        }
    }
    out.reverse();
    Ok(out)
}

/// The hashes of `spans`, from `source`.
pub fn resolve(spans: &[Span], source: &impl SubtreeSource) -> Result<Vec<Hash>, TreeError> {
    spans.iter().map(|s| s.hash(source)).collect()
}

/// The existing subtrees appending leaf number `index` (0-based; the tree
/// has `index` leaves before it) combines with: the left siblings on its
/// way up.
pub fn append_needs(index: u64) -> Vec<NodeAddr> {
    let mut out = Vec::new();
    let (mut level, mut i) = (0u8, index);
    while i & 1 == 1 {
        out.push(NodeAddr {
            level,
            index: i - 1,
        });
        level += 1;
        i >>= 1;
    }
    out
}

/// The subtrees that become complete when leaf number `index` with hash
/// `leaf` is appended: the leaf itself, then every parent it completes.
pub fn append(
    index: u64,
    leaf: Hash,
    source: &impl SubtreeSource,
) -> Result<Vec<(NodeAddr, Hash)>, TreeError> {
    let mut out = vec![(NodeAddr { level: 0, index }, leaf)];
    let (mut level, mut i, mut h) = (0u8, index, leaf);
    while i & 1 == 1 {
        let left = source.subtree(NodeAddr {
            level,
            index: i - 1,
        })?;
        h = node_hash(&left, &h);
        level += 1;
        i >>= 1;
        out.push((NodeAddr { level, index: i }, h));
    }
    Ok(out)
}

/// The root of a growing tree, kept as its complete subtrees (a compact
/// range): O(log n) memory, one hash per leaf on average. For exports and
/// tests, which see every leaf in order.
#[derive(Debug, Clone, Default)]
pub struct RunningRoot {
    /// (level, hash), levels strictly decreasing.
    stack: Vec<(u8, Hash)>,
    size: u64,
}

impl RunningRoot {
    /// An empty tree.
    pub fn new() -> RunningRoot {
        RunningRoot::default()
    }

    /// Appends a leaf by its hash.
    pub fn push(&mut self, leaf: Hash) {
        let mut h = leaf;
        let mut level = 0u8;
        while let Some(&(top, left)) = self.stack.last() {
            if top != level {
                break;
            }
            self.stack.pop();
            h = node_hash(&left, &h);
            level += 1;
        }
        self.stack.push((level, h));
        self.size += 1;
    }

    /// Leaves appended so far.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The tree head now.
    pub fn root(&self) -> Hash {
        let mut iter = self.stack.iter().rev();
        let Some(&(_, last)) = iter.next() else {
            return empty_root();
        };
        iter.fold(last, |acc, (_, h)| node_hash(h, &acc))
    }
}

/// Every complete subtree of a tree held in memory, for tests and tools:
/// what a store would hold after appending `leaves` in order.
pub fn all_subtrees(leaves: &[Hash]) -> Result<HashMap<NodeAddr, Hash>, TreeError> {
    let mut map = HashMap::new();
    for (i, leaf) in leaves.iter().enumerate() {
        for (addr, h) in append(i as u64, *leaf, &map)? {
            map.insert(addr, h);
        }
    }
    Ok(map)
}
