//! How each change is reached: the graph of compared pairs (a schema of
//! the old version beside one of the new), walked up from the pairs that
//! hold changes to the roots (operations, messages, the document itself).
//!
//! A shared or recursive schema is compared once, so one change may sit
//! beneath many roots and many fields. Walking up gives every change
//! - the operations that reach it ([`Change::operations`]),
//! - every schema and field above it ([`Change::within`]), so that a
//!   consumer who uses `OrderPlaced.lines` is told of a change to
//!   `OrderLine.quantity` beneath it,
//! - the shortest way down from a root ([`Change::route`]), which names it
//!   as a reader of the operation sees it.
//!
//! Both comparers (JSON Schema and Avro) build this graph; neither knows
//! how attribution works beyond entering and leaving pairs.

use std::collections::{HashMap, HashSet, VecDeque};
use std::hash::Hash;
use std::sync::Arc;

use rustc_hash::FxHashMap;

use crate::change::{Change, Direction, Route, Side};

/// One compared pair.
#[derive(Debug)]
struct PairNode<K> {
    /// The name changes on the pair are reported under (a named schema's
    /// own name, or the field it was first reached as).
    label: Arc<str>,
    /// Each pair this one was reached from, with the field name it was
    /// reached as from there (`Order.lines`, `Order.lines[]`).
    parents: Vec<(K, Arc<str>)>,
    /// Changes found on the pair itself.
    changes: Vec<usize>,
}

/// The pairs compared so far, how they lead to each other, and the roots.
#[derive(Debug)]
pub(crate) struct PairGraph<K> {
    /// Looked up for every pair entered: FxHash, not SipHash.
    nodes: FxHashMap<K, PairNode<K>>,
    /// Pairs being compared, innermost last.
    stack: Vec<K>,
    /// Root pairs, the operation (if any) that reached each, and the name
    /// the root was compared as (`request body (application/json)`).
    roots: Vec<(K, Option<String>, Arc<str>)>,
}

impl<K> Default for PairGraph<K> {
    fn default() -> Self {
        PairGraph {
            nodes: FxHashMap::default(),
            stack: Vec::new(),
            roots: Vec::new(),
        }
    }
}

impl<K: Copy + Eq + Hash> PairGraph<K> {
    /// Records that the pair being compared leads to `key`, reached as
    /// `field`. True when `key` is new: the caller compares it, between
    /// this call and [`PairGraph::leave`]. A pair done or in progress
    /// (recursion) is only linked.
    pub(crate) fn enter(&mut self, key: K, field: &str) -> bool {
        let field: Arc<str> = Arc::from(field);
        let parent = self.stack.last().copied();
        let new = !self.nodes.contains_key(&key);
        let node = self.nodes.entry(key).or_insert_with(|| PairNode {
            label: field.clone(),
            parents: Vec::new(),
            changes: Vec::new(),
        });
        if let Some(parent) = parent {
            node.parents.push((parent, field));
        }
        if new {
            self.stack.push(key);
        }
        new
    }

    /// Names the pair being compared (a named schema reports under its
    /// own name rather than the field it was reached as).
    pub(crate) fn name(&mut self, label: &str) {
        if let Some(node) = self.stack.last().and_then(|k| self.nodes.get_mut(k))
            && &*node.label != label
        {
            node.label = Arc::from(label);
        }
    }

    /// Ends the comparison of the pair entered last.
    pub(crate) fn leave(&mut self) {
        self.stack.pop();
    }

    /// Records that change `index` was found on the pair being compared.
    pub(crate) fn note(&mut self, index: usize) {
        if let Some(node) = self.stack.last().and_then(|k| self.nodes.get_mut(k)) {
            node.changes.push(index);
        }
    }

    /// The pair each change was found on, by the change's index.
    pub(crate) fn pair_of_changes(&self) -> HashMap<usize, K> {
        self.nodes
            .iter()
            .flat_map(|(key, node)| node.changes.iter().map(move |&i| (i, *key)))
            .collect()
    }

    /// Records `key` as a root, reached by `operation` (if any) and
    /// compared as `field`.
    pub(crate) fn root(&mut self, key: K, operation: Option<&str>, field: &str) {
        self.roots
            .push((key, operation.map(str::to_owned), Arc::from(field)));
    }

    /// Gives every change its operations, the schemas and fields above it
    /// and its shortest route from a root, walking up from the (few) pairs
    /// with changes rather than down from the (many) roots.
    pub(crate) fn attribute(&self, changes: &mut [Change]) {
        let mut roots_of: RootsOf<'_, K> = HashMap::new();
        for (key, op, field) in &self.roots {
            roots_of
                .entry(*key)
                .or_default()
                .push((op.as_deref(), field));
        }
        for (start, node) in &self.nodes {
            if node.changes.is_empty() {
                continue;
            }
            let up = self.walk_up(*start, &roots_of);
            for &index in &node.changes {
                let Some(change) = changes.get_mut(index) else {
                    continue;
                };
                change.operations.extend(up.operations.iter().cloned());
                change.within = up.within.clone();
                change.route = up.route.as_ref().map(|(operation, path)| Route {
                    operation: operation.clone(),
                    path: format!("{path}{}", suffix(change.field.as_deref(), &node.label)),
                });
            }
        }
    }

    /// Breadth first from `start` to every root above it.
    fn walk_up(&self, start: K, roots_of: &RootsOf<'_, K>) -> Up {
        let mut up = Up::default();
        let mut within: HashSet<Arc<str>> = HashSet::new();
        // For each pair reached: the pair below it it was reached from,
        // and the field that pair is called from it.
        let mut below: HashMap<K, Option<(K, Arc<str>)>> = HashMap::from([(start, None)]);
        let mut todo = VecDeque::from([(start, 0usize)]);
        let mut nearest: Option<(usize, Option<&str>, K, &Arc<str>)> = None;
        while let Some((key, depth)) = todo.pop_front() {
            let Some(node) = self.nodes.get(&key) else {
                continue;
            };
            within.insert(node.label.clone());
            if let Some(found) = roots_of.get(&key) {
                for &(op, field) in found {
                    if let Some(op) = op {
                        up.operations.push(op.to_owned());
                    }
                    // The root's own name (an AsyncAPI message's) is above
                    // the change too.
                    within.insert(field.clone());
                }
                // The nearest root; among roots as near, the first
                // operation by name.
                for &(op, field) in found {
                    if nearest.is_none_or(|(d, o, _, _)| (depth, op) < (d, o)) {
                        nearest = Some((depth, op, key, field));
                    }
                }
            }
            for (parent, field) in &node.parents {
                within.insert(field.clone());
                if !below.contains_key(parent) {
                    below.insert(*parent, Some((key, field.clone())));
                    todo.push_back((*parent, depth + 1));
                }
            }
        }
        if let Some((_, op, root, field)) = nearest {
            // Without an operation, the root is named as itself (a named
            // message or document: `OrderPlaced`).
            let mut path = match (op, self.nodes.get(&root)) {
                (None, Some(node)) => node.label.to_string(),
                _ => field.to_string(),
            };
            let mut at = root;
            while let Some(Some((child, reached_as))) = below.get(&at) {
                let parent_label = self.nodes.get(&at).map(|n| &*n.label).unwrap_or("");
                path.push_str(&step(reached_as, parent_label));
                at = *child;
            }
            up.route = Some((op.map(str::to_owned), path));
        }
        up.operations.sort();
        up.operations.dedup();
        let mut within: Vec<Arc<str>> = within.into_iter().collect();
        within.sort();
        up.within = within;
        up
    }
}

/// Folds changes found again on another pair (a shared schema reached
/// through two unions, say) into the first: one finding per change, with
/// every operation and schema above either, and the shorter route.
pub(crate) fn merge_repeats(changes: &mut Vec<Change>) {
    type Key = (&'static str, Direction, String, Option<Side>, Option<Side>);
    let mut first: HashMap<Key, usize> = HashMap::new();
    let mut kept: Vec<Change> = Vec::with_capacity(changes.len());
    for change in changes.drain(..) {
        let key = (
            change.rule,
            change.direction,
            change.message.clone(),
            change.old.clone(),
            change.new.clone(),
        );
        let Some(&at) = first.get(&key) else {
            first.insert(key, kept.len());
            kept.push(change);
            continue;
        };
        let Some(into) = kept.get_mut(at) else {
            continue;
        };
        into.operations.extend(change.operations);
        for name in change.within {
            if let Err(i) = into.within.binary_search(&name) {
                into.within.insert(i, name);
            }
        }
        let shorter = match (&into.route, &change.route) {
            (Some(a), Some(b)) => {
                (b.operation.is_none(), b.path.len()) < (a.operation.is_none(), a.path.len())
            }
            (None, Some(_)) => true,
            _ => false,
        };
        if shorter {
            into.route = change.route;
        }
    }
    *changes = kept;
}

/// Each root pair: the operations that reached it and the names it was
/// compared as.
type RootsOf<'g, K> = HashMap<K, Vec<(Option<&'g str>, &'g Arc<str>)>>;

/// What walking up from one pair found.
#[derive(Default)]
struct Up {
    operations: Vec<String>,
    within: Vec<Arc<str>>,
    route: Option<(Option<String>, String)>,
}

/// The part of `field` a pair adds below its parent called `parent`
/// (`.lines`, `[]`; nothing for an alternative of a union).
fn step(field: &str, parent: &str) -> String {
    match field.strip_prefix(parent) {
        Some(rest) if rest.is_empty() || rest.starts_with(['.', '[', '{']) => rest.to_owned(),
        // Reached under a name that does not extend the parent's (a
        // named schema's own name): show the last segment.
        _ => match field.rfind('.') {
            Some(dot) => field[dot..].to_owned(),
            None => format!(".{field}"),
        },
    }
}

/// The part of a change's field below the pair it was found on
/// (`Payment.note` on the pair `Payment`: `.note`).
fn suffix(field: Option<&str>, label: &str) -> String {
    match field.and_then(|f| f.strip_prefix(label)) {
        Some(rest) if rest.starts_with(['.', '[', '{']) => rest.to_owned(),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::change::{Direction, Effect};

    fn change() -> Change {
        Change::new("type-changed", Effect::Both, Direction::Accepts, "m")
    }

    #[test]
    fn a_change_beneath_a_shared_schema_names_every_field_above_it() {
        // Order.lines[] → OrderLine (named) → OrderLine.quantity, and
        // Invoice.lines[] reaching the same OrderLine.
        let mut g = PairGraph::default();
        assert!(g.enter(1, "request body"));
        g.name("Order");
        assert!(g.enter(2, "Order.lines"));
        assert!(g.enter(3, "Order.lines[]"));
        g.name("OrderLine");
        assert!(g.enter(4, "OrderLine.quantity"));
        g.note(0);
        g.leave();
        g.leave();
        g.leave();
        g.leave();
        g.root(1, Some("POST /orders"), "request body");
        assert!(g.enter(5, "response 200"));
        g.name("Invoice");
        assert!(g.enter(6, "Invoice.lines"));
        assert!(!g.enter(3, "Invoice.lines[]"), "compared once");
        g.leave();
        g.leave();
        g.root(5, Some("GET /invoices/{id}"), "response 200");
        let mut changes = vec![change().with_field(Some("OrderLine.quantity".into()))];
        g.attribute(&mut changes);
        let c = &changes[0];
        assert_eq!(
            c.operations.iter().collect::<Vec<_>>(),
            ["GET /invoices/{id}", "POST /orders"]
        );
        let within: Vec<&str> = c.within.iter().map(|w| &**w).collect();
        for name in [
            "Order",
            "Order.lines",
            "OrderLine",
            "Invoice.lines",
            "Invoice",
        ] {
            assert!(within.contains(&name), "{name} in {within:?}");
        }
        let Some(route) = c.route.as_ref() else {
            panic!("no route: {c:?}")
        };
        // Both roots are three steps up: the first operation by name wins.
        assert_eq!(route.operation.as_deref(), Some("GET /invoices/{id}"));
        assert_eq!(route.path, "response 200.lines[].quantity");
    }

    #[test]
    fn recursion_ends_and_the_nearest_root_names_the_change() {
        let mut g = PairGraph::default();
        assert!(g.enter(1, "$"));
        g.name("Node");
        assert!(g.enter(2, "Node.children"));
        assert!(!g.enter(1, "Node.children[]"), "in progress: linked only");
        g.note(0);
        g.leave();
        g.leave();
        g.root(1, None, "Node");
        let mut changes = vec![change().with_field(Some("Node.children".into()))];
        g.attribute(&mut changes);
        let Some(route) = changes[0].route.as_ref() else {
            panic!("no route")
        };
        assert_eq!(route.operation, None);
        assert_eq!(route.path, "Node.children");
        assert!(changes[0].operations.is_empty());
    }

    #[test]
    fn a_change_found_on_two_pairs_is_reported_once() {
        let at = |path: &str, op: &str| {
            let mut c = change().with_operation(op);
            c.route = Some(Route {
                operation: Some(op.to_owned()),
                path: path.to_owned(),
            });
            c.within = vec![Arc::from(path)];
            c
        };
        let mut changes = vec![
            at("response 200.replaced_by.wallets", "GET /cards/{id}"),
            at("response 200.wallets", "POST /cards"),
            change().with_operation("GET /other"),
        ];
        changes[2].message = "another".into();
        merge_repeats(&mut changes);
        assert_eq!(changes.len(), 2);
        let merged = &changes[0];
        assert_eq!(merged.operations.len(), 2);
        assert_eq!(merged.within.len(), 2);
        assert_eq!(
            merged.route.as_ref().map(|r| r.path.as_str()),
            Some("response 200.wallets"),
            "the shorter route"
        );
    }

    #[test]
    fn steps_and_suffixes() {
        assert_eq!(step("Order.lines", "Order"), ".lines");
        assert_eq!(step("Order.lines[]", "Order.lines"), "[]");
        assert_eq!(step("Order", "Order"), "");
        assert_eq!(suffix(Some("Payment.note"), "Payment"), ".note");
        assert_eq!(suffix(Some("Payment"), "Payment"), "");
        assert_eq!(suffix(Some("PaymentX"), "Payment"), "");
    }
}
