-- Version 6. Change proposals and waivers in the broker: what is asked
-- for (bound to the hash of its change set), each team's decisions (bound
-- to the hash they were taken on) and each move of its state, with who
-- and why. Every row here is written in the transaction of the decision
-- log entry that records it (`log_index`).

-- `kind`: breaking or waiver. `number` gives the id (`cp-N`, `w-N`).
-- `changes`, `required` and `impact` are JSON as the API took them;
-- `rules` (JSON list) and `expires` (YYYY-MM-DD) are a waiver's.
CREATE TABLE proposals (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    number BIGINT NOT NULL,
    interface_id TEXT NOT NULL REFERENCES interfaces(id),
    proposer TEXT NOT NULL REFERENCES teams(id),
    title TEXT NOT NULL,
    change_set TEXT NOT NULL,
    changes TEXT NOT NULL,
    required TEXT NOT NULL,
    impact TEXT NOT NULL,
    reason TEXT,
    rollback TEXT NOT NULL,
    essential BIGINT NOT NULL,
    target_release TEXT,
    rules TEXT NOT NULL,
    expires TEXT,
    expiry_announced BIGINT NOT NULL,
    state TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (kind, number)
);
CREATE INDEX proposals_interface ON proposals (interface_id, change_set);

-- A team's decision: approve or reject, on the change set `change_set`.
CREATE TABLE proposal_decisions (
    proposal_id TEXT NOT NULL REFERENCES proposals(id),
    seq BIGINT NOT NULL,
    team_id TEXT NOT NULL REFERENCES teams(id),
    decision TEXT NOT NULL,
    change_set TEXT NOT NULL,
    reason TEXT NOT NULL,
    token_id TEXT NOT NULL,
    at BIGINT NOT NULL,
    log_index BIGINT NOT NULL,
    PRIMARY KEY (proposal_id, seq)
);

-- A move of state (or of change set: `to_state` unchanged, `change_set`
-- the new hash), by whom and why.
CREATE TABLE proposal_transitions (
    proposal_id TEXT NOT NULL REFERENCES proposals(id),
    seq BIGINT NOT NULL,
    from_state TEXT NOT NULL,
    to_state TEXT NOT NULL,
    change_set TEXT NOT NULL,
    team_id TEXT NOT NULL REFERENCES teams(id),
    token_id TEXT NOT NULL,
    reason TEXT NOT NULL,
    at BIGINT NOT NULL,
    log_index BIGINT NOT NULL,
    PRIMARY KEY (proposal_id, seq)
);
