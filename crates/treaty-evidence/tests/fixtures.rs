//! Tests as data: every file under `tests/data/<format>/` is read as that
//! format and its outcome snapshotted: the report as JSON, or the error
//! with its line. Files named `malformed-*` must be refused, the others
//! read. Provenance of each file: `tests/data/PROVENANCE.md`.

use std::fs;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use treaty_evidence::{Limits, Report, ReportFormat, read};

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

/// Every fixture as (format, case name, path), in a stable order.
fn fixtures() -> Vec<(ReportFormat, String, PathBuf)> {
    let mut all = Vec::new();
    for format in ReportFormat::ALL {
        let dir = data_dir().join(format.name());
        let Ok(listing) = fs::read_dir(&dir) else {
            continue;
        };
        for file in listing.flatten() {
            let path = file.path();
            let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
                continue;
            };
            all.push((format, stem.to_owned(), path.clone()));
        }
    }
    all.sort_by(|a, b| a.2.cmp(&b.2));
    all
}

fn read_file(format: ReportFormat, path: &Path) -> Result<Report, treaty_evidence::ReportError> {
    let file = fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    read(format, BufReader::new(file), &Limits::default())
}

#[test]
fn every_fixture_reads_as_its_snapshot_says() {
    let fixtures = fixtures();
    // Each format has real reports, and each has refused ones.
    for format in [
        ReportFormat::Junit,
        ReportFormat::Sarif,
        ReportFormat::Metrics,
    ] {
        assert!(
            fixtures
                .iter()
                .any(|(f, n, _)| *f == format && n.starts_with("malformed-")),
            "no malformed {format} fixture"
        );
        assert!(
            fixtures
                .iter()
                .any(|(f, n, _)| *f == format && !n.starts_with("malformed-")),
            "no {format} fixture"
        );
    }
    for (format, name, path) in fixtures {
        let outcome = read_file(format, &path);
        let text = match &outcome {
            Ok(report) => serde_json::to_string_pretty(report).unwrap_or_else(|e| panic!("{e}")),
            Err(e) => format!("error: {e}"),
        };
        assert_eq!(
            outcome.is_err(),
            name.starts_with("malformed-"),
            "{}: {text}",
            path.display()
        );
        insta::assert_snapshot!(format!("{format}__{name}"), text);
    }
}

#[test]
fn shards_of_one_run_combine() {
    let junit = |name: &str| {
        read_file(ReportFormat::Junit, &data_dir().join("junit").join(name))
            .unwrap_or_else(|e| panic!("{name}: {e}"))
    };
    let shards = [junit("nextest-mixed.xml"), junit("pytest-mixed.xml")];
    let combined = Report::combine(&shards).unwrap_or_else(|e| panic!("{e}"));
    let metric = |name: &str| {
        combined.entries[0]
            .metrics
            .get(name)
            .map(|m| m.value)
            .unwrap_or(f64::NAN)
    };
    // nextest: 3 cases, 2 passed (one flaky), 1 failed; pytest: 7 cases,
    // 3 passed, 1 failed, 1 error, 2 skipped (one an xfail).
    assert_eq!(metric("tests"), 10.0);
    assert_eq!(metric("passed"), 5.0);
    assert_eq!(metric("skipped"), 2.0);
    assert_eq!(metric("pass_rate"), 5.0 / 8.0);
}
