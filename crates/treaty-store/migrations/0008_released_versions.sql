-- Version 8. Released versions (the Pact Broker's `record-release`):
-- several versions of a component supported side by side in one
-- environment (a mobile app, a library) until their support ends. One row
-- per component, environment and version: releasing it again after its
-- support ended makes the same row supported again, as the Pact Broker
-- does. `support_ended_at` is NULL while the version is supported.
CREATE TABLE released_versions (
    id TEXT PRIMARY KEY,
    component_id TEXT NOT NULL REFERENCES components(id),
    environment_id TEXT NOT NULL REFERENCES environments(id),
    version TEXT NOT NULL,
    released_at BIGINT NOT NULL,
    support_ended_at BIGINT,
    recorded_by TEXT NOT NULL REFERENCES teams(id)
);
-- One row per release, whatever races two brokers run; and the versions
-- of a component in an environment found by its prefix.
CREATE UNIQUE INDEX released_versions_release ON released_versions (environment_id, component_id, version);
