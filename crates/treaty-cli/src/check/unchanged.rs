//! Interfaces `treaty check` need not compare: the schema and every file
//! it reaches have the same git blob ids at the base and in the working
//! tree (`treaty_compat::unchanged`), so the comparison would find
//! nothing. A workspace of a thousand interfaces with a handful changed
//! then costs little more than `treaty validate`.
//!
//! Compared all the same, because more than the schema's bytes decides
//! them: an interface under a transitive policy (earlier versions are
//! compared too), one whose schema moved (the path it is read at
//! changed, so may what its references reach), one whose include
//! directories changed, and one whose consumers keep pacts (their pacts
//! are judged against the schema and may have changed).

use treaty_core::model::Interface;

use super::{OldVersion, Run, pacts};
use crate::git_source::BesideWorkingTree;

impl Run<'_> {
    /// Whether `interface`, read at `old` at the base, is the same on
    /// both sides and need not be compared.
    pub(super) fn unchanged(
        &self,
        interface: &Interface,
        old: &OldVersion,
        transitive: bool,
    ) -> bool {
        let includes = interface.include_paths();
        if transitive
            || old.tree.prefix() != self.git.prefix()
            || old.entry != interface.schema.value
            || old.include_paths != includes
            || !pacts::keepers(interface).is_empty()
        {
            return false;
        }
        // `old.tree` is the base itself here: read through the one handle,
        // whose decoded trees are cached.
        let sides = BesideWorkingTree {
            base: &self.git,
            working: &self.source,
        };
        let version = treaty_compat::InterfaceVersion {
            source: &self.source,
            entry: &interface.schema.value,
            include_paths: &includes,
        };
        treaty_compat::unchanged::reads_same(&sides, &version, &self.ws.diff_spec(interface))
    }
}
