//! `treaty.yaml`: the organization, its governance and the defaults its
//! interfaces inherit.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use treaty_syntax::Spanned;

use super::{CalendarDate, Compatibility, Duration, Team};

/// `treaty.yaml`: the organization, its governance and defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "Treaty workspace (treaty.yaml)")]
pub struct WorkspaceFile {
    /// Format version of the contract files; this build reads `1`.
    pub version: Spanned<u32>,
    /// Who the workspace belongs to.
    pub organization: Organization,
    #[serde(default)]
    /// Who decides what, and how fast problems must be resolved.
    pub governance: Governance,
    #[serde(default)]
    /// What interfaces get when they do not say otherwise.
    pub defaults: Defaults,
    /// Teams may be declared here, or one per file under `teams/`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub teams: Vec<Team>,
}

/// The organization a workspace belongs to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Organization {
    /// Short, stable identifier (kebab-case).
    pub id: Spanned<String>,
    /// Its name, as shown to people.
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// Its web site.
    pub url: Option<String>,
}

/// Who decides what, and how fast problems must be resolved.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Governance {
    /// Teams whose representatives form the steering group.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steering_group: Vec<Spanned<String>>,
    /// How many steering-group teams must approve where the steering group
    /// is required. At most the size of the group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quorum: Option<Spanned<u32>>,
    /// Who must approve each kind of change.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub approvals: Vec<ApprovalRule>,
    /// How long a blocker of each severity may stay open before it escalates.
    #[serde(default)]
    pub blocker_slas: BlockerSlas,
    /// Periods in which only some kinds of change may ship.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub freezes: Vec<Freeze>,
    /// How the release gate weighs open blockers and unpaid debt.
    #[serde(default, skip_serializing_if = "GateRules::is_default")]
    pub gate: GateRules,
    /// Who may triage blockers, and what a blocker needs at each severity.
    #[serde(default, skip_serializing_if = "Triage::is_default")]
    pub triage: Triage,
    /// When a release's trouble escalates before its deadlines, besides
    /// blockers past their SLA.
    #[serde(default, skip_serializing_if = "EscalationRules::is_default")]
    pub escalation: EscalationRules,
    /// How teams keep each other informed: digests, reviews, liaisons.
    #[serde(default, skip_serializing_if = "Communication::is_default")]
    pub communication: Communication,
}

/// The communication cadence between teams.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Communication {
    /// How often each team gets its status digest; no digest unless said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<DigestCadence>,
    /// Recurring cross-team reviews.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reviews: Vec<Review>,
    /// Roles that rotate between teams.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub liaisons: Vec<Liaison>,
}

impl Communication {
    fn is_default(&self) -> bool {
        *self == Communication::default()
    }
}

/// How often a digest goes out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DigestCadence {
    /// Every day.
    Daily,
    /// Every week.
    Weekly,
    /// Every two weeks.
    Biweekly,
}

impl DigestCadence {
    /// The cadence as the files spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            DigestCadence::Daily => "daily",
            DigestCadence::Weekly => "weekly",
            DigestCadence::Biweekly => "biweekly",
        }
    }

    /// The days between two digests.
    pub fn days(self) -> i64 {
        match self {
            DigestCadence::Daily => 1,
            DigestCadence::Weekly => 7,
            DigestCadence::Biweekly => 14,
        }
    }
}

/// A recurring cross-team review.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Review {
    /// What it is called.
    pub name: String,
    /// The day of the first one.
    pub first: Spanned<CalendarDate>,
    /// The time between two (whole days).
    pub every: Spanned<Duration>,
    /// The teams taking part; every team unless said.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub teams: Vec<Spanned<String>>,
}

/// A role that rotates between teams, one period each, in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Liaison {
    /// The role, in words (`release liaison`).
    pub role: String,
    /// The teams holding it in turn. At least one.
    pub rotation: Vec<Spanned<String>>,
    /// How long each holds it (whole days).
    pub every: Spanned<Duration>,
    /// The day the first team of the rotation takes it.
    pub from: Spanned<CalendarDate>,
}

/// How long before a milestone a release's trouble escalates. A rule not
/// set does not fire.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EscalationRules {
    /// A dependency of high variability still not done this long before
    /// feature freeze escalates to the team delivering it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open_dependency_before_feature_freeze: Option<Spanned<Duration>>,
    /// A gate saying no-go this long before the ship date escalates to the
    /// owners of the missing items (and the steering group for the rest).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failing_gate_before_ship: Option<Spanned<Duration>>,
}

impl EscalationRules {
    fn is_default(&self) -> bool {
        *self == EscalationRules::default()
    }
}

/// How the release gate (`treaty gate`) weighs what is not evidence.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GateRules {
    /// Open blockers of this severity or worse stop a release; milder ones
    /// are listed as warnings. `high` unless said.
    #[serde(default)]
    pub blocking_severity: Severity,
    /// What debt not repaid by the release named in its `repay_by` does to
    /// the gate of that release and of every later one: `warn` unless said.
    #[serde(default)]
    pub unpaid_debt: DebtPolicy,
}

impl GateRules {
    fn is_default(&self) -> bool {
        *self == GateRules::default()
    }
}

/// How blockers are triaged: who may change a severity, and what a
/// blocker needs at each severity (`treaty_core::triage`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Triage {
    /// Teams that may change a blocker's severity. Unless said, the
    /// release's owning teams: those owning a scope item and the steering
    /// group.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub severity_by: Vec<Spanned<String>>,
    /// Blockers of this severity or worse need a link to the issue in the
    /// team's tracker (`low`: every blocker). None unless said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracker_link_from: Option<Severity>,
    /// Blockers of this severity or worse count as resolved only with
    /// evidence of the fix: a passing run for a criterion of the release,
    /// recorded after the blocker was raised. None unless said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fix_evidence_from: Option<Severity>,
}

impl Triage {
    fn is_default(&self) -> bool {
        *self == Triage::default()
    }
}

/// How bad a blocker is, from `low` to `critical`.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Can wait.
    Low,
    /// Should be fixed before the release.
    Medium,
    /// Stops the release unless governance says otherwise.
    #[default]
    High,
    /// Stops everything.
    Critical,
}

impl Severity {
    /// The name in files and on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// The severity named `s` (see [`Severity::as_str`]).
    pub fn parse(s: &str) -> Option<Severity> {
        [
            Severity::Low,
            Severity::Medium,
            Severity::High,
            Severity::Critical,
        ]
        .into_iter()
        .find(|v| v.as_str() == s)
    }
}

/// What unpaid debt does to a release gate.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DebtPolicy {
    /// The gate lists it as a warning.
    #[default]
    Warn,
    /// The gate says no-go until it is repaid.
    Block,
}

/// The approvals one kind of change needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ApprovalRule {
    /// The kind of change the rule is for.
    pub change: Spanned<ChangeKind>,
    /// Every approver listed must approve.
    pub require: Vec<Approver>,
}

/// A kind of change that governance rules can be written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// A change that breaks at least one consumer under the interface's policy.
    Breaking,
    /// Marking an operation, message or field deprecated.
    Deprecation,
    /// A change that breaks nobody.
    Compatible,
    /// Adding or removing scope items of a release after feature freeze.
    ScopeChange,
    /// Waiving a failed check or criterion, with an expiry.
    Waiver,
    /// Overriding a failed release gate.
    GateOverride,
}

/// Who must approve: a role, resolved per change, or a named team.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Approver {
    /// The team that owns the interface.
    Producer,
    /// Every consumer team that uses the changed part.
    AffectedConsumers,
    /// Every consumer team of the interface.
    AllConsumers,
    /// A quorum of the steering group.
    SteeringGroup,
    /// One named team.
    Team(Spanned<String>),
}

/// Resolution deadlines of blockers, per severity.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BlockerSlas {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// Deadline for critical blockers.
    pub critical: Option<Spanned<Duration>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// Deadline for high-severity blockers.
    pub high: Option<Spanned<Duration>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// Deadline for medium-severity blockers.
    pub medium: Option<Spanned<Duration>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// Deadline for low-severity blockers.
    pub low: Option<Spanned<Duration>>,
}

/// A period (both days included) in which only the listed kinds of change ship.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Freeze {
    /// What the freeze is for, in words.
    pub name: String,
    /// The first day of the freeze.
    pub from: Spanned<CalendarDate>,
    /// The last day of the freeze.
    pub to: Spanned<CalendarDate>,
    /// Kinds of change still allowed during the freeze.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allow: Vec<ChangeKind>,
}

/// What interfaces get when they do not say otherwise.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Defaults {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// The policy of interfaces that name none (else `backward`).
    pub compatibility: Option<Compatibility>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// The deprecation notice of interfaces that name none.
    pub deprecation_notice: Option<Spanned<Duration>>,
}
