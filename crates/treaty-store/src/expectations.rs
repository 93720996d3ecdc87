//! Expectations: what each consumer version was built against and uses,
//! and the index of which components consume an interface.

use sqlx::Row;

use crate::ids::content_hash;
use crate::versions::{put_blob, put_component_version};
use crate::write::{RepeatAnswer, finish_insert};
use crate::{Store, StoreError, Written};

/// What version `version` of consumer `component` was built against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpectationRecord {
    /// The consumer component.
    pub component: String,
    /// The consumer's version.
    pub version: String,
    /// The interface it consumes.
    pub interface: String,
    /// The interface version it was built against.
    pub built_against: String,
    /// JSON, as the server wrote it.
    pub uses: String,
    /// JSON of the example payloads and Pact files, stored as they came.
    pub artifacts: String,
}

impl Store {
    /// Records what a consumer version was built against, in one
    /// transaction with its artifacts and the component version.
    /// Expectations are immutable, like versions.
    pub async fn put_expectation(
        &self,
        e: &ExpectationRecord,
        now: i64,
    ) -> Result<Written, StoreError> {
        let artifacts_hash = content_hash(&e.artifacts);
        let (_turn, mut tx) = self.write_tx().await?;
        if let Some(answer) = repeated_expectation(&mut tx, e, &artifacts_hash).await? {
            return answer;
        }
        put_blob(&mut tx, &artifacts_hash, &e.artifacts).await?;
        put_component_version(&mut tx, &e.component, &e.version, now).await?;
        let inserted = insert_expectation(&mut tx, e, &artifacts_hash, now).await;
        // Recorded at the same moment through another connection
        // (PostgreSQL): answer as if this request had come second.
        let stored_answer = async || {
            let mut conn = self.pool.acquire().await?;
            repeated_expectation(&mut conn, e, &artifacts_hash).await
        };
        finish_insert(tx, inserted, stored_answer, || {
            format!(
                "expectation of `{}` version {} on `{}`",
                e.component, e.version, e.interface
            )
        })
        .await
    }

    /// Everything one consumer version expects, by interface.
    pub async fn expectations_of(
        &self,
        component: &str,
        version: &str,
    ) -> Result<Vec<ExpectationRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT e.interface_id AS interface_id, e.built_against AS built_against, e.uses AS uses, b.content AS artifacts FROM expectations e JOIN blobs b ON b.hash = e.artifacts_hash WHERE e.component_id = $1 AND e.version = $2 ORDER BY e.interface_id",
        )
        .bind(component)
        .bind(version)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ExpectationRecord {
                    component: component.to_owned(),
                    version: version.to_owned(),
                    interface: r.try_get("interface_id")?,
                    built_against: r.try_get("built_against")?,
                    uses: r.try_get("uses")?,
                    artifacts: r.try_get("artifacts")?,
                })
            })
            .collect()
    }
}

/// Inserts the expectation `e` (its artifacts stored under
/// `artifacts_hash`) and lists its consumer among the interface's; the
/// insert's own result, for [`finish_insert`].
pub(crate) async fn insert_expectation(
    conn: &mut sqlx::AnyConnection,
    e: &ExpectationRecord,
    artifacts_hash: &str,
    now: i64,
) -> Result<sqlx::any::AnyQueryResult, sqlx::Error> {
    sqlx::query("INSERT INTO interface_consumers (interface_id, component_id) VALUES ($1, $2) ON CONFLICT (interface_id, component_id) DO NOTHING")
        .bind(&e.interface)
        .bind(&e.component)
        .execute(&mut *conn)
        .await?;
    sqlx::query("INSERT INTO expectations (component_id, version, interface_id, built_against, uses, artifacts_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(&e.component)
        .bind(&e.version)
        .bind(&e.interface)
        .bind(&e.built_against)
        .bind(&e.uses)
        .bind(artifacts_hash)
        .bind(now)
        .execute(&mut *conn)
        .await
}

/// The answer to recording `e` (with artifacts hashing to `artifacts_hash`)
/// if an expectation of the same consumer version and interface is stored:
/// nothing to do if it is the same, a conflict otherwise; `None` if there
/// is none.
pub(crate) async fn repeated_expectation(
    conn: &mut sqlx::AnyConnection,
    e: &ExpectationRecord,
    artifacts_hash: &str,
) -> Result<RepeatAnswer, StoreError> {
    let existing = sqlx::query(
        "SELECT built_against, uses, artifacts_hash FROM expectations WHERE component_id = $1 AND version = $2 AND interface_id = $3",
    )
    .bind(&e.component)
    .bind(&e.version)
    .bind(&e.interface)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = existing else {
        return Ok(None);
    };
    let same = row.try_get::<String, _>("built_against")? == e.built_against
        && row.try_get::<String, _>("uses")? == e.uses
        && row.try_get::<String, _>("artifacts_hash")? == artifacts_hash;
    Ok(Some(if same {
        Ok(Written::Unchanged)
    } else {
        Err(StoreError::Conflict(format!(
            "`{}` version {} already has another expectation of `{}` (expectations are immutable: record a new version)",
            e.component, e.version, e.interface
        )))
    }))
}
