//! Messages and their fields: removed, added, renamed, retyped, moved
//! between oneofs, with the category at which each change breaks.

use std::collections::BTreeSet;

use prost_reflect::{Cardinality, FieldDescriptor, Kind, MessageDescriptor};

use super::{Category, Found, Walk};
use crate::change::Side;

/// A field in both versions: its name (`Message.field`), the message
/// whose methods reach it, and where it is in each.
struct FieldPair<'a> {
    field: &'a str,
    msg: &'a str,
    old: Option<Side>,
    new: Option<Side>,
}

impl Walk<'_> {
    /// Messages removed (or their fields compared) and added.
    pub(super) fn messages(&mut self) {
        let (old, new) = (self.old, self.new);
        // Messages and their fields.
        for m in old
            .pool
            .all_messages()
            .filter(|m| !m.is_map_entry() && old.owns(m.parent_file().name()))
        {
            let name = m.full_name().to_owned();
            match new.pool.get_message_by_name(&name) {
                None => self.push(
                    Found {
                        rule: "proto-message-removed",
                        category: Some(Category::Package),
                        message: format!("message `{name}` was removed"),
                        old: old.side(&m.parent_file(), m.path()),
                        new: None,
                        field: &name,
                    },
                    &name,
                ),
                Some(nm) => self.fields(&m, &nm),
            }
        }
        for nm in new
            .pool
            .all_messages()
            .filter(|m| !m.is_map_entry() && new.owns(m.parent_file().name()))
        {
            if old.pool.get_message_by_name(nm.full_name()).is_none() {
                self.push(
                    Found {
                        rule: "proto-message-added",
                        category: None,
                        message: format!("message `{}` was added", nm.full_name()),
                        old: None,
                        new: new.side(&nm.parent_file(), nm.path()),
                        field: nm.full_name(),
                    },
                    "",
                );
            }
        }
    }

    /// The fields of a message kept in both versions, by number.
    fn fields(&mut self, m: &MessageDescriptor, nm: &MessageDescriptor) {
        let (old, new) = (self.old, self.new);
        let msg = m.full_name().to_owned();
        let short = m.name().to_owned();
        for f in m.fields() {
            let field = format!("{short}.{}", f.name());
            let os = old.side(&m.parent_file(), f.path());
            let Some(nf) = nm.get_field(f.number()) else {
                let number_reserved = nm.reserved_ranges().any(|r| r.contains(&f.number()));
                let name_reserved = nm.reserved_names().any(|n| n == f.name());
                let required = f.cardinality() == Cardinality::Required;
                // Old readers reject a message without a required field,
                // whatever the new version reserves.
                let cat = match (required, number_reserved, name_reserved) {
                    (true, _, _) | (false, false, _) => Category::Wire,
                    (false, true, false) => Category::WireJson,
                    (false, true, true) => Category::Package,
                };
                let what = if required { "required field" } else { "field" };
                self.push(
                    Found {
                        rule: "proto-field-removed",
                        category: Some(cat),
                        message: format!("{what} {} `{field}` was removed", f.number()),
                        old: os,
                        new: new.side(&nm.parent_file(), nm.path()),
                        field: &field,
                    },
                    &msg,
                );
                continue;
            };
            let ns = new.side(&nm.parent_file(), nf.path());
            let at = FieldPair {
                field: &field,
                msg: &msg,
                old: os,
                new: ns,
            };
            self.kept_field(&f, &nf, at);
        }
        for nf in nm.fields() {
            if m.get_field(nf.number()).is_none() {
                let field = format!("{short}.{}", nf.name());
                // Old senders omit a new required field: new readers
                // reject their messages.
                let (category, what) = if nf.cardinality() == Cardinality::Required {
                    (Some(Category::Wire), "required field")
                } else {
                    (None, "field")
                };
                self.push(
                    Found {
                        rule: "proto-field-added",
                        category,
                        message: format!("{what} {} `{field}` was added", nf.number()),
                        old: old.side(&m.parent_file(), m.path()),
                        new: new.side(&nm.parent_file(), nf.path()),
                        field: &field,
                    },
                    &msg,
                );
            }
        }
    }

    /// A field kept (by number) in both versions: its name, JSON name,
    /// type, cardinality, oneof and presence.
    fn kept_field(&mut self, f: &FieldDescriptor, nf: &FieldDescriptor, at: FieldPair<'_>) {
        let FieldPair {
            field,
            msg,
            old: os,
            new: ns,
        } = at;
        if f.name() != nf.name() {
            // JSON readers accept the field's name as well as its JSON name.
            let cat = Category::WireJson;
            self.push(
                Found {
                    rule: "proto-field-name-changed",
                    category: Some(cat),
                    message: format!("field {} `{field}` is now `{}`", f.number(), nf.name()),
                    old: os.clone(),
                    new: ns.clone(),
                    field,
                },
                msg,
            );
        } else if f.json_name() != nf.json_name() {
            self.push(
                Found {
                    rule: "proto-field-json-name-changed",
                    category: Some(Category::WireJson),
                    message: format!(
                        "JSON name of `{field}` changed from `{}` to `{}`",
                        f.json_name(),
                        nf.json_name()
                    ),
                    old: os.clone(),
                    new: ns.clone(),
                    field,
                },
                msg,
            );
        }
        if let Some(cat) = type_change(f, nf) {
            self.push(
                Found {
                    rule: "proto-field-type-changed",
                    category: Some(cat),
                    message: format!(
                        "type of `{field}` changed from {} to {}",
                        kind_name(f),
                        kind_name(nf)
                    ),
                    old: os.clone(),
                    new: ns.clone(),
                    field,
                },
                msg,
            );
        }
        if let Some(cat) = cardinality_change(f, nf) {
            self.push(
                Found {
                    rule: "proto-field-cardinality-changed",
                    category: Some(cat),
                    message: format!(
                        "`{field}` changed from {} to {}",
                        cardinality_name(f),
                        cardinality_name(nf)
                    ),
                    old: os.clone(),
                    new: ns.clone(),
                    field,
                },
                msg,
            );
        }
        let (was, now) = (oneof_name(f), oneof_name(nf));
        if was != now {
            let (cat, why) = oneof_change(f, nf);
            let place = |o: &Option<String>| match o {
                Some(name) => format!("oneof `{name}`"),
                None => "no oneof".to_owned(),
            };
            self.push(
                Found {
                    rule: "proto-field-oneof-changed",
                    category: Some(cat),
                    message: format!(
                        "`{field}` moved from {} to {} ({why})",
                        place(&was),
                        place(&now)
                    ),
                    old: os.clone(),
                    new: ns.clone(),
                    field,
                },
                msg,
            );
        }
        // A field made repeated or singular changes presence too; its
        // cardinality change says so already.
        if f.supports_presence() != nf.supports_presence() && cardinality_change(f, nf).is_none() {
            self.push(
                Found {
                    rule: "proto-field-presence-changed",
                    category: Some(Category::File),
                    message: format!("presence of `{field}` changed (generated code changes)"),
                    old: os,
                    new: ns,
                    field,
                },
                msg,
            );
        }
    }
}

/// The real (not synthetic) oneof a field is in, by name.
fn oneof_name(f: &FieldDescriptor) -> Option<String> {
    f.containing_oneof()
        .filter(|o| !o.is_synthetic())
        .map(|o| o.name().to_owned())
}

/// The other fields of `f`'s real oneof that `other` (the message in the
/// other version) also has, by number.
fn oneof_peers(f: &FieldDescriptor, other: &MessageDescriptor) -> BTreeSet<u32> {
    f.containing_oneof()
        .filter(|o| !o.is_synthetic())
        .map(|o| {
            o.fields()
                .map(|x| x.number())
                .filter(|n| *n != f.number() && other.get_field(*n).is_some())
                .collect()
        })
        .unwrap_or_default()
}

/// The category at which a field's move between oneofs breaks, and why.
///
/// On the wire and in JSON a oneof is only a constraint between its
/// members: a reader keeps the last member it reads. Protobuf's guide to
/// updating a message says moving a single field into a new oneof is safe,
/// and moving fields into an existing oneof is not. So the move breaks
/// readers (WIRE) when the fields kept in both versions that share the
/// field's oneof differ; when they are the same (a oneof renamed, a field
/// moved into a new oneof or out of one it was alone in) only generated
/// code changes (PACKAGE).
fn oneof_change(f: &FieldDescriptor, nf: &FieldDescriptor) -> (Category, &'static str) {
    if oneof_peers(f, nf.parent_message()) == oneof_peers(nf, f.parent_message()) {
        (
            Category::Package,
            "the same fields share its oneof: only generated code changes",
        )
    } else {
        (
            Category::Wire,
            "other fields now share its oneof or no longer do: readers keep only the last one set",
        )
    }
}

/// A field's cardinality in words: `repeated`, `a map`, `required`,
/// `singular`.
fn cardinality_name(f: &FieldDescriptor) -> &'static str {
    if f.is_map() {
        "a map"
    } else {
        match f.cardinality() {
            Cardinality::Repeated => "repeated",
            Cardinality::Required => "required",
            Cardinality::Optional => "singular",
        }
    }
}

/// The category at which a field's cardinality change breaks, if it does.
///
/// To or from `required` breaks every reader (WIRE): a message without a
/// required field is rejected. Singular and repeated string, bytes and
/// message fields share their binary encoding (protobuf's guide: a
/// singular reader keeps the last value, or merges the messages), but JSON
/// writes a value or an array (WIRE_JSON). Numeric, bool and enum fields
/// are packed when repeated, which a singular reader cannot read (WIRE).
fn cardinality_change(f: &FieldDescriptor, nf: &FieldDescriptor) -> Option<Category> {
    if f.cardinality() == nf.cardinality() && f.is_map() == nf.is_map() {
        return None;
    }
    let delimited = |x: &FieldDescriptor| {
        !x.is_map()
            && x.cardinality() != Cardinality::Required
            && matches!(x.kind(), Kind::String | Kind::Bytes | Kind::Message(_))
    };
    Some(if delimited(f) && delimited(nf) {
        Category::WireJson
    } else {
        Category::Wire
    })
}

fn kind_name(f: &FieldDescriptor) -> String {
    match f.kind() {
        Kind::Message(m) => m.full_name().to_owned(),
        Kind::Enum(e) => e.full_name().to_owned(),
        k => format!("{k:?}").to_ascii_lowercase(),
    }
}

/// The category at which a field's type change breaks, if it does.
fn type_change(a: &FieldDescriptor, b: &FieldDescriptor) -> Option<Category> {
    use Kind::*;
    let (ka, kb) = (a.kind(), b.kind());
    // Maps: the synthetic entry messages keep their name; compare the key
    // and the value.
    if let (Message(x), Message(y)) = (&ka, &kb)
        && x.is_map_entry()
        && y.is_map_entry()
    {
        let parts = |m: &MessageDescriptor| (m.map_entry_key_field(), m.map_entry_value_field());
        let ((xk, xv), (yk, yv)) = (parts(x), parts(y));
        return [type_change(&xk, &yk), type_change(&xv, &yv)]
            .into_iter()
            .flatten()
            .min();
    }
    match (&ka, &kb) {
        (Message(x), Message(y)) if x.full_name() == y.full_name() => return None,
        (Enum(x), Enum(y)) if x.full_name() == y.full_name() => return None,
        // Another enum with the same values: same bytes, same JSON names;
        // only generated code changes.
        (Enum(x), Enum(y)) => {
            let same_values = x.values().all(|v| {
                y.values()
                    .any(|w| w.number() == v.number() && w.name() == v.name())
            });
            return Some(if same_values {
                Category::Package
            } else {
                Category::WireJson
            });
        }
        _ if ka == kb => return None,
        _ => {}
    }
    // Groups sharing a wire encoding, and within them the JSON encoding.
    let wire = |k: &Kind| match k {
        Int32 | Uint32 | Int64 | Uint64 | Bool | Enum(_) => 1,
        Sint32 | Sint64 => 2,
        Fixed32 | Sfixed32 | Float => 3,
        Fixed64 | Sfixed64 | Double => 4,
        String | Bytes | Message(_) => 5,
    };
    let json = |k: &Kind| match k {
        Int32 | Sint32 | Sfixed32 => 1,
        Uint32 | Fixed32 => 2,
        Int64 | Sint64 | Sfixed64 => 3,
        Uint64 | Fixed64 => 4,
        _ => 0,
    };
    if matches!((&ka, &kb), (Message(_), _) | (_, Message(_)))
        || wire(&ka) != wire(&kb)
        || (matches!(ka, Float | Double) != matches!(kb, Float | Double))
    {
        Some(Category::Wire)
    } else if json(&ka) == 0 || json(&ka) != json(&kb) {
        Some(Category::WireJson)
    } else {
        Some(Category::Package)
    }
}
