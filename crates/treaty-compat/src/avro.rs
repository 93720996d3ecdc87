//! Avro schemas, compared by the resolution rules of the Avro
//! specification: under `backward` the new schema reads data written with
//! the old one, under `forward` the reverse. Each change records which of
//! the two readings it breaks as its effect: `Narrows` (the new schema can
//! no longer read old data), `Widens` (the old one cannot read new data),
//! `Both`, or `Neutral`.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use treaty_syntax::{Diagnostic, Node, Value};

use crate::change::{Change, Direction, Effect, Side};
use crate::document::{CompatError, Documents, Loaded};
use crate::schema::canonical;

/// Index of a type in an [`AvroArena`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TypeId(u32);

#[derive(Debug, Clone)]
struct Field {
    name: String,
    aliases: Vec<String>,
    ty: TypeId,
    default: Option<String>,
    pointer: String,
}

#[derive(Debug, Clone)]
enum Kind {
    Primitive(&'static str),
    Record {
        name: String,
        aliases: Vec<String>,
        fields: Vec<Field>,
    },
    Enum {
        name: String,
        aliases: Vec<String>,
        symbols: Vec<String>,
        default: Option<String>,
    },
    Array(TypeId),
    Map(TypeId),
    Fixed {
        name: String,
        aliases: Vec<String>,
        size: u64,
    },
    Union(Vec<TypeId>),
    /// A named type referenced before its definition completed (recursion).
    Placeholder,
}

#[derive(Debug, Clone)]
struct AvroType {
    kind: Kind,
    /// `logicalType` with its parameters, canonical.
    logical: Option<String>,
    pointer: String,
}

#[derive(Debug, Default)]
struct AvroArena {
    types: Vec<AvroType>,
    named: HashMap<String, TypeId>,
    file: Arc<str>,
}

const PRIMITIVES: &[&str] = &[
    "null", "boolean", "int", "long", "float", "double", "bytes", "string",
];

fn full_name(name: &str, namespace: &str) -> String {
    if name.contains('.') || namespace.is_empty() {
        name.to_owned()
    } else {
        format!("{namespace}.{name}")
    }
}

fn unqualified(name: &str) -> &str {
    name.rsplit('.').next().unwrap_or(name)
}

struct Parser<'a> {
    arena: AvroArena,
    docs: &'a Documents,
    depth: usize,
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

    fn parse(
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
            Value::Scalar(_) => {
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
                    .ok_or_else(|| self.error(node, format!("unknown Avro type `{name}`: named types must be defined before they are used")))
            }
            Value::Seq(items) => {
                let mut branches = Vec::new();
                for (i, item) in items.iter().enumerate() {
                    branches.push(self.parse(item, &format!("{pointer}/{i}"), namespace)?);
                }
                Ok(self.push(Kind::Union(branches), None, pointer))
            }
            Value::Map(_) => {
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
                let kind_name = t.as_str().unwrap_or("");
                let ns = node
                    .get("namespace")
                    .and_then(Node::as_str)
                    .unwrap_or(namespace)
                    .to_owned();
                let named = |this: &Self| -> Result<(String, Vec<String>, String), CompatError> {
                    let name = node.get("name").and_then(Node::as_str).ok_or_else(|| {
                        this.error(node, format!("an Avro {kind_name} needs a `name`"))
                    })?;
                    let full = full_name(name, &ns);
                    let type_ns = full
                        .rsplit_once('.')
                        .map_or(String::new(), |(n, _)| n.to_owned());
                    let aliases = node
                        .get("aliases")
                        .and_then(Node::as_seq)
                        .unwrap_or_default()
                        .iter()
                        .filter_map(Node::as_str)
                        .map(|a| full_name(a, &type_ns))
                        .collect();
                    Ok((full, aliases, type_ns))
                };
                match kind_name {
                    "record" | "error" => {
                        let (name, aliases, type_ns) = named(self)?;
                        let id = self.push(Kind::Placeholder, logical, pointer);
                        self.arena.named.insert(name.clone(), id);
                        let mut fields = Vec::new();
                        for (i, f) in node
                            .get("fields")
                            .and_then(Node::as_seq)
                            .unwrap_or_default()
                            .iter()
                            .enumerate()
                        {
                            let fp = format!("{pointer}/fields/{i}");
                            let fname = f
                                .get("name")
                                .and_then(Node::as_str)
                                .ok_or_else(|| {
                                    self.error(f, "an Avro field needs a `name`".to_owned())
                                })?
                                .to_owned();
                            let ft = f.get("type").ok_or_else(|| {
                                self.error(f, format!("field `{fname}` needs a `type`"))
                            })?;
                            let ty = self.parse(ft, &format!("{fp}/type"), &type_ns)?;
                            fields.push(Field {
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
                                pointer: fp,
                            });
                        }
                        self.arena.types[id.0 as usize].kind = Kind::Record {
                            name,
                            aliases,
                            fields,
                        };
                        Ok(id)
                    }
                    "enum" => {
                        let (name, aliases, _) = named(self)?;
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
                        let id = self.push(
                            Kind::Enum {
                                name: name.clone(),
                                aliases,
                                symbols,
                                default,
                            },
                            logical,
                            pointer,
                        );
                        self.arena.named.insert(name, id);
                        Ok(id)
                    }
                    "fixed" => {
                        let (name, aliases, _) = named(self)?;
                        let size = node
                            .get("size")
                            .and_then(Node::as_scalar)
                            .and_then(|s| s.text.parse().ok())
                            .unwrap_or(0);
                        let id = self.push(
                            Kind::Fixed {
                                name: name.clone(),
                                aliases,
                                size,
                            },
                            logical,
                            pointer,
                        );
                        self.arena.named.insert(name, id);
                        Ok(id)
                    }
                    "array" => {
                        let items = node.get("items").ok_or_else(|| {
                            self.error(node, "an Avro array needs `items`".to_owned())
                        })?;
                        let items = self.parse(items, &format!("{pointer}/items"), &ns)?;
                        Ok(self.push(Kind::Array(items), logical, pointer))
                    }
                    "map" => {
                        let values = node.get("values").ok_or_else(|| {
                            self.error(node, "an Avro map needs `values`".to_owned())
                        })?;
                        let values = self.parse(values, &format!("{pointer}/values"), &ns)?;
                        Ok(self.push(Kind::Map(values), logical, pointer))
                    }
                    p if PRIMITIVES.contains(&p) => {
                        let p = PRIMITIVES
                            .iter()
                            .find(|x| **x == p)
                            .copied()
                            .unwrap_or("null");
                        Ok(self.push(Kind::Primitive(p), logical, pointer))
                    }
                    _ => {
                        // `{"type": <schema>}`: the type is itself a schema.
                        let inner = self.parse(t, &format!("{pointer}/type"), &ns)?;
                        if logical.is_some() {
                            let mut copy = self.arena.types[inner.0 as usize].clone();
                            copy.logical = logical;
                            copy.pointer = pointer.to_owned();
                            self.arena.types.push(copy);
                            return Ok(TypeId(self.arena.types.len() as u32 - 1));
                        }
                        Ok(inner)
                    }
                }
            }
        }
    }
}

/// Which schema reads and which wrote, for the resolution check.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Reading {
    /// The new schema reads data written with the old one (backward).
    NewReadsOld,
    /// The old schema reads data written with the new one (forward).
    OldReadsNew,
}

struct Comparer<'a> {
    old: &'a AvroArena,
    new: &'a AvroArena,
    changes: Vec<Change>,
    seen: HashSet<(TypeId, TypeId)>,
    reads: HashMap<(Reading, TypeId, TypeId), bool>,
}

fn promotes(writer: &str, reader: &str) -> bool {
    writer == reader
        || matches!(
            (writer, reader),
            ("int", "long" | "float" | "double")
                | ("long", "float" | "double")
                | ("float", "double")
                | ("string", "bytes")
                | ("bytes", "string")
        )
}

fn names_match(reader_name: &str, reader_aliases: &[String], writer_name: &str) -> bool {
    reader_name == writer_name
        || unqualified(reader_name) == unqualified(writer_name)
        || reader_aliases
            .iter()
            .any(|a| a == writer_name || unqualified(a) == unqualified(writer_name))
}

impl Comparer<'_> {
    fn arenas(&self, reading: Reading) -> (&AvroArena, &AvroArena) {
        match reading {
            Reading::NewReadsOld => (self.new, self.old),
            Reading::OldReadsNew => (self.old, self.new),
        }
    }

    /// Whether `reader` (in the reading's reader arena) can read data
    /// written with `writer`, per the specification.
    fn can_read(&mut self, reading: Reading, reader: TypeId, writer: TypeId) -> bool {
        let key = (reading, reader, writer);
        if let Some(&r) = self.reads.get(&key) {
            return r;
        }
        // Recursive types: assume yes while the pair is being decided.
        self.reads.insert(key, true);
        let (ra, wa) = self.arenas(reading);
        let (rk, wk) = (
            ra.types[reader.0 as usize].kind.clone(),
            wa.types[writer.0 as usize].kind.clone(),
        );
        let result = match (&rk, &wk) {
            (_, Kind::Union(ws)) => ws.iter().all(|&w| self.can_read(reading, reader, w)),
            (Kind::Union(rs), _) => rs.iter().any(|&r| self.can_read(reading, r, writer)),
            (Kind::Primitive(r), Kind::Primitive(w)) => promotes(w, r),
            (
                Kind::Record {
                    name: rn,
                    aliases: ra_,
                    fields: rf,
                },
                Kind::Record {
                    name: wn,
                    fields: wf,
                    ..
                },
            ) => {
                names_match(rn, ra_, wn)
                    && rf.iter().all(|r| {
                        let found = wf
                            .iter()
                            .find(|w| w.name == r.name || r.aliases.contains(&w.name));
                        match found {
                            Some(w) => self.can_read(reading, r.ty, w.ty),
                            None => r.default.is_some(),
                        }
                    })
            }
            (
                Kind::Enum {
                    name: rn,
                    aliases: ra_,
                    symbols: rs,
                    default,
                },
                Kind::Enum {
                    name: wn,
                    symbols: ws,
                    ..
                },
            ) => {
                names_match(rn, ra_, wn) && (default.is_some() || ws.iter().all(|s| rs.contains(s)))
            }
            (Kind::Array(r), Kind::Array(w)) | (Kind::Map(r), Kind::Map(w)) => {
                self.can_read(reading, *r, *w)
            }
            (
                Kind::Fixed {
                    name: rn,
                    aliases: ra_,
                    size: rs,
                },
                Kind::Fixed {
                    name: wn, size: ws, ..
                },
            ) => names_match(rn, ra_, wn) && rs == ws,
            _ => false,
        };
        self.reads.insert(key, result);
        result
    }

    fn effect(&mut self, o: TypeId, n: TypeId) -> Effect {
        let backward = self.can_read(Reading::NewReadsOld, n, o);
        let forward = self.can_read(Reading::OldReadsNew, o, n);
        effect_of(backward, forward)
    }

    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        rule: &'static str,
        effect: Effect,
        message: String,
        old: &str,
        new: &str,
        field: &str,
    ) {
        let side = |arena: &AvroArena, pointer: &str| {
            Some(Side {
                file: arena.file.to_string(),
                pointer: pointer.to_owned(),
                position: None,
            })
        };
        self.changes.push(Change {
            rule,
            effect,
            direction: Direction::Accepts,
            message,
            old: side(self.old, old),
            new: side(self.new, new),
            operations: BTreeSet::new(),
            field: Some(field.to_owned()),
        });
    }

    fn branches(arena: &AvroArena, id: TypeId) -> Vec<TypeId> {
        match &arena.types[id.0 as usize].kind {
            Kind::Union(b) => b.clone(),
            _ => vec![id],
        }
    }

    /// What a union branch is, to pair branches across versions.
    fn branch_key(arena: &AvroArena, id: TypeId) -> String {
        match &arena.types[id.0 as usize].kind {
            Kind::Primitive(p) => (*p).to_owned(),
            Kind::Record { name, .. } | Kind::Enum { name, .. } | Kind::Fixed { name, .. } => {
                unqualified(name).to_owned()
            }
            Kind::Array(_) => "array".to_owned(),
            Kind::Map(_) => "map".to_owned(),
            Kind::Union(_) => "union".to_owned(),
            Kind::Placeholder => "?".to_owned(),
        }
    }

    fn describe(arena: &AvroArena, id: TypeId) -> String {
        match &arena.types[id.0 as usize].kind {
            Kind::Primitive(p) => (*p).to_owned(),
            Kind::Record { name, .. } => format!("record {name}"),
            Kind::Enum { name, .. } => format!("enum {name}"),
            Kind::Fixed { name, size, .. } => format!("fixed {name} ({size} bytes)"),
            Kind::Array(_) => "array".to_owned(),
            Kind::Map(_) => "map".to_owned(),
            Kind::Union(_) => "union".to_owned(),
            Kind::Placeholder => "?".to_owned(),
        }
    }

    fn compare(&mut self, o: TypeId, n: TypeId, field: &str) {
        if !self.seen.insert((o, n)) {
            return;
        }
        let (ot, nt) = (
            self.old.types[o.0 as usize].clone(),
            self.new.types[n.0 as usize].clone(),
        );
        let (op, np) = (ot.pointer.as_str(), nt.pointer.as_str());
        let is_union = |k: &Kind| matches!(k, Kind::Union(_));
        if is_union(&ot.kind) || is_union(&nt.kind) {
            self.union(o, n, field);
            return;
        }
        if ot.logical != nt.logical {
            let show = |l: &Option<String>| l.clone().unwrap_or_else(|| "none".to_owned());
            self.push(
                "avro-logical-type-changed",
                Effect::Neutral,
                format!(
                    "logical type of `{field}` changed from {} to {}",
                    show(&ot.logical),
                    show(&nt.logical)
                ),
                op,
                np,
                field,
            );
        }
        match (&ot.kind, &nt.kind) {
            (Kind::Primitive(a), Kind::Primitive(b)) if a == b => {}
            (
                Kind::Record {
                    name: on,
                    fields: of,
                    ..
                },
                Kind::Record {
                    name: nn,
                    aliases: na,
                    fields: nf,
                },
            ) => {
                let rec = unqualified(nn).to_owned();
                if on != nn {
                    let backward = names_match(nn, na, on);
                    let forward = if let Kind::Record { aliases: oa, .. } = &ot.kind {
                        names_match(on, oa, nn)
                    } else {
                        false
                    };
                    self.push(
                        "avro-name-changed",
                        effect_of(backward, forward),
                        format!("record `{on}` is now named `{nn}`"),
                        op,
                        np,
                        &rec,
                    );
                }
                self.fields(&rec, of, nf, op, np);
            }
            (
                Kind::Enum {
                    name: on,
                    aliases: oa,
                    symbols: os,
                    default: od,
                },
                Kind::Enum {
                    name: nn,
                    aliases: na,
                    symbols: ns,
                    default: nd,
                },
            ) => {
                let f = field.to_owned();
                if on != nn {
                    let effect = effect_of(names_match(nn, na, on), names_match(on, oa, nn));
                    self.push(
                        "avro-name-changed",
                        effect,
                        format!("enum `{on}` is now named `{nn}`"),
                        op,
                        np,
                        &f,
                    );
                }
                let removed: Vec<&String> = os.iter().filter(|s| !ns.contains(s)).collect();
                let added: Vec<&String> = ns.iter().filter(|s| !os.contains(s)).collect();
                if !removed.is_empty() {
                    let effect = if nd.is_some() {
                        Effect::Neutral
                    } else {
                        Effect::Narrows
                    };
                    self.push(
                        "avro-enum-symbol-removed",
                        effect,
                        format!("`{f}` no longer has {}", list(&removed)),
                        &format!("{op}/symbols"),
                        &format!("{np}/symbols"),
                        &f,
                    );
                }
                if !added.is_empty() {
                    let effect = if od.is_some() {
                        Effect::Neutral
                    } else {
                        Effect::Widens
                    };
                    self.push(
                        "avro-enum-symbol-added",
                        effect,
                        format!("`{f}` now also has {}", list(&added)),
                        &format!("{op}/symbols"),
                        &format!("{np}/symbols"),
                        &f,
                    );
                }
                if od != nd {
                    let show = |d: &Option<String>| d.clone().unwrap_or_else(|| "none".to_owned());
                    self.push(
                        "avro-enum-default-changed",
                        Effect::Neutral,
                        format!("default of `{f}` changed from {} to {}", show(od), show(nd)),
                        op,
                        np,
                        &f,
                    );
                }
            }
            (Kind::Array(a), Kind::Array(b)) => self.compare(*a, *b, &format!("{field}[]")),
            (Kind::Map(a), Kind::Map(b)) => self.compare(*a, *b, &format!("{field}{{}}")),
            (
                Kind::Fixed {
                    name: on, size: os, ..
                },
                Kind::Fixed {
                    name: nn,
                    aliases: na,
                    size: ns,
                },
            ) => {
                if on != nn {
                    let forward = if let Kind::Fixed { aliases: oa, .. } = &ot.kind {
                        names_match(on, oa, nn)
                    } else {
                        false
                    };
                    self.push(
                        "avro-name-changed",
                        effect_of(names_match(nn, na, on), forward),
                        format!("fixed `{on}` is now named `{nn}`"),
                        op,
                        np,
                        field,
                    );
                }
                if os != ns {
                    self.push(
                        "avro-fixed-size-changed",
                        Effect::Both,
                        format!("`{field}` changed size from {os} to {ns} bytes"),
                        &format!("{op}/size"),
                        &format!("{np}/size"),
                        field,
                    );
                }
            }
            _ => {
                let effect = self.effect(o, n);
                let rule = if effect == Effect::Both {
                    "avro-type-changed"
                } else {
                    "avro-type-promoted"
                };
                let message = format!(
                    "type of `{field}` changed from {} to {}",
                    Self::describe(self.old, o),
                    Self::describe(self.new, n)
                );
                self.push(rule, effect, message, op, np, field);
            }
        }
    }

    fn fields(&mut self, rec: &str, old: &[Field], new: &[Field], op: &str, np: &str) {
        let mut used = vec![false; new.len()];
        let mut unmatched_old = Vec::new();
        for of in old {
            let f = format!("{rec}.{}", of.name);
            match new.iter().position(|nf| nf.name == of.name) {
                Some(j) => {
                    used[j] = true;
                    let nf = &new[j];
                    if of.default != nf.default {
                        let show =
                            |d: &Option<String>| d.clone().unwrap_or_else(|| "none".to_owned());
                        self.push(
                            "avro-field-default-changed",
                            Effect::Neutral,
                            format!(
                                "default of `{f}` changed from {} to {}",
                                show(&of.default),
                                show(&nf.default)
                            ),
                            &of.pointer,
                            &nf.pointer,
                            &f,
                        );
                    }
                    self.compare(of.ty, nf.ty, &f);
                }
                None => unmatched_old.push(of),
            }
        }
        for of in unmatched_old {
            let f = format!("{rec}.{}", of.name);
            // Renamed: a new field lists the old name among its aliases.
            if let Some(j) = (0..new.len()).find(|&j| !used[j] && new[j].aliases.contains(&of.name))
            {
                used[j] = true;
                let nf = &new[j];
                let effect = if of.default.is_some() {
                    Effect::Neutral
                } else {
                    Effect::Widens
                };
                self.push(
                    "avro-field-renamed",
                    effect,
                    format!("field `{f}` is now `{}` (aliased)", nf.name),
                    &of.pointer,
                    &nf.pointer,
                    &f,
                );
                self.compare(of.ty, nf.ty, &format!("{rec}.{}", nf.name));
                continue;
            }
            let (rule, effect, how) = if of.default.is_some() {
                ("avro-field-removed", Effect::Neutral, "")
            } else {
                (
                    "avro-field-removed-without-default",
                    Effect::Widens,
                    " (it had no default: readers of the old schema cannot read new data)",
                )
            };
            self.push(
                rule,
                effect,
                format!("field `{f}` was removed{how}"),
                &of.pointer,
                np,
                &f,
            );
        }
        for (j, nf) in new.iter().enumerate() {
            if used[j] {
                continue;
            }
            let f = format!("{rec}.{}", nf.name);
            let (rule, effect, how) = if nf.default.is_some() {
                ("avro-field-added", Effect::Neutral, "")
            } else {
                (
                    "avro-field-added-without-default",
                    Effect::Narrows,
                    " without a default: data written with the old schema cannot be read",
                )
            };
            self.push(
                rule,
                effect,
                format!("field `{f}` was added{how}"),
                op,
                &nf.pointer,
                &f,
            );
        }
    }

    fn union(&mut self, o: TypeId, n: TypeId, field: &str) {
        let (ob, nb) = (Self::branches(self.old, o), Self::branches(self.new, n));
        let (op, np) = (
            self.old.types[o.0 as usize].pointer.clone(),
            self.new.types[n.0 as usize].pointer.clone(),
        );
        let mut used = vec![false; nb.len()];
        let mut pairs = Vec::new();
        let mut lost = Vec::new();
        for &a in &ob {
            let key = Self::branch_key(self.old, a);
            match (0..nb.len()).find(|&j| !used[j] && Self::branch_key(self.new, nb[j]) == key) {
                Some(j) => {
                    used[j] = true;
                    pairs.push((a, nb[j]));
                }
                None => lost.push(a),
            }
        }
        // A branch whose type was promoted (int → long) is the same branch.
        let mut still_lost = Vec::new();
        for a in lost {
            let found = (0..nb.len()).find(|&j| {
                !used[j]
                    && (self.can_read(Reading::NewReadsOld, nb[j], a)
                        || self.can_read(Reading::OldReadsNew, a, nb[j]))
            });
            match found {
                Some(j) => {
                    used[j] = true;
                    pairs.push((a, nb[j]));
                }
                None => still_lost.push(a),
            }
        }
        for (a, b) in pairs {
            self.compare(a, b, field);
        }
        for a in still_lost {
            let what = Self::describe(self.old, a);
            self.push(
                "avro-union-branch-removed",
                Effect::Narrows,
                format!("`{field}` no longer accepts {what}"),
                &self.old.types[a.0 as usize].pointer.clone(),
                &np,
                field,
            );
        }
        for (j, &b) in nb.iter().enumerate() {
            if !used[j] {
                let what = Self::describe(self.new, b);
                self.push(
                    "avro-union-branch-added",
                    Effect::Widens,
                    format!("`{field}` now also accepts {what}"),
                    &op,
                    &self.new.types[b.0 as usize].pointer.clone(),
                    field,
                );
            }
        }
    }
}

fn effect_of(backward_ok: bool, forward_ok: bool) -> Effect {
    match (backward_ok, forward_ok) {
        (true, true) => Effect::Neutral,
        (true, false) => Effect::Widens,
        (false, true) => Effect::Narrows,
        (false, false) => Effect::Both,
    }
}

fn list(values: &[&String]) -> String {
    values
        .iter()
        .map(|v| format!("`{v}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Parses both documents as Avro schemas and lists their differences.
pub fn diff(old: &Loaded<'_>, new: &Loaded<'_>) -> Result<Vec<Change>, CompatError> {
    diff_at(
        old.docs,
        (old.path, "", old.root),
        new.docs,
        (new.path, "", new.root),
    )
}

/// The same for Avro schemas inside other documents (an AsyncAPI message
/// payload): each side is its file, the JSON pointer of the schema in it,
/// and the schema's node.
pub fn diff_at(
    old_docs: &Documents,
    (old_path, old_base, old_root): (&str, &str, &Node),
    new_docs: &Documents,
    (new_path, new_base, new_root): (&str, &str, &Node),
) -> Result<Vec<Change>, CompatError> {
    let parse = |docs: &Documents,
                 path: &str,
                 base: &str,
                 root: &Node|
     -> Result<(AvroArena, TypeId), CompatError> {
        let mut p = Parser {
            arena: AvroArena {
                file: Arc::from(path),
                ..AvroArena::default()
            },
            docs,
            depth: 0,
        };
        let id = p.parse(root, base, "")?;
        Ok((p.arena, id))
    };
    let (old, o) = parse(old_docs, old_path, old_base, old_root)?;
    let (new, n) = parse(new_docs, new_path, new_base, new_root)?;
    let root_name = match &new.types[n.0 as usize].kind {
        Kind::Record { name, .. } | Kind::Enum { name, .. } | Kind::Fixed { name, .. } => {
            unqualified(name).to_owned()
        }
        _ => "$".to_owned(),
    };
    let mut c = Comparer {
        old: &old,
        new: &new,
        changes: Vec::new(),
        seen: HashSet::new(),
        reads: HashMap::new(),
    };
    c.compare(o, n, &root_name);
    Ok(c.changes)
}
