//! The broker's JSON types: the wire format, documented in the OpenAPI
//! description and kept apart from the store's and the core's types so that
//! those can change without breaking clients. Request bodies refuse unknown
//! fields. Every type is serializable both ways, so that clients (the CLI)
//! build their bodies and read the answers with these same types.
//!
//! One module per resource; everything is re-exported here, so a type's
//! path is `treaty_server::api::Name` whichever module holds it. Store
//! records and core verdicts become wire types through `From` impls beside
//! each type.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::ApiError;

mod blockers;
mod components;
mod deployments;
mod environments;
mod expectations;
mod interfaces;
mod log;
mod notifications;
mod proposals;
mod release;
mod releases;
mod teams;
mod tokens;
mod trains;
mod verifications;
mod versions;

pub use blockers::{
    Blocker, BlockerChangeRequest, BlockerEvent, NewBlocker, NewOverride, NewOverrideDecision,
    Override, OverrideDecision,
};
pub use components::{Component, NewComponent};
pub use deployments::{Deployment, NewDeployment, NewUndeployment, Undeployed};
pub use environments::Environment;
pub use expectations::{Artifact, Expectation, NewExpectation, Uses};
pub use interfaces::{Interface, NewInterface};
pub use log::{
    ConsistencyProof, ConsistencyQuery, InclusionProof, InclusionQuery, LogEntries,
    LogEntriesQuery, LogReceipt,
};
pub use notifications::{
    DeliveryAttempt, Notification, NotificationDetail, NotificationQuery, Queued, SetWebhook,
    WebhookSettings,
};
pub use proposals::{
    Impact, NewChangeSet, NewProposal, NewProposalDecision, NewProposalState, Proposal,
    ProposalDecision, ProposalQuery, ProposalTransition, ProposedChange, RequiredApproval,
};
pub use release::{BreakingChange, BrokenInteraction, CheckedPair, ReleaseQuery, ReleaseVerdict};
pub use releases::{NewRelease, Release, ReleasesQuery};
pub use teams::{DigestSent, NewTeam, Team};
pub use tokens::{IssuedToken, NewToken, RevokedToken, WhoAmI};
pub use trains::{EscalationStepSent, EvidenceQuery, RecordedEvidence, Train, TrainContent};
pub use verifications::{NewVerification, Verification, VerificationQuery};
pub use versions::{InterfaceVersion, Published, SchemaBundle};

/// Longest id or version accepted.
pub const MAX_ID: usize = 128;
/// Entries in one list of `uses`, at most.
pub const MAX_USES: usize = 1_000;
/// Length of one entry of `uses`, in bytes, at most.
pub const MAX_USE_LEN: usize = 512;
/// Artifacts per expectation.
pub const MAX_ARTIFACTS: usize = 100;
/// Length of a verification's details.
pub const MAX_DETAILS: usize = 64 * 1024;
/// Items per page, at most.
pub const MAX_PAGE: i64 = 1_000;
/// Items per page when the request does not say.
pub const DEFAULT_PAGE: i64 = 100;

/// Ids of teams, components, interfaces, environments: a letter or digit,
/// then letters, digits, `.`, `_` or `-`. Versions may also hold `+`.
pub fn check_id(field: &str, value: &str, version: bool) -> Result<(), ApiError> {
    let ok_char = |c: char| {
        c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') || (version && c == '+')
    };
    let first_ok = value
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric());
    if value.len() > MAX_ID || !first_ok || !value.chars().all(ok_char) {
        return Err(ApiError::Invalid(format!(
            "`{field}` must be 1 to {MAX_ID} characters: a letter or digit, then letters, digits, `.`, `_`, `-`{}; got {:?}",
            if version { " or `+`" } else { "" },
            value.chars().take(MAX_ID + 1).collect::<String>()
        )));
    }
    Ok(())
}

/// One page of a list; pass `next` as `after` for the following page.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Page<T> {
    /// The items of this page, in the list's order.
    pub items: Vec<T>,
    /// Where the next page starts; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// Which page of a list to answer.
#[derive(Debug, Serialize, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    /// At most 1000; 100 by default.
    pub limit: Option<i64>,
    /// The `next` of the previous page.
    pub after: Option<String>,
}

impl PageQuery {
    /// The page size asked for, checked against [`MAX_PAGE`].
    pub fn limit(&self) -> Result<i64, ApiError> {
        match self.limit {
            None => Ok(DEFAULT_PAGE),
            Some(n) if (1..=MAX_PAGE).contains(&n) => Ok(n),
            Some(n) => Err(ApiError::Invalid(format!(
                "`limit` must be between 1 and {MAX_PAGE}, got {n}"
            ))),
        }
    }
}

/// Builds a page from one more item than asked for: the extra one only
/// says that there is a next page, whose cursor `cursor` gives.
pub fn page<T>(mut items: Vec<T>, limit: i64, cursor: impl Fn(&T) -> String) -> Page<T> {
    let more = items.len() as i64 > limit;
    items.truncate(limit as usize);
    let next = if more { items.last().map(cursor) } else { None };
    Page { items, next }
}

/// Whether the broker is up (`ok`) or ready to serve (`ready`).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Health {
    /// `ok` from `/healthz`, `ready` from `/readyz`.
    pub status: String,
}

#[cfg(test)]
mod tests {
    use serde::de::DeserializeOwned;

    use super::*;

    /// What a client serializes, the broker reads back the same: bodies
    /// refuse unknown fields, so an extra or renamed one would be a 400.
    fn round_trip<T: Serialize + DeserializeOwned + std::fmt::Debug>(
        body: T,
    ) -> Result<(), serde_json::Error> {
        let text = serde_json::to_string(&body)?;
        let back: T = serde_json::from_str(&text)?;
        assert_eq!(format!("{back:?}"), format!("{body:?}"), "{text}");
        Ok(())
    }

    #[test]
    fn request_bodies_read_back_as_sent() -> Result<(), serde_json::Error> {
        let s = |v: &str| v.to_owned();
        round_trip(NewTeam {
            id: s("catalog"),
            name: s("Catalog"),
            webhook: None,
        })?;
        round_trip(NewTeam {
            id: s("catalog"),
            name: s("Catalog"),
            webhook: Some(s("https://hooks.example/catalog")),
        })?;
        round_trip(SetWebhook {
            url: s("https://hooks.example/catalog"),
        })?;
        round_trip(NewToken {
            team: s("catalog"),
            scopes: vec![s("publish")],
        })?;
        round_trip(NewComponent { team: s("catalog") })?;
        for (compatibility, proto_category) in [(None, None), (Some(s("full")), Some(s("wire")))] {
            round_trip(NewInterface {
                component: s("catalog-svc"),
                kind: s("protobuf"),
                compatibility,
                proto_category,
            })?;
        }
        round_trip(SchemaBundle {
            entry: s("a.json"),
            include_paths: vec![],
            files: [(s("a.json"), s("{}"))].into(),
        })?;
        round_trip(NewExpectation {
            built_against: s("1.0.0"),
            uses: Uses {
                operations: vec![s("GET /items")],
                ..Uses::default()
            },
            artifacts: vec![Artifact {
                name: s("pact.json"),
                kind: s("pact"),
                content: s("{}"),
            }],
        })?;
        for details in [None, Some(s("CI run 12"))] {
            round_trip(NewVerification {
                interface: s("catalog-api"),
                provider_version: s("1.0.0"),
                consumer: s("checkout-web"),
                consumer_version: s("41"),
                success: true,
                details,
            })?;
        }
        round_trip(NewDeployment {
            component: s("catalog-svc"),
            version: s("1.0.0"),
            environment: s("production"),
        })?;
        round_trip(NewUndeployment {
            component: s("catalog-svc"),
            environment: s("production"),
        })?;
        round_trip(ReleaseQuery {
            component: s("catalog-svc"),
            version: s("1.0.0"),
            environment: s("production"),
        })?;
        Ok(())
    }
}
