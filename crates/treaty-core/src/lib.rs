//! Treaty's model and the pure logic over it.
//!
//! This crate reads a workspace of contract files ([`load`]), checks every
//! file and every cross-reference between them ([`validate`]), and will
//! hold governance and release-gate logic. It is pure: no network, no
//! database, no clock. Files come through the [`WorkspaceSource`] trait
//! (the working tree, a git ref, an upload), and "today" is an argument.

pub mod check;
pub mod codes;
pub mod impact;
mod load;
pub mod model;
pub mod release;
mod resolve;
pub mod schema;
mod validate;

pub use load::{ItemKind, MemorySource, ReadError, Workspace, WorkspaceSource, load};
pub use resolve::UnknownInterface;
pub use validate::{detect_kind, validate};
