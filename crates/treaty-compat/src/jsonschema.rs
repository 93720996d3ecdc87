//! A JSON Schema that describes data: `backward` means every document
//! valid under the old schema is valid under the new one, so the schema is
//! compared in the direction of what a reader accepts.

use crate::change::{Change, Direction};
use crate::compare::SchemaComparer;
use crate::document::{CompatError, Loaded};
use crate::schema::{Dialect, Normalizer};
use treaty_syntax::Node;

/// Normalises both schemas and compares them as data a reader accepts.
pub fn diff(old: Loaded<'_>, new: Loaded<'_>) -> Result<Vec<Change>, CompatError> {
    let mut old_norm = Normalizer::new(old.docs, old.source, Dialect::JsonSchema);
    let o = old_norm.schema(old.path, "", old.root)?;
    let old_arena = old_norm.finish();
    let mut new_norm = Normalizer::new(new.docs, new.source, Dialect::JsonSchema);
    let n = new_norm.schema(new.path, "", new.root)?;
    let new_arena = new_norm.finish();
    // Consumers name the document's fields from its `title`
    // (`OrderPlaced.total`), as `treaty validate` resolves them.
    let title = |root: &Node| root.get("title").and_then(Node::as_str).map(str::to_owned);
    let root_name = title(new.root)
        .or_else(|| title(old.root))
        .unwrap_or_else(|| "$".to_owned());
    let mut cmp = SchemaComparer::new(&old_arena, &new_arena);
    cmp.compare_root(o, n, Direction::Accepts, None, &root_name);
    cmp.attribute();
    Ok(cmp.changes)
}
