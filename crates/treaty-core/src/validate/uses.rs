//! Whether what each consumer says it uses (`uses`) names something in a
//! version of the schema. `treaty validate` warns about the names the
//! working tree's schema lacks; `treaty check` reports those the base's
//! schema had and the new one lacks (the consumer relies on something
//! that is gone).

use treaty_syntax::{Limits, Node, SourceId, Span, did_you_mean};

use super::schema_names::SchemaNames;
use crate::codes;
use crate::impact::{Usage, same_operation};
use crate::load::DocumentSource;
use crate::model::Interface;

/// Which list of `uses` an entry is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UseKind {
    /// `operations`.
    Operation,
    /// `channels`.
    Channel,
    /// `fields`: resolved by their first segment, a schema or message.
    Field,
    /// `messages`.
    Message,
}

impl UseKind {
    /// What the schema lacks, in words.
    pub fn what(self) -> &'static str {
        match self {
            UseKind::Operation => "operation",
            UseKind::Channel => "channel",
            UseKind::Field | UseKind::Message => "schema or message",
        }
    }

    /// The diagnostic code of `treaty validate`'s warning.
    pub fn code(self) -> &'static str {
        match self {
            UseKind::Operation => codes::UNKNOWN_OPERATION,
            UseKind::Channel => codes::UNKNOWN_CHANNEL,
            UseKind::Field | UseKind::Message => codes::UNKNOWN_FIELD_PATH,
        }
    }
}

/// One `uses` entry that names nothing in the schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnresolvedUse {
    /// The consumer team.
    pub team: String,
    /// Which list the entry is in.
    pub kind: UseKind,
    /// The entry as written (`createPayment`, `Payment.status`).
    pub entry: String,
    /// The name looked up: the entry, or a field's first segment.
    pub name: String,
    /// Where the entry is in the interface file.
    pub span: Span,
    /// The closest name the schema has, when one is close.
    pub suggestion: Option<String>,
}

impl UnresolvedUse {
    /// The entry as a [`Usage`] of its own, to ask which changes touch it.
    pub fn usage(&self) -> Usage {
        let one = vec![self.entry.clone()];
        match self.kind {
            UseKind::Operation => Usage {
                operations: one,
                ..Usage::default()
            },
            UseKind::Channel => Usage {
                channels: one,
                ..Usage::default()
            },
            UseKind::Field => Usage {
                fields: one,
                ..Usage::default()
            },
            UseKind::Message => Usage {
                messages: one,
                ..Usage::default()
            },
        }
    }
}

/// The `uses` entries of `interface`'s consumers that name nothing in
/// `schema` (its parsed entry file). Kinds whose names are not read from
/// the schema (Protobuf, Avro) have none.
pub fn unresolved_uses(interface: &Interface, schema: &Node) -> Vec<UnresolvedUse> {
    let names = SchemaNames::of(interface.kind.value, schema);
    let mut out = Vec::new();
    for consumer in &interface.consumers {
        let Some(uses) = &consumer.uses else { continue };
        let mut push =
            |kind, entry: &treaty_syntax::Spanned<String>, name: &str, known: &[String]| {
                let candidates: Vec<&str> = known.iter().map(String::as_str).collect();
                out.push(UnresolvedUse {
                    team: consumer.team.value.clone(),
                    kind,
                    entry: entry.value.clone(),
                    name: name.to_owned(),
                    span: entry.span,
                    suggestion: did_you_mean(name, &candidates).map(str::to_owned),
                });
            };
        if let Some(ops) = &names.operations {
            for op in &uses.operations {
                let known = ops
                    .iter()
                    .any(|o| o == &op.value || same_operation(o, &op.value));
                if !known {
                    push(UseKind::Operation, op, &op.value, ops);
                }
            }
        }
        if let Some(channels) = &names.channels {
            for ch in &uses.channels {
                if !channels.contains(&ch.value) {
                    push(UseKind::Channel, ch, &ch.value, channels);
                }
            }
        }
        if let Some(types) = &names.types {
            let entries = uses
                .fields
                .iter()
                .map(|f| (UseKind::Field, f))
                .chain(uses.messages.iter().map(|m| (UseKind::Message, m)));
            for (kind, f) in entries {
                let head = f.value.split(['.', '[']).next().unwrap_or("");
                if !types.iter().any(|t| t == head) {
                    push(kind, f, head, types);
                }
            }
        }
    }
    out
}

/// [`unresolved_uses`] of the schema at `path` in `source`; `None` when
/// it cannot be read or parsed (nothing is known to resolve).
pub fn unresolved_uses_in(
    interface: &Interface,
    source: &dyn DocumentSource,
    path: &str,
) -> Option<Vec<UnresolvedUse>> {
    let limits = Limits::SCHEMA_FILE;
    let bytes = source.read(path, limits.max_bytes).ok()?;
    let text = treaty_syntax::decode(&bytes, SourceId(0), &limits).ok()?;
    let node = treaty_syntax::parse(text, SourceId(0), &limits).ok()?;
    Some(unresolved_uses(interface, &node))
}
