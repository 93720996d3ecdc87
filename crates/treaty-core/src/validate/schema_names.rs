//! The names a consumer's `uses` can refer to, read from a parsed schema.
//!
//! This walks OpenAPI, AsyncAPI and JSON Schema documents, which is
//! format knowledge that belongs in `treaty-compat` (beside `sniff`); it
//! stays here until compat offers it (see the integrator's notes).

use treaty_syntax::Node;

use crate::model::InterfaceKind;

/// Names a consumer's `uses` can refer to in one schema; `None` where the
/// kind has no such names (or they are not read from the schema here).
#[derive(Default)]
pub(super) struct SchemaNames {
    pub(super) operations: Option<Vec<String>>,
    pub(super) channels: Option<Vec<String>>,
    pub(super) types: Option<Vec<String>>,
}

impl SchemaNames {
    pub(super) fn of(kind: InterfaceKind, schema: &Node) -> SchemaNames {
        let keys = |n: Option<&Node>| -> Vec<String> {
            n.and_then(Node::as_map)
                .unwrap_or_default()
                .iter()
                .filter_map(|(k, _)| k.as_scalar().map(|k| k.text.clone()))
                .collect()
        };
        match kind {
            InterfaceKind::Openapi => {
                let mut ops = Vec::new();
                for (path, item) in schema
                    .get("paths")
                    .and_then(Node::as_map)
                    .unwrap_or_default()
                {
                    let Some(path) = path.as_scalar() else {
                        continue;
                    };
                    for method in [
                        "get", "put", "post", "delete", "options", "head", "patch", "trace",
                    ] {
                        if let Some(op) = item.get(method) {
                            ops.push(format!("{} {}", method.to_uppercase(), path.text));
                            if let Some(id) = op.get("operationId").and_then(Node::as_str) {
                                ops.push(id.to_owned());
                            }
                        }
                    }
                }
                SchemaNames {
                    operations: Some(ops),
                    channels: None,
                    types: Some(keys(
                        schema.get("components").and_then(|c| c.get("schemas")),
                    )),
                }
            }
            InterfaceKind::Asyncapi => {
                let channels = schema
                    .get("channels")
                    .and_then(Node::as_map)
                    .unwrap_or_default();
                let mut names: Vec<String> = keys(schema.get("channels"));
                names.extend(channels.iter().filter_map(|(_, c)| {
                    c.get("address").and_then(Node::as_str).map(str::to_owned)
                }));
                let mut types = keys(schema.get("components").and_then(|c| c.get("messages")));
                types.extend(keys(
                    schema.get("components").and_then(|c| c.get("schemas")),
                ));
                for (_, c) in channels {
                    types.extend(keys(c.get("messages")));
                }
                let mut stack = vec![schema];
                // Message `name`s, wherever the messages are written.
                while let Some(n) = stack.pop() {
                    if let Some(map) = n.as_map() {
                        if n.get("payload").is_some()
                            && let Some(name) = n.get("name").and_then(Node::as_str)
                        {
                            types.push(name.to_owned());
                        }
                        stack.extend(map.iter().map(|(_, v)| v));
                    } else if let Some(items) = n.as_seq() {
                        stack.extend(items.iter());
                    }
                }
                SchemaNames {
                    operations: None,
                    channels: Some(names),
                    types: Some(types),
                }
            }
            InterfaceKind::Jsonschema => {
                let mut types = keys(schema.get("$defs"));
                types.extend(keys(schema.get("definitions")));
                types.extend(
                    schema
                        .get("title")
                        .and_then(Node::as_str)
                        .map(str::to_owned),
                );
                SchemaNames {
                    operations: None,
                    channels: None,
                    types: Some(types),
                }
            }
            // Protobuf and Avro names need the compiled schema: not checked here.
            InterfaceKind::Protobuf | InterfaceKind::Avro => SchemaNames::default(),
        }
    }
}
