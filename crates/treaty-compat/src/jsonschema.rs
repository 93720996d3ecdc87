//! A JSON Schema that describes data: `backward` means every document
//! valid under the old schema is valid under the new one, so the schema is
//! compared in the direction of what a reader accepts.

use treaty_syntax::Node;

use crate::change::{Change, Direction};
use crate::compare::SchemaComparer;
use crate::document::{CompatError, DocumentSource, Documents};
use crate::schema::{Dialect, Normalizer};

#[allow(clippy::too_many_arguments)]
pub fn diff(
    old_docs: &mut Documents,
    old_source: &dyn DocumentSource,
    old_path: &str,
    old_root: &Node,
    new_docs: &mut Documents,
    new_source: &dyn DocumentSource,
    new_path: &str,
    new_root: &Node,
) -> Result<Vec<Change>, CompatError> {
    let mut old = Normalizer::new(old_docs, old_source, Dialect::JsonSchema);
    let o = old.schema(old_path, "", old_root)?;
    let old_arena = old.finish();
    let mut new = Normalizer::new(new_docs, new_source, Dialect::JsonSchema);
    let n = new.schema(new_path, "", new_root)?;
    let new_arena = new.finish();
    let mut cmp = SchemaComparer::new(&old_arena, &new_arena);
    cmp.compare_root(o, n, Direction::Accepts, None, "$");
    Ok(cmp.changes)
}
