//! Several brokers on one database answer as one would. Each [`Store`]
//! opened here has its own connection pool and (on SQLite) its own writer
//! queue, like a broker process of its own; requests sent through them at
//! the same moment must get answers that some sequential order of the
//! same requests would give, and never an error naming a constraint.

mod common;

use std::future::Future;

use common::{
    interface, on_scratch_postgres, running_in_production, seed_producer, sqlite_file, test_error,
    verification,
};
use treaty_store::{ExpectationRecord, Recorded, Store, StoreError, Table, Verification, Written};

/// Brokers sharing one database in each test.
const BROKERS: usize = 4;

/// Opens `BROKERS` stores on `url` and runs `check` with them.
async fn with_brokers<F, Fut>(url: &str, check: F) -> Result<(), StoreError>
where
    F: FnOnce(Vec<Store>) -> Fut,
    Fut: Future<Output = Result<(), StoreError>>,
{
    let mut brokers = Vec::new();
    for _ in 0..BROKERS {
        brokers.push(Store::open(url).await?);
    }
    seed(&brokers[0]).await?;
    check(brokers).await
}

async fn on_sqlite<F, Fut>(check: F) -> Result<(), StoreError>
where
    F: FnOnce(Vec<Store>) -> Fut,
    Fut: Future<Output = Result<(), StoreError>>,
{
    let (_dir, url) = sqlite_file()?;
    with_brokers(&url, check).await
}

async fn on_postgres<F, Fut>(check: F) -> Result<(), StoreError>
where
    F: FnOnce(Vec<Store>) -> Fut,
    Fut: Future<Output = Result<(), StoreError>>,
{
    on_scratch_postgres(async |url| with_brokers(url, check).await).await
}

/// One test per backend, named `<check>::sqlite` and `<check>::postgres`.
macro_rules! on_both_backends {
    ($check:ident) => {
        mod $check {
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() -> Result<(), treaty_store::StoreError> {
                super::on_sqlite(super::$check).await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() -> Result<(), treaty_store::StoreError> {
                super::on_postgres(super::$check).await
            }
        }
    };
}

async fn seed(store: &Store) -> Result<(), StoreError> {
    seed_producer(store).await?;
    store.create_team("checkout", "Checkout", 1).await?;
    store
        .create_component("checkout-web", "checkout", 1)
        .await?;
    store.create_environment("production", 1).await?;
    Ok(())
}

/// Runs every future at once, each on its own task, and collects what
/// they answered in order.
async fn all_at_once<T, Fut>(futures: Vec<Fut>) -> Result<Vec<Result<T, StoreError>>, StoreError>
where
    T: Send + 'static,
    Fut: Future<Output = Result<T, StoreError>> + Send + 'static,
{
    let tasks: Vec<_> = futures.into_iter().map(tokio::spawn).collect();
    let mut answers = Vec::new();
    for task in tasks {
        answers.push(task.await.map_err(test_error)?);
    }
    Ok(answers)
}

/// Identical writes at once: exactly one stores something, every other one
/// finds it unchanged, as a sequential repeat would.
fn assert_one_created(what: &str, answers: Vec<Result<Written, StoreError>>) {
    let mut created = 0;
    for answer in answers {
        match answer {
            Ok(Written::Created) => created += 1,
            Ok(Written::Unchanged) => {}
            Err(e) => panic!("{what}: a repeat at the same moment failed: {e}"),
        }
    }
    assert_eq!(created, 1, "{what}: created {created} times");
}

/// Item 15: deployments of one component recorded at once through several
/// brokers all succeed, and exactly one stays current.
async fn concurrent_deployments_all_succeed(brokers: Vec<Store>) -> Result<(), StoreError> {
    const ROUNDS: usize = 6;
    const WRITERS: usize = 16;
    for round in 0..ROUNDS {
        let deployments = (0..WRITERS)
            .map(|i| {
                let store = brokers[i % BROKERS].clone();
                async move {
                    store
                        .record_deployment(
                            "payments-svc",
                            "production",
                            &format!("{round}.{i}"),
                            "payments",
                            10 + round as i64,
                        )
                        .await
                }
            })
            .collect();
        for answer in all_at_once(deployments).await? {
            if let Err(e) = answer {
                panic!("round {round}: a concurrent deployment failed: {e}");
            }
        }
        let current = running_in_production(&brokers[0], "payments-svc").await?;
        assert_eq!(current.len(), 1, "round {round}: {current:?}");
    }
    assert_eq!(
        brokers[0].count(Table::Deployments).await?,
        (ROUNDS * WRITERS) as i64
    );
    Ok(())
}
on_both_backends!(concurrent_deployments_all_succeed);

/// The same release recorded at once through several brokers: one row,
/// one `Created`, every other answer the same release unchanged.
async fn the_same_release_at_once_is_one_release(brokers: Vec<Store>) -> Result<(), StoreError> {
    const ROUNDS: usize = 4;
    const WRITERS: usize = 8;
    for round in 0..ROUNDS {
        let releases = (0..WRITERS)
            .map(|i| {
                let store = brokers[i % BROKERS].clone();
                async move {
                    store
                        .record_release(
                            "checkout-web",
                            "production",
                            &format!("{round}"),
                            "checkout",
                            10,
                        )
                        .await
                }
            })
            .collect();
        let mut created = 0;
        let mut ids = std::collections::BTreeSet::new();
        for answer in all_at_once(releases).await? {
            match answer {
                Ok((r, Recorded::Created)) => {
                    created += 1;
                    ids.insert(r.id);
                }
                Ok((r, Recorded::Unchanged)) => {
                    ids.insert(r.id);
                }
                Ok((r, Recorded::SupportedAgain)) => {
                    panic!("round {round}: supported again, never having ended: {r:?}")
                }
                Err(e) => panic!("round {round}: a release at the same moment failed: {e}"),
            }
        }
        assert_eq!(created, 1, "round {round}");
        assert_eq!(ids.len(), 1, "round {round}: {ids:?}");
    }
    assert_eq!(
        brokers[0].count(Table::ReleasedVersions).await?,
        ROUNDS as i64
    );
    Ok(())
}
on_both_backends!(the_same_release_at_once_is_one_release);

/// Item 16: the same component, interface and expectation registered at
/// the same moment through several brokers: one creates it, the others
/// find it unchanged. Different registrations at once still conflict.
async fn identical_registrations_at_once_are_repeats(
    brokers: Vec<Store>,
) -> Result<(), StoreError> {
    const ROUNDS: usize = 8;
    const WRITERS: usize = 8;
    for round in 0..ROUNDS {
        let component = format!("svc-{round}");
        let answers = all_at_once(
            (0..WRITERS)
                .map(|i| {
                    let (store, component) = (brokers[i % BROKERS].clone(), component.clone());
                    async move { store.create_component(&component, "payments", 20).await }
                })
                .collect(),
        )
        .await?;
        assert_one_created(&format!("component {component}"), answers);

        let record = interface(&format!("api-{round}"), &component);
        let answers = all_at_once(
            (0..WRITERS)
                .map(|i| {
                    let (store, record) = (brokers[i % BROKERS].clone(), record.clone());
                    async move { store.create_interface(&record, 21).await }
                })
                .collect(),
        )
        .await?;
        assert_one_created(&format!("interface {}", record.id), answers);

        let expectation = ExpectationRecord {
            component: "checkout-web".into(),
            version: format!("{round}"),
            interface: record.id.clone(),
            built_against: "1.0.0".into(),
            uses: r#"{"operations":["createPayment"]}"#.into(),
            artifacts: format!("[{round}]"),
        };
        let answers = all_at_once(
            (0..WRITERS)
                .map(|i| {
                    let (store, e) = (brokers[i % BROKERS].clone(), expectation.clone());
                    async move { store.put_expectation(&e, 22).await }
                })
                .collect(),
        )
        .await?;
        assert_one_created(&format!("expectation {round}"), answers);

        // Two teams claiming one new component at once: one owns it, the
        // other is told who does, as if it had come second.
        let contested = format!("contested-{round}");
        let answers = all_at_once(
            ["payments", "checkout"]
                .into_iter()
                .enumerate()
                .map(|(i, team)| {
                    let (store, id) = (brokers[i % BROKERS].clone(), contested.clone());
                    async move { store.create_component(&id, team, 23).await }
                })
                .collect(),
        )
        .await?;
        let created = answers
            .iter()
            .filter(|a| matches!(a, Ok(Written::Created)))
            .count();
        let conflicts = answers
            .iter()
            .filter(|a| matches!(a, Err(StoreError::Conflict(m)) if m.contains("owned by team")))
            .count();
        assert_eq!((created, conflicts), (1, 1), "{contested}: {answers:?}");
    }
    Ok(())
}
on_both_backends!(identical_registrations_at_once_are_repeats);

/// Item 17: an undeployment racing a deployment, with a version running
/// before: whichever goes first, a version was running when the
/// undeployment ran, so it must answer that it undeployed one.
async fn an_undeployment_racing_a_deployment_finds_one(
    brokers: Vec<Store>,
) -> Result<(), StoreError> {
    const ROUNDS: usize = 60;
    for round in 0..ROUNDS {
        let now = 100 + round as i64;
        brokers[0]
            .record_deployment(
                "payments-svc",
                "production",
                &format!("{round}.0"),
                "payments",
                now,
            )
            .await?;
        let deployer = brokers[1 + round % (BROKERS - 1)].clone();
        let undeployer = brokers[1 + (round + 1) % (BROKERS - 1)].clone();
        let deployed_next = format!("{round}.1");
        let deployment = tokio::spawn({
            let version = deployed_next.clone();
            async move {
                deployer
                    .record_deployment("payments-svc", "production", &version, "payments", now)
                    .await
            }
        });
        let undeployment = tokio::spawn(async move {
            undeployer
                .record_undeployment("payments-svc", "production", now)
                .await
        });
        deployment.await.map_err(test_error)??;
        assert!(
            undeployment.await.map_err(test_error)??,
            "round {round}: `undeployed: false` though a version ran before and after"
        );
        // Either order leaves nothing or the new version current.
        let current = brokers[0]
            .deployed_version("payments-svc", "production")
            .await?;
        assert!(
            current.is_none() || current.as_deref() == Some(deployed_next.as_str()),
            "round {round}: {current:?}"
        );
    }
    Ok(())
}
on_both_backends!(an_undeployment_racing_a_deployment_finds_one);

/// Item 18: the verification recorded last decides, though the broker
/// that recorded it has a clock behind the others'.
async fn the_last_recorded_verification_decides_whatever_the_clocks(
    brokers: Vec<Store>,
) -> Result<(), StoreError> {
    let success = verification("1.0.0");
    let failure = Verification {
        success: false,
        ..success.clone()
    };
    let latest = |store: &Store| {
        let store = store.clone();
        async move {
            store
                .latest_verification("payments-api", "1.0.0", "checkout-web", "7")
                .await
                .map(|l| l.map(|l| (l.verification.success, l.recorded_at)))
        }
    };
    brokers[0]
        .record_verification(&success, "payments", 1_000)
        .await?;
    // A broker whose clock is 500 ms behind records a failure afterwards.
    brokers[1]
        .record_verification(&failure, "payments", 500)
        .await?;
    for broker in &brokers {
        assert_eq!(latest(broker).await?, Some((false, 500)));
    }
    // And one further behind records a success after that.
    brokers[2]
        .record_verification(&success, "payments", 200)
        .await?;
    for broker in &brokers {
        assert_eq!(latest(broker).await?, Some((true, 200)));
    }
    // Same clock reading, failure recorded last: the failure decides.
    brokers[3]
        .record_verification(&failure, "payments", 200)
        .await?;
    assert_eq!(latest(&brokers[0]).await?, Some((false, 200)));
    Ok(())
}
on_both_backends!(the_last_recorded_verification_decides_whatever_the_clocks);

/// A deployment racing a writer that does not serialize on it (a broker of
/// an older build, during an upgrade) is run again rather than refused
/// with an error naming the unique index; it then replaces that writer's.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_deployment_racing_an_unserialized_writer_is_retried() -> Result<(), StoreError> {
    on_scratch_postgres(async |url| {
        let store = Store::open(url).await?;
        seed(&store).await?;
        // The older writer: a current deployment, inserted without the
        // lock and not yet committed, so the new writer cannot see it.
        let older = sqlx::AnyPool::connect(url).await?;
        let mut tx = older.begin().await?;
        sqlx::query("INSERT INTO deployments (id, component_id, environment_id, version, deployed_at, recorded_by) VALUES ('dep_older', 'payments-svc', 'production', '0.9', 1, 'payments')")
            .execute(&mut *tx)
            .await?;
        let deployment = tokio::spawn({
            let store = store.clone();
            async move {
                store
                    .record_deployment("payments-svc", "production", "1.0", "payments", 2)
                    .await
            }
        });
        // Let the new writer reach the unique index and wait there.
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        tx.commit().await?;
        deployment.await.map_err(test_error)??;
        older.close().await;
        assert_eq!(
            store.deployed_version("payments-svc", "production").await?,
            Some("1.0".into())
        );
        assert_eq!(store.count(Table::Deployments).await?, 2);
        Ok(())
    })
    .await
}
