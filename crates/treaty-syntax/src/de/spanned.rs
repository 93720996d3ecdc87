//! [`Spanned<T>`]: a value that remembers where in the file it was read.
//!
//! serde has no notion of positions, so [`from_node`](super::from_node)
//! recognises a private struct name and hands the span over as extra
//! fields before the value; any other deserializer is refused.

use std::fmt;

use serde::de::{self, DeserializeSeed, IntoDeserializer, Visitor};

use super::deserializer::NodeDeserializer;
use super::error::DeError;
use crate::{Node, Span};

/// The struct name [`NodeDeserializer`] recognises; no user type is named so.
pub(super) const SPANNED_NAME: &str = "$__treaty_spanned";
/// The span's file, start and end, then the value, in that order.
const SPANNED_FIELDS: &[&str] = &["$__file", "$__start", "$__end", "$__value"];

/// A value and the span it was read from. Only [`from_node`](crate::from_node) fills in the
/// span; other deserializers are refused.
#[derive(Clone, Copy)]
pub struct Spanned<T> {
    /// The value read.
    pub value: T,
    /// Where in the file the value's node is.
    pub span: Span,
}

impl<T> Spanned<T> {
    /// Pairs a value with a span, for values built in code (tests, defaults).
    pub fn new(value: T, span: Span) -> Spanned<T> {
        Spanned { value, span }
    }
}

impl<T> std::ops::Deref for Spanned<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T: fmt::Debug> fmt::Debug for Spanned<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.value.fmt(f)
    }
}

impl<T: fmt::Display> fmt::Display for Spanned<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.value.fmt(f)
    }
}

/// Equality ignores the span: two values read from different places are
/// the same value.
impl<T: PartialEq> PartialEq for Spanned<T> {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

impl<T: Eq> Eq for Spanned<T> {}

impl<T: std::hash::Hash> std::hash::Hash for Spanned<T> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.value.hash(state);
    }
}

impl<T: serde::Serialize> serde::Serialize for Spanned<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.value.serialize(s)
    }
}

impl<'de, T: de::Deserialize<'de>> de::Deserialize<'de> for Spanned<T> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Spanned<T>, D::Error> {
        struct SpannedVisitor<T>(std::marker::PhantomData<T>);

        impl<'de, T: de::Deserialize<'de>> Visitor<'de> for SpannedVisitor<T> {
            type Value = Spanned<T>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a value read from a Treaty syntax tree")
            }

            fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Spanned<T>, A::Error> {
                let mut nums = [0u32; 3];
                for slot in &mut nums {
                    let _key: de::IgnoredAny = map
                        .next_key()?
                        .ok_or_else(|| de::Error::custom("span expected"))?;
                    *slot = map.next_value()?;
                }
                let _key: de::IgnoredAny = map
                    .next_key()?
                    .ok_or_else(|| de::Error::custom("value expected"))?;
                let value = map.next_value()?;
                Ok(Spanned {
                    value,
                    span: Span {
                        file: crate::SourceId(nums[0]),
                        start: nums[1],
                        end: nums[2],
                    },
                })
            }
        }

        d.deserialize_struct(
            SPANNED_NAME,
            SPANNED_FIELDS,
            SpannedVisitor(std::marker::PhantomData),
        )
    }
}

#[cfg(feature = "schemars")]
impl<T: schemars::JsonSchema> schemars::JsonSchema for Spanned<T> {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        T::schema_name()
    }

    fn schema_id() -> std::borrow::Cow<'static, str> {
        T::schema_id()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        T::json_schema(generator)
    }

    fn inline_schema() -> bool {
        T::inline_schema()
    }
}

/// Presents a node as the span fields then the value, for [`Spanned`].
pub(super) struct SpannedAccess<'de> {
    pub(super) node: &'de Node,
    pub(super) step: usize,
}

impl<'de> de::MapAccess<'de> for SpannedAccess<'de> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        match SPANNED_FIELDS.get(self.step) {
            Some(name) => seed.deserialize((*name).into_deserializer()).map(Some),
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        let span = self.node.span;
        self.step += 1;
        match self.step {
            1 => seed.deserialize(span.file.0.into_deserializer()),
            2 => seed.deserialize(span.start.into_deserializer()),
            3 => seed.deserialize(span.end.into_deserializer()),
            _ => seed.deserialize(NodeDeserializer { node: self.node }),
        }
    }
}
