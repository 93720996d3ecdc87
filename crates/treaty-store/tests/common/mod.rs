//! What the store's test files share: where the databases are, and the
//! records most tests start from.

use treaty_store::{Deployment, InterfaceRecord, Store, StoreError, Verification};

/// The PostgreSQL server the tests may use. Without one, a test fails when
/// `CI` is set (CI must exercise PostgreSQL, not pass without it) and
/// otherwise says on stderr that it skipped.
pub fn postgres_server() -> Option<String> {
    if let Ok(url) = std::env::var("TREATY_TEST_DATABASE_URL") {
        return Some(url);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "TREATY_TEST_DATABASE_URL is not set, but CI is: the PostgreSQL tests must run in CI (start PostgreSQL and set TREATY_TEST_DATABASE_URL)"
    );
    // Written to stderr itself: the test harness hides `eprintln!` output
    // of a test that passes, and a skip must be seen.
    let _ = std::io::Write::write_all(
        &mut std::io::stderr().lock(),
        b"skipped: TREATY_TEST_DATABASE_URL is not set (PostgreSQL tests need a server)\n",
    );
    None
}

/// A test's own error, as a store error, so that `?` works throughout.
pub fn test_error(e: impl std::fmt::Display) -> StoreError {
    StoreError::NotFound(e.to_string())
}

/// A URL for a new SQLite database file in a fresh temporary directory,
/// which lives as long as the returned handle.
pub fn sqlite_file() -> Result<(tempfile::TempDir, String), StoreError> {
    let dir = tempfile::tempdir().map_err(test_error)?;
    let url = format!("sqlite://{}", dir.path().join("treaty.db").display());
    Ok((dir, url))
}

/// Runs `check` on a scratch schema of the PostgreSQL server (skipped as
/// [`postgres_server`] says when there is none), then drops the schema.
pub async fn on_scratch_postgres(
    check: impl AsyncFnOnce(&str) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    let Some(server) = postgres_server() else {
        return Ok(());
    };
    let url = treaty_store::scratch_postgres_url(&server).await?;
    let outcome = check(&url).await;
    // Best-effort: a schema left behind is clutter, not a failure.
    if let Err(e) = treaty_store::drop_scratch_postgres(&url).await {
        eprintln!("could not drop the scratch schema of {url}: {e}");
    }
    outcome
}

/// An OpenAPI interface `id` of `component`, backward compatible.
pub fn interface(id: &str, component: &str) -> InterfaceRecord {
    InterfaceRecord {
        id: id.into(),
        component: component.into(),
        kind: "openapi".into(),
        compatibility: "backward".into(),
        proto_category: None,
    }
}

/// The team `payments` with its component `payments-svc`, which produces
/// the interface `payments-api`.
pub async fn seed_producer(store: &Store) -> Result<(), StoreError> {
    store.create_team("payments", "Payments", 1).await?;
    store
        .create_component("payments-svc", "payments", 1)
        .await?;
    store
        .create_interface(&interface("payments-api", "payments-svc"), 1)
        .await?;
    Ok(())
}

/// The deployments of `component` in `production` that have not ended:
/// after any number of deployments, exactly one.
pub async fn running_in_production(
    store: &Store,
    component: &str,
) -> Result<Vec<Deployment>, StoreError> {
    Ok(store
        .deployed("production", "", 1000)
        .await?
        .into_iter()
        .filter(|d| d.component == component)
        .collect())
}

/// A successful verification of `payments-api` version `provider_version`
/// against `checkout-web` version 7.
pub fn verification(provider_version: &str) -> Verification {
    Verification {
        interface: "payments-api".into(),
        provider_version: provider_version.into(),
        consumer: "checkout-web".into(),
        consumer_version: "7".into(),
        success: true,
        details: None,
    }
}
