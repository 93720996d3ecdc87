//! An interface's schema file: that it exists, parses, and is the kind
//! the interface declares. Recognising the format is compat's job
//! ([`treaty_compat::sniff`]); this module only compares the answer with
//! the declaration.

use treaty_syntax::{Diagnostic, Limits, Node, SourceId};

use super::Validator;
use crate::codes;
use crate::load::WorkspaceSource;
use crate::model::{Interface, InterfaceKind};

impl Validator {
    pub(super) fn check_schema_file(
        &mut self,
        interface: &Interface,
        source: &dyn WorkspaceSource,
        schema_sources: &mut Vec<(String, String, Diagnostic)>,
    ) {
        let path = &interface.schema;
        let declared = interface.kind.value;
        let limits = Limits::SCHEMA_FILE;
        let bytes = match source.read(&path.value, limits.max_bytes) {
            Ok(b) => b,
            Err(crate::ReadError::NotFound) => {
                self.push(
                    Diagnostic::error(
                        codes::SCHEMA_NOT_FOUND,
                        format!("schema file `{}` does not exist", path.value),
                    )
                    .at(path.span)
                    .with_hint("paths are relative to the directory of `treaty.yaml`"),
                );
                return;
            }
            Err(e) => {
                self.push(
                    Diagnostic::error(
                        codes::INVALID_SCHEMA_FILE,
                        format!("cannot read schema file `{}`: {e}", path.value),
                    )
                    .at(path.span),
                );
                return;
            }
        };
        let is_proto = path.value.ends_with(".proto");
        if declared == InterfaceKind::Protobuf || is_proto {
            if declared != InterfaceKind::Protobuf || !is_proto {
                self.kind_mismatch(
                    interface,
                    if is_proto {
                        Some(InterfaceKind::Protobuf)
                    } else {
                        None
                    },
                    None,
                );
            }
            return;
        }
        let text = match treaty_syntax::decode(&bytes, SourceId(0), &limits) {
            Ok(t) => t,
            Err(e) => {
                self.push(
                    Diagnostic::error(
                        codes::INVALID_SCHEMA_FILE,
                        format!("schema file `{}`: {}", path.value, e.message),
                    )
                    .at(path.span),
                );
                return;
            }
        };
        match treaty_syntax::parse(text, SourceId(0), &limits) {
            Err(e) => {
                let mut d = e.to_diagnostic();
                d.code = codes::INVALID_SCHEMA_FILE;
                d.unreadable = false;
                d.message = format!(
                    "schema file of `{}` is not valid YAML or JSON: {}",
                    interface.id.value, e.message
                );
                d.related.clear();
                schema_sources.push((path.value.clone(), text.to_owned(), d));
            }
            Ok(node) => {
                let (detected, note) = detect_kind(&path.value, &node);
                if detected != Some(declared) || note.is_some() {
                    self.kind_mismatch(interface, detected, note);
                } else {
                    self.check_uses(interface, &node);
                }
            }
        }
    }

    pub(super) fn kind_mismatch(
        &mut self,
        interface: &Interface,
        detected: Option<InterfaceKind>,
        note: Option<String>,
    ) {
        let declared = interface.kind.value.as_str();
        let message = match (detected, &note) {
            (_, Some(note)) => format!(
                "schema of `{}` is not {declared}: {note}",
                interface.id.value
            ),
            (Some(found), None) => format!(
                "interface `{}` is declared `{declared}` but its schema file is {}",
                interface.id.value,
                found.as_str()
            ),
            (None, None) => format!(
                "interface `{}` is declared `{declared}` but its schema file is not",
                interface.id.value
            ),
        };
        self.push(
            Diagnostic::error(codes::KIND_MISMATCH, message)
                .at(interface.kind.span)
                .with_related(interface.schema.span, "schema file named here"),
        );
    }
}

/// The kind of schema a parsed file is, and a note when it is a format or
/// version Treaty does not read (see `treaty_compat::sniff`).
pub fn detect_kind(path: &str, node: &Node) -> (Option<InterfaceKind>, Option<String>) {
    let (format, note) = treaty_compat::sniff(path, node);
    (format.map(InterfaceKind::from), note)
}
