//! Parsing an Avro schema (JSON) into an arena of types, named types
//! resolved by full name as the specification defines them.

use treaty_syntax::{Diagnostic, Node, Value};

use super::{AvroArena, AvroType, Field, Kind, PRIMITIVES, TypeId, full_name};
use crate::document::{CompatError, Documents};
use crate::schema::canonical;

/// Reads one schema into an arena.
pub(super) struct Parser<'a> {
    pub(super) arena: AvroArena,
    /// Where the schema's text is, for errors.
    pub(super) docs: &'a Documents,
    /// How deep the types being read nest, to refuse hostile depths.
    pub(super) depth: usize,
}

/// A named type's full name, its aliases (qualified) and the namespace
/// its own fields are read in.
struct Named {
    name: String,
    aliases: Vec<String>,
    namespace: String,
}

/// A schema object being read: the node, where it is, and the namespace
/// and logical type that apply to it.
struct Object<'n> {
    node: &'n Node,
    pointer: &'n str,
    namespace: String,
    logical: Option<String>,
}

impl Parser<'_> {
    fn error(&self, node: &Node, message: String) -> CompatError {
        CompatError::new(
            Diagnostic::error("invalid-avro", message)
                .at(node.span)
                .unreadable(),
            &self.docs.sources,
        )
    }

    fn push(&mut self, kind: Kind, logical: Option<String>, pointer: &str) -> TypeId {
        let id = TypeId(self.arena.types.len() as u32);
        self.arena.types.push(AvroType {
            kind,
            logical,
            pointer: pointer.to_owned(),
        });
        id
    }

    /// Reads the type at `node` (JSON pointer `pointer`), names resolved in
    /// `namespace`.
    pub(super) fn parse(
        &mut self,
        node: &Node,
        pointer: &str,
        namespace: &str,
    ) -> Result<TypeId, CompatError> {
        self.depth += 1;
        if self.depth > 200 {
            return Err(self.error(node, "Avro types nest deeper than 200 levels".to_owned()));
        }
        let r = self.parse_inner(node, pointer, namespace);
        self.depth -= 1;
        r
    }

    fn parse_inner(
        &mut self,
        node: &Node,
        pointer: &str,
        namespace: &str,
    ) -> Result<TypeId, CompatError> {
        match &node.value {
            Value::Scalar(_) => self.reference(node, pointer, namespace),
            Value::Seq(items) => {
                let mut branches = Vec::new();
                for (i, item) in items.iter().enumerate() {
                    branches.push(self.parse(item, &format!("{pointer}/{i}"), namespace)?);
                }
                Ok(self.push(Kind::Union(branches), None, pointer))
            }
            Value::Map(_) => self.object(node, pointer, namespace),
        }
    }

    /// A type by name: a primitive, or a named type defined before.
    fn reference(
        &mut self,
        node: &Node,
        pointer: &str,
        namespace: &str,
    ) -> Result<TypeId, CompatError> {
        let name = node
            .as_str()
            .ok_or_else(|| self.error(node, "expected an Avro type name".to_owned()))?;
        if let Some(p) = PRIMITIVES.iter().find(|p| **p == name) {
            return Ok(self.push(Kind::Primitive(p), None, pointer));
        }
        let full = full_name(name, namespace);
        self.arena
            .named
            .get(&full)
            .or_else(|| self.arena.named.get(name))
            .copied()
            .ok_or_else(|| {
                self.error(
                    node,
                    format!(
                        "unknown Avro type `{name}`: named types must be defined before they are used"
                    ),
                )
            })
    }

    /// A schema object: `{"type": ...}` with what its type needs.
    fn object(
        &mut self,
        node: &Node,
        pointer: &str,
        namespace: &str,
    ) -> Result<TypeId, CompatError> {
        let Some(t) = node.get("type") else {
            return Err(self.error(node, "an Avro schema object needs a `type`".to_owned()));
        };
        let logical = node.get("logicalType").map(|l| {
            let mut parts = vec![canonical(l)];
            for k in ["precision", "scale"] {
                if let Some(v) = node.get(k) {
                    parts.push(format!("{k}={}", canonical(v)));
                }
            }
            parts.join(" ")
        });
        let object = Object {
            node,
            pointer,
            namespace: node
                .get("namespace")
                .and_then(Node::as_str)
                .unwrap_or(namespace)
                .to_owned(),
            logical,
        };
        let kind_name = t.as_str().unwrap_or("");
        match kind_name {
            "record" | "error" => self.record(object, kind_name),
            "enum" => self.enumeration(object, kind_name),
            "fixed" => self.fixed(object, kind_name),
            "array" | "map" => self.container(object, kind_name),
            p if PRIMITIVES.contains(&p) => {
                let p = PRIMITIVES
                    .iter()
                    .find(|x| **x == p)
                    .copied()
                    .unwrap_or("null");
                Ok(self.push(Kind::Primitive(p), object.logical, pointer))
            }
            _ => {
                // `{"type": <schema>}`: the type is itself a schema.
                let inner = self.parse(t, &format!("{pointer}/type"), &object.namespace)?;
                if object.logical.is_some() {
                    let mut copy = self.arena.types[inner.0 as usize].clone();
                    copy.logical = object.logical;
                    copy.pointer = pointer.to_owned();
                    self.arena.types.push(copy);
                    return Ok(TypeId(self.arena.types.len() as u32 - 1));
                }
                Ok(inner)
            }
        }
    }

    /// The name, aliases and namespace of a named type.
    fn named(&self, object: &Object<'_>, kind_name: &str) -> Result<Named, CompatError> {
        let node = object.node;
        let name = node
            .get("name")
            .and_then(Node::as_str)
            .ok_or_else(|| self.error(node, format!("an Avro {kind_name} needs a `name`")))?;
        let full = full_name(name, &object.namespace);
        let namespace = full
            .rsplit_once('.')
            .map_or(String::new(), |(n, _)| n.to_owned());
        let aliases = node
            .get("aliases")
            .and_then(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .filter_map(Node::as_str)
            .map(|a| full_name(a, &namespace))
            .collect();
        Ok(Named {
            name: full,
            aliases,
            namespace,
        })
    }

    /// A record: named before its fields are read, so that they may refer
    /// to it (recursion).
    fn record(&mut self, object: Object<'_>, kind_name: &str) -> Result<TypeId, CompatError> {
        let Named {
            name,
            aliases,
            namespace,
        } = self.named(&object, kind_name)?;
        let (node, pointer) = (object.node, object.pointer);
        let id = self.push(Kind::Placeholder, object.logical, pointer);
        self.arena.named.insert(name.clone(), id);
        let mut fields = Vec::new();
        for (i, f) in node
            .get("fields")
            .and_then(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            fields.push(self.field(f, &format!("{pointer}/fields/{i}"), &namespace)?);
        }
        self.arena.types[id.0 as usize].kind = Kind::Record {
            name,
            aliases,
            fields,
        };
        Ok(id)
    }

    /// One field of a record.
    fn field(&mut self, f: &Node, fp: &str, namespace: &str) -> Result<Field, CompatError> {
        let fname = f
            .get("name")
            .and_then(Node::as_str)
            .ok_or_else(|| self.error(f, "an Avro field needs a `name`".to_owned()))?
            .to_owned();
        let ft = f
            .get("type")
            .ok_or_else(|| self.error(f, format!("field `{fname}` needs a `type`")))?;
        let ty = self.parse(ft, &format!("{fp}/type"), namespace)?;
        Ok(Field {
            name: fname,
            aliases: f
                .get("aliases")
                .and_then(Node::as_seq)
                .unwrap_or_default()
                .iter()
                .filter_map(Node::as_str)
                .map(str::to_owned)
                .collect(),
            ty,
            default: f.get("default").map(canonical),
            pointer: fp.to_owned(),
        })
    }

    fn enumeration(&mut self, object: Object<'_>, kind_name: &str) -> Result<TypeId, CompatError> {
        let Named { name, aliases, .. } = self.named(&object, kind_name)?;
        let node = object.node;
        let symbols = node
            .get("symbols")
            .and_then(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .filter_map(Node::as_str)
            .map(str::to_owned)
            .collect();
        let default = node
            .get("default")
            .and_then(Node::as_str)
            .map(str::to_owned);
        let kind = Kind::Enum {
            name: name.clone(),
            aliases,
            symbols,
            default,
        };
        let id = self.push(kind, object.logical, object.pointer);
        self.arena.named.insert(name, id);
        Ok(id)
    }

    fn fixed(&mut self, object: Object<'_>, kind_name: &str) -> Result<TypeId, CompatError> {
        let Named { name, aliases, .. } = self.named(&object, kind_name)?;
        let size = object
            .node
            .get("size")
            .and_then(Node::as_scalar)
            .and_then(|s| s.text.parse().ok())
            .unwrap_or(0);
        let kind = Kind::Fixed {
            name: name.clone(),
            aliases,
            size,
        };
        let id = self.push(kind, object.logical, object.pointer);
        self.arena.named.insert(name, id);
        Ok(id)
    }

    /// An array (of `items`) or a map (of `values`).
    fn container(&mut self, object: Object<'_>, kind_name: &str) -> Result<TypeId, CompatError> {
        let (node, pointer) = (object.node, object.pointer);
        let key = if kind_name == "array" {
            "items"
        } else {
            "values"
        };
        let inner = node
            .get(key)
            .ok_or_else(|| self.error(node, format!("an Avro {kind_name} needs `{key}`")))?;
        let inner = self.parse(inner, &format!("{pointer}/{key}"), &object.namespace)?;
        let kind = if kind_name == "array" {
            Kind::Array(inner)
        } else {
            Kind::Map(inner)
        };
        Ok(self.push(kind, object.logical, pointer))
    }
}
