//! Treaty's model and the pure logic over it.
//!
//! This crate reads a workspace of contract files ([`load`]), checks every
//! file and every cross-reference between them ([`validate`]), resolves
//! what an interface gets from the workspace's defaults
//! ([`Workspace::interface`], [`Workspace::effective_compatibility`]), and
//! makes Treaty's decisions from facts its callers gather: whether
//! `treaty check` passes ([`check`]) and whether a version may be released
//! ([`release`]), and what consumers' Pact files say of a version of an
//! interface ([`pacts`]).
//!
//! It is pure: no network, no database, no clock, no git. Files come
//! through the [`WorkspaceSource`] trait (the working tree, a git ref, an
//! upload), which reads through `treaty-compat`'s [`DocumentSource`] (the
//! one trait for bytes at a path; both re-exported here with
//! [`ReadError`]), and "today" is an argument. It does not compare schemas: that
//! is `treaty-compat`'s job, whose changes it judges.

#![warn(missing_docs)]

pub mod check;
pub mod codes;
pub mod digest;
pub mod escalation;
pub mod gate;
pub mod governance;
pub mod impact;
mod load;
pub mod model;
pub mod pacts;
pub mod release;
mod resolve;
pub mod review;
pub mod risk;
pub mod schema;
pub mod triage;
mod validate;

pub use load::{
    DocumentSource, ItemKind, MemorySource, ReadError, Workspace, WorkspaceSource, load,
};
pub use resolve::UnknownInterface;
pub use validate::{
    UnresolvedUse, UseKind, detect_kind, is_valid_id, unresolved_uses, unresolved_uses_in, validate,
};
