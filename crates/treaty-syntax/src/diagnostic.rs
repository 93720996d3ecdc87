//! The one diagnostic type every layer of Treaty reports with.

use crate::Span;

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Something is wrong: the command fails.
    Error,
    /// Probably a mistake: fails `treaty validate` only with
    /// `--deny-warnings`.
    Warning,
    /// Context for the user, never a failure.
    Info,
}

impl Severity {
    /// The lowercase word shown to users and in JSON output (`error`).
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// A secondary place that explains a diagnostic ("first defined here").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    /// The place it points at.
    pub span: Span,
    /// The text printed under that place.
    pub message: String,
}

/// One finding about the user's input, with where it is and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Whether it fails the command.
    pub severity: Severity,
    /// Stable, kebab-case identifier (`unknown-team`), documented for users.
    pub code: &'static str,
    /// One sentence saying what is wrong.
    pub message: String,
    /// Where it is; `None` when it concerns a file as a whole (see `file`).
    pub span: Option<Span>,
    /// The file, for diagnostics without a span (an unreadable file).
    pub file: Option<String>,
    /// The text printed under the primary span.
    pub label: Option<String>,
    /// Other places that explain it ("first defined here").
    pub related: Vec<Label>,
    /// How to fix it ("did you mean `payments`?").
    pub hint: Option<String>,
    /// The input could not be read at all (not text, too large, malformed
    /// YAML): such diagnostics make a command exit with 2, not 1.
    pub unreadable: bool,
}

impl Diagnostic {
    /// A diagnostic with no place, label, related places or hint yet; the
    /// `with_*`, [`at`](Diagnostic::at) and [`in_file`](Diagnostic::in_file)
    /// builders add them.
    pub fn new(severity: Severity, code: &'static str, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity,
            code,
            message: message.into(),
            span: None,
            file: None,
            label: None,
            related: Vec::new(),
            hint: None,
            unreadable: false,
        }
    }

    /// A new [`Severity::Error`] diagnostic.
    pub fn error(code: &'static str, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(Severity::Error, code, message)
    }

    /// A new [`Severity::Warning`] diagnostic.
    pub fn warning(code: &'static str, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(Severity::Warning, code, message)
    }

    /// Points the diagnostic at `span`.
    pub fn at(mut self, span: Span) -> Diagnostic {
        self.span = Some(span);
        self
    }

    /// Names the file for a diagnostic about a file as a whole (no span).
    pub fn in_file(mut self, file: impl Into<String>) -> Diagnostic {
        self.file = Some(file.into());
        self
    }

    /// Sets the text printed under the primary span.
    pub fn with_label(mut self, label: impl Into<String>) -> Diagnostic {
        self.label = Some(label.into());
        self
    }

    /// Adds another place that explains the diagnostic.
    pub fn with_related(mut self, span: Span, message: impl Into<String>) -> Diagnostic {
        self.related.push(Label {
            span,
            message: message.into(),
        });
        self
    }

    /// Sets how to fix it.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Diagnostic {
        self.hint = Some(hint.into());
        self
    }

    /// Marks the input as unreadable, so the command exits with 2.
    pub fn unreadable(mut self) -> Diagnostic {
        self.unreadable = true;
        self
    }
}
