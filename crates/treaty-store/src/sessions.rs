//! The dashboard's sign-in sessions: opened with a team token, kept by
//! the hash of their id, ended by sign-out, by their expiry, or by the
//! revocation of the token that opened them (every read joins `tokens`).
//! Time is passed in; the length of a session is the caller's choice.

use sqlx::Row;

use crate::ids::{hex, sha256_hex};
use crate::tokens::{Principal, stored_scopes};
use crate::{Store, StoreError};

/// Longest session id accepted from a client, in bytes: anything longer
/// is not one of ours and is not hashed.
pub const MAX_SESSION_SECRET: usize = 128;

/// A session just opened: the secret for the cookie (shown this once;
/// only its hash is stored) and who it signs in.
#[derive(Debug, Clone)]
pub struct OpenedSession {
    /// The session id (`trs_` and 32 random bytes in hex).
    pub secret: String,
    /// The team and scopes of the token that opened it.
    pub principal: Principal,
}

impl Store {
    /// Opens a session with `token` (a team token's secret) that expires
    /// at `expires_at`; `None` when the token is unknown or revoked.
    /// Sessions already expired are swept in the same transaction, so the
    /// table holds live sessions and those of the last moments only.
    pub async fn open_session(
        &self,
        token: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<Option<OpenedSession>, StoreError> {
        let Some(principal) = self.authenticate(token).await? else {
            return Ok(None);
        };
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|e| StoreError::Random(e.to_string()))?;
        let secret = format!("trs_{}", hex(&bytes));
        let (_turn, mut tx) = self.write_tx().await?;
        sqlx::query("DELETE FROM ui_sessions WHERE expires_at <= $1")
            .bind(now)
            .execute(&mut *tx)
            .await?;
        // The token may have been revoked since it was read: the insert
        // takes it from a live row or not at all.
        let inserted = sqlx::query(
            "INSERT INTO ui_sessions (id_hash, token_id, created_at, expires_at) SELECT $1, id, $2, $3 FROM tokens WHERE id = $4 AND revoked_at IS NULL",
        )
        .bind(sha256_hex(secret.as_bytes()))
        .bind(now)
        .bind(expires_at)
        .bind(&principal.token_id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        if inserted.rows_affected() == 0 {
            return Ok(None);
        }
        Ok(Some(OpenedSession { secret, principal }))
    }

    /// Who the session `secret` signs in at `now`: `None` when there is no
    /// such session, it has expired, or its token is revoked.
    pub async fn session(&self, secret: &str, now: i64) -> Result<Option<Principal>, StoreError> {
        if secret.len() > MAX_SESSION_SECRET {
            return Ok(None);
        }
        let row = sqlx::query(
            "SELECT t.id AS id, t.team_id AS team_id, t.scopes AS scopes FROM ui_sessions s JOIN tokens t ON t.id = s.token_id WHERE s.id_hash = $1 AND s.expires_at > $2 AND t.revoked_at IS NULL",
        )
        .bind(sha256_hex(secret.as_bytes()))
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        let Some(r) = row else { return Ok(None) };
        let token_id: String = r.try_get("id")?;
        let scopes = stored_scopes(&token_id, &r.try_get::<String, _>("scopes")?)?;
        Ok(Some(Principal {
            team: r.try_get("team_id")?,
            scopes,
            token_id,
        }))
    }

    /// Ends the session `secret` (sign-out); whether there was one.
    pub async fn end_session(&self, secret: &str) -> Result<bool, StoreError> {
        if secret.len() > MAX_SESSION_SECRET {
            return Ok(false);
        }
        let _turn = self.write_turn().await;
        let r = sqlx::query("DELETE FROM ui_sessions WHERE id_hash = $1")
            .bind(sha256_hex(secret.as_bytes()))
            .execute(&self.write_pool)
            .await?;
        Ok(r.rows_affected() > 0)
    }
}
