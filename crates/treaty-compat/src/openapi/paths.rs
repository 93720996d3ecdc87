//! Paths and webhooks: operations removed, added, and compared where
//! both versions have them.

use std::collections::BTreeMap;

use treaty_syntax::Node;

use super::operations::{OpCtx, OpSide, op_label, operation};
use super::{Found, METHODS, Walk, esc, flag, normalize_path, side};
use crate::change::{Change, Direction, Effect, Side};
use crate::document::CompatError;
use crate::schema::Located;

/// A section's path items by the shape of their template (`/a/{}`): the
/// template as written and the path item (borrowed from the document:
/// copying every path item cost a third of a diff).
type Index<'n> = BTreeMap<String, (&'n str, &'n Node)>;

/// `paths`, or `webhooks` (3.1): requests the provider sends, so their
/// directions flip.
struct Section<'n> {
    name: &'static str,
    webhook: bool,
    old_paths: Index<'n>,
    new_paths: Index<'n>,
}

impl Section<'_> {
    /// The path item `item`, of template `tpl` in this section of `walk`'s
    /// version, or what its `$ref` points to.
    fn path_item(
        &self,
        walk: &mut Walk<'_>,
        tpl: &str,
        item: &Node,
    ) -> Result<Located, CompatError> {
        let pointer = format!("/{}/{}", self.name, esc(tpl));
        walk.norm.object(&walk.file, &pointer, item)
    }
}

fn index<'n>(root: &'n Node, section: &str) -> Index<'n> {
    root.get(section)
        .and_then(Node::as_map)
        .unwrap_or_default()
        .iter()
        .filter_map(|(k, v)| {
            k.as_scalar()
                .map(|k| (normalize_path(&k.text), (k.text.as_str(), v)))
        })
        .collect()
}

/// Every operation of `paths` and `webhooks`.
pub(super) fn sections(
    found: &mut Found,
    old: &mut Walk<'_>,
    new: &mut Walk<'_>,
) -> Result<(), CompatError> {
    let (old_root, new_root) = (old.root, new.root);
    for (name, webhook) in [("paths", false), ("webhooks", true)] {
        let section = Section {
            name,
            webhook,
            old_paths: index(old_root, name),
            new_paths: index(new_root, name),
        };
        existing(found, old, new, &section)?;
        added(found, old, new, &section)?;
    }
    Ok(())
}

/// The operations of the old version: removed, or compared with the new.
fn existing(
    found: &mut Found,
    old: &mut Walk<'_>,
    new: &mut Walk<'_>,
    sec: &Section,
) -> Result<(), CompatError> {
    let (old_security, new_security) = (old.security, new.security);

    for (key, (old_tpl, old_item)) in &sec.old_paths {
        let old_item = sec.path_item(old, old_tpl, old_item)?;
        let new_entry = sec.new_paths.get(key);
        let new_item = match new_entry {
            Some((tpl, item)) => Some(sec.path_item(new, tpl, item)?),
            None => None,
        };
        let Some(old_node) = old_item.node() else {
            continue;
        };
        let new_node = new_item.as_ref().and_then(|i| i.node());
        for method in METHODS {
            let Some(old_op) = old_node.get(method) else {
                continue;
            };
            let label = op_label(method, new_entry.map_or(old_tpl, |(t, _)| t), sec.webhook);
            let old_ptr = format!("{}/{method}", old_item.pointer);
            match new_node.and_then(|n| n.get(method)) {
                None => {
                    let deprecated = flag(Some(old_op), "deprecated");
                    let (rule, what) = if deprecated {
                        ("deprecated-operation-removed", "deprecated operation")
                    } else {
                        ("operation-removed", "operation")
                    };
                    let new_place = new_item
                        .as_ref()
                        .map(|i| Side {
                            file: i.file.clone(),
                            pointer: i.pointer.clone(),
                            position: None,
                        })
                        .or_else(|| side(&new.file, format!("/{}", sec.name)));
                    let message = format!("{what} `{label}` was removed");
                    let change = Change::new(rule, Effect::Narrows, Direction::Accepts, message)
                        .with_old(side(&old_item.file, old_ptr))
                        .with_new(new_place)
                        .with_operation(label.clone());
                    found.changes.push(change);
                }
                Some(new_op) => {
                    let (Some(ni), oi) = (new_item.as_ref(), &old_item) else {
                        continue;
                    };
                    let new_ptr = format!("{}/{method}", ni.pointer);
                    let ctx = OpCtx {
                        label: &label,
                        old_file: &oi.file,
                        new_file: &ni.file,
                        old_tpl,
                        new_tpl: new_entry.map_or(old_tpl, |(t, _)| t),
                        sends: if sec.webhook {
                            Direction::Produces
                        } else {
                            Direction::Accepts
                        },
                    };
                    let old_side = OpSide {
                        walk: &mut *old,
                        item: old_node,
                        op: old_op,
                        ptr: &old_ptr,
                        security: old_security,
                    };
                    let new_side = OpSide {
                        walk: &mut *new,
                        item: new_node.unwrap_or(old_node),
                        op: new_op,
                        ptr: &new_ptr,
                        security: new_security,
                    };
                    operation(found, &ctx, old_side, new_side)?;
                }
            }
        }
    }
    Ok(())
}

/// The operations only the new version has.
fn added(
    found: &mut Found,
    old: &mut Walk<'_>,
    new: &mut Walk<'_>,
    sec: &Section,
) -> Result<(), CompatError> {
    for (key, (new_tpl, new_item)) in &sec.new_paths {
        let new_item = sec.path_item(new, new_tpl, new_item)?;
        let Some(new_node) = new_item.node() else {
            continue;
        };
        let old_node = sec.old_paths.get(key);
        for method in METHODS {
            if new_node.get(method).is_none() {
                continue;
            }
            // An old path item behind a `$ref` is resolved for the check.
            let existed = match old_node {
                Some((tpl, n)) => sec
                    .path_item(old, tpl, n)?
                    .node()
                    .is_some_and(|n| n.get(method).is_some()),
                None => false,
            };
            if !existed {
                let label = op_label(method, new_tpl, sec.webhook);
                found.changes.push(
                    Change::new(
                        "operation-added",
                        Effect::Widens,
                        Direction::Accepts,
                        format!("operation `{label}` was added"),
                    )
                    .with_old(side(&old.file, format!("/{}", sec.name)))
                    .with_new(side(
                        &new_item.file,
                        format!("{}/{method}", new_item.pointer),
                    ))
                    .with_operation(label),
                );
            }
        }
    }
    Ok(())
}
