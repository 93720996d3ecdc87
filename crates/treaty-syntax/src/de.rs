//! A serde deserializer over [`Node`] trees whose errors carry the span of
//! the offending node, and [`Spanned`] values that remember where they were.

use std::fmt;

use serde::de::{self, DeserializeSeed, IntoDeserializer, Visitor};

use crate::{Diagnostic, Node, Resolved, Span, Value};

/// What kind of mistake a [`DeError`] reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeErrorKind {
    UnknownField,
    MissingField,
    InvalidType,
    InvalidValue,
}

impl DeErrorKind {
    pub fn code(self) -> &'static str {
        match self {
            DeErrorKind::UnknownField => "unknown-field",
            DeErrorKind::MissingField => "missing-field",
            DeErrorKind::InvalidType => "invalid-type",
            DeErrorKind::InvalidValue => "invalid-value",
        }
    }
}

/// A node that does not fit the expected type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct DeError {
    pub kind: DeErrorKind,
    pub message: String,
    pub hint: Option<String>,
    pub span: Option<Span>,
}

impl DeError {
    fn new(kind: DeErrorKind, message: String) -> DeError {
        DeError {
            kind,
            message,
            hint: None,
            span: None,
        }
    }

    /// Attaches `span` unless a more precise (inner) one is already set.
    fn or_span(mut self, span: Span) -> DeError {
        self.span.get_or_insert(span);
        self
    }

    pub fn to_diagnostic(&self) -> Diagnostic {
        let mut d = Diagnostic::error(self.kind.code(), self.message.clone());
        if let Some(span) = self.span {
            d = d.at(span);
        }
        if let Some(hint) = &self.hint {
            d = d.with_hint(hint.clone());
        }
        d
    }
}

/// The closest candidate to `word`, if it is close enough to be a typo.
pub fn did_you_mean<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| (strsim::jaro_winkler(word, c), *c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

fn one_of(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl de::Error for DeError {
    fn custom<T: fmt::Display>(msg: T) -> DeError {
        DeError::new(DeErrorKind::InvalidValue, msg.to_string())
    }

    fn invalid_type(unexp: de::Unexpected<'_>, exp: &dyn de::Expected) -> DeError {
        DeError::new(
            DeErrorKind::InvalidType,
            format!(
                "expected {}, found {}",
                plain_expected(exp),
                describe(unexp)
            ),
        )
    }

    fn invalid_value(unexp: de::Unexpected<'_>, exp: &dyn de::Expected) -> DeError {
        DeError::new(
            DeErrorKind::InvalidValue,
            format!("invalid value {}: expected {exp}", describe(unexp)),
        )
    }

    fn unknown_variant(variant: &str, expected: &'static [&'static str]) -> DeError {
        let mut e = DeError::new(
            DeErrorKind::InvalidValue,
            format!("unknown value `{variant}`"),
        );
        e.hint = Some(match did_you_mean(variant, expected) {
            Some(m) => format!("did you mean `{m}`?"),
            None => format!("expected one of {}", one_of(expected)),
        });
        e
    }

    fn unknown_field(field: &str, expected: &'static [&'static str]) -> DeError {
        let mut e = DeError::new(
            DeErrorKind::UnknownField,
            format!("unknown field `{field}`"),
        );
        e.hint = Some(match did_you_mean(field, expected) {
            Some(m) => format!("did you mean `{m}`?"),
            None if expected.is_empty() => "no fields are allowed here".to_owned(),
            None => format!("expected one of {}", one_of(expected)),
        });
        e
    }

    fn missing_field(field: &'static str) -> DeError {
        DeError::new(
            DeErrorKind::MissingField,
            format!("missing required field `{field}`"),
        )
    }

    fn duplicate_field(field: &'static str) -> DeError {
        DeError::new(
            DeErrorKind::InvalidValue,
            format!("field `{field}` is given twice"),
        )
    }
}

/// serde names primitive types as Rust does (`u32`); users read YAML.
fn plain_expected(exp: &dyn de::Expected) -> String {
    let text = exp.to_string();
    match text.as_str() {
        "u8" | "u16" | "u32" | "u64" | "u128" | "usize" => {
            "a whole number of at least 0".to_owned()
        }
        "i8" | "i16" | "i32" | "i64" | "i128" | "isize" => "a whole number".to_owned(),
        "f32" | "f64" => "a number".to_owned(),
        "a boolean" => "`true` or `false`".to_owned(),
        _ => text,
    }
}

fn describe(u: de::Unexpected<'_>) -> String {
    match u {
        de::Unexpected::Str(s) => format!("the string `{s}`"),
        de::Unexpected::Unit => "null".to_owned(),
        de::Unexpected::Map => "a mapping".to_owned(),
        de::Unexpected::Seq => "a sequence".to_owned(),
        other => other.to_string(),
    }
}

/// Deserializes `T` from a node; errors carry the span of the node at fault.
pub fn from_node<'de, T: de::Deserialize<'de>>(node: &'de Node) -> Result<T, DeError> {
    T::deserialize(NodeDeserializer { node }).map_err(|e| e.or_span(node.span))
}

struct NodeDeserializer<'de> {
    node: &'de Node,
}

impl<'de> NodeDeserializer<'de> {
    fn resolved(&self) -> Option<Resolved<'de>> {
        match &self.node.value {
            Value::Scalar(s) => Some(s.resolve()),
            _ => None,
        }
    }

    fn unexpected(&self) -> de::Unexpected<'de> {
        match &self.node.value {
            Value::Seq(_) => de::Unexpected::Seq,
            Value::Map(_) => de::Unexpected::Map,
            Value::Scalar(s) => match s.resolve() {
                Resolved::Null => de::Unexpected::Unit,
                Resolved::Bool(b) => de::Unexpected::Bool(b),
                Resolved::Int(i) => de::Unexpected::Signed(i),
                Resolved::UInt(u) => de::Unexpected::Unsigned(u),
                Resolved::Float(f) => de::Unexpected::Float(f),
                Resolved::Str(s) => de::Unexpected::Str(s),
            },
        }
    }

    fn wrong<V>(&self, exp: &dyn de::Expected) -> Result<V, DeError> {
        Err(<DeError as de::Error>::invalid_type(self.unexpected(), exp).or_span(self.node.span))
    }
}

macro_rules! forward_to_any {
    ($($method:ident)*) => {
        $(fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
            self.deserialize_any(visitor)
        })*
    };
}

impl<'de> de::Deserializer<'de> for NodeDeserializer<'de> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let span = self.node.span;
        let result = match &self.node.value {
            Value::Scalar(s) => match s.resolve() {
                Resolved::Null => visitor.visit_unit(),
                Resolved::Bool(b) => visitor.visit_bool(b),
                Resolved::Int(i) => visitor.visit_i64(i),
                Resolved::UInt(u) => visitor.visit_u64(u),
                Resolved::Float(f) => visitor.visit_f64(f),
                Resolved::Str(s) => visitor.visit_borrowed_str(s),
            },
            Value::Seq(items) => visitor.visit_seq(SeqAccess {
                items: items.iter(),
            }),
            Value::Map(entries) => visitor.visit_map(MapAccess {
                entries: entries.iter(),
                value: None,
            }),
        };
        result.map_err(|e| e.or_span(span))
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        // Any non-null scalar reads as its text where a string is expected,
        // so `version: 1.10` or `name: 2026` mean what the user wrote.
        match &self.node.value {
            Value::Scalar(s) if !matches!(s.resolve(), Resolved::Null) => visitor
                .visit_borrowed_str(&s.text)
                .map_err(|e: DeError| e.or_span(self.node.span)),
            _ => self.wrong(&visitor),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.resolved() {
            Some(Resolved::Bool(b)) => visitor
                .visit_bool(b)
                .map_err(|e: DeError| e.or_span(self.node.span)),
            _ => self.wrong(&visitor),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.resolved() {
            Some(Resolved::Null) => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.resolved() {
            Some(Resolved::Null) => visitor.visit_unit(),
            _ => self.wrong(&visitor),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match &self.node.value {
            Value::Seq(_) => self.deserialize_any(visitor),
            _ => self.wrong(&visitor),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match &self.node.value {
            Value::Map(_) => self.deserialize_any(visitor),
            _ => self.wrong(&visitor),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        if name == SPANNED_NAME {
            return visitor.visit_map(SpannedAccess {
                node: self.node,
                step: 0,
            });
        }
        self.deserialize_map(visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        let span = self.node.span;
        match &self.node.value {
            Value::Scalar(s) if !matches!(s.resolve(), Resolved::Null) => visitor
                .visit_enum(s.text.as_str().into_deserializer())
                .map_err(|e: DeError| e.or_span(span)),
            Value::Map(entries) if entries.len() == 1 => {
                let (k, v) = &entries[0];
                visitor
                    .visit_enum(EnumAccess { key: k, value: v })
                    .map_err(|e| e.or_span(span))
            }
            _ => self.wrong(&visitor),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_unit()
    }

    forward_to_any! {
        deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64 deserialize_i128
        deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64 deserialize_u128
        deserialize_f32 deserialize_f64 deserialize_char deserialize_bytes deserialize_byte_buf
    }
}

struct SeqAccess<'de> {
    items: std::slice::Iter<'de, Node>,
}

impl<'de> de::SeqAccess<'de> for SeqAccess<'de> {
    type Error = DeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DeError> {
        match self.items.next() {
            None => Ok(None),
            Some(node) => seed
                .deserialize(NodeDeserializer { node })
                .map(Some)
                .map_err(|e| e.or_span(node.span)),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

struct MapAccess<'de> {
    entries: std::slice::Iter<'de, (Node, Node)>,
    value: Option<&'de Node>,
}

impl<'de> de::MapAccess<'de> for MapAccess<'de> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        match self.entries.next() {
            None => Ok(None),
            Some((k, v)) => {
                self.value = Some(v);
                seed.deserialize(NodeDeserializer { node: k })
                    .map(Some)
                    .map_err(|e| e.or_span(k.span))
            }
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        match self.value.take() {
            Some(node) => seed
                .deserialize(NodeDeserializer { node })
                .map_err(|e| e.or_span(node.span)),
            None => Err(DeError::new(
                DeErrorKind::InvalidValue,
                "value requested before key".to_owned(),
            )),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

struct EnumAccess<'de> {
    key: &'de Node,
    value: &'de Node,
}

impl<'de> de::EnumAccess<'de> for EnumAccess<'de> {
    type Error = DeError;
    type Variant = NodeDeserializer<'de>;

    fn variant_seed<V: DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> Result<(V::Value, Self::Variant), DeError> {
        let v = seed
            .deserialize(NodeDeserializer { node: self.key })
            .map_err(|e| e.or_span(self.key.span))?;
        Ok((v, NodeDeserializer { node: self.value }))
    }
}

impl<'de> de::VariantAccess<'de> for NodeDeserializer<'de> {
    type Error = DeError;

    fn unit_variant(self) -> Result<(), DeError> {
        de::Deserialize::deserialize(self)
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, DeError> {
        seed.deserialize(self)
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, DeError> {
        de::Deserializer::deserialize_seq(self, visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        de::Deserializer::deserialize_map(self, visitor)
    }
}

const SPANNED_NAME: &str = "$__treaty_spanned";
const SPANNED_FIELDS: &[&str] = &["$__file", "$__start", "$__end", "$__value"];

/// A value and the span it was read from. Only [`from_node`] fills in the
/// span; other deserializers are refused.
#[derive(Clone, Copy)]
pub struct Spanned<T> {
    pub value: T,
    pub span: Span,
}

impl<T> Spanned<T> {
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

struct SpannedAccess<'de> {
    node: &'de Node,
    step: usize,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Limits, SourceId, parse};
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Team {
        id: Spanned<String>,
        #[serde(default)]
        members: Vec<String>,
        size: Option<u32>,
        kind: Option<Kind>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "snake_case")]
    enum Kind {
        Stream,
        Platform,
    }

    fn read(text: &str) -> Result<Team, DeError> {
        let node = parse(text, SourceId(0), &Limits::CONTRACT_FILE).map_err(|e| DeError {
            kind: DeErrorKind::InvalidValue,
            message: e.message,
            hint: None,
            span: None,
        })?;
        // The tree must outlive the borrow; leak-free by deserializing owned values.
        from_node::<Team>(&node)
    }

    #[test]
    fn spans_are_recorded() -> Result<(), DeError> {
        let t = read("id: payments\nmembers: [a]\n")?;
        assert_eq!(t.id.value, "payments");
        assert_eq!((t.id.span.start, t.id.span.end), (4, 12));
        assert_eq!(t.members, vec!["a".to_owned()]);
        assert_eq!(t.size, None);
        Ok(())
    }

    #[test]
    fn unknown_fields_suggest_the_closest() {
        let e = read("id: x\nmembrs: []\n").err();
        let e = e.as_ref();
        assert_eq!(e.map(|e| e.kind), Some(DeErrorKind::UnknownField));
        assert_eq!(
            e.and_then(|e| e.hint.as_deref()),
            Some("did you mean `members`?")
        );
        assert_eq!(e.and_then(|e| e.span).map(|s| s.start), Some(6));
    }

    #[test]
    fn wrong_types_point_at_the_value() {
        let e = read("id: x\nsize: many\n").err();
        assert_eq!(e.as_ref().map(|e| e.kind), Some(DeErrorKind::InvalidType));
        assert_eq!(e.and_then(|e| e.span).map(|s| s.start), Some(12));
    }

    #[test]
    fn unknown_variants_suggest_the_closest() {
        let e = read("id: x\nkind: platfrom\n").err();
        assert_eq!(
            e.and_then(|e| e.hint),
            Some("did you mean `platform`?".to_owned())
        );
        assert_eq!(
            read("id: x\nkind: stream\n").ok().and_then(|t| t.kind),
            Some(Kind::Stream)
        );
    }

    #[test]
    fn missing_fields_are_reported() {
        let e = read("members: []\n").err();
        assert_eq!(e.map(|e| e.kind), Some(DeErrorKind::MissingField));
    }
}
