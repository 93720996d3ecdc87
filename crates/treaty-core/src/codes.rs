//! The stable diagnostic codes of `treaty validate`, documented in
//! `docs/diagnostics.md`. Codes of unreadable input come from
//! `treaty-syntax` (`yaml-syntax`, `limit-exceeded`, ...).

pub const MISSING_WORKSPACE: &str = "missing-workspace";
pub const UNREADABLE_FILE: &str = "unreadable-file";
pub const UNSUPPORTED_VERSION: &str = "unsupported-version";
pub const DUPLICATE_ID: &str = "duplicate-id";
pub const INVALID_ID: &str = "invalid-id";
pub const UNKNOWN_TEAM: &str = "unknown-team";
pub const UNKNOWN_INTERFACE: &str = "unknown-interface";
pub const UNKNOWN_SCOPE_ITEM: &str = "unknown-scope-item";
pub const UNKNOWN_RELEASE: &str = "unknown-release";
pub const UNKNOWN_ESCALATION_TARGET: &str = "unknown-escalation-target";
pub const MISSING_OWNER: &str = "missing-owner";
pub const DEPENDENCY_CYCLE: &str = "dependency-cycle";
pub const CRITERION_WITHOUT_EVIDENCE: &str = "criterion-without-evidence";
pub const CRITERION_WITHOUT_THRESHOLD: &str = "criterion-without-threshold";
pub const INVALID_THRESHOLD: &str = "invalid-threshold";
pub const MILESTONE_ORDER: &str = "milestone-order";
pub const DATE_ORDER: &str = "date-order";
pub const PAST_DEADLINE: &str = "past-deadline";
pub const SCHEMA_NOT_FOUND: &str = "schema-not-found";
pub const INVALID_SCHEMA_FILE: &str = "invalid-schema-file";
pub const KIND_MISMATCH: &str = "kind-mismatch";
pub const PATH_OUTSIDE_WORKSPACE: &str = "path-outside-workspace";
pub const PRODUCER_CONSUMES: &str = "producer-consumes";
pub const DUPLICATE_CONSUMER: &str = "duplicate-consumer";
pub const INVALID_QUORUM: &str = "invalid-quorum";
pub const INVALID_VERSION: &str = "invalid-version";
pub const INVALID_CONTACT: &str = "invalid-contact";
pub const EXPECTATION_NOT_FOUND: &str = "expectation-not-found";
pub const NO_ESCALATION: &str = "no-escalation";
pub const EMPTY_APPROVAL_RULE: &str = "empty-approval-rule";
pub const DUPLICATE_ENTRY: &str = "duplicate-entry";
pub const UNKNOWN_OPERATION: &str = "unknown-operation";
pub const UNKNOWN_CHANNEL: &str = "unknown-channel";
pub const UNKNOWN_FIELD_PATH: &str = "unknown-field-path";
