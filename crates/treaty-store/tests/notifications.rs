//! The notification outbox on SQLite and PostgreSQL: queued only for teams
//! with a webhook, claimed for a lease, given back when the lease ends,
//! never claimed by two brokers at once, and every attempt logged.

#[allow(dead_code)]
mod common;

use std::collections::HashSet;

use common::{on_scratch_postgres, sqlite_file, test_error};
use treaty_store::{AfterAttempt, Attempt, DeliveryState, NewEvent, Store, StoreError};

fn ping() -> NewEvent<'static> {
    NewEvent {
        event_type: "ping",
        text: "Ping from Treaty",
        data: serde_json::json!({"team": "payments"}),
    }
}

fn failed_at(at: i64) -> Attempt {
    Attempt {
        at,
        duration_ms: 3,
        status_code: Some(503),
        error: None,
    }
}

async fn queue_claims_leases_and_logs(store: &Store) -> Result<(), StoreError> {
    store.create_team("quiet", "Quiet", 1).await?;
    store
        .create_team_with_webhook("payments", "Payments", Some("https://hooks.example/p"), 1)
        .await?;
    // No webhook, nothing queued; an unknown team is an error.
    assert_eq!(store.enqueue_event("quiet", &ping(), 10).await?, None);
    assert!(matches!(
        store.enqueue_event("nobody", &ping(), 10).await,
        Err(StoreError::NotFound(_))
    ));
    let id = store
        .enqueue_event("payments", &ping(), 1_000)
        .await?
        .ok_or_else(|| test_error("no id for a team with a webhook"))?;
    assert!(id.starts_with("msg_"));

    // Not due before it was written.
    assert!(
        store
            .claim_notifications("a", 999, 2_000, 10)
            .await?
            .is_empty()
    );
    let claimed = store.claim_notifications("a", 1_000, 2_000, 10).await?;
    assert_eq!(claimed.len(), 1);
    let event = &claimed[0];
    assert_eq!((event.id.as_str(), event.attempts), (id.as_str(), 0));
    assert_eq!(event.url, "https://hooks.example/p");
    let secret = event.secret.clone().unwrap_or_default();
    assert!(secret.starts_with("whsec_"), "{secret}");
    let body: serde_json::Value = serde_json::from_str(&event.payload).map_err(test_error)?;
    assert_eq!(body["type"], "ping");
    assert_eq!(body["text"], "Ping from Treaty");
    assert_eq!(body["data"]["team"], "payments");
    assert_eq!(body["timestamp"], "1970-01-01T00:00:01Z");

    // Leased: nobody else gets it until the lease ends, then it comes back.
    assert!(
        store
            .claim_notifications("b", 1_500, 3_000, 10)
            .await?
            .is_empty()
    );
    let again = store.claim_notifications("b", 2_000, 3_000, 10).await?;
    assert_eq!(again.len(), 1);

    // `a` lost its claim: its attempt is logged, the state is `b`'s.
    store
        .finish_attempt(&id, "a", &failed_at(2_100), AfterAttempt::Delivered)
        .await?;
    let (record, attempts) = store
        .notification(&id)
        .await?
        .ok_or_else(|| test_error("gone"))?;
    assert_eq!(record.state, DeliveryState::Pending);
    assert_eq!(attempts.len(), 1);

    // `b` fails and schedules a retry: not due before it.
    store
        .finish_attempt(&id, "b", &failed_at(2_200), AfterAttempt::RetryAt(5_000))
        .await?;
    assert!(
        store
            .claim_notifications("c", 4_999, 9_000, 10)
            .await?
            .is_empty()
    );
    let third = store.claim_notifications("c", 5_000, 9_000, 10).await?;
    assert_eq!(third.len(), 1);
    assert_eq!(third[0].attempts, 1);
    store
        .finish_attempt(
            &id,
            "c",
            &Attempt {
                at: 5_001,
                duration_ms: 2,
                status_code: Some(204),
                error: None,
            },
            AfterAttempt::Delivered,
        )
        .await?;
    let (record, attempts) = store
        .notification(&id)
        .await?
        .ok_or_else(|| test_error("gone"))?;
    assert_eq!(record.state, DeliveryState::Delivered);
    assert_eq!(record.attempts, 2);
    assert_eq!(attempts.len(), 3);
    assert_eq!(attempts[2].status_code, Some(204));
    assert!(
        store
            .claim_notifications("c", 99_999, 100_000, 10)
            .await?
            .is_empty()
    );

    // A graceful stop gives claims back at once.
    let second = store
        .enqueue_event("payments", &ping(), 6_000)
        .await?
        .ok_or_else(|| test_error("no id"))?;
    assert_eq!(
        store
            .claim_notifications("d", 6_000, 60_000, 10)
            .await?
            .len(),
        1
    );
    assert_eq!(store.release_claims("d").await?, 1);
    let back = store.claim_notifications("e", 6_001, 60_000, 10).await?;
    assert_eq!(back.first().map(|c| c.id.as_str()), Some(second.as_str()));

    // Listing: by team, in time order.
    let all = store.notifications(Some("payments"), "", 10).await?;
    assert_eq!(
        all.iter().map(|n| n.id.as_str()).collect::<Vec<_>>(),
        [id.as_str(), second.as_str()]
    );
    assert!(store.notifications(Some("quiet"), "", 10).await?.is_empty());

    // A changed webhook: pending events go to the new one.
    store
        .set_webhook("payments", Some("https://hooks.example/new"))
        .await?;
    let third = store
        .enqueue_event("payments", &ping(), 8_000)
        .await?
        .ok_or_else(|| test_error("no id"))?;
    store.release_claims("e").await?;
    assert_eq!(store.pending_notifications("payments", "ping").await?, 2);
    let moved = store.claim_notifications("f", 9_000, 60_000, 10).await?;
    assert_eq!(moved.len(), 2);
    assert!(moved.iter().all(|c| c.url == "https://hooks.example/new"));
    let (record, _) = store
        .notification(&third)
        .await?
        .ok_or_else(|| test_error("gone"))?;
    assert_eq!(record.url, "https://hooks.example/new");

    // Rotation changes the secret; removing the webhook queues nothing more.
    let rotated = store.rotate_webhook_secret("payments").await?;
    assert_ne!(rotated.secret.as_deref(), Some(secret.as_str()));
    let removed = store.set_webhook("payments", None).await?;
    assert_eq!(removed.url, None);
    assert_eq!(store.enqueue_event("payments", &ping(), 7_000).await?, None);
    Ok(())
}

#[tokio::test]
async fn queue_on_sqlite() -> Result<(), StoreError> {
    let (_dir, url) = sqlite_file()?;
    queue_claims_leases_and_logs(&Store::open(&url).await?).await
}

#[tokio::test]
async fn queue_on_postgres() -> Result<(), StoreError> {
    on_scratch_postgres(async |url| queue_claims_leases_and_logs(&Store::open(url).await?).await)
        .await
}

/// Two brokers (two stores, two pools) on one PostgreSQL database claim
/// from one queue at the same time, in small batches: no event is claimed
/// by both, and all are claimed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_brokers_never_claim_one_event() -> Result<(), StoreError> {
    on_scratch_postgres(async |url| {
        let a = Store::open(url).await?;
        let b = Store::open(url).await?;
        a.create_team_with_webhook("payments", "Payments", Some("https://hooks.example/p"), 1)
            .await?;
        const EVENTS: usize = 200;
        let mut ids = HashSet::new();
        for i in 0..EVENTS {
            let id = a
                .enqueue_event("payments", &ping(), 1_000 + i as i64)
                .await?;
            ids.extend(id);
        }
        assert_eq!(ids.len(), EVENTS);
        let claim_all = async |store: Store, broker: &'static str| {
            let mut mine = Vec::new();
            loop {
                let batch = store.claim_notifications(broker, 10_000, 60_000, 7).await?;
                if batch.is_empty() {
                    return Ok::<_, StoreError>(mine);
                }
                mine.extend(batch.into_iter().map(|c| c.id));
            }
        };
        let (ta, tb) = (
            tokio::spawn(claim_all(a.clone(), "a")),
            tokio::spawn(claim_all(b.clone(), "b")),
        );
        let mine_a = ta.await.map_err(test_error)??;
        let mine_b = tb.await.map_err(test_error)??;
        let set_a: HashSet<_> = mine_a.iter().cloned().collect();
        let set_b: HashSet<_> = mine_b.iter().cloned().collect();
        assert_eq!(set_a.len(), mine_a.len(), "a claimed one event twice");
        assert!(set_a.is_disjoint(&set_b), "both brokers claimed one event");
        assert_eq!(set_a.len() + set_b.len(), EVENTS);
        eprintln!("claimed: a {}, b {}", set_a.len(), set_b.len());
        Ok(())
    })
    .await
}
