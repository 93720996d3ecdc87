//! What can-i-release reads: the pairs a component version would form in
//! an environment, each with the verification that decides it, in a few
//! queries rather than one per pair (each query is a round trip, to the
//! database or to SQLite's worker thread, and they add up under load).

use sqlx::Row;

use crate::verifications::deciding_verification_columns;
use crate::{DeployedConsumer, Store, StoreError};

/// The verification of a pair recorded last, which decides it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecidingVerification {
    /// Its id (`ver_…`).
    pub id: String,
    /// Whether the provider satisfied the consumer.
    pub success: bool,
}

/// A consumer version in an environment of an interface the component
/// produces, with the verification that decides the pair it forms with
/// the producer version asked about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsumerPair {
    /// The interface.
    pub interface: String,
    /// The consumer version and what it expects.
    pub consumer: DeployedConsumer,
    /// The pair's deciding verification, if any was recorded.
    pub verification: Option<DecidingVerification>,
}

/// Something the component version expects of an interface another
/// component produces, with one version of that producer in the
/// environment and the verification deciding the pair they form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProducerPair {
    /// The interface.
    pub interface: String,
    /// The component producing it.
    pub producer: String,
    /// The interface version the consumer version was built against.
    pub built_against: String,
    /// What it uses of the interface: JSON, as the server wrote it.
    pub uses: String,
    /// The hash of its artifacts' blob.
    pub artifacts_hash: String,
    /// A version of the producer in the environment; `None` (in a pair of
    /// its own) when no version of it is there.
    pub producer_version: Option<String>,
    /// The pair's deciding verification, if any was recorded.
    pub verification: Option<DecidingVerification>,
}

/// Both directions of a can-i-release question, read in one statement
/// (one snapshot, one round trip).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReleasePairs {
    /// As [`Store::consumer_pairs`].
    pub consumers: Vec<ConsumerPair>,
    /// As [`Store::producer_pairs`].
    pub producers: Vec<ProducerPair>,
}

impl Store {
    /// Every consumer version in `environment` (deployed, or released
    /// and still supported) of every interface `component` produces,
    /// ordered by interface, consumer and version, each with the
    /// verification deciding its pair with `version` of `component`. The
    /// pairs of [`Store::deployed_consumers`] and
    /// [`Store::latest_verification`], in one query.
    pub async fn consumer_pairs(
        &self,
        component: &str,
        version: &str,
        environment: &str,
    ) -> Result<Vec<ConsumerPair>, StoreError> {
        let sql = format!(
            "{} ORDER BY interface_id, other, other_version",
            consumer_pairs_sql()
        );
        let rows = self
            .pair_rows(&sql, component, version, environment)
            .await?;
        rows.iter().map(consumer_pair).collect()
    }

    /// Every expectation of `version` of `component` on an interface
    /// (registered, produced by any component), once per version of its
    /// producer in `environment` (deployed, or released and still
    /// supported), each with the verification deciding that pair; once
    /// with no version when none is there. Ordered by interface and
    /// producer version. [`Store::expectations_of`],
    /// [`Store::versions_in`] and [`Store::latest_verification`] in one
    /// query.
    pub async fn producer_pairs(
        &self,
        component: &str,
        version: &str,
        environment: &str,
    ) -> Result<Vec<ProducerPair>, StoreError> {
        let sql = format!(
            "{} ORDER BY interface_id, other_version",
            producer_pairs_sql()
        );
        let rows = self
            .pair_rows(&sql, component, version, environment)
            .await?;
        rows.iter().map(producer_pair).collect()
    }

    /// [`Store::consumer_pairs`] and [`Store::producer_pairs`] in one
    /// statement, each in its order.
    pub async fn release_pairs(
        &self,
        component: &str,
        version: &str,
        environment: &str,
    ) -> Result<ReleasePairs, StoreError> {
        let sql = format!(
            "SELECT CAST('c' AS TEXT) AS side, c.* FROM ({}) c UNION ALL SELECT CAST('p' AS TEXT) AS side, p.* FROM ({}) p ORDER BY side, interface_id, other, other_version",
            consumer_pairs_sql(),
            producer_pairs_sql()
        );
        let rows = self
            .pair_rows(&sql, component, version, environment)
            .await?;
        let mut pairs = ReleasePairs::default();
        for r in &rows {
            let side: String = r.try_get("side")?;
            if side == "c" {
                pairs.consumers.push(consumer_pair(r)?);
            } else {
                pairs.producers.push(producer_pair(r)?);
            }
        }
        Ok(pairs)
    }

    /// The rows of `sql`, whose `$1`, `$2` and `$3` are the component,
    /// version and environment asked about.
    async fn pair_rows(
        &self,
        sql: &str,
        component: &str,
        version: &str,
        environment: &str,
    ) -> Result<Vec<sqlx::any::AnyRow>, StoreError> {
        let rows = sqlx::query(sql)
            .bind(component)
            .bind(version)
            .bind(environment)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows)
    }
}

/// The consumer side's rows (see [`Store::consumer_pairs`]), unordered:
/// `other` is the consumer, `other_version` its version. `$1`, `$2` and
/// `$3` are the component, version and environment asked about.
fn consumer_pairs_sql() -> String {
    let (component, version, environment) = ("$1", "$2", "$3");
    // As in `deployed_consumers`: CROSS JOIN keeps SQLite's planner on the
    // index lookups from the component's interfaces.
    let verification =
        deciding_verification_columns("x.interface_id", version, "x.component_id", "x.version");
    format!(
        "SELECT x.interface_id AS interface_id, x.component_id AS other, x.version AS other_version, x.built_against AS built_against, x.uses AS uses, x.artifacts_hash AS artifacts_hash, {verification} FROM (\
         SELECT c.interface_id AS interface_id, d.component_id AS component_id, d.version AS version, e.built_against AS built_against, e.uses AS uses, e.artifacts_hash AS artifacts_hash FROM interfaces i CROSS JOIN interface_consumers c CROSS JOIN deployments d CROSS JOIN expectations e WHERE i.component_id = {component} AND c.interface_id = i.id AND d.component_id = c.component_id AND d.environment_id = {environment} AND d.undeployed_at IS NULL AND e.component_id = d.component_id AND e.version = d.version AND e.interface_id = c.interface_id \
         UNION SELECT c.interface_id AS interface_id, r.component_id AS component_id, r.version AS version, e.built_against AS built_against, e.uses AS uses, e.artifacts_hash AS artifacts_hash FROM interfaces i CROSS JOIN interface_consumers c CROSS JOIN released_versions r CROSS JOIN expectations e WHERE i.component_id = {component} AND c.interface_id = i.id AND r.environment_id = {environment} AND r.component_id = c.component_id AND r.support_ended_at IS NULL AND e.component_id = r.component_id AND e.version = r.version AND e.interface_id = c.interface_id\
         ) x"
    )
}

/// The producer side's rows (see [`Store::producer_pairs`]), unordered:
/// `other` is the producer, `other_version` its version (NULL when none
/// is there). The parameters as for [`consumer_pairs_sql`].
fn producer_pairs_sql() -> String {
    let (component, version, environment) = ("$1", "$2", "$3");
    let verification =
        deciding_verification_columns("x.interface_id", "x.producer_version", component, version);
    let expected = "e.interface_id AS interface_id, i.component_id AS producer, e.built_against AS built_against, e.uses AS uses, e.artifacts_hash AS artifacts_hash";
    let mine =
        format!("e.component_id = {component} AND e.version = {version} AND i.id = e.interface_id");
    let deployed = format!(
        "d.environment_id = {environment} AND d.component_id = i.component_id AND d.undeployed_at IS NULL"
    );
    let released = format!(
        "r.environment_id = {environment} AND r.component_id = i.component_id AND r.support_ended_at IS NULL"
    );
    format!(
        "SELECT x.interface_id AS interface_id, x.producer AS other, x.producer_version AS other_version, x.built_against AS built_against, x.uses AS uses, x.artifacts_hash AS artifacts_hash, {verification} FROM (\
         SELECT {expected}, d.version AS producer_version FROM expectations e CROSS JOIN interfaces i CROSS JOIN deployments d WHERE {mine} AND {deployed} \
         UNION SELECT {expected}, r.version AS producer_version FROM expectations e CROSS JOIN interfaces i CROSS JOIN released_versions r WHERE {mine} AND {released} \
         UNION SELECT {expected}, NULL AS producer_version FROM expectations e CROSS JOIN interfaces i WHERE {mine} AND NOT EXISTS (SELECT 1 FROM deployments d WHERE {deployed}) AND NOT EXISTS (SELECT 1 FROM released_versions r WHERE {released})\
         ) x"
    )
}

fn consumer_pair(r: &sqlx::any::AnyRow) -> Result<ConsumerPair, StoreError> {
    Ok(ConsumerPair {
        interface: r.try_get("interface_id")?,
        consumer: DeployedConsumer {
            component: r.try_get("other")?,
            version: r.try_get("other_version")?,
            built_against: r.try_get("built_against")?,
            uses: r.try_get("uses")?,
            artifacts_hash: r.try_get("artifacts_hash")?,
        },
        verification: deciding(r)?,
    })
}

fn producer_pair(r: &sqlx::any::AnyRow) -> Result<ProducerPair, StoreError> {
    Ok(ProducerPair {
        interface: r.try_get("interface_id")?,
        producer: r.try_get("other")?,
        built_against: r.try_get("built_against")?,
        uses: r.try_get("uses")?,
        artifacts_hash: r.try_get("artifacts_hash")?,
        producer_version: r.try_get("other_version")?,
        verification: deciding(r)?,
    })
}

/// The deciding verification's columns of a row, if it has one.
fn deciding(r: &sqlx::any::AnyRow) -> Result<Option<DecidingVerification>, StoreError> {
    let id: Option<String> = r.try_get("verification_id")?;
    let success: Option<i64> = r.try_get("verification_success")?;
    // Both columns are read from the same row in the statement's one
    // snapshot; a verification without an outcome is damage.
    match (id, success) {
        (Some(id), Some(success)) => Ok(Some(DecidingVerification {
            id,
            success: success != 0,
        })),
        (Some(id), None) => Err(StoreError::Corrupt {
            table: "verifications",
            row: id,
            field: "success",
            value: "NULL".into(),
        }),
        (None, _) => Ok(None),
    }
}
