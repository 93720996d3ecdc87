//! `treaty approve` and `treaty reject` in the repository-only mode:
//! append a team's decision to a proposal file, as the last entry of its
//! `decisions` (a team's latest decision counts). The file must stay a
//! valid proposal, or nothing is written. Who may decide for a team is the
//! code review's call in this mode (see docs/format.md).

use crate::cli::DecideArgs;
use crate::exit::{self, Exit};
use crate::fs_source::FsSource;

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
            "--team and --by are required for a proposal file (or pass --broker to decide in the broker)",
        );
    };
    let path = args
        .dir
        .join("proposals")
        .join(format!("{}.yaml", args.proposal));
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => return exit::error(format!("cannot read {}: {e}", path.display())),
    };
    for (what, value) in [("--team", team), ("--by", by), ("--reason", &args.reason)] {
        if value.trim().is_empty() {
            return exit::error(format!("{what} is empty"));
        }
    }
    // Decisions are the file's last key (as `treaty propose` writes it):
    // an entry appended there is the latest.
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
    let quoted = |s: &str| serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_owned());
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
    if let Err(e) = std::fs::write(&path, &updated) {
        return exit::error(format!("cannot write {}: {e}", path.display()));
    }
    // The workspace must still read, and the proposal name the team.
    let (ws, _) = treaty_core::load(&FsSource::new(&args.dir));
    let known_team = ws.teams.iter().any(|t| t.id.value == *team)
        || ws
            .workspace
            .as_ref()
            .is_some_and(|w| w.teams.iter().any(|t| t.id.value == *team));
    let readable = ws.proposals.iter().any(|p| p.id.value == args.proposal);
    if !readable || !known_team {
        let _ = std::fs::write(&path, &text);
        let why = if !known_team {
            format!("unknown team `{team}`")
        } else {
            "the file would no longer be a valid proposal".to_owned()
        };
        return exit::error(format!("{}: {why}; nothing written", path.display()));
    }
    super::print(&format!(
        "{}: {} {decision}s ({}); commit the file for review\n",
        path.display(),
        team,
        by
    ));
    Exit::Success
}
