//! Schema documents and the files their `$ref`s reach, read through a
//! [`DocumentSource`].

use std::sync::Arc;

use rustc_hash::FxHashMap;

use treaty_syntax::{Diagnostic, Limits, Node, SourceFile, SourceId, SourceMap, Span};

/// Why a file could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    #[error("file not found")]
    /// No file at that path.
    NotFound,
    #[error("file is {size} bytes, more than the limit of {limit} bytes")]
    /// The file is larger than the caller accepts.
    TooLarge {
        /// The file's size in bytes.
        size: u64,
        /// The most bytes the caller accepts.
        limit: usize,
    },
    #[error("{0}")]
    /// The file could not be read; the text says why.
    Io(String),
}

/// Bytes at a path: the working tree, a git revision, an upload, memory.
/// Paths are as the caller names them (relative to a workspace root, or
/// as given on the command line), `/`-separated; relative `$ref`s are
/// joined to the referring document's directory.
pub trait DocumentSource {
    /// The bytes of the file at `path`; refuses (without reading it all)
    /// a file larger than `max_bytes`.
    fn read(&self, path: &str, max_bytes: usize) -> Result<Vec<u8>, ReadError>;

    /// Why `path` could not be read, as a sentence for people. The error's
    /// own text, unless the source knows more than the error carries: a
    /// git revision names itself for a missing file.
    fn explain(&self, path: &str, error: &ReadError) -> String {
        let _ = path;
        error.to_string()
    }
}

/// Every document read for one side of a diff, by path.
#[derive(Debug, Default)]
pub struct Documents {
    /// The text of every document read, for diagnostics and positions.
    pub sources: SourceMap,
    /// Looked up for every `$ref` followed: FxHash, not SipHash.
    trees: FxHashMap<String, (SourceId, Arc<Node>)>,
}

/// A problem that stops a diff: an unreadable file, a `$ref` that cannot be
/// followed. It carries a diagnostic and the text of the file it points
/// into (as `SourceId(0)`), so that it can be shown on its own.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{}", .diagnostic.message)]
pub struct CompatError {
    /// What went wrong, and where.
    pub diagnostic: Box<Diagnostic>,
    /// The file the diagnostic points into, if any.
    pub file: Option<Box<SourceFile>>,
}

impl CompatError {
    /// An error whose span (if any) points into `sources`.
    pub fn new(mut diagnostic: Diagnostic, sources: &SourceMap) -> CompatError {
        let file = diagnostic
            .span
            .and_then(|s| sources.get(s.file))
            .cloned()
            .map(Box::new);
        if let Some(span) = diagnostic.span.as_mut() {
            span.file = SourceId(0);
        }
        CompatError {
            diagnostic: Box::new(diagnostic),
            file,
        }
    }

    /// A source map in which the diagnostic's span resolves.
    pub fn sources(&self) -> SourceMap {
        let mut map = SourceMap::new();
        if let Some(f) = &self.file {
            map.add_file(SourceFile::clone(f));
        }
        map
    }
}

/// One version of a document being compared: what was read for it so
/// far, where more is read from, and the document itself.
pub(crate) struct Loaded<'a> {
    pub docs: &'a mut Documents,
    pub source: &'a dyn DocumentSource,
    pub path: &'a str,
    pub root: &'a Node,
}

impl Documents {
    /// No documents yet.
    pub fn new() -> Documents {
        Documents::default()
    }

    /// Reads and parses `path` (once), returning its tree.
    pub fn load(
        &mut self,
        source: &dyn DocumentSource,
        path: &str,
        referrer: Option<Span>,
    ) -> Result<(SourceId, Arc<Node>), CompatError> {
        if let Some((id, node)) = self.trees.get(path) {
            return Ok((*id, node.clone()));
        }
        let read = self.read(source, path, referrer)?;
        let parsed = treaty_syntax::parse(&read.text, read.id, &Limits::SCHEMA_FILE);
        self.keep(path, read.id, parsed)
    }

    /// Reads the two documents a comparison starts from, one into `old`
    /// and one into `new`, and parses them at the same time on two
    /// threads when both are large: reading a document into its tree is
    /// most of a large comparison's time. Errors are the ones [`load`]
    /// gives, the old side's first.
    ///
    /// [`load`]: Documents::load
    pub fn load_both(
        (old, old_source, old_path): (&mut Documents, &dyn DocumentSource, &str),
        (new, new_source, new_path): (&mut Documents, &dyn DocumentSource, &str),
    ) -> Result<(Arc<Node>, Arc<Node>), CompatError> {
        if old.trees.contains_key(old_path) || new.trees.contains_key(new_path) {
            let (_, o) = old.load(old_source, old_path, None)?;
            let (_, n) = new.load(new_source, new_path, None)?;
            return Ok((o, n));
        }
        let old_read = old.read(old_source, old_path, None)?;
        let new_read = new.read(new_source, new_path, None)?;
        let limits = &Limits::SCHEMA_FILE;
        let parse = |r: &Read| treaty_syntax::parse(&r.text, r.id, limits);
        let (old_parsed, new_parsed) =
            if old_read.text.len().min(new_read.text.len()) < PARALLEL_PARSE_BYTES {
                (parse(&old_read), parse(&new_read))
            } else {
                std::thread::scope(|scope| {
                    let other = std::thread::Builder::new()
                        .stack_size(PARSE_STACK_BYTES)
                        .spawn_scoped(scope, || parse(&old_read));
                    let new_parsed = parse(&new_read);
                    // A thread that cannot start leaves the work to this one.
                    let old_parsed = match other {
                        // A panic is a bug in the reader: it goes on as it
                        // would have on this thread.
                        Ok(handle) => handle
                            .join()
                            .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
                        Err(_) => parse(&old_read),
                    };
                    (old_parsed, new_parsed)
                })
            };
        let (_, o) = old.keep(old_path, old_read.id, old_parsed)?;
        let (_, n) = new.keep(new_path, new_read.id, new_parsed)?;
        Ok((o, n))
    }

    /// Reads `path` and adds its text to the sources, not yet parsed.
    fn read(
        &mut self,
        source: &dyn DocumentSource,
        path: &str,
        referrer: Option<Span>,
    ) -> Result<Read, CompatError> {
        let limits = Limits::SCHEMA_FILE;
        let sources = &self.sources;
        let fail = |message: String| {
            let mut d = Diagnostic::error("unreadable-schema", message).unreadable();
            match referrer {
                Some(span) => d = d.at(span),
                None => d = d.in_file(path),
            }
            CompatError::new(d, sources)
        };
        let bytes = source.read(path, limits.max_bytes).map_err(|e| {
            fail(format!(
                "cannot read `{path}`: {}",
                source.explain(path, &e)
            ))
        })?;
        let text: Arc<str> = treaty_syntax::decode(&bytes, SourceId(0), &limits)
            .map_err(|e| fail(format!("cannot read `{path}`: {}", e.message)))?
            .into();
        let id = self.sources.add(path, text.clone());
        Ok(Read { id, text })
    }

    /// Keeps the tree parsed from the text read for `path` as `id`.
    fn keep(
        &mut self,
        path: &str,
        id: SourceId,
        parsed: Result<Node, treaty_syntax::SyntaxError>,
    ) -> Result<(SourceId, Arc<Node>), CompatError> {
        let node =
            Arc::new(parsed.map_err(|e| CompatError::new(e.to_diagnostic(), &self.sources))?);
        self.trees.insert(path.to_owned(), (id, node.clone()));
        Ok((id, node))
    }
}

/// A document's text, read and added to the sources as `id`.
struct Read {
    id: SourceId,
    text: Arc<str>,
}

/// The size from which both documents of a comparison are parsed at once:
/// below it a thread costs about what it saves.
const PARALLEL_PARSE_BYTES: usize = 256 * 1024;

/// Stack of the thread that parses the old document: the same as the
/// threads that compare schemas, since a parser's depth follows the
/// document's nesting (bounded by the limits, not by any stack). Only
/// reserved; used as deep as the document goes.
const PARSE_STACK_BYTES: usize = 256 * 1024 * 1024;

impl Documents {
    /// File name, line and column of a place, found from its pointer (or
    /// the nearest enclosing node that exists, for a removed keyword).
    pub fn position(&self, file: &str, pointer: &str) -> Option<(String, treaty_syntax::Position)> {
        let (id, tree) = self.trees.get(file)?;
        let mut p = pointer;
        let node = loop {
            if let Some(n) = tree.pointer(p) {
                break n;
            }
            p = &p[..p.rfind('/')?];
        };
        // Point at a mapping entry's key (`name:`), not at its value.
        let mut start = node.span.start;
        if let Some(i) = p.rfind('/') {
            let key = p[i + 1..].replace("~1", "/").replace("~0", "~");
            if let Some(k) = tree
                .pointer(&p[..i])
                .and_then(|parent| parent.key_node(&key))
            {
                start = k.span.start;
            }
        }
        let source = self.sources.get(*id)?;
        Some((source.name().to_owned(), source.position(start as usize)))
    }
}

/// The target of a `$ref`: a file (`None` for the same document) and a
/// JSON pointer.
pub fn split_ref(reference: &str) -> (Option<&str>, &str) {
    match reference.split_once('#') {
        Some(("", pointer)) => (None, pointer),
        Some((file, pointer)) => (Some(file), pointer),
        None => (Some(reference), ""),
    }
}

/// `target` relative to the directory of `from`, with `.` and `..` folded.
pub fn join_path(from: &str, target: &str) -> String {
    let mut parts: Vec<&str> = match from.rfind('/') {
        Some(i) => from[..i].split('/').collect(),
        None => Vec::new(),
    };
    for part in target.split('/') {
        match part {
            "" | "." => {}
            ".." if parts.last().is_some_and(|p| *p != "..") => {
                parts.pop();
            }
            _ => parts.push(part),
        }
    }
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refs_split_and_join() {
        assert_eq!(split_ref("#/a/b"), (None, "/a/b"));
        assert_eq!(split_ref("other.yaml#/a"), (Some("other.yaml"), "/a"));
        assert_eq!(split_ref("other.yaml"), (Some("other.yaml"), ""));
        assert_eq!(
            join_path("specs/api.yaml", "common/x.yaml"),
            "specs/common/x.yaml"
        );
        assert_eq!(join_path("specs/api.yaml", "../x.yaml"), "x.yaml");
        assert_eq!(join_path("api.yaml", "./x.yaml"), "x.yaml");
        assert_eq!(join_path("api.yaml", "../x.yaml"), "../x.yaml");
    }
}
