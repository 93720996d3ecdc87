-- Version 12. Escalations on the broker: when each release train's
-- escalations must next be evaluated, claimed by the broker evaluating
-- them; each escalation step sent, once; and a channel for notifications
-- (a team's webhook, or an e-mail address over SMTP).

-- One row per train. `next_due_at` (Unix ms, on the broker's clock) is
-- when its escalations are evaluated next; a broker evaluating them holds
-- the row until `claimed_until` (a lease), as for notifications.
CREATE TABLE escalation_timers (
    train_id TEXT PRIMARY KEY,
    next_due_at BIGINT NOT NULL,
    claimed_by TEXT,
    claimed_until BIGINT
);
CREATE INDEX escalation_timers_due ON escalation_timers (next_due_at);
INSERT INTO escalation_timers (train_id, next_due_at)
    SELECT DISTINCT train_id, 0 FROM train_revisions;

-- Each step sent, under the step's stable key (`gate/2027-01/production/payments#2`):
-- a step is recorded, its decision logged and its notifications queued in
-- one transaction, so it is sent once however many brokers evaluate.
CREATE TABLE escalation_steps (
    train_id TEXT NOT NULL,
    step_key TEXT NOT NULL,
    rule TEXT NOT NULL,
    team_id TEXT NOT NULL,
    to_whom TEXT NOT NULL,
    message TEXT NOT NULL,
    since BIGINT NOT NULL,
    due_at BIGINT NOT NULL,
    sent_at BIGINT NOT NULL,
    notifications TEXT NOT NULL,
    PRIMARY KEY (train_id, step_key)
);
CREATE INDEX escalation_steps_sent ON escalation_steps (train_id, sent_at);

-- `webhook` (the team's URL, as before) or `email` (`url` is the address).
ALTER TABLE notifications ADD COLUMN channel TEXT NOT NULL DEFAULT 'webhook';
