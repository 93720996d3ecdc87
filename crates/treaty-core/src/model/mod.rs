//! The contract files, format version 1, as Rust types.
//!
//! These types are the source of truth for the file format: the JSON
//! Schemas under `schemas/` are generated from them, and `docs/format.md`
//! documents them. Fields that other checks refer to are
//! [`Spanned`](treaty_syntax::Spanned) so that a finding points at the
//! exact place in the file.
//!
//! One module per kind of file; every type is re-exported here, so
//! `treaty_core::model::X` names each of them.

/// The format version this build reads and writes.
pub const FORMAT_VERSION: u32 = 1;

/// Serializes a type as its `Display` text and reads it back with
/// `FromStr`, whose error message becomes the diagnostic.
macro_rules! serde_as_text {
    ($t:ty) => {
        impl Serialize for $t {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }

        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<$t, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

mod interface;
mod proposal;
mod release;
mod team;
mod values;
mod waiver;
mod workspace;

pub use interface::{
    Compatibility, Consumer, Expectation, ExpectationKind, FailureMode, FlagOwner, Interface,
    InterfaceKind, ProtoCategory, Slo, UndeclaredProperties, Uses, Versioning, VersioningScheme,
};
pub use proposal::{
    FileDecision, FileVerdict, Proposal, ProposalState, ProposedChange, Transition,
};
pub use release::{
    Cadence, Commitment, CommitmentKind, Criterion, Debt, Dependency, Evidence, EvidenceKind,
    FlagState, Milestones, Mitigation, Release, ReleaseStatus, ScopeItem, Variability,
};
pub use team::{Contacts, EscalationStep, Member, Team};
pub use values::{CalendarDate, Duration, Threshold};
pub use waiver::Waiver;
pub use workspace::{
    ApprovalRule, Approver, BlockerSlas, ChangeKind, Communication, DebtPolicy, Defaults,
    DigestCadence, EscalationRules, Freeze, GateRules, Governance, Liaison, Organization, Review,
    Severity, Triage, WorkspaceFile,
};
