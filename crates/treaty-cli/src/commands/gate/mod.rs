//! `treaty gate RELEASE`: go or no-go for a release train in the
//! repository-only mode. The workspace gives the release, governance,
//! interfaces, proposals and waivers; evidence comes from the files the
//! criteria name or the command line ([`evidence`]); `treaty_core::gate`
//! decides. Exit 0 go, 1 no-go, 2 when it cannot decide (a workspace with
//! errors, an unknown release, a malformed report).

mod broker_records;
mod digest;
mod evidence;
mod render;
mod review;

pub use digest::run as digest;
pub use review::run as review;

use std::collections::BTreeMap;
use std::path::Path;

use treaty_core::check::waivers::KnownWaiver;
use treaty_core::gate::{self, GateInput, KnownProposal};
use treaty_core::{Workspace, escalation, risk};
use treaty_syntax::{Severity, did_you_mean};

use crate::broker::Broker;
use crate::cli::{GateArgs, GateCommand, GateFormat};
use crate::exit::{self, Exit};
use crate::fs_source::FsSource;

pub fn run(command: GateCommand) -> Exit {
    if let Some(url) = &command.broker {
        return on_broker(url, &command);
    }
    let args = command.gate;
    let judged = judge(&args, |input, _| {
        let verdict = gate::decide(input);
        let out = match args.format {
            GateFormat::Text => render::text(&verdict),
            GateFormat::Markdown => render::markdown(&verdict),
            GateFormat::Json => serde_json::to_string_pretty(&verdict).unwrap_or_default() + "\n",
        };
        (out, verdict.is_go())
    });
    match judged {
        Ok((out, go)) => {
            super::print(&out);
            if go { Exit::Success } else { Exit::Findings }
        }
        Err(e) => exit::error(e),
    }
}

/// `treaty status RELEASE`: each scope item's risk, with the gate's
/// verdict on the same facts. Exit 0 whatever the risk: it is a report.
pub fn status(args: GateArgs) -> Exit {
    let judged = judge(&args, |input, _| {
        let verdict = gate::decide(input);
        let risks = risk::assess(input, &verdict);
        match args.format {
            GateFormat::Text => render::status_text(input, &verdict, &risks),
            GateFormat::Markdown => render::status_markdown(input, &verdict, &risks),
            GateFormat::Json => {
                serde_json::to_string_pretty(&serde_json::json!({
                    "release": verdict.release,
                    "gate": &verdict,
                    "risk": risks,
                }))
                .unwrap_or_default()
                    + "\n"
            }
        }
    });
    match judged {
        Ok(out) => {
            super::print(&out);
            Exit::Success
        }
        Err(e) => exit::error(e),
    }
}

/// `treaty escalations RELEASE`: the escalation steps due by now, by
/// rule, with whom each goes to. In the repository-only mode nothing is
/// sent (the broker sends them, once each); this shows what would be.
pub fn escalations(command: GateCommand) -> Exit {
    if let Some(url) = &command.broker {
        return escalations_on_broker(url, &command);
    }
    let args = command.gate;
    let judged = judge(&args, |input, ws| {
        let verdict = gate::decide(input);
        let due = escalation::due_steps(
            &escalation::escalations(input, &verdict),
            &ws.teams,
            input.now,
        );
        match args.format {
            GateFormat::Json => serde_json::to_string_pretty(&due).unwrap_or_default() + "\n",
            GateFormat::Text | GateFormat::Markdown => render::escalations(&due),
        }
    });
    match judged {
        Ok(out) => {
            super::print(&out);
            Exit::Success
        }
        Err(e) => exit::error(e),
    }
}

/// `treaty escalations RELEASE --broker`: the steps the broker sent (it
/// sends each once, when due on its clock), in the order sent.
fn escalations_on_broker(url: &str, command: &GateCommand) -> Exit {
    let broker = Broker {
        url: url.to_owned(),
        token: command.token.clone(),
    };
    match crate::broker::gate::escalations_sent(&broker, &command.gate.release) {
        Ok(steps) => {
            let out = match command.gate.format {
                GateFormat::Json => serde_json::to_string_pretty(&steps).unwrap_or_default() + "\n",
                GateFormat::Text | GateFormat::Markdown => render::escalations_sent(&steps),
            };
            super::print(&out);
            Exit::Success
        }
        Err(e) => exit::error(e.0),
    }
}

/// Reads the workspace and the evidence `args` name, and hands the gate's
/// input to `then`.
fn judge<T>(
    args: &GateArgs,
    then: impl FnOnce(&GateInput<'_>, &Workspace) -> T,
) -> Result<T, String> {
    let now = args.now.unwrap_or_else(jiff::Timestamp::now);
    let ws = load_valid(&args.dir, now)?;
    let Some(release) = ws.releases.iter().find(|r| r.id.value == args.release) else {
        let ids: Vec<&str> = ws.releases.iter().map(|r| r.id.value.as_str()).collect();
        let hint = did_you_mean(&args.release, &ids)
            .map(|m| format!("; did you mean `{m}`?"))
            .unwrap_or_else(|| format!("; the releases are: {}", ids.join(", ")));
        return Err(format!("no release `{}` in releases/{hint}", args.release));
    };
    let shipping = shipping(&args.ship)?;
    let evidence = evidence::gather(&args.dir, release, &ws.interfaces, &args.evidence)?;
    let proposals: Vec<KnownProposal> = ws.proposals.iter().map(KnownProposal::from_file).collect();
    let waivers: Vec<KnownWaiver> = ws.waivers.iter().map(KnownWaiver::from_file).collect();
    let governance = ws.governance();
    let input = GateInput {
        release,
        releases: &ws.releases,
        governance: &governance,
        interfaces: &ws.interfaces,
        environment: &args.environment,
        shipping: &shipping,
        evidence: &evidence,
        proposals: &proposals,
        waivers: &waivers,
        // The repository-only mode has no blockers or overrides: they are
        // the broker's.
        blockers: &[],
        overrides: &[],
        now,
    };
    Ok(then(&input, &ws))
}

/// `COMPONENT=VERSION` arguments as a map.
fn shipping(ship: &[String]) -> Result<BTreeMap<String, String>, String> {
    let mut out = BTreeMap::new();
    for s in ship {
        let (component, version) = s
            .split_once('=')
            .filter(|(c, v)| !c.is_empty() && !v.is_empty())
            .ok_or_else(|| format!("--ship `{s}`: write COMPONENT=VERSION"))?;
        out.insert(component.to_owned(), version.to_owned());
    }
    Ok(out)
}

/// The workspace at `dir`, refused (its errors printed with file, line and
/// field) when it does not validate on the day of `now`.
fn load_valid(dir: &Path, now: jiff::Timestamp) -> Result<Workspace, String> {
    if !dir.is_dir() {
        return Err(format!("`{}` is not a directory", dir.display()));
    }
    let source = FsSource::new(dir);
    let (mut ws, mut diags) = treaty_core::load(&source);
    let today = now.to_zoned(jiff::tz::TimeZone::UTC).date();
    diags.extend(treaty_core::validate(&mut ws, &source, today));
    let errors: Vec<_> = diags
        .into_iter()
        .filter(|d| d.severity == Severity::Error)
        .collect();
    if !errors.is_empty() {
        // The diagnostics name file, line and field, as `treaty validate`'s.
        eprint!(
            "{}",
            crate::render::human(&errors, &ws.sources, super::color(&std::io::stderr()))
        );
        return Err(format!(
            "the workspace has {} error{}, so no gate can be trusted; fix {} (`treaty validate {}`)",
            errors.len(),
            if errors.len() == 1 { "" } else { "s" },
            if errors.len() == 1 { "it" } else { "them" },
            dir.display()
        ));
    }
    Ok(ws)
}

/// `treaty gate --broker URL`: the broker's verdict on what it was sent
/// (`treaty release publish`, `treaty evidence push`), printed as the
/// repository-only mode prints its own. Exit 0 go, 1 no-go, 2 when the
/// broker cannot answer.
fn on_broker(url: &str, command: &GateCommand) -> Exit {
    let args = &command.gate;
    if !args.evidence.is_empty() {
        return exit::error(
            "--evidence is read in the repository-only mode; push reports to the broker with `treaty evidence push`",
        );
    }
    let shipping = match shipping(&args.ship) {
        Ok(s) => s,
        Err(e) => return exit::error(e),
    };
    let broker = Broker {
        url: url.to_owned(),
        token: command.token.clone(),
    };
    let now = args.now.map(|n| n.to_string());
    match crate::broker::gate::ask(
        &broker,
        &args.release,
        &args.environment,
        &shipping,
        now.as_deref(),
    ) {
        Ok(verdict) => {
            let out = match args.format {
                GateFormat::Text => render::text(&verdict),
                GateFormat::Markdown => render::markdown(&verdict),
                GateFormat::Json => {
                    serde_json::to_string_pretty(&verdict).unwrap_or_default() + "\n"
                }
            };
            super::print(&out);
            if verdict.is_go() {
                Exit::Success
            } else {
                Exit::Findings
            }
        }
        Err(e) => exit::error(e.0),
    }
}
