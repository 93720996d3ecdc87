//! `treaty check`: runs the comparison of `crate::check` on a deep stack
//! and prints its report.

use crate::big_stack;
use crate::check;
use crate::cli::{CheckArgs, CheckFormat};
use crate::exit::{self, Exit};
use crate::{code_quality, finding};

pub fn run(args: CheckArgs) -> Exit {
    let CheckArgs {
        dir,
        base,
        format,
        transitive,
        max_history,
        today,
        verbose,
        proposals,
    } = args;
    let options = check::Options {
        all_transitive: transitive,
        max_history,
        today: today.unwrap_or_else(super::today),
        broker: crate::broker::proposals::chosen(&proposals.url, &proposals.token),
    };
    // Findings name files from where the command runs: the workspace
    // directory as given leads them.
    let shown_dir = dir.display().to_string();
    let report = match big_stack::run(move || check::check(&dir, &base, &options)) {
        Some(Ok(r)) => r,
        Some(Err(e)) => return exit::error(e),
        None => return exit::error("the comparison stopped unexpectedly"),
    };
    let out = match format {
        CheckFormat::Text => check::text(&report, verbose),
        CheckFormat::Json => serde_json::to_string_pretty(&report).unwrap_or_default() + "\n",
        CheckFormat::Markdown => check::markdown(&report),
        CheckFormat::Sarif => crate::sarif::render(&finding::of_check(&report, &shown_dir)),
        CheckFormat::Gitlab => code_quality::render(&finding::of_check(&report, &shown_dir)),
    };
    super::print(&out);
    exit::of_check(report.summary.errors, report.summary.failed)
}
