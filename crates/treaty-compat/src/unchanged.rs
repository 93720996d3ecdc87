//! Whether a comparison can be skipped because both versions would read
//! exactly the same bytes: the entry schema and every file it reaches are
//! the same file on both sides. Comparing such versions finds nothing
//! (diffing a schema with itself is empty), so `treaty check` need not
//! build either model.
//!
//! The caller says, for each path, whether it is the same on both sides
//! ([`Sides`]; `treaty check` compares git blob ids). What is reached is
//! found as the loaders find it: for Protobuf by the very reader the
//! comparison uses (imports through the include directories, in order),
//! for the other formats by following every `$ref` with a file part in
//! every file reached (a superset of what the normaliser follows, since
//! a `$ref` under `examples` is followed too). Anything doubtful (a file
//! that differs, is missing, cannot be parsed, or a remote `$ref`) answers
//! "compare": a false "unchanged" would be a silent pass.

use std::cell::Cell;
use std::collections::{BTreeSet, VecDeque};

use treaty_syntax::{Limits, Node, SourceId, Value};

use crate::diff::{DiffSpec, InterfaceVersion};
use crate::document::{DocumentSource, ReadError, join_path, split_ref};
use crate::format::Format;
use crate::proto;

/// A file as it is on the two sides of a comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sameness {
    /// The same bytes on both sides: these.
    Same(Vec<u8>),
    /// On neither side.
    Absent,
    /// Different bytes, on one side only, or unreadable.
    Differs,
}

/// Both sides of a comparison, file by file (paths as the versions name
/// them).
pub trait Sides {
    /// What `path` is on the two sides.
    fn sameness(&self, path: &str) -> Sameness;
}

/// Files reached from one entry, at most (as a bundle holds).
const MAX_FILES: usize = crate::bundle::MAX_FILES;

/// True when `version` (its entry and include directories, the same on
/// both sides) reads only files that are the same on both sides, so that
/// comparing it with its other side finds nothing. Reads go through
/// `sides`; `version.source` is not used.
pub fn reads_same(sides: &dyn Sides, version: &InterfaceVersion<'_>, spec: &DiffSpec) -> bool {
    let is_proto = match spec.format {
        Some(format) => format == Format::Protobuf,
        None => version.entry.ends_with(".proto"),
    };
    if is_proto {
        proto_reads_same(sides, version)
    } else {
        documents_read_same(sides, version.entry)
    }
}

/// Serves the bytes that are the same on both sides, and remembers
/// whether any read met a difference (the Protobuf reader takes a failed
/// read as "not in this include directory" and goes on).
struct SameOnly<'a> {
    sides: &'a dyn Sides,
    differs: Cell<bool>,
}

impl DocumentSource for SameOnly<'_> {
    fn read(&self, path: &str, _max_bytes: usize) -> Result<Vec<u8>, ReadError> {
        match self.sides.sameness(path) {
            Sameness::Same(bytes) => Ok(bytes),
            Sameness::Absent => Err(ReadError::NotFound),
            Sameness::Differs => {
                self.differs.set(true);
                Err(ReadError::Io(format!("`{path}` differs")))
            }
        }
    }
}

fn proto_reads_same(sides: &dyn Sides, version: &InterfaceVersion<'_>) -> bool {
    let source = SameOnly {
        sides,
        differs: Cell::new(false),
    };
    let (includes, name) = proto::entry_name(version.entry, version.include_paths);
    let input = proto::ProtoInput {
        source: &source,
        includes,
        files: vec![name],
    };
    proto::read_all(&input).is_ok() && !source.differs.get()
}

fn documents_read_same(sides: &dyn Sides, entry: &str) -> bool {
    let limits = Limits::SCHEMA_FILE;
    let mut seen = BTreeSet::from([entry.to_owned()]);
    let mut todo = VecDeque::from([entry.to_owned()]);
    while let Some(path) = todo.pop_front() {
        let Sameness::Same(bytes) = sides.sameness(&path) else {
            return false;
        };
        if !may_hold_ref(&bytes) {
            continue;
        }
        let Ok(text) = treaty_syntax::decode(&bytes, SourceId(0), &limits) else {
            return false;
        };
        let Ok(root) = treaty_syntax::parse(text, SourceId(0), &limits) else {
            return false;
        };
        let mut files = Vec::new();
        if !ref_files(&root, &mut files) {
            return false;
        }
        for file in files {
            let target = join_path(&path, file);
            if seen.insert(target.clone()) {
                if seen.len() > MAX_FILES {
                    return false;
                }
                todo.push_back(target);
            }
        }
    }
    true
}

/// False only when the text cannot hold a `$ref` key: it has neither the
/// word nor an escape that could spell it (`"\u0024ref"`), so that a file
/// without references needs no parse.
fn may_hold_ref(bytes: &[u8]) -> bool {
    bytes.contains(&b'\\') || bytes.windows(4).any(|w| w == b"$ref")
}

/// The file parts of every `$ref` under `node`; false when one is remote
/// (the comparison refuses those: it must run to say so).
fn ref_files<'n>(node: &'n Node, out: &mut Vec<&'n str>) -> bool {
    let mut stack = vec![node];
    while let Some(node) = stack.pop() {
        match &node.value {
            Value::Scalar(_) => {}
            Value::Seq(items) => stack.extend(items),
            Value::Map(entries) => {
                for (key, value) in entries {
                    let is_ref = key.as_scalar().is_some_and(|k| k.text == "$ref");
                    match (is_ref, value.as_scalar()) {
                        (true, Some(target)) => match split_ref(&target.text).0 {
                            Some(file) if file.contains("://") => return false,
                            Some(file) => out.push(file),
                            None => {}
                        },
                        // A property named `$ref` holds a schema.
                        _ => stack.push(value),
                    }
                }
            }
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    /// Two sides held in memory.
    struct Two {
        old: BTreeMap<&'static str, &'static str>,
        new: BTreeMap<&'static str, &'static str>,
    }

    impl Sides for Two {
        fn sameness(&self, path: &str) -> Sameness {
            match (self.old.get(path), self.new.get(path)) {
                (Some(a), Some(b)) if a == b => Sameness::Same(a.as_bytes().to_vec()),
                (None, None) => Sameness::Absent,
                _ => Sameness::Differs,
            }
        }
    }

    fn same(old: &[(&'static str, &'static str)], new: &[(&'static str, &'static str)]) -> bool {
        let sides = Two {
            old: old.iter().copied().collect(),
            new: new.iter().copied().collect(),
        };
        let entry = old[0].0;
        let version = InterfaceVersion {
            source: &crate::bundle::Bundle {
                entry: entry.to_owned(),
                include_paths: Vec::new(),
                files: BTreeMap::new(),
            },
            entry,
            include_paths: &[],
        };
        reads_same(&sides, &version, &DiffSpec::default())
    }

    const API: &str = "openapi: 3.1.0\npaths:\n  /a:\n    $ref: 'paths/a.yaml'\n";
    const A: &str = "get:\n  responses:\n    '200':\n      $ref: '../common.yaml#/r'\n";

    #[test]
    fn the_same_files_read_the_same() {
        let files = [
            ("api.yaml", API),
            ("paths/a.yaml", A),
            ("common.yaml", "r: {}\n"),
        ];
        assert!(same(&files, &files));
    }

    #[test]
    fn a_changed_file_reached_through_refs_is_seen() {
        let old = [
            ("api.yaml", API),
            ("paths/a.yaml", A),
            ("common.yaml", "r: {}\n"),
        ];
        let new = [
            ("api.yaml", API),
            ("paths/a.yaml", A),
            ("common.yaml", "r: {description: x}\n"),
        ];
        assert!(!same(&old, &new));
        // A file nothing refers to may change.
        let mut more = old.to_vec();
        more.push(("unrelated.yaml", "x: 1\n"));
        assert!(same(&old, &more));
    }

    #[test]
    fn doubt_means_compare() {
        // A reference to a file on neither side: the comparison must run
        // to report it.
        let files = [("api.yaml", API)];
        assert!(!same(&files, &files));
        let remote = [(
            "api.yaml",
            "openapi: 3.1.0\nx:\n  $ref: 'https://e.com/a.yaml'\n",
        )];
        assert!(!same(&remote, &remote));
        let broken = [("api.yaml", "$ref: [\n")];
        assert!(!same(&broken, &broken));
        // An escaped key is still a reference.
        let escaped = [("api.json", r#"{"x": {"\u0024ref": "b.json"}}"#)];
        assert!(!same(&escaped, &escaped));
    }

    #[test]
    fn protobuf_imports_are_followed() {
        let old = [
            ("a.proto", "syntax = \"proto3\";\nimport \"b.proto\";\n"),
            ("b.proto", "syntax = \"proto3\";\n"),
        ];
        let new = [
            ("a.proto", "syntax = \"proto3\";\nimport \"b.proto\";\n"),
            ("b.proto", "syntax = \"proto3\";\nmessage B {}\n"),
        ];
        assert!(same(&old, &old));
        assert!(!same(&old, &new));
    }
}
