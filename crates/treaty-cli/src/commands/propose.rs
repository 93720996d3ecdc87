//! `treaty propose`: runs the check, and for an interface that fails
//! writes `proposals/cp-N.yaml` (the next free number) with the hash of
//! its failing change set, the changes, why, the rollback plan and who
//! must approve. In the repository-only mode the approvals are then added
//! to the file and reviewed like any change; `treaty check` honours a
//! proposal whose hash matches and whose approvals are complete.

use std::fmt::Write;

use super::repo_files::{self, Item, quoted};
use crate::big_stack;
use crate::check::{self, InterfaceReport};
use crate::cli::ProposeArgs;
use crate::exit::{self, Exit};

pub fn run(args: ProposeArgs) -> Exit {
    if args.rollback.trim().is_empty() {
        return exit::error("--rollback is empty: say how the change is undone if it goes wrong");
    }
    let broker = crate::broker::proposals::chosen(&args.proposals.url, &args.proposals.token);
    let options = check::Options {
        all_transitive: false,
        max_history: check::DEFAULT_MAX_HISTORY,
        today: super::today(),
        broker: broker.clone(),
    };
    let (dir, base) = (args.dir.clone(), args.base.clone());
    let report = match big_stack::run(move || check::check(&dir, &base, &options)) {
        Some(Ok(r)) => r,
        Some(Err(e)) => return exit::error(e),
        None => return exit::error("the comparison stopped unexpectedly"),
    };
    let Some(found) = report.interfaces.iter().find(|i| i.id == args.interface) else {
        return exit::error(format!(
            "no interface `{}` in the workspace",
            args.interface
        ));
    };
    let Some(standing) = &found.proposal else {
        return exit::error(format!(
            "nothing to propose: `{}` does not fail against {} ({})",
            found.id, report.base, found.status
        ));
    };
    if matches!(standing.state, "approved" | "unavailable") {
        return exit::error(format!("`{}`: {}", found.id, standing.detail));
    }
    if let Some(broker) = &broker {
        if args.draft {
            return exit::error(
                "--draft is for proposal files: the broker opens a proposal at once",
            );
        }
        return crate::broker::report(crate::broker::proposals::propose(
            broker, &args, found, standing,
        ));
    }
    let id = format!("cp-{}", repo_files::next_number(&args.dir, Item::Proposal));
    let text = proposal_file(&id, &args, found, &standing.change_set, &report.base);
    let path = match repo_files::create(&args.dir, &Item::Proposal.path(&id), &text) {
        Ok(path) => path,
        Err(e) => return exit::error(e),
    };
    let whom = found
        .needs_approval
        .as_ref()
        .map(|n| n.from.join(", "))
        .unwrap_or_default();
    let next = if args.draft {
        format!("a draft: `treaty proposal open {id}` asks {whom} for approval")
    } else {
        format!("needs approval from {whom}: add their decisions to the file")
    };
    super::print(&format!(
        "wrote {}: {} for `{}` ({})\n{next}\n",
        path.display(),
        id,
        found.id,
        standing.change_set
    ));
    Exit::Success
}

fn proposal_file(
    id: &str,
    args: &ProposeArgs,
    found: &InterfaceReport,
    hash: &str,
    base: &str,
) -> String {
    let mut out = String::new();
    let _ = writeln!(out,);
    let _ = writeln!(
        out,
        "# Written by `treaty propose` against {base}. Approvers add a decision"
    );
    let _ = writeln!(
        out,
        "# each under `decisions:` (team, decision: approve|reject, by, on, reason)."
    );
    let _ = writeln!(out, "id: {id}");
    let _ = writeln!(out, "title: {}", quoted(&args.title));
    let _ = writeln!(out, "interface: {}", quoted(&found.id));
    let producer = found.producer.as_deref().unwrap_or_default();
    let _ = writeln!(out, "proposer: {}", quoted(producer));
    let _ = writeln!(out, "change_set: {}", quoted(hash));
    let _ = writeln!(out, "changes:");
    for c in found
        .changes
        .iter()
        .filter(|c| c.standing == treaty_core::check::Standing::Fails)
    {
        let _ = writeln!(out, "  - rule: {}", c.change.rule);
        let _ = writeln!(out, "    message: {}", quoted(&c.change.message));
        let affects: Vec<String> = c
            .change
            .affects
            .iter()
            .flatten()
            .map(|t| quoted(t))
            .collect();
        if !affects.is_empty() {
            let _ = writeln!(out, "    affects: [{}]", affects.join(", "));
        }
    }
    if let Some(reason) = &args.reason {
        let _ = writeln!(out, "reason: {}", quoted(reason));
    }
    let _ = writeln!(out, "essential: {}", args.essential);
    let _ = writeln!(out, "rollback: {}", quoted(&args.rollback));
    if let Some(release) = &args.target_release {
        let _ = writeln!(out, "target_release: {}", quoted(release));
    }
    let _ = writeln!(out, "state: {}", if args.draft { "draft" } else { "open" });
    if let Some(n) = &found.needs_approval {
        let _ = writeln!(out, "# Needs approval from: {}", n.from.join(", "));
    }
    let _ = writeln!(out, "decisions: []");
    out
}
