//! Fuzzing the workspace loader: the example workspace with one or two of
//! its files mutated goes through [`load`] and [`validate`], which must
//! never panic and must point every diagnostic inside a file they read.
//! A few hundred cases by default; `TREATY_FUZZ_CASES=100000` for a long
//! run (see docs/testing.md, "Fuzzing").

#[path = "../../treaty-syntax/tests/support/mutate.rs"]
mod mutate;

use proptest::prelude::*;
use proptest::sample::Index;
use treaty_core::{MemorySource, load, validate};
use treaty_syntax::Diagnostic;

fn check(mutants: &[(Index, Vec<mutate::Mutation>)]) {
    let mut files = mutate::acme_files().to_vec();
    for (which, mutations) in mutants {
        let i = which.index(files.len());
        files[i].1 = mutate::apply(&files[i].1, mutations);
    }
    let mut source = MemorySource::new();
    for (path, bytes) in files {
        source.insert(path, bytes);
    }
    let (mut ws, mut diags) = load(&source);
    diags.extend(validate(&mut ws, &source, jiff::civil::date(2027, 1, 15)));
    for d in &diags {
        assert_inside(d, &ws.sources);
    }
}

fn assert_inside(d: &Diagnostic, sources: &treaty_syntax::SourceMap) {
    assert!(!d.message.is_empty(), "{} without a message", d.code);
    let spans = d.span.iter().chain(d.related.iter().map(|l| &l.span));
    for span in spans {
        let Some(file) = sources.get(span.file) else {
            panic!("{}: span in an unknown file: {}", d.code, d.message);
        };
        assert!(
            span.start <= span.end && span.end as usize <= file.text().len(),
            "{}: span {}..{} outside {} ({} bytes): {}",
            d.code,
            span.start,
            span.end,
            file.name(),
            file.text().len(),
            d.message
        );
        let _ = sources.locate(*span);
    }
}

proptest! {
    #![proptest_config(mutate::config(128))]

    #[test]
    fn mutated_workspace_never_panics(
        mutants in prop::collection::vec((any::<Index>(), mutate::mutations()), 1..3)
    ) {
        check(&mutants);
    }
}
