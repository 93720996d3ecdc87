//! Walking two versions of an Avro schema: names, logical types, record
//! fields, enum symbols, fixed sizes and union branches, each change with
//! the readings it breaks as its effect.

use std::collections::HashMap;

use super::resolve::{Reading, effect_of, names_match};
use super::{AvroArena, Field, Kind, TypeId, unqualified};
use crate::change::{Change, Direction, Effect, Side};
use crate::reach::PairGraph;

pub(super) struct Comparer<'a> {
    pub(super) old: &'a AvroArena,
    pub(super) new: &'a AvroArena,
    pub(super) changes: Vec<Change>,
    /// The pairs compared and how they lead to each other.
    pub(super) graph: PairGraph<(TypeId, TypeId)>,
    pub(super) reads: HashMap<(Reading, TypeId, TypeId), bool>,
}

impl Comparer<'_> {
    /// Records a change at a pointer in each version.
    fn push(
        &mut self,
        rule: &'static str,
        effect: Effect,
        message: String,
        (old, new): (&str, &str),
        field: &str,
    ) {
        let side = |arena: &AvroArena, pointer: &str| {
            Some(Side {
                file: arena.file.to_string(),
                pointer: pointer.to_owned(),
                position: None,
            })
        };
        let change = Change::new(rule, effect, Direction::Accepts, message)
            .with_old(side(self.old, old))
            .with_new(side(self.new, new))
            .with_field(Some(field.to_owned()))
            .for_whole_message();
        self.changes.push(change);
        self.graph.note(self.changes.len() - 1);
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

    /// Compares a pair of types (once), as the field `field`.
    pub(super) fn compare(&mut self, o: TypeId, n: TypeId, field: &str) {
        if self.graph.enter((o, n), field) {
            self.compare_pair(o, n, field);
            self.graph.leave();
        }
    }

    fn compare_pair(&mut self, o: TypeId, n: TypeId, field: &str) {
        let (ot, nt) = (
            self.old.types[o.0 as usize].clone(),
            self.new.types[n.0 as usize].clone(),
        );
        let at = (ot.pointer.as_str(), nt.pointer.as_str());
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
                at,
                field,
            );
        }
        match (&ot.kind, &nt.kind) {
            (Kind::Primitive(a), Kind::Primitive(b)) if a == b => {}
            (Kind::Record { .. }, Kind::Record { .. }) => self.records(&ot.kind, &nt.kind, at),
            (Kind::Enum { .. }, Kind::Enum { .. }) => self.enums(&ot.kind, &nt.kind, at, field),
            (Kind::Array(a), Kind::Array(b)) => self.compare(*a, *b, &format!("{field}[]")),
            (Kind::Map(a), Kind::Map(b)) => self.compare(*a, *b, &format!("{field}{{}}")),
            (Kind::Fixed { .. }, Kind::Fixed { .. }) => self.fixed(&ot.kind, &nt.kind, at, field),
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
                self.push(rule, effect, message, at, field);
            }
        }
    }

    /// A renamed named type: which readings still resolve it (by name or
    /// alias).
    fn renamed(
        &mut self,
        what: &str,
        (on, oa): (&str, &[String]),
        (nn, na): (&str, &[String]),
        at: (&str, &str),
        field: &str,
    ) {
        if on != nn {
            self.push(
                "avro-name-changed",
                effect_of(names_match(nn, na, on), names_match(on, oa, nn)),
                format!("{what} `{on}` is now named `{nn}`"),
                at,
                field,
            );
        }
    }

    /// Two records: their names, then their fields.
    fn records(&mut self, old: &Kind, new: &Kind, at: (&str, &str)) {
        let (
            Kind::Record {
                name: on,
                aliases: oa,
                fields: of,
            },
            Kind::Record {
                name: nn,
                aliases: na,
                fields: nf,
            },
        ) = (old, new)
        else {
            return;
        };
        let rec = unqualified(nn).to_owned();
        self.graph.name(&rec);
        self.renamed("record", (on, oa), (nn, na), at, &rec);
        self.fields(&rec, of, nf, at.0, at.1);
    }

    /// Two enums: their names, symbols and default symbol.
    fn enums(&mut self, old: &Kind, new: &Kind, at: (&str, &str), field: &str) {
        let (
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
        ) = (old, new)
        else {
            return;
        };
        let f = field;
        self.renamed("enum", (on, oa), (nn, na), at, f);
        let symbols = (format!("{}/symbols", at.0), format!("{}/symbols", at.1));
        let removed: Vec<&String> = os.iter().filter(|s| !ns.contains(s)).collect();
        let added: Vec<&String> = ns.iter().filter(|s| !os.contains(s)).collect();
        if !removed.is_empty() {
            // A reader with a default symbol reads unknown symbols as it.
            let effect = if nd.is_some() {
                Effect::Neutral
            } else {
                Effect::Narrows
            };
            self.push(
                "avro-enum-symbol-removed",
                effect,
                format!("`{f}` no longer has {}", list(&removed)),
                (&symbols.0, &symbols.1),
                f,
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
                (&symbols.0, &symbols.1),
                f,
            );
        }
        if od != nd {
            let show = |d: &Option<String>| d.clone().unwrap_or_else(|| "none".to_owned());
            self.push(
                "avro-enum-default-changed",
                Effect::Neutral,
                format!("default of `{f}` changed from {} to {}", show(od), show(nd)),
                at,
                f,
            );
        }
    }

    /// Two fixed types: their names and sizes.
    fn fixed(&mut self, old: &Kind, new: &Kind, at: (&str, &str), field: &str) {
        let (
            Kind::Fixed {
                name: on,
                aliases: oa,
                size: os,
            },
            Kind::Fixed {
                name: nn,
                aliases: na,
                size: ns,
            },
        ) = (old, new)
        else {
            return;
        };
        self.renamed("fixed", (on, oa), (nn, na), at, field);
        if os != ns {
            self.push(
                "avro-fixed-size-changed",
                Effect::Both,
                format!("`{field}` changed size from {os} to {ns} bytes"),
                (&format!("{}/size", at.0), &format!("{}/size", at.1)),
                field,
            );
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
                            (&of.pointer, &nf.pointer),
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
                    (&of.pointer, &nf.pointer),
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
                (&of.pointer, np),
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
                (op, &nf.pointer),
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
                (&self.old.types[a.0 as usize].pointer.clone(), &np),
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
                    (&op, &self.new.types[b.0 as usize].pointer.clone()),
                    field,
                );
            }
        }
    }
}

fn list(values: &[&String]) -> String {
    values
        .iter()
        .map(|v| format!("`{v}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
