-- Version 11. The dashboard's catalog without scanning history: an
-- interface's latest versions, and each consumer's latest expectation of
-- an interface, found by index seeks instead of sorting every version
-- (1,000 per interface in the benchmark store). The new expectations
-- index starts with `interface_id`, so it also serves every query the old
-- `expectations_interface` did.
CREATE INDEX interface_versions_latest ON interface_versions (interface_id, created_at, version);
CREATE INDEX expectations_latest ON expectations (interface_id, component_id, created_at, version);
DROP INDEX expectations_interface;
