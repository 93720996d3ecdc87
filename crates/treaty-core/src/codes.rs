//! The stable diagnostic codes of `treaty validate`, documented in
//! `docs/diagnostics.md`. Codes of unreadable input come from
//! `treaty-syntax` (`yaml-syntax`, `limit-exceeded`, ...).

/// The directory has no `treaty.yaml` (unreadable input).
pub const MISSING_WORKSPACE: &str = "missing-workspace";
/// A contract file or directory cannot be read or listed (unreadable input).
pub const UNREADABLE_FILE: &str = "unreadable-file";
/// `version` in `treaty.yaml` is not a format version this build reads.
pub const UNSUPPORTED_VERSION: &str = "unsupported-version";
/// Two items of the same kind share an id.
pub const DUPLICATE_ID: &str = "duplicate-id";
/// An id is not 1 to 64 lowercase letters, digits, `-`, `_` or `.`.
pub const INVALID_ID: &str = "invalid-id";
/// A team reference names no defined team.
pub const UNKNOWN_TEAM: &str = "unknown-team";
/// A scope item names no defined interface.
pub const UNKNOWN_INTERFACE: &str = "unknown-interface";
/// A `depends_on` entry names no scope item of the same release.
pub const UNKNOWN_SCOPE_ITEM: &str = "unknown-scope-item";
/// A debt is to be repaid by a release that is not defined (warning).
pub const UNKNOWN_RELEASE: &str = "unknown-release";
/// An escalation step names neither a member of the team nor a team.
pub const UNKNOWN_ESCALATION_TARGET: &str = "unknown-escalation-target";
/// An interface has no producer, or a scope item or debt no owner.
pub const MISSING_OWNER: &str = "missing-owner";
/// Scope items of a release depend on each other in a cycle.
pub const DEPENDENCY_CYCLE: &str = "dependency-cycle";
/// A criterion names no evidence.
pub const CRITERION_WITHOUT_EVIDENCE: &str = "criterion-without-evidence";
/// A criterion has no threshold.
pub const CRITERION_WITHOUT_THRESHOLD: &str = "criterion-without-threshold";
/// A threshold sets no bound, a bound that is not finite, or `min` above `max`.
pub const INVALID_THRESHOLD: &str = "invalid-threshold";
/// A release's milestones are out of order.
pub const MILESTONE_ORDER: &str = "milestone-order";
/// A freeze ends before it starts.
pub const DATE_ORDER: &str = "date-order";
/// An open release has passed its ship date or feature freeze (warning).
pub const PAST_DEADLINE: &str = "past-deadline";
/// An interface's schema file does not exist.
pub const SCHEMA_NOT_FOUND: &str = "schema-not-found";
/// An interface's schema file cannot be read or parsed.
pub const INVALID_SCHEMA_FILE: &str = "invalid-schema-file";
/// A schema file is not of the declared kind, or of a version Treaty does not read.
pub const KIND_MISMATCH: &str = "kind-mismatch";
/// A path is absolute or climbs out of the workspace.
pub const PATH_OUTSIDE_WORKSPACE: &str = "path-outside-workspace";
/// An interface's producer is also listed as its consumer (warning).
pub const PRODUCER_CONSUMES: &str = "producer-consumes";
/// A team is listed twice as a consumer of one interface.
pub const DUPLICATE_CONSUMER: &str = "duplicate-consumer";
/// The quorum is 0 or larger than the steering group.
pub const INVALID_QUORUM: &str = "invalid-quorum";
/// `versioning.current` is not a semantic version under `scheme: semver`.
pub const INVALID_VERSION: &str = "invalid-version";
/// A webhook is not an http(s) URL, or an email is not an address.
pub const INVALID_CONTACT: &str = "invalid-contact";
/// A consumer's expectation file does not exist.
pub const EXPECTATION_NOT_FOUND: &str = "expectation-not-found";
/// A team has no escalation path (warning).
pub const NO_ESCALATION: &str = "no-escalation";
/// An approval rule requires nobody.
pub const EMPTY_APPROVAL_RULE: &str = "empty-approval-rule";
/// A team is listed twice in the steering group.
pub const DUPLICATE_ENTRY: &str = "duplicate-entry";
/// A consumer's `uses.operations` names an operation the schema lacks (warning).
pub const UNKNOWN_OPERATION: &str = "unknown-operation";
/// A consumer's `uses.channels` names a channel the schema lacks (warning).
pub const UNKNOWN_CHANNEL: &str = "unknown-channel";
/// A `uses.fields` or `uses.messages` entry starts with no schema or message name (warning).
pub const UNKNOWN_FIELD_PATH: &str = "unknown-field-path";
