//! Bounds on everything read from outside.

/// Limits applied while reading a file. Exceeding one is an error, never a
/// panic or an unbounded allocation.
///
/// Bytes alone do not bound memory: every node of the tree costs
/// [`Limits::TREE_BYTES_PER_NODE`] bytes or so whatever its text, so a
/// 64 MiB file of one-character numbers is 33 million nodes. `max_nodes`
/// is what keeps the tree of a file at its limits within a budget
/// ([`Limits::tree_budget`]); it is counted while parsing, before the
/// node is stored, so a file over it is refused having built at most that
/// many nodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest accepted text, in bytes.
    pub max_bytes: usize,
    /// Deepest accepted nesting of sequences and mappings.
    pub max_depth: usize,
    /// Most nodes that alias expansion may add to the tree in one file.
    pub max_alias_nodes: usize,
    /// Most nodes in one file, aliases expanded.
    pub max_nodes: usize,
}

impl Limits {
    /// For Treaty's own contract files (`treaty.yaml`, teams, interfaces,
    /// releases): small hand-written files.
    pub const CONTRACT_FILE: Limits = Limits {
        max_bytes: 4 * 1024 * 1024,
        max_depth: 64,
        max_alias_nodes: 10_000,
        max_nodes: 1_000_000,
    };

    /// For API and data schemas, which can be large machine-written files
    /// (Stripe's OpenAPI description is over 4 MB and 142,000 nodes; an
    /// indented spec averages about 30 bytes a node, so 2,000,000 nodes is
    /// a 60 MB spec). A file at these limits is read within
    /// [`Limits::tree_budget`] (about 310 MiB), and `treaty diff` of two
    /// such files stays within 2 GiB (docs/PERFORMANCE.md).
    pub const SCHEMA_FILE: Limits = Limits {
        max_bytes: 64 * 1024 * 1024,
        max_depth: 256,
        max_alias_nodes: 100_000,
        max_nodes: 2_000_000,
    };

    /// What one node of the tree costs at most, in bytes, beyond the
    /// file's text: the node itself, the heap block of a short scalar's
    /// text (a scalar's longer text is bounded by the file's bytes), and
    /// the unused room of the growing vector that holds it.
    pub const TREE_BYTES_PER_NODE: usize =
        2 * std::mem::size_of::<crate::Node>() + SMALL_HEAP_BLOCK;

    /// The most memory the tree of a file within these limits takes: each
    /// node at [`Limits::TREE_BYTES_PER_NODE`], plus the text of its
    /// scalars (at most the file's size).
    pub const fn tree_budget(&self) -> usize {
        self.max_nodes * Limits::TREE_BYTES_PER_NODE + self.max_bytes
    }
}

/// The smallest block the allocator hands out for a short string (glibc's
/// minimum chunk on 64-bit targets).
const SMALL_HEAP_BLOCK: usize = 32;

impl Default for Limits {
    fn default() -> Limits {
        Limits::CONTRACT_FILE
    }
}

#[cfg(test)]
mod tests {
    use super::Limits;

    #[test]
    fn a_schema_file_at_its_limits_has_a_tree_within_320_mib() {
        // If a node grows, the node limit must shrink to keep the budget
        // documented in docs/PERFORMANCE.md.
        assert!(Limits::SCHEMA_FILE.tree_budget() <= 320 * 1024 * 1024);
        assert!(Limits::CONTRACT_FILE.tree_budget() <= 320 * 1024 * 1024);
    }
}
