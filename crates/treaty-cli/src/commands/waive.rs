//! `treaty waive`: writes `waivers/w-N.yaml` (the next free number), a
//! waiver of the named rules of one interface until a day, asked for by a
//! team. It refuses (exit 2, nothing written) an unknown interface, rule
//! or team, a last day already past and an empty reason. The approvers
//! governance names for a waiver then add their decisions (`treaty
//! approve w-N`), and `treaty check` honours it until it expires.

use std::collections::BTreeSet;
use std::fmt::Write;

use treaty_core::governance::{self, Subject};
use treaty_core::model::{CalendarDate, ChangeKind};
use treaty_syntax::did_you_mean;

use super::repo_files::{self, Item, quoted};
use crate::cli::WaiveArgs;
use crate::exit::{self, Exit};
use crate::fs_source::FsSource;

pub fn run(args: WaiveArgs) -> Exit {
    match waive(&args) {
        Ok(out) => {
            super::print(&out);
            Exit::Success
        }
        Err(e) => exit::error(e),
    }
}

fn waive(args: &WaiveArgs) -> Result<String, String> {
    if args.reason.trim().is_empty() {
        return Err("--reason is empty: say why the check may be relaxed".to_owned());
    }
    let today = args.today.unwrap_or_else(super::today);
    if args.until < today {
        return Err(format!(
            "--until {} is in the past (today is {today}): a waiver's last day is today or later",
            args.until
        ));
    }
    let (ws, _) = treaty_core::load(&FsSource::new(&args.dir));
    if ws.workspace.is_none() {
        return Err(format!(
            "{}: no readable `treaty.yaml`; run `treaty validate`",
            args.dir.display()
        ));
    }
    let interface = ws.interface(&args.interface).map_err(|e| {
        let hint = e
            .suggestion
            .map(|m| format!("; did you mean `{m}`?"))
            .unwrap_or_default();
        format!("no interface `{}` in the workspace{hint}", e.id)
    })?;
    let known: Vec<&str> = treaty_compat::RULES.iter().map(|(id, _)| *id).collect();
    for rule in &args.rules {
        if !known.contains(&rule.as_str()) {
            let hint = did_you_mean(rule, &known)
                .map(|m| format!("; did you mean `{m}`?"))
                .unwrap_or_else(|| "; docs/rules.md lists every rule id".to_owned());
            return Err(format!("unknown rule `{rule}`{hint}"));
        }
    }
    let broker = crate::broker::proposals::chosen(&args.proposals.url, &args.proposals.token);
    let team = match (&broker, &args.team) {
        (Some(_), _) => "",
        (None, Some(team)) => team.as_str(),
        (None, None) => {
            return Err(
                "--team is required for a waiver file (or pass --broker to ask the broker)"
                    .to_owned(),
            );
        }
    };
    if broker.is_none() && !repo_files::known_team(&ws, team) {
        return Err(format!("unknown team `{team}`"));
    }
    let governance = ws.governance();
    let subject = Subject::of(interface, BTreeSet::new());
    let required = governance::required_approvals(
        &governance,
        ChangeKind::Waiver,
        &subject,
        CalendarDate(today),
    );
    if let Some(broker) = &broker {
        return crate::broker::proposals::waive(
            broker,
            &interface.id.value,
            &args.rules,
            &args.until.to_string(),
            &args.reason,
            &required,
        )
        .map(|line| line + "\n")
        .map_err(|crate::broker::Failure(m)| m);
    }
    let id = format!("w-{}", repo_files::next_number(&args.dir, Item::Waiver));
    let whom: Vec<String> = required
        .requirements
        .iter()
        .map(governance::describe)
        .collect();
    let text = waiver_file(&id, args, team, &whom);
    let rel = Item::Waiver.path(&id);
    repo_files::would_validate(&args.dir, &rel, &text)?;
    let path = repo_files::create(&args.dir, &rel, &text)?;
    Ok(format!(
        "wrote {}: {id} lets {} of `{}` through until {}\nneeds approval from {}: `treaty approve {id} --team TEAM ...`\n",
        path.display(),
        args.rules.join(", "),
        interface.id.value,
        args.until,
        if whom.is_empty() {
            "nobody".to_owned()
        } else {
            whom.join(", ")
        }
    ))
}

fn waiver_file(id: &str, args: &WaiveArgs, team: &str, whom: &[String]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Written by `treaty waive`. Approvers add a decision each under"
    );
    let _ = writeln!(
        out,
        "# `decisions:` (`treaty approve {id}` or `treaty reject {id}`)."
    );
    let _ = writeln!(out, "id: {id}");
    let _ = writeln!(out, "interface: {}", quoted(&args.interface));
    let _ = writeln!(out, "rules:");
    for rule in &args.rules {
        let _ = writeln!(out, "  - {}", quoted(rule));
    }
    let _ = writeln!(out, "expires: {}", args.until);
    let _ = writeln!(out, "reason: {}", quoted(&args.reason));
    let _ = writeln!(out, "requested_by: {}", quoted(team));
    let _ = writeln!(out, "state: open");
    if !whom.is_empty() {
        let _ = writeln!(out, "# Needs approval from: {}", whom.join(", "));
    }
    let _ = writeln!(out, "decisions: []");
    out
}
