//! The one `Change` type every format's comparison produces, its rule ids
//! and how its level follows from the policy.

use std::collections::BTreeSet;
use std::sync::Arc;

use serde::Serialize;

pub use crate::policy::Policy;
pub use crate::rules::RULES;

/// How serious a change is under a policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Breaks clients under the policy: a check fails.
    Breaking,
    /// Breaks nothing that fails loudly, but may surprise someone.
    Warning,
    /// Breaks nobody.
    Info,
}

impl Level {
    /// The name reports use: `breaking`, `warning` or `info`.
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
    /// The other direction: what the provider sends in a webhook it
    /// would accept as a request, and so on.
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
    /// The file, as the document source names it.
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
    /// What the change does to the set of valid values.
    pub effect: Effect,
    /// Which way data flows through the changed part.
    pub direction: Direction,
    /// What changed, in words, for people.
    pub message: String,
    /// Where it is in the old version (`None`: only in the new one).
    pub old: Option<Side>,
    /// Where it is in the new version (`None`: only in the old one).
    pub new: Option<Side>,
    /// Operations (`POST /payments`) or messages that reach the change.
    pub operations: BTreeSet<String>,
    /// The field, as `Schema.property.nested` from the nearest named schema.
    pub field: Option<String>,
    /// Every schema and field above the change, through which some root
    /// reaches it (`OrderPlaced.lines`, `OrderLine`): a consumer that uses
    /// one of them is concerned by the change. Sorted.
    pub within: Vec<Arc<str>>,
    /// The most direct way to the change from a root, as a reader of the
    /// operation or message sees it.
    pub route: Option<Route>,
    /// A reader decodes the whole message with one schema, so when this
    /// change breaks, it breaks reading the message, whichever fields the
    /// reader then looks at (Avro: schema resolution fails for the record).
    pub whole_message: bool,
    /// Found in a data contract (a JSON Schema interface): its level is
    /// the set arithmetic alone, without the adjustments for API practice.
    pub data_contract: bool,
}

/// Where a change is, seen from the root that reaches it most directly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// The operation (`POST /v1/checkout/sessions`), when one reaches it.
    pub operation: Option<String>,
    /// The path from the root (`request body (application/json).shipping_rates`,
    /// `ShipmentEvent.address.city`).
    pub path: String,
}

impl std::fmt::Display for Route {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.operation {
            Some(op) => write!(f, "{op} → {}", self.path),
            None => f.write_str(&self.path),
        }
    }
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
            within: Vec::new(),
            route: None,
            whole_message: false,
            data_contract: false,
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

    /// Marks a change that breaks decoding the whole message (see
    /// [`Change::whole_message`]).
    pub fn for_whole_message(mut self) -> Change {
        self.whole_message = true;
        self
    }

    /// The level of the change under `policy`.
    pub fn level(&self, policy: Policy) -> Level {
        // A data contract: no rule is adjusted for API practice.
        let rule = if self.data_contract { "" } else { self.rule };
        match policy {
            Policy::Backward | Policy::None => level(rule, self.effect, self.direction),
            Policy::Forward => level(rule, self.effect, self.direction.flip()),
            Policy::Full => level(rule, self.effect, self.direction).min(level(
                rule,
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
        // The same for an enum lifted altogether: every value old readers
        // knew may still come, and so may others, as with a new value.
        ("enum-removed", Produces) => return Level::Warning,
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
        // No request changes, but generated clients rename the method.
        ("operation-id-changed", _) => return Level::Warning,
        // An optional response header disappears: readers that used it
        // when present miss it.
        ("optional-response-header-removed", Produces) => return Level::Warning,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn change(rule: &'static str, effect: Effect, direction: Direction) -> Change {
        Change::new(rule, effect, direction, "")
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
    fn the_builder_places_a_change_as_on_does() {
        let side = |p: &str| {
            Some(Side {
                file: "a.yaml".into(),
                pointer: p.into(),
                position: None,
            })
        };
        let built = Change::new("parameter-added", Effect::Widens, Direction::Accepts, "m")
            .with_old(side("/o"))
            .with_new(side("/n"))
            .with_operation("GET /a")
            .with_field(Some("A.b".into()));
        assert_eq!(built.operations, BTreeSet::from(["GET /a".to_owned()]));
    }
}
