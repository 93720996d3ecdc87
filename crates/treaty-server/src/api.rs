//! The broker's JSON types: the wire format, documented in the OpenAPI
//! description and kept apart from the core types so that the core can
//! change without breaking clients. Bodies refuse unknown fields.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::ApiError;

/// Longest id or version accepted.
pub const MAX_ID: usize = 128;
/// Entries in one `uses` list, and their length.
pub const MAX_USES: usize = 1_000;
pub const MAX_USE_LEN: usize = 512;
/// Artifacts per expectation.
pub const MAX_ARTIFACTS: usize = 100;
/// Length of a verification's details.
pub const MAX_DETAILS: usize = 64 * 1024;
/// Items per page, at most and by default.
pub const MAX_PAGE: i64 = 1_000;
pub const DEFAULT_PAGE: i64 = 100;

/// Ids of teams, components, interfaces, environments: a letter or digit,
/// then letters, digits, `.`, `_` or `-`. Versions may also hold `+`.
pub fn check_id(field: &str, value: &str, version: bool) -> Result<(), ApiError> {
    let ok_char = |c: char| {
        c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') || (version && c == '+')
    };
    let first_ok = value
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric());
    if value.len() > MAX_ID || !first_ok || !value.chars().all(ok_char) {
        return Err(ApiError::Invalid(format!(
            "`{field}` must be 1 to {MAX_ID} characters: a letter or digit, then letters, digits, `.`, `_`, `-`{}; got {:?}",
            if version { " or `+`" } else { "" },
            value.chars().take(MAX_ID + 1).collect::<String>()
        )));
    }
    Ok(())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTeam {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Team {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    pub team: String,
    /// Any of `read`, `publish`, `approve`, `admin`.
    pub scopes: Vec<String>,
}

/// A token, as created: the secret is shown this once.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct IssuedToken {
    pub id: String,
    pub team: String,
    pub scopes: Vec<String>,
    pub token: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewComponent {
    pub team: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Component {
    pub id: String,
    pub team: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewInterface {
    /// The producer component; the caller's team must own it.
    pub component: String,
    /// `openapi`, `jsonschema`, `avro`, `asyncapi` or `protobuf`.
    pub kind: String,
    /// `backward` (default), `forward`, `full` or `none`, optionally
    /// `_transitive`.
    #[serde(default)]
    pub compatibility: Option<String>,
    /// Protobuf only: `wire`, `wire_json` (default), `package` or `file`.
    #[serde(default)]
    pub proto_category: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Interface {
    pub id: String,
    pub component: String,
    pub team: String,
    pub kind: String,
    pub compatibility: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proto_category: Option<String>,
}

/// A schema and every file it reaches, by path relative to the workspace.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SchemaBundle {
    /// The schema file, a key of `files`.
    pub entry: String,
    #[serde(default)]
    pub include_paths: Vec<String>,
    pub files: BTreeMap<String, String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Published {
    pub interface: String,
    pub version: String,
    /// False when this exact version was already published.
    pub created: bool,
    pub bundle_hash: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct InterfaceVersion {
    pub version: String,
    pub bundle_hash: String,
    /// Unix milliseconds.
    pub created_at: i64,
}

/// What a consumer declared it uses; empty means everything.
#[derive(Debug, Default, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Uses {
    #[serde(default)]
    pub operations: Vec<String>,
    #[serde(default)]
    pub messages: Vec<String>,
    #[serde(default)]
    pub channels: Vec<String>,
    #[serde(default)]
    pub fields: Vec<String>,
}

/// An example payload or a Pact file, stored as it came.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Artifact {
    pub name: String,
    /// `example` or `pact`.
    pub kind: String,
    pub content: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewExpectation {
    /// The interface version this consumer version was built against.
    pub built_against: String,
    #[serde(default)]
    pub uses: Uses,
    #[serde(default)]
    pub artifacts: Vec<Artifact>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Expectation {
    pub component: String,
    pub version: String,
    pub interface: String,
    pub built_against: String,
    pub uses: Uses,
    pub artifacts: Vec<Artifact>,
    /// False when this exact expectation was already recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<bool>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewVerification {
    pub interface: String,
    pub provider_version: String,
    pub consumer: String,
    pub consumer_version: String,
    pub success: bool,
    #[serde(default)]
    pub details: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Verification {
    pub id: String,
    pub interface: String,
    pub provider_version: String,
    pub consumer: String,
    pub consumer_version: String,
    pub success: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
    pub recorded_by: String,
    /// Unix milliseconds.
    pub recorded_at: i64,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Environment {
    pub id: String,
    /// False when it already existed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<bool>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDeployment {
    pub component: String,
    pub version: String,
    pub environment: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUndeployment {
    pub component: String,
    pub environment: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Deployment {
    pub id: String,
    pub component: String,
    pub environment: String,
    pub version: String,
    /// Unix milliseconds.
    pub deployed_at: i64,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Undeployed {
    pub component: String,
    pub environment: String,
    /// False when the component was not deployed there.
    pub undeployed: bool,
}

/// One page of a list; pass `next` as `after` for the following page.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    /// At most 1000; 100 by default.
    pub limit: Option<i64>,
    /// The `next` of the previous page.
    pub after: Option<String>,
}

impl PageQuery {
    pub fn limit(&self) -> Result<i64, ApiError> {
        match self.limit {
            None => Ok(DEFAULT_PAGE),
            Some(n) if (1..=MAX_PAGE).contains(&n) => Ok(n),
            Some(n) => Err(ApiError::Invalid(format!(
                "`limit` must be between 1 and {MAX_PAGE}, got {n}"
            ))),
        }
    }
}

/// Builds a page from one more item than asked for.
pub fn page<T>(mut items: Vec<T>, limit: i64, cursor: impl Fn(&T) -> String) -> Page<T> {
    let more = items.len() as i64 > limit;
    items.truncate(limit as usize);
    let next = if more { items.last().map(cursor) } else { None };
    Page { items, next }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct VerificationQuery {
    pub interface: String,
    pub provider_version: Option<String>,
    pub limit: Option<i64>,
    pub after: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ReleaseQuery {
    pub component: String,
    pub version: String,
    pub environment: String,
}

/// A breaking change that touches what a consumer uses.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct BreakingChange {
    /// Stable rule id (docs/rules.md).
    pub rule: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub operations: Vec<String>,
}

/// One producer version and one consumer version of an interface that
/// would meet in the environment, and how the pair was judged.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CheckedPair {
    pub interface: String,
    pub producer: String,
    pub producer_version: String,
    pub consumer: String,
    pub consumer_version: String,
    pub built_against: String,
    /// `verified`, `compatible`, `verification_failed`,
    /// `breaking_changes` or `missing`.
    pub outcome: String,
    pub blocks: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verification: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<BreakingChange>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// Whether a component version may go to an environment, and why.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ReleaseVerdict {
    pub component: String,
    pub version: String,
    pub environment: String,
    pub release: bool,
    /// Every blocking reason, one line each.
    pub reasons: Vec<String>,
    pub pairs: Vec<CheckedPair>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Health {
    pub status: String,
}

/// The caller, as its token says.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct WhoAmI {
    pub team: String,
    pub scopes: Vec<String>,
}
