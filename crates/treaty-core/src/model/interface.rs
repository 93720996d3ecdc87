//! `interfaces/*.yaml`: an API surface or data contract, its producer,
//! its consumers and what each uses.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use treaty_syntax::Spanned;

use super::{Duration, Threshold};

/// An API surface or data contract, owned by exactly one producer team.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "Treaty interface (interfaces/*.yaml)")]
pub struct Interface {
    /// Short, stable identifier (kebab-case), used in every reference.
    pub id: Spanned<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// A human-readable name.
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// What the interface is for.
    pub description: Option<String>,
    /// The format of the schema file.
    pub kind: Spanned<InterfaceKind>,
    /// The schema file, relative to the workspace root.
    pub schema: Spanned<String>,
    /// Protobuf only: directories (relative to the workspace root) that
    /// imports are resolved against.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub include_paths: Vec<Spanned<String>>,
    /// Protobuf only: how strict the check is, as `buf breaking` names it.
    /// Defaults to `wire_json`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proto_category: Option<ProtoCategory>,
    /// JSON Schema only: how properties an open content model does not
    /// declare are judged. `strict` (the default): documents may carry
    /// them, so declaring one narrows the model. `lenient`: producers never
    /// send them, so adding or removing a property of an open model breaks
    /// nobody.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub undeclared_properties: Option<UndeclaredProperties>,
    /// The team that owns the interface. Required.
    #[schemars(required)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub producer: Option<Spanned<String>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    /// The teams that depend on the interface.
    pub consumers: Vec<Consumer>,
    /// Defaults to the workspace default, else `backward`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compatibility: Option<Spanned<Compatibility>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// How versions of the schema are numbered.
    pub versioning: Option<Versioning>,
    /// How long a deprecated part stays before it may be removed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deprecation_notice: Option<Spanned<Duration>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    /// Service-level objectives the producer commits to.
    pub slos: Vec<Slo>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    /// Who acts when the interface fails in a known way.
    pub failure_modes: Vec<FailureMode>,
}

/// The format of an interface's schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum InterfaceKind {
    /// OpenAPI 3.0 or 3.1.
    Openapi,
    /// JSON Schema.
    Jsonschema,
    /// Protocol Buffers (`.proto` files).
    Protobuf,
    /// Avro schema (`.avsc`).
    Avro,
    /// AsyncAPI 2.x or 3.0.
    Asyncapi,
}

impl InterfaceKind {
    /// The name written in `kind:` (`openapi`, `protobuf`, ...): the
    /// format's name in treaty-compat, which spells every format.
    pub fn as_str(self) -> &'static str {
        self.format().as_str()
    }

    /// The format the compatibility engine compares this kind as. The one
    /// place a kind becomes a [`treaty_compat::Format`].
    pub fn format(self) -> treaty_compat::Format {
        use treaty_compat::Format;
        match self {
            InterfaceKind::Openapi => Format::OpenApi,
            InterfaceKind::Jsonschema => Format::JsonSchema,
            InterfaceKind::Protobuf => Format::Protobuf,
            InterfaceKind::Avro => Format::Avro,
            InterfaceKind::Asyncapi => Format::AsyncApi,
        }
    }
}

impl From<InterfaceKind> for treaty_compat::Format {
    fn from(kind: InterfaceKind) -> treaty_compat::Format {
        kind.format()
    }
}

impl From<treaty_compat::Format> for InterfaceKind {
    fn from(format: treaty_compat::Format) -> InterfaceKind {
        use treaty_compat::Format;
        match format {
            Format::OpenApi => InterfaceKind::Openapi,
            Format::JsonSchema => InterfaceKind::Jsonschema,
            Format::Protobuf => InterfaceKind::Protobuf,
            Format::Avro => InterfaceKind::Avro,
            Format::AsyncApi => InterfaceKind::Asyncapi,
        }
    }
}

/// How strict a Protobuf check is, weakest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProtoCategory {
    /// The binary encoding keeps working.
    Wire,
    /// The binary and the JSON encodings keep working.
    WireJson,
    /// Generated code keeps compiling, package by package.
    Package,
    /// Generated code keeps compiling, file by file.
    File,
}

impl ProtoCategory {
    /// The name written in `proto_category:` (`wire_json`, ...), as
    /// treaty-compat spells it.
    pub fn as_str(self) -> &'static str {
        treaty_compat::proto::Category::from(self).as_str()
    }

    /// The category an interface is checked under when it names none.
    pub const DEFAULT: ProtoCategory = ProtoCategory::WireJson;
}

impl From<ProtoCategory> for treaty_compat::proto::Category {
    fn from(category: ProtoCategory) -> treaty_compat::proto::Category {
        use treaty_compat::proto::Category;
        match category {
            ProtoCategory::Wire => Category::Wire,
            ProtoCategory::WireJson => Category::WireJson,
            ProtoCategory::Package => Category::Package,
            ProtoCategory::File => Category::File,
        }
    }
}

/// How a JSON Schema data contract judges properties an open model does
/// not declare.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum UndeclaredProperties {
    /// Documents may carry any undeclared property (the specification's
    /// reading, and schema registries').
    Strict,
    /// Producers never send undeclared properties.
    Lenient,
}

impl From<UndeclaredProperties> for treaty_compat::UndeclaredProperties {
    fn from(u: UndeclaredProperties) -> treaty_compat::UndeclaredProperties {
        match u {
            UndeclaredProperties::Strict => treaty_compat::UndeclaredProperties::Strict,
            UndeclaredProperties::Lenient => treaty_compat::UndeclaredProperties::Lenient,
        }
    }
}

/// A team that depends on an interface, and what of it the team uses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Consumer {
    /// The consumer team.
    pub team: Spanned<String>,
    /// What the team uses; absent means everything.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uses: Option<Uses>,
    /// The team's own expectations: example payloads or Pact files.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub expectations: Vec<Expectation>,
}

/// Narrows a consumer to the parts of an interface it uses.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Uses {
    /// OpenAPI `operationId`s or `METHOD /path`; protobuf `Service.Method`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub operations: Vec<Spanned<String>>,
    /// Message names (AsyncAPI, protobuf, Avro records).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub messages: Vec<Spanned<String>>,
    /// AsyncAPI channels.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub channels: Vec<Spanned<String>>,
    /// Field paths, dot-separated from a schema or message name
    /// (`Payment.amount`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<Spanned<String>>,
}

/// A file a consumer team relies on: an example payload or a Pact file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Expectation {
    /// What the file is.
    pub kind: ExpectationKind,
    /// Relative to the workspace root.
    pub file: Spanned<String>,
}

/// The kind of an expectation file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExpectationKind {
    /// An example payload the consumer relies on being valid.
    Example,
    /// A Pact contract file.
    Pact,
}

/// A compatibility policy, named as schema registries name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Compatibility {
    /// A new version serves clients of the previous version.
    Backward,
    /// Like `backward`, against every earlier version.
    BackwardTransitive,
    /// Clients of a new version work with the previous provider.
    Forward,
    /// Like `forward`, against every earlier version.
    ForwardTransitive,
    /// Both backward and forward.
    Full,
    /// Like `full`, against every earlier version.
    FullTransitive,
    /// Any change is allowed.
    None,
}

impl Compatibility {
    /// The policy an interface promises when neither it nor the workspace
    /// names one.
    pub const DEFAULT: Compatibility = Compatibility::Backward;

    /// Every policy, in the order of the format's documentation.
    pub const ALL: [Compatibility; 7] = [
        Compatibility::Backward,
        Compatibility::BackwardTransitive,
        Compatibility::Forward,
        Compatibility::ForwardTransitive,
        Compatibility::Full,
        Compatibility::FullTransitive,
        Compatibility::None,
    ];

    /// The engine's form: a policy and whether it is transitive. The one
    /// place a file's `compatibility:` becomes treaty-compat's.
    pub fn engine(self) -> treaty_compat::Compatibility {
        use treaty_compat::{Compatibility as Engine, Policy};
        match self {
            Compatibility::Backward => Engine::plain(Policy::Backward),
            Compatibility::BackwardTransitive => Engine::transitive(Policy::Backward),
            Compatibility::Forward => Engine::plain(Policy::Forward),
            Compatibility::ForwardTransitive => Engine::transitive(Policy::Forward),
            Compatibility::Full => Engine::plain(Policy::Full),
            Compatibility::FullTransitive => Engine::transitive(Policy::Full),
            Compatibility::None => Engine::plain(Policy::None),
        }
    }

    /// The name written in `compatibility:` (`backward_transitive`, ...),
    /// as treaty-compat spells it.
    pub fn as_str(self) -> &'static str {
        self.engine().as_str()
    }

    /// The engine's policy, without the transitive part.
    pub fn policy(self) -> treaty_compat::Policy {
        self.engine().policy
    }

    /// Whether the policy holds against every earlier version, not just
    /// the previous one.
    pub fn is_transitive(self) -> bool {
        self.engine().transitive
    }

    /// The transitive form of this policy (`none` stays `none`).
    pub fn transitive(self) -> Compatibility {
        let wanted = treaty_compat::Compatibility::transitive(self.policy());
        Compatibility::ALL
            .into_iter()
            .find(|c| c.engine() == wanted)
            .unwrap_or(self)
    }
}

impl From<Compatibility> for treaty_compat::Compatibility {
    fn from(c: Compatibility) -> treaty_compat::Compatibility {
        c.engine()
    }
}

/// How the versions of an interface are numbered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Versioning {
    /// The numbering scheme.
    pub scheme: VersioningScheme,
    /// The version of the schema in the working tree.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current: Option<Spanned<String>>,
}

/// A way of numbering versions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum VersioningScheme {
    /// Semantic versioning: MAJOR.MINOR.PATCH.
    Semver,
    /// Calendar versioning, such as `2026.11`.
    Calver,
}

/// A service-level objective the producer commits to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Slo {
    /// What is measured, in words.
    pub name: String,
    /// The bound the measurement must meet.
    pub objective: Spanned<Threshold>,
    /// The period over which it is measured.
    pub window: Spanned<Duration>,
}

/// Who acts when the interface fails in a known way.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FailureMode {
    /// What goes wrong, in words.
    pub scenario: String,
    /// The team that rolls back.
    pub rollback: Spanned<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    /// Feature flags that contain the failure, and who may flip each.
    pub flags: Vec<FlagOwner>,
}

/// A feature flag and the team allowed to flip it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FlagOwner {
    /// The flag's name.
    pub flag: String,
    /// The team that may flip it.
    pub owner: Spanned<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The names serde reads in contract files are treaty-compat's, which
    /// the CLI and the broker use: one spelling everywhere.
    fn serde_name(value: impl Serialize) -> String {
        serde_json::to_value(value)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()
    }

    #[test]
    fn file_names_are_the_engines_names() {
        for c in Compatibility::ALL {
            assert_eq!(serde_name(c), c.as_str());
            assert_eq!(
                c.as_str().parse::<treaty_compat::Compatibility>(),
                Ok(c.engine())
            );
        }
        for kind in [
            InterfaceKind::Openapi,
            InterfaceKind::Jsonschema,
            InterfaceKind::Protobuf,
            InterfaceKind::Avro,
            InterfaceKind::Asyncapi,
        ] {
            assert_eq!(serde_name(kind), kind.as_str());
            assert_eq!(InterfaceKind::from(kind.format()), kind);
        }
        for category in [
            ProtoCategory::Wire,
            ProtoCategory::WireJson,
            ProtoCategory::Package,
            ProtoCategory::File,
        ] {
            assert_eq!(serde_name(category), category.as_str());
        }
    }

    #[test]
    fn transitive_forms() {
        assert_eq!(
            Compatibility::Backward.transitive(),
            Compatibility::BackwardTransitive
        );
        assert_eq!(
            Compatibility::FullTransitive.transitive(),
            Compatibility::FullTransitive
        );
        assert_eq!(Compatibility::None.transitive(), Compatibility::None);
        assert!(!Compatibility::None.is_transitive());
    }
}
