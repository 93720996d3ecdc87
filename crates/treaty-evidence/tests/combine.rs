//! Combining shards of one run is the same as reading them as one report:
//! for JUnit, the counts of a combination are those of one file holding
//! every shard's cases, `pass_rate` included.

use proptest::prelude::*;
use treaty_evidence::{Limits, Report, ReportFormat, read};

const CHILDREN: [&str; 4] = ["", "<failure/>", "<error/>", "<skipped/>"];

fn cases(outcomes: &[usize]) -> String {
    outcomes
        .iter()
        .map(|&o| format!("<testcase time=\"0.25\">{}</testcase>", CHILDREN[o]))
        .collect()
}

fn junit(xml: &str) -> Result<Report, TestCaseError> {
    read(ReportFormat::Junit, xml.as_bytes(), &Limits::default())
        .map_err(|e| TestCaseError::fail(e.to_string()))
}

proptest! {
    #[test]
    fn shards_combine_as_one_file(
        shards in prop::collection::vec(prop::collection::vec(0..CHILDREN.len(), 0..20), 1..6),
    ) {
        let reports = shards
            .iter()
            .map(|s| junit(&format!("<testsuite>{}</testsuite>", cases(s))))
            .collect::<Result<Vec<_>, _>>()?;
        let combined = Report::combine(&reports).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let all: Vec<usize> = shards.concat();
        let whole = junit(&format!("<testsuites><testsuite>{}</testsuite></testsuites>", cases(&all)))?;
        prop_assert_eq!(combined, whole);
    }
}
