//! The reader every format parses from: it counts lines as bytes are
//! consumed (so an error can name the line it happened at), refuses to
//! hand out more than `max_bytes`, and, for JSON, tracks nesting depth as
//! the bytes go by (serde has no depth limit of its own below 128, and
//! ignored values would otherwise nest unchecked).

use std::io::{self, BufRead, Read};

use crate::ReportError;

/// Which limit stopped the reader, kept so the format's parser can turn
/// the `io::Error` it sees back into a [`ReportError`] that names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Exceeded {
    Bytes(u64),
    Depth(usize),
}

impl Exceeded {
    fn message(self) -> String {
        match self {
            Exceeded::Bytes(max) => format!("report is larger than the limit of {max} bytes"),
            Exceeded::Depth(max) => format!("report nests deeper than the limit of {max} levels"),
        }
    }
}

/// State of the JSON scanner that follows nesting depth byte by byte.
#[derive(Debug, Default)]
struct JsonDepth {
    max: usize,
    depth: usize,
    in_string: bool,
    escaped: bool,
}

impl JsonDepth {
    /// Follows one byte; false once the depth exceeds the limit.
    fn step(&mut self, byte: u8) -> bool {
        if self.in_string {
            if self.escaped {
                self.escaped = false;
            } else if byte == b'\\' {
                self.escaped = true;
            } else if byte == b'"' {
                self.in_string = false;
            }
            return true;
        }
        match byte {
            b'"' => self.in_string = true,
            b'{' | b'[' => {
                self.depth += 1;
                if self.depth > self.max {
                    return false;
                }
            }
            b'}' | b']' => self.depth = self.depth.saturating_sub(1),
            _ => {}
        }
        true
    }
}

/// Bytes read from the input at a time.
const CHUNK: usize = 64 * 1024;

/// A [`BufRead`] over the caller's input that counts lines, bounds bytes
/// and optionally JSON depth. It keeps its own buffer (rather than
/// borrowing the caller's) so that [`Source::peek`] can look a few bytes
/// ahead across chunk boundaries.
#[derive(Debug)]
pub(crate) struct Source<R> {
    inner: R,
    buf: Vec<u8>,
    /// The unconsumed bytes are `buf[pos..end]`.
    pos: usize,
    end: usize,
    max_bytes: u64,
    consumed: u64,
    /// Newlines in the consumed bytes; the current line is one more.
    newlines: u64,
    json: Option<JsonDepth>,
    /// The limit that stopped the reader, and the line it stopped at.
    exceeded: Option<(Exceeded, u64)>,
    /// Whether the last consumed byte ended a line.
    at_line_start: bool,
}

impl<R: Read> Source<R> {
    /// A source for XML: bytes and lines only (the XML reader counts its
    /// own depth from elements).
    pub(crate) fn new(inner: R, max_bytes: u64) -> Source<R> {
        Source {
            inner,
            buf: vec![0; CHUNK],
            pos: 0,
            end: 0,
            max_bytes,
            consumed: 0,
            newlines: 0,
            json: None,
            exceeded: None,
            at_line_start: true,
        }
    }

    /// A source for JSON: also refuses nesting deeper than `max_depth`.
    pub(crate) fn json(inner: R, max_bytes: u64, max_depth: usize) -> Source<R> {
        let mut source = Source::new(inner, max_bytes);
        source.json = Some(JsonDepth {
            max: max_depth,
            ..JsonDepth::default()
        });
        source
    }

    /// The 1-based line of the next byte to be consumed.
    pub(crate) fn line(&self) -> u64 {
        self.newlines + 1
    }

    /// The 1-based line of the last byte consumed: where a report that
    /// ends too early ended (a final newline does not start a line).
    pub(crate) fn last_line(&self) -> u64 {
        if self.at_line_start && self.newlines > 0 {
            self.newlines
        } else {
            self.newlines + 1
        }
    }

    /// An error at the report's last line, for one that ended too early.
    pub(crate) fn error_at_end(&self, message: impl Into<String>) -> ReportError {
        ReportError {
            line: self.last_line(),
            message: message.into(),
        }
    }

    /// The error for a limit that stopped the reader, if one did.
    pub(crate) fn exceeded(&self) -> Option<ReportError> {
        self.exceeded.map(|(e, line)| ReportError {
            line,
            message: e.message(),
        })
    }

    /// An error at the current line.
    pub(crate) fn error(&self, message: impl Into<String>) -> ReportError {
        ReportError {
            line: self.line(),
            message: message.into(),
        }
    }

    fn stop(&mut self, why: Exceeded) -> io::Error {
        self.exceeded = Some((why, self.line()));
        io::Error::other(why.message())
    }

    /// Reads more of the input after the unconsumed bytes; false at its end.
    fn refill(&mut self) -> io::Result<bool> {
        if self.pos > 0 {
            self.buf.copy_within(self.pos..self.end, 0);
            self.end -= self.pos;
            self.pos = 0;
        }
        if self.end == self.buf.len() {
            self.buf.resize(self.buf.len() + CHUNK, 0);
        }
        loop {
            match self.inner.read(&mut self.buf[self.end..]) {
                Ok(0) => return Ok(false),
                Ok(n) => {
                    self.end += n;
                    return Ok(true);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// At least `n` unconsumed bytes, unless the input ends first (then
    /// all that is left). `n` is small: a marker to recognise.
    pub(crate) fn peek(&mut self, n: usize) -> io::Result<&[u8]> {
        while self.end - self.pos < n {
            if !self.refill()? {
                break;
            }
        }
        self.fill_buf()
    }
}

impl<R: Read> BufRead for Source<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if let Some((why, _)) = self.exceeded {
            return Err(io::Error::other(why.message()));
        }
        if self.pos == self.end {
            self.refill()?;
        }
        let available = self.end - self.pos;
        let allowed = self.max_bytes.saturating_sub(self.consumed);
        if available > 0 && allowed == 0 {
            return Err(self.stop(Exceeded::Bytes(self.max_bytes)));
        }
        let take = usize::try_from(allowed).map_or(available, |a| a.min(available));
        Ok(&self.buf[self.pos..self.pos + take])
    }

    fn consume(&mut self, amt: usize) {
        let amt = amt.min(self.end - self.pos);
        let seen = &self.buf[self.pos..self.pos + amt];
        if let Some(json) = &mut self.json
            && self.exceeded.is_none()
        {
            // The line of the very byte that went too deep: a caller may
            // consume far ahead of where its parser is.
            let mut line = self.newlines + 1;
            for &b in seen {
                if !json.step(b) {
                    self.exceeded = Some((Exceeded::Depth(json.max), line));
                    break;
                }
                if b == b'\n' {
                    line += 1;
                }
            }
        }
        self.newlines += seen.iter().filter(|&&b| b == b'\n').count() as u64;
        if let Some(&last) = seen.last() {
            self.at_line_start = last == b'\n';
        }
        self.pos += amt;
        self.consumed = self.consumed.saturating_add(amt as u64);
    }
}

impl<R: Read> Read for Source<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let buf = self.fill_buf()?;
        let n = buf.len().min(out.len());
        out[..n].copy_from_slice(&buf[..n]);
        self.consume(n);
        if let Some((why, _)) = self.exceeded {
            // The bytes just handed out took the depth past the limit.
            return Err(io::Error::other(why.message()));
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_lines_of_consumed_bytes() {
        let mut source = Source::new(&b"a\nb\nc"[..], 100);
        let mut text = String::new();
        source.read_line(&mut text).ok();
        assert_eq!(source.line(), 2);
        source.read_line(&mut text).ok();
        assert_eq!(source.line(), 3);
        assert_eq!(source.last_line(), 2);
        source.read_line(&mut text).ok();
        assert_eq!(source.last_line(), 3);
    }

    #[test]
    fn refuses_bytes_past_the_limit() {
        let mut source = Source::new(&b"0123456789"[..], 4);
        let mut all = Vec::new();
        assert!(source.read_to_end(&mut all).is_err());
        assert_eq!(all, b"0123");
        assert!(source.exceeded().is_some());
    }

    #[test]
    fn exactly_the_limit_is_accepted() {
        let mut source = Source::new(&b"0123"[..], 4);
        let mut all = Vec::new();
        assert!(source.read_to_end(&mut all).is_ok());
        assert!(source.exceeded().is_none());
    }

    #[test]
    fn peeks_across_chunks() {
        let mut text = vec![b'x'; CHUNK - 2];
        text.extend_from_slice(b"<![CDATA[");
        let mut source = Source::new(&text[..], u64::MAX);
        let n = source.fill_buf().map(<[u8]>::len).unwrap_or(0);
        assert_eq!(n, CHUNK);
        source.consume(n - 2);
        assert_eq!(source.peek(9).ok(), Some(&b"<![CDATA["[..]));
        assert_eq!(source.peek(20).map(<[u8]>::len).ok(), Some(9));
    }

    #[test]
    fn json_depth_ignores_brackets_in_strings() {
        let text = br#"{"a": "[[[[[[\"]]]", "b": [[1]]}"#;
        let mut ok = Source::json(&text[..], 1000, 3);
        assert!(ok.read_to_end(&mut Vec::new()).is_ok());
        let mut deep = Source::json(&text[..], 1000, 2);
        assert!(deep.read_to_end(&mut Vec::new()).is_err());
        assert_eq!(
            deep.exceeded().map(|e| e.message),
            Some("report nests deeper than the limit of 2 levels".to_owned())
        );
        let mut lines = Source::json(&b"{\n\"a\":\n[\n[\n1]]}\n\n\n"[..], 1000, 2);
        assert!(lines.read_to_end(&mut Vec::new()).is_err());
        assert_eq!(lines.exceeded().map(|e| e.line), Some(4));
    }
}
