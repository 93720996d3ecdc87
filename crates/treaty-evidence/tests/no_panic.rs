//! No input makes a reader panic: arbitrary bytes, and real reports cut
//! or corrupted at arbitrary places, give a report or an error. And
//! whatever is read stays within its limits.

use std::fs;
use std::path::Path;

use proptest::prelude::*;
use treaty_evidence::{Limits, ReportFormat, read};

fn fixture(format: ReportFormat, name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(format.name())
        .join(name);
    fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn format() -> impl Strategy<Value = ReportFormat> {
    prop::sample::select(ReportFormat::ALL.to_vec())
}

/// Small limits, so that hitting them is common.
fn limits() -> impl Strategy<Value = Limits> {
    (1u64..4096, 1usize..8, 1usize..8).prop_map(|(max_bytes, max_depth, max_items)| Limits {
        max_bytes,
        max_depth,
        max_items,
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_bytes(format in format(), bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = read(format, &bytes[..], &Limits::default());
    }

    #[test]
    fn arbitrary_text_of_the_formats_alphabet(
        format in format(),
        text in "[<>/=\"a-z{}\\[\\]:, 0-9.\n-]{0,300}",
    ) {
        let _ = read(format, text.as_bytes(), &Limits::default());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn real_reports_cut_and_corrupted(
        cut in 0.0f64..1.0,
        flips in prop::collection::vec((0.0f64..1.0, any::<u8>()), 0..4),
        limits in limits(),
        which in 0usize..7,
    ) {
        let (format, name) = [
            (ReportFormat::Junit, "nextest-mixed.xml"),
            (ReportFormat::Junit, "pytest-mixed.xml"),
            (ReportFormat::Junit, "surefire-flaky.xml"),
            (ReportFormat::Sarif, "semgrep.sarif"),
            (ReportFormat::Sarif, "clippy-sarif.sarif"),
            (ReportFormat::Metrics, "benchmarks.json"),
            (ReportFormat::CriterionEstimates, "sum_1000.json"),
        ][which];
        let mut bytes = fixture(format, name);
        for (at, byte) in flips {
            let i = ((bytes.len() as f64) * at) as usize;
            if let Some(b) = bytes.get_mut(i) {
                *b = byte;
            }
        }
        bytes.truncate(((bytes.len() as f64) * cut) as usize);
        if let Ok(report) = read(format, &bytes[..], &limits) {
            // Nothing past the byte limit was read to make it.
            prop_assert!(bytes.len() as u64 <= limits.max_bytes);
            let counted = match format {
                ReportFormat::Junit => report.entries[0].metrics.get("tests").map_or(0.0, |m| m.value),
                ReportFormat::Sarif => report.entries[0].metrics.get("findings").map_or(0.0, |m| m.value),
                ReportFormat::Metrics => report.entries.iter().map(|e| e.metrics.len()).sum::<usize>() as f64,
                ReportFormat::CriterionEstimates => 0.0,
            };
            prop_assert!(counted <= limits.max_items as f64);
        }
    }
}
