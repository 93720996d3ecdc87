//! Fuzzing each schema format: a mutation of an example schema (OpenAPI,
//! JSON Schema, Avro, AsyncAPI, Protobuf) is diffed against the unmutated
//! schema, both ways, through [`diff_interface`]. It must never panic: it
//! answers changes, or an error whose span lies inside the file it names.
//! A few hundred cases per format by default; `TREATY_FUZZ_CASES=100000`
//! for a long run (see docs/testing.md, "Fuzzing").

#[path = "../../treaty-syntax/tests/support/mutate.rs"]
mod mutate;

use std::collections::HashMap;

use proptest::prelude::*;
use proptest::sample::Index;
use treaty_compat::{
    CompatError, DiffSpec, DocumentSource, Format, InterfaceVersion, ReadError, diff_interface,
};

/// Files in memory, by workspace-relative path.
#[derive(Clone)]
struct Files(HashMap<String, Vec<u8>>);

impl DocumentSource for Files {
    fn read(&self, path: &str, max_bytes: usize) -> Result<Vec<u8>, ReadError> {
        let bytes = self.0.get(path).ok_or(ReadError::NotFound)?;
        if bytes.len() > max_bytes {
            return Err(ReadError::TooLarge {
                size: bytes.len() as u64,
                limit: max_bytes,
            });
        }
        Ok(bytes.clone())
    }
}

fn acme() -> Files {
    Files(mutate::acme_files().iter().cloned().collect())
}

/// The example schemas of one format, as entry paths.
fn entries(format: Format) -> Vec<&'static str> {
    match format {
        Format::OpenApi => vec![
            "schemas/catalog-api.openapi.json",
            "schemas/identity-api.openapi.yaml",
            "schemas/payments-api.openapi.yaml",
        ],
        Format::JsonSchema => vec![
            "schemas/customer-profile.schema.json",
            "schemas/order-placed.schema.json",
        ],
        Format::Avro => vec![
            "schemas/payment-settled.avsc",
            "schemas/shipment-event.avsc",
        ],
        Format::AsyncApi => vec!["schemas/order-events.asyncapi.yaml"],
        Format::Protobuf => vec![
            "schemas/proto/acme/fulfillment/v1/fulfillment.proto",
            "schemas/proto/acme/inventory/v1/inventory.proto",
        ],
    }
}

/// Mutates one file (the entry, or for Protobuf possibly the file it
/// imports) and diffs seed → mutant and mutant → seed, as `format` and as
/// detected.
fn diff_mutant(format: Format, entry: &Index, target: &Index, mutations: &[mutate::Mutation]) {
    let seed = acme();
    let candidates = entries(format);
    let entry = candidates[entry.index(candidates.len())];
    let mut mutated_files = vec![entry];
    if format == Format::Protobuf {
        mutated_files.push("schemas/proto/acme/common/v1/money.proto");
    }
    let mutated_path = mutated_files[target.index(mutated_files.len())];
    let mut mutant = seed.clone();
    if let Some(bytes) = mutant.0.get_mut(mutated_path) {
        *bytes = mutate::apply(bytes, mutations);
    }
    let include_paths = ["schemas/proto".to_string()];
    let version = |files| InterfaceVersion {
        source: files,
        entry,
        include_paths: &include_paths,
    };
    let specs = [DiffSpec::of(format), DiffSpec::default()];
    for spec in &specs {
        for (old, new) in [(&seed, &mutant), (&mutant, &seed)] {
            if let Err(e) = diff_interface(&version(old), &version(new), spec) {
                assert_error_inside(&e);
            }
        }
    }
}

fn assert_error_inside(error: &CompatError) {
    assert!(!error.diagnostic.message.is_empty());
    if let Some(span) = error.diagnostic.span {
        let Some(file) = &error.file else {
            panic!(
                "error {:?} has a span but no file",
                error.diagnostic.message
            );
        };
        assert!(
            span.start <= span.end && span.end as usize <= file.text().len(),
            "span {}..{} outside {} ({} bytes): {}",
            span.start,
            span.end,
            file.name(),
            file.text().len(),
            error.diagnostic.message
        );
        let _ = error.sources().locate(span);
    }
}

proptest! {
    #![proptest_config(mutate::config(128))]

    #[test]
    fn mutated_openapi_never_panics(
        entry in any::<Index>(), target in any::<Index>(), m in mutate::mutations()
    ) {
        diff_mutant(Format::OpenApi, &entry, &target, &m);
    }

    #[test]
    fn mutated_json_schema_never_panics(
        entry in any::<Index>(), target in any::<Index>(), m in mutate::mutations()
    ) {
        diff_mutant(Format::JsonSchema, &entry, &target, &m);
    }

    #[test]
    fn mutated_avro_never_panics(
        entry in any::<Index>(), target in any::<Index>(), m in mutate::mutations()
    ) {
        diff_mutant(Format::Avro, &entry, &target, &m);
    }

    #[test]
    fn mutated_asyncapi_never_panics(
        entry in any::<Index>(), target in any::<Index>(), m in mutate::mutations()
    ) {
        diff_mutant(Format::AsyncApi, &entry, &target, &m);
    }

    #[test]
    fn mutated_protobuf_never_panics(
        entry in any::<Index>(), target in any::<Index>(), m in mutate::mutations()
    ) {
        diff_mutant(Format::Protobuf, &entry, &target, &m);
    }
}
