-- Version 13. Blockers of release trains and overrides of their gates.
-- A blocker keeps its current state in `blockers` and every change in
-- `blocker_events` (raised, assigned, severity changed, resolved,
-- reopened: who, when, why). An override asks for one train's gate in one
-- environment to be let through; the teams governance names for
-- `gate_override` decide on it, each decision written in the transaction
-- of its decision-log entry (`log_index`), as proposals' are.

-- `number` gives the id (`b-N`); `item` is a scope item, NULL for the
-- whole release; `assignee_team` (and `assignee_handle`, a member of it)
-- who it is assigned to, NULL until assigned; `deadline` Unix
-- milliseconds from the SLA of `severity` counted from `raised_at`, NULL
-- when governance sets none; `state` open or resolved; `fix` the evidence
-- that showed the fix, when one did.
CREATE TABLE blockers (
    id TEXT PRIMARY KEY,
    number BIGINT NOT NULL UNIQUE,
    train_id TEXT NOT NULL,
    title TEXT NOT NULL,
    severity TEXT NOT NULL,
    item TEXT,
    team_id TEXT NOT NULL REFERENCES teams(id),
    assignee_team TEXT REFERENCES teams(id),
    assignee_handle TEXT,
    tracker TEXT,
    state TEXT NOT NULL,
    fix TEXT,
    raised_by TEXT NOT NULL REFERENCES teams(id),
    raised_at BIGINT NOT NULL,
    deadline BIGINT,
    updated_at BIGINT NOT NULL
);
CREATE INDEX blockers_train ON blockers (train_id, state);

-- `kind`: raised, assigned, severity_changed, resolved or reopened;
-- `details` JSON (the severity from and to, the assignee, the fix...).
CREATE TABLE blocker_events (
    blocker_id TEXT NOT NULL REFERENCES blockers(id),
    seq BIGINT NOT NULL,
    kind TEXT NOT NULL,
    team_id TEXT NOT NULL REFERENCES teams(id),
    token_id TEXT NOT NULL,
    reason TEXT NOT NULL,
    details TEXT NOT NULL,
    at BIGINT NOT NULL,
    PRIMARY KEY (blocker_id, seq)
);

-- `number` gives the id (`o-N`).
CREATE TABLE gate_overrides (
    id TEXT PRIMARY KEY,
    number BIGINT NOT NULL UNIQUE,
    train_id TEXT NOT NULL,
    environment TEXT NOT NULL,
    reason TEXT NOT NULL,
    requested_by TEXT NOT NULL REFERENCES teams(id),
    token_id TEXT NOT NULL,
    requested_at BIGINT NOT NULL,
    log_index BIGINT NOT NULL
);
CREATE INDEX gate_overrides_train ON gate_overrides (train_id, environment);

CREATE TABLE gate_override_decisions (
    override_id TEXT NOT NULL REFERENCES gate_overrides(id),
    seq BIGINT NOT NULL,
    team_id TEXT NOT NULL REFERENCES teams(id),
    decision TEXT NOT NULL,
    reason TEXT NOT NULL,
    token_id TEXT NOT NULL,
    at BIGINT NOT NULL,
    log_index BIGINT NOT NULL,
    PRIMARY KEY (override_id, seq)
);
