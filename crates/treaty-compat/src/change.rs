//! The one `Change` type every format's comparison produces, its rule ids
//! and how its level follows from the policy.

use std::collections::BTreeSet;

use serde::Serialize;

pub use crate::policy::Policy;

/// How serious a change is under a policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Breaking,
    Warning,
    Info,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Breaking => "breaking",
            Level::Warning => "warning",
            Level::Info => "info",
        }
    }
}

/// Which way data flows through the changed part, seen from the provider
/// of the interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Direction {
    /// What the provider accepts: requests, parameters, data a reader
    /// must read. Accepting less breaks old senders.
    Accepts,
    /// What the provider produces: responses. Producing more breaks old
    /// receivers.
    Produces,
}

impl Direction {
    pub fn flip(self) -> Direction {
        match self {
            Direction::Accepts => Direction::Produces,
            Direction::Produces => Direction::Accepts,
        }
    }
}

/// What a change does to the set of valid values (or requests).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Effect {
    /// The new version accepts or produces less than the old.
    Narrows,
    /// The new version accepts or produces more than the old.
    Widens,
    /// Some values are lost and others gained.
    Both,
    /// The set is the same (documentation, defaults, deprecation).
    Neutral,
}

/// Where one side of a change is: a file and a JSON pointer in it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Side {
    pub file: String,
    /// JSON pointer in the file (empty for formats that are not JSON).
    pub pointer: String,
    /// Line and column (1-based), where the pointer cannot give them
    /// (Protobuf).
    pub position: Option<(usize, usize)>,
}

/// One difference between two versions of an interface.
#[derive(Debug, Clone)]
pub struct Change {
    /// Stable rule id, documented in `docs/rules.md`.
    pub rule: &'static str,
    pub effect: Effect,
    pub direction: Direction,
    pub message: String,
    pub old: Option<Side>,
    pub new: Option<Side>,
    /// Operations (`POST /payments`) or messages that reach the change.
    pub operations: BTreeSet<String>,
    /// The field, as `Schema.property.nested` from the nearest named schema.
    pub field: Option<String>,
}

impl Change {
    /// A change with no place yet; the `with_*` methods add them.
    pub fn new(
        rule: &'static str,
        effect: Effect,
        direction: Direction,
        message: impl Into<String>,
    ) -> Change {
        Change {
            rule,
            effect,
            direction,
            message: message.into(),
            old: None,
            new: None,
            operations: BTreeSet::new(),
            field: None,
        }
    }

    /// Where the change is in the old version.
    pub fn with_old(mut self, side: Option<Side>) -> Change {
        self.old = side;
        self
    }

    /// Where the change is in the new version.
    pub fn with_new(mut self, side: Option<Side>) -> Change {
        self.new = side;
        self
    }

    /// An operation (or message, method) that reaches the change.
    pub fn with_operation(mut self, operation: impl Into<String>) -> Change {
        self.operations.insert(operation.into());
        self
    }

    /// The operations that reach the change.
    pub fn with_operations(mut self, operations: BTreeSet<String>) -> Change {
        self.operations.extend(operations);
        self
    }

    /// The field changed, as `Schema.property.nested`.
    pub fn with_field(mut self, field: Option<String>) -> Change {
        self.field = field;
        self
    }

    /// A change found on one operation (or message, method) as a whole.
    ///
    /// Kept for callers outside this crate; prefer [`Change::new`] and
    /// the `with_*` methods, which name each place.
    #[allow(clippy::too_many_arguments)]
    pub fn on(
        rule: &'static str,
        effect: Effect,
        direction: Direction,
        message: String,
        old: Option<Side>,
        new: Option<Side>,
        operation: impl Into<String>,
        field: Option<String>,
    ) -> Change {
        Change::new(rule, effect, direction, message)
            .with_old(old)
            .with_new(new)
            .with_operation(operation)
            .with_field(field)
    }

    /// The level of the change under `policy`.
    pub fn level(&self, policy: Policy) -> Level {
        match policy {
            Policy::Backward | Policy::None => level(self.rule, self.effect, self.direction),
            Policy::Forward => level(self.rule, self.effect, self.direction.flip()),
            Policy::Full => level(self.rule, self.effect, self.direction).min(level(
                self.rule,
                self.effect,
                self.direction.flip(),
            )),
        }
    }

    /// Whether the change violates `policy`.
    pub fn violates(&self, policy: Policy) -> bool {
        policy != Policy::None && self.level(policy) == Level::Breaking
    }
}

/// The level of a change under the backward policy, seen in `direction`.
fn level(rule: &str, effect: Effect, direction: Direction) -> Level {
    use Direction::*;
    match (rule, direction) {
        // Receivers that switch over every value may not know the new one.
        ("enum-value-added", Produces) => return Level::Warning,
        // A sender's field that the receiver now ignores: data is lost
        // silently, nothing is rejected.
        ("property-removed", Accepts) if effect == Effect::Widens => return Level::Warning,
        // An optional output field disappears: readers that used it miss it.
        ("optional-property-removed", Produces) => return Level::Warning,
        ("optional-property-removed", Accepts) if effect != Effect::Narrows => {
            return Level::Warning;
        }
        // Senders that omit the value now get another behaviour.
        ("default-changed" | "default-removed" | "default-added", Accepts) => {
            return Level::Warning;
        }
        ("parameter-removed", Accepts) => return Level::Warning,
        ("response-status-added", _) => return Level::Warning,
        ("response-success-status-removed", _) => return Level::Breaking,
        ("deprecated-operation-removed", _) => return Level::Warning,
        ("optional-property-added", Accepts) => return Level::Info,
        // A client asking for a media type that is gone gets nothing; one
        // that is new is served only to clients that ask for it.
        ("media-type-removed", _) => return Level::Breaking,
        ("media-type-added", _) => return Level::Info,
        // An event type no longer sent: its receivers miss it, nothing fails.
        ("message-removed", Produces) => return Level::Warning,
        // A new event type: receivers that do not expect it may fail.
        ("message-added", Produces) => return Level::Warning,
        // Same bytes, another meaning: readers decode the wrong value silently.
        ("avro-logical-type-changed", _) => return Level::Warning,
        _ => {}
    }
    match (effect, direction) {
        (Effect::Both, _) => Level::Breaking,
        (Effect::Narrows, Accepts) | (Effect::Widens, Produces) => Level::Breaking,
        (Effect::Narrows, Produces) | (Effect::Widens, Accepts) => Level::Info,
        (Effect::Neutral, _) => Level::Info,
    }
}

/// Every rule id with a one-line summary (the catalog in `docs/rules.md`).
pub const RULES: &[(&str, &str)] = &[
    (
        "operation-removed",
        "An operation (method and path) is gone.",
    ),
    (
        "deprecated-operation-removed",
        "A deprecated operation is gone.",
    ),
    ("operation-added", "A new operation."),
    ("operation-deprecated", "An operation is marked deprecated."),
    (
        "operation-undeprecated",
        "An operation is no longer deprecated.",
    ),
    ("parameter-added", "A new optional parameter."),
    ("required-parameter-added", "A new required parameter."),
    ("parameter-removed", "A parameter is gone."),
    (
        "parameter-made-required",
        "An optional parameter became required.",
    ),
    (
        "parameter-made-optional",
        "A required parameter became optional.",
    ),
    ("request-body-added", "A request body where there was none."),
    (
        "required-request-body-added",
        "A required request body where there was none.",
    ),
    ("request-body-removed", "The request body is gone."),
    (
        "request-body-made-required",
        "The request body became required.",
    ),
    (
        "request-body-made-optional",
        "The request body became optional.",
    ),
    (
        "media-type-removed",
        "A request or response media type is gone.",
    ),
    ("media-type-added", "A new request or response media type."),
    ("response-success-status-removed", "A 2xx response is gone."),
    ("response-status-removed", "A non-2xx response is gone."),
    ("response-status-added", "A new response status."),
    (
        "security-requirement-added",
        "A new way of authenticating is required.",
    ),
    (
        "security-requirement-removed",
        "A way of authenticating is no longer accepted or needed.",
    ),
    (
        "security-scope-added",
        "A security requirement needs more scopes.",
    ),
    (
        "security-scope-removed",
        "A security requirement needs fewer scopes.",
    ),
    ("type-narrowed", "The type accepts fewer kinds of values."),
    ("type-widened", "The type accepts more kinds of values."),
    ("type-changed", "The type is another one."),
    ("nullable-added", "null becomes a valid value."),
    ("nullable-removed", "null is no longer a valid value."),
    ("enum-value-added", "An enum gains a value."),
    ("enum-value-removed", "An enum loses a value."),
    ("enum-added", "Values are restricted to an enum."),
    ("enum-removed", "An enum restriction is lifted."),
    ("const-added", "The value is fixed by `const`."),
    ("const-removed", "A `const` restriction is lifted."),
    ("const-changed", "The `const` value changed."),
    ("format-added", "A `format` restricts the values."),
    ("format-removed", "A `format` restriction is lifted."),
    ("format-changed", "The `format` changed."),
    ("pattern-added", "A `pattern` restricts the values."),
    ("pattern-removed", "A `pattern` restriction is lifted."),
    ("pattern-changed", "The `pattern` changed."),
    (
        "maximum-decreased",
        "The maximum (or its exclusivity) tightened.",
    ),
    ("maximum-increased", "The maximum loosened."),
    ("maximum-added", "A maximum where there was none."),
    ("maximum-removed", "The maximum is gone."),
    ("minimum-increased", "The minimum tightened."),
    ("minimum-decreased", "The minimum loosened."),
    ("minimum-added", "A minimum where there was none."),
    ("minimum-removed", "The minimum is gone."),
    (
        "multiple-of-changed",
        "`multipleOf` changed, was added or removed.",
    ),
    (
        "max-length-decreased",
        "`maxLength` tightened or was added.",
    ),
    (
        "max-length-increased",
        "`maxLength` loosened or was removed.",
    ),
    (
        "min-length-increased",
        "`minLength` tightened or was added.",
    ),
    (
        "min-length-decreased",
        "`minLength` loosened or was removed.",
    ),
    ("max-items-decreased", "`maxItems` tightened or was added."),
    ("max-items-increased", "`maxItems` loosened or was removed."),
    ("min-items-increased", "`minItems` tightened or was added."),
    ("min-items-decreased", "`minItems` loosened or was removed."),
    (
        "max-properties-decreased",
        "`maxProperties` tightened or was added.",
    ),
    (
        "max-properties-increased",
        "`maxProperties` loosened or was removed.",
    ),
    (
        "min-properties-increased",
        "`minProperties` tightened or was added.",
    ),
    (
        "min-properties-decreased",
        "`minProperties` loosened or was removed.",
    ),
    ("unique-items-added", "Array items must be unique."),
    ("unique-items-removed", "Array items may repeat."),
    (
        "required-property-added",
        "A property became required, or a required property was added.",
    ),
    (
        "required-property-removed",
        "A property is no longer required.",
    ),
    ("property-removed", "A required property is gone."),
    ("optional-property-removed", "An optional property is gone."),
    ("optional-property-added", "A new optional property."),
    (
        "additional-properties-narrowed",
        "Properties beyond the listed ones are no longer allowed.",
    ),
    (
        "additional-properties-widened",
        "Properties beyond the listed ones become allowed.",
    ),
    (
        "one-of-branch-added",
        "A `oneOf`/`anyOf` alternative was added.",
    ),
    (
        "one-of-branch-removed",
        "A `oneOf`/`anyOf` alternative was removed.",
    ),
    (
        "discriminator-changed",
        "The discriminator property changed.",
    ),
    ("read-only-changed", "`readOnly` was added or removed."),
    ("write-only-changed", "`writeOnly` was added or removed."),
    ("default-added", "A default value where there was none."),
    ("default-removed", "The default value is gone."),
    ("default-changed", "The default value changed."),
    (
        "schema-deprecated",
        "A schema or property is marked deprecated.",
    ),
    (
        "security-alternative-added",
        "A further way of authenticating is accepted.",
    ),
    (
        "security-alternative-removed",
        "A way of authenticating is no longer accepted.",
    ),
    (
        "message-removed",
        "AsyncAPI: an operation no longer carries a message.",
    ),
    (
        "message-added",
        "AsyncAPI: an operation carries a further message.",
    ),
    ("proto-file-removed", "Protobuf: a file is gone (FILE)."),
    (
        "proto-package-changed",
        "Protobuf: a file's package changed (FILE).",
    ),
    (
        "proto-file-option-changed",
        "Protobuf: a file option that shapes generated code changed: go_package, java_package, java_multiple_files... (FILE).",
    ),
    (
        "proto-message-removed",
        "Protobuf: a message is gone (PACKAGE).",
    ),
    ("proto-message-added", "Protobuf: a new message."),
    (
        "proto-field-removed",
        "Protobuf: a field is gone: WIRE unless its number is reserved, WIRE_JSON unless its name is too, else PACKAGE.",
    ),
    ("proto-field-added", "Protobuf: a new field."),
    (
        "proto-field-name-changed",
        "Protobuf: a field was renamed (WIRE_JSON: JSON readers accept the field name too).",
    ),
    (
        "proto-field-json-name-changed",
        "Protobuf: a field's JSON name changed (WIRE_JSON).",
    ),
    (
        "proto-field-type-changed",
        "Protobuf: a field's type changed: WIRE when the wire encoding differs, WIRE_JSON when only the JSON one does, else PACKAGE.",
    ),
    (
        "proto-field-cardinality-changed",
        "Protobuf: a field became repeated, singular or a map (WIRE).",
    ),
    (
        "proto-field-oneof-changed",
        "Protobuf: a field moved into, out of or between oneofs (WIRE).",
    ),
    (
        "proto-field-presence-changed",
        "Protobuf: a field gained or lost explicit presence (`optional`) (FILE).",
    ),
    ("proto-enum-removed", "Protobuf: an enum is gone (PACKAGE)."),
    ("proto-enum-added", "Protobuf: a new enum."),
    (
        "proto-enum-value-removed",
        "Protobuf: an enum value is gone: WIRE unless its number is reserved, else PACKAGE.",
    ),
    ("proto-enum-value-added", "Protobuf: a new enum value."),
    (
        "proto-enum-value-name-changed",
        "Protobuf: an enum value lost a name (WIRE_JSON: JSON uses names).",
    ),
    (
        "proto-service-removed",
        "Protobuf: a service is gone (PACKAGE).",
    ),
    ("proto-service-added", "Protobuf: a new service."),
    (
        "proto-method-removed",
        "Protobuf: a method is gone (PACKAGE).",
    ),
    ("proto-method-added", "Protobuf: a new method."),
    (
        "proto-method-request-changed",
        "Protobuf: a method's request type changed (WIRE).",
    ),
    (
        "proto-method-response-changed",
        "Protobuf: a method's response type changed (WIRE).",
    ),
    (
        "proto-method-streaming-changed",
        "Protobuf: a method's client or server streaming changed (WIRE).",
    ),
    (
        "avro-field-added",
        "Avro: a field with a default was added.",
    ),
    (
        "avro-field-added-without-default",
        "Avro: a field without a default was added: the new schema cannot read old data.",
    ),
    (
        "avro-field-removed",
        "Avro: a field that had a default was removed.",
    ),
    (
        "avro-field-removed-without-default",
        "Avro: a field without a default was removed: the old schema cannot read new data.",
    ),
    (
        "avro-field-renamed",
        "Avro: a field was renamed, the new name listing the old one in `aliases`.",
    ),
    (
        "avro-field-default-changed",
        "Avro: a field's default was added, removed or changed.",
    ),
    (
        "avro-type-promoted",
        "Avro: a type changed where one direction resolves by promotion (int → long, float → double, string ↔ bytes).",
    ),
    (
        "avro-type-changed",
        "Avro: a type changed and neither schema can read the other's data.",
    ),
    ("avro-enum-symbol-added", "Avro: an enum gained a symbol."),
    ("avro-enum-symbol-removed", "Avro: an enum lost a symbol."),
    (
        "avro-enum-default-changed",
        "Avro: an enum's default symbol was added, removed or changed.",
    ),
    (
        "avro-union-branch-added",
        "Avro: a union gained a branch (or a type became a union).",
    ),
    (
        "avro-union-branch-removed",
        "Avro: a union lost a branch (or stopped being a union).",
    ),
    (
        "avro-fixed-size-changed",
        "Avro: a fixed type changed size.",
    ),
    (
        "avro-name-changed",
        "Avro: a named type's full name changed.",
    ),
    (
        "avro-logical-type-changed",
        "Avro: the logical type (or its precision or scale) changed on the same physical type.",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn change(rule: &'static str, effect: Effect, direction: Direction) -> Change {
        Change {
            rule,
            effect,
            direction,
            message: String::new(),
            old: None,
            new: None,
            operations: BTreeSet::new(),
            field: None,
        }
    }

    #[test]
    fn narrowing_breaks_senders_and_widening_breaks_receivers() {
        let req = change("enum-value-removed", Effect::Narrows, Direction::Accepts);
        assert_eq!(req.level(Policy::Backward), Level::Breaking);
        assert_eq!(req.level(Policy::Forward), Level::Info);
        assert_eq!(req.level(Policy::Full), Level::Breaking);
        assert!(!req.violates(Policy::None));
        let resp = change("type-widened", Effect::Widens, Direction::Produces);
        assert_eq!(resp.level(Policy::Backward), Level::Breaking);
        assert_eq!(resp.level(Policy::Forward), Level::Info);
    }

    #[test]
    fn every_rule_is_catalogued_once() {
        let mut ids: Vec<&str> = RULES.iter().map(|r| r.0).collect();
        let n = ids.len();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), n);
    }
}
