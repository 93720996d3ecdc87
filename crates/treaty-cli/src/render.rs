//! Rendering diagnostics for people (miette, with the source line) and for
//! machines (JSON).

use std::fmt;
use std::sync::Arc;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceSpan};
use serde::Serialize;
use treaty_syntax::{Diagnostic, Severity, SourceFile, SourceMap, Span};

/// A diagnostic joined with its source text, in the shape miette renders.
struct Report<'a> {
    diag: &'a Diagnostic,
    source: Option<NamedSource<Arc<str>>>,
    labels: Vec<LabeledSpan>,
    /// `file:line:column`, when the place is named in words instead of
    /// shown (see [`SNIPPET_LINE_LIMIT`]).
    location: Option<String>,
}

/// Lines longer than this (in characters) are not shown as a snippet: a
/// minified file's one line says nothing to a reader, and miette cannot
/// draw a label past column 65,535 (it panics).
const SNIPPET_LINE_LIMIT: usize = 1_000;

/// A label spanning more lines than this is drawn on its first line only,
/// rather than as a bar beside a whole file.
const SNIPPET_SPAN_LINES: usize = 12;

impl fmt::Debug for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diag.message)
    }
}

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Without a span, nothing else names the file: the message does.
        match (&self.diag.span, &self.diag.file, &self.location) {
            (_, _, Some(location)) => write!(f, "{location}: {}", self.diag.message),
            (None, Some(file), _) => write!(f, "{file}: {}", self.diag.message),
            _ => f.write_str(&self.diag.message),
        }
    }
}

impl std::error::Error for Report<'_> {}

impl miette::Diagnostic for Report<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(self.diag.code))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.diag.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Info => miette::Severity::Advice,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.diag
            .hint
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.labels.is_empty() {
            None
        } else {
            Some(Box::new(self.labels.iter().cloned()))
        }
    }
}

fn source_span(span: Span) -> SourceSpan {
    SourceSpan::new((span.start as usize).into(), span.len())
}

/// Whether every line `span` starts or ends on is short enough to show.
fn fits_a_snippet(file: &SourceFile, span: Span) -> bool {
    [span.start, span.end].into_iter().all(|offset| {
        let line = file.position(offset as usize).line;
        file.line_text(line).chars().count() <= SNIPPET_LINE_LIMIT
    })
}

/// `span`, cut to the end of its first line when it covers many lines.
fn drawable(file: &SourceFile, span: Span) -> Span {
    let start = file.position(span.start as usize);
    let end = file.position(span.end as usize);
    if end.line - start.line <= SNIPPET_SPAN_LINES {
        return span;
    }
    let rest = &file.text()[span.start as usize..];
    let first_line = rest.find('\n').unwrap_or(rest.len());
    Span::new(
        span.file,
        span.start as usize,
        span.start as usize + first_line.max(1),
    )
}

/// Renders diagnostics as text; `color` chooses the theme.
pub fn human(diags: &[Diagnostic], sources: &SourceMap, color: bool) -> String {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(100)
        .with_links(false);
    let mut out = String::new();
    for diag in diags {
        let mut file = diag.span.and_then(|s| sources.get(s.file));
        let mut location = None;
        let mut labels = Vec::new();
        if let (Some(span), Some(f)) = (diag.span, file) {
            if fits_a_snippet(f, span) {
                labels.push(LabeledSpan::new_primary_with_span(
                    diag.label.clone(),
                    source_span(drawable(f, span)),
                ));
                for rel in &diag.related {
                    // miette shows one source per report: related places in
                    // other files are named in the label instead.
                    if rel.span.file == span.file && fits_a_snippet(f, rel.span) {
                        labels.push(LabeledSpan::new_with_span(
                            Some(rel.message.clone()),
                            source_span(drawable(f, rel.span)),
                        ));
                    }
                }
            } else {
                let at = f.position(span.start as usize);
                location = Some(format!("{}:{}:{}", f.name(), at.line, at.column));
                file = None;
            }
        }
        let report = Report {
            diag,
            source: file.map(|f| NamedSource::new(f.name(), f.shared_text())),
            labels,
            location,
        };
        let mut text = String::new();
        if handler.render_report(&mut text, &report).is_err() {
            text = format!("{}: {}\n", diag.code, diag.message);
        }
        for rel in &diag.related {
            if diag.span.is_some_and(|s| s.file != rel.span.file)
                && let Some((name, pos)) = sources.locate(rel.span)
            {
                text.push_str(&format!(
                    "  note: {} at {name}:{}:{}\n",
                    rel.message, pos.line, pos.column
                ));
            }
        }
        out.push_str(&text);
        out.push('\n');
    }
    out
}

#[derive(Serialize)]
struct JsonLocation {
    file: String,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
}

#[derive(Serialize)]
struct JsonRelated {
    message: String,
    #[serde(flatten)]
    location: JsonLocation,
}

#[derive(Serialize)]
struct JsonDiagnostic {
    severity: &'static str,
    code: &'static str,
    message: String,
    file: Option<String>,
    line: Option<usize>,
    column: Option<usize>,
    end_line: Option<usize>,
    end_column: Option<usize>,
    hint: Option<String>,
    related: Vec<JsonRelated>,
}

#[derive(Serialize)]
struct JsonSummary {
    errors: usize,
    warnings: usize,
    files: usize,
}

#[derive(Serialize)]
struct JsonReport {
    diagnostics: Vec<JsonDiagnostic>,
    summary: JsonSummary,
}

fn locate(span: Span, sources: &SourceMap) -> Option<JsonLocation> {
    let file = sources.get(span.file)?;
    let start = file.position(span.start as usize);
    let end = file.position(span.end as usize);
    Some(JsonLocation {
        file: file.name().to_owned(),
        line: start.line,
        column: start.column,
        end_line: end.line,
        end_column: end.column,
    })
}

/// Renders diagnostics as the documented JSON report.
pub fn json(diags: &[Diagnostic], sources: &SourceMap) -> String {
    let diagnostics = diags
        .iter()
        .map(|d| {
            let loc = d.span.and_then(|s| locate(s, sources));
            JsonDiagnostic {
                severity: d.severity.as_str(),
                code: d.code,
                message: d.message.clone(),
                file: loc
                    .as_ref()
                    .map(|l| l.file.clone())
                    .or_else(|| d.file.clone()),
                line: loc.as_ref().map(|l| l.line),
                column: loc.as_ref().map(|l| l.column),
                end_line: loc.as_ref().map(|l| l.end_line),
                end_column: loc.as_ref().map(|l| l.end_column),
                hint: d.hint.clone(),
                related: d
                    .related
                    .iter()
                    .filter_map(|r| {
                        locate(r.span, sources).map(|location| JsonRelated {
                            message: r.message.clone(),
                            location,
                        })
                    })
                    .collect(),
            }
        })
        .collect();
    let report = JsonReport {
        diagnostics,
        summary: summary(diags, sources),
    };
    serde_json::to_string_pretty(&report).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}

fn summary(diags: &[Diagnostic], sources: &SourceMap) -> JsonSummary {
    JsonSummary {
        errors: diags
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count(),
        warnings: diags
            .iter()
            .filter(|d| d.severity == Severity::Warning)
            .count(),
        files: sources.files().count(),
    }
}

/// The closing line of the human output.
pub fn summary_line(diags: &[Diagnostic], sources: &SourceMap) -> String {
    let s = summary(diags, sources);
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    format!(
        "{}: {}, {}",
        plural(s.files, "file"),
        plural(s.errors, "error"),
        plural(s.warnings, "warning")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rendered(text: &str, start: usize, end: usize) -> String {
        let mut sources = SourceMap::new();
        let id = sources.add("s.yaml", text.to_owned());
        let diag =
            Diagnostic::error("test-code", "something is wrong").at(Span::new(id, start, end));
        human(&[diag], &sources, false)
    }

    #[test]
    fn a_label_past_column_65535_is_named_not_drawn() {
        let line = format!("x: \"{}\" ]", "a".repeat(70_000));
        let out = rendered(&line, line.len() - 1, line.len());
        assert!(out.contains("s.yaml:1:70007: something is wrong"), "{out}");
    }

    #[test]
    fn a_span_over_a_whole_file_is_drawn_on_its_first_line() {
        let text: String = (0..200).map(|i| format!("key{i}: value\n")).collect();
        let out = rendered(&text, 0, text.len());
        assert!(out.lines().count() < 20, "{out}");
        assert!(out.contains("key0: value"), "{out}");
        assert!(!out.contains("key199"), "{out}");
    }

    #[test]
    fn a_short_span_is_drawn_as_it_is() {
        let out = rendered("a: 1\nb: 2\n", 5, 9);
        assert!(out.contains("b: 2"), "{out}");
        assert!(out.contains("s.yaml:2:1"), "{out}");
    }
}
