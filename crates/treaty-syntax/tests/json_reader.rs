//! Invariants of the JSON reader's fast paths: a string without escapes is
//! sliced from the input, one with escapes decoded byte by byte, and both
//! must give the text serde_json wrote; a small mapping is checked for
//! duplicate keys pair by pair, a large one by sorting, and both must
//! report the same duplicate.

use std::collections::BTreeMap;

use proptest::prelude::*;
use treaty_syntax::{Limits, SourceId, SyntaxErrorKind, parse};

proptest! {
    #[test]
    fn strings_read_back_as_written(value in any::<String>(), key in "[a-z]{0,3}") {
        let quoted = serde_json::to_string(&value).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let text = format!("{{\"{key}\": {quoted}}}");
        let node = parse(&text, SourceId(0), &Limits::SCHEMA_FILE)
            .map_err(|e| TestCaseError::fail(e.message))?;
        let read = node.get(&key).ok_or_else(|| TestCaseError::fail("no entry"))?;
        prop_assert_eq!(read.as_str(), Some(value.as_str()));
        // The span is the quoted text, quotes included.
        let at = read.span.start as usize..read.span.end as usize;
        prop_assert_eq!(&text[at], quoted.as_str());
    }

    #[test]
    fn the_smallest_duplicate_key_is_reported(keys in prop::collection::vec("[a-e]{1,2}", 0..40)) {
        let body: Vec<String> = keys.iter().enumerate().map(|(i, k)| format!("\"{k}\": {i}")).collect();
        let text = format!("{{{}}}", body.join(", "));
        // Where each key occurs, in key order: the first with two places
        // is what must be reported, at its second place.
        let mut places: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (i, k) in keys.iter().enumerate() {
            places.entry(k).or_default().push(i);
        }
        let expected = places.iter().find(|(_, at)| at.len() > 1);
        match (parse(&text, SourceId(0), &Limits::SCHEMA_FILE), expected) {
            (Ok(_), None) => {}
            (Err(e), Some((key, at))) => {
                prop_assert_eq!(e.kind, SyntaxErrorKind::DuplicateKey);
                prop_assert_eq!(e.message, format!("duplicate key `{key}`"));
                let offset = |i: usize| text.find(&format!("\"{}\": {i}", keys[i])).map(|o| o as u32);
                prop_assert_eq!(Some(e.span.start), offset(at[1]));
                prop_assert_eq!(e.previous.map(|p| p.start), offset(at[0]));
            }
            (Ok(_), Some((key, _))) => prop_assert!(false, "duplicate `{}` accepted", key),
            (Err(e), None) => prop_assert!(false, "refused: {}", e.message),
        }
    }
}
