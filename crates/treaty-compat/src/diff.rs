//! Comparing two versions of an interface: one entry for every format
//! ([`diff_interface`]), and the per-format entries it dispatches to.

use std::collections::BTreeMap;

use treaty_syntax::Diagnostic;

use crate::document::{CompatError, DocumentSource, Documents, Loaded};
use crate::format::{Format, sniff};
use crate::jsonschema::UndeclaredProperties;
use crate::{Change, asyncapi, avro, jsonschema, openapi, proto};

/// The `operationId`s of each operation label (`POST /payments`), from both
/// versions: one, or two when it was renamed, so that a consumer naming
/// either is found.
pub type OperationIds = BTreeMap<String, std::collections::BTreeSet<String>>;

/// Both versions of an interface as read, and the changes between them.
#[derive(Debug)]
pub struct Diff {
    /// Every document read for the old version (empty for Protobuf).
    pub old: Documents,
    /// Every document read for the new version (empty for Protobuf).
    pub new: Documents,
    /// The changes, ordered by place in the new version, then the old.
    pub changes: Vec<Change>,
    /// `operationId` of each operation label (`POST /payments`), from
    /// either version, so that consumers may name operations either way.
    pub operation_ids: OperationIds,
}

impl Diff {
    fn of_changes(mut changes: Vec<Change>, old: Documents, new: Documents) -> Diff {
        crate::reach::merge_repeats(&mut changes);
        // A stable sort: changes in the same place keep the order found.
        changes.sort_by(|a, b| (&a.new, &a.old, a.rule).cmp(&(&b.new, &b.old, b.rule)));
        Diff {
            old,
            new,
            changes,
            operation_ids: BTreeMap::new(),
        }
    }
}

/// One version of an interface: where its files come from, its entry
/// schema, and (Protobuf) the directories imports are resolved against.
#[derive(Clone, Copy)]
pub struct InterfaceVersion<'a> {
    /// Where the schema and every file it reaches are read.
    pub source: &'a dyn DocumentSource,
    /// The schema file, as `source` names it.
    pub entry: &'a str,
    /// Protobuf only: include directories, searched in order (empty: the
    /// entry's own directory).
    pub include_paths: &'a [String],
}

impl std::fmt::Debug for InterfaceVersion<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InterfaceVersion")
            .field("entry", &self.entry)
            .field("include_paths", &self.include_paths)
            .finish()
    }
}

impl InterfaceVersion<'_> {
    /// The Protobuf compiler's view of this version: its entry file named
    /// relative to the include directory that holds it.
    fn proto_input(&self) -> proto::ProtoInput<'_> {
        let (includes, name) = proto::entry_name(self.entry, self.include_paths);
        proto::ProtoInput {
            source: self.source,
            includes,
            files: vec![name],
        }
    }
}

/// How two versions of an interface are compared, whatever their format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DiffSpec {
    /// The format; detected from the new version's content when `None`
    /// (two `.proto` entries are Protobuf).
    pub format: Option<Format>,
    /// Protobuf only: how strict the check is.
    pub proto_category: proto::Category,
    /// JSON Schema data contracts only: how the properties an open model
    /// does not declare are judged.
    pub undeclared_properties: UndeclaredProperties,
}

impl DiffSpec {
    /// Compares as `format`, with Protobuf's default category.
    pub fn of(format: Format) -> DiffSpec {
        DiffSpec {
            format: Some(format),
            ..DiffSpec::default()
        }
    }
}

impl Default for DiffSpec {
    /// The format detected, Protobuf checked under `wire_json`.
    fn default() -> DiffSpec {
        DiffSpec {
            format: None,
            proto_category: proto::Category::WireJson,
            undeclared_properties: UndeclaredProperties::Strict,
        }
    }
}

/// Compares two versions of an interface of any format: the one entry
/// point that knows Protobuf is compiled from files and the others are
/// read as documents. The changes carry no level: apply a policy with
/// [`Change::level`].
pub fn diff_interface(
    old: &InterfaceVersion<'_>,
    new: &InterfaceVersion<'_>,
    spec: &DiffSpec,
) -> Result<Diff, CompatError> {
    // Undeclared, two `.proto` entries are Protobuf; one alone is refused
    // by `diff` with a message that says so.
    let is_proto = match spec.format {
        Some(format) => format == Format::Protobuf,
        None => old.entry.ends_with(".proto") && new.entry.ends_with(".proto"),
    };
    if is_proto {
        diff_proto(&old.proto_input(), &new.proto_input(), spec.proto_category)
    } else {
        diff_documents(old.source, old.entry, new.source, new.entry, spec)
    }
}

/// Compares two sets of Protobuf files under a category (see [`proto`]).
pub fn diff_proto(
    old: &proto::ProtoInput<'_>,
    new: &proto::ProtoInput<'_>,
    category: proto::Category,
) -> Result<Diff, CompatError> {
    let changes = proto::diff(old, new, category)?;
    Ok(Diff::of_changes(
        changes,
        Documents::new(),
        Documents::new(),
    ))
}

/// An error that stops a comparison before it starts: the file cannot be
/// read as the format asked for.
fn unreadable(
    code: &'static str,
    message: impl Into<String>,
    file: &str,
    docs: &Documents,
) -> CompatError {
    CompatError::new(
        Diagnostic::error(code, message).in_file(file).unreadable(),
        &docs.sources,
    )
}

/// Compares the document at `old_path` (read from `old_source`) with the
/// one at `new_path`. The format is detected unless given. Protobuf is
/// refused: it is compared from files ([`diff_interface`], [`diff_proto`]).
pub fn diff(
    old_source: &dyn DocumentSource,
    old_path: &str,
    new_source: &dyn DocumentSource,
    new_path: &str,
    format: Option<Format>,
) -> Result<Diff, CompatError> {
    let spec = DiffSpec {
        format,
        ..DiffSpec::default()
    };
    diff_documents(old_source, old_path, new_source, new_path, &spec)
}

/// [`diff`] under every setting of a [`DiffSpec`] (its Protobuf category
/// aside).
pub fn diff_documents(
    old_source: &dyn DocumentSource,
    old_path: &str,
    new_source: &dyn DocumentSource,
    new_path: &str,
    spec: &DiffSpec,
) -> Result<Diff, CompatError> {
    let format = spec.format;
    let mut old_docs = Documents::new();
    let mut new_docs = Documents::new();
    if let Some(proto) = [old_path, new_path]
        .into_iter()
        .find(|p| p.ends_with(".proto"))
    {
        return Err(unreadable(
            "unsupported-format",
            "this is a Protobuf file: Treaty compares OpenAPI 3.0/3.1, JSON Schema, Avro and AsyncAPI so far",
            proto,
            &new_docs,
        ));
    }
    let (old_root, new_root) = Documents::load_both(
        (&mut old_docs, old_source, old_path),
        (&mut new_docs, new_source, new_path),
    )?;
    // Undeclared, both sides must be of one kind: an Avro schema compared
    // with an OpenAPI description finds only noise. (Both are parsed
    // already, so this costs nothing.)
    if format.is_none()
        && let (Some(old_kind), (Some(new_kind), _)) =
            (sniff(old_path, &old_root).0, sniff(new_path, &new_root))
        && old_kind != new_kind
    {
        return Err(CompatError::new(
            Diagnostic::error(
                "kind-mismatch",
                Format::mismatch(old_path, old_kind, new_path, new_kind),
            )
            .unreadable(),
            &new_docs.sources,
        ));
    }
    let format = match (format, sniff(new_path, &new_root)) {
        // A declared kind does not make Swagger 2 or OpenAPI 4 readable.
        (_, (_, Some(note))) => {
            return Err(unreadable("unsupported-format", note, new_path, &new_docs));
        }
        (Some(f), (_, None)) | (None, (Some(f), None)) => f,
        (None, (None, None)) => {
            return Err(unreadable(
                "unknown-format",
                format!(
                    "`{new_path}` is neither an OpenAPI, AsyncAPI, Avro nor JSON Schema document"
                ),
                new_path,
                &new_docs,
            ));
        }
    };
    let old = Loaded {
        docs: &mut old_docs,
        source: old_source,
        path: old_path,
        root: &old_root,
    };
    let new = Loaded {
        docs: &mut new_docs,
        source: new_source,
        path: new_path,
        root: &new_root,
    };
    let (changes, operation_ids) = match format {
        Format::OpenApi => openapi::diff(old, new)?,
        Format::JsonSchema => (
            jsonschema::diff(old, new, spec.undeclared_properties)?,
            BTreeMap::new(),
        ),
        Format::AsyncApi => (asyncapi::diff(old, new)?, BTreeMap::new()),
        Format::Avro => (avro::diff(&old, &new)?, BTreeMap::new()),
        Format::Protobuf => {
            return Err(unreadable(
                "unsupported-format",
                "Protobuf is compared from its files: use `diff_proto`",
                new_path,
                new.docs,
            ));
        }
    };
    Ok(Diff {
        operation_ids,
        ..Diff::of_changes(changes, old_docs, new_docs)
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    struct Files(BTreeMap<&'static str, &'static str>);

    impl DocumentSource for Files {
        fn read(&self, path: &str, _: usize) -> Result<Vec<u8>, crate::ReadError> {
            self.0
                .get(path)
                .map(|s| s.as_bytes().to_vec())
                .ok_or(crate::ReadError::NotFound)
        }
    }

    fn version<'a>(source: &'a Files, entry: &'a str) -> InterfaceVersion<'a> {
        InterfaceVersion {
            source,
            entry,
            include_paths: &[],
        }
    }

    fn rules(d: &Result<Diff, CompatError>) -> Vec<&'static str> {
        d.as_ref()
            .map(|d| d.changes.iter().map(|c| c.rule).collect())
            .unwrap_or_default()
    }

    /// Documents read from owned text, for sizes a literal cannot have.
    struct Texts(BTreeMap<&'static str, String>);

    impl DocumentSource for Texts {
        fn read(&self, path: &str, _: usize) -> Result<Vec<u8>, crate::ReadError> {
            self.0
                .get(path)
                .map(|s| s.as_bytes().to_vec())
                .ok_or(crate::ReadError::NotFound)
        }
    }

    /// Large documents are parsed on two threads at once: the changes and
    /// the errors are those of reading one after the other, the old
    /// side's error first.
    #[test]
    fn large_documents_read_at_once_answer_as_read_in_turn() {
        let doc = |ty: &str| {
            let properties: Vec<String> = (0..12_000)
                .map(|i| format!(r#""p{i}":{{"type":"{ty}"}}"#))
                .collect();
            format!(
                r#"{{"type":"object","properties":{{{}}}}}"#,
                properties.join(",")
            )
        };
        let (strings, integers) = (doc("string"), doc("integer"));
        assert!(
            strings.len() > 256 * 1024,
            "both sides large enough for two threads"
        );
        let files = Texts(BTreeMap::from([
            ("old.json", strings.clone()),
            ("new.json", integers),
            ("bad-old.json", format!("{strings}]")),
            ("bad-new.json", format!("{strings},")),
        ]));
        let spec = DiffSpec::of(Format::JsonSchema);
        let read = |old, new| diff_documents(&files, old, &files, new, &spec);
        let changed = read("old.json", "new.json").map(|d| d.changes.len());
        assert_eq!(changed.ok(), Some(12_000));
        let failed_in = |old, new| {
            read(old, new)
                .err()
                .and_then(|e| e.file.map(|f| f.name().to_owned()))
        };
        assert_eq!(
            failed_in("bad-old.json", "bad-new.json").as_deref(),
            Some("bad-old.json")
        );
        assert_eq!(
            failed_in("old.json", "bad-new.json").as_deref(),
            Some("bad-new.json")
        );
    }

    #[test]
    fn one_entry_for_documents_and_protobuf() {
        let old = Files(BTreeMap::from([
            (
                "s.json",
                r#"{"type":"object","properties":{"a":{"type":"string"}}}"#,
            ),
            (
                "p/a.proto",
                "syntax = \"proto3\";\npackage p;\nmessage A { int32 n = 1; }\n",
            ),
        ]));
        let new = Files(BTreeMap::from([
            (
                "s.json",
                r#"{"type":"object","properties":{"a":{"type":"integer"}}}"#,
            ),
            (
                "p/a.proto",
                "syntax = \"proto3\";\npackage p;\nmessage A { string n = 1; }\n",
            ),
        ]));

        let schema = diff_interface(
            &version(&old, "s.json"),
            &version(&new, "s.json"),
            &DiffSpec::default(),
        );
        let direct = diff(&old, "s.json", &new, "s.json", None);
        assert_eq!(rules(&schema), vec!["type-changed"]);
        assert_eq!(rules(&schema), rules(&direct));

        let proto = diff_interface(
            &version(&old, "p/a.proto"),
            &version(&new, "p/a.proto"),
            &DiffSpec::default(),
        );
        assert_eq!(rules(&proto), vec!["proto-field-type-changed"], "{proto:?}");
        let declared = diff_interface(
            &version(&old, "p/a.proto"),
            &version(&new, "p/a.proto"),
            &DiffSpec::of(Format::Protobuf),
        );
        assert_eq!(rules(&declared), rules(&proto));
    }

    #[test]
    fn a_protobuf_file_against_a_document_is_refused() {
        let files = Files(BTreeMap::from([
            ("s.json", "{}"),
            ("a.proto", "syntax = \"proto3\";\n"),
        ]));
        let d = diff_interface(
            &version(&files, "s.json"),
            &version(&files, "a.proto"),
            &DiffSpec::default(),
        );
        let code = d.err().map(|e| e.diagnostic.code);
        assert_eq!(code, Some("unsupported-format"));
    }
}
