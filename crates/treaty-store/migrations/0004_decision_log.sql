-- Version 4. The decision log: an append-only RFC 6962 Merkle tree. Each
-- entry is one decision's canonical JSON (the leaf's bytes, exactly as
-- hashed); log_nodes keeps the hash of every complete subtree, keyed by
-- level << 56 | index (level 0: the leaves), so that an append writes the
-- O(log n) subtrees it completes and a proof reads O(log n) of them. Rows
-- are only ever inserted, in the transaction of the decision they record.
CREATE TABLE log_entries (
    idx BIGINT PRIMARY KEY,
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    -- Unix seconds, as in the leaf.
    at BIGINT NOT NULL,
    leaf TEXT NOT NULL
);
CREATE INDEX log_entries_subject ON log_entries (subject, idx);
CREATE TABLE log_nodes (
    id BIGINT PRIMARY KEY,
    -- SHA-256, lower-case hex.
    hash TEXT NOT NULL
);
