//! Times reading files into position-carrying trees, the first step of
//! `treaty diff`: `cargo run --release -p treaty-syntax --example read_time
//! -- FILE... [--runs N]` prints the median time to parse all the files
//! (the files are read from disk once, before timing).

use std::time::{Duration, Instant};

use treaty_syntax::{Limits, SourceMap, parse};

fn main() -> Result<(), String> {
    let mut runs = 11usize;
    let mut paths = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--runs" {
            runs = args
                .next()
                .and_then(|n| n.parse().ok())
                .ok_or("--runs takes a number")?;
        } else {
            paths.push(arg);
        }
    }
    let mut sources = SourceMap::new();
    let mut files = Vec::new();
    for path in &paths {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
        files.push((sources.add(path.as_str(), text.as_str()), text));
    }
    let mut times: Vec<Duration> = Vec::new();
    for _ in 0..runs.max(1) {
        let start = Instant::now();
        for (id, text) in &files {
            let tree = parse(text, *id, &Limits::SCHEMA_FILE).map_err(|e| e.message)?;
            std::hint::black_box(&tree);
        }
        times.push(start.elapsed());
    }
    times.sort();
    let median = times[times.len() / 2];
    println!(
        "{} file(s), {} runs: median {:.1} ms",
        files.len(),
        times.len(),
        median.as_secs_f64() * 1000.0
    );
    Ok(())
}
