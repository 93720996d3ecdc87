//! Parsing YAML (and JSON, which YAML 1.2 contains) into a [`Node`] tree,
//! within [`Limits`].

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle, Span as YamlSpan};

use crate::{Limits, Node, Scalar, SourceId, Span, Value};

/// Why a text could not be read as a tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyntaxErrorKind {
    /// Not YAML (or JSON) according to the grammar.
    Syntax,
    /// Bytes that are not UTF-8 text, or NUL bytes.
    NotText,
    /// Nothing but whitespace and comments.
    Empty,
    /// Several documents where one is expected.
    MultipleDocuments,
    /// The same key twice in one mapping.
    DuplicateKey,
    /// An alias to an anchor that is not defined (before it).
    UnknownAlias,
    /// A tag Treaty does not interpret.
    UnsupportedTag,
    /// A size, depth or count limit was exceeded.
    Limit,
}

impl SyntaxErrorKind {
    /// The diagnostic code users see.
    pub fn code(self) -> &'static str {
        match self {
            SyntaxErrorKind::Syntax => "yaml-syntax",
            SyntaxErrorKind::NotText => "not-text",
            SyntaxErrorKind::Empty => "empty-file",
            SyntaxErrorKind::MultipleDocuments => "multiple-documents",
            SyntaxErrorKind::DuplicateKey => "duplicate-key",
            SyntaxErrorKind::UnknownAlias => "unknown-alias",
            SyntaxErrorKind::UnsupportedTag => "unsupported-tag",
            SyntaxErrorKind::Limit => "limit-exceeded",
        }
    }
}

/// A text that could not be read, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SyntaxError {
    /// What went wrong; decides the diagnostic code.
    pub kind: SyntaxErrorKind,
    /// One sentence for the user.
    pub message: String,
    /// Where in the file it went wrong.
    pub span: Span,
    /// The first occurrence, for a duplicate key.
    pub previous: Option<Span>,
}

impl SyntaxError {
    fn new(kind: SyntaxErrorKind, message: impl Into<String>, span: Span) -> SyntaxError {
        SyntaxError {
            kind,
            message: message.into(),
            span,
            previous: None,
        }
    }

    /// Turns the error into the diagnostic users see.
    pub fn to_diagnostic(&self) -> crate::Diagnostic {
        let mut d = crate::Diagnostic::error(self.kind.code(), self.message.clone())
            .at(self.span)
            .unreadable();
        if let Some(prev) = self.previous {
            d = d.with_related(prev, "first defined here");
        }
        d
    }
}

/// Checks that raw bytes are a text Treaty may parse: within the size
/// limit, UTF-8, without NUL bytes. Errors carry a span in `file`.
pub fn decode<'a>(
    bytes: &'a [u8],
    file: SourceId,
    limits: &Limits,
) -> Result<&'a str, SyntaxError> {
    if bytes.len() > limits.max_bytes {
        return Err(SyntaxError::new(
            SyntaxErrorKind::Limit,
            format!(
                "file is {} bytes, more than the limit of {} bytes",
                bytes.len(),
                limits.max_bytes
            ),
            Span::new(file, 0, 0),
        ));
    }
    let text = std::str::from_utf8(bytes).map_err(|e| {
        SyntaxError::new(
            SyntaxErrorKind::NotText,
            format!(
                "file is not UTF-8 text: invalid byte at offset {}",
                e.valid_up_to()
            ),
            Span::new(file, 0, 0),
        )
    })?;
    if let Some(i) = memchr::memchr(0, text.as_bytes()) {
        return Err(SyntaxError::new(
            SyntaxErrorKind::NotText,
            format!("file is not text: NUL byte at offset {i}"),
            Span::new(file, 0, 0),
        ));
    }
    Ok(text)
}

enum Frame {
    Seq {
        start: usize,
        anchor: usize,
        items: Vec<Node>,
        nodes: usize,
    },
    Map {
        start: usize,
        anchor: usize,
        entries: Vec<(Node, Node)>,
        key: Option<Node>,
        nodes: usize,
    },
}

struct Builder<'t> {
    file: SourceId,
    /// Offset of `text` in the file (past a byte-order mark).
    base: usize,
    text: &'t str,
    ascii: bool,
    line_starts: Vec<usize>,
    limits: Limits,
    stack: Vec<Frame>,
    anchors: HashMap<usize, (Node, usize)>,
    alias_nodes: usize,
    nodes: usize,
    root: Option<Node>,
    /// `Some` when reading a stream of documents: each top-level node.
    stream: Option<Vec<Node>>,
}

/// Parses one YAML or JSON document into a tree whose spans point into
/// `file`. The text must be the whole file (positions are offsets into it).
pub fn parse(text: &str, file: SourceId, limits: &Limits) -> Result<Node, SyntaxError> {
    decode(text.as_bytes(), file, limits)?;
    // A byte-order mark is not content (editors on Windows write one).
    let (text, base) = match text.strip_prefix('\u{feff}') {
        Some(rest) => (rest, '\u{feff}'.len_utf8()),
        None => (text, 0),
    };
    // Machine-written JSON takes the fast, strict path; anything else
    // (YAML, or JSON the strict reader refuses) the YAML reader.
    let mut json_error = None;
    if text.trim_start().starts_with(['{', '[']) {
        match crate::json::parse_json(text, base, file, limits) {
            Ok(node) => return Ok(node),
            Err(e) if e.kind == SyntaxErrorKind::Syntax => json_error = Some(e),
            Err(e) => return Err(e),
        }
    }
    parse_yaml(text, base, file, limits).map_err(|e| match json_error {
        // Text that looks like JSON and is not YAML either: the JSON
        // reader's message is the one that helps.
        Some(j) if e.kind == SyntaxErrorKind::Syntax => j,
        _ => e,
    })
}

/// Parses a stream of YAML documents separated by `---` (as catalogs of
/// other tools are written) into one tree per document, in order; empty
/// documents are skipped. The limits apply to the stream as a whole.
pub fn parse_documents(
    text: &str,
    file: SourceId,
    limits: &Limits,
) -> Result<Vec<Node>, SyntaxError> {
    decode(text.as_bytes(), file, limits)?;
    let (text, base) = match text.strip_prefix('\u{feff}') {
        Some(rest) => (rest, '\u{feff}'.len_utf8()),
        None => (text, 0),
    };
    let mut b = Builder::new(text, base, file, limits, Some(Vec::new()));
    b.run()?;
    Ok(b.stream.unwrap_or_default())
}

fn parse_yaml(
    text: &str,
    base: usize,
    file: SourceId,
    limits: &Limits,
) -> Result<Node, SyntaxError> {
    let mut b = Builder::new(text, base, file, limits, None);
    b.run()?;
    b.root.ok_or_else(|| {
        SyntaxError::new(
            SyntaxErrorKind::Empty,
            "file is empty: expected a YAML or JSON document",
            Span::new(file, 0, 0),
        )
    })
}

impl<'t> Builder<'t> {
    fn new(
        text: &'t str,
        base: usize,
        file: SourceId,
        limits: &Limits,
        stream: Option<Vec<Node>>,
    ) -> Builder<'t> {
        Builder {
            file,
            base,
            text,
            ascii: text.is_ascii(),
            line_starts: if text.is_ascii() {
                Vec::new()
            } else {
                std::iter::once(0)
                    .chain(text.match_indices('\n').map(|(i, _)| i + 1))
                    .collect()
            },
            limits: *limits,
            stack: Vec::new(),
            anchors: HashMap::new(),
            alias_nodes: 0,
            nodes: 0,
            root: None,
            stream,
        }
    }

    fn run(&mut self) -> Result<(), SyntaxError> {
        let b = self;
        let (file, text) = (b.file, b.text);
        for event in Parser::new_from_str(text) {
            let (event, span) = event.map_err(|e| {
                let m = e.marker();
                let off = b.marker_offset(m.index(), m.line(), m.col());
                SyntaxError::new(
                    SyntaxErrorKind::Syntax,
                    format!("invalid YAML: {}", e.info()),
                    Span::new(file, off, off),
                )
            })?;
            match event {
                Event::Scalar(text, style, anchor, tag) => {
                    let quoted = match core_tag(tag.as_deref()) {
                        Ok(None) => !matches!(style, ScalarStyle::Plain),
                        Ok(Some(suffix)) => suffix == "str",
                        Err(shown) => {
                            return Err(SyntaxError::new(
                                SyntaxErrorKind::UnsupportedTag,
                                format!(
                                    "unsupported tag `{shown}`: Treaty reads plain YAML and JSON"
                                ),
                                b.span(&span),
                            ));
                        }
                    };
                    // The scanner's buffer keeps room to grow (about 128 bytes
                    // for a one-character scalar): give it back, or two
                    // million scalars hold 250 MB.
                    let mut text = text.into_owned();
                    text.shrink_to_fit();
                    let node = Node {
                        span: b.span(&span),
                        value: Value::Scalar(Scalar { text, quoted }),
                    };
                    b.complete(node, anchor, 1)?;
                }
                Event::SequenceStart(anchor, ref tag) | Event::MappingStart(anchor, ref tag) => {
                    if let Err(shown) = core_tag(tag.as_deref()) {
                        return Err(SyntaxError::new(
                            SyntaxErrorKind::UnsupportedTag,
                            format!("unsupported tag `{shown}`: Treaty reads plain YAML and JSON"),
                            b.span(&span),
                        ));
                    }
                    if b.stack.len() >= b.limits.max_depth {
                        return Err(SyntaxError::new(
                            SyntaxErrorKind::Limit,
                            format!(
                                "nesting is deeper than the limit of {} levels",
                                b.limits.max_depth
                            ),
                            b.span(&span),
                        ));
                    }
                    let start = b.span(&span).start as usize;
                    b.stack.push(match event {
                        Event::SequenceStart(..) => Frame::Seq {
                            start,
                            anchor,
                            items: Vec::new(),
                            nodes: 1,
                        },
                        _ => Frame::Map {
                            start,
                            anchor,
                            entries: Vec::new(),
                            key: None,
                            nodes: 1,
                        },
                    });
                }
                Event::SequenceEnd | Event::MappingEnd => {
                    let end = b.collection_end(&span);
                    let (node, anchor, nodes) = match b.stack.pop() {
                        Some(Frame::Seq {
                            start,
                            anchor,
                            items,
                            nodes,
                        }) => (
                            Node {
                                span: Span::new(file, start, end),
                                value: Value::Seq(items),
                            },
                            anchor,
                            nodes,
                        ),
                        Some(Frame::Map {
                            start,
                            anchor,
                            entries,
                            nodes,
                            ..
                        }) => {
                            check_unique_keys(&entries)?;
                            (
                                Node {
                                    span: Span::new(file, start, end),
                                    value: Value::Map(entries),
                                },
                                anchor,
                                nodes,
                            )
                        }
                        None => continue,
                    };
                    b.complete(node, anchor, nodes)?;
                }
                Event::Alias(id) => {
                    let Some((node, count)) = b.anchors.get(&id).cloned() else {
                        return Err(SyntaxError::new(
                            SyntaxErrorKind::UnknownAlias,
                            "alias refers to an anchor that is not defined before it, or to the node that contains it",
                            b.span(&span),
                        ));
                    };
                    b.alias_nodes += count;
                    if b.alias_nodes > b.limits.max_alias_nodes {
                        return Err(SyntaxError::new(
                            SyntaxErrorKind::Limit,
                            format!(
                                "aliases expand to more than the limit of {} nodes",
                                b.limits.max_alias_nodes
                            ),
                            b.span(&span),
                        ));
                    }
                    b.complete(node, 0, count)?;
                }
                Event::StreamStart
                | Event::StreamEnd
                | Event::DocumentStart(_)
                | Event::DocumentEnd
                | Event::Nothing => {}
            }
        }
        Ok(())
    }
}

/// The suffix of a YAML core-schema tag (`!!str`, `!!int`, ...), `None`
/// without a tag, or the tag as the user wrote it when it is another one.
fn core_tag(tag: Option<&saphyr_parser::Tag>) -> Result<Option<&str>, String> {
    let Some(t) = tag else { return Ok(None) };
    let core = t.handle == "tag:yaml.org,2002:" || t.handle == "!!";
    if core
        && matches!(
            t.suffix.as_str(),
            "str" | "int" | "float" | "bool" | "null" | "map" | "seq"
        )
    {
        return Ok(Some(t.suffix.as_str()));
    }
    let handle = if t.handle == "tag:yaml.org,2002:" {
        "!!"
    } else {
        t.handle.as_str()
    };
    Err(format!("{handle}{}", t.suffix))
}

pub(crate) fn check_unique_keys(entries: &[(Node, Node)]) -> Result<(), SyntaxError> {
    if entries.len() < 2 {
        return Ok(());
    }
    // Most mappings are small and have no duplicate: comparing each pair
    // costs less than collecting and sorting the keys. The sort below
    // stays the one place that picks which duplicate is reported.
    if entries.len() <= 16 {
        let key = |i: usize| entries[i].0.as_scalar().map(|s| s.text.as_str());
        let duplicate =
            (1..entries.len()).any(|i| key(i).is_some() && (0..i).any(|j| key(j) == key(i)));
        if !duplicate {
            return Ok(());
        }
    }
    let mut keys: Vec<(&str, usize)> = entries
        .iter()
        .enumerate()
        .filter_map(|(i, (k, _))| k.as_scalar().map(|s| (s.text.as_str(), i)))
        .collect();
    keys.sort_unstable();
    for pair in keys.windows(2) {
        if pair[0].0 == pair[1].0 {
            let (first, second) = (&entries[pair[0].1].0, &entries[pair[1].1].0);
            let mut e = SyntaxError::new(
                SyntaxErrorKind::DuplicateKey,
                format!("duplicate key `{}`", pair[0].0),
                second.span,
            );
            e.previous = Some(first.span);
            return Err(e);
        }
    }
    Ok(())
}

impl Builder<'_> {
    fn marker_offset(&self, index: usize, line: usize, col: usize) -> usize {
        self.base + self.body_offset(index, line, col)
    }

    fn body_offset(&self, index: usize, line: usize, col: usize) -> usize {
        if self.ascii {
            return index.min(self.text.len());
        }
        let Some(&start) = self.line_starts.get(line.saturating_sub(1)) else {
            return self.text.len();
        };
        let rest = &self.text[start..];
        start + rest.char_indices().nth(col).map_or(rest.len(), |(i, _)| i)
    }

    /// Where a collection ends: after its closing bracket when it is a
    /// flow collection, else after its last entry (the end event of a
    /// block collection is placed at the next token).
    fn collection_end(&self, end_event: &YamlSpan) -> usize {
        let at = self.span(end_event);
        let closes = self
            .text
            .as_bytes()
            .get((at.start as usize).wrapping_sub(self.base))
            .is_some_and(|c| matches!(c, b']' | b'}'));
        let last_child = match self.stack.last() {
            Some(Frame::Seq { items, .. }) => items.last().map(|n| n.span.end),
            Some(Frame::Map { entries, .. }) => entries.last().map(|(_, v)| v.span.end),
            None => None,
        };
        match (closes, last_child) {
            (false, Some(end)) => end as usize,
            _ => at.end as usize,
        }
    }

    fn span(&self, s: &YamlSpan) -> Span {
        let start = self.marker_offset(s.start.index(), s.start.line(), s.start.col());
        let end = self.marker_offset(s.end.index(), s.end.line(), s.end.col());
        Span::new(self.file, start, end)
    }

    fn complete(&mut self, node: Node, anchor: usize, count: usize) -> Result<(), SyntaxError> {
        self.nodes += count;
        if self.nodes > self.limits.max_nodes {
            return Err(SyntaxError::new(
                SyntaxErrorKind::Limit,
                format!(
                    "document has more than the limit of {} nodes",
                    self.limits.max_nodes
                ),
                node.span,
            ));
        }
        if anchor != 0 {
            self.anchors.insert(anchor, (node.clone(), count));
        }
        if self.stack.is_empty()
            && let Some(documents) = &mut self.stream
        {
            // A document of nothing but comments is a null: not an entry.
            let empty = node
                .as_scalar()
                .is_some_and(|s| matches!(s.resolve(), crate::Resolved::Null));
            if !empty {
                documents.push(node);
            }
            return Ok(());
        }
        match self.stack.last_mut() {
            // `---` at the end of a file opens an empty document: not content.
            None if self.root.is_some()
                && node.span.is_empty()
                && node
                    .as_scalar()
                    .is_some_and(|s| matches!(s.resolve(), crate::Resolved::Null)) => {}
            None if self.root.is_some() => {
                return Err(SyntaxError::new(
                    SyntaxErrorKind::MultipleDocuments,
                    "expected one YAML document, found several",
                    Span::new(
                        self.file,
                        node.span.start as usize,
                        node.span.start as usize,
                    ),
                ));
            }
            None => self.root = Some(node),
            Some(Frame::Seq { items, nodes, .. }) => {
                *nodes += count;
                items.push(node);
            }
            Some(Frame::Map {
                entries,
                key,
                nodes,
                ..
            }) => {
                *nodes += count;
                match key.take() {
                    None => *key = Some(node),
                    Some(k) => entries.push((k, node)),
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SourceFile;

    fn p(text: &str) -> Result<Node, SyntaxError> {
        parse(text, SourceId(0), &Limits::CONTRACT_FILE)
    }

    #[test]
    fn spans_point_at_values() -> Result<(), SyntaxError> {
        let text = "a: 1\nb:\n  - x\n  - é: 'ü'\n";
        let node = p(text)?;
        let f = SourceFile::new("t", text);
        let b = node.get("b").and_then(|b| b.as_seq()).map(|s| s.to_vec());
        let b = b.unwrap_or_default();
        assert_eq!(f.position(b[0].span.start as usize).line, 3);
        assert_eq!(f.position(b[0].span.start as usize).column, 5);
        let inner = b[1].get("é").map(|n| n.span).unwrap_or_default();
        assert_eq!(&text[inner.start as usize..inner.end as usize], "'ü'");
        Ok(())
    }

    #[test]
    fn a_stream_reads_every_document_with_its_lines() -> Result<(), SyntaxError> {
        let text = "---\na: 1\n---\n# only a comment\n---\nb: 2\n---\n";
        let docs = parse_documents(text, SourceId(0), &Limits::CONTRACT_FILE)?;
        assert_eq!(docs.len(), 2);
        let f = SourceFile::new("t", text);
        let b = docs[1].get("b").map(|n| n.span.start as usize).unwrap_or(0);
        assert_eq!(f.position(b).line, 6);
        Ok(())
    }

    #[test]
    fn a_stream_keeps_the_limits_and_the_duplicate_key_check() {
        let e = parse_documents(
            "a: 1\n---\nb: 1\nb: 2\n",
            SourceId(0),
            &Limits::CONTRACT_FILE,
        );
        assert_eq!(e.err().map(|e| e.kind), Some(SyntaxErrorKind::DuplicateKey));
        let limits = Limits {
            max_nodes: 4,
            ..Limits::CONTRACT_FILE
        };
        let e = parse_documents("a: 1\n---\nb: 1\n---\nc: 1\n", SourceId(0), &limits);
        assert_eq!(e.err().map(|e| e.kind), Some(SyntaxErrorKind::Limit));
    }

    #[test]
    fn rejects_duplicate_keys() {
        let e = p("a: 1\nb: 2\na: 3\n").err().map(|e| e.kind);
        assert_eq!(e, Some(SyntaxErrorKind::DuplicateKey));
    }

    #[test]
    fn bounds_alias_expansion() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let prev = format!("*a{}", i - 1);
            text.push_str(&format!("a{i}: &a{i} [{}]\n", vec![prev; 10].join(", ")));
        }
        let e = p(&text).err().map(|e| e.kind);
        assert_eq!(e, Some(SyntaxErrorKind::Limit));
    }

    #[test]
    fn bounds_depth() {
        let text = format!("{}{}", "[".repeat(100), "]".repeat(100));
        let e = p(&text).err().map(|e| e.kind);
        assert_eq!(e, Some(SyntaxErrorKind::Limit));
    }

    #[test]
    fn empty_and_comment_only_files_are_empty() {
        assert_eq!(p("").err().map(|e| e.kind), Some(SyntaxErrorKind::Empty));
        assert_eq!(
            p("# nothing\n").err().map(|e| e.kind),
            Some(SyntaxErrorKind::Empty)
        );
    }

    #[test]
    fn reads_json() -> Result<(), SyntaxError> {
        let node = p(r#"{"a": [1, "2", null], "b": {"c": true}}"#)?;
        assert_eq!(
            node.get("a").and_then(|a| a.as_seq()).map(<[_]>::len),
            Some(3)
        );
        Ok(())
    }
}

#[cfg(test)]
mod more_tests {
    use super::*;

    fn p(text: &str) -> Result<Node, SyntaxError> {
        parse(text, SourceId(0), &Limits::CONTRACT_FILE)
    }

    #[test]
    fn a_byte_order_mark_is_not_content() -> Result<(), SyntaxError> {
        let text = "\u{feff}version: 1\n";
        let node = p(text)?;
        let key = node.key_node("version").map(|k| k.span.start);
        assert_eq!(key, Some(3));
        Ok(())
    }

    #[test]
    fn core_tags_are_read_and_others_refused() -> Result<(), SyntaxError> {
        let node = p("a: !!int 1\nb: !!str 2\nc: !!map {x: 1}\n")?;
        assert_eq!(node.get("b").and_then(|b| b.as_str()), Some("2"));
        let e = p("a: !include x.yaml\n").err();
        assert_eq!(
            e.as_ref().map(|e| e.kind),
            Some(SyntaxErrorKind::UnsupportedTag)
        );
        assert!(e.is_some_and(|e| e.message.contains("`!include`")));
        Ok(())
    }

    #[test]
    fn a_trailing_document_marker_is_not_a_second_document() -> Result<(), SyntaxError> {
        p("a: 1\n---\n")?;
        let e = p("a: 1\n---\nb: 2\n").err().map(|e| e.kind);
        assert_eq!(e, Some(SyntaxErrorKind::MultipleDocuments));
        Ok(())
    }

    #[test]
    fn block_collections_end_at_their_last_entry() -> Result<(), SyntaxError> {
        let text = "a:\n  b: 1\n  c: [1, 2]\nd: 2\n";
        let node = p(text)?;
        let a = node.get("a").map(|a| a.span).unwrap_or_default();
        assert_eq!(&text[a.start as usize..a.end as usize], "b: 1\n  c: [1, 2]");
        Ok(())
    }
}
