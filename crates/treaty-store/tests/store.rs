//! The same scenario against SQLite (always) and PostgreSQL (when
//! `TREATY_TEST_DATABASE_URL` names a server; `.ci/run` sets it).

use treaty_store::{Published, Scope, Store, StoreError, Verification};

async fn scenario(store: &Store) -> Result<(), StoreError> {
    store.create_team("payments", "Payments", 1).await?;
    store.create_team("checkout", "Checkout", 1).await?;
    assert!(matches!(
        store.create_team("payments", "Again", 2).await,
        Err(StoreError::Conflict(_))
    ));

    // Tokens: random, stored hashed, scoped, revocable.
    let token = store.issue_token("payments", &[Scope::Publish], 3).await?;
    assert!(token.starts_with("trt_") && token.len() > 40);
    let who = store
        .authenticate(&token)
        .await?
        .ok_or(StoreError::NotFound("principal".into()))?;
    assert_eq!(who.team, "payments");
    assert!(who.may(Scope::Publish) && !who.may(Scope::Approve));
    assert_eq!(store.authenticate("trt_wrong").await?, None);
    assert!(matches!(
        store.issue_token("nobody", &[Scope::Read], 3).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(store.revoke_token(&token, 4).await?);
    assert_eq!(store.authenticate(&token).await?, None);

    // Versions: content-addressed, immutable.
    store
        .create_interface("payments-api", "payments", "openapi", 5)
        .await?;
    assert_eq!(
        store.producer_of("payments-api").await?,
        Some("payments".into())
    );
    assert_eq!(
        store
            .publish_version("payments-api", "1.0.0", "openapi: 3.1.0", 6)
            .await?,
        Published::Created
    );
    assert_eq!(
        store
            .publish_version("payments-api", "1.0.0", "openapi: 3.1.0", 7)
            .await?,
        Published::Unchanged
    );
    assert!(matches!(
        store
            .publish_version("payments-api", "1.0.0", "openapi: 3.0.0", 8)
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(
        store
            .publish_version("payments-api", "1.1.0", "openapi: 3.1.0", 9)
            .await?,
        Published::Created
    );
    assert_eq!(
        store.schema_of("payments-api", "1.1.0").await?,
        Some("openapi: 3.1.0".into())
    );
    // A version of an interface nobody registered is refused by the schema.
    assert!(
        store
            .publish_version("ghost", "1.0.0", "x", 10)
            .await
            .is_err()
    );

    // Verifications: the latest decides.
    let v = Verification {
        interface: "payments-api".into(),
        provider_version: "1.1.0".into(),
        consumer: "checkout".into(),
        consumer_version: "7".into(),
        success: false,
    };
    store.record_verification(&v, "v1", 11).await?;
    assert_eq!(
        store
            .latest_verification("payments-api", "1.1.0", "checkout", "7")
            .await?,
        Some(false)
    );
    store
        .record_verification(&Verification { success: true, ..v }, "v2", 12)
        .await?;
    assert_eq!(
        store
            .latest_verification("payments-api", "1.1.0", "checkout", "7")
            .await?,
        Some(true)
    );
    assert_eq!(
        store
            .latest_verification("payments-api", "1.1.0", "checkout", "8")
            .await?,
        None
    );

    // Deployments: one version per component and environment at a time.
    store
        .record_deployment("checkout", "production", "7", 13)
        .await?;
    store
        .record_deployment("checkout", "production", "8", 14)
        .await?;
    store
        .record_deployment("payments", "production", "1.1.0", 15)
        .await?;
    assert_eq!(
        store.deployed("production").await?,
        vec![
            ("checkout".into(), "8".into()),
            ("payments".into(), "1.1.0".into())
        ]
    );
    assert_eq!(store.deployed("staging").await?, vec![]);
    Ok(())
}

#[tokio::test]
async fn sqlite_store() -> Result<(), StoreError> {
    let dir = tempfile::tempdir().map_err(|e| StoreError::NotFound(e.to_string()))?;
    let url = format!("sqlite://{}", dir.path().join("treaty.db").display());
    let store = Store::open(&url).await?;
    scenario(&store).await?;
    // Reopening keeps everything and does not migrate again.
    drop(store);
    let store = Store::open(&url).await?;
    assert_eq!(
        store.producer_of("payments-api").await?,
        Some("payments".into())
    );
    Ok(())
}

#[tokio::test]
async fn a_database_from_a_newer_build_is_refused() -> Result<(), StoreError> {
    let dir = tempfile::tempdir().map_err(|e| StoreError::NotFound(e.to_string()))?;
    let url = format!("sqlite://{}", dir.path().join("treaty.db").display());
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
    let Ok(url) = std::env::var("TREATY_TEST_DATABASE_URL") else {
        eprintln!("TREATY_TEST_DATABASE_URL is not set: PostgreSQL test skipped");
        return Ok(());
    };
    // A clean database: drop what an earlier run left.
    let pool = sqlx::PgPool::connect(&url).await?;
    for table in [
        "deployments",
        "verifications",
        "interface_versions",
        "schemas",
        "interfaces",
        "tokens",
        "teams",
        "treaty_schema",
    ] {
        sqlx::query(&format!("DROP TABLE IF EXISTS {table} CASCADE"))
            .execute(&pool)
            .await?;
    }
    pool.close().await;
    let store = Store::open(&url).await?;
    scenario(&store).await
}
