//! Interfaces: what a producer component offers (an API, a schema, a
//! message format), with the policy its versions are checked under.

use serde::{Deserialize, Serialize};
use treaty_store::OwnedInterface;
use utoipa::ToSchema;

/// An interface to register: the body of `PUT /api/v1/interfaces/{id}`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewInterface {
    /// The producer component; the caller's team must own it.
    pub component: String,
    /// `openapi`, `jsonschema`, `avro`, `asyncapi` or `protobuf`.
    pub kind: String,
    /// `backward` (default), `forward`, `full` or `none`, optionally
    /// `_transitive`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compatibility: Option<String>,
    /// Protobuf only: `wire`, `wire_json` (default), `package` or `file`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proto_category: Option<String>,
}

/// A registered interface.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Interface {
    /// The interface's id.
    pub id: String,
    /// The producer component.
    pub component: String,
    /// The team that owns the producer component.
    pub team: String,
    /// `openapi`, `jsonschema`, `avro`, `asyncapi` or `protobuf`.
    pub kind: String,
    /// The policy its versions are checked under, as registered.
    pub compatibility: String,
    /// Protobuf only: the category, when one was registered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proto_category: Option<String>,
}

impl From<OwnedInterface> for Interface {
    fn from(o: OwnedInterface) -> Interface {
        Interface {
            id: o.interface.id,
            component: o.interface.component,
            team: o.team,
            kind: o.interface.kind,
            compatibility: o.interface.compatibility,
            proto_category: o.interface.proto_category,
        }
    }
}
