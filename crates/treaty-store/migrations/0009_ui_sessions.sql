-- Version 9. The dashboard's sign-in sessions (`/ui/`): one row per
-- session, opened with a team token. Only the SHA-256 of the session id
-- is kept (a copy of this table signs nobody in); the session lives until
-- `expires_at` (Unix milliseconds) and no longer than its token: every
-- read joins `tokens` and refuses a revoked one.
CREATE TABLE ui_sessions (
    id_hash TEXT PRIMARY KEY,
    token_id TEXT NOT NULL REFERENCES tokens(id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
-- Expired sessions are swept by when they expired.
CREATE INDEX ui_sessions_expiry ON ui_sessions (expires_at);
