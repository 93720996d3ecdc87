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

/// What a `.proto` file declares: its package, whether it has a service,
/// and what it imports.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProtoFile {
    pub package: Option<String>,
    pub has_service: bool,
    pub imports: Vec<String>,
}

/// Reads the declarations discovery needs from `.proto` text: line
/// starts, comments skipped (a full parse is the engine's, on check).
pub fn proto_declarations(text: &str) -> ProtoFile {
    let mut out = ProtoFile::default();
    let mut in_block_comment = false;
    for raw in text.lines() {
        let mut line = raw.trim();
        if in_block_comment {
            match line.find("*/") {
                Some(end) => {
                    line = line[end + 2..].trim();
                    in_block_comment = false;
                }
                None => continue,
            }
        }
        if let Some(start) = line.find("/*")
            && !line[start..].contains("*/")
        {
            in_block_comment = true;
            line = line[..start].trim();
        }
        let line = line.split("//").next().unwrap_or("").trim();
        if let Some(rest) = line.strip_prefix("package ") {
            let name = rest.trim().trim_end_matches(';').trim();
            if !name.is_empty() && out.package.is_none() {
                out.package = Some(name.to_owned());
            }
        } else if line.starts_with("service ") {
            out.has_service = true;
        } else if let Some(rest) = line.strip_prefix("import ") {
            let rest = rest
                .trim_start_matches("public ")
                .trim_start_matches("weak ");
            if let Some(name) = rest.split('"').nth(1) {
                out.imports.push(name.to_owned());
            }
        }
    }
    out
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proto_declarations_skip_comments() {
        let text = r#"
// package commented.out;
/* service Hidden {
   } */
syntax = "proto3";
package acme.orders.v1; // the package
import "google/protobuf/timestamp.proto";
import public "acme/common/v1/money.proto";
service Orders { rpc Get(A) returns (B); }
"#;
        assert_eq!(
            proto_declarations(text),
            ProtoFile {
                package: Some("acme.orders.v1".to_owned()),
                has_service: true,
                imports: vec![
                    "google/protobuf/timestamp.proto".to_owned(),
                    "acme/common/v1/money.proto".to_owned()
                ],
            }
        );
        let only_messages = proto_declarations("package a.b;\nmessage M {}\n/* service X */\n");
        assert!(!only_messages.has_service);
    }
}
