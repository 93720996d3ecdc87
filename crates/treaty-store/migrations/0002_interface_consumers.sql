-- Version 2. Which components have ever expected something of an interface: a
-- can-i-release question looks up each one's deployed version instead of
-- scanning every deployment of the environment.
CREATE TABLE interface_consumers (
    interface_id TEXT NOT NULL REFERENCES interfaces(id),
    component_id TEXT NOT NULL REFERENCES components(id),
    PRIMARY KEY (interface_id, component_id)
);

INSERT INTO interface_consumers (interface_id, component_id)
    SELECT DISTINCT interface_id, component_id FROM expectations;

-- One current deployment per component and environment, whatever races
-- two writers run; and the current ones found without walking history.
CREATE UNIQUE INDEX deployments_live ON deployments (environment_id, component_id) WHERE undeployed_at IS NULL;

-- Verification pages of an interface, newest first.
CREATE INDEX verifications_recent ON verifications (interface_id, recorded_at, id);
