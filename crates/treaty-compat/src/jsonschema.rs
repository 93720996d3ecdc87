//! A JSON Schema that describes data (a data contract): `backward` means
//! every document valid under the old schema is valid under the new one,
//! `forward` the reverse, as schema registries define them. The schema is
//! compared in the direction of what a reader accepts, and the level of a
//! change is the set arithmetic alone (see [`crate::Change::data_contract`]).
//!
//! One thing is left to the contract's owner: whether producers send
//! properties an open content model does not declare
//! ([`UndeclaredProperties`]).

use std::fmt;
use std::str::FromStr;

use crate::change::{Change, Direction};
use crate::compare::SchemaComparer;
use crate::document::{CompatError, Loaded};
use crate::format::or_list;
use crate::schema::{Dialect, Normalizer};
use treaty_syntax::Node;

/// How a data contract judges the properties an open content model (no
/// `additionalProperties`, or `true`) does not declare.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum UndeclaredProperties {
    /// Documents may carry any undeclared property, as the specification
    /// says: declaring a new property on an open model narrows it (a
    /// document with that name and another value was valid), and removing
    /// one widens it. Schema registries judge so too.
    #[default]
    Strict,
    /// Producers are trusted never to send undeclared properties: adding a
    /// property to an open model, or removing one, breaks nobody.
    Lenient,
}

impl UndeclaredProperties {
    /// Both, in the order messages list them.
    pub const ALL: [UndeclaredProperties; 2] =
        [UndeclaredProperties::Strict, UndeclaredProperties::Lenient];

    /// The name written in `undeclared_properties:`: `strict` or `lenient`.
    pub fn as_str(self) -> &'static str {
        match self {
            UndeclaredProperties::Strict => "strict",
            UndeclaredProperties::Lenient => "lenient",
        }
    }
}

impl fmt::Display for UndeclaredProperties {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for UndeclaredProperties {
    type Err = String;

    fn from_str(s: &str) -> Result<UndeclaredProperties, String> {
        UndeclaredProperties::ALL
            .into_iter()
            .find(|u| u.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "unknown treatment of undeclared properties `{s}`: expected {}",
                    or_list(&UndeclaredProperties::ALL.map(UndeclaredProperties::as_str))
                )
            })
    }
}

/// Normalises both schemas and compares them as data a reader accepts.
pub fn diff(
    old: Loaded<'_>,
    new: Loaded<'_>,
    undeclared: UndeclaredProperties,
) -> Result<Vec<Change>, CompatError> {
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
    let mut cmp = SchemaComparer::new(&old_arena, &new_arena).for_data(undeclared);
    cmp.compare_root(o, n, Direction::Accepts, None, &root_name);
    cmp.attribute();
    let mut changes = cmp.changes;
    for c in &mut changes {
        c.data_contract = true;
    }
    Ok(changes)
}
