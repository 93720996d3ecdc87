//! Treaty's syntax layer: one position-carrying tree for YAML and JSON text.
//!
//! Every [`Node`] knows the file, line and column it came from, so that every
//! later finding (an unknown team, a breaking change) can point at the exact
//! place in the user's file. This crate also holds the [`SourceMap`], the
//! [`Diagnostic`] type shared by every layer, the [`Limits`] that bound what
//! is read from outside (size, nesting depth, alias expansion, node count),
//! and a serde deserializer from nodes that reports errors with positions and
//! "did you mean" hints.
//!
//! It is not a file system layer: it takes text, never opens a file. Callers
//! hand it the text of a file (read from disk, from a git ref, from an HTTP
//! body) and get a tree or a diagnostic back.

mod de;
mod diagnostic;
mod json;
mod limits;
mod node;
mod source;
mod yaml;

pub use de::{DeError, DeErrorKind, Spanned, did_you_mean, from_node};
pub use diagnostic::{Diagnostic, Label, Severity};
pub use limits::Limits;
pub use node::{Node, Resolved, Scalar, Value};
pub use source::{Position, SourceFile, SourceId, SourceMap, Span};
pub use yaml::{SyntaxError, SyntaxErrorKind, decode, parse};
