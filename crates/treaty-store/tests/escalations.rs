//! Escalation timers and steps on SQLite and PostgreSQL: a published train
//! is due at once, claimed by one broker at a time, rescheduled; a step is
//! recorded once with its decision and notifications (a webhook for a
//! team with one, an e-mail for a known team), and recording it again, or
//! from two brokers at once, writes nothing more.

#[allow(dead_code)]
mod common;

use common::{on_scratch_postgres, sqlite_file, test_error};
use treaty_store::{NewDecision, NewEvent, NewStep, Recipient, Store, StoreError, treaty_log};

fn step(key: &str) -> NewStep {
    NewStep {
        train: "2027-01".into(),
        key: key.into(),
        rule: "code_freeze_missed".into(),
        team: "fulfillment".into(),
        to: "nrossi".into(),
        message: "`split-shipments` is still missing after code freeze".into(),
        since: 1_000,
        due_at: 1_000,
    }
}

fn decision(key: &str) -> NewDecision {
    NewDecision {
        kind: treaty_log::DecisionKind::Escalation,
        actor: treaty_log::Actor {
            team: treaty_store::ADMIN_TEAM.into(),
            token_id: None,
        },
        subject: "train:2027-01".into(),
        reason: "still missing".into(),
        details: serde_json::json!({ "key": key }),
        at: 2,
    }
}

fn event() -> NewEvent<'static> {
    NewEvent {
        event_type: "escalation",
        text: "Escalation",
        data: serde_json::json!({}),
    }
}

fn recipients() -> Vec<Recipient> {
    vec![
        Recipient::Webhook {
            team: "fulfillment".into(),
        },
        Recipient::Email {
            team: "fulfillment".into(),
            address: "nadia.rossi@acme.example".into(),
        },
        // Unknown to the broker: skipped, not an error.
        Recipient::Webhook {
            team: "nobody".into(),
        },
    ]
}

async fn timers_and_steps(store: &Store) -> Result<(), StoreError> {
    store.bootstrap(1).await?;
    store
        .create_team_with_webhook(
            "fulfillment",
            "Fulfillment",
            Some("https://hooks.example/f"),
            1,
        )
        .await?;
    store
        .publish_train("2027-01", "{}", &["fulfillment".into()], "fulfillment", 5)
        .await?;
    // Due at once, whatever the clock; one claim at a time.
    assert_eq!(
        store.claim_escalation_timers("a", 10, 100, 8).await?,
        ["2027-01"]
    );
    assert!(
        store
            .claim_escalation_timers("b", 50, 200, 8)
            .await?
            .is_empty()
    );
    store.reschedule_escalations("2027-01", "a", 1_000).await?;
    assert!(
        store
            .claim_escalation_timers("b", 999, 2_000, 8)
            .await?
            .is_empty()
    );
    assert_eq!(
        store.claim_escalation_timers("b", 1_000, 2_000, 8).await?,
        ["2027-01"]
    );
    // A lost claim reschedules nothing; the lease's end frees the train.
    store.reschedule_escalations("2027-01", "a", 9_000).await?;
    assert_eq!(
        store.claim_escalation_timers("c", 2_000, 3_000, 8).await?,
        ["2027-01"]
    );
    assert_eq!(store.release_escalation_timers("c").await?, 1);

    let head = store.log_head().await?.size;
    let key = "code-freeze/2027-01/split-shipments#1";
    let first = store
        .record_escalation_step(&step(key), &recipients(), &event(), decision(key), 2_000)
        .await?
        .ok_or_else(|| test_error("the first recording wrote nothing"))?;
    assert_eq!(first.notifications.len(), 2, "{first:?}");
    let again = store
        .record_escalation_step(&step(key), &recipients(), &event(), decision(key), 3_000)
        .await?;
    assert_eq!(again, None);
    assert_eq!(store.log_head().await?.size, head + 1);
    let listed = store.escalation_steps("2027-01", 100).await?;
    assert_eq!(listed, vec![first.clone()]);
    // A later step: listed last as sent, first among the latest.
    let later_key = "code-freeze/2027-01/split-shipments#2";
    let later = store
        .record_escalation_step(&step(later_key), &[], &event(), decision(later_key), 4_000)
        .await?
        .ok_or_else(|| test_error("the second step wrote nothing"))?;
    let keys = |steps: Vec<treaty_store::StepRecord>| -> Vec<String> {
        steps.into_iter().map(|s| s.step.key).collect()
    };
    assert_eq!(
        keys(store.escalation_steps("2027-01", 100).await?),
        [first.step.key.clone(), later.step.key.clone()]
    );
    assert_eq!(
        keys(store.latest_escalation_steps("2027-01", 1).await?),
        [later.step.key]
    );
    let emails = store.claim_emails("d", 2_000, 9_000, 10).await?;
    assert_eq!(emails.len(), 1);
    assert_eq!(emails[0].url, "nadia.rossi@acme.example");
    let hooks = store.claim_notifications("d", 2_000, 9_000, 10).await?;
    assert_eq!(hooks.len(), 1);
    assert_eq!(hooks[0].url, "https://hooks.example/f");
    Ok(())
}

#[tokio::test]
async fn timers_and_steps_on_sqlite() -> Result<(), StoreError> {
    let (_dir, url) = sqlite_file()?;
    timers_and_steps(&Store::open(&url).await?).await
}

#[tokio::test]
async fn timers_and_steps_on_postgres() -> Result<(), StoreError> {
    on_scratch_postgres(async |url| timers_and_steps(&Store::open(url).await?).await).await
}

#[tokio::test]
async fn two_brokers_recording_one_step_at_once_record_it_once() -> Result<(), StoreError> {
    on_scratch_postgres(async |url| {
        let a = Store::open(url).await?;
        let b = Store::open(url).await?;
        a.bootstrap(1).await?;
        a.create_team_with_webhook(
            "fulfillment",
            "Fulfillment",
            Some("https://hooks.example/f"),
            1,
        )
        .await?;
        for n in 0..20 {
            let key = format!("gate/2027-01/production/fulfillment#{n}");
            let (new, to, announce) = (step(&key), recipients(), event());
            let (x, y) = tokio::join!(
                a.record_escalation_step(&new, &to, &announce, decision(&key), 10),
                b.record_escalation_step(&new, &to, &announce, decision(&key), 10),
            );
            let recorded = [x?, y?].into_iter().flatten().count();
            assert_eq!(recorded, 1, "step {key} recorded {recorded} times");
        }
        assert_eq!(a.escalation_steps("2027-01", 100).await?.len(), 20);
        Ok(())
    })
    .await
}
