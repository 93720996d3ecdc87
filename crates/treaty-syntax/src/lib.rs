//! Treaty's syntax layer: YAML or JSON text in, one position-carrying tree out.
//!
//! [`decode`] checks that bytes are text Treaty may read, [`parse`] turns the
//! text of one file into a [`Node`] tree in which every node has a byte
//! [`Span`], and [`from_node`] reads a tree into Rust types with serde,
//! reporting [`DeError`]s at the offending node with "did you mean" hints
//! ([`Spanned<T>`] fields keep where a value was read). The [`SourceMap`]
//! turns spans into file names, lines and columns, so that every later
//! finding (an unknown team, a breaking change) can point at the exact place
//! in the user's file; [`Diagnostic`] is the one finding type every layer
//! reports with.
//!
//! Everything read from outside is bounded by [`Limits`] (size in bytes,
//! nesting depth, nodes added by alias expansion, total nodes), enforced
//! while parsing: an alias bomb or deep nesting is an error, never a panic or
//! an unbounded allocation.
//!
//! What it is not: a file system layer (it takes text and never opens a
//! file; callers hand it the text read from disk, a git ref or an HTTP body),
//! and not a model of Treaty's files (what a `treaty.yaml` or a schema
//! means is `treaty-core`'s and `treaty-compat`'s business).

#![warn(missing_docs)]

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
pub use yaml::{SyntaxError, SyntaxErrorKind, decode, parse, parse_documents};
