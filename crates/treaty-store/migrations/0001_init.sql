-- Treaty's broker store, version 1. Portable SQL: runs unchanged on
-- SQLite and PostgreSQL. Ids are text; times are Unix milliseconds.
CREATE TABLE teams (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE TABLE tokens (
    id TEXT PRIMARY KEY,
    -- SHA-256 of the token, hex: the token itself is never stored.
    hash TEXT NOT NULL UNIQUE,
    team_id TEXT NOT NULL REFERENCES teams(id),
    scopes TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);
-- What a team builds and deploys: a service, an app, a job.
CREATE TABLE components (
    id TEXT PRIMARY KEY,
    team_id TEXT NOT NULL REFERENCES teams(id),
    created_at BIGINT NOT NULL
);
CREATE TABLE component_versions (
    component_id TEXT NOT NULL REFERENCES components(id),
    version TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (component_id, version)
);
-- An API or data contract, produced by one component.
CREATE TABLE interfaces (
    id TEXT PRIMARY KEY,
    component_id TEXT NOT NULL REFERENCES components(id),
    kind TEXT NOT NULL,
    compatibility TEXT NOT NULL,
    proto_category TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX interfaces_component ON interfaces (component_id);
-- Content-addressed text: schema bundles, example payloads, Pact files.
CREATE TABLE blobs (
    hash TEXT PRIMARY KEY,
    content TEXT NOT NULL
);
-- The interface as a version of its producer component provides it.
CREATE TABLE interface_versions (
    interface_id TEXT NOT NULL REFERENCES interfaces(id),
    version TEXT NOT NULL,
    bundle_hash TEXT NOT NULL REFERENCES blobs(hash),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (interface_id, version)
);
-- What a consumer component version was built against and uses.
CREATE TABLE expectations (
    component_id TEXT NOT NULL REFERENCES components(id),
    version TEXT NOT NULL,
    interface_id TEXT NOT NULL REFERENCES interfaces(id),
    built_against TEXT NOT NULL,
    uses TEXT NOT NULL,
    artifacts_hash TEXT NOT NULL REFERENCES blobs(hash),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (component_id, version, interface_id)
);
CREATE INDEX expectations_interface ON expectations (interface_id);
CREATE TABLE verifications (
    id TEXT PRIMARY KEY,
    interface_id TEXT NOT NULL REFERENCES interfaces(id),
    provider_version TEXT NOT NULL,
    consumer_id TEXT NOT NULL REFERENCES components(id),
    consumer_version TEXT NOT NULL,
    success BIGINT NOT NULL,
    details TEXT,
    recorded_by TEXT NOT NULL REFERENCES teams(id),
    recorded_at BIGINT NOT NULL
);
CREATE INDEX verifications_pair ON verifications (interface_id, provider_version, consumer_id, consumer_version, recorded_at);
CREATE TABLE environments (
    id TEXT PRIMARY KEY,
    created_at BIGINT NOT NULL
);
CREATE TABLE deployments (
    id TEXT PRIMARY KEY,
    component_id TEXT NOT NULL REFERENCES components(id),
    environment_id TEXT NOT NULL REFERENCES environments(id),
    version TEXT NOT NULL,
    deployed_at BIGINT NOT NULL,
    undeployed_at BIGINT,
    recorded_by TEXT NOT NULL REFERENCES teams(id)
);
CREATE INDEX deployments_current ON deployments (environment_id, component_id, undeployed_at);
