-- Treaty's broker store, version 1. Portable SQL: runs unchanged on
-- SQLite and PostgreSQL. Ids are text, times are Unix seconds.
CREATE TABLE teams (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE TABLE tokens (
    -- SHA-256 of the token, hex: the token itself is never stored.
    hash TEXT PRIMARY KEY,
    team_id TEXT NOT NULL REFERENCES teams(id),
    scopes TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE TABLE interfaces (
    id TEXT PRIMARY KEY,
    producer TEXT NOT NULL REFERENCES teams(id),
    kind TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
-- Schemas by content: publishing the same text twice stores it once.
CREATE TABLE schemas (
    hash TEXT PRIMARY KEY,
    content TEXT NOT NULL
);
CREATE TABLE interface_versions (
    interface_id TEXT NOT NULL REFERENCES interfaces(id),
    version TEXT NOT NULL,
    schema_hash TEXT NOT NULL REFERENCES schemas(hash),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (interface_id, version)
);
CREATE TABLE verifications (
    id TEXT PRIMARY KEY,
    interface_id TEXT NOT NULL REFERENCES interfaces(id),
    provider_version TEXT NOT NULL,
    consumer TEXT NOT NULL REFERENCES teams(id),
    consumer_version TEXT NOT NULL,
    success BIGINT NOT NULL,
    recorded_at BIGINT NOT NULL
);
CREATE INDEX verifications_pair ON verifications (interface_id, provider_version, consumer, consumer_version);
CREATE TABLE deployments (
    component TEXT NOT NULL,
    environment TEXT NOT NULL,
    version TEXT NOT NULL,
    deployed_at BIGINT NOT NULL,
    undeployed_at BIGINT,
    PRIMARY KEY (component, environment, deployed_at)
);
