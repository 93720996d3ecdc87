//! What the dashboard's catalog reads: each consumer's latest
//! expectation, and the search over every interface (not one page), on
//! SQLite and PostgreSQL.

#[allow(dead_code)]
mod common;

use common::{interface, on_scratch_postgres, sqlite_file};
use treaty_store::{ExpectationRecord, Store, StoreError};

fn expectation(component: &str, version: &str, interface: &str, uses: &str) -> ExpectationRecord {
    ExpectationRecord {
        component: component.into(),
        version: version.into(),
        interface: interface.into(),
        built_against: "1.0.0".into(),
        uses: uses.into(),
        artifacts: "{}".into(),
    }
}

async fn ids(store: &Store, needle: &str, after: &str) -> Result<Vec<String>, StoreError> {
    Ok(store
        .search_interfaces(needle, after, 10)
        .await?
        .into_iter()
        .map(|i| i.interface.id)
        .collect())
}

async fn scenario(store: &Store) -> Result<(), StoreError> {
    store.create_team("payments", "Payments", 1).await?;
    store.create_team("checkout", "Checkout Crew", 1).await?;
    store
        .create_component("payments-svc", "payments", 1)
        .await?;
    store
        .create_component("checkout-web", "checkout", 1)
        .await?;
    for id in ["payments-api", "refunds-api", "zz_raw-api"] {
        // `zz_raw-api`: an id with `_`, which `LIKE` would take as a
        // wildcard if the search did not escape it.
        store
            .create_interface(&interface(id, "payments-svc"), 1)
            .await?;
    }
    let older = r#"{"operations":["GET /payments"]}"#;
    let newer = r#"{"operations":["POST /refunds/{id}"]}"#;
    store
        .put_expectation(&expectation("checkout-web", "7", "refunds-api", older), 10)
        .await?;
    store
        .put_expectation(&expectation("checkout-web", "8", "refunds-api", newer), 20)
        .await?;

    // The consumer's latest expectation, not every one it recorded.
    let consumers = store.consumers_of("refunds-api", 10).await?;
    assert_eq!(consumers.len(), 1, "{consumers:?}");
    assert_eq!(consumers[0].version, "8");
    assert_eq!(consumers[0].uses, newer);
    assert!(store.consumers_of("payments-api", 10).await?.is_empty());

    // By id, any case; by the owner's team name; by a consumer's team.
    assert_eq!(ids(store, "REFUNDS", "").await?, ["refunds-api"]);
    assert_eq!(
        ids(store, "payments", "").await?,
        ["payments-api", "refunds-api", "zz_raw-api"]
    );
    assert_eq!(ids(store, "crew", "").await?, ["refunds-api"]);
    // By what the latest expectation uses; not by what an older one did.
    assert_eq!(ids(store, "/refunds/{id}", "").await?, ["refunds-api"]);
    assert!(ids(store, "get /payments", "").await?.is_empty());
    // `%`, `_` and `\` match themselves only.
    assert!(ids(store, "%", "").await?.is_empty());
    assert!(ids(store, "\\", "").await?.is_empty());
    assert_eq!(ids(store, "_", "").await?, ["zz_raw-api"]);
    // Pages: after an id.
    assert_eq!(
        ids(store, "api", "payments-api").await?,
        ["refunds-api", "zz_raw-api"]
    );
    Ok(())
}

#[tokio::test]
async fn catalog_on_sqlite() -> Result<(), StoreError> {
    let (_dir, url) = sqlite_file()?;
    scenario(&Store::open(&url).await?).await
}

#[tokio::test]
async fn catalog_on_postgres() -> Result<(), StoreError> {
    on_scratch_postgres(async |url: &str| scenario(&Store::open(url).await?).await).await
}
