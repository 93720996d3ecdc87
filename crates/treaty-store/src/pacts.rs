//! Pacts as the Pact Broker API publishes them: each one a consumer
//! version's expectation of its provider's interface (with the pact as an
//! artifact), plus which provider it names and the hash of its content,
//! the "pact version" that verifications refer to. Also the branches and
//! tags of component versions, which Pact clients record.

use sqlx::Row;

use crate::expectations::{insert_expectation, repeated_expectation};
use crate::ids::content_hash;
use crate::registry::InterfaceRecord;
use crate::versions::{put_blob, put_component_version};
use crate::write::{RepeatAnswer, Serialized, finish_insert};
use crate::{ExpectationRecord, Store, StoreError, Written};

/// A pact to publish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPact {
    /// The consumer's expectation of the provider's interface: its
    /// artifacts hold the pact.
    pub expectation: ExpectationRecord,
    /// The provider component the pact names.
    pub provider: String,
    /// The pact's text, as its content hash is taken of.
    pub content: String,
    /// The interface to register for the provider first, when it has none
    /// the pact can name (registering it again changes nothing).
    pub register_interface: Option<InterfaceRecord>,
    /// The consumer version's branch, if the publisher gave one.
    pub branch: Option<String>,
    /// Tags of the consumer version.
    pub tags: Vec<String>,
}

/// A published pact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PactRecord {
    /// The consumer component.
    pub consumer: String,
    /// The consumer's version.
    pub consumer_version: String,
    /// The provider component.
    pub provider: String,
    /// The interface the pact is an expectation of.
    pub interface: String,
    /// The content's hash: the pact version.
    pub sha: String,
    /// When it was published, in Unix milliseconds.
    pub created_at: i64,
}

const PACT_SELECT: &str = "SELECT p.consumer_id AS consumer_id, p.consumer_version AS consumer_version, p.provider_id AS provider_id, p.interface_id AS interface_id, p.sha AS sha, p.created_at AS created_at FROM pacts p";

/// Pacts one query answers, at most.
pub const MAX_PACTS: i64 = 1000;

impl Store {
    /// Publishes a pact in one transaction: the provider's interface if it
    /// is to be registered, the content, the consumer version with its
    /// branch and tags, the expectation and the pact's row. The same pact
    /// again is [`Written::Unchanged`] (its branch and tags still added);
    /// another pact for the same consumer version and provider is a
    /// conflict, as expectations are immutable.
    pub async fn publish_pact(&self, p: &NewPact, now: i64) -> Result<Written, StoreError> {
        let e = &p.expectation;
        let sha = content_hash(&p.content);
        let artifacts_hash = content_hash(&e.artifacts);
        let (_turn, mut tx) = self.write_tx().await?;
        if let Some(i) = &p.register_interface {
            sqlx::query("INSERT INTO interfaces (id, component_id, kind, compatibility, proto_category, created_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING")
                .bind(&i.id)
                .bind(&i.component)
                .bind(&i.kind)
                .bind(&i.compatibility)
                .bind(i.proto_category.as_deref())
                .bind(now)
                .execute(&mut *tx)
                .await?;
        }
        put_component_version(&mut tx, &e.component, &e.version, now).await?;
        label_version(
            &mut tx,
            &e.component,
            &e.version,
            p.branch.as_deref(),
            &p.tags,
            now,
        )
        .await?;
        if let Some(answer) = repeated_expectation(&mut tx, e, &artifacts_hash).await? {
            if answer.is_ok() {
                tx.commit().await?;
            }
            return answer;
        }
        put_blob(&mut tx, &sha, &p.content).await?;
        put_blob(&mut tx, &artifacts_hash, &e.artifacts).await?;
        // A publish racing this one (PostgreSQL) writes the same row first
        // or after: the expectation's insert below settles which one wins.
        sqlx::query("INSERT INTO pacts (consumer_id, consumer_version, provider_id, interface_id, sha, created_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (consumer_id, consumer_version, provider_id) DO NOTHING")
            .bind(&e.component)
            .bind(&e.version)
            .bind(&p.provider)
            .bind(&e.interface)
            .bind(&sha)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        let inserted = insert_expectation(&mut tx, e, &artifacts_hash, now).await;
        // Published at the same moment through another connection
        // (PostgreSQL): answer as if this request had come second.
        let stored_answer = async || -> Result<RepeatAnswer, StoreError> {
            let mut conn = self.pool.acquire().await?;
            repeated_expectation(&mut conn, e, &artifacts_hash).await
        };
        finish_insert(tx, inserted, stored_answer, || {
            format!(
                "pact of `{}` version {} with `{}`",
                e.component, e.version, p.provider
            )
        })
        .await
    }

    /// The pact a consumer version published for a provider.
    pub async fn pact(
        &self,
        provider: &str,
        consumer: &str,
        consumer_version: &str,
    ) -> Result<Option<PactRecord>, StoreError> {
        let row = sqlx::query(&format!(
            "{PACT_SELECT} WHERE p.provider_id = $1 AND p.consumer_id = $2 AND p.consumer_version = $3"
        ))
        .bind(provider)
        .bind(consumer)
        .bind(consumer_version)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(pact_row).transpose()
    }

    /// The consumer versions whose pact with `provider` has the content
    /// `sha`, newest first (at most [`MAX_PACTS`]).
    pub async fn pacts_with_content(
        &self,
        provider: &str,
        consumer: &str,
        sha: &str,
    ) -> Result<Vec<PactRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "{PACT_SELECT} WHERE p.provider_id = $1 AND p.consumer_id = $2 AND p.sha = $3 ORDER BY p.created_at DESC, p.consumer_version DESC LIMIT $4"
        ))
        .bind(provider)
        .bind(consumer)
        .bind(sha)
        .bind(MAX_PACTS)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(pact_row).collect()
    }

    /// The latest pact of each consumer of `provider`, optionally only
    /// among consumer versions on `branch`.
    pub async fn latest_pacts(
        &self,
        provider: &str,
        branch: Option<&str>,
    ) -> Result<Vec<PactRecord>, StoreError> {
        let rows = match branch {
            None => sqlx::query(&format!(
                "{PACT_SELECT} WHERE p.provider_id = $1 AND NOT EXISTS (SELECT 1 FROM pacts q WHERE q.provider_id = p.provider_id AND q.consumer_id = p.consumer_id AND (q.created_at > p.created_at OR (q.created_at = p.created_at AND q.consumer_version > p.consumer_version))) ORDER BY p.consumer_id LIMIT $2"
            ))
            .bind(provider)
            .bind(MAX_PACTS)
            .fetch_all(&self.pool)
            .await?,
            Some(branch) => sqlx::query(&format!(
                "{PACT_SELECT} JOIN version_branches b ON b.component_id = p.consumer_id AND b.version = p.consumer_version AND b.branch = $2 WHERE p.provider_id = $1 AND NOT EXISTS (SELECT 1 FROM pacts q JOIN version_branches c ON c.component_id = q.consumer_id AND c.version = q.consumer_version AND c.branch = $2 WHERE q.provider_id = p.provider_id AND q.consumer_id = p.consumer_id AND (q.created_at > p.created_at OR (q.created_at = p.created_at AND q.consumer_version > p.consumer_version))) ORDER BY p.consumer_id LIMIT $3"
            ))
            .bind(provider)
            .bind(branch)
            .bind(MAX_PACTS)
            .fetch_all(&self.pool)
            .await?,
        };
        rows.iter().map(pact_row).collect()
    }

    /// The pacts with `provider` of the consumer versions running in
    /// `environment`.
    pub async fn deployed_pacts(
        &self,
        provider: &str,
        environment: &str,
    ) -> Result<Vec<PactRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "{PACT_SELECT} JOIN deployments d ON d.component_id = p.consumer_id AND d.version = p.consumer_version AND d.environment_id = $2 AND d.undeployed_at IS NULL WHERE p.provider_id = $1 ORDER BY p.consumer_id LIMIT $3"
        ))
        .bind(provider)
        .bind(environment)
        .bind(MAX_PACTS)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(pact_row).collect()
    }

    /// The pacts with `provider` of the consumer versions released to
    /// `environment` and still supported there.
    pub async fn released_pacts(
        &self,
        provider: &str,
        environment: &str,
    ) -> Result<Vec<PactRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "{PACT_SELECT} JOIN released_versions r ON r.component_id = p.consumer_id AND r.version = p.consumer_version AND r.environment_id = $2 AND r.support_ended_at IS NULL WHERE p.provider_id = $1 ORDER BY p.consumer_id, p.consumer_version LIMIT $3"
        ))
        .bind(provider)
        .bind(environment)
        .bind(MAX_PACTS)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(pact_row).collect()
    }

    /// Records one verification result of the pact content `sha` by
    /// `provider_version`, for every consumer version that published that
    /// content (the Pact Broker's rule: a verification is of a pact
    /// version), in one transaction; the ids recorded.
    pub async fn record_pact_verification(
        &self,
        pacts: &[PactRecord],
        provider_version: &str,
        success: bool,
        details: Option<&str>,
        recorded_by: &str,
        now: i64,
    ) -> Result<Vec<String>, StoreError> {
        let (_turn, mut tx) = self.write_tx().await?;
        if let Some(first) = pacts.first() {
            // One key for the lot: every pair here shares the interface,
            // the provider version and the consumer.
            let key = [
                first.interface.as_str(),
                provider_version,
                first.consumer.as_str(),
            ]
            .join("\n");
            self.serialize_on(&mut tx, Serialized::Verifications, &key)
                .await?;
            put_component_version(&mut tx, &first.provider, provider_version, now).await?;
        }
        let mut ids = Vec::with_capacity(pacts.len());
        for p in pacts {
            let id = crate::ids::random_id("ver_")?;
            sqlx::query(
                "INSERT INTO verifications (id, interface_id, provider_version, consumer_id, consumer_version, success, details, recorded_by, recorded_at, seq) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, (SELECT COALESCE(MAX(seq), 0) + 1 FROM verifications WHERE interface_id = $2 AND provider_version = $3 AND consumer_id = $4 AND consumer_version = $5))",
            )
            .bind(&id)
            .bind(&p.interface)
            .bind(provider_version)
            .bind(&p.consumer)
            .bind(&p.consumer_version)
            .bind(i64::from(success))
            .bind(details)
            .bind(recorded_by)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            ids.push(id);
        }
        tx.commit().await?;
        Ok(ids)
    }

    /// Records that `version` of `component` exists, with a branch and tags
    /// if given; [`Written::Unchanged`] when all of it was known.
    pub async fn label_component_version(
        &self,
        component: &str,
        version: &str,
        branch: Option<&str>,
        tags: &[String],
        now: i64,
    ) -> Result<Written, StoreError> {
        let (_turn, mut tx) = self.write_tx().await?;
        let known = self.version_known_in(&mut tx, component, version).await?;
        put_component_version(&mut tx, component, version, now).await?;
        let added = label_version(&mut tx, component, version, branch, tags, now).await?;
        tx.commit().await?;
        Ok(if known && !added {
            Written::Unchanged
        } else {
            Written::Created
        })
    }

    async fn version_known_in(
        &self,
        conn: &mut sqlx::AnyConnection,
        component: &str,
        version: &str,
    ) -> Result<bool, StoreError> {
        Ok(sqlx::query(
            "SELECT 1 AS one FROM component_versions WHERE component_id = $1 AND version = $2",
        )
        .bind(component)
        .bind(version)
        .fetch_optional(&mut *conn)
        .await?
        .is_some())
    }

    /// When `version` of `component` was first recorded, if it was.
    pub async fn component_version_created(
        &self,
        component: &str,
        version: &str,
    ) -> Result<Option<i64>, StoreError> {
        let row = sqlx::query(
            "SELECT created_at FROM component_versions WHERE component_id = $1 AND version = $2",
        )
        .bind(component)
        .bind(version)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| r.try_get("created_at")).transpose()?)
    }

    /// The branches and the tags of a component version.
    pub async fn version_labels(
        &self,
        component: &str,
        version: &str,
    ) -> Result<(Vec<String>, Vec<String>), StoreError> {
        let branches = sqlx::query(
            "SELECT branch FROM version_branches WHERE component_id = $1 AND version = $2 ORDER BY branch",
        )
        .bind(component)
        .bind(version)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| r.try_get("branch"))
        .collect::<Result<Vec<String>, _>>()?;
        let tags = sqlx::query(
            "SELECT tag FROM version_tags WHERE component_id = $1 AND version = $2 ORDER BY tag",
        )
        .bind(component)
        .bind(version)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| r.try_get("tag"))
        .collect::<Result<Vec<String>, _>>()?;
        Ok((branches, tags))
    }

    /// The latest version of `component` on `branch` (by when it was put
    /// on the branch), if any.
    pub async fn latest_on_branch(
        &self,
        component: &str,
        branch: &str,
    ) -> Result<Option<String>, StoreError> {
        let row = sqlx::query(
            "SELECT version FROM version_branches WHERE component_id = $1 AND branch = $2 ORDER BY created_at DESC, version DESC LIMIT 1",
        )
        .bind(component)
        .bind(branch)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| r.try_get("version")).transpose()?)
    }
}

/// Puts a version on a branch and tags it (each once); whether anything
/// was added.
async fn label_version(
    conn: &mut sqlx::AnyConnection,
    component: &str,
    version: &str,
    branch: Option<&str>,
    tags: &[String],
    now: i64,
) -> Result<bool, StoreError> {
    let mut added = false;
    if let Some(branch) = branch {
        added |= sqlx::query("INSERT INTO version_branches (component_id, branch, version, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (component_id, branch, version) DO NOTHING")
            .bind(component)
            .bind(branch)
            .bind(version)
            .bind(now)
            .execute(&mut *conn)
            .await?
            .rows_affected()
            > 0;
    }
    for tag in tags {
        added |= sqlx::query("INSERT INTO version_tags (component_id, version, tag, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (component_id, version, tag) DO NOTHING")
            .bind(component)
            .bind(version)
            .bind(tag)
            .bind(now)
            .execute(&mut *conn)
            .await?
            .rows_affected()
            > 0;
    }
    Ok(added)
}

fn pact_row(r: &sqlx::any::AnyRow) -> Result<PactRecord, StoreError> {
    Ok(PactRecord {
        consumer: r.try_get("consumer_id")?,
        consumer_version: r.try_get("consumer_version")?,
        provider: r.try_get("provider_id")?,
        interface: r.try_get("interface_id")?,
        sha: r.try_get("sha")?,
        created_at: r.try_get("created_at")?,
    })
}
