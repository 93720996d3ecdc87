//! `treaty digest --team TEAM`: the team's status digest over every open
//! release (planned or active), each judged by the gate on the evidence
//! its criteria's globs find. `--previous FILE` (a digest this command
//! wrote with `--format json`) adds what changed since. With `--broker`,
//! the newest digest the broker sent the team instead.

use treaty_core::check::waivers::KnownWaiver;
use treaty_core::digest::{self, Digest};
use treaty_core::gate::{GateInput, KnownProposal};
use treaty_core::model::ReleaseStatus;

use super::{evidence, load_valid, shipping};
use crate::cli::{DigestArgs, GateFormat};
use crate::exit::{self, Exit};

/// Largest previous digest read: a digest is a page of text.
const MAX_PREVIOUS: u64 = 4 << 20;

pub fn run(args: DigestArgs) -> Exit {
    if let Some(url) = &args.broker {
        return match on_broker(url, &args) {
            Ok(out) => {
                crate::commands::print(&out);
                Exit::Success
            }
            Err(e) => exit::error(e),
        };
    }
    match make(&args) {
        Ok(out) => {
            crate::commands::print(&out);
            Exit::Success
        }
        Err(e) => exit::error(e),
    }
}

/// `treaty digest --team TEAM --broker URL`: the newest digest the broker
/// sent the team, as it was sent.
fn on_broker(url: &str, args: &DigestArgs) -> Result<String, String> {
    if args.previous.is_some() || args.now.is_some() || !args.ship.is_empty() {
        return Err(
            "--previous, --now and --ship make a digest from the files; with --broker the digest is the one the broker sent".into(),
        );
    }
    let broker = crate::broker::Broker {
        url: url.to_owned(),
        token: args.token.clone(),
    };
    let sent = crate::broker::gate::digests_sent(&broker, &args.team).map_err(|e| e.0)?;
    let Some(newest) = sent.into_iter().next() else {
        return Ok(format!(
            "The broker at {url} has sent team `{}` no digest yet.\n",
            args.team
        ));
    };
    let d: Digest = serde_json::from_value(newest.digest)
        .map_err(|e| format!("the broker at {url} answered a digest Treaty cannot read: {e}"))?;
    render(&d, args.format)
}

fn render(d: &Digest, format: GateFormat) -> Result<String, String> {
    Ok(match format {
        GateFormat::Json => serde_json::to_string_pretty(d).map_err(|e| e.to_string())? + "\n",
        GateFormat::Text => d.to_text(),
        GateFormat::Markdown => d.to_markdown(),
    })
}

fn make(args: &DigestArgs) -> Result<String, String> {
    let now = args.now.unwrap_or_else(jiff::Timestamp::now);
    let ws = load_valid(&args.dir, now)?;
    if !crate::commands::repo_files::known_team(&ws, &args.team) {
        return Err(format!("unknown team `{}`", args.team));
    }
    let previous: Option<Digest> = match &args.previous {
        None => None,
        Some(path) => {
            let size = std::fs::metadata(path)
                .map_err(|e| format!("{}: {e}", path.display()))?
                .len();
            if size > MAX_PREVIOUS {
                return Err(format!(
                    "{}: {size} bytes, more than a digest's {MAX_PREVIOUS}",
                    path.display()
                ));
            }
            let text =
                std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
            let d: Digest = serde_json::from_str(&text).map_err(|e| {
                format!(
                    "{}:{}: not a digest written by `treaty digest --format json`: {e}",
                    path.display(),
                    e.line()
                )
            })?;
            if d.team != args.team {
                return Err(format!(
                    "{}: the digest of team `{}`, not `{}`",
                    path.display(),
                    d.team,
                    args.team
                ));
            }
            Some(d)
        }
    };
    let shipping = shipping(&args.ship)?;
    let proposals: Vec<KnownProposal> = ws.proposals.iter().map(KnownProposal::from_file).collect();
    let waivers: Vec<KnownWaiver> = ws.waivers.iter().map(KnownWaiver::from_file).collect();
    let governance = ws.governance();
    let open: Vec<_> = ws
        .releases
        .iter()
        .filter(|r| matches!(r.status, ReleaseStatus::Planned | ReleaseStatus::Active))
        .collect();
    let mut evidence = Vec::new();
    for release in &open {
        evidence.push(evidence::gather(&args.dir, release, &ws.interfaces, &[])?);
    }
    let inputs: Vec<GateInput<'_>> = open
        .iter()
        .zip(&evidence)
        .map(|(release, evidence)| GateInput {
            release,
            releases: &ws.releases,
            governance: &governance,
            interfaces: &ws.interfaces,
            environment: &args.environment,
            shipping: &shipping,
            evidence,
            proposals: &proposals,
            waivers: &waivers,
            blockers: &[],
            overrides: &[],
            now,
        })
        .collect();
    let d = digest::digests(
        &[args.team.as_str()],
        &inputs,
        &governance,
        now,
        &[previous],
    )
    .pop()
    .ok_or("no digest")?;
    render(&d, args.format)
}
