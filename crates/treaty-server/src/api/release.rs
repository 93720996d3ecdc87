//! can-i-release: the question, and the verdict with every pair checked.
//! The decision is `treaty_core::release`'s; these are its wire form.

use serde::{Deserialize, Serialize};
use treaty_core::release::{Breaking, InteractionFinding, Judged, Outcome, Verdict};
use utoipa::{IntoParams, ToSchema};

/// The question of `GET /api/v1/can-i-release`: may this component version
/// go to this environment?
#[derive(Debug, Clone, Serialize, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ReleaseQuery {
    /// The component to release.
    pub component: String,
    /// Its version to release.
    pub version: String,
    /// Where it would go.
    pub environment: String,
}

/// A breaking change that touches what a consumer uses.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct BreakingChange {
    /// Stable rule id (docs/rules.md).
    pub rule: String,
    /// What changed, in words.
    pub message: String,
    /// The field changed, as `Schema.property.nested` from the nearest
    /// named schema, when the change is about one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The operations (`POST /payments`) or messages that reach the
    /// change.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub operations: Vec<String>,
}

impl From<Breaking> for BreakingChange {
    fn from(c: Breaking) -> BreakingChange {
        BreakingChange {
            rule: c.rule.to_owned(),
            message: c.message,
            field: c.field,
            operations: c.operations,
        }
    }
}

/// An interaction of the consumer's pact that the producer version does
/// not satisfy.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct BrokenInteraction {
    /// The pact's name (the artifact's file name).
    pub pact: String,
    /// The interaction's description.
    pub interaction: String,
    /// Its request's method.
    pub method: String,
    /// Its request's path.
    pub path: String,
    /// The result code (docs/pact.md), such as `response.body.incompatible`.
    pub code: String,
    /// What is wrong, in words.
    pub message: String,
}

impl From<InteractionFinding> for BrokenInteraction {
    fn from(f: InteractionFinding) -> BrokenInteraction {
        BrokenInteraction {
            pact: f.pact,
            interaction: f.interaction,
            method: f.method,
            path: f.path,
            code: f.code.to_owned(),
            message: f.message,
        }
    }
}

/// One producer version and one consumer version of an interface that
/// would meet in the environment, and how the pair was judged.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CheckedPair {
    /// The interface between them.
    pub interface: String,
    /// The producer component.
    pub producer: String,
    /// The producer's version.
    pub producer_version: String,
    /// The consumer component.
    pub consumer: String,
    /// The consumer's version.
    pub consumer_version: String,
    /// The interface version the consumer was built against.
    pub built_against: String,
    /// `verified`, `compatible`, `verification_failed`,
    /// `breaking_changes`, `interactions_broken` (the consumer's pacts) or
    /// `missing`.
    pub outcome: String,
    /// Whether this pair alone holds the release back.
    pub blocks: bool,
    /// The id of the verification that decided, for `verified` and
    /// `verification_failed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verification: Option<String>,
    /// For `breaking_changes`: the changes that touch what the consumer
    /// uses.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<BreakingChange>,
    /// For `missing`: what could not be found or compared.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// For `interactions_broken`: each error found in the consumer's
    /// pacts, in the order of their interactions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub interactions: Vec<BrokenInteraction>,
}

impl From<Judged> for CheckedPair {
    fn from(j: Judged) -> CheckedPair {
        let blocks = j.outcome.blocks();
        let mut interactions = Vec::new();
        let (outcome, verification, changes, reason) = match j.outcome {
            Outcome::Verified { verification } => ("verified", Some(verification), vec![], None),
            Outcome::InteractionsBroken { findings } => {
                interactions = findings.into_iter().map(BrokenInteraction::from).collect();
                ("interactions_broken", None, vec![], None)
            }
            Outcome::Compatible => ("compatible", None, vec![], None),
            Outcome::VerificationFailed { verification } => {
                ("verification_failed", Some(verification), vec![], None)
            }
            Outcome::BreakingChanges { changes } => (
                "breaking_changes",
                None,
                changes.into_iter().map(BreakingChange::from).collect(),
                None,
            ),
            Outcome::Missing { reason } => ("missing", None, vec![], Some(reason)),
        };
        CheckedPair {
            interface: j.pair.interface,
            producer: j.pair.producer,
            producer_version: j.pair.producer_version,
            consumer: j.pair.consumer,
            consumer_version: j.pair.consumer_version,
            built_against: j.pair.built_against,
            outcome: outcome.to_owned(),
            blocks,
            verification,
            changes,
            reason,
            interactions,
        }
    }
}

/// Whether a component version may go to an environment, and why.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ReleaseVerdict {
    /// The component asked about.
    pub component: String,
    /// Its version.
    pub version: String,
    /// The environment.
    pub environment: String,
    /// True when nothing blocks.
    pub release: bool,
    /// Every blocking reason, one line each.
    pub reasons: Vec<String>,
    /// Every pair checked, blocking or not.
    pub pairs: Vec<CheckedPair>,
}

impl From<Verdict> for ReleaseVerdict {
    fn from(v: Verdict) -> ReleaseVerdict {
        ReleaseVerdict {
            component: v.component,
            version: v.version,
            environment: v.environment,
            release: v.release,
            reasons: v.reasons,
            pairs: v.pairs.into_iter().map(CheckedPair::from).collect(),
        }
    }
}
