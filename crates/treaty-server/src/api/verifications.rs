//! Verifications: the result of running a consumer version's contract
//! against a provider version. They outweigh the schema diff in
//! can-i-release.

use serde::{Deserialize, Serialize};
use treaty_store::VerificationRecord;
use utoipa::{IntoParams, ToSchema};

/// A verification result to record: the body of
/// `POST /api/v1/verifications`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewVerification {
    /// The interface verified.
    pub interface: String,
    /// The producer version that was run.
    pub provider_version: String,
    /// The consumer component whose contract was run.
    pub consumer: String,
    /// The consumer's version.
    pub consumer_version: String,
    /// Whether the provider satisfied the consumer's contract.
    pub success: bool,
    /// Free text for people (a log excerpt, a CI link), at most 64 KiB.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
}

impl From<NewVerification> for treaty_store::Verification {
    fn from(v: NewVerification) -> treaty_store::Verification {
        treaty_store::Verification {
            interface: v.interface,
            provider_version: v.provider_version,
            consumer: v.consumer,
            consumer_version: v.consumer_version,
            success: v.success,
            details: v.details,
        }
    }
}

/// A recorded verification.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Verification {
    /// The verification's id.
    pub id: String,
    /// The interface verified.
    pub interface: String,
    /// The producer version that was run.
    pub provider_version: String,
    /// The consumer component whose contract was run.
    pub consumer: String,
    /// The consumer's version.
    pub consumer_version: String,
    /// Whether the provider satisfied the consumer's contract.
    pub success: bool,
    /// Free text for people, when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
    /// The team whose token recorded it.
    pub recorded_by: String,
    /// Unix milliseconds.
    pub recorded_at: i64,
}

impl From<VerificationRecord> for Verification {
    fn from(r: VerificationRecord) -> Verification {
        Verification {
            id: r.id,
            interface: r.verification.interface,
            provider_version: r.verification.provider_version,
            consumer: r.verification.consumer,
            consumer_version: r.verification.consumer_version,
            success: r.verification.success,
            details: r.verification.details,
            recorded_by: r.recorded_by,
            recorded_at: r.recorded_at,
        }
    }
}

/// Which verifications to list: those of one interface, newest first.
#[derive(Debug, Clone, Serialize, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct VerificationQuery {
    /// The interface.
    pub interface: String,
    /// Only those of this producer version.
    pub provider_version: Option<String>,
    /// At most 1000; 100 by default.
    pub limit: Option<i64>,
    /// The `next` of the previous page.
    pub after: Option<String>,
}
