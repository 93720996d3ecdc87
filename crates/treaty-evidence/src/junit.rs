//! JUnit XML, as `cargo nextest`, pytest and JUnit 5 (Maven surefire, the
//! console launcher) write it, read as a stream of XML events.
//!
//! The `<testcase>` elements are the truth: the `tests=`, `failures=`
//! attributes of suites are summaries that tools compute differently (and
//! that a hand-edited file can get wrong), so they are not read. A test
//! case's direct children decide its outcome: `<failure>` a failure,
//! `<error>` an error, `<skipped>` skipped, none of these a pass. Rerun
//! elements (`<flakyFailure>`, `<flakyError>`, `<rerunFailure>`,
//! `<rerunError>`) record earlier attempts: a test that eventually passed
//! has only those and counts as passed; one that never passed also has a
//! `<failure>` or `<error>`.

use std::io::{BufRead, Read};

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use crate::source::Source;
use crate::summary::{CaseOutcome, TestCounts};
use crate::{Limits, Report, ReportError, ReportFormat};

/// The element a test case is, while it is open.
#[derive(Debug)]
struct OpenCase {
    /// Depth of the `<testcase>` element itself.
    depth: usize,
    outcome: CaseOutcome,
}

/// Where the walk through the elements is, and what it counted.
#[derive(Debug)]
struct Walk<'l> {
    limits: &'l Limits,
    counts: TestCounts,
    /// Open elements.
    depth: usize,
    seen_root: bool,
    case: Option<OpenCase>,
}

impl Walk<'_> {
    /// An element beginning one level below the open ones (a start tag or
    /// an empty element); true when it is a test case.
    fn element<R: Read>(
        &mut self,
        source: &Source<R>,
        start: &BytesStart<'_>,
    ) -> Result<bool, ReportError> {
        let name = start.local_name();
        let name: &str = name.as_ref();
        let depth = self.depth + 1;
        if depth == 1 {
            check_root(source, name, self.seen_root)?;
            self.seen_root = true;
        }
        if depth > self.limits.max_depth {
            return Err(source.error(format!(
                "elements nest deeper than the limit of {} levels",
                self.limits.max_depth
            )));
        }
        match &mut self.case {
            Some(_) if name == "testcase" => {
                Err(source.error("<testcase> inside another <testcase>"))
            }
            Some(open) => {
                if depth == open.depth + 1 {
                    open.outcome = open.outcome.max(outcome_of(name));
                }
                Ok(false)
            }
            None if name == "testcase" => {
                start_case(source, start, &mut self.counts, self.limits)?;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    fn start<R: Read>(
        &mut self,
        source: &Source<R>,
        start: &BytesStart<'_>,
    ) -> Result<(), ReportError> {
        let is_case = self.element(source, start)?;
        self.depth += 1;
        if is_case {
            self.case = Some(OpenCase {
                depth: self.depth,
                outcome: CaseOutcome::Passed,
            });
        }
        Ok(())
    }

    fn empty<R: Read>(
        &mut self,
        source: &Source<R>,
        start: &BytesStart<'_>,
    ) -> Result<(), ReportError> {
        if self.element(source, start)? {
            // `<testcase/>`: no children, so it passed.
            self.counts.record(CaseOutcome::Passed);
        }
        Ok(())
    }

    fn end(&mut self) {
        if let Some(open) = &self.case
            && open.depth == self.depth
        {
            self.counts.record(open.outcome);
            self.case = None;
        }
        self.depth = self.depth.saturating_sub(1);
    }
}

/// Reads a JUnit XML report into one unnamed entry (see
/// [`TestCounts::into_entry`] for its metrics).
pub(crate) fn read(input: impl BufRead, limits: &Limits) -> Result<Report, ReportError> {
    let mut reader = Reader::from_reader(Source::new(input, limits.max_bytes));
    // Start and end tags must match: a report cut short or hand-mangled
    // is refused, not half-counted.
    reader.config_mut().check_end_names = true;
    let mut walk = Walk {
        limits,
        counts: TestCounts::default(),
        depth: 0,
        seen_root: false,
        case: None,
    };
    let mut buf = Vec::new();
    loop {
        let event = match reader.read_event_into(&mut buf) {
            Ok(event) => event,
            Err(e) => return Err(xml_error(reader.get_ref(), &e)),
        };
        // After markup the parser expects text; skip it here so that a
        // test's 40 MB of output is never one buffered event.
        let leaves_text_next = !matches!(event, Event::Text(_) | Event::Eof);
        match event {
            Event::Start(start) => walk.start(reader.get_ref(), &start)?,
            Event::Empty(start) => walk.empty(reader.get_ref(), &start)?,
            Event::End(_) => walk.end(),
            Event::Eof => break,
            // Text (output, messages), comments, the declaration, CDATA
            // and processing instructions say nothing about outcomes.
            _ => {}
        }
        if leaves_text_next {
            skip_text(reader.get_mut())?;
        }
        buf.clear();
    }
    if !walk.seen_root {
        return Err(reader
            .get_ref()
            .error_at_end("not a JUnit report: no <testsuites> or <testsuite> element"));
    }
    if walk.depth != 0 {
        return Err(reader
            .get_ref()
            .error_at_end("report ends before its elements are closed"));
    }
    Ok(Report {
        format: ReportFormat::Junit,
        entries: vec![walk.counts.into_entry()],
    })
}

/// The outcome a direct child of `<testcase>` stands for. Rerun and
/// flaky elements are earlier attempts and leave the outcome alone.
fn outcome_of(child: &str) -> CaseOutcome {
    match child {
        "failure" => CaseOutcome::Failure,
        "error" => CaseOutcome::Error,
        "skipped" => CaseOutcome::Skipped,
        _ => CaseOutcome::Passed,
    }
}

fn check_root<R: Read>(source: &Source<R>, name: &str, seen_root: bool) -> Result<(), ReportError> {
    if seen_root {
        return Err(source.error("a second root element after the report's end"));
    }
    if name != "testsuites" && name != "testsuite" {
        return Err(source.error(format!(
            "not a JUnit report: the root element is <{name}>, not <testsuites> or <testsuite>"
        )));
    }
    Ok(())
}

/// Counts a new test case and adds its `time`, refusing one past the
/// item limit or with a `time` that is not a duration.
fn start_case<R: Read>(
    source: &Source<R>,
    start: &BytesStart<'_>,
    counts: &mut TestCounts,
    limits: &Limits,
) -> Result<(), ReportError> {
    if counts.tests >= limits.max_items as u64 {
        return Err(source.error(format!(
            "more than the limit of {} test cases",
            limits.max_items
        )));
    }
    for attribute in start.attributes() {
        let attribute = attribute
            .map_err(|e| source.error(format!("malformed attribute of <testcase>: {e}")))?;
        if AsRef::<str>::as_ref(&attribute.key.local_name()) == "time" {
            let seconds = parse_seconds(&attribute.value).ok_or_else(|| {
                source.error(format!(
                    "<testcase> attribute time=\"{}\" is not a duration in seconds",
                    attribute.value
                ))
            })?;
            counts.add_duration(seconds);
        }
    }
    Ok(())
}

/// A `time` attribute: seconds, finite and not negative. Old surefire
/// versions wrote thousands with a comma (`1,234.5`), so commas between
/// digits are dropped first.
fn parse_seconds(value: &str) -> Option<f64> {
    let text = value.trim();
    let seconds: f64 = if text.contains(',') {
        text.replace(',', "").parse().ok()?
    } else {
        text.parse().ok()?
    };
    (seconds.is_finite() && seconds >= 0.0).then_some(seconds)
}

/// Skips text, CDATA sections and comments up to the next other markup,
/// without buffering them: none of them says anything about an outcome,
/// and each can be as large as the report. The parser then finds the
/// `<` of that markup as if it had read an empty text.
fn skip_text<R: Read>(source: &mut Source<R>) -> Result<(), ReportError> {
    let io_error = |source: &Source<R>, e: std::io::Error| {
        source
            .exceeded()
            .unwrap_or_else(|| source.error(format!("reading the report: {e}")))
    };
    loop {
        let buf = match source.fill_buf() {
            Ok(buf) => buf,
            Err(e) => return Err(io_error(source, e)),
        };
        if buf.is_empty() {
            return Ok(());
        }
        match buf.iter().position(|&b| b == b'<') {
            None => {
                let n = buf.len();
                source.consume(n);
                continue;
            }
            Some(at) => source.consume(at),
        }
        let ahead = match source.peek(CDATA_OPEN.len()) {
            Ok(ahead) => ahead,
            Err(e) => return Err(io_error(source, e)),
        };
        let section = if ahead.starts_with(CDATA_OPEN) {
            (CDATA_OPEN, &b"]]>"[..], "a CDATA section")
        } else if ahead.starts_with(b"<!--") {
            (&b"<!--"[..], &b"-->"[..], "a comment")
        } else {
            return Ok(());
        };
        let (open, close, what) = section;
        let line = source.line();
        source.consume(open.len());
        skip_past(source, close).map_err(|e| match e {
            Some(e) => io_error(source, e),
            None => ReportError {
                line,
                message: format!("{what} that is never closed"),
            },
        })?;
    }
}

const CDATA_OPEN: &[u8] = b"<![CDATA[";

/// Consumes up to and including `close`; `Err(None)` when the input ends
/// first.
fn skip_past<R: Read>(source: &mut Source<R>, close: &[u8]) -> Result<(), Option<std::io::Error>> {
    loop {
        let buf = source.peek(close.len()).map_err(Some)?;
        if buf.len() < close.len() {
            return Err(None);
        }
        if let Some(at) = buf.windows(close.len()).position(|w| w == close) {
            source.consume(at + close.len());
            return Ok(());
        }
        // Keep the last bytes: `close` may begin there.
        let keep = close.len() - 1;
        let n = buf.len() - keep;
        source.consume(n);
    }
}

fn xml_error<R: Read>(source: &Source<R>, error: &quick_xml::Error) -> ReportError {
    if let Some(limit) = source.exceeded() {
        return limit;
    }
    source.error(format!("malformed XML: {error}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_str(text: &str) -> Result<Report, ReportError> {
        read(text.as_bytes(), &Limits::default())
    }

    fn metric(report: &Report, name: &str) -> Option<f64> {
        report.entries[0].metrics.get(name).map(|m| m.value)
    }

    #[test]
    fn counts_cases_not_attributes() {
        let report = read_str(
            r#"<testsuites tests="99"><testsuite tests="42">
                 <testcase name="a" time="0.5"/>
                 <testcase name="b"><failure/></testcase>
                 <testcase name="c"><skipped/></testcase>
                 <testcase name="d"><error message="x"/></testcase>
               </testsuite></testsuites>"#,
        )
        .map_err(|e| e.to_string());
        let Ok(report) = report else {
            panic!("{report:?}")
        };
        assert_eq!(metric(&report, "tests"), Some(4.0));
        assert_eq!(metric(&report, "passed"), Some(1.0));
        assert_eq!(metric(&report, "failures"), Some(1.0));
        assert_eq!(metric(&report, "errors"), Some(1.0));
        assert_eq!(metric(&report, "skipped"), Some(1.0));
        assert_eq!(metric(&report, "pass_rate"), Some(1.0 / 3.0));
        assert_eq!(metric(&report, "duration"), Some(0.5));
    }

    #[test]
    fn flaky_attempts_of_a_passing_test_count_as_passed() {
        let report = read_str(
            r#"<testsuite><testcase name="a"><flakyFailure><system-out/></flakyFailure></testcase>
               <testcase name="b"><failure/><rerunFailure/></testcase></testsuite>"#,
        );
        let Ok(report) = report else {
            panic!("{report:?}")
        };
        assert_eq!(metric(&report, "passed"), Some(1.0));
        assert_eq!(metric(&report, "failures"), Some(1.0));
    }

    #[test]
    fn a_failure_nested_deeper_than_a_child_is_not_the_cases() {
        let report = read_str(
            r#"<testsuite><testcase name="a"><rerunFailure><failure/></rerunFailure></testcase></testsuite>"#,
        );
        let Ok(report) = report else {
            panic!("{report:?}")
        };
        assert_eq!(metric(&report, "passed"), Some(1.0));
    }

    #[test]
    fn no_test_ran_means_no_pass_rate() {
        let report = read_str(r#"<testsuite><testcase name="a"><skipped/></testcase></testsuite>"#);
        let Ok(report) = report else {
            panic!("{report:?}")
        };
        assert_eq!(metric(&report, "pass_rate"), None);
        assert_eq!(metric(&report, "duration"), None);
    }

    #[test]
    fn truncated_report_names_its_last_line() {
        let err = read_str("<testsuites>\n<testsuite>\n<testcase name=\"a\"/>\n");
        assert_eq!(err.map_err(|e| e.line), Err(3));
    }

    #[test]
    fn mismatched_end_tag_names_its_line() {
        let err = read_str("<testsuites>\n<testsuite>\n</testsuites>\n</testsuite>\n");
        assert_eq!(err.map_err(|e| e.line), Err(3));
    }

    #[test]
    fn bad_time_names_its_line() {
        let err = read_str("<testsuite>\n<testcase time=\"NaN\"/>\n</testsuite>");
        let Err(err) = err else { panic!("{err:?}") };
        assert_eq!(err.line, 2);
        assert!(err.message.contains("time=\"NaN\""), "{}", err.message);
    }

    #[test]
    fn other_root_is_refused() {
        let err = read_str("<html><testcase/></html>");
        assert!(matches!(err, Err(e) if e.message.contains("<html>")));
    }

    #[test]
    fn item_and_depth_limits() {
        let limits = Limits {
            max_items: 1,
            ..Limits::default()
        };
        let two = "<testsuite>\n<testcase/>\n<testcase/>\n</testsuite>";
        assert_eq!(read(two.as_bytes(), &limits).map_err(|e| e.line), Err(3));
        let limits = Limits {
            max_depth: 3,
            ..Limits::default()
        };
        // An empty element is as deep as a start tag would be.
        let deep = "<testsuites><testsuite>\n<testcase/></testsuite></testsuites>";
        assert!(read(deep.as_bytes(), &limits).is_ok());
        let deeper =
            "<testsuites><testsuite>\n<testsuite><testcase/></testsuite></testsuite></testsuites>";
        assert_eq!(read(deeper.as_bytes(), &limits).map_err(|e| e.line), Err(2));
    }

    #[test]
    fn text_cdata_and_comments_are_skipped() {
        let report = read_str(
            "<testsuite><!-- a <testcase/> in a comment -->\n<testcase name=\"a\">text &amp; <![CDATA[<failure/> ]] > ]]]]></testcase>\n</testsuite>",
        );
        let Ok(report) = report else {
            panic!("{report:?}")
        };
        assert_eq!(metric(&report, "tests"), Some(1.0));
        assert_eq!(metric(&report, "passed"), Some(1.0));
        let err = read_str("<testsuite>\n<testcase><![CDATA[\nnever closed ]]");
        let Err(err) = err else { panic!("{err:?}") };
        assert_eq!(
            (err.line, err.message.as_str()),
            (2, "a CDATA section that is never closed")
        );
    }

    #[test]
    fn surefire_comma_times() {
        assert_eq!(parse_seconds("1,234.5"), Some(1234.5));
        assert_eq!(parse_seconds("-1"), None);
        assert_eq!(parse_seconds("inf"), None);
    }
}
