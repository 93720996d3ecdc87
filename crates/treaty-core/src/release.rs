//! Whether a component version may be released to an environment, judged
//! pair by pair from evidence the caller gathers: for each producer and
//! consumer version that would talk to each other there, the latest
//! recorded verification of the pair, else what the consumer's pacts say
//! of the producer version (each HTTP interaction checked against its
//! description), else the changes between the interface version the
//! consumer was built against and the producer's.
//!
//! Pure: the broker reads the facts and computes the changes; this module
//! only decides, and says why.

use serde::Serialize;
use treaty_compat::{Change, Policy};

use crate::impact::Usage;

/// One consumer version and one producer version of an interface, as
/// they would meet in the environment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Pair {
    /// The interface the two talk through.
    pub interface: String,
    /// The component that serves the interface.
    pub producer: String,
    /// The version of the producer.
    pub producer_version: String,
    /// The component that uses the interface.
    pub consumer: String,
    /// The version of the consumer.
    pub consumer_version: String,
    /// The interface version the consumer was built against.
    pub built_against: String,
}

/// What is known about a pair.
#[derive(Debug)]
pub enum Evidence<'a> {
    /// The latest recorded verification of exactly this pair.
    Verification {
        /// The verification's id.
        id: String,
        /// Whether the consumer's expectations held.
        success: bool,
    },
    /// The changes from `built_against` to the producer version, with the
    /// `operationId` of each operation label.
    Changes {
        /// Every change between the two interface versions.
        changes: &'a [Change],
        /// `operationId` of each operation label.
        operation_ids: &'a treaty_compat::OperationIds,
    },
    /// The consumer's pacts, each HTTP interaction checked against the
    /// producer version's description: what the checks found (nothing
    /// for a compatible interaction).
    Interactions(&'a [InteractionFinding]),
    /// The pair cannot be judged: a version was never published, or a
    /// schema could not be compared. The text says which.
    Missing(String),
}

/// What checking one interaction of a consumer's pact against the
/// producer version's description found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InteractionFinding {
    /// The pact's name (the artifact's file name).
    pub pact: String,
    /// The interaction's description.
    pub interaction: String,
    /// The request's method.
    pub method: String,
    /// The request's path.
    pub path: String,
    /// The result code (PactFlow's, such as `response.body.incompatible`).
    pub code: &'static str,
    /// What is wrong, in words.
    pub message: String,
    /// JSON pointer of the finding in the pact (to point at its line).
    #[serde(skip)]
    pub pointer: String,
    /// Whether the finding is an error (the consumer's expectation is not
    /// met) rather than a warning.
    #[serde(skip)]
    pub error: bool,
}

impl InteractionFinding {
    /// `description (METHOD /path)`, as reasons name an interaction.
    pub fn label(&self) -> String {
        format!("`{}` ({} {})", self.interaction, self.method, self.path)
    }
}

/// A breaking change that touches what the consumer uses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Breaking {
    /// The rule id of the change.
    pub rule: &'static str,
    /// The change in words.
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// The changed field, as `Schema.property`.
    pub field: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    /// Operations that reach the change.
    pub operations: Vec<String>,
}

/// How one pair was judged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// A recorded verification of the pair succeeded.
    Verified {
        /// The verification's id.
        verification: String,
    },
    /// No verification, and no breaking change touches what the consumer
    /// uses under the interface's policy.
    Compatible,
    /// The latest recorded verification of the pair failed.
    VerificationFailed {
        /// The verification's id.
        verification: String,
    },
    /// Breaking changes touch what the consumer uses.
    BreakingChanges {
        /// Each breaking change that touches what the consumer uses.
        changes: Vec<Breaking>,
    },
    /// Interactions of the consumer's pacts that the producer version
    /// does not satisfy.
    InteractionsBroken {
        /// Each error found, in the order of the pacts' interactions.
        findings: Vec<InteractionFinding>,
    },
    /// Something needed to judge is missing.
    Missing {
        /// What is missing, in words.
        reason: String,
    },
}

impl Outcome {
    /// Whether this outcome stops the release.
    pub fn blocks(&self) -> bool {
        !matches!(self, Outcome::Verified { .. } | Outcome::Compatible)
    }
}

/// A pair and its outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Judged {
    #[serde(flatten)]
    /// The pair judged.
    pub pair: Pair,
    #[serde(flatten)]
    /// How it was judged.
    pub outcome: Outcome,
}

/// Judges one pair. A failed verification always blocks; a successful one
/// always passes; without one, the pacts' interactions (an error blocks, a
/// warning does not) or else the changes decide.
pub fn judge(pair: Pair, evidence: Evidence<'_>, policy: Policy, usage: &Usage) -> Judged {
    let outcome = match evidence {
        Evidence::Verification { id, success: true } => Outcome::Verified { verification: id },
        Evidence::Verification { id, success: false } => {
            Outcome::VerificationFailed { verification: id }
        }
        Evidence::Missing(reason) => Outcome::Missing { reason },
        Evidence::Interactions(found) => {
            let findings: Vec<InteractionFinding> =
                found.iter().filter(|f| f.error).cloned().collect();
            if findings.is_empty() {
                Outcome::Compatible
            } else {
                Outcome::InteractionsBroken { findings }
            }
        }
        Evidence::Changes {
            changes,
            operation_ids,
        } => {
            let breaking: Vec<Breaking> = changes
                .iter()
                .filter(|c| c.violates(policy) && usage.touches(c, operation_ids))
                .map(|c| Breaking {
                    rule: c.rule,
                    message: c.message.clone(),
                    field: c.field.clone(),
                    operations: c.operations.iter().cloned().collect(),
                })
                .collect();
            if breaking.is_empty() {
                Outcome::Compatible
            } else {
                Outcome::BreakingChanges { changes: breaking }
            }
        }
    };
    Judged { pair, outcome }
}

/// A reason the release is blocked that is not about one pair.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Gap {
    /// The component consumes an interface whose producer has no version
    /// in the environment: none deployed, none released and supported.
    ProducerNotDeployed {
        /// The interface consumed.
        interface: String,
        /// Its producer component.
        producer: String,
    },
    /// A consumer running in the environment uses an interface this
    /// version does not publish.
    InterfaceNotPublished {
        /// The interface the consumer uses.
        interface: String,
        /// The consumer component.
        consumer: String,
        /// The consumer's version running there.
        consumer_version: String,
    },
}

/// The answer: release or not, every reason, and every pair checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    /// The component to release.
    pub component: String,
    /// Its version.
    pub version: String,
    /// The environment it would go to.
    pub environment: String,
    /// Whether it may go.
    pub release: bool,
    /// One line per blocking reason, naming the other component, its
    /// version, the environment and the rule ids.
    pub reasons: Vec<String>,
    /// Every pair checked, blocking or not.
    pub pairs: Vec<Judged>,
    /// Blocking reasons that are not about one pair.
    pub gaps: Vec<Gap>,
}

impl Verdict {
    /// Puts the judged pairs and gaps together, in a stable order.
    pub fn new(
        component: &str,
        version: &str,
        environment: &str,
        mut pairs: Vec<Judged>,
        gaps: Vec<Gap>,
    ) -> Verdict {
        // Versions too: several versions of one consumer (or producer) may
        // be in the environment at once (released versions), each its own
        // pair.
        fn key(p: &Pair) -> (&str, &str, &str, &str, &str) {
            (
                &p.interface,
                &p.consumer,
                &p.producer,
                &p.consumer_version,
                &p.producer_version,
            )
        }
        pairs.sort_by(|a, b| key(&a.pair).cmp(&key(&b.pair)));
        let mut reasons = Vec::new();
        for j in pairs.iter().filter(|j| j.outcome.blocks()) {
            let p = &j.pair;
            let who = format!(
                "{}: {} {} with {} {} in {environment}",
                p.interface, p.consumer, p.consumer_version, p.producer, p.producer_version
            );
            reasons.push(match &j.outcome {
                Outcome::VerificationFailed { verification } => {
                    format!("{who}: verification {verification} failed")
                }
                Outcome::BreakingChanges { changes } => {
                    let mut rules: Vec<&str> = changes.iter().map(|c| c.rule).collect();
                    rules.dedup();
                    format!(
                        "{who}: {} breaking change(s) since {} touch what {} uses [{}]",
                        changes.len(),
                        p.built_against,
                        p.consumer,
                        rules.join(", ")
                    )
                }
                Outcome::InteractionsBroken { findings } => {
                    format!("{who}: {}", broken_interactions(&p.consumer, findings))
                }
                Outcome::Missing { reason } => format!("{who}: {reason}"),
                Outcome::Verified { .. } | Outcome::Compatible => continue,
            });
        }
        for gap in &gaps {
            reasons.push(match gap {
                Gap::ProducerNotDeployed {
                    interface,
                    producer,
                } => format!(
                    "{interface}: its producer {producer} is not deployed in {environment}, nor released there and supported"
                ),
                Gap::InterfaceNotPublished {
                    interface,
                    consumer,
                    consumer_version,
                } => format!(
                    "{interface}: {consumer} {consumer_version} uses it in {environment}, and {component} {version} does not publish it"
                ),
            });
        }
        Verdict {
            component: component.to_owned(),
            version: version.to_owned(),
            environment: environment.to_owned(),
            release: reasons.is_empty(),
            reasons,
            pairs,
            gaps,
        }
    }
}

/// Interactions named in one reason at most; the pair lists them all.
const NAMED_INTERACTIONS: usize = 5;

/// `2 interaction(s) of checkout-web's pacts fail: `get an item` (GET
/// /items/1) [response.body.incompatible], …`: each interaction once, with
/// its codes.
fn broken_interactions(consumer: &str, findings: &[InteractionFinding]) -> String {
    let mut named: Vec<(String, Vec<&str>)> = Vec::new();
    for f in findings {
        let label = format!("{} in {}", f.label(), f.pact);
        match named.iter_mut().find(|(l, _)| *l == label) {
            Some((_, codes)) if !codes.contains(&f.code) => codes.push(f.code),
            Some(_) => {}
            None => named.push((label, vec![f.code])),
        }
    }
    let mut listed: Vec<String> = named
        .iter()
        .take(NAMED_INTERACTIONS)
        .map(|(label, codes)| format!("{label} [{}]", codes.join(", ")))
        .collect();
    if named.len() > NAMED_INTERACTIONS {
        listed.push(format!("and {} more", named.len() - NAMED_INTERACTIONS));
    }
    format!(
        "{} interaction(s) of {consumer}'s pacts fail: {}",
        named.len(),
        listed.join("; ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use treaty_compat::{Direction, Effect};

    fn pair() -> Pair {
        Pair {
            interface: "payments-api".into(),
            producer: "payments-svc".into(),
            producer_version: "2.0.0".into(),
            consumer: "checkout-web".into(),
            consumer_version: "41".into(),
            built_against: "1.0.0".into(),
        }
    }

    fn removed(operation: &str) -> Change {
        Change::new(
            "operation-removed",
            Effect::Narrows,
            Direction::Accepts,
            format!("{operation} was removed"),
        )
        .with_operation(operation)
    }

    #[test]
    fn a_failed_verification_blocks_even_without_changes() {
        let ids = treaty_compat::OperationIds::new();
        let ok = judge(
            pair(),
            Evidence::Changes {
                changes: &[],
                operation_ids: &ids,
            },
            Policy::Backward,
            &Usage::default(),
        );
        assert_eq!(ok.outcome, Outcome::Compatible);
        let failed = judge(
            pair(),
            Evidence::Verification {
                id: "ver_1".into(),
                success: false,
            },
            Policy::Backward,
            &Usage::default(),
        );
        assert!(failed.outcome.blocks());
        let v = Verdict::new(
            "payments-svc",
            "2.0.0",
            "production",
            vec![ok, failed],
            vec![],
        );
        assert!(!v.release);
        assert_eq!(v.reasons.len(), 1);
        assert!(
            v.reasons[0].contains("checkout-web 41") && v.reasons[0].contains("ver_1"),
            "{:?}",
            v.reasons
        );
    }

    #[test]
    fn breaking_changes_block_only_consumers_that_use_them() {
        let ids = treaty_compat::OperationIds::new();
        let changes = [removed("DELETE /payments/{id}")];
        let uses_other = Usage {
            operations: vec!["POST /payments".into()],
            ..Usage::default()
        };
        let uses_it = Usage {
            operations: vec!["DELETE /payments/{paymentId}".into()],
            ..Usage::default()
        };
        let evidence = || Evidence::Changes {
            changes: &changes,
            operation_ids: &ids,
        };
        assert_eq!(
            judge(pair(), evidence(), Policy::Backward, &uses_other).outcome,
            Outcome::Compatible
        );
        let hit = judge(pair(), evidence(), Policy::Backward, &uses_it);
        assert!(
            matches!(&hit.outcome, Outcome::BreakingChanges { changes } if changes[0].rule == "operation-removed")
        );
        // Under no policy nothing breaks; a success verification overrides the diff.
        assert_eq!(
            judge(pair(), evidence(), Policy::None, &uses_it).outcome,
            Outcome::Compatible
        );
        let verified = judge(
            pair(),
            Evidence::Verification {
                id: "ver_2".into(),
                success: true,
            },
            Policy::Backward,
            &uses_it,
        );
        assert!(!verified.outcome.blocks());
        let v = Verdict::new(
            "payments-svc",
            "2.0.0",
            "production",
            vec![hit],
            vec![Gap::ProducerNotDeployed {
                interface: "ledger".into(),
                producer: "ledger-svc".into(),
            }],
        );
        assert_eq!(v.reasons.len(), 2);
        assert!(
            v.reasons[0].contains("[operation-removed]"),
            "{:?}",
            v.reasons
        );
        assert!(v.reasons[1].contains("ledger-svc is not deployed in production"));
    }

    #[test]
    fn each_version_of_a_consumer_in_the_environment_is_its_own_pair() {
        // Two released versions of checkout-web: the newer verified, the
        // older broken by the change. Only the older blocks, by version.
        let ids = treaty_compat::OperationIds::new();
        let changes = [removed("GET /payments/{id}")];
        let uses_it = Usage {
            operations: vec!["GET /payments/{id}".into()],
            ..Usage::default()
        };
        let old = Pair {
            consumer_version: "40".into(),
            ..pair()
        };
        let broken = judge(
            old,
            Evidence::Changes {
                changes: &changes,
                operation_ids: &ids,
            },
            Policy::Backward,
            &uses_it,
        );
        let verified = judge(
            pair(),
            Evidence::Verification {
                id: "ver_3".into(),
                success: true,
            },
            Policy::Backward,
            &uses_it,
        );
        let v = Verdict::new(
            "payments-svc",
            "2.0.0",
            "production",
            vec![verified, broken],
            vec![],
        );
        assert!(!v.release);
        assert_eq!(v.pairs.len(), 2);
        assert_eq!(v.pairs[0].pair.consumer_version, "40", "ordered by version");
        assert_eq!(v.reasons.len(), 1, "{:?}", v.reasons);
        assert!(
            v.reasons[0].contains("checkout-web 40 with payments-svc 2.0.0"),
            "{:?}",
            v.reasons
        );
    }

    fn finding(
        interaction: &str,
        method: &str,
        path: &str,
        code: &'static str,
    ) -> InteractionFinding {
        InteractionFinding {
            pact: "checkout-web-payments.json".into(),
            interaction: interaction.into(),
            method: method.into(),
            path: path.into(),
            code,
            message: "the schema says otherwise".into(),
            pointer: "/interactions/0".into(),
            error: code != "response.header.unknown",
        }
    }

    #[test]
    fn interactions_decide_by_their_errors_and_are_named() {
        let warning = [finding(
            "get a payment",
            "GET",
            "/payments/1",
            "response.header.unknown",
        )];
        assert_eq!(
            judge(
                pair(),
                Evidence::Interactions(&warning),
                Policy::Backward,
                &Usage::default()
            )
            .outcome,
            Outcome::Compatible
        );
        let errors = [
            finding(
                "get a payment",
                "GET",
                "/payments/1",
                "response.body.incompatible",
            ),
            finding(
                "get a payment",
                "GET",
                "/payments/1",
                "response.status.unknown",
            ),
            finding(
                "refund a payment",
                "POST",
                "/payments/1/refunds",
                "request.path-or-method.unknown",
            ),
            warning[0].clone(),
        ];
        let broken = judge(
            pair(),
            Evidence::Interactions(&errors),
            Policy::Backward,
            &Usage::default(),
        );
        let Outcome::InteractionsBroken { findings } = &broken.outcome else {
            panic!("not broken: {:?}", broken.outcome);
        };
        assert_eq!(findings.len(), 3, "warnings are not listed: {findings:?}");
        let v = Verdict::new("payments-svc", "2.0.0", "production", vec![broken], vec![]);
        assert!(!v.release);
        assert_eq!(
            v.reasons,
            vec![
                "payments-api: checkout-web 41 with payments-svc 2.0.0 in production: 2 interaction(s) of checkout-web's pacts fail: `get a payment` (GET /payments/1) in checkout-web-payments.json [response.body.incompatible, response.status.unknown]; `refund a payment` (POST /payments/1/refunds) in checkout-web-payments.json [request.path-or-method.unknown]"
            ]
        );
    }
}
