//! Scratch PostgreSQL schemas, so that tests share one server without
//! seeing each other's rows.

use sqlx::Executor;
use sqlx::any::{AnyPoolOptions, install_default_drivers};

use crate::StoreError;
use crate::ids::random_id;

/// What a scratch URL ends with, before the schema's name.
const SEARCH_PATH: &str = "options=-c%20search_path%3D";

/// A new, empty PostgreSQL schema on the server `url` names, and a URL
/// that uses it: tests run side by side on one database without seeing
/// each other's rows. Drop it afterwards with [`drop_scratch_postgres`].
pub async fn scratch_postgres_url(url: &str) -> Result<String, StoreError> {
    install_default_drivers();
    let schema = random_id("treaty_test_")?;
    let pool = AnyPoolOptions::new()
        .max_connections(1)
        .connect(url)
        .await?;
    pool.execute(format!("CREATE SCHEMA {schema}").as_str())
        .await?;
    pool.close().await;
    let sep = if url.contains('?') { '&' } else { '?' };
    Ok(format!("{url}{sep}{SEARCH_PATH}{schema}"))
}

/// Drops the schema of a URL made by [`scratch_postgres_url`], with
/// everything in it. Any other URL is refused as [`StoreError::BadUrl`],
/// so that this never drops a schema it did not make.
pub async fn drop_scratch_postgres(scratch_url: &str) -> Result<(), StoreError> {
    let schema = scratch_url
        .rsplit_once(SEARCH_PATH)
        .map(|(_, schema)| schema)
        .filter(|s| {
            s.starts_with("treaty_test_")
                && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        })
        .ok_or_else(|| StoreError::BadUrl(scratch_url.to_owned()))?;
    install_default_drivers();
    let pool = AnyPoolOptions::new()
        .max_connections(1)
        .connect(scratch_url)
        .await?;
    let dropped = pool
        .execute(format!("DROP SCHEMA IF EXISTS {schema} CASCADE").as_str())
        .await;
    pool.close().await;
    dropped?;
    Ok(())
}
