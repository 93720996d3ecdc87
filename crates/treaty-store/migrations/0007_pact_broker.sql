-- Version 7. What the Pact Broker API that Pact clients use needs beyond
-- Treaty's model: branches and tags of component versions, the pacts as
-- published (one per consumer version and provider, its content kept by
-- hash: the "pact version" verifications refer to), and the environments'
-- display names and production flag.
CREATE TABLE version_branches (
    component_id TEXT NOT NULL REFERENCES components(id),
    branch TEXT NOT NULL,
    version TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (component_id, branch, version)
);
CREATE INDEX version_branches_of_version ON version_branches (component_id, version);
CREATE TABLE version_tags (
    component_id TEXT NOT NULL REFERENCES components(id),
    version TEXT NOT NULL,
    tag TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (component_id, version, tag)
);
-- A pact is also the consumer version's expectation of `interface_id`
-- (an artifact of kind `pact`): this row says which provider it names and
-- which content (`sha`, a blob) it had.
CREATE TABLE pacts (
    consumer_id TEXT NOT NULL REFERENCES components(id),
    consumer_version TEXT NOT NULL,
    provider_id TEXT NOT NULL REFERENCES components(id),
    interface_id TEXT NOT NULL REFERENCES interfaces(id),
    sha TEXT NOT NULL REFERENCES blobs(hash),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (consumer_id, consumer_version, provider_id)
);
CREATE INDEX pacts_of_provider ON pacts (provider_id, consumer_id, created_at);
CREATE INDEX pacts_by_sha ON pacts (provider_id, consumer_id, sha);
CREATE TABLE environment_details (
    environment_id TEXT PRIMARY KEY REFERENCES environments(id),
    display_name TEXT,
    production BIGINT NOT NULL
);
-- A component as a Pact client describes it: its main branch decides the
-- `mainBranch` selectors.
CREATE TABLE pacticipant_details (
    component_id TEXT PRIMARY KEY REFERENCES components(id),
    display_name TEXT,
    main_branch TEXT,
    repository_url TEXT
);
