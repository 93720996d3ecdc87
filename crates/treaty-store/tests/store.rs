//! The same scenario against SQLite (always) and PostgreSQL (when
//! `TREATY_TEST_DATABASE_URL` names a server; `.ci/run` sets it, and under
//! `CI` a PostgreSQL test without it fails rather than passing untested).

mod common;

use common::{
    interface, on_scratch_postgres, running_in_production, seed_producer, sqlite_file, test_error,
    verification,
};
use treaty_store::{
    ADMIN_TEAM, ExpectationRecord, InterfaceRecord, Recorded, Scope, Store, StoreError, Table,
    Verification, Written,
};

fn admin_actor() -> treaty_store::treaty_log::Actor {
    treaty_store::treaty_log::Actor {
        team: ADMIN_TEAM.into(),
        token_id: None,
    }
}

async fn scenario(store: &Store) -> Result<(), StoreError> {
    // First start: an admin team and one token, once.
    let admin = store.bootstrap(1).await?;
    assert!(admin.as_deref().is_some_and(|t| t.starts_with("trt_")));
    assert_eq!(store.bootstrap(2).await?, None);
    let who = store.authenticate(admin.as_deref().unwrap_or("")).await?;
    assert_eq!(
        who.map(|p| (p.team, p.scopes)),
        Some((ADMIN_TEAM.to_string(), vec![Scope::Admin]))
    );

    store.create_team("payments", "Payments", 1).await?;
    store.create_team("checkout", "Checkout", 1).await?;
    assert!(matches!(
        store.create_team("payments", "Again", 2).await,
        Err(StoreError::Conflict(_))
    ));
    let teams = store.teams("", 2).await?;
    assert_eq!(teams.len(), 2);
    assert_eq!(store.teams(&teams[1].id, 10).await?.len(), 1);

    // Tokens: random, stored hashed, scoped, revocable by id.
    let issued = store
        .issue_token("payments", &[Scope::Publish], 3, admin_actor())
        .await?;
    let (token_id, token) = (issued.id, issued.secret);
    assert!(token.starts_with("trt_") && token.len() > 40);
    let who = store
        .authenticate(&token)
        .await?
        .ok_or(StoreError::NotFound("principal".into()))?;
    assert_eq!(who.team, "payments");
    assert!(who.may(Scope::Publish) && !who.may(Scope::Approve));
    assert_eq!(store.authenticate("trt_wrong").await?, None);
    assert!(matches!(
        store
            .issue_token("nobody", &[Scope::Read], 3, admin_actor())
            .await,
        Err(StoreError::NotFound(_))
    ));
    assert_eq!(store.token_team(&token_id).await?, Some("payments".into()));
    assert!(
        store
            .revoke_token(&token_id, 4, admin_actor())
            .await?
            .is_some()
    );
    assert!(
        store
            .revoke_token(&token_id, 4, admin_actor())
            .await?
            .is_none()
    );
    assert_eq!(store.authenticate(&token).await?, None);

    // Components belong to one team.
    assert_eq!(
        store
            .create_component("payments-svc", "payments", 5)
            .await?,
        Written::Created
    );
    assert_eq!(
        store
            .create_component("payments-svc", "payments", 5)
            .await?,
        Written::Unchanged
    );
    assert!(matches!(
        store.create_component("payments-svc", "checkout", 5).await,
        Err(StoreError::Conflict(_))
    ));
    store
        .create_component("checkout-web", "checkout", 5)
        .await?;

    // Interfaces and versions: content-addressed, immutable.
    let api = interface("payments-api", "payments-svc");
    assert_eq!(store.create_interface(&api, 5).await?, Written::Created);
    assert_eq!(store.create_interface(&api, 6).await?, Written::Unchanged);
    let other = InterfaceRecord {
        compatibility: "full".into(),
        ..api.clone()
    };
    assert!(matches!(
        store.create_interface(&other, 6).await,
        Err(StoreError::Conflict(_))
    ));
    let owned = store.interface("payments-api").await?;
    assert_eq!(owned.map(|o| o.team), Some("payments".into()));
    assert_eq!(store.interfaces_of("payments-svc").await?.len(), 1);
    assert_eq!(
        store
            .publish_version("payments-api", "1.0.0", "bundle-a", 6)
            .await?,
        Written::Created
    );
    assert_eq!(
        store
            .publish_version("payments-api", "1.0.0", "bundle-a", 7)
            .await?,
        Written::Unchanged
    );
    assert!(matches!(
        store
            .publish_version("payments-api", "1.0.0", "bundle-b", 8)
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(
        store
            .publish_version("payments-api", "1.1.0", "bundle-a", 9)
            .await?,
        Written::Created
    );
    let (hash, text) = store
        .bundle_of("payments-api", "1.1.0")
        .await?
        .ok_or(StoreError::NotFound("bundle".into()))?;
    assert_eq!(text, "bundle-a");
    assert_eq!(
        store.bundle_hash_of("payments-api", "1.0.0").await?,
        Some(hash)
    );
    assert_eq!(store.versions("payments-api", "", 10).await?.len(), 2);
    assert!(matches!(
        store.publish_version("ghost", "1.0.0", "x", 10).await,
        Err(StoreError::NotFound(_))
    ));

    // Expectations: immutable per consumer version and interface.
    let expectation = ExpectationRecord {
        component: "checkout-web".into(),
        version: "7".into(),
        interface: "payments-api".into(),
        built_against: "1.0.0".into(),
        uses: r#"{"operations":["createPayment"]}"#.into(),
        artifacts: "[]".into(),
    };
    assert_eq!(
        store.put_expectation(&expectation, 10).await?,
        Written::Created
    );
    assert_eq!(
        store.put_expectation(&expectation, 11).await?,
        Written::Unchanged
    );
    let changed = ExpectationRecord {
        built_against: "1.1.0".into(),
        ..expectation.clone()
    };
    assert!(matches!(
        store.put_expectation(&changed, 11).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(
        store.expectations_of("checkout-web", "7").await?,
        vec![expectation.clone()]
    );

    // Verifications: the latest decides; a failure wins a tie.
    let v = verification("1.1.0");
    store.record_verification(&v, "payments", 11).await?;
    store
        .record_verification(
            &Verification {
                success: false,
                ..v.clone()
            },
            "payments",
            11,
        )
        .await?;
    let latest = store
        .latest_verification("payments-api", "1.1.0", "checkout-web", "7")
        .await?;
    assert_eq!(latest.map(|l| l.verification.success), Some(false));
    store.record_verification(&v, "payments", 12).await?;
    let latest = store
        .latest_verification("payments-api", "1.1.0", "checkout-web", "7")
        .await?;
    assert_eq!(latest.map(|l| l.verification.success), Some(true));
    assert_eq!(
        store
            .latest_verification("payments-api", "1.1.0", "checkout-web", "8")
            .await?,
        None
    );
    let page = store
        .verifications("payments-api", Some("1.1.0"), None, 2)
        .await?;
    assert_eq!(page.len(), 2);
    let last = &page[1];
    let rest = store
        .verifications(
            "payments-api",
            Some("1.1.0"),
            Some((last.recorded_at, &last.id)),
            10,
        )
        .await?;
    assert_eq!(rest.len(), 1);

    // Deployments: one version per component and environment at a time.
    assert_eq!(
        store.create_environment("production", 12).await?,
        Written::Created
    );
    assert_eq!(
        store.create_environment("production", 12).await?,
        Written::Unchanged
    );
    store
        .record_deployment("checkout-web", "production", "6", "checkout", 13)
        .await?;
    store
        .record_deployment("checkout-web", "production", "7", "checkout", 14)
        .await?;
    store
        .record_deployment("payments-svc", "production", "1.1.0", "payments", 15)
        .await?;
    let deployed: Vec<(String, String)> = store
        .deployed("production", "", 1000)
        .await?
        .into_iter()
        .map(|d| (d.component, d.version))
        .collect();
    assert_eq!(
        deployed,
        vec![
            ("checkout-web".into(), "7".into()),
            ("payments-svc".into(), "1.1.0".into())
        ]
    );
    assert_eq!(
        store.deployed_version("payments-svc", "production").await?,
        Some("1.1.0".into())
    );
    let consumers = store
        .deployed_consumers("payments-api", "production")
        .await?;
    assert_eq!(consumers.len(), 1);
    assert_eq!(consumers[0].built_against, "1.0.0");
    assert!(
        store
            .record_undeployment("checkout-web", "production", 16)
            .await?
    );
    assert!(
        !store
            .record_undeployment("checkout-web", "production", 16)
            .await?
    );
    assert!(
        store
            .deployed_consumers("payments-api", "production")
            .await?
            .is_empty()
    );
    // A deployment into an environment nobody registered is refused.
    assert!(
        store
            .record_deployment("checkout-web", "mars", "7", "checkout", 17)
            .await
            .is_err()
    );
    // Released versions: several supported side by side, each once.
    let (r7, w) = store
        .record_release("checkout-web", "production", "7", "checkout", 18)
        .await?;
    assert_eq!(w, Recorded::Created);
    assert!(r7.id.starts_with("rel_") && r7.supported(), "{r7:?}");
    let (again, w) = store
        .record_release("checkout-web", "production", "7", "checkout", 19)
        .await?;
    assert_eq!((again, w), (r7.clone(), Recorded::Unchanged));
    let (r6, _) = store
        .record_release("checkout-web", "production", "6", "checkout", 19)
        .await?;
    let consumers = store
        .deployed_consumers("payments-api", "production")
        .await?;
    assert_eq!(consumers.len(), 1, "only 7 expects anything: {consumers:?}");
    assert_eq!(consumers[0].version, "7");
    // Deployed and released at once: still one consumer, one version.
    store
        .record_deployment("checkout-web", "production", "7", "checkout", 20)
        .await?;
    assert_eq!(
        store
            .deployed_consumers("payments-api", "production")
            .await?
            .len(),
        1
    );
    assert_eq!(
        store.versions_in("checkout-web", "production").await?,
        vec!["6".to_owned(), "7".to_owned()]
    );
    // What can-i-release reads, one query per direction: the same pairs,
    // each with the verification `latest_verification` finds.
    let as_producer = store
        .consumer_pairs("payments-svc", "1.1.0", "production")
        .await?;
    let deciding = store
        .latest_verification("payments-api", "1.1.0", "checkout-web", "7")
        .await?
        .map(|v| (v.id, v.verification.success));
    assert!(deciding.is_some());
    assert_eq!(
        as_producer
            .iter()
            .map(|p| (
                p.interface.as_str(),
                &p.consumer,
                p.verification.clone().map(|v| (v.id, v.success))
            ))
            .collect::<Vec<_>>(),
        vec![(
            "payments-api",
            &store
                .deployed_consumers("payments-api", "production")
                .await?[0],
            deciding
        )]
    );
    let unverified = store
        .consumer_pairs("payments-svc", "9.9.9", "production")
        .await?;
    assert_eq!(unverified.len(), 1);
    assert_eq!(unverified[0].verification, None);
    let producers = |pairs: Vec<treaty_store::ProducerPair>| {
        pairs
            .into_iter()
            .map(|p| {
                (
                    p.producer,
                    p.producer_version,
                    p.verification.map(|v| v.success),
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(
        producers(
            store
                .producer_pairs("checkout-web", "7", "production")
                .await?
        ),
        vec![(
            "payments-svc".to_owned(),
            Some("1.1.0".to_owned()),
            Some(true)
        )]
    );
    // No version of the producer there: the expectation, without one.
    store.create_environment("staging", 20).await?;
    assert_eq!(
        producers(store.producer_pairs("checkout-web", "7", "staging").await?),
        vec![("payments-svc".to_owned(), None, None)]
    );
    assert!(
        store
            .producer_pairs("checkout-web", "6", "production")
            .await?
            .is_empty()
    );
    // Both directions in one statement: the same pairs, in the same order.
    for (component, version, environment) in [
        ("payments-svc", "1.1.0", "production"),
        ("payments-svc", "9.9.9", "production"),
        ("checkout-web", "7", "production"),
        ("checkout-web", "7", "staging"),
        ("checkout-web", "6", "production"),
    ] {
        let both = store.release_pairs(component, version, environment).await?;
        assert_eq!(
            both.consumers,
            store
                .consumer_pairs(component, version, environment)
                .await?
        );
        assert_eq!(
            both.producers,
            store
                .producer_pairs(component, version, environment)
                .await?
        );
    }
    let released: Vec<String> = store
        .released("production", Some("checkout-web"), ("", ""), 10)
        .await?
        .into_iter()
        .map(|r| r.version)
        .collect();
    assert_eq!(released, ["6", "7"]);
    assert_eq!(
        store
            .released("production", None, ("checkout-web", "6"), 10)
            .await?
            .len(),
        1
    );
    // Ending support ends that release only; again changes nothing.
    let (ended, now_ended) = store
        .end_support(&r6.id, 21)
        .await?
        .ok_or("no r6")
        .map_err(test_error)?;
    assert!(now_ended && !ended.supported() && ended.support_ended_at == Some(21));
    assert_eq!(
        store.end_support(&r6.id, 22).await?.map(|(_, e)| e),
        Some(false)
    );
    assert_eq!(store.end_support("rel_none", 22).await?, None);
    assert_eq!(
        store.versions_in("checkout-web", "production").await?,
        vec!["7".to_owned()]
    );
    // Released again after its support ended: the same release, supported.
    let (back, w) = store
        .record_release("checkout-web", "production", "6", "checkout", 23)
        .await?;
    assert_eq!(w, Recorded::SupportedAgain);
    assert_eq!((back.id.as_str(), back.released_at), (r6.id.as_str(), 23));
    assert!(back.supported());
    assert_eq!(store.release(&r6.id).await?, Some(back));
    store.end_support(&r7.id, 24).await?;
    store
        .record_undeployment("checkout-web", "production", 24)
        .await?;
    assert!(
        store
            .deployed_consumers("payments-api", "production")
            .await?
            .is_empty()
    );
    assert_eq!(store.count(Table::ReleasedVersions).await?, 2);
    assert_eq!(store.count(Table::Deployments).await?, 4);
    Ok(())
}

#[tokio::test]
async fn sqlite_store() -> Result<(), StoreError> {
    let (_dir, url) = sqlite_file()?;
    let store = Store::open(&url).await?;
    scenario(&store).await?;
    // Reopening keeps everything and does not migrate again.
    drop(store);
    let store = Store::open(&url).await?;
    assert_eq!(store.count(Table::InterfaceVersions).await?, 2);
    Ok(())
}

#[tokio::test]
async fn a_database_from_a_newer_build_is_refused() -> Result<(), StoreError> {
    let (_dir, url) = sqlite_file()?;
    {
        let _store = Store::open(&url).await?;
    }
    let pool = sqlx::SqlitePool::connect(&url).await?;
    sqlx::query("INSERT INTO treaty_schema (version) VALUES (99)")
        .execute(&pool)
        .await?;
    pool.close().await;
    assert!(matches!(
        Store::open(&url).await,
        Err(StoreError::NewerSchema { found: 99, .. })
    ));
    Ok(())
}

#[tokio::test]
async fn bad_urls_are_refused() {
    assert!(matches!(
        Store::open("mysql://x").await,
        Err(StoreError::BadUrl(_))
    ));
}

#[tokio::test]
async fn postgres_store() -> Result<(), StoreError> {
    on_scratch_postgres(postgres_scenario).await
}

async fn postgres_scenario(url: &str) -> Result<(), StoreError> {
    // Brokers starting at once on a new database: one migrates, all start.
    let (a, b, c) = tokio::join!(Store::open(url), Store::open(url), Store::open(url));
    let store = a?;
    drop((b?, c?));
    scenario(&store).await?;
    // A second broker on the same database migrates nothing and sees it all.
    let second = Store::open(url).await?;
    assert_eq!(second.count(Table::InterfaceVersions).await?, 2);
    // The same version published twice at once: one creates it, the other
    // finds it unchanged; neither is a conflict.
    let (x, y) = tokio::join!(
        store.publish_version("payments-api", "3.0.0", "bundle-c", 21),
        second.publish_version("payments-api", "3.0.0", "bundle-c", 21)
    );
    let mut outcomes = vec![x?, y?];
    outcomes.sort_by_key(|w| *w == Written::Unchanged);
    assert_eq!(outcomes, vec![Written::Created, Written::Unchanged]);
    // Deployments of one component racing on PostgreSQL: one stays current.
    let mut racing = Vec::new();
    for i in 0..8 {
        let store = if i % 2 == 0 {
            store.clone()
        } else {
            second.clone()
        };
        racing.push(tokio::spawn(async move {
            store
                .record_deployment(
                    "payments-svc",
                    "production",
                    &format!("2.{i}"),
                    "payments",
                    20,
                )
                .await
        }));
    }
    for r in racing {
        r.await.map_err(test_error)??;
    }
    let current = running_in_production(&store, "payments-svc").await?;
    assert_eq!(current.len(), 1, "{current:?}");
    Ok(())
}

/// A token whose stored scopes include one this build does not know is
/// refused with an error naming the row, not read with the scope dropped.
#[tokio::test]
async fn an_unknown_stored_scope_is_an_error_naming_the_token() -> Result<(), StoreError> {
    let (_dir, url) = sqlite_file()?;
    let store = Store::open(&url).await?;
    store.create_team("payments", "Payments", 1).await?;
    let issued = store
        .issue_token("payments", &[Scope::Read], 1, admin_actor())
        .await?;
    let (token_id, token) = (issued.id, issued.secret);
    let pool = sqlx::SqlitePool::connect(&url).await?;
    sqlx::query("UPDATE tokens SET scopes = 'read,superuser' WHERE id = $1")
        .bind(&token_id)
        .execute(&pool)
        .await?;
    pool.close().await;
    match store.authenticate(&token).await {
        Err(StoreError::Corrupt {
            table: "tokens",
            row,
            field: "scopes",
            value,
        }) => {
            assert_eq!(
                (row.as_str(), value.as_str()),
                (token_id.as_str(), "read,superuser")
            );
        }
        other => panic!("expected a corrupt-row error, got {other:?}"),
    }
    Ok(())
}

/// Concurrent writers on one SQLite file all succeed: write transactions
/// take the lock up front and wait for it instead of failing as busy.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writers_on_sqlite_all_succeed() -> Result<(), StoreError> {
    let (_dir, url) = sqlite_file()?;
    let store = Store::open(&url).await?;
    seed_producer(&store).await?;
    let mut tasks = Vec::new();
    for writer in 0..16 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..20 {
                let version = format!("{writer}.{i}.0");
                store
                    .publish_version("payments-api", &version, &format!("bundle {writer} {i}"), 2)
                    .await?;
                store
                    .record_deployment("payments-svc", "production", &version, "payments", 3)
                    .await
                    .ok(); // no such environment: refused, and that is fine here
            }
            Ok::<(), StoreError>(())
        }));
    }
    for t in tasks {
        t.await.map_err(test_error)??;
    }
    assert_eq!(store.count(Table::InterfaceVersions).await?, 320);
    assert_eq!(store.count(Table::Deployments).await?, 0);
    Ok(())
}

/// A store left at schema version 1 by an older build is brought to the
/// current version at start, and the new table is filled from what was
/// there.
#[tokio::test]
async fn an_older_database_is_migrated_forward() -> Result<(), StoreError> {
    let dir = tempfile::tempdir().map_err(test_error)?;
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("treaty.db").display()
    );
    let pool = sqlx::SqlitePool::connect(&url).await?;
    let v1: String = include_str!("../migrations/0001_init.sql")
        .lines()
        .filter(|l| !l.trim_start().starts_with("--"))
        .collect::<Vec<_>>()
        .join("\n");
    for statement in v1.split(';').map(str::trim).filter(|s| !s.is_empty()) {
        sqlx::query(statement).execute(&pool).await?;
    }
    for statement in [
        "CREATE TABLE treaty_schema (version BIGINT PRIMARY KEY)",
        "INSERT INTO treaty_schema (version) VALUES (1)",
        "INSERT INTO teams VALUES ('checkout', 'Checkout', 1)",
        "INSERT INTO teams VALUES ('payments', 'Payments', 1)",
        "INSERT INTO components VALUES ('checkout-web', 'checkout', 1)",
        "INSERT INTO components VALUES ('payments-svc', 'payments', 1)",
        "INSERT INTO interfaces VALUES ('payments-api', 'payments-svc', 'openapi', 'backward', NULL, 1)",
        "INSERT INTO blobs VALUES ('h', '[]')",
        "INSERT INTO expectations VALUES ('checkout-web', '7', 'payments-api', '1.0.0', '{}', 'h', 1)",
        "INSERT INTO expectations VALUES ('checkout-web', '8', 'payments-api', '1.0.0', '{}', 'h', 1)",
        "INSERT INTO environments VALUES ('production', 1)",
        "INSERT INTO deployments VALUES ('d1', 'checkout-web', 'production', '8', 1, NULL, 'checkout')",
    ] {
        sqlx::query(statement).execute(&pool).await?;
    }
    pool.close().await;
    let store = Store::open(&url).await?;
    let consumers = store
        .deployed_consumers("payments-api", "production")
        .await?;
    assert_eq!(consumers.len(), 1);
    assert_eq!(
        (
            consumers[0].component.as_str(),
            consumers[0].version.as_str()
        ),
        ("checkout-web", "8")
    );
    Ok(())
}

/// Verifications stored by a build that ordered them by their brokers'
/// clocks keep the order that build gave them when the store is migrated
/// to number them (a failure counted as later within one millisecond);
/// verifications recorded afterwards come after them, whatever their time.
async fn verifications_keep_their_order_when_migrated(url: &str) -> Result<(), StoreError> {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(url).await?;
    let older_schema = [
        include_str!("../migrations/0001_init.sql"),
        include_str!("../migrations/0002_interface_consumers.sql"),
    ]
    .map(|sql| {
        sql.lines()
            .filter(|l| !l.trim_start().starts_with("--"))
            .collect::<Vec<_>>()
            .join("\n")
    })
    .join(";\n");
    for statement in older_schema
        .split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        sqlx::query(statement).execute(&pool).await?;
    }
    for statement in [
        "CREATE TABLE treaty_schema (version BIGINT PRIMARY KEY)",
        "INSERT INTO treaty_schema (version) VALUES (1)",
        "INSERT INTO treaty_schema (version) VALUES (2)",
        "INSERT INTO teams VALUES ('checkout', 'Checkout', 1)",
        "INSERT INTO teams VALUES ('payments', 'Payments', 1)",
        "INSERT INTO components VALUES ('checkout-web', 'checkout', 1)",
        "INSERT INTO components VALUES ('payments-svc', 'payments', 1)",
        "INSERT INTO interfaces VALUES ('payments-api', 'payments-svc', 'openapi', 'backward', NULL, 1)",
        // Version 7: a success and a failure in one millisecond (the ids
        // in the other order, so that they cannot decide), after an older
        // success.
        "INSERT INTO verifications VALUES ('ver_b', 'payments-api', '1.0.0', 'checkout-web', '7', 1, NULL, 'payments', 3)",
        "INSERT INTO verifications VALUES ('ver_z', 'payments-api', '1.0.0', 'checkout-web', '7', 1, NULL, 'payments', 5)",
        "INSERT INTO verifications VALUES ('ver_a', 'payments-api', '1.0.0', 'checkout-web', '7', 0, NULL, 'payments', 5)",
        // Version 8: a failure, then a success.
        "INSERT INTO verifications VALUES ('ver_c', 'payments-api', '1.0.0', 'checkout-web', '8', 1, NULL, 'payments', 9)",
        "INSERT INTO verifications VALUES ('ver_d', 'payments-api', '1.0.0', 'checkout-web', '8', 0, NULL, 'payments', 4)",
    ] {
        sqlx::query(statement).execute(&pool).await?;
    }
    pool.close().await;

    let store = Store::open(url).await?;
    let latest = |consumer_version: &'static str| {
        let store = store.clone();
        async move {
            store
                .latest_verification("payments-api", "1.0.0", "checkout-web", consumer_version)
                .await
                .map(|l| l.map(|l| (l.id, l.verification.success)))
        }
    };
    assert_eq!(latest("7").await?, Some(("ver_a".into(), false)));
    assert_eq!(latest("8").await?, Some(("ver_c".into(), true)));
    let v = verification("1.0.0");
    // Recorded after them, by a broker whose clock is behind.
    let id = store.record_verification(&v, "payments", 1).await?;
    assert_eq!(latest("7").await?, Some((id, true)));
    Ok(())
}

#[tokio::test]
async fn verifications_keep_their_order_when_migrated_on_sqlite() -> Result<(), StoreError> {
    let dir = tempfile::tempdir().map_err(test_error)?;
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("treaty.db").display()
    );
    verifications_keep_their_order_when_migrated(&url).await
}

#[tokio::test]
async fn verifications_keep_their_order_when_migrated_on_postgres() -> Result<(), StoreError> {
    on_scratch_postgres(verifications_keep_their_order_when_migrated).await
}
