//! Schema resolution: whether one schema can read data written with the
//! other, by the rules of the Avro specification.

use super::compare::Comparer;
use super::{AvroArena, Kind, TypeId, unqualified};
use crate::change::Effect;

/// Which schema reads and which wrote, for the resolution check.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Reading {
    /// The new schema reads data written with the old one (backward).
    NewReadsOld,
    /// The old schema reads data written with the new one (forward).
    OldReadsNew,
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

pub(super) fn names_match(reader_name: &str, reader_aliases: &[String], writer_name: &str) -> bool {
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
    pub(super) fn can_read(&mut self, reading: Reading, reader: TypeId, writer: TypeId) -> bool {
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

    pub(super) fn effect(&mut self, o: TypeId, n: TypeId) -> Effect {
        let backward = self.can_read(Reading::NewReadsOld, n, o);
        let forward = self.can_read(Reading::OldReadsNew, o, n);
        effect_of(backward, forward)
    }
}

pub(super) fn effect_of(backward_ok: bool, forward_ok: bool) -> Effect {
    match (backward_ok, forward_ok) {
        (true, true) => Effect::Neutral,
        (true, false) => Effect::Widens,
        (false, true) => Effect::Narrows,
        (false, false) => Effect::Both,
    }
}
