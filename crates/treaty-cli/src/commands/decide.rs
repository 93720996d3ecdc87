//! `treaty approve` and `treaty reject` in the repository-only mode:
//! append a team's decision to a proposal file (`cp-N`) or a waiver file
//! (`w-N`), as the last entry of its `decisions` (a team's latest decision
//! counts). The file must stay valid, or nothing is written. Who may
//! decide for a team is the code review's call in this mode (see
//! docs/format.md). With `--broker`, the broker records the decision.

use super::repo_files::{self, Item, quoted};
use crate::cli::DecideArgs;
use crate::exit::{self, Exit};

pub fn run(args: DecideArgs, decision: &'static str) -> Exit {
    if args.reason.trim().is_empty() {
        return exit::error("--reason is empty: say why");
    }
    if let Some(broker) =
        crate::broker::proposals::chosen(&args.proposals.url, &args.proposals.token)
    {
        return crate::broker::report(crate::broker::proposals::decide(&broker, &args, decision));
    }
    let (Some(team), Some(by)) = (&args.team, &args.by) else {
        return exit::error(
            "--team and --by are required for a proposal or waiver file (or pass --broker to decide in the broker)",
        );
    };
    let item = match Item::of(&args.proposal) {
        Ok(item) => item,
        Err(e) => return exit::error(e),
    };
    let rel = item.path(&args.proposal);
    let path = args.dir.join(&rel);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => return exit::error(format!("cannot read {}: {e}", path.display())),
    };
    for (what, value) in [("--team", team), ("--by", by)] {
        if value.trim().is_empty() {
            return exit::error(format!("{what} is empty"));
        }
    }
    // Decisions are the file's last key (as `treaty propose` and `treaty
    // waive` write it): an entry appended there is the latest.
    let Some(at) = text.rfind("\ndecisions:").map(|at| at + 1) else {
        return exit::error(format!(
            "{}: no `decisions:` key at the start of a line; add the decision by hand",
            path.display()
        ));
    };
    let rest = &text[at + "decisions:".len()..];
    let rest_is_list = rest
        .lines()
        .skip(1)
        .all(|l| l.is_empty() || l.starts_with(' ') || l.starts_with('#'));
    let head = rest.lines().next().unwrap_or("").trim();
    if !rest_is_list || !(head.is_empty() || head == "[]") {
        return exit::error(format!(
            "{}: `decisions` is not the file's last key in block form; add the decision by hand",
            path.display()
        ));
    }
    let mut updated = if head == "[]" {
        format!("{}decisions:\n", &text[..at])
    } else {
        let mut t = text.clone();
        if !t.ends_with('\n') {
            t.push('\n');
        }
        t
    };
    updated.push_str(&format!(
        "  - team: {}\n    decision: {decision}\n    by: {}\n    on: {}\n    reason: {}\n",
        quoted(team),
        quoted(by),
        super::today(),
        quoted(&args.reason)
    ));
    // The team must exist and the workspace still read with the new
    // text: checked before anything is written.
    let (now, _) = treaty_core::load(&crate::fs_source::FsSource::new(&args.dir));
    if !repo_files::known_team(&now, team) {
        return exit::error(format!(
            "{}: unknown team `{team}`; nothing written",
            path.display()
        ));
    }
    let ws = match repo_files::would_validate(&args.dir, &rel, &updated) {
        Ok(ws) => ws,
        Err(e) => return exit::error(e),
    };
    if !item.loaded(&ws, &args.proposal) {
        return exit::error(format!(
            "{}: the file would not be read as `{}`; nothing written",
            path.display(),
            args.proposal
        ));
    }
    if let Err(e) = repo_files::replace(&args.dir, &rel, &updated) {
        return exit::error(e);
    }
    super::print(&format!(
        "{}: {team} {decision}s ({by}); commit the file for review\n",
        path.display()
    ));
    Exit::Success
}
