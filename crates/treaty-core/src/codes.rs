//! The stable diagnostic codes of `treaty validate`, documented in
//! `docs/diagnostics.md`. Codes of unreadable input come from
//! `treaty-syntax` (`yaml-syntax`, `limit-exceeded`, ...).

/// Declares each code as a constant and lists them all in [`ALL`], so the
/// catalog cannot miss one.
macro_rules! codes {
    ($($(#[$doc:meta])* $name:ident = $code:literal;)*) => {
        $($(#[$doc])* pub const $name: &str = $code;)*
        /// Every code above, in the order of this file.
        pub const ALL: &[&str] = &[$($name),*];
    };
}

codes! {
    /// The directory has no `treaty.yaml` (unreadable input).
    MISSING_WORKSPACE = "missing-workspace";
    /// A contract file or directory cannot be read or listed (unreadable input).
    UNREADABLE_FILE = "unreadable-file";
    /// `version` in `treaty.yaml` is not a format version this build reads.
    UNSUPPORTED_VERSION = "unsupported-version";
    /// Two items of the same kind share an id.
    DUPLICATE_ID = "duplicate-id";
    /// An id is not 1 to 64 lowercase letters, digits, `-`, `_` or `.`.
    INVALID_ID = "invalid-id";
    /// A team reference names no defined team.
    UNKNOWN_TEAM = "unknown-team";
    /// A scope item names no defined interface.
    UNKNOWN_INTERFACE = "unknown-interface";
    /// A `depends_on` entry names no scope item of the same release.
    UNKNOWN_SCOPE_ITEM = "unknown-scope-item";
    /// A debt is to be repaid by a release that is not defined (warning).
    UNKNOWN_RELEASE = "unknown-release";
    /// An escalation step names neither a member of the team nor a team.
    UNKNOWN_ESCALATION_TARGET = "unknown-escalation-target";
    /// An interface has no producer, or a scope item or debt no owner.
    MISSING_OWNER = "missing-owner";
    /// Scope items of a release depend on each other in a cycle.
    DEPENDENCY_CYCLE = "dependency-cycle";
    /// A criterion names no evidence.
    CRITERION_WITHOUT_EVIDENCE = "criterion-without-evidence";
    /// A criterion has no threshold.
    CRITERION_WITHOUT_THRESHOLD = "criterion-without-threshold";
    /// A threshold sets no bound, a bound that is not finite, or `min` above `max`.
    INVALID_THRESHOLD = "invalid-threshold";
    /// A release's milestones are out of order.
    MILESTONE_ORDER = "milestone-order";
    /// A freeze ends before it starts.
    DATE_ORDER = "date-order";
    /// An open release has passed its ship date or feature freeze (warning).
    PAST_DEADLINE = "past-deadline";
    /// An interface's schema file does not exist.
    SCHEMA_NOT_FOUND = "schema-not-found";
    /// An interface's schema file cannot be read or parsed.
    INVALID_SCHEMA_FILE = "invalid-schema-file";
    /// A schema file is not of the declared kind, or of a version Treaty does not read.
    KIND_MISMATCH = "kind-mismatch";
    /// A path is absolute or climbs out of the workspace.
    PATH_OUTSIDE_WORKSPACE = "path-outside-workspace";
    /// An interface's producer is also listed as its consumer (warning).
    PRODUCER_CONSUMES = "producer-consumes";
    /// A team is listed twice as a consumer of one interface.
    DUPLICATE_CONSUMER = "duplicate-consumer";
    /// The quorum is 0 or larger than the steering group.
    INVALID_QUORUM = "invalid-quorum";
    /// A freeze with no steering group: nobody could grant its
    /// exceptions, so a change it does not allow would need no one.
    FREEZE_WITHOUT_STEERING_GROUP = "freeze-without-steering-group";
    /// `versioning.current` is not a semantic version under `scheme: semver`.
    INVALID_VERSION = "invalid-version";
    /// A webhook is not an http(s) URL, or an email is not an address.
    INVALID_CONTACT = "invalid-contact";
    /// A consumer's expectation file does not exist.
    EXPECTATION_NOT_FOUND = "expectation-not-found";
    /// A team has no escalation path (warning).
    NO_ESCALATION = "no-escalation";
    /// An approval rule requires nobody.
    EMPTY_APPROVAL_RULE = "empty-approval-rule";
    /// A review or liaison period that is not a whole number of days (at
    /// least one), or a rotation of no team.
    INVALID_PERIOD = "invalid-period";
    /// A team is listed twice in the steering group.
    DUPLICATE_ENTRY = "duplicate-entry";
    /// A consumer's `uses.operations` names an operation the schema lacks (warning).
    UNKNOWN_OPERATION = "unknown-operation";
    /// A consumer's `uses.channels` names a channel the schema lacks (warning).
    UNKNOWN_CHANNEL = "unknown-channel";
    /// A `uses.fields` or `uses.messages` entry starts with no schema or message name (warning).
    UNKNOWN_FIELD_PATH = "unknown-field-path";
    /// A proposal's `rollback` is empty.
    EMPTY_ROLLBACK = "empty-rollback";
    /// A proposal's `change_set` is not `sha256:` and 64 hex digits.
    INVALID_CHANGE_SET = "invalid-change-set";
    /// A waiver names a rule id the rule catalog does not have.
    UNKNOWN_RULE = "unknown-rule";
    /// A waiver lists no rule.
    EMPTY_RULES = "empty-rules";
    /// A waiver's `reason` is empty.
    EMPTY_REASON = "empty-reason";
    /// A waiver's id is not `w-` and a number, or not its file's name.
    INVALID_WAIVER_ID = "invalid-waiver-id";
    /// A waiver is `shipped` or `rolled_back`: waivers never ship.
    INVALID_WAIVER_STATE = "invalid-waiver-state";
}
