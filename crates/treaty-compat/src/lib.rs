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
pub mod bundle;
pub mod change;
mod compare;
pub mod document;
mod jsonschema;
mod openapi;
pub mod proto;
pub mod schema;

pub use bundle::{Bundle, diff_bundles};
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
    /// Compared through [`diff_proto`], from files rather than one tree.
    Protobuf,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::OpenApi => "openapi",
            Format::JsonSchema => "jsonschema",
            Format::Avro => "avro",
            Format::AsyncApi => "asyncapi",
            Format::Protobuf => "protobuf",
        }
    }
}

/// The format of a parsed document, judged from its name and content, and
/// a note when it is a format or version Treaty does not read (Swagger 2,
/// OpenAPI 4, ...). The one place formats are recognised: `treaty diff`
/// detects with it and `treaty validate` checks declared kinds with it.
pub fn sniff(path: &str, node: &Node) -> (Option<Format>, Option<String>) {
    let version = |key: &str| {
        node.get(key)
            .and_then(Node::as_scalar)
            .map(|s| s.text.clone())
    };
    if path.ends_with(".proto") {
        return (Some(Format::Protobuf), None);
    }
    if let Some(v) = version("openapi") {
        let note = (!(v.starts_with("3.0") || v.starts_with("3.1")))
            .then(|| format!("OpenAPI `{v}` is not supported: Treaty reads OpenAPI 3.0 and 3.1"));
        return (Some(Format::OpenApi), note);
    }
    if node.get("swagger").is_some() {
        return (
            None,
            Some("this is a Swagger 2.0 document: Treaty reads OpenAPI 3.0 and 3.1".to_owned()),
        );
    }
    if let Some(v) = version("asyncapi") {
        let note = (!(v.starts_with("2.") || v.starts_with("3.")))
            .then(|| format!("AsyncAPI `{v}` is not supported: Treaty reads AsyncAPI 2.x and 3.0"));
        return (Some(Format::AsyncApi), note);
    }
    let avro_type = node.get("type").and_then(Node::as_str);
    if path.ends_with(".avsc")
        || (matches!(avro_type, Some("record" | "enum" | "fixed")) && node.get("name").is_some())
        || node.as_seq().is_some()
    {
        return (Some(Format::Avro), None);
    }
    let boolean = matches!(
        node.as_scalar().map(|s| s.resolve()),
        Some(treaty_syntax::Resolved::Bool(_))
    );
    if node.as_map().is_some() || boolean {
        return (Some(Format::JsonSchema), None);
    }
    (None, None)
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
    let (detected, note) = sniff(new_path, &new_root);
    let format = match (format, detected, note) {
        // A declared kind does not make Swagger 2 or OpenAPI 4 readable.
        (_, _, Some(note)) => {
            return Err(CompatError::new(
                treaty_syntax::Diagnostic::error("unsupported-format", note)
                    .in_file(new_path)
                    .unreadable(),
                &new.sources,
            ));
        }
        (Some(f), _, None) => f,
        (None, Some(f), None) => f,
        (None, None, None) => {
            return Err(CompatError::new(
                treaty_syntax::Diagnostic::error(
                    "unknown-format",
                    format!("`{new_path}` is neither an OpenAPI, AsyncAPI, Avro nor JSON Schema document"),
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
        Format::Protobuf => {
            return Err(CompatError::new(
                treaty_syntax::Diagnostic::error(
                    "unsupported-format",
                    "Protobuf is compared from its files: use `diff_proto`",
                )
                .in_file(new_path)
                .unreadable(),
                &new.sources,
            ));
        }
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
