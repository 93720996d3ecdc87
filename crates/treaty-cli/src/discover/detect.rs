//! What a file found by discovery is, judged from its content with the
//! same sniffing `treaty diff` and `treaty validate` use
//! (`treaty_compat::sniff`), made stricter where sniffing is lenient: any
//! mapping is a JSON Schema to it, and any list an Avro union, which in a
//! repository would make every YAML file a contract.

use treaty_compat::{Documents, Format};
use treaty_syntax::Node;

use crate::fs_source::FsSource;

/// A schema file discovery proposes an interface for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schema {
    /// Relative to the discovered directory, `/`-separated.
    pub path: String,
    pub kind: Format,
    /// The title the schema gives itself (`info.title`, `title`, an Avro
    /// record's `name`, a Protobuf package), if any.
    pub title: Option<String>,
}

/// A file that looked like a schema but is not proposed, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub path: String,
    pub reason: String,
}

fn text_of(node: &Node, key: &str) -> Option<String> {
    node.get(key)
        .and_then(Node::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// Whether a JSON Schema says it is one: a `$schema` naming a JSON
/// Schema dialect, or a `.schema.json`/`.schema.yaml` name.
fn declares_json_schema(path: &str, node: &Node) -> bool {
    let dialect = text_of(node, "$schema").is_some_and(|s| s.contains("json-schema.org"));
    let named = [".schema.json", ".schema.yaml", ".schema.yml"]
        .iter()
        .any(|ext| path.ends_with(ext));
    dialect || (named && node.as_map().is_some())
}

/// Whether an Avro schema looks like one: a `.avsc` file, or a named
/// record (with `fields`), enum (with `symbols`) or fixed (with `size`).
fn declares_avro(path: &str, node: &Node) -> bool {
    if path.ends_with(".avsc") {
        return true;
    }
    let member = match node.get("type").and_then(Node::as_str) {
        Some("record") => "fields",
        Some("enum") => "symbols",
        Some("fixed") => "size",
        _ => return false,
    };
    node.get("name").is_some() && node.get(member).is_some()
}

/// The schema in a YAML or JSON file (`Ok(None)` when it is none: a
/// configuration file, a fixture), or why a schema is not proposed.
pub fn document(source: &FsSource, path: &str) -> Result<Option<Schema>, Skipped> {
    let skipped = |reason: String| Skipped {
        path: path.to_owned(),
        reason,
    };
    let mut docs = Documents::new();
    let root = match docs.load(source, path, None) {
        Ok((_, root)) => root,
        // Unparsable YAML is common (templates, Helm charts): only files
        // that claim to be schemas by name are worth a word.
        Err(e) if path.ends_with(".avsc") || path.contains(".schema.") => {
            return Err(skipped(e.diagnostic.message.clone()));
        }
        Err(_) => return Ok(None),
    };
    let (format, note) = treaty_compat::sniff(path, &root);
    if let Some(note) = note {
        return Err(skipped(note));
    }
    let title = match format {
        Some(Format::OpenApi | Format::AsyncApi) => {
            root.get("info").and_then(|i| text_of(i, "title"))
        }
        Some(Format::JsonSchema) if declares_json_schema(path, &root) => text_of(&root, "title"),
        Some(Format::Avro) if declares_avro(path, &root) => text_of(&root, "name"),
        _ => return Ok(None),
    };
    Ok(format.map(|kind| Schema {
        path: path.to_owned(),
        kind,
        title,
    }))
}
