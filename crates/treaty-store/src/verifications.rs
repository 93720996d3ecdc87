//! Verifications: a provider version checked against a consumer version,
//! recorded as they come; the one of a pair recorded last decides.

use sqlx::Row;

use crate::grouped_statements::Statement;
use crate::ids::random_id;
use crate::write::Serialized;
use crate::{Store, StoreError};

/// A recorded verification of a consumer version against a provider version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    /// The interface verified.
    pub interface: String,
    /// The provider's version.
    pub provider_version: String,
    /// The consumer component.
    pub consumer: String,
    /// The consumer's version.
    pub consumer_version: String,
    /// Whether the provider satisfied the consumer.
    pub success: bool,
    /// What the verifier reported, free text.
    pub details: Option<String>,
}

/// A [`Verification`] as stored: with its id, recorder and time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerificationRecord {
    /// The verification's id (`ver_…`).
    pub id: String,
    /// What was verified and the outcome.
    pub verification: Verification,
    /// The team that recorded it.
    pub recorded_by: String,
    /// When it was recorded, in Unix milliseconds.
    pub recorded_at: i64,
}

const VERIFICATION_SELECT: &str = "SELECT id, interface_id, provider_version, consumer_id, consumer_version, success, details, recorded_by, recorded_at FROM verifications";

/// Which of a pair's verifications decides it: the one recorded last.
/// NULLS LAST: a row without a number (from a broker of an older build
/// during an upgrade) sorts the same way on both databases.
const DECIDING_ORDER: &str = "ORDER BY seq DESC NULLS LAST LIMIT 1";

/// The columns `verification_id` and `verification_success` of the
/// verification deciding the pair the SQL expressions name (a
/// [`DECIDING_ORDER`] lookup each), for a query that reads pairs.
pub(crate) fn deciding_verification_columns(
    interface: &str,
    provider_version: &str,
    consumer: &str,
    consumer_version: &str,
) -> String {
    let pair = format!(
        "FROM verifications v WHERE v.interface_id = {interface} AND v.provider_version = {provider_version} AND v.consumer_id = {consumer} AND v.consumer_version = {consumer_version} {DECIDING_ORDER}"
    );
    format!(
        "(SELECT v.id {pair}) AS verification_id, (SELECT v.success {pair}) AS verification_success"
    )
}

impl Store {
    /// Records a verification result; returns its id once it is
    /// committed (on SQLite together with the writes waiting at the same
    /// moment: see `group_commit`).
    pub async fn record_verification(
        &self,
        v: &Verification,
        recorded_by: &str,
        now: i64,
    ) -> Result<String, StoreError> {
        let id = random_id("ver_")?;
        let pair = [
            &v.interface,
            &v.provider_version,
            &v.consumer,
            &v.consumer_version,
        ];
        let mut statements: Vec<Statement> = self
            .serializing(Serialized::Verifications, &pair_key(pair))
            .into_iter()
            .collect();
        // The next number of the pair: its lock is held, so no other
        // writer can take the same one, and a later writer sees this one.
        statements.push(
            Statement::new("INSERT INTO verifications (id, interface_id, provider_version, consumer_id, consumer_version, success, details, recorded_by, recorded_at, seq) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, (SELECT COALESCE(MAX(seq), 0) + 1 FROM verifications WHERE interface_id = $2 AND provider_version = $3 AND consumer_id = $4 AND consumer_version = $5))")
                .text(&id)
                .text(&v.interface)
                .text(&v.provider_version)
                .text(&v.consumer)
                .text(&v.consumer_version)
                .int(i64::from(v.success))
                .maybe_text(v.details.as_deref())
                .text(recorded_by)
                .int(now),
        );
        self.grouped_write(statements, id).await
    }

    /// The verification of a pair recorded last, if any: last in the
    /// order the database took them in, whatever the recording brokers'
    /// clocks said (`recorded_at` is for display). A failure no longer
    /// needs to win a tie, as there are none; the rows of databases from
    /// before that order were numbered with it (see migration 3).
    pub async fn latest_verification(
        &self,
        interface: &str,
        provider_version: &str,
        consumer: &str,
        consumer_version: &str,
    ) -> Result<Option<VerificationRecord>, StoreError> {
        let row = sqlx::query(&format!(
            "{VERIFICATION_SELECT} WHERE interface_id = $1 AND provider_version = $2 AND consumer_id = $3 AND consumer_version = $4 {DECIDING_ORDER}"
        ))
        .bind(interface)
        .bind(provider_version)
        .bind(consumer)
        .bind(consumer_version)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(verification_record).transpose()
    }

    /// Verifications of an interface's provider version, newest first,
    /// recorded before `before` (a cursor: recorded_at, then id). For
    /// display: "newest" is by the recording brokers' clocks, so with
    /// clocks apart it may differ from the order that decides
    /// ([`Store::latest_verification`]).
    pub async fn verifications(
        &self,
        interface: &str,
        provider_version: Option<&str>,
        before: Option<(i64, &str)>,
        limit: i64,
    ) -> Result<Vec<VerificationRecord>, StoreError> {
        let (at, id) = before.unwrap_or((i64::MAX, ""));
        // Two texts rather than an `OR` on an empty filter, so that each
        // can walk its index in order.
        let rows = match provider_version {
            Some(pv) => {
                sqlx::query(&format!(
                    "{VERIFICATION_SELECT} WHERE interface_id = $1 AND provider_version = $2 AND (recorded_at, id) < ($3, $4) ORDER BY recorded_at DESC, id DESC LIMIT $5"
                ))
                .bind(interface)
                .bind(pv)
                .bind(at)
                .bind(id)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?
            }
            None => {
                sqlx::query(&format!(
                    "{VERIFICATION_SELECT} WHERE interface_id = $1 AND (recorded_at, id) < ($2, $3) ORDER BY recorded_at DESC, id DESC LIMIT $4"
                ))
                .bind(interface)
                .bind(at)
                .bind(id)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?
            }
        };
        rows.iter().map(verification_record).collect()
    }
}

/// What verifications of one pair serialize on.
fn pair_key(pair: [&String; 4]) -> String {
    // A separator no id contains in practice; a collision would only make
    // two pairs wait for each other.
    pair.map(String::as_str).join("\n")
}

fn verification_record(r: &sqlx::any::AnyRow) -> Result<VerificationRecord, StoreError> {
    Ok(VerificationRecord {
        id: r.try_get("id")?,
        verification: Verification {
            interface: r.try_get("interface_id")?,
            provider_version: r.try_get("provider_version")?,
            consumer: r.try_get("consumer_id")?,
            consumer_version: r.try_get("consumer_version")?,
            success: r.try_get::<i64, _>("success")? != 0,
            details: r.try_get("details")?,
        },
        recorded_by: r.try_get("recorded_by")?,
        recorded_at: r.try_get("recorded_at")?,
    })
}
