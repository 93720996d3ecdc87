//! Released versions (the Pact Broker's `record-release` and
//! `record-support-ended`): several versions of a component supported side
//! by side in one environment (a mobile app, a library) until their support
//! ends. Beside deployments (one running version per component and
//! environment), they are what can-i-release counts as being in an
//! environment: [`Store::versions_in`] gives both.

use sqlx::Row;

use crate::error::is_unique_violation;
use crate::ids::random_id;
use crate::versions::put_component_version;
use crate::write::Serialized;
use crate::{Store, StoreError};

/// A version of a component released to an environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Release {
    /// The release's id (`rel_…`).
    pub id: String,
    /// The component released.
    pub component: String,
    /// Where it is supported.
    pub environment: String,
    /// The component's version.
    pub version: String,
    /// When it was released (or, when its support had ended, released
    /// again), in Unix milliseconds.
    pub released_at: i64,
    /// When its support ended, in Unix milliseconds; `None` while it is
    /// supported.
    pub support_ended_at: Option<i64>,
    /// The team that recorded it.
    pub recorded_by: String,
}

impl Release {
    /// Whether the version is still supported in its environment.
    pub fn supported(&self) -> bool {
        self.support_ended_at.is_none()
    }
}

/// What recording a release did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    /// The version was not released there before: a new release.
    Created,
    /// It was released there and still supported: nothing changed.
    Unchanged,
    /// It was released there and its support had ended: the same release
    /// is supported again.
    SupportedAgain,
}

const RELEASE_COLUMNS: &str =
    "id, component_id, environment_id, version, released_at, support_ended_at, recorded_by";

impl Store {
    /// Records that `version` of `component` is released to, and supported
    /// in, `environment`, beside the versions released there before. A
    /// repeat answers the same release ([`Recorded::Unchanged`]); a release
    /// whose support had ended is supported again from `now`
    /// ([`Recorded::SupportedAgain`]), keeping its id. Serialized per
    /// component and environment, so brokers recording the same release
    /// at once store one row and answer as one would.
    pub async fn record_release(
        &self,
        component: &str,
        environment: &str,
        version: &str,
        recorded_by: &str,
        now: i64,
    ) -> Result<(Release, Recorded), StoreError> {
        let new_id = random_id("rel_")?;
        let (_turn, mut tx) = self.write_tx().await?;
        self.serialize_on(
            &mut tx,
            Serialized::Releases,
            &release_key(component, environment),
        )
        .await?;
        put_component_version(&mut tx, component, version, now).await?;
        let existing = release_of(&mut tx, component, environment, version).await?;
        let recorded = match existing {
            None => {
                let inserted = sqlx::query("INSERT INTO released_versions (id, component_id, environment_id, version, released_at, recorded_by) VALUES ($1, $2, $3, $4, $5, $6)")
                    .bind(&new_id)
                    .bind(component)
                    .bind(environment)
                    .bind(version)
                    .bind(now)
                    .bind(recorded_by)
                    .execute(&mut *tx)
                    .await;
                match inserted {
                    Ok(_) => Recorded::Created,
                    // Only a writer that does not serialize on releases
                    // could have inserted it meanwhile: it is a repeat.
                    Err(e) if is_unique_violation(&e) => {
                        tx.rollback().await?;
                        let release = self
                            .release_of_version(component, environment, version)
                            .await?
                            .ok_or_else(|| {
                                StoreError::Busy(format!(
                                    "the release of `{component}` {version} to `{environment}`"
                                ))
                            })?;
                        return Ok((release, Recorded::Unchanged));
                    }
                    Err(e) => return Err(e.into()),
                }
            }
            Some(r) if r.supported() => Recorded::Unchanged,
            Some(r) => {
                sqlx::query("UPDATE released_versions SET support_ended_at = NULL, released_at = $1, recorded_by = $2 WHERE id = $3")
                    .bind(now)
                    .bind(recorded_by)
                    .bind(&r.id)
                    .execute(&mut *tx)
                    .await?;
                Recorded::SupportedAgain
            }
        };
        let release = release_of(&mut tx, component, environment, version)
            .await?
            .ok_or_else(|| {
                StoreError::NotFound(format!(
                    "the release of `{component}` {version} to `{environment}`"
                ))
            })?;
        tx.commit().await?;
        Ok((release, recorded))
    }

    /// Ends the support of release `id` (that row only: other versions
    /// released to the environment stay supported). `None` when there is
    /// no such release; otherwise the release as it is now, and whether
    /// this call ended its support (false when it had ended already).
    pub async fn end_support(
        &self,
        id: &str,
        now: i64,
    ) -> Result<Option<(Release, bool)>, StoreError> {
        // Its component and environment never change: the key can be read
        // before the turn is taken.
        let Some(found) = self.release(id).await? else {
            return Ok(None);
        };
        let (_turn, mut tx) = self.write_tx().await?;
        self.serialize_on(
            &mut tx,
            Serialized::Releases,
            &release_key(&found.component, &found.environment),
        )
        .await?;
        let ended = sqlx::query(
            "UPDATE released_versions SET support_ended_at = $1 WHERE id = $2 AND support_ended_at IS NULL",
        )
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            > 0;
        let row = sqlx::query(&format!(
            "SELECT {RELEASE_COLUMNS} FROM released_versions WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        tx.commit().await?;
        row.map(|r| Ok((release(&r)?, ended))).transpose()
    }

    /// The release with this id, supported or not.
    pub async fn release(&self, id: &str) -> Result<Option<Release>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {RELEASE_COLUMNS} FROM released_versions WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(release).transpose()
    }

    async fn release_of_version(
        &self,
        component: &str,
        environment: &str,
        version: &str,
    ) -> Result<Option<Release>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        release_of(&mut conn, component, environment, version).await
    }

    /// The versions supported in `environment` (of `component` only, when
    /// given), by component and version, from just after `after`
    /// (component, version; `("", "")` for the first page).
    pub async fn released(
        &self,
        environment: &str,
        component: Option<&str>,
        after: (&str, &str),
        limit: i64,
    ) -> Result<Vec<Release>, StoreError> {
        let of_component = if component.is_some() {
            "AND component_id = $5"
        } else {
            ""
        };
        let sql = format!(
            "SELECT {RELEASE_COLUMNS} FROM released_versions WHERE environment_id = $1 AND support_ended_at IS NULL AND (component_id > $2 OR (component_id = $2 AND version > $3)) {of_component} ORDER BY component_id, version LIMIT $4"
        );
        let mut query = sqlx::query(&sql)
            .bind(environment)
            .bind(after.0)
            .bind(after.1)
            .bind(limit);
        if let Some(c) = component {
            query = query.bind(c);
        }
        let rows = query.fetch_all(&self.pool).await?;
        rows.iter().map(release).collect()
    }

    /// Every version of `component` in `environment`: the one deployed
    /// there and the ones released there and still supported, each once,
    /// in order. Empty when none is.
    pub async fn versions_in(
        &self,
        component: &str,
        environment: &str,
    ) -> Result<Vec<String>, StoreError> {
        let rows = sqlx::query("SELECT version FROM deployments WHERE environment_id = $1 AND component_id = $2 AND undeployed_at IS NULL UNION SELECT version FROM released_versions WHERE environment_id = $1 AND component_id = $2 AND support_ended_at IS NULL ORDER BY version")
            .bind(environment)
            .bind(component)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| r.try_get("version"))
            .collect::<Result<_, sqlx::Error>>()
            .map_err(StoreError::from)
    }
}

/// What releases of one component in one environment serialize on.
fn release_key(component: &str, environment: &str) -> String {
    format!("{component}/{environment}")
}

/// The release of `version` of `component` to `environment`, supported or
/// not.
async fn release_of(
    conn: &mut sqlx::AnyConnection,
    component: &str,
    environment: &str,
    version: &str,
) -> Result<Option<Release>, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {RELEASE_COLUMNS} FROM released_versions WHERE environment_id = $1 AND component_id = $2 AND version = $3"
    ))
    .bind(environment)
    .bind(component)
    .bind(version)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(release).transpose()
}

fn release(r: &sqlx::any::AnyRow) -> Result<Release, StoreError> {
    Ok(Release {
        id: r.try_get("id")?,
        component: r.try_get("component_id")?,
        environment: r.try_get("environment_id")?,
        version: r.try_get("version")?,
        released_at: r.try_get("released_at")?,
        support_ended_at: r.try_get("support_ended_at")?,
        recorded_by: r.try_get("recorded_by")?,
    })
}
