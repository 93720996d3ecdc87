//! `treaty diff OLD NEW`: reads the two sides (protobuf or a document
//! format), compares them on a deep stack and prints the report; the exit
//! code follows the policy.

use std::path::{Path, PathBuf};

use treaty_compat::Policy;

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
    } = args;
    if diff::is_proto(&old) || diff::is_proto(&new) {
        proto(old, new, policy, format, proto_category, includes)
    } else {
        document(&old, &new, policy, format, kind)
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
    let result = big_stack::run(move || {
        let source = diff::FileDocuments;
        let o = diff::proto_input(&source, &old, &includes)?;
        let n = diff::proto_input(&source, &new, &includes)?;
        treaty_compat::diff_proto(&o, &n, category).map_err(|e| e.diagnostic.message.clone())
    });
    match result {
        Some(Ok(d)) => emit(&d, policy, format, "protobuf"),
        Some(Err(e)) => exit::error(e),
        None => Exit::BadInput,
    }
}

fn document(
    old: &Path,
    new: &Path,
    policy: Policy,
    format: DiffFormat,
    kind: Option<treaty_compat::Format>,
) -> Exit {
    let (old_path, new_path) = (old.display().to_string(), new.display().to_string());
    let Some(result) = big_stack::run(move || {
        let source = diff::FileDocuments;
        treaty_compat::diff(&source, &old_path, &source, &new_path, kind)
    }) else {
        return exit::error("the comparison stopped unexpectedly");
    };
    match result {
        Ok(d) => emit(
            &d,
            policy,
            format,
            &format!("{} → {}", old.display(), new.display()),
        ),
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

/// Prints a diff in the format asked for; the exit code follows the policy.
fn emit(diff: &treaty_compat::Diff, policy: Policy, format: DiffFormat, title: &str) -> Exit {
    let report = diff::report(diff, policy);
    let out = match format {
        DiffFormat::Text => diff::text(&report),
        DiffFormat::Json => serde_json::to_string_pretty(&report).unwrap_or_default() + "\n",
        DiffFormat::Markdown => diff::markdown(&report, title),
        DiffFormat::Sarif => diff::sarif(&report) + "\n",
        DiffFormat::Junit => diff::junit(&report, title),
    };
    super::print(&out);
    exit::of_diff(diff, policy)
}
