//! Times the comparison of a Pact file with an OpenAPI description, for
//! docs/PERFORMANCE.md: `cargo run --release -p treaty-pact --example
//! check_timed -- PACT OPENAPI`. Prints the time to read both files and the
//! time to compare, then the number of findings.

use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(pact_path), Some(spec_path)) = (args.next(), args.next()) else {
        return Err("usage: check_timed PACT OPENAPI".into());
    };
    let start = Instant::now();
    let pact = treaty_pact::read(&std::fs::read(&pact_path)?, &pact_path)?;
    let text = std::fs::read_to_string(&spec_path)?;
    let limits = treaty_syntax::Limits::SCHEMA_FILE;
    let mut map = treaty_syntax::SourceMap::new();
    let id = map.add(spec_path.clone(), "");
    let node = treaty_syntax::parse(&text, id, &limits)?;
    let doc = treaty_pact::to_json(&node);
    let read = start.elapsed();
    let start = Instant::now();
    let findings = treaty_pact::compare(&pact, &doc);
    let compared = start.elapsed();
    println!(
        "read {:.3} s, compared {} interaction(s) in {:.3} s, {} finding(s)",
        read.as_secs_f64(),
        pact.interactions.len(),
        compared.as_secs_f64(),
        findings.len()
    );
    Ok(())
}
