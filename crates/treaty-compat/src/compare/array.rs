//! Array keywords: `items` and `prefixItems`, each compared as a pair of
//! its own. (`minItems`, `maxItems` and `uniqueItems` are bounds.)

use super::{At, SchemaComparer};

impl SchemaComparer<'_> {
    /// Compares the item schemas; their changes belong to the items, so
    /// none are returned for the pair itself.
    pub(super) fn array(&mut self, at: At<'_>) {
        let (os, ns) = (self.old.get(at.o), self.new.get(at.n));
        let f = at.field;
        if let (Some(a), Some(b)) = (os.items, ns.items) {
            self.compare(a, b, at.dir, &format!("{f}[]"), false);
        }
        for (i, (&a, &b)) in os
            .prefix_items
            .iter()
            .zip(ns.prefix_items.iter())
            .enumerate()
        {
            self.compare(a, b, at.dir, &format!("{f}[{i}]"), false);
        }
    }
}
