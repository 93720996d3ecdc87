//! `treaty blocker` and `treaty override`: a train's blockers and the
//! overrides of its gate, asked of the broker (which decides who may do
//! what, by the caller's token).

use treaty_server::api::{self, Blocker, Override};

use super::http::{Broker, Result, enc};
use crate::cli::{BlockerCommand, OverrideCommand, OverrideDecisionArgs};

fn blockers_path(release: &str) -> String {
    format!("/api/v1/trains/{}/blockers", enc(release))
}

/// A blocker in one line.
fn line(b: &Blocker) -> String {
    let on = b
        .item
        .as_ref()
        .map_or("the whole release".to_owned(), |i| format!("`{i}`"));
    let assignee = match (&b.assignee_team, &b.assignee_handle) {
        (Some(t), Some(h)) => format!(", assigned to {h} ({t})"),
        (Some(t), None) => format!(", assigned to {t}"),
        _ => String::new(),
    };
    let deadline = b
        .deadline
        .and_then(|d| jiff::Timestamp::from_millisecond(d).ok())
        .map_or(String::new(), |d| format!(", due {d}"));
    format!(
        "{} [{}] {} blocker on {on}, owned by {}{assignee}{deadline}: {}",
        b.id, b.state, b.severity, b.team, b.title
    )
}

fn change(
    broker: &crate::cli::BrokerArgs,
    release: &str,
    blocker: &str,
    body: &api::BlockerChangeRequest,
) -> Result<String> {
    let b: Blocker = Broker::from(broker)
        .call(
            "POST",
            &format!("{}/{}/changes", blockers_path(release), enc(blocker)),
            Some(body),
        )?
        .1;
    Ok(line(&b))
}

fn request(action: &str, reason: &str) -> api::BlockerChangeRequest {
    api::BlockerChangeRequest {
        action: action.to_owned(),
        severity: None,
        team: None,
        handle: None,
        tracker: None,
        fix: None,
        reason: reason.to_owned(),
    }
}

/// `treaty blocker ...`.
pub fn run(command: BlockerCommand) -> Result<String> {
    match command {
        BlockerCommand::Raise {
            release,
            title,
            severity,
            item,
            team,
            tracker,
            reason,
            broker,
        } => {
            let body = api::NewBlocker {
                title,
                severity: severity.name().to_owned(),
                item,
                team,
                tracker,
                reason,
            };
            let (status, b): (u16, Blocker) =
                Broker::from(&broker).call("POST", &blockers_path(&release), Some(&body))?;
            let what = if status == 201 {
                "raised"
            } else {
                "open already"
            };
            Ok(format!("{what}: {}", line(&b)))
        }
        BlockerCommand::List {
            release,
            all,
            json,
            broker,
        } => {
            let list: Vec<Blocker> = Broker::from(&broker).get(&blockers_path(&release))?;
            let shown: Vec<&Blocker> = list.iter().filter(|b| all || b.state == "open").collect();
            if json {
                return Ok(serde_json::to_string_pretty(&shown)?);
            }
            if shown.is_empty() {
                return Ok(format!(
                    "no {}blockers on release {release}",
                    if all { "" } else { "open " }
                ));
            }
            Ok(shown.iter().map(|b| line(b)).collect::<Vec<_>>().join("\n"))
        }
        BlockerCommand::Assign {
            release,
            blocker,
            team,
            handle,
            reason,
            broker,
        } => {
            let mut body = request("assign", &reason);
            body.team = Some(team);
            body.handle = handle;
            change(&broker, &release, &blocker, &body)
        }
        BlockerCommand::Triage {
            release,
            blocker,
            severity,
            tracker,
            reason,
            broker,
        } => {
            let mut body = request("set_severity", &reason);
            body.severity = Some(severity.name().to_owned());
            body.tracker = tracker;
            change(&broker, &release, &blocker, &body)
        }
        BlockerCommand::Resolve {
            release,
            blocker,
            fix,
            reason,
            broker,
        } => {
            let mut body = request("resolve", &reason);
            body.fix = fix;
            change(&broker, &release, &blocker, &body)
        }
        BlockerCommand::Reopen {
            release,
            blocker,
            reason,
            broker,
        } => change(&broker, &release, &blocker, &request("reopen", &reason)),
    }
}

fn overrides_path(release: &str) -> String {
    format!("/api/v1/trains/{}/overrides", enc(release))
}

/// An override in one line.
fn override_line(o: &Override) -> String {
    let waiting = if o.waiting_on.is_empty() {
        String::new()
    } else {
        format!(" (waits on {})", o.waiting_on.join("; "))
    };
    let decided: Vec<String> = o
        .decisions
        .iter()
        .map(|d| format!("{} {}", d.team, d.decision))
        .collect();
    let decided = if decided.is_empty() {
        String::new()
    } else {
        format!(" [{}]", decided.join(", "))
    };
    format!(
        "{} {} for {} of release {}, asked by {}{waiting}{decided}: {}",
        o.id, o.verdict, o.environment, o.train, o.requested_by, o.reason
    )
}

fn decide(args: &OverrideDecisionArgs, decision: &str) -> Result<String> {
    let body = api::NewOverrideDecision {
        decision: decision.to_owned(),
        reason: args.reason.clone(),
        team: None,
    };
    let o: Override = Broker::from(&args.broker)
        .call(
            "POST",
            &format!(
                "{}/{}/decisions",
                overrides_path(&args.release),
                enc(&args.id)
            ),
            Some(&body),
        )?
        .1;
    Ok(override_line(&o))
}

/// `treaty override ...`.
pub fn run_override(command: OverrideCommand) -> Result<String> {
    match command {
        OverrideCommand::Request {
            release,
            environment,
            reason,
            broker,
        } => {
            let body = api::NewOverride {
                environment,
                reason,
            };
            let (status, o): (u16, Override) =
                Broker::from(&broker).call("POST", &overrides_path(&release), Some(&body))?;
            let what = if status == 201 {
                "asked"
            } else {
                "asked already"
            };
            Ok(format!("{what}: {}", override_line(&o)))
        }
        OverrideCommand::Approve(args) => decide(&args, "approve"),
        OverrideCommand::Reject(args) => decide(&args, "reject"),
        OverrideCommand::List { release, broker } => {
            let list: Vec<Override> = Broker::from(&broker).get(&overrides_path(&release))?;
            if list.is_empty() {
                return Ok(format!("no overrides asked for release {release}"));
            }
            Ok(list
                .iter()
                .map(override_line)
                .collect::<Vec<_>>()
                .join("\n"))
        }
    }
}
