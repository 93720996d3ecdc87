//! Tokens: random secrets stored only as hashes, each scoped and revocable,
//! and the [`Principal`] a valid one stands for.

use sqlx::Row;

use treaty_log::{Actor, DecisionKind};

use crate::decision_log::{AppendedDecision, NewDecision};
use crate::error::is_unique_violation;
use crate::ids::{hex, random_id, sha256_hex};
use crate::notify::announce_revocation;
use crate::{ADMIN_TEAM, Store, StoreError};

/// What a token lets its team do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    /// Read anything; every valid token has it.
    Read,
    /// Write as its team: register components and interfaces, publish
    /// versions, record expectations, verifications and deployments.
    Publish,
    /// Approve changes (kept for the approval workflow; stored and
    /// accepted today, but no route requires it yet).
    Approve,
    /// Everything, plus managing teams and tokens.
    Admin,
}

impl Scope {
    /// The name stored and accepted on the wire: `read`, `publish`,
    /// `approve` or `admin`.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Publish => "publish",
            Scope::Approve => "approve",
            Scope::Admin => "admin",
        }
    }

    /// The scope named `s` (see [`Scope::as_str`]); `None` for any other
    /// text.
    pub fn parse(s: &str) -> Option<Scope> {
        Some(match s {
            "read" => Scope::Read,
            "publish" => Scope::Publish,
            "approve" => Scope::Approve,
            "admin" => Scope::Admin,
            _ => return None,
        })
    }
}

/// The caller a valid token stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The team the token was issued to.
    pub team: String,
    /// What the token was issued for.
    pub scopes: Vec<Scope>,
    /// The token's id (not the secret), for logs.
    pub token_id: String,
}

impl Principal {
    /// Admin implies every scope, and any valid token may read.
    pub fn may(&self, scope: Scope) -> bool {
        scope == Scope::Read || self.scopes.contains(&scope) || self.scopes.contains(&Scope::Admin)
    }

    /// Whether the token carries the admin scope.
    pub fn is_admin(&self) -> bool {
        self.scopes.contains(&Scope::Admin)
    }
}

/// A token just issued: its id, its secret (shown this once) and the
/// decision log's record of its issue.
#[derive(Debug, Clone)]
pub struct CreatedToken {
    /// The token's id (`tok_...`), not a secret.
    pub id: String,
    /// The secret (`trt_...`); only its hash is stored.
    pub secret: String,
    /// The `token_created` decision, with its inclusion proof.
    pub logged: AppendedDecision,
}

/// The `token_created` decision for a token of `team`.
fn created_decision(
    id: &str,
    team: &str,
    scopes: &[Scope],
    by: Actor,
    reason: &str,
    now_ms: i64,
) -> NewDecision {
    let scopes: Vec<&str> = scopes.iter().map(|s| s.as_str()).collect();
    NewDecision {
        kind: DecisionKind::TokenCreated,
        actor: by,
        subject: format!("token:{id}"),
        reason: reason.to_owned(),
        details: serde_json::json!({ "team": team, "scopes": scopes }),
        at: now_ms.div_euclid(1000),
    }
}

impl Store {
    /// At first start (no admin team yet): creates it and an admin token,
    /// returned once. `None` when the store was already set up.
    pub async fn bootstrap(&self, now: i64) -> Result<Option<String>, StoreError> {
        let (_turn, mut tx) = self.write_tx().await?;
        let r = sqlx::query("INSERT INTO teams (id, name, created_at) VALUES ($1, $2, $3)")
            .bind(ADMIN_TEAM)
            .bind("Treaty administrators")
            .bind(now)
            .execute(&mut *tx)
            .await;
        match r {
            Ok(_) => {}
            Err(e) if is_unique_violation(&e) => return Ok(None),
            Err(e) => return Err(e.into()),
        }
        let (id, token) = insert_token(&mut tx, ADMIN_TEAM, &[Scope::Admin], now).await?;
        let by = Actor {
            team: ADMIN_TEAM.to_owned(),
            token_id: None,
        };
        let decision = created_decision(
            &id,
            ADMIN_TEAM,
            &[Scope::Admin],
            by,
            "first start: the broker issued the administrators' token",
            now,
        );
        self.append_decision(&mut tx, decision).await?;
        tx.commit().await?;
        Ok(Some(token))
    }

    /// A new random token for `team`, issued by `by`: its id and its
    /// secret, and the decision logged in the same transaction. Only the
    /// secret's hash is stored, so this is the one chance to see it.
    pub async fn issue_token(
        &self,
        team: &str,
        scopes: &[Scope],
        now: i64,
        by: Actor,
    ) -> Result<CreatedToken, StoreError> {
        let (_turn, mut tx) = self.write_tx().await?;
        let exists = sqlx::query("SELECT 1 AS one FROM teams WHERE id = $1")
            .bind(team)
            .fetch_optional(&mut *tx)
            .await?;
        if exists.is_none() {
            return Err(StoreError::NotFound(format!("team `{team}`")));
        }
        let (id, secret) = insert_token(&mut tx, team, scopes, now).await?;
        let decision = created_decision(&id, team, scopes, by, "token issued", now);
        let logged = self.append_decision(&mut tx, decision).await?;
        tx.commit().await?;
        Ok(CreatedToken { id, secret, logged })
    }

    /// The principal of a valid, unrevoked token. A stored scope this build
    /// does not know is [`StoreError::Corrupt`].
    pub async fn authenticate(&self, token: &str) -> Result<Option<Principal>, StoreError> {
        let row = sqlx::query(
            "SELECT id, team_id, scopes FROM tokens WHERE hash = $1 AND revoked_at IS NULL",
        )
        .bind(sha256_hex(token.as_bytes()))
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

    /// The team a token id belongs to.
    pub async fn token_team(&self, id: &str) -> Result<Option<String>, StoreError> {
        let row = sqlx::query("SELECT team_id FROM tokens WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| r.try_get("team_id")).transpose()?)
    }

    /// Revokes a token by its id on behalf of `by`, logging the decision
    /// in the same transaction; `None` when there is no such live token.
    /// On PostgreSQL every broker is told when it commits (see
    /// [`Store::revocations`]).
    pub async fn revoke_token(
        &self,
        id: &str,
        now: i64,
        by: Actor,
    ) -> Result<Option<AppendedDecision>, StoreError> {
        let (_turn, mut tx) = self.write_tx().await?;
        let r =
            sqlx::query("UPDATE tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
                .bind(now)
                .bind(id)
                .execute(&mut *tx)
                .await?;
        if r.rows_affected() == 0 {
            return Ok(None);
        }
        if !self.sqlite {
            announce_revocation(&mut tx, id).await?;
        }
        let team: String = sqlx::query("SELECT team_id FROM tokens WHERE id = $1")
            .bind(id)
            .fetch_one(&mut *tx)
            .await?
            .try_get("team_id")?;
        let decision = NewDecision {
            kind: DecisionKind::TokenRevoked,
            actor: by,
            subject: format!("token:{id}"),
            reason: "token revoked".to_owned(),
            details: serde_json::json!({ "team": team }),
            at: now.div_euclid(1000),
        };
        let logged = self.append_decision(&mut tx, decision).await?;
        tx.commit().await?;
        Ok(Some(logged))
    }
}

/// The scopes stored for token `token_id` (comma-separated, as
/// [`insert_token`] writes them; empty for none). An unknown name is an
/// error, never dropped: dropping it would quietly change what the token
/// grants.
pub(crate) fn stored_scopes(token_id: &str, stored: &str) -> Result<Vec<Scope>, StoreError> {
    if stored.is_empty() {
        return Ok(Vec::new());
    }
    stored
        .split(',')
        .map(|name| {
            Scope::parse(name).ok_or_else(|| StoreError::Corrupt {
                table: "tokens",
                row: token_id.to_owned(),
                field: "scopes",
                value: stored.to_owned(),
            })
        })
        .collect()
}

/// Stores a new token for `team` in `conn`'s transaction: its id and secret.
async fn insert_token(
    conn: &mut sqlx::AnyConnection,
    team: &str,
    scopes: &[Scope],
    now: i64,
) -> Result<(String, String), StoreError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| StoreError::Random(e.to_string()))?;
    let token = format!("trt_{}", hex(&bytes));
    let id = random_id("tok_")?;
    let scopes: Vec<&str> = scopes.iter().map(|s| s.as_str()).collect();
    sqlx::query(
        "INSERT INTO tokens (id, hash, team_id, scopes, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&id)
    .bind(sha256_hex(token.as_bytes()))
    .bind(team)
    .bind(scopes.join(","))
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok((id, token))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_scopes_are_read_back_in_order() -> Result<(), StoreError> {
        assert_eq!(
            stored_scopes("tok_1", "publish,approve")?,
            vec![Scope::Publish, Scope::Approve]
        );
        assert_eq!(stored_scopes("tok_1", "")?, Vec::<Scope>::new());
        Ok(())
    }

    #[test]
    fn an_unknown_stored_scope_is_corrupt_and_names_the_row() {
        let error = stored_scopes("tok_7", "read,superuser");
        assert!(
            matches!(
                &error,
                Err(StoreError::Corrupt { table: "tokens", row, field: "scopes", value })
                    if row == "tok_7" && value == "read,superuser"
            ),
            "{error:?}"
        );
        let message = error.map_err(|e| e.to_string()).err().unwrap_or_default();
        assert!(
            message.contains("tokens") && message.contains("tok_7"),
            "{message}"
        );
    }
}
