//! JUnit counts are the test cases generated, whatever text, CDATA
//! sections, comments and rerun elements surround them, and wherever the
//! reader's buffer boundaries fall (fillers up to 100 KB cross them).

use proptest::prelude::*;
use treaty_evidence::{Limits, ReportFormat, read};

/// What a case's children say, and the outcome it must count as.
const CASES: [(&str, &str); 6] = [
    ("", "passed"),
    ("<failure message=\"m\">FILL</failure>", "failures"),
    ("<error>FILL</error>", "errors"),
    ("<skipped/>", "skipped"),
    (
        "<flakyFailure><system-out>FILL</system-out></flakyFailure>",
        "passed",
    ),
    (
        "<failure/><rerunFailure><![CDATA[FILL]]></rerunFailure>",
        "failures",
    ),
];

fn filler() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z <>&;=\"/\n]{0,40}".prop_map(|s| {
            // Text as a tool escapes it, or as CDATA, or as a comment.
            let escaped = s
                .replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;");
            match s.len() % 3 {
                0 => escaped,
                1 => format!("<![CDATA[{}]]>", s.replace("]]>", "")),
                _ => format!("<!--{}-->", s.replace("--", "")),
            }
        }),
        (0usize..100_000).prop_map(|n| "x".repeat(n)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn counts_are_the_cases_generated(
        cases in prop::collection::vec((0..CASES.len(), filler()), 0..30),
    ) {
        let mut xml = String::from("<?xml version=\"1.0\"?>\n<testsuites><testsuite>\n");
        let mut expected = std::collections::BTreeMap::<&str, f64>::new();
        for (i, (kind, fill)) in cases.iter().enumerate() {
            let (children, outcome) = CASES[*kind];
            *expected.entry(outcome).or_default() += 1.0;
            xml.push_str(&format!(
                "<testcase name=\"t{i}\" time=\"0.5\">{}{}</testcase>\n",
                fill,
                children.replace("FILL", fill),
            ));
        }
        xml.push_str("</testsuite></testsuites>\n");
        let report = read(ReportFormat::Junit, xml.as_bytes(), &Limits::default());
        let report = match report {
            Ok(report) => report,
            Err(e) => return Err(TestCaseError::fail(format!("{e}"))),
        };
        let metrics = &report.entries[0].metrics;
        prop_assert_eq!(metrics.get("tests").map(|m| m.value), Some(cases.len() as f64));
        for outcome in ["passed", "failures", "errors", "skipped"] {
            prop_assert_eq!(
                metrics.get(outcome).map(|m| m.value),
                Some(expected.get(outcome).copied().unwrap_or(0.0)),
                "{}", outcome
            );
        }
        prop_assert_eq!(metrics.get("duration").map(|m| m.value), (!cases.is_empty()).then_some(0.5 * cases.len() as f64));
    }
}
