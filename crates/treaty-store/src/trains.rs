//! Release trains: each revision of what the gate needs of a workspace
//! (stored as the JSON the server was given, with the teams that own its
//! scope items), and the evidence pushed for a train, with the newest run
//! of each subject and version kept apart so the gate reads few rows.
//!
//! What a train's content means, and who may write it, are the server's.

use sqlx::Row;

use crate::grouped_statements::Statement;
use crate::ids::random_id;
use crate::write::Serialized;
use crate::{Store, StoreError, Written, content_hash};

/// A revision of a release train as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrainRevision {
    /// The release's id (`2027-01`).
    pub train: String,
    /// 1 for the first publish, then one more per changed content.
    pub revision: i64,
    /// The SHA-256 of `content`.
    pub content_hash: String,
    /// What was published, as JSON text.
    pub content: String,
    /// The teams owning a scope item of this revision.
    pub owners: Vec<String>,
    /// The team that published it.
    pub published_by: String,
    /// When, in Unix milliseconds.
    pub published_at: i64,
}

/// A piece of evidence to store: one run's report for one subject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvidence {
    /// The train it is for.
    pub train: String,
    /// `item/criterion`, or `slo:interface/name`.
    pub subject: String,
    /// The component it was produced from; '' when not said.
    pub component: String,
    /// The component's version; '' when not said.
    pub version: String,
    /// The run it belongs to; '' for a run of its own.
    pub run: String,
    /// What the report measured, as JSON text.
    pub measurements: String,
}

/// Evidence as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvidenceRow {
    /// Its id (`evd_…`).
    pub id: String,
    /// What was stored (its `run` is its id when none was given).
    pub evidence: NewEvidence,
    /// When it was recorded, in Unix milliseconds.
    pub recorded_at: i64,
    /// The team that pushed it.
    pub recorded_by: String,
}

const REVISION_COLUMNS: &str =
    "train_id, revision, content_hash, content, owners, published_by, published_at";

fn revision_row(r: &sqlx::any::AnyRow) -> Result<TrainRevision, StoreError> {
    let train: String = r.try_get("train_id")?;
    let owners: String = r.try_get("owners")?;
    let owners = serde_json::from_str(&owners).map_err(|_| StoreError::Corrupt {
        table: "train_revisions",
        row: train.clone(),
        field: "owners",
        value: owners.clone(),
    })?;
    Ok(TrainRevision {
        train,
        revision: r.try_get("revision")?,
        content_hash: r.try_get("content_hash")?,
        content: r.try_get("content")?,
        owners,
        published_by: r.try_get("published_by")?,
        published_at: r.try_get("published_at")?,
    })
}

fn evidence_row(r: &sqlx::any::AnyRow) -> Result<EvidenceRow, StoreError> {
    Ok(EvidenceRow {
        id: r.try_get("id")?,
        evidence: NewEvidence {
            train: r.try_get("train_id")?,
            subject: r.try_get("subject")?,
            component: r.try_get("component")?,
            version: r.try_get("version")?,
            run: r.try_get("run")?,
            measurements: r.try_get("measurements")?,
        },
        recorded_at: r.try_get("recorded_at")?,
        recorded_by: r.try_get("recorded_by")?,
    })
}

/// A train as listed: its newest revision, without the content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrainSummary {
    /// The release's id.
    pub train: String,
    /// The newest revision's number.
    pub revision: i64,
    /// The team that published it.
    pub published_by: String,
    /// When, in Unix milliseconds.
    pub published_at: i64,
}

/// Trains listed in one page, at most.
pub const MAX_TRAIN_PAGE: i64 = 500;

impl Store {
    /// Publishes `content` as the next revision of `train`, unless the
    /// newest revision holds the same content: then that one is answered,
    /// [`Written::Unchanged`]. Serialized per train, so brokers publishing
    /// at once number revisions one after the other.
    pub async fn publish_train(
        &self,
        train: &str,
        content: &str,
        owners: &[String],
        published_by: &str,
        now: i64,
    ) -> Result<(TrainRevision, Written), StoreError> {
        let hash = content_hash(content);
        let owners_json = serde_json::to_string(owners)
            .map_err(|e| StoreError::Invalid(format!("the owners of `{train}`: {e}")))?;
        let (_turn, mut tx) = self.write_tx().await?;
        self.serialize_on(&mut tx, Serialized::Trains, train)
            .await?;
        let newest = sqlx::query(&format!(
            "SELECT {REVISION_COLUMNS} FROM train_revisions WHERE train_id = $1 ORDER BY revision DESC LIMIT 1"
        ))
        .bind(train)
        .fetch_optional(&mut *tx)
        .await?;
        let newest = newest.as_ref().map(revision_row).transpose()?;
        if let Some(r) = newest.as_ref().filter(|r| r.content_hash == hash) {
            let r = r.clone();
            tx.rollback().await?;
            return Ok((r, Written::Unchanged));
        }
        let revision = newest.map_or(1, |r| r.revision + 1);
        sqlx::query(&format!(
            "INSERT INTO train_revisions ({REVISION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)"
        ))
        .bind(train)
        .bind(revision)
        .bind(&hash)
        .bind(content)
        .bind(&owners_json)
        .bind(published_by)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        // New content may call for escalations (or end some): evaluate
        // them at once, whatever the evaluating broker's clock says.
        sqlx::query(
            "INSERT INTO escalation_timers (train_id, next_due_at) VALUES ($1, 0)
             ON CONFLICT (train_id) DO UPDATE SET next_due_at = 0",
        )
        .bind(train)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok((
            TrainRevision {
                train: train.to_owned(),
                revision,
                content_hash: hash,
                content: content.to_owned(),
                owners: owners.to_vec(),
                published_by: published_by.to_owned(),
                published_at: now,
            },
            Written::Created,
        ))
    }

    /// The newest revision of `train`, if it was ever published.
    pub async fn train(&self, train: &str) -> Result<Option<TrainRevision>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {REVISION_COLUMNS} FROM train_revisions WHERE train_id = $1 ORDER BY revision DESC LIMIT 1"
        ))
        .bind(train)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(revision_row).transpose()
    }

    /// Trains by id after `after` (`""` from the start), each by its
    /// newest revision, at most `limit` (up to [`MAX_TRAIN_PAGE`]).
    pub async fn trains(&self, after: &str, limit: i64) -> Result<Vec<TrainSummary>, StoreError> {
        let rows = sqlx::query(
            "SELECT t.train_id, t.revision, t.published_by, t.published_at FROM train_revisions t
             WHERE t.train_id > $1
             AND t.revision = (SELECT MAX(r.revision) FROM train_revisions r WHERE r.train_id = t.train_id)
             ORDER BY t.train_id LIMIT $2",
        )
        .bind(after)
        .bind(limit.clamp(1, MAX_TRAIN_PAGE))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(TrainSummary {
                    train: r.try_get("train_id")?,
                    revision: r.try_get("revision")?,
                    published_by: r.try_get("published_by")?,
                    published_at: r.try_get("published_at")?,
                })
            })
            .collect()
    }

    /// Stores a piece of evidence and makes its run the newest of its
    /// subject, component and version (unless a newer one is already
    /// known); answers its id.
    pub async fn record_evidence(
        &self,
        evidence: &NewEvidence,
        recorded_by: &str,
        now: i64,
    ) -> Result<String, StoreError> {
        let id = random_id("evd_")?;
        let mut e = evidence.clone();
        if e.run.is_empty() {
            e.run = id.clone();
        }
        let key = |s: Statement| {
            s.text(&e.train)
                .text(&e.subject)
                .text(&e.component)
                .text(&e.version)
        };
        let statements = vec![
            Statement::new("INSERT INTO train_evidence (id, train_id, subject, component, version, run, measurements, recorded_at, recorded_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
                .text(&id)
                .text(&e.train)
                .text(&e.subject)
                .text(&e.component)
                .text(&e.version)
                .text(&e.run)
                .text(&e.measurements)
                .int(now)
                .text(recorded_by),
            // One statement, atomic on both databases: two brokers
            // recording at once leave the newer run.
            key(Statement::new("INSERT INTO train_evidence_latest (train_id, subject, component, version, run, recorded_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (train_id, subject, component, version) DO UPDATE SET run = excluded.run, recorded_at = excluded.recorded_at WHERE excluded.recorded_at >= train_evidence_latest.recorded_at"))
                .text(&e.run)
                .int(now),
            // The upsert above holds the subject's row of
            // `train_evidence_latest` until COMMIT, so its run is the one
            // these two statements keep apart, whatever another broker
            // records at once.
            key(Statement::new("DELETE FROM train_evidence_newest WHERE train_id = $1 AND subject = $2 AND component = $3 AND version = $4 AND run <> (SELECT l.run FROM train_evidence_latest l WHERE l.train_id = $1 AND l.subject = $2 AND l.component = $3 AND l.version = $4)")),
            Statement::new("INSERT INTO train_evidence_newest (id, train_id, subject, component, version, run, measurements, recorded_at, recorded_by) SELECT e.id, e.train_id, e.subject, e.component, e.version, e.run, e.measurements, e.recorded_at, e.recorded_by FROM train_evidence e CROSS JOIN train_evidence_latest l WHERE e.id = $1 AND l.train_id = e.train_id AND l.subject = e.subject AND l.component = e.component AND l.version = e.version AND l.run = e.run")
                .text(&id),
            Statement::new("INSERT INTO train_evidence_generation (train_id, generation) VALUES ($1, 1) ON CONFLICT (train_id) DO UPDATE SET generation = train_evidence_generation.generation + 1")
                .text(&e.train),
        ];
        self.grouped_write(statements, id).await
    }

    /// How many times evidence was recorded for `train` (0: never): what a
    /// broker compares to know whether the evidence it decoded for the
    /// gate is still the newest.
    pub async fn evidence_generation(&self, train: &str) -> Result<i64, StoreError> {
        let row =
            sqlx::query("SELECT generation FROM train_evidence_generation WHERE train_id = $1")
                .bind(train)
                .fetch_optional(&self.pool)
                .await?;
        Ok(match row {
            Some(r) => r.try_get("generation")?,
            None => 0,
        })
    }

    /// The records of the newest run of each subject, component and
    /// version of `train`: what the gate judges (older runs never decide).
    pub async fn latest_evidence(&self, train: &str) -> Result<Vec<EvidenceRow>, StoreError> {
        let rows = sqlx::query(
            // The newest runs' records are kept apart (migration 16): read
            // through `train_evidence`, they lay among the older runs' on
            // every page. In no particular order.
            "SELECT id, train_id, subject, component, version, run, measurements, recorded_at, recorded_by FROM train_evidence_newest WHERE train_id = $1",
        )
        .bind(train)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(evidence_row).collect()
    }

    /// How many pieces of evidence `train` holds, every run counted.
    pub async fn evidence_count(&self, train: &str) -> Result<i64, StoreError> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM train_evidence WHERE train_id = $1")
            .bind(train)
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get("n")?)
    }
}
