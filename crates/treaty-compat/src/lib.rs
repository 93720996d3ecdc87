//! Treaty's compatibility engine.
//!
//! Schemas are normalised into one model (`schema`): `$ref`s resolved,
//! recursion kept as cycles, `allOf` merged, dialects unified; then two
//! versions are compared structurally (`compare`), never by name, and
//! every difference becomes a [`Change`] with a stable rule id, the
//! direction data flows through it, and what it does to the set of valid
//! values. The level of a change (breaking, warning, info) follows from
//! that and the [`Policy`].
//!
//! The entry point is [`diff_interface`], for every [`Format`]. The
//! vocabulary the rest of Treaty spells out (formats, policies, Protobuf
//! categories) lives here, each type with its `FromStr` and `Display`.
//!
//! It is pure: documents come through a [`DocumentSource`], the one trait
//! for bytes at a path that all of Treaty reads through (its errors are
//! [`ReadError`]s); it never opens a file or a socket itself. It is not
//! the renderer (see `treaty-cli`), and it does not decide releases or
//! checks (see `treaty-core`).

#![warn(missing_docs)]

mod asyncapi;
mod avro;
pub mod bundle;
pub mod change;
mod compare;
mod diff;
pub mod document;
mod format;
mod jsonschema;
mod openapi;
mod policy;
pub mod proto;
mod reach;
mod rules;
pub mod schema;
pub mod unchanged;

pub use bundle::{Bundle, diff_bundles};
pub use change::{Change, Direction, Effect, Level, RULES, Route, Side};
pub use diff::{
    Diff, DiffSpec, InterfaceVersion, OperationIds, diff, diff_documents, diff_interface,
    diff_proto,
};
pub use document::{CompatError, DocumentSource, Documents, ReadError};
pub use format::{Format, sniff};
pub use jsonschema::UndeclaredProperties;
pub use openapi::normalize_path;
pub use policy::{Compatibility, Policy};
