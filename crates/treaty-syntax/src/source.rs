//! Source files, byte spans and their translation to lines and columns.

use std::sync::Arc;

/// Identifies one file in a [`SourceMap`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct SourceId(pub u32);

/// A byte range in one source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Span {
    /// The file the range is in.
    pub file: SourceId,
    /// Byte offset of the first byte.
    pub start: u32,
    /// Byte offset just past the last byte.
    pub end: u32,
}

impl Span {
    /// The range `start..end` in `file`. Offsets past `u32::MAX` are
    /// clamped (files that large are refused by [`Limits`](crate::Limits)
    /// anyway), and `end` is never before `start`.
    pub fn new(file: SourceId, start: usize, end: usize) -> Span {
        let clamp = |v: usize| u32::try_from(v).unwrap_or(u32::MAX);
        Span {
            file,
            start: clamp(start),
            end: clamp(end.max(start)),
        }
    }

    /// The length in bytes.
    pub fn len(&self) -> usize {
        (self.end - self.start) as usize
    }

    /// Whether the range covers no bytes (a place, not a text).
    pub fn is_empty(&self) -> bool {
        self.end == self.start
    }
}

/// A 1-based line and column (the column counts characters, not bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    /// 1-based line number.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
}

/// The text of one file and the index of its line starts.
#[derive(Debug, Clone)]
pub struct SourceFile {
    name: String,
    text: Arc<str>,
    /// `u32` like spans: a file of 64 MiB of line breaks indexes in
    /// 256 MiB, not 512 (or 1 GiB while a doubling vector grows). Shared,
    /// so that an error that carries its file does not copy the index.
    line_starts: Arc<Vec<u32>>,
}

impl SourceFile {
    /// Indexes `text`'s line starts; `name` is how the file is shown.
    pub fn new(name: impl Into<String>, text: impl Into<Arc<str>>) -> SourceFile {
        let text: Arc<str> = text.into();
        // Counted first: growing by doubling would reserve up to twice
        // the index while it is built.
        // (memchr: a byte-by-byte count cost as much as reading a JSON file.)
        let lines = memchr::memchr_iter(b'\n', text.as_bytes()).count();
        let mut line_starts = Vec::with_capacity(lines + 1);
        line_starts.push(0);
        line_starts.extend(
            memchr::memchr_iter(b'\n', text.as_bytes())
                .map(|i| u32::try_from(i + 1).unwrap_or(u32::MAX)),
        );
        SourceFile {
            name: name.into(),
            text,
            line_starts: Arc::new(line_starts),
        }
    }

    /// The name the file is shown under: a path relative to the workspace.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The whole text of the file.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The text as a shared pointer, for renderers that keep it without
    /// copying.
    pub fn shared_text(&self) -> Arc<str> {
        self.text.clone()
    }

    /// Line and column of a byte offset (clamped to the text).
    pub fn position(&self, offset: usize) -> Position {
        let offset = offset.min(self.text.len());
        let key = u32::try_from(offset).unwrap_or(u32::MAX);
        let line = match self.line_starts.binary_search(&key) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = self.line_starts[line] as usize;
        let column = self
            .text
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count())
            + 1;
        Position {
            line: line + 1,
            column,
        }
    }

    /// Byte offset of a 1-based line and a 1-based character column.
    pub fn offset(&self, line: usize, column: usize) -> usize {
        let Some(start) = self
            .line_starts
            .get(line.saturating_sub(1))
            .map(|&s| s as usize)
        else {
            return self.text.len();
        };
        let rest = &self.text[start..];
        let end_of_line = rest.find('\n').map_or(rest.len(), |i| i);
        let line_text = &rest[..end_of_line];
        let byte_col = line_text
            .char_indices()
            .nth(column.saturating_sub(1))
            .map_or(line_text.len(), |(i, _)| i);
        start + byte_col
    }

    /// The text of a 1-based line, without its line break.
    pub fn line_text(&self, line: usize) -> &str {
        let Some(start) = self
            .line_starts
            .get(line.saturating_sub(1))
            .map(|&s| s as usize)
        else {
            return "";
        };
        let rest = &self.text[start..];
        let end = rest.find('\n').map_or(rest.len(), |i| i);
        rest[..end].trim_end_matches('\r')
    }
}

/// Every file read in one run, addressed by [`SourceId`].
#[derive(Debug, Clone, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    /// An empty map.
    pub fn new() -> SourceMap {
        SourceMap::default()
    }

    /// Adds a file and returns the id its spans use.
    pub fn add(&mut self, name: impl Into<String>, text: impl Into<Arc<str>>) -> SourceId {
        let id = SourceId(u32::try_from(self.files.len()).unwrap_or(u32::MAX));
        self.files.push(SourceFile::new(name, text));
        id
    }

    /// Adds a file already indexed (from another map: shares its text and
    /// line index instead of indexing again) and returns its id here.
    pub fn add_file(&mut self, file: SourceFile) -> SourceId {
        let id = SourceId(u32::try_from(self.files.len()).unwrap_or(u32::MAX));
        self.files.push(file);
        id
    }

    /// The file with this id, if it was added to this map.
    pub fn get(&self, id: SourceId) -> Option<&SourceFile> {
        self.files.get(id.0 as usize)
    }

    /// Every file with its id, in the order they were added.
    pub fn files(&self) -> impl Iterator<Item = (SourceId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| (SourceId(i as u32), f))
    }

    /// File name and start position of a span.
    pub fn locate(&self, span: Span) -> Option<(&str, Position)> {
        let file = self.get(span.file)?;
        Some((file.name(), file.position(span.start as usize)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_characters_not_bytes() {
        let f = SourceFile::new("a.yaml", "a: 1\nnäme: x\n");
        let off = f.text().find('x').unwrap_or_default();
        assert_eq!(f.position(off), Position { line: 2, column: 7 });
        assert_eq!(f.offset(2, 7), off);
        assert_eq!(f.line_text(2), "näme: x");
    }
}
