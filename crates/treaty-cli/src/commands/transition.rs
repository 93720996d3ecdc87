//! `treaty proposal open|withdraw|ship|roll-back ID --by --reason`: moves
//! a proposal (or, to open or withdraw it, a waiver) to another state in
//! the repository-only mode. `ProposalState::may_become` decides whether
//! it may; the file gets the new `state` and one more `transitions` entry
//! (who, when, why), edited as text so its comments stay, and is written
//! only when it still validates.
//!
//! `approved` and `rejected` are the decisions' to say: a proposal whose
//! file says `open` is approved when its decisions meet governance's rule
//! for a breaking change, its affected consumers those its changes list
//! (every consumer of the interface when they list none).

use std::collections::BTreeSet;

use treaty_core::Workspace;
use treaty_core::governance::{self, Subject, Verdict};
use treaty_core::model::{CalendarDate, ChangeKind, Proposal, ProposalState};

use super::repo_files::{self, Item, quoted};
use crate::cli::{ProposalCommand, ShowArgs, TransitionArgs};
use crate::exit::{self, Exit};
use crate::fs_source::FsSource;

pub fn run(command: ProposalCommand) -> Exit {
    let (args, to) = match command {
        ProposalCommand::Open(a) => (a, ProposalState::Open),
        ProposalCommand::Withdraw(a) => (a, ProposalState::Withdrawn),
        ProposalCommand::Ship(a) => (a, ProposalState::Shipped),
        ProposalCommand::RollBack(a) => (a, ProposalState::RolledBack),
        ProposalCommand::Show(a) => return show(&a),
    };
    match transition(&args, to) {
        Ok(out) => {
            super::print(&out);
            Exit::Success
        }
        Err(e) => exit::error(e),
    }
}

/// `treaty proposal show`: the broker's proposal, or the file as written.
fn show(args: &ShowArgs) -> Exit {
    if let Some(broker) =
        crate::broker::proposals::chosen(&args.proposals.url, &args.proposals.token)
    {
        return crate::broker::report(crate::broker::proposals::show(
            &broker,
            &args.id,
            &args.format,
        ));
    }
    let shown = Item::of(&args.id).and_then(|item| {
        let path = args.dir.join(item.path(&args.id));
        std::fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))
    });
    match shown {
        Ok(text) => {
            super::print(&text);
            Exit::Success
        }
        Err(e) => exit::error(e),
    }
}

fn transition(args: &TransitionArgs, to: ProposalState) -> Result<String, String> {
    if args.reason.trim().is_empty() {
        return Err("--reason is empty".to_owned());
    }
    if let Some(broker) =
        crate::broker::proposals::chosen(&args.proposals.url, &args.proposals.token)
    {
        // The broker applies the same life cycle, and records the token.
        return crate::broker::proposals::move_state(&broker, &args.id, to, &args.reason)
            .map(|line| line + "\n")
            .map_err(|crate::broker::Failure(m)| m);
    }
    let by = match &args.by {
        Some(by) if !by.trim().is_empty() => by,
        Some(_) => return Err("--by is empty".to_owned()),
        None => {
            return Err(
                "--by is required for a file (or pass --broker to move it in the broker)"
                    .to_owned(),
            );
        }
    };
    let item = Item::of(&args.id)?;
    if item == Item::Waiver && !matches!(to, ProposalState::Open | ProposalState::Withdrawn) {
        return Err(format!(
            "{}: a waiver is never shipped or rolled back; it is opened or withdrawn",
            args.id
        ));
    }
    let rel = item.path(&args.id);
    let path = args.dir.join(&rel);
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let (ws, _) = treaty_core::load(&FsSource::new(&args.dir));
    let now = current_state(&ws, item, &args.id).ok_or_else(|| {
        format!(
            "{}: cannot be read as `{}`; run `treaty validate`",
            path.display(),
            args.id
        )
    })?;
    now.may_become(to)
        .map_err(|e| format!("{}: {e}", args.id))?;
    let entry = format!(
        "  - to: {to}\n    by: {}\n    on: {}\n    reason: {}\n",
        quoted(by),
        super::today(),
        quoted(&args.reason)
    );
    let updated = add_transition(&set_state(&text, to), &entry);
    let after = repo_files::would_validate(&args.dir, &rel, &updated)?;
    if current_state_as_written(&after, item, &args.id) != Some(to) {
        return Err(format!(
            "{}: the edited file would not say `state: {to}`; change it by hand",
            path.display()
        ));
    }
    let path = repo_files::replace(&args.dir, &rel, &updated)?;
    Ok(format!(
        "{}: {} {now} → {to} ({}); commit the file for review\n",
        path.display(),
        args.id,
        by
    ))
}

/// The state as the file writes it.
fn current_state_as_written(ws: &Workspace, item: Item, id: &str) -> Option<ProposalState> {
    match item {
        Item::Proposal => ws
            .proposals
            .iter()
            .find(|p| p.id.value == id)
            .map(|p| p.state),
        Item::Waiver => ws
            .waivers
            .iter()
            .find(|w| w.id.value == id)
            .map(|w| w.state),
    }
}

/// Where the item stands: as written, an open proposal being approved or
/// rejected by its decisions (see the module's comment).
fn current_state(ws: &Workspace, item: Item, id: &str) -> Option<ProposalState> {
    let written = current_state_as_written(ws, item, id)?;
    let Some(proposal) = ws.proposals.iter().find(|p| p.id.value == id) else {
        return Some(written);
    };
    if item != Item::Proposal || written != ProposalState::Open {
        return Some(written);
    }
    Some(match decided(ws, proposal) {
        Verdict::Approved => ProposalState::Approved,
        Verdict::Rejected { .. } => ProposalState::Rejected,
        Verdict::Pending { .. } => ProposalState::Open,
    })
}

/// What governance says of an open proposal's decisions.
fn decided(ws: &Workspace, proposal: &Proposal) -> Verdict {
    let listed: BTreeSet<String> = proposal
        .changes
        .iter()
        .flat_map(|c| c.affects.iter().cloned())
        .collect();
    let subject = match ws.interface(&proposal.interface.value) {
        Ok(interface) => {
            let mut subject = Subject::of(interface, listed);
            if subject.affected_consumers.is_empty() {
                subject.affected_consumers = subject.consumers.clone();
            }
            subject
        }
        Err(_) => Subject::default(),
    };
    let required = governance::required_approvals(
        &ws.governance(),
        ChangeKind::Breaking,
        &subject,
        CalendarDate(super::today()),
    );
    governance::verdict(&required, &governance::file_decisions(&proposal.decisions))
}

/// Whether `line` starts the top-level key `key`.
fn is_key(line: &str, key: &str) -> bool {
    line.strip_prefix(key)
        .is_some_and(|rest| rest.starts_with(':'))
}

/// `text` with its top-level `state:` line saying `to` (a `state:` line
/// added before `transitions:` or `decisions:`, or at the end, when there
/// is none).
fn set_state(text: &str, to: ProposalState) -> String {
    let line = format!("state: {to}");
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    if let Some(at) = lines.iter().position(|l| is_key(l, "state")) {
        let comment = lines[at]
            .find(" #")
            .map(|c| lines[at][c..].to_owned())
            .unwrap_or_default();
        lines[at] = format!("{line}{comment}");
    } else {
        let at = lines
            .iter()
            .position(|l| is_key(l, "transitions") || is_key(l, "decisions"))
            .unwrap_or(lines.len());
        lines.insert(at, line);
    }
    let mut out = lines.join("\n");
    out.push('\n');
    out
}

/// `text` with `entry` (a block-sequence item) appended to its top-level
/// `transitions`, the key added before `decisions:` (or at the end) when
/// the file has none.
fn add_transition(text: &str, entry: &str) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let entry_lines: Vec<&str> = entry.lines().collect();
    match lines.iter().position(|l| is_key(l, "transitions")) {
        Some(at) => {
            // Items are indented as the first one is (`entry` by two).
            let indent = lines[at + 1..]
                .iter()
                .find(|l| l.trim_start().starts_with("- "))
                .map_or(2, |l| l.len() - l.trim_start().len());
            let reindented: Vec<String> = entry_lines
                .iter()
                .map(|l| {
                    format!(
                        "{}{}",
                        " ".repeat(indent),
                        l.strip_prefix("  ").unwrap_or(l)
                    )
                })
                .collect();
            let value = lines[at]["transitions:".len()..].trim();
            if value == "[]" {
                lines[at] = "transitions:".to_owned();
            }
            // The block continues while lines are indented, list items,
            // comments or blank.
            let mut end = at + 1;
            while end < lines.len() {
                let l = &lines[end];
                if l.is_empty() || l.starts_with(' ') || l.starts_with('-') || l.starts_with('#') {
                    end += 1;
                } else {
                    break;
                }
            }
            // Trailing blanks and comments belong to what follows.
            while end > at + 1 && {
                let l = &lines[end - 1];
                l.trim().is_empty() || l.starts_with('#')
            } {
                end -= 1;
            }
            lines.splice(end..end, reindented);
        }
        None => {
            let at = lines
                .iter()
                .position(|l| is_key(l, "decisions"))
                .unwrap_or(lines.len());
            let mut block = vec!["transitions:".to_owned()];
            block.extend(entry_lines.iter().map(|l| (*l).to_owned()));
            lines.splice(at..at, block);
        }
    }
    let mut out = lines.join("\n");
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const ENTRY: &str =
        "  - to: shipped\n    by: \"ana\"\n    on: 2026-11-28\n    reason: \"out\"\n";

    #[test]
    fn state_and_transitions_go_before_decisions_and_comments_stay() {
        let text =
            "# head\nid: cp-1\nstate: open # said so\n# Needs approval\ndecisions:\n  - team: a\n";
        let out = add_transition(&set_state(text, ProposalState::Shipped), ENTRY);
        assert_eq!(
            out,
            "# head\nid: cp-1\nstate: shipped # said so\n# Needs approval\ntransitions:\n  - to: shipped\n    by: \"ana\"\n    on: 2026-11-28\n    reason: \"out\"\ndecisions:\n  - team: a\n"
        );
    }

    #[test]
    fn a_second_transition_is_appended_to_the_first() {
        let text = "id: cp-1\ntransitions:\n- to: open\n  by: x\n  on: 2026-11-01\n  reason: y\n\n# c\ndecisions: []\n";
        let out = add_transition(&set_state(text, ProposalState::Shipped), ENTRY);
        assert!(
            out.starts_with("id: cp-1\nstate: shipped\ntransitions:\n- to: open\n  by: x\n  on: 2026-11-01\n  reason: y\n- to: shipped\n  by: \"ana\""),
            "{out}"
        );
        assert!(out.contains("state: shipped\ntransitions:"), "{out}");
        assert!(out.ends_with("\n\n# c\ndecisions: []\n"), "{out}");
    }

    #[test]
    fn an_empty_flow_list_becomes_a_block() {
        let out = add_transition("id: w-1\ntransitions: []\n", ENTRY);
        assert_eq!(out, format!("id: w-1\ntransitions:\n{ENTRY}"));
    }
}
