//! Train evidence: the records the gate reads are those of the newest run
//! of each subject, component and version, all its shards, whatever order
//! the runs were recorded in; and a store of an older schema version keeps
//! answering the same once migrated.

#[allow(dead_code)]
mod common;

use common::{on_scratch_postgres, sqlite_file, test_error};
use treaty_store::{NewEvidence, Store, StoreError};

fn evidence(train: &str, version: &str, run: &str, shard: &str) -> NewEvidence {
    NewEvidence {
        train: train.into(),
        subject: "item-1/tests".into(),
        component: "checkout-web".into(),
        version: version.into(),
        run: run.into(),
        measurements: format!("{{\"shard\":\"{shard}\"}}"),
    }
}

/// The gate's records of `train`, as (version, run, measurements), sorted.
async fn newest(store: &Store, train: &str) -> Result<Vec<(String, String, String)>, StoreError> {
    let mut rows: Vec<_> = store
        .latest_evidence(train)
        .await?
        .into_iter()
        .map(|r| (r.evidence.version, r.evidence.run, r.evidence.measurements))
        .collect();
    rows.sort();
    Ok(rows)
}

fn row(version: &str, run: &str, shard: &str) -> (String, String, String) {
    (
        version.into(),
        run.into(),
        format!("{{\"shard\":\"{shard}\"}}"),
    )
}

async fn only_the_newest_runs_are_read(url: &str) -> Result<(), StoreError> {
    let store = Store::open(url).await?;
    store.create_team("checkout", "Checkout", 1).await?;
    let record = |e: NewEvidence, at: i64| {
        let store = store.clone();
        async move { store.record_evidence(&e, "checkout", at).await }
    };
    // Two shards of run a, then run b: b replaces both of a's.
    record(evidence("spring", "1.0", "a", "a1"), 10).await?;
    record(evidence("spring", "1.0", "a", "a2"), 11).await?;
    assert_eq!(
        newest(&store, "spring").await?,
        vec![row("1.0", "a", "a1"), row("1.0", "a", "a2")]
    );
    record(evidence("spring", "1.0", "b", "b1"), 20).await?;
    assert_eq!(newest(&store, "spring").await?, vec![row("1.0", "b", "b1")]);
    // A late shard of the older run stays out; a second shard of b joins.
    record(evidence("spring", "1.0", "a", "a3"), 15).await?;
    record(evidence("spring", "1.0", "b", "b2"), 21).await?;
    // Another version, and another train, are apart.
    record(evidence("spring", "2.0", "c", "c1"), 5).await?;
    record(evidence("autumn", "1.0", "d", "d1"), 30).await?;
    assert_eq!(
        newest(&store, "spring").await?,
        vec![
            row("1.0", "b", "b1"),
            row("1.0", "b", "b2"),
            row("2.0", "c", "c1")
        ]
    );
    assert_eq!(newest(&store, "autumn").await?, vec![row("1.0", "d", "d1")]);
    // Every record is kept, the older runs' too.
    assert_eq!(store.evidence_count("spring").await?, 6);
    Ok(())
}

#[tokio::test]
async fn only_the_newest_runs_are_read_on_sqlite() -> Result<(), StoreError> {
    let (_dir, url) = sqlite_file()?;
    only_the_newest_runs_are_read(&url).await
}

#[tokio::test]
async fn only_the_newest_runs_are_read_on_postgres() -> Result<(), StoreError> {
    on_scratch_postgres(only_the_newest_runs_are_read).await
}

/// A store at schema version 15 (evidence recorded, the newest runs known
/// only by `train_evidence_latest`) answers the same newest records once
/// migrated, and records after that keep them.
async fn newest_records_survive_the_migration(url: &str) -> Result<(), StoreError> {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(url).await?;
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/migrations");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map_err(test_error)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    files.sort();
    sqlx::query("CREATE TABLE treaty_schema (version BIGINT PRIMARY KEY)")
        .execute(&pool)
        .await?;
    for (i, file) in files.iter().take(15).enumerate() {
        let sql = std::fs::read_to_string(file).map_err(test_error)?;
        let code: String = sql
            .lines()
            .filter(|l| !l.trim_start().starts_with("--"))
            .collect::<Vec<_>>()
            .join("\n");
        for statement in code.split(';').map(str::trim).filter(|s| !s.is_empty()) {
            sqlx::query(statement).execute(&pool).await?;
        }
        sqlx::query("INSERT INTO treaty_schema (version) VALUES ($1)")
            .bind(i as i64 + 1)
            .execute(&pool)
            .await?;
    }
    for statement in [
        "INSERT INTO teams (id, name, created_at) VALUES ('checkout', 'Checkout', 1)",
        "INSERT INTO train_evidence VALUES ('evd_1', 'spring', 'item-1/tests', 'checkout-web', '1.0', 'a', '{\"shard\":\"a1\"}', 10, 'checkout')",
        "INSERT INTO train_evidence VALUES ('evd_2', 'spring', 'item-1/tests', 'checkout-web', '1.0', 'b', '{\"shard\":\"b1\"}', 20, 'checkout')",
        "INSERT INTO train_evidence VALUES ('evd_3', 'spring', 'item-1/tests', 'checkout-web', '1.0', 'b', '{\"shard\":\"b2\"}', 21, 'checkout')",
        "INSERT INTO train_evidence_latest VALUES ('spring', 'item-1/tests', 'checkout-web', '1.0', 'b', 21)",
    ] {
        sqlx::query(statement).execute(&pool).await?;
    }
    pool.close().await;

    let store = Store::open(url).await?;
    assert_eq!(
        newest(&store, "spring").await?,
        vec![row("1.0", "b", "b1"), row("1.0", "b", "b2")]
    );
    store
        .record_evidence(&evidence("spring", "1.0", "e", "e1"), "checkout", 30)
        .await?;
    assert_eq!(newest(&store, "spring").await?, vec![row("1.0", "e", "e1")]);
    Ok(())
}

#[tokio::test]
async fn newest_records_survive_the_migration_on_sqlite() -> Result<(), StoreError> {
    let dir = tempfile::tempdir().map_err(test_error)?;
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("treaty.db").display()
    );
    newest_records_survive_the_migration(&url).await
}

#[tokio::test]
async fn newest_records_survive_the_migration_on_postgres() -> Result<(), StoreError> {
    on_scratch_postgres(newest_records_survive_the_migration).await
}
