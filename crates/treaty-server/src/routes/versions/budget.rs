//! The node budget of an uploaded bundle: what one publish may cost in
//! memory. Bytes alone do not bound it: a 31 MiB bundle of 16 million small
//! nodes became gigabytes of trees. The files are counted by reading them as
//! the engine will, one at a time and with the budget left as the parser's
//! node limit, so counting never holds more than the budget.

use treaty_compat::Format;
use treaty_syntax::{Limits, Node, SourceId, SyntaxErrorKind, Value};

/// The refusal when the files of a bundle hold more than `budget` nodes
/// together (mapping keys included, aliases expanded), else `None`. A file
/// that cannot be read at all is left to the engine, which says why as it
/// always has. Protobuf files are not trees of nodes and are not counted.
pub(super) fn over_budget<'a>(
    files: impl IntoIterator<Item = &'a String>,
    format: Format,
    budget: usize,
) -> Option<String> {
    if format == Format::Protobuf {
        return None;
    }
    let refusal = || {
        Some(format!(
            "the bundle has more than {budget} nodes (values, keys and items, over all its files): the broker accepts at most that many in one bundle"
        ))
    };
    let mut used = 0usize;
    for text in files {
        let left = budget.saturating_sub(used);
        // Past the engine's own per-file limit, the engine's refusal is the
        // one that applies.
        let counted_here = left < Limits::SCHEMA_FILE.max_nodes;
        let limits = Limits {
            max_nodes: left.min(Limits::SCHEMA_FILE.max_nodes),
            ..Limits::SCHEMA_FILE
        };
        match treaty_syntax::parse(text, SourceId(0), &limits) {
            Ok(tree) => used = used.saturating_add(nodes_in(&tree)),
            Err(e)
                if counted_here
                    && e.kind == SyntaxErrorKind::Limit
                    && e.message.ends_with(" nodes") =>
            {
                return refusal();
            }
            Err(_) => {}
        }
        if used > budget {
            return refusal();
        }
    }
    None
}

/// Nodes in a tree, as the parser counts them; without recursion, since a
/// tree may be as deep as the limits allow.
fn nodes_in(tree: &Node) -> usize {
    let mut count = 0usize;
    let mut pending = vec![tree];
    while let Some(node) = pending.pop() {
        count += 1;
        match &node.value {
            Value::Scalar(_) => {}
            Value::Seq(items) => pending.extend(items),
            Value::Map(entries) => {
                for (key, value) in entries {
                    pending.push(key);
                    pending.push(value);
                }
            }
        }
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(texts: &[&str]) -> Vec<String> {
        texts.iter().map(|t| t.to_string()).collect()
    }

    #[test]
    fn counts_keys_values_and_items_over_all_files() {
        // {"a":[1,2]}: the map, its key, the array, two items: 5 nodes.
        let two = files(&[r#"{"a":[1,2]}"#, r#"{"a":[1,2]}"#]);
        assert_eq!(over_budget(&two, Format::JsonSchema, 10), None);
        assert!(
            over_budget(&two, Format::JsonSchema, 9)
                .is_some_and(|m| m.contains("more than 9 nodes"))
        );
    }

    #[test]
    fn a_file_over_the_budget_is_refused_while_it_is_read() {
        let big = format!("[{}0]", "0,".repeat(10_000));
        let refused = over_budget(&files(&[&big]), Format::OpenApi, 100);
        assert!(refused.is_some_and(|m| m.contains("more than 100 nodes")));
    }

    #[test]
    fn unreadable_files_and_protobuf_are_left_to_the_engine() {
        assert_eq!(over_budget(&files(&["{"]), Format::JsonSchema, 1), None);
        assert_eq!(
            over_budget(&files(&["syntax = \"proto3\";"]), Format::Protobuf, 0),
            None
        );
    }
}
