//! Enums and their values: removed, added, renamed (JSON uses names).

use std::collections::BTreeMap;

use super::{Category, Found, Walk};

impl Walk<'_> {
    /// Enums removed (or their values compared) and added.
    pub(super) fn enums(&mut self) {
        let (old, new) = (self.old, self.new);
        // Enums and their values.
        for e in old
            .pool
            .all_enums()
            .filter(|e| old.owns(e.parent_file().name()))
        {
            let name = e.full_name().to_owned();
            let Some(ne) = new.pool.get_enum_by_name(&name) else {
                self.push(
                    Found {
                        rule: "proto-enum-removed",
                        category: Some(Category::Package),
                        message: format!("enum `{name}` was removed"),
                        old: old.side(&e.parent_file(), e.path()),
                        new: None,
                        field: &name,
                    },
                    "",
                );
                continue;
            };
            // With `allow_alias` a number may have several names: compare
            // the names of each number as sets.
            let names = |en: &prost_reflect::EnumDescriptor| {
                let mut m: BTreeMap<i32, Vec<String>> = BTreeMap::new();
                for v in en.values() {
                    m.entry(v.number()).or_default().push(v.name().to_owned());
                }
                m
            };
            let (old_names, new_names) = (names(&e), names(&ne));
            for v in e.values() {
                match new_names.get(&v.number()) {
                    None => {
                        let reserved = ne.reserved_ranges().any(|r| r.contains(&v.number()));
                        let cat = if reserved {
                            Category::Package
                        } else {
                            Category::Wire
                        };
                        self.push(
                            Found {
                                rule: "proto-enum-value-removed",
                                category: Some(cat),
                                message: format!(
                                    "value `{}` ({}) of `{name}` was removed",
                                    v.name(),
                                    v.number()
                                ),
                                old: old.side(&e.parent_file(), v.path()),
                                new: new.side(&ne.parent_file(), ne.path()),
                                field: &name,
                            },
                            "",
                        );
                    }
                    Some(now) if !now.iter().any(|n| n == v.name()) => {
                        let nv = ne.get_value(v.number());
                        let shown = now.join("`, `");
                        self.push(Found { rule: "proto-enum-value-name-changed", category: Some(Category::WireJson), message: format!(
                                "value {} of `{name}` is now `{shown}`, was `{}` (JSON uses names)",
                                v.number(),
                                v.name()
                            ), old: old.side(&e.parent_file(), v.path()), new: nv.and_then(|nv| new.side(&ne.parent_file(), nv.path())), field: &name }, "");
                    }
                    Some(_) => {}
                }
            }
            for nv in ne.values() {
                if !old_names.contains_key(&nv.number()) {
                    self.push(
                        Found {
                            rule: "proto-enum-value-added",
                            category: None,
                            message: format!(
                                "value `{}` ({}) was added to `{name}`",
                                nv.name(),
                                nv.number()
                            ),
                            old: old.side(&e.parent_file(), e.path()),
                            new: new.side(&ne.parent_file(), nv.path()),
                            field: &name,
                        },
                        "",
                    );
                }
            }
        }
        for ne in new
            .pool
            .all_enums()
            .filter(|e| new.owns(e.parent_file().name()))
        {
            if old.pool.get_enum_by_name(ne.full_name()).is_none() {
                self.push(
                    Found {
                        rule: "proto-enum-added",
                        category: None,
                        message: format!("enum `{}` was added", ne.full_name()),
                        old: None,
                        new: new.side(&ne.parent_file(), ne.path()),
                        field: ne.full_name(),
                    },
                    "",
                );
            }
        }
    }
}
