//! Fuzzing the YAML/JSON reader: random bytes and mutations of the example
//! workspace's files go through [`decode`] and [`parse`], which must never
//! panic and must answer either a tree whose every span lies inside the
//! text or an error whose span does. A few hundred cases per test by
//! default; `TREATY_FUZZ_CASES=100000` for a long run (see
//! docs/testing.md, "Fuzzing").

#[path = "support/mutate.rs"]
mod mutate;

use proptest::prelude::*;
use treaty_syntax::{Limits, Node, SourceMap, Span, Value, decode, parse};

/// Decodes and parses `bytes` as one file; panics (failing the case) only
/// when an answer points outside the text.
fn read(bytes: &[u8]) {
    let limits = Limits::default();
    let mut sources = SourceMap::new();
    let text = String::from_utf8_lossy(bytes).into_owned();
    let file = sources.add("fuzz.yaml", text);
    match decode(bytes, file, &limits) {
        Err(e) => {
            assert_span_inside(e.span, bytes.len(), &sources);
            let _ = e.to_diagnostic();
        }
        Ok(text) => match parse(text, file, &limits) {
            Ok(node) => assert_tree_inside(&node, text.len(), &sources),
            Err(e) => {
                assert_span_inside(e.span, text.len(), &sources);
                if let Some(previous) = e.previous {
                    assert_span_inside(previous, text.len(), &sources);
                }
                let diagnostic = e.to_diagnostic();
                assert!(!diagnostic.message.is_empty());
            }
        },
    }
}

fn assert_span_inside(span: Span, len: usize, sources: &SourceMap) {
    assert!(
        span.start <= span.end && span.end as usize <= len,
        "span {}..{} outside a text of {len} bytes",
        span.start,
        span.end
    );
    // Where a diagnostic is shown: must not panic, whatever the column.
    let located = sources.locate(span);
    assert!(located.is_some(), "span in an unknown file");
}

fn assert_tree_inside(node: &Node, len: usize, sources: &SourceMap) {
    // Iterative: a deep tree (within the depth limit) must not be what
    // overflows the test's stack.
    let mut todo = vec![node];
    while let Some(n) = todo.pop() {
        assert_span_inside(n.span, len, sources);
        match &n.value {
            Value::Scalar(_) => {}
            Value::Seq(items) => todo.extend(items),
            Value::Map(entries) => {
                for (k, v) in entries {
                    todo.push(k);
                    todo.push(v);
                }
            }
        }
    }
}

/// The example workspace's YAML, JSON and Avro files.
fn seeds() -> Vec<&'static [u8]> {
    mutate::acme_files()
        .iter()
        .filter(|(path, _)| !path.ends_with(".proto"))
        .map(|(_, bytes)| bytes.as_slice())
        .collect()
}

proptest! {
    #![proptest_config(mutate::config(256))]

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        read(&bytes);
    }

    #[test]
    fn random_structural_text_never_panics(
        text in "[-{}\\[\\]:,\"' \n\ta-c0-9&*!|>?#%@`\\\\]{0,256}"
    ) {
        read(text.as_bytes());
    }

    #[test]
    fn mutated_examples_never_panic(
        seed in any::<proptest::sample::Index>(),
        mutations in mutate::mutations(),
    ) {
        let seeds = seeds();
        read(&mutate::apply(seeds[seed.index(seeds.len())], &mutations));
    }
}

/// The crash that started this: a one-line file with an error past column
/// 65,535 (the renderer could not draw it). The reader must place it.
#[test]
fn an_error_past_column_65535_is_located() {
    let text = format!("{{\"a\": {}\"b\" 1}}", " ".repeat(70_000));
    let mut sources = SourceMap::new();
    let file = sources.add("long.json", text.clone());
    let error = match parse(&text, file, &Limits::default()) {
        Ok(_) => panic!("malformed JSON was accepted"),
        Err(e) => e,
    };
    let Some((_, at)) = sources.locate(error.span) else {
        panic!("the error's span is in no file");
    };
    assert_eq!(at.line, 1);
    assert!(at.column > 65_535, "column {}", at.column);
}
