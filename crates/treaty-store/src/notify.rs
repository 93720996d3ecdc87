//! Telling every broker on one PostgreSQL database that a token was
//! revoked, at once: the revocation's transaction sends a `NOTIFY` (so it
//! is delivered only if the revocation commits), and each broker listens.
//!
//! SQLite needs none of this: one file has one broker by design, and that
//! broker learns of a revocation because it records it.

use std::time::Duration;

use sqlx::postgres::PgListener;

use crate::{Store, StoreError};

/// The channel revocations are announced on; the payload is the token's id.
const REVOKED_CHANNEL: &str = "treaty_token_revoked";

/// The first wait before connecting again after a failure; it doubles up
/// to [`MAX_RETRY`].
const FIRST_RETRY: Duration = Duration::from_millis(100);
const MAX_RETRY: Duration = Duration::from_secs(5);

/// What [`Revocations::next`] reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Revocation {
    /// Listening (again): every revocation committed from now on will be
    /// reported. Reported first, and after each [`Revocation::Lost`].
    Listening,
    /// The token with this id was revoked (by any broker).
    Revoked {
        /// The token's id (not its secret or hash).
        token_id: String,
    },
    /// The connection that listens was lost: revocations may go unseen
    /// until [`Revocation::Listening`], so trust nothing remembered.
    Lost,
}

/// The revocations committed on the database, as they commit; see
/// [`Store::revocations`].
#[derive(Debug)]
pub struct Revocations {
    url: String,
    listener: Option<PgListener>,
    retry: Duration,
}

impl Store {
    /// The revocations every broker on this database commits, as they
    /// commit: `None` on SQLite, whose one broker needs no telling.
    pub fn revocations(&self) -> Option<Revocations> {
        let url = self.listen_url.as_deref()?;
        Some(Revocations {
            url: url.to_owned(),
            listener: None,
            retry: FIRST_RETRY,
        })
    }
}

impl Revocations {
    /// The next event: [`Revocation::Listening`] once connected, then each
    /// revocation, or [`Revocation::Lost`] when the connection drops (after
    /// which it connects again, retrying with growing waits, and reports
    /// `Listening` when it has). Never ends; cancel-safe only between
    /// events.
    pub async fn next(&mut self) -> Revocation {
        loop {
            let Some(listener) = self.listener.as_mut() else {
                match listen(&self.url).await {
                    Ok(listener) => {
                        self.listener = Some(listener);
                        self.retry = FIRST_RETRY;
                        return Revocation::Listening;
                    }
                    // Not reported: the store does not log, and the
                    // missing `Listening` already says it.
                    Err(_) => {
                        tokio::time::sleep(self.retry).await;
                        self.retry = (self.retry * 2).min(MAX_RETRY);
                        continue;
                    }
                }
            };
            // `try_recv` reports a lost connection (`Ok(None)`) instead of
            // reconnecting quietly: a notification sent meanwhile is gone.
            match listener.try_recv().await {
                Ok(Some(notification)) => {
                    return Revocation::Revoked {
                        token_id: notification.payload().to_owned(),
                    };
                }
                Ok(None) | Err(_) => {
                    self.listener = None;
                    return Revocation::Lost;
                }
            }
        }
    }
}

/// A new connection listening on [`REVOKED_CHANNEL`].
async fn listen(url: &str) -> Result<PgListener, sqlx::Error> {
    let mut listener = PgListener::connect(url).await?;
    listener.listen(REVOKED_CHANNEL).await?;
    Ok(listener)
}

/// Announces, in `tx`'s transaction, that token `token_id` is revoked:
/// PostgreSQL delivers it to every listener if and when `tx` commits.
pub(crate) async fn announce_revocation(
    tx: &mut sqlx::AnyConnection,
    token_id: &str,
) -> Result<(), StoreError> {
    // `pg_notify` returns `void`, which the `Any` driver cannot read: count
    // the one row instead.
    sqlx::query("SELECT COUNT(*) AS sent FROM (SELECT pg_notify($1, $2)) AS notified")
        .bind(REVOKED_CHANNEL)
        .bind(token_id)
        .fetch_one(&mut *tx)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use sqlx::Executor;

    use super::Revocation;
    use crate::{ADMIN_TEAM, Scope, Store};

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    /// As `postgres_url` in the server's `tests/api.rs`: skipped without a
    /// URL, failed without one under `CI`.
    fn postgres_url() -> Result<Option<String>, Box<dyn std::error::Error>> {
        if let Ok(url) = std::env::var("TREATY_TEST_DATABASE_URL") {
            return Ok(Some(url));
        }
        if std::env::var_os("CI").is_some() {
            return Err("TREATY_TEST_DATABASE_URL is not set, and CI is: the PostgreSQL tests must run in CI".into());
        }
        eprintln!(
            "skipped: TREATY_TEST_DATABASE_URL is not set (set it to a PostgreSQL server's URL, such as postgres://postgres@127.0.0.1:5432/test, to run this test)"
        );
        Ok(None)
    }

    #[tokio::test]
    async fn sqlite_has_no_revocations_to_hear() -> TestResult {
        let dir = tempfile::tempdir()?;
        let url = format!("sqlite://{}", dir.path().join("treaty.db").display());
        assert!(Store::open(&url).await?.revocations().is_none());
        Ok(())
    }

    #[tokio::test]
    async fn revocations_are_heard_and_a_lost_connection_is_reported_and_remade() -> TestResult {
        let Some(url) = postgres_url()? else {
            return Ok(());
        };
        let url = crate::scratch_postgres_url(&url).await?;
        let result = heard_lost_and_remade(&url).await;
        crate::drop_scratch_postgres(&url).await?;
        result
    }

    fn admin() -> treaty_log::Actor {
        treaty_log::Actor {
            team: ADMIN_TEAM.into(),
            token_id: None,
        }
    }

    async fn heard_lost_and_remade(url: &str) -> TestResult {
        let store = Store::open(url).await?;
        store.bootstrap(1).await?;
        let mut revocations = store.revocations().ok_or("no revocations on PostgreSQL")?;
        let wait = Duration::from_secs(10);
        let next = tokio::time::timeout(wait, revocations.next()).await?;
        assert_eq!(next, Revocation::Listening);

        let id = store
            .issue_token(ADMIN_TEAM, &[Scope::Read], 2, admin())
            .await?
            .id;
        assert!(store.revoke_token(&id, 3, admin()).await?.is_some());
        // Other tests may revoke on this server at the same time: their
        // tokens are announced on the same channel.
        loop {
            match tokio::time::timeout(wait, revocations.next()).await? {
                Revocation::Revoked { token_id } if token_id == id => break,
                Revocation::Revoked { .. } => continue,
                other => return Err(format!("expected the revocation, got {other:?}").into()),
            }
        }

        // Cut every listening connection (others' too: they only reconnect).
        store
            .pool
            .execute(
                "SELECT COUNT(pg_terminate_backend(pid)) AS cut FROM pg_stat_activity \
                 WHERE query LIKE 'LISTEN %treaty_token_revoked%' AND pid <> pg_backend_pid()",
            )
            .await?;
        let mut lost = false;
        loop {
            match tokio::time::timeout(wait, revocations.next()).await? {
                Revocation::Lost => lost = true,
                Revocation::Listening if lost => break,
                Revocation::Revoked { .. } if !lost => continue,
                other => return Err(format!("expected Lost then Listening, got {other:?}").into()),
            }
        }

        let id = store
            .issue_token(ADMIN_TEAM, &[Scope::Read], 4, admin())
            .await?
            .id;
        assert!(store.revoke_token(&id, 5, admin()).await?.is_some());
        loop {
            match tokio::time::timeout(wait, revocations.next()).await? {
                Revocation::Revoked { token_id } if token_id == id => return Ok(()),
                Revocation::Revoked { .. } => continue,
                other => return Err(format!("expected the revocation, got {other:?}").into()),
            }
        }
    }
}
