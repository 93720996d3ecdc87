//! Environments, and which component version runs in each: deployments
//! and undeployments, and the consumers deployed against an interface.

use std::time::Duration;

use sqlx::Row;

use crate::error::is_unique_violation;
use crate::facts::{remember, remembered};
use crate::ids::random_id;
use crate::versions::put_component_version;
use crate::write::Serialized;
use crate::{Store, StoreError, Written};

/// A version of a component running (or having run) in an environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deployment {
    /// The deployment's id (`dep_…`).
    pub id: String,
    /// The component deployed.
    pub component: String,
    /// Where it runs.
    pub environment: String,
    /// The component's version.
    pub version: String,
    /// When it was deployed, in Unix milliseconds.
    pub deployed_at: i64,
}

/// A consumer version in an environment (deployed there, or released
/// there and still supported), and what it expects of one interface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeployedConsumer {
    /// The consumer component.
    pub component: String,
    /// The version of it in the environment.
    pub version: String,
    /// The interface version that consumer version was built against.
    pub built_against: String,
    /// What it uses of the interface: JSON, as the server wrote it.
    pub uses: String,
    /// The hash of its artifacts' blob (example payloads and Pact files),
    /// read only when a check needs them.
    pub artifacts_hash: String,
}

impl Store {
    /// Registers an environment (again: no change).
    pub async fn create_environment(&self, id: &str, now: i64) -> Result<Written, StoreError> {
        let _turn = self.write_turn().await;
        let r = sqlx::query("INSERT INTO environments (id, created_at) VALUES ($1, $2)")
            .bind(id)
            .bind(now)
            .execute(&self.write_pool)
            .await;
        match r {
            Ok(_) => Ok(Written::Created),
            Err(e) if is_unique_violation(&e) => Ok(Written::Unchanged),
            Err(e) => Err(e.into()),
        }
    }

    /// Every registered environment, by id.
    pub async fn environments(&self, after: &str, limit: i64) -> Result<Vec<String>, StoreError> {
        let rows = sqlx::query("SELECT id FROM environments WHERE id > $1 ORDER BY id LIMIT $2")
            .bind(after)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| r.try_get("id"))
            .collect::<Result<_, sqlx::Error>>()
            .map_err(StoreError::from)
    }

    /// Whether an environment with this id is registered.
    pub async fn environment_exists(&self, id: &str) -> Result<bool, StoreError> {
        if remembered(&self.facts.environments, id).is_some() {
            return Ok(true);
        }
        let exists = sqlx::query("SELECT 1 AS one FROM environments WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .is_some();
        if exists {
            remember(&self.facts.environments, id.to_owned(), ());
        }
        Ok(exists)
    }

    /// Records that `version` of `component` now runs in `environment`; the
    /// version that ran there before is undeployed, in one transaction.
    pub async fn record_deployment(
        &self,
        component: &str,
        environment: &str,
        version: &str,
        recorded_by: &str,
        now: i64,
    ) -> Result<String, StoreError> {
        let mut attempt = 1;
        loop {
            match self
                .try_record_deployment(component, environment, version, recorded_by, now)
                .await
            {
                // Only a writer that does not serialize on the deployment
                // (a broker of an older build, during an upgrade) can make
                // the unique index on current deployments refuse this one:
                // run again after a pause, then give up saying so.
                Err(StoreError::Database(e)) if is_unique_violation(&e) => {
                    if attempt == DEPLOYMENT_ATTEMPTS {
                        return Err(StoreError::Busy(format!(
                            "the deployment of `{component}` to `{environment}`"
                        )));
                    }
                    tokio::time::sleep(pause_before_retry(attempt)).await;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    async fn try_record_deployment(
        &self,
        component: &str,
        environment: &str,
        version: &str,
        recorded_by: &str,
        now: i64,
    ) -> Result<String, StoreError> {
        let id = random_id("dep_")?;
        let (_turn, mut tx) = self.write_tx().await?;
        self.serialize_on(
            &mut tx,
            Serialized::Deployments,
            &deployment_key(component, environment),
        )
        .await?;
        undeploy(&mut tx, component, environment, now).await?;
        put_component_version(&mut tx, component, version, now).await?;
        sqlx::query("INSERT INTO deployments (id, component_id, environment_id, version, deployed_at, recorded_by) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(&id)
            .bind(component)
            .bind(environment)
            .bind(version)
            .bind(now)
            .bind(recorded_by)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Records that `component` no longer runs in `environment`; false when
    /// it did not. Serialized with deployments of the same component and
    /// environment: one racing this one either ran before (and this
    /// undeploys what it deployed) or runs after.
    pub async fn record_undeployment(
        &self,
        component: &str,
        environment: &str,
        now: i64,
    ) -> Result<bool, StoreError> {
        let (_turn, mut tx) = self.write_tx().await?;
        self.serialize_on(
            &mut tx,
            Serialized::Deployments,
            &deployment_key(component, environment),
        )
        .await?;
        let undeployed = undeploy(&mut tx, component, environment, now).await?;
        tx.commit().await?;
        Ok(undeployed)
    }

    /// The deployment with this id, and whether it still runs.
    pub async fn deployment(&self, id: &str) -> Result<Option<(Deployment, bool)>, StoreError> {
        let row = sqlx::query("SELECT id, component_id, environment_id, version, deployed_at, undeployed_at FROM deployments WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| {
            let current = r.try_get::<Option<i64>, _>("undeployed_at")?.is_none();
            Ok((deployment(&r)?, current))
        })
        .transpose()
    }

    /// Ends the deployment `id` if it still runs (and not whatever runs
    /// now in its place); false when it had ended. Serialized with the
    /// other deployments of its component and environment.
    pub async fn end_deployment(&self, d: &Deployment, now: i64) -> Result<bool, StoreError> {
        let (_turn, mut tx) = self.write_tx().await?;
        self.serialize_on(
            &mut tx,
            Serialized::Deployments,
            &deployment_key(&d.component, &d.environment),
        )
        .await?;
        let ended = sqlx::query(
            "UPDATE deployments SET undeployed_at = $1 WHERE id = $2 AND undeployed_at IS NULL",
        )
        .bind(now)
        .bind(&d.id)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            > 0;
        tx.commit().await?;
        Ok(ended)
    }

    /// What runs in `environment`, by component.
    pub async fn deployed(
        &self,
        environment: &str,
        after: &str,
        limit: i64,
    ) -> Result<Vec<Deployment>, StoreError> {
        let rows = sqlx::query("SELECT id, component_id, environment_id, version, deployed_at FROM deployments WHERE environment_id = $1 AND undeployed_at IS NULL AND component_id > $2 ORDER BY component_id LIMIT $3")
            .bind(environment)
            .bind(after)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(deployment).collect()
    }

    /// The version of `component` running in `environment`.
    pub async fn deployed_version(
        &self,
        component: &str,
        environment: &str,
    ) -> Result<Option<String>, StoreError> {
        let row = sqlx::query("SELECT version FROM deployments WHERE environment_id = $1 AND component_id = $2 AND undeployed_at IS NULL ORDER BY deployed_at DESC LIMIT 1")
            .bind(environment)
            .bind(component)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| r.try_get("version")).transpose()?)
    }

    /// The consumer versions in `environment` that expect something of
    /// `interface`: the one deployed there and those released there and
    /// still supported, each (component, version) once.
    pub async fn deployed_consumers(
        &self,
        interface: &str,
        environment: &str,
    ) -> Result<Vec<DeployedConsumer>, StoreError> {
        // From the interface's consumers to their deployed (then released)
        // versions: a few index lookups, however many components run in
        // the environment. CROSS JOIN fixes that order in each half on
        // SQLite, whose planner, without statistics, would start from every
        // deployment (or release) of the environment. UNION drops a version
        // both deployed and released: its rows are the same, since the
        // expectation is that of the version.
        let rows = sqlx::query("SELECT d.component_id AS component_id, d.version AS version, e.built_against AS built_against, e.uses AS uses, e.artifacts_hash AS artifacts_hash FROM interface_consumers c CROSS JOIN deployments d CROSS JOIN expectations e WHERE c.interface_id = $2 AND d.component_id = c.component_id AND d.environment_id = $1 AND d.undeployed_at IS NULL AND e.component_id = d.component_id AND e.version = d.version AND e.interface_id = c.interface_id \
            UNION SELECT r.component_id AS component_id, r.version AS version, e.built_against AS built_against, e.uses AS uses, e.artifacts_hash AS artifacts_hash FROM interface_consumers c CROSS JOIN released_versions r CROSS JOIN expectations e WHERE c.interface_id = $2 AND r.environment_id = $1 AND r.component_id = c.component_id AND r.support_ended_at IS NULL AND e.component_id = r.component_id AND e.version = r.version AND e.interface_id = c.interface_id \
            ORDER BY component_id, version")
            .bind(environment)
            .bind(interface)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(DeployedConsumer {
                    component: r.try_get("component_id")?,
                    version: r.try_get("version")?,
                    built_against: r.try_get("built_against")?,
                    uses: r.try_get("uses")?,
                    artifacts_hash: r.try_get("artifacts_hash")?,
                })
            })
            .collect()
    }
}

/// Tries of one deployment before it is refused as [`StoreError::Busy`].
const DEPLOYMENT_ATTEMPTS: u32 = 4;

/// A pause that grows with each try and differs between writers, so that
/// they do not collide again in step.
fn pause_before_retry(attempt: u32) -> Duration {
    let mut jitter = [0u8; 1];
    // No randomness only means no jitter.
    let jitter = getrandom::fill(&mut jitter).map_or(0, |()| u64::from(jitter[0] % 20));
    Duration::from_millis(u64::from(attempt) * 20 + jitter)
}

/// What deployments of one component in one environment serialize on.
fn deployment_key(component: &str, environment: &str) -> String {
    format!("{component}/{environment}")
}

/// Marks the current deployment of `component` in `environment`, if any,
/// as ended at `now`; whether there was one.
async fn undeploy(
    conn: &mut sqlx::AnyConnection,
    component: &str,
    environment: &str,
    now: i64,
) -> Result<bool, StoreError> {
    let r = sqlx::query("UPDATE deployments SET undeployed_at = $1 WHERE component_id = $2 AND environment_id = $3 AND undeployed_at IS NULL")
        .bind(now)
        .bind(component)
        .bind(environment)
        .execute(&mut *conn)
        .await?;
    Ok(r.rows_affected() > 0)
}

fn deployment(r: &sqlx::any::AnyRow) -> Result<Deployment, StoreError> {
    Ok(Deployment {
        id: r.try_get("id")?,
        component: r.try_get("component_id")?,
        environment: r.try_get("environment_id")?,
        version: r.try_get("version")?,
        deployed_at: r.try_get("deployed_at")?,
    })
}
