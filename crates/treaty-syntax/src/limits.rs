//! Bounds on everything read from outside.

/// Limits applied while reading a file. Exceeding one is an error, never a
/// panic or an unbounded allocation.
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
    /// (Stripe's OpenAPI description is over 4 MB).
    pub const SCHEMA_FILE: Limits = Limits {
        max_bytes: 64 * 1024 * 1024,
        max_depth: 256,
        max_alias_nodes: 100_000,
        max_nodes: 20_000_000,
    };
}

impl Default for Limits {
    fn default() -> Limits {
        Limits::CONTRACT_FILE
    }
}
