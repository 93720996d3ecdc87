-- Version 15. The status digests the broker sent: one per team, cadence
-- and period of the governance's digest cadence (`treaty_core::digest::period`),
-- recorded with its notifications in one transaction, so that brokers
-- sharing a database send each once. `body` is the digest as JSON: the
-- next one says what changed since.
CREATE TABLE digests (
    team_id TEXT NOT NULL,
    cadence TEXT NOT NULL,
    period BIGINT NOT NULL,
    sent_at BIGINT NOT NULL,
    body TEXT NOT NULL,
    notifications TEXT NOT NULL,
    PRIMARY KEY (team_id, cadence, period)
);
CREATE INDEX digests_sent ON digests (team_id, sent_at);
