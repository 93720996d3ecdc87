//! Reading [`Node`](crate::Node) trees into Rust types with serde, with
//! errors that carry the span of the offending node and "did you mean"
//! hints, and [`Spanned`] values that remember where they were.

mod deserializer;
mod error;
mod hint;
mod spanned;

pub use deserializer::from_node;
pub use error::{DeError, DeErrorKind};
pub use hint::did_you_mean;
pub use spanned::Spanned;

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
