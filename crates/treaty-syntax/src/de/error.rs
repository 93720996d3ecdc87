//! [`DeError`]: what went wrong reading a node as a Rust type, where, and
//! how to fix it, in words a YAML author reads (not serde's Rust names).

use std::fmt;

use serde::de;

use super::hint::{did_you_mean, one_of};
use crate::{Diagnostic, Span};

/// What kind of mistake a [`DeError`] reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeErrorKind {
    /// A mapping key the type does not have (`deny_unknown_fields`).
    UnknownField,
    /// A required key is absent.
    MissingField,
    /// The node is the wrong shape or type (a string where a number goes).
    InvalidType,
    /// The node has the right type but a value the type refuses (an
    /// unknown enum variant, a duplicate field, a custom check).
    InvalidValue,
}

impl DeErrorKind {
    /// The diagnostic code users see (`unknown-field`).
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
    /// What kind of mistake it is; decides the diagnostic code.
    pub kind: DeErrorKind,
    /// One sentence for the user, in YAML terms (`expected a whole number`).
    pub message: String,
    /// How to fix it: a "did you mean" or the accepted values.
    pub hint: Option<String>,
    /// The innermost node at fault; `None` only for errors made outside
    /// [`from_node`](crate::from_node).
    pub span: Option<Span>,
}

impl DeError {
    pub(super) fn new(kind: DeErrorKind, message: String) -> DeError {
        DeError {
            kind,
            message,
            hint: None,
            span: None,
        }
    }

    /// Attaches `span` unless a more precise (inner) one is already set.
    pub(super) fn or_span(mut self, span: Span) -> DeError {
        self.span.get_or_insert(span);
        self
    }

    /// Turns the error into the diagnostic users see, with its span and hint.
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
