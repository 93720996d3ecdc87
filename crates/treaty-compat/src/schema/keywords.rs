//! Which keywords a schema object writes, found in one pass over its
//! entries: reading a schema asks for some forty keywords, most of them
//! absent, and scanning the entries for each cost more than building the
//! schema.

use treaty_syntax::Node;

/// A schema object and the set of the keywords it writes.
#[derive(Debug, Clone, Copy)]
pub(super) struct Keywords<'n> {
    node: &'n Node,
    /// One bit per keyword of [`bit`] present.
    present: u64,
}

impl<'n> Keywords<'n> {
    /// The keywords of `node` (none if it is not a mapping).
    pub(super) fn of(node: &'n Node) -> Keywords<'n> {
        let present = node
            .as_map()
            .unwrap_or_default()
            .iter()
            .filter_map(|(k, _)| bit(&k.as_scalar()?.text))
            .fold(0, |set, b| set | b);
        Keywords { node, present }
    }

    /// The value of keyword `key`, as [`Node::get`] finds it.
    #[inline]
    pub(super) fn get(&self, key: &str) -> Option<&'n Node> {
        match bit(key) {
            Some(b) if self.present & b == 0 => None,
            _ => self.node.get(key),
        }
    }
}

/// The bit of a keyword read when building a schema (`None`: not one of
/// them, always looked up).
#[inline]
fn bit(key: &str) -> Option<u64> {
    let i = match key {
        "$ref" => 0,
        "type" => 1,
        "nullable" => 2,
        "enum" => 3,
        "const" => 4,
        "format" => 5,
        "pattern" => 6,
        "title" => 7,
        "multipleOf" => 8,
        "minimum" => 9,
        "exclusiveMinimum" => 10,
        "maximum" => 11,
        "exclusiveMaximum" => 12,
        "minLength" => 13,
        "maxLength" => 14,
        "minItems" => 15,
        "maxItems" => 16,
        "minProperties" => 17,
        "maxProperties" => 18,
        "uniqueItems" => 19,
        "readOnly" => 20,
        "writeOnly" => 21,
        "deprecated" => 22,
        "default" => 23,
        "discriminator" => 24,
        "required" => 25,
        "properties" => 26,
        "patternProperties" => 27,
        "additionalProperties" => 28,
        "unevaluatedProperties" => 29,
        "dependencies" => 30,
        "dependentRequired" => 31,
        "dependentSchemas" => 32,
        "items" => 33,
        "additionalItems" => 34,
        "prefixItems" => 35,
        "unevaluatedItems" => 36,
        "contains" => 37,
        "minContains" => 38,
        "maxContains" => 39,
        "oneOf" => 40,
        "anyOf" => 41,
        "allOf" => 42,
        "not" => 43,
        "if" => 44,
        "then" => 45,
        "else" => 46,
        _ => return None,
    };
    Some(1 << i)
}

#[cfg(test)]
mod tests {
    use treaty_syntax::{Limits, SourceId, parse};

    use super::Keywords;

    #[test]
    fn finds_what_node_get_finds() -> Result<(), treaty_syntax::SyntaxError> {
        let node = parse(
            r#"{"type": "string", "x-other": 1, "else": true}"#,
            SourceId(0),
            &Limits::SCHEMA_FILE,
        )?;
        let kw = Keywords::of(&node);
        for key in ["type", "x-other", "else", "format", "then", "missing"] {
            assert_eq!(kw.get(key), node.get(key), "{key}");
        }
        Ok(())
    }
}
