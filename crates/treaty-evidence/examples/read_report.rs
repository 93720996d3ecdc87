//! Reads one report and prints what it says as JSON:
//!
//! ```text
//! cargo run -p treaty-evidence --example read_report -- junit target/nextest/default/junit.xml
//! ```
//!
//! The format is one of `junit`, `sarif`, `metrics`, `criterion_estimates`.
//! Exit code 2 and `path:line: message` on stderr for a refused report.
//! `bench/evidence_rss.py` runs it on a 50 MB JUnit file to measure the
//! memory a streamed read takes.

use std::fs::File;
use std::io::BufReader;
use std::process::ExitCode;

use treaty_evidence::{Limits, ReportFormat, read};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [format, path] = args.as_slice() else {
        eprintln!("usage: read_report <junit|sarif|metrics|criterion_estimates> <path>");
        return ExitCode::from(2);
    };
    let format: ReportFormat = match format.parse() {
        Ok(format) => format,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let file = match File::open(path) {
        Ok(file) => file,
        Err(e) => {
            eprintln!("{path}: {e}");
            return ExitCode::from(2);
        }
    };
    match read(format, BufReader::new(file), &Limits::default()) {
        Ok(report) => match serde_json::to_string_pretty(&report) {
            Ok(json) => {
                println!("{json}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("{path}: {e}");
                ExitCode::from(2)
            }
        },
        Err(e) => {
            eprintln!("{path}:{}: {}", e.line, e.message);
            ExitCode::from(2)
        }
    }
}
