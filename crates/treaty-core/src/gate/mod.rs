//! Whether a release train may ship to an environment now: go or no-go,
//! with every reason.
//!
//! [`decide`] is a pure function of the release, the workspace's
//! governance and interfaces, the evidence gathered, the change proposals,
//! waivers, open blockers and gate overrides known, the component versions
//! being shipped and the time. The CLI gathers these from files (the
//! repository-only mode) and the broker from its store; both ask this
//! module, so they answer alike.
//!
//! The rules, in short (docs/gates.md has them in full):
//! - each scope item's criteria are met by the newest evidence for the
//!   version being shipped ([`criteria`]); an item whose criteria, blockers
//!   or dependencies keep it from going live ships dark behind a flag that
//!   defaults to off, is dropped when it is not essential, and otherwise
//!   stops the release ([`items`]);
//! - no breaking change on the release's interfaces without the approvals
//!   governance asks for today (a freeze adds its quorum), no open blocker
//!   at or above the blocking severity, no SLO measured outside its
//!   objective, no expired waiver, no freeze that forbids shipping, and
//!   unpaid debt warned or blocking as governance says ([`conditions`]);
//! - an override approved as governance asks for `gate_override` turns a
//!   no-go into a go, and every reason stays listed.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use treaty_evidence::Report;

use crate::check::waivers::KnownWaiver;
use crate::governance::Decision;
use crate::model::{CalendarDate, Governance, Interface, ProposalState, Release, Severity};

mod conditions;
mod criteria;
mod items;

/// The evidence records of each subject, in the input's order.
type Evidence<'a> = HashMap<&'a EvidenceSubject, Vec<&'a EvidenceRecord>>;

/// Everything the gate judges.
#[derive(Debug, Clone, Copy)]
pub struct GateInput<'a> {
    /// The release train asked about.
    pub release: &'a Release,
    /// Every release of the workspace (debt names the release repaying it).
    pub releases: &'a [Release],
    /// The workspace's governance.
    pub governance: &'a Governance,
    /// The workspace's interfaces (producers, consumers and SLOs).
    pub interfaces: &'a [Interface],
    /// The environment the release would ship to.
    pub environment: &'a str,
    /// The version of each component being shipped. Evidence for another
    /// version of a component named here does not count.
    pub shipping: &'a BTreeMap<String, String>,
    /// Evidence gathered, each record one run's report.
    pub evidence: &'a [EvidenceRecord],
    /// Change proposals known (of any interface and release).
    pub proposals: &'a [KnownProposal],
    /// Waivers known (of any interface).
    pub waivers: &'a [KnownWaiver],
    /// Blockers of this release that are still open.
    pub blockers: &'a [OpenBlocker],
    /// Overrides asked for this release (of any environment).
    pub overrides: &'a [GateOverride],
    /// The moment of the decision.
    pub now: Timestamp,
}

impl GateInput<'_> {
    /// The day of the decision, in UTC (freezes and expiries are days).
    pub fn today(&self) -> CalendarDate {
        CalendarDate(self.now.to_zoned(jiff::tz::TimeZone::UTC).date())
    }

    /// Every interface a scope item of the release changes.
    fn release_interfaces(&self) -> BTreeSet<&str> {
        self.release
            .scope
            .iter()
            .flat_map(|item| item.interfaces.iter().map(|i| i.value.as_str()))
            .collect()
    }

    fn interface(&self, id: &str) -> Option<&Interface> {
        self.interfaces.iter().find(|i| i.id.value == id)
    }
}

/// One run's report, tied to what it is evidence for.
#[derive(Debug, Clone, PartialEq)]
pub struct EvidenceRecord {
    /// What it is evidence for.
    pub subject: EvidenceSubject,
    /// The component it was produced from, when known.
    pub component: Option<String>,
    /// The component's version, when known.
    pub version: Option<String>,
    /// When it was recorded: the newest counting record decides.
    pub recorded_at: Timestamp,
    /// Where it came from, in words (a file, `evidence 12`).
    pub origin: String,
    /// What it measured.
    pub report: Report,
}

/// What a piece of evidence is for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum EvidenceSubject {
    /// A criterion of a scope item of the release.
    Criterion {
        /// The scope item's id.
        item: String,
        /// The criterion's id.
        criterion: String,
    },
    /// An SLO an interface declares, by its name.
    Slo {
        /// The interface's id.
        interface: String,
        /// The SLO's `name`.
        slo: String,
    },
}

/// A change proposal as the gate sees it, whatever it was read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownProposal {
    /// `cp-12`.
    pub id: String,
    /// The interface it changes.
    pub interface: String,
    /// Where its life cycle stands (approval is judged from `decisions`).
    pub state: ProposalState,
    /// The release it is meant to ship in, when it says.
    pub target_release: Option<String>,
    /// The consumer teams its changes break.
    pub affected: BTreeSet<String>,
    /// Each decision, in the order taken: the team and what it decided.
    pub decisions: Vec<(String, Decision)>,
}

impl KnownProposal {
    /// A proposal file (the repository-only mode) as the gate sees it: the
    /// affected consumers are those its recorded changes name.
    pub fn from_file(p: &crate::model::Proposal) -> KnownProposal {
        KnownProposal {
            id: p.id.value.clone(),
            interface: p.interface.value.clone(),
            state: p.state,
            target_release: p.target_release.as_ref().map(|t| t.value.clone()),
            affected: p
                .changes
                .iter()
                .flat_map(|c| c.affects.iter().cloned())
                .collect(),
            decisions: crate::governance::file_decisions(&p.decisions),
        }
    }
}

/// A blocker of the release that is still open.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenBlocker {
    /// Its id.
    pub id: String,
    /// What blocks, in a line.
    pub title: String,
    /// How bad it is.
    pub severity: Severity,
    /// The scope item it blocks; none: the whole release.
    pub item: Option<String>,
    /// The team that owns it (whose escalation path it walks).
    pub team: String,
    /// When it must be resolved by, from the SLA of its severity.
    pub deadline: Option<Timestamp>,
}

/// An override of a failing gate, asked for one environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GateOverride {
    /// Its id.
    pub id: String,
    /// The environment it is for.
    pub environment: String,
    /// Why the release should ship anyway.
    pub reason: String,
    /// Each decision, in the order taken: the team and what it decided.
    pub decisions: Vec<(String, Decision)>,
}

/// Every reason code the gate gives (docs/gates.md lists them).
pub const CODES: &[&str] = &[
    "blocker-open",
    "breaking-approved",
    "breaking-unapproved",
    "debt-unpaid",
    "evidence-stale",
    "freeze",
    "item-dark",
    "item-dropped",
    "item-live",
    "item-missing",
    "override",
    "override-pending",
    "override-rejected",
    "slo-breached",
    "slo-met",
    "waiver-expired",
    "waiver-expiring",
];

/// Go or no-go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GateDecision {
    /// The release may ship.
    Go,
    /// It may not.
    NoGo,
}

/// How much a reason weighs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Weight {
    /// It stops the release.
    Blocking,
    /// Someone should look at it; it does not stop the release.
    Warning,
    /// For the record.
    Info,
}

/// One reason of the verdict.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reason {
    /// How much it weighs.
    pub weight: Weight,
    /// A stable code (`item-missing`, `blocker-open`, …; [`CODES`]).
    pub code: &'static str,
    /// What it is about: a scope item, `item/criterion`, a proposal, a
    /// blocker, an interface.
    pub subject: String,
    /// What is wrong or notable, in words.
    pub message: String,
}

/// A reason as read back (a broker's answer), before its code is checked
/// to be one of [`CODES`].
#[derive(Deserialize)]
struct ReasonRead {
    weight: Weight,
    code: String,
    subject: String,
    message: String,
}

impl<'de> Deserialize<'de> for Reason {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Reason, D::Error> {
        let r = ReasonRead::deserialize(d)?;
        let code = CODES
            .iter()
            .find(|c| **c == r.code)
            .copied()
            .ok_or_else(|| {
                serde::de::Error::custom(format!("unknown gate reason code `{}`", r.code))
            })?;
        Ok(Reason {
            weight: r.weight,
            code,
            subject: r.subject,
            message: r.message,
        })
    }
}

/// The gate's answer (read back from a broker's JSON too).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GateVerdict {
    /// The release's id.
    pub release: String,
    /// The environment asked about.
    pub environment: String,
    /// The moment of the decision.
    pub decided_at: Timestamp,
    /// Go or no-go, after any override.
    pub decision: GateDecision,
    /// The approved override that turned a no-go into a go.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overridden_by: Option<String>,
    /// Each scope item, in the release's order.
    pub items: Vec<items::ItemVerdict>,
    /// Every reason, blocking first.
    pub reasons: Vec<Reason>,
}

pub use criteria::CriterionVerdict;

/// Whether one record meets `criterion` on its own, whatever version it is
/// for: the threshold's metric read from the entry the criterion's
/// evidence names, in the threshold's unit. `Err` says why not. (The
/// broker judges the evidence offered for a blocker's fix with it.)
pub fn meets(criterion: &crate::model::Criterion, record: &EvidenceRecord) -> Result<(), String> {
    let (Some(evidence), Some(threshold)) = (&criterion.evidence, &criterion.threshold) else {
        return Err(format!(
            "criterion `{}` names no evidence or no threshold: nothing can show it is met",
            criterion.id.value
        ));
    };
    criteria::measure(record, &evidence.source, &threshold.value)
        .map(|_| ())
        .map_err(|(why, _)| why)
}
pub use items::{ItemState, ItemVerdict};

impl GateVerdict {
    /// Whether the release may ship.
    pub fn is_go(&self) -> bool {
        self.decision == GateDecision::Go
    }

    /// The reasons that stop the release (still listed when overridden).
    pub fn blocking(&self) -> impl Iterator<Item = &Reason> {
        self.reasons.iter().filter(|r| r.weight == Weight::Blocking)
    }
}

/// Decides whether `input.release` may ship to `input.environment` at
/// `input.now`.
pub fn decide(input: &GateInput<'_>) -> GateVerdict {
    let mut reasons = Vec::new();
    // Each subject's records, once: a release of thousands of criteria
    // and a hundred thousand records must not scan them all per criterion.
    let mut by_subject: Evidence<'_> = HashMap::new();
    for r in input.evidence {
        by_subject.entry(&r.subject).or_default().push(r);
    }
    let items = items::judge(input, &by_subject, &mut reasons);
    conditions::proposals(input, &mut reasons);
    conditions::blockers(input, &mut reasons);
    conditions::slos(input, &by_subject, &mut reasons);
    conditions::waivers(input, &mut reasons);
    conditions::freezes(input, &mut reasons);
    conditions::debt(input, &mut reasons);
    let failing = reasons.iter().any(|r| r.weight == Weight::Blocking);
    let overridden_by = if failing {
        conditions::overrides(input, &mut reasons)
    } else {
        None
    };
    // Stable: blocking first, each weight in the order found.
    reasons.sort_by_key(|r| r.weight);
    GateVerdict {
        release: input.release.id.value.clone(),
        environment: input.environment.to_owned(),
        decided_at: input.now,
        decision: if failing && overridden_by.is_none() {
            GateDecision::NoGo
        } else {
            GateDecision::Go
        },
        overridden_by,
        items,
        reasons,
    }
}
