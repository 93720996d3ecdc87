//! Expectations: what a consumer component version was built against and
//! uses of an interface. Immutable, like versions.

use serde::{Deserialize, Serialize};
use treaty_core::impact::Usage;
use treaty_store::ExpectationRecord;
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::stored::{self, Row};

/// What a consumer declared it uses; empty means everything.
#[derive(Debug, Default, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Uses {
    /// OpenAPI `operationId`s or `METHOD /path`; Protobuf
    /// `Service.Method`.
    #[serde(default)]
    pub operations: Vec<String>,
    /// Message names: AsyncAPI messages, Protobuf messages, Avro records.
    #[serde(default)]
    pub messages: Vec<String>,
    /// AsyncAPI channels, by name.
    #[serde(default)]
    pub channels: Vec<String>,
    /// Field paths, dot-separated from a schema or message name
    /// (`Payment.amount`).
    #[serde(default)]
    pub fields: Vec<String>,
}

impl From<Usage> for Uses {
    fn from(u: Usage) -> Uses {
        Uses {
            operations: u.operations,
            messages: u.messages,
            channels: u.channels,
            fields: u.fields,
        }
    }
}

impl From<Uses> for Usage {
    fn from(u: Uses) -> Usage {
        Usage {
            operations: u.operations,
            messages: u.messages,
            channels: u.channels,
            fields: u.fields,
        }
    }
}

/// An example payload or a Pact file, stored as it came.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Artifact {
    /// Its file name, 1 to 1024 bytes.
    pub name: String,
    /// `example` or `pact`.
    pub kind: String,
    /// The file's text.
    pub content: String,
}

/// An expectation to record: the body of
/// `PUT /api/v1/components/{component}/versions/{version}/expectations/{interface}`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewExpectation {
    /// The interface version this consumer version was built against.
    pub built_against: String,
    /// What it uses of the interface; everything when absent.
    #[serde(default)]
    pub uses: Uses,
    /// Example payloads and Pact files, at most 100.
    #[serde(default)]
    pub artifacts: Vec<Artifact>,
}

/// What a consumer component version expects of an interface.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Expectation {
    /// The consumer component.
    pub component: String,
    /// The consumer's version.
    pub version: String,
    /// The interface it consumes.
    pub interface: String,
    /// The interface version it was built against.
    pub built_against: String,
    /// What it uses of the interface.
    pub uses: Uses,
    /// Its example payloads and Pact files.
    pub artifacts: Vec<Artifact>,
    /// False when this exact expectation was already recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<bool>,
}

/// A stored expectation, read back: its `uses` and artifacts are JSON the
/// broker wrote, so JSON it cannot read is an error naming the row.
impl TryFrom<ExpectationRecord> for Expectation {
    type Error = ApiError;

    fn try_from(r: ExpectationRecord) -> Result<Expectation, ApiError> {
        let row = Row::expectation(&r.component, &r.version, &r.interface);
        Ok(Expectation {
            uses: stored::usage_of(&row, &r.uses)?.into(),
            artifacts: stored::artifacts_of(&row, &r.artifacts)?,
            component: r.component,
            version: r.version,
            interface: r.interface,
            built_against: r.built_against,
            created: None,
        })
    }
}
