-- Version 5. Webhook notifications: where each team wants them and the
-- secret they are signed with; an outbox of events written in the same
-- transaction as what they announce; and one row per delivery attempt.

-- The team's webhook (http or https) and its Standard Webhooks signing
-- secret (`whsec_` + base64). The secret is kept as it is: it must sign,
-- so a hash would not do (see docs/notifications.md).
ALTER TABLE teams ADD COLUMN webhook_url TEXT;
ALTER TABLE teams ADD COLUMN webhook_secret TEXT;

-- The outbox. `id` is the `webhook-id` every attempt repeats; `url` is the
-- team's webhook when the event was written; `payload` the JSON body, fixed
-- at enqueue so every attempt sends the same bytes. `state`: pending,
-- delivered or dead. A broker delivering an event holds it until
-- `claimed_until` (a lease): a broker killed meanwhile loses it then.
CREATE TABLE notifications (
    id TEXT PRIMARY KEY,
    team_id TEXT NOT NULL REFERENCES teams(id),
    url TEXT NOT NULL,
    event_type TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL,
    state TEXT NOT NULL,
    claimed_by TEXT,
    claimed_until BIGINT
);
CREATE INDEX notifications_due ON notifications (state, next_attempt_at);
CREATE INDEX notifications_team ON notifications (team_id, id);

-- Every attempt: when, how long, and the HTTP status or why there was none.
CREATE TABLE notification_attempts (
    id TEXT PRIMARY KEY,
    notification_id TEXT NOT NULL REFERENCES notifications(id),
    attempted_at BIGINT NOT NULL,
    duration_ms BIGINT NOT NULL,
    status_code BIGINT,
    error TEXT
);
CREATE INDEX notification_attempts_of ON notification_attempts (notification_id, attempted_at);
