-- Version 10. Release trains in the broker: what the release gate needs of
-- a workspace (the release, governance, the release's interfaces, every
-- release's debt), published by the CLI as one JSON document per revision,
-- and the evidence pushed for it. Raw reports are not kept: only what
-- `treaty-evidence` read from them.

-- One row per revision of a train; a publish of the content the newest
-- revision already holds adds nothing. `owners` (JSON list) are the teams
-- owning a scope item of the revision: they may publish the next one and
-- push evidence.
CREATE TABLE train_revisions (
    train_id TEXT NOT NULL,
    revision BIGINT NOT NULL,
    content_hash TEXT NOT NULL,
    content TEXT NOT NULL,
    owners TEXT NOT NULL,
    published_by TEXT NOT NULL REFERENCES teams(id),
    published_at BIGINT NOT NULL,
    PRIMARY KEY (train_id, revision)
);

-- One run's report for one subject (`item/criterion` or
-- `slo:interface/name`). `component`, `version` and `run` are '' when not
-- given; a push without a run is a run of its own (`run` = its id).
-- `measurements` is the Report as JSON.
CREATE TABLE train_evidence (
    id TEXT PRIMARY KEY,
    train_id TEXT NOT NULL,
    subject TEXT NOT NULL,
    component TEXT NOT NULL,
    version TEXT NOT NULL,
    run TEXT NOT NULL,
    measurements TEXT NOT NULL,
    recorded_at BIGINT NOT NULL,
    recorded_by TEXT NOT NULL REFERENCES teams(id)
);
CREATE INDEX train_evidence_run ON train_evidence (train_id, subject, component, version, run);

-- The newest run per train, subject, component and version: the gate reads
-- only these runs' records, however many older ones there are.
CREATE TABLE train_evidence_latest (
    train_id TEXT NOT NULL,
    subject TEXT NOT NULL,
    component TEXT NOT NULL,
    version TEXT NOT NULL,
    run TEXT NOT NULL,
    recorded_at BIGINT NOT NULL,
    PRIMARY KEY (train_id, subject, component, version)
);
