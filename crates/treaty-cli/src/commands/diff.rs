//! `treaty diff OLD NEW`: reads the two sides (protobuf or a document
//! format), compares them on a deep stack and prints the report; the exit
//! code follows the policy. Two files of different kinds are refused.

use std::path::{Path, PathBuf};

use treaty_compat::{Format, Policy};

use crate::big_stack;
use crate::cli::{DiffArgs, DiffFormat};
use crate::diff;
use crate::exit::{self, Exit};
use crate::render;

pub fn run(args: DiffArgs) -> Exit {
    let DiffArgs {
        old,
        new,
        policy,
        format,
        kind,
        proto_category,
        includes,
        undeclared_properties,
    } = args;
    // Protobuf against a document: refused before compiling anything.
    // (Two documents of different kinds are refused by the comparison,
    // which parses them anyway.)
    if kind.is_none() && diff::is_proto(&old) != diff::is_proto(&new) {
        let (o, n) = (old.clone(), new.clone());
        if let Some(Some(mismatch)) = big_stack::run(move || kinds_differ(&o, &n)) {
            return exit::error(mismatch);
        }
    }
    if diff::is_proto(&old) || diff::is_proto(&new) {
        proto(old, new, policy, format, proto_category, includes)
    } else {
        let spec = treaty_compat::DiffSpec {
            format: kind,
            undeclared_properties,
            ..treaty_compat::DiffSpec::default()
        };
        document(&old, &new, policy, format, spec)
    }
}

fn proto(
    old: PathBuf,
    new: PathBuf,
    policy: Policy,
    format: DiffFormat,
    category: treaty_compat::proto::Category,
    includes: Vec<PathBuf>,
) -> Exit {
    let shown_new = new.display().to_string();
    let result = big_stack::run(move || {
        let source = diff::FileDocuments;
        let o = diff::proto_input(&source, &old, &includes)?;
        let n = diff::proto_input(&source, &new, &includes)?;
        treaty_compat::diff_proto(&o, &n, category).map_err(|e| e.diagnostic.message.clone())
    });
    match result {
        Some(Ok(d)) => emit(&d, policy, format, "protobuf", &shown_new),
        Some(Err(e)) => exit::error(e),
        None => Exit::BadInput,
    }
}

fn document(
    old: &Path,
    new: &Path,
    policy: Policy,
    format: DiffFormat,
    spec: treaty_compat::DiffSpec,
) -> Exit {
    let (old_path, new_path) = (old.display().to_string(), new.display().to_string());
    let Some(result) = big_stack::run(move || {
        let source = diff::FileDocuments;
        treaty_compat::diff_documents(&source, &old_path, &source, &new_path, &spec)
    }) else {
        return exit::error("the comparison stopped unexpectedly");
    };
    match result {
        Ok(d) => {
            let exit = emit(
                &d,
                policy,
                format,
                &format!("{} → {}", old.display(), new.display()),
                &new.display().to_string(),
            );
            // The process ends here: freeing both documents' trees node by
            // node would cost a tenth of a large diff for nothing.
            std::mem::forget(d);
            exit
        }
        // A refusal that names no place in a file is one line.
        Err(e) if e.diagnostic.span.is_none() && e.diagnostic.file.is_none() => {
            exit::error(e.diagnostic.message.clone())
        }
        Err(e) => {
            eprint!(
                "{}",
                render::human(
                    std::slice::from_ref(e.diagnostic.as_ref()),
                    &e.sources(),
                    super::color(&std::io::stderr())
                )
            );
            Exit::BadInput
        }
    }
}

/// Why `old` and `new` cannot be compared, when they are of different
/// kinds: comparing an Avro schema with an OpenAPI description finds only
/// noise. `None` when the kinds match, or when a file's kind cannot be
/// told (the comparison then says what is wrong with it).
fn kinds_differ(old: &Path, new: &Path) -> Option<String> {
    let (old_kind, new_kind) = (kind_of(old)?, kind_of(new)?);
    (old_kind != new_kind).then(|| {
        Format::mismatch(
            &old.display().to_string(),
            old_kind,
            &new.display().to_string(),
            new_kind,
        )
    })
}

/// The kind of a file given to `treaty diff`, as the comparison would
/// detect it.
fn kind_of(path: &Path) -> Option<Format> {
    if diff::is_proto(path) {
        return Some(Format::Protobuf);
    }
    let shown = path.display().to_string();
    let mut docs = treaty_compat::Documents::new();
    let (_, root) = docs.load(&diff::FileDocuments, &shown, None).ok()?;
    treaty_compat::sniff(&shown, &root).0
}

/// Prints a diff in the format asked for; the exit code follows the policy.
/// `new` is the new side as given: where a change without a place is shown.
fn emit(
    diff: &treaty_compat::Diff,
    policy: Policy,
    format: DiffFormat,
    title: &str,
    new: &str,
) -> Exit {
    let report = diff::report(diff, policy);
    let out = match format {
        DiffFormat::Text => diff::text(&report),
        DiffFormat::Json => serde_json::to_string_pretty(&report).unwrap_or_default() + "\n",
        DiffFormat::Markdown => diff::markdown(&report, title),
        DiffFormat::Sarif => crate::sarif::render(&crate::finding::of_diff(&report, new)),
        DiffFormat::Junit => diff::junit(&report, title),
    };
    super::print(&out);
    exit::of_diff(diff, policy)
}
