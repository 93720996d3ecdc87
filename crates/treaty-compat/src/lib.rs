//! Treaty's compatibility engine.
//!
//! Schemas are normalised into one model (`schema`): `$ref`s resolved,
//! recursion kept as cycles, `allOf` merged, dialects unified; then two
//! versions are compared structurally (`compare`), never by name, and
//! every difference becomes a [`Change`] with a stable rule id, the
//! direction data flows through it, and what it does to the set of valid
//! values. The level of a change (breaking, warning, info) follows from
//! that and the policy.
//!
//! It is pure: documents come through a [`DocumentSource`]; it never opens
//! a file or a socket itself. It is not the renderer (see `treaty-cli`).

mod asyncapi;
mod avro;
pub mod change;
mod compare;
pub mod document;
mod jsonschema;
mod openapi;
pub mod proto;
pub mod schema;

pub use change::{Change, Direction, Effect, Level, Policy, RULES, Side};
pub use document::{CompatError, DocumentSource, Documents};
pub use openapi::normalize_path;

use treaty_syntax::Node;

/// The formats the engine compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    OpenApi,
    JsonSchema,
    Avro,
    AsyncApi,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::OpenApi => "openapi",
            Format::JsonSchema => "jsonschema",
            Format::Avro => "avro",
            Format::AsyncApi => "asyncapi",
        }
    }
}

/// The format of a parsed document, judged from its name and content.
pub fn detect(path: &str, node: &Node) -> Option<Format> {
    let avro_type = node.get("type").and_then(Node::as_str);
    if path.ends_with(".avsc")
        || (matches!(avro_type, Some("record" | "enum" | "fixed")) && node.get("name").is_some())
    {
        Some(Format::Avro)
    } else if node.get("asyncapi").is_some() {
        Some(Format::AsyncApi)
    } else if node.get("openapi").is_some() {
        Some(Format::OpenApi)
    } else if node.as_map().is_some() {
        Some(Format::JsonSchema)
    } else {
        None
    }
}

/// The kind of a document this engine does not compare yet, if it is one.
fn unsupported_kind(path: &str, node: &Node) -> Option<&'static str> {
    if node.get("swagger").is_some() {
        return Some("a Swagger 2.0 document");
    }
    let _ = path;
    None
}

/// Both versions of an interface as read, and the changes between them.
#[derive(Debug)]
pub struct Diff {
    pub old: Documents,
    pub new: Documents,
    pub changes: Vec<Change>,
    /// `operationId` of each operation label (`POST /payments`), from
    /// either version, so that consumers may name operations either way.
    pub operation_ids: std::collections::BTreeMap<String, String>,
}

/// Compares two sets of Protobuf files under a category (see [`proto`]).
pub fn diff_proto(
    old: &proto::ProtoInput<'_>,
    new: &proto::ProtoInput<'_>,
    category: proto::Category,
) -> Result<Diff, CompatError> {
    let mut changes = proto::diff(old, new, category)?;
    changes.sort_by(|a, b| (&a.new, &a.old, a.rule).cmp(&(&b.new, &b.old, b.rule)));
    Ok(Diff {
        old: Documents::new(),
        new: Documents::new(),
        changes,
        operation_ids: Default::default(),
    })
}

/// Compares the document at `old_path` (read from `old_source`) with the
/// one at `new_path`. The format is detected unless given.
pub fn diff(
    old_source: &dyn DocumentSource,
    old_path: &str,
    new_source: &dyn DocumentSource,
    new_path: &str,
    format: Option<Format>,
) -> Result<Diff, CompatError> {
    let mut old = Documents::new();
    let mut new = Documents::new();
    if let Some(proto) = [old_path, new_path]
        .into_iter()
        .find(|p| p.ends_with(".proto"))
    {
        return Err(CompatError::new(
            treaty_syntax::Diagnostic::error(
                "unsupported-format",
                "this is a Protobuf file: Treaty compares OpenAPI 3.0/3.1, JSON Schema, Avro and AsyncAPI so far",
            )
            .in_file(proto)
            .unreadable(),
            &new.sources,
        ));
    }
    let (_, old_root) = old.load(old_source, old_path, None)?;
    let (_, new_root) = new.load(new_source, new_path, None)?;
    if format.is_none()
        && let Some(kind) = unsupported_kind(new_path, &new_root)
    {
        return Err(CompatError::new(
            treaty_syntax::Diagnostic::error(
                "unsupported-format",
                format!(
                    "this is {kind}: Treaty compares OpenAPI 3.0/3.1, JSON Schema, Avro and AsyncAPI so far"
                ),
            )
            .in_file(new_path)
            .unreadable(),
            &new.sources,
        ));
    }
    let format = match format.or_else(|| detect(new_path, &new_root)) {
        Some(f) => f,
        None => {
            return Err(CompatError::new(
                treaty_syntax::Diagnostic::error(
                    "unknown-format",
                    format!("`{new_path}` is neither an OpenAPI document nor a JSON Schema"),
                )
                .in_file(new_path)
                .unreadable(),
                &new.sources,
            ));
        }
    };
    let (mut changes, operation_ids) = match format {
        Format::OpenApi => openapi::diff(
            &mut old, old_source, old_path, &old_root, &mut new, new_source, new_path, &new_root,
        )?,
        Format::JsonSchema => (
            jsonschema::diff(
                &mut old, old_source, old_path, &old_root, &mut new, new_source, new_path,
                &new_root,
            )?,
            Default::default(),
        ),
        Format::AsyncApi => (
            asyncapi::diff(
                &mut old, old_source, old_path, &old_root, &mut new, new_source, new_path,
                &new_root,
            )?,
            Default::default(),
        ),
        Format::Avro => (
            avro::diff(&old, old_path, &old_root, &new, new_path, &new_root)?,
            Default::default(),
        ),
    };
    changes.sort_by(|a, b| (&a.new, &a.old, a.rule).cmp(&(&b.new, &b.old, b.rule)));
    Ok(Diff {
        old,
        new,
        changes,
        operation_ids,
    })
}
