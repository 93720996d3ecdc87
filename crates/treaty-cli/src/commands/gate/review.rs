//! `treaty review RELEASE`: the post-release review, from the git history
//! of `releases/RELEASE.yaml` (and of the previous release's file), the
//! proposals and waivers of the workspace and, with `--broker`, the
//! escalations and overrides the broker recorded for both releases. The
//! working tree's version, when it differs from the last commit, is the
//! last revision. `treaty_core::review` decides; this reads git and the
//! broker.

use std::path::Path;

use treaty_core::model::{Release, ReleaseStatus};
use treaty_core::review::{self, ProposalRecord, Review, ReviewInput, Revision, WaiverRecord};
use treaty_core::{DocumentSource, MemorySource};

use super::broker_records::{self, Records};
use super::load_valid;
use crate::broker::Broker;
use crate::cli::{GateFormat, ReviewArgs};
use crate::exit::{self, Exit};
use crate::git_source::{GitTree, file_history, place};

/// Most revisions of a release file read: a train's file changes tens of
/// times, not thousands.
const MAX_REVISIONS: usize = 1_000;
const MAX_FILE: usize = 4 << 20;

pub fn run(args: ReviewArgs) -> Exit {
    match make(&args) {
        Ok(out) => {
            crate::commands::print(&out);
            Exit::Success
        }
        Err(e) => exit::error(e),
    }
}

/// A release file's revisions: (commit, time, release), oldest first.
fn revisions(
    dir: &Path,
    path: &str,
    now: jiff::Timestamp,
) -> Result<Vec<(String, jiff::Timestamp, Release)>, String> {
    let head = GitTree::open(dir, "HEAD")?;
    let history = file_history(dir, &head.full(path), None, "HEAD", MAX_REVISIONS)?;
    let mut out = Vec::new();
    for v in history.versions.iter().rev() {
        let (prefix, entry) = place(head.prefix(), &v.path, path);
        let git = GitTree::open(dir, &v.commit)?.with_prefix(prefix);
        let bytes = git
            .read(&entry, MAX_FILE)
            .map_err(|e| format!("{entry} at {}: {e:?}", v.commit))?;
        // A revision that does not read as a release (an old format, a
        // broken commit) is left out: the review is of what did.
        if let Some(r) = parse(&bytes) {
            let at = jiff::Timestamp::from_second(v.time).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
            out.push((v.commit.chars().take(10).collect(), at, r));
        }
    }
    let current = std::fs::read(dir.join(path)).map_err(|e| format!("{path}: {e}"))?;
    if let Some(r) = parse(&current)
        && out.last().is_none_or(|(_, _, last)| *last != r)
    {
        out.push(("working tree".to_owned(), now, r));
    }
    Ok(out)
}

/// One release file read on its own.
fn parse(bytes: &[u8]) -> Option<Release> {
    let mut one = MemorySource::new();
    // The loader reads a workspace: an empty `treaty.yaml` makes one.
    one.insert("treaty.yaml", Vec::new());
    one.insert("releases/r.yaml", bytes.to_vec());
    let (ws, _) = treaty_core::load(&one);
    ws.releases.into_iter().next()
}

fn file_of(dir: &Path, id: &str) -> Result<String, String> {
    ["yaml", "yml"]
        .iter()
        .map(|ext| format!("releases/{id}.{ext}"))
        .find(|p| dir.join(p).is_file())
        .ok_or_else(|| {
            format!("the review reads the history of `releases/{id}.yaml`, which does not exist")
        })
}

fn make(args: &ReviewArgs) -> Result<String, String> {
    let now = args.now.unwrap_or_else(jiff::Timestamp::now);
    let ws = load_valid(&args.dir, now)?;
    let Some(release) = ws.releases.iter().find(|r| r.id.value == args.release) else {
        return Err(format!("no release `{}` in releases/", args.release));
    };
    let ours = revisions(&args.dir, &file_of(&args.dir, &args.release)?, now)?;
    let previous_release = ws
        .releases
        .iter()
        .filter(|r| r.milestones.ship.value < release.milestones.ship.value)
        .filter(|r| r.status != ReleaseStatus::Cancelled)
        .max_by_key(|r| r.milestones.ship.value);
    let theirs = match previous_release {
        Some(p) => revisions(&args.dir, &file_of(&args.dir, &p.id.value)?, now)?,
        None => Vec::new(),
    };
    let (ours, theirs) = (as_revisions(&ours), as_revisions(&theirs));
    let governance = ws.governance();
    // Escalations and overrides are the broker's records: none without one.
    let broker = args.broker.as_ref().map(|url| Broker {
        url: url.clone(),
        token: args.token.clone(),
    });
    let (records, previous_records) = match &broker {
        Some(b) => (
            broker_records::of_release(b, &args.release, &governance)?,
            match previous_release {
                Some(p) => broker_records::of_previous(b, &p.id.value, &governance)?,
                None => Records::default(),
            },
        ),
        None => (Records::default(), Records::default()),
    };
    let mut proposals: Vec<ProposalRecord> =
        ws.proposals.iter().map(ProposalRecord::from_file).collect();
    let mut waivers: Vec<WaiverRecord> = ws.waivers.iter().map(WaiverRecord::from_file).collect();
    if let Some(b) = &broker {
        let (p, w) = broker_records::proposals(b)?;
        proposals.extend(p);
        waivers.extend(w);
    }
    let input = ReviewInput {
        revisions: &ours,
        previous: &theirs,
        governance: &governance,
        proposals: &proposals,
        waivers: &waivers,
        escalations: &records.escalations,
        overrides: &records.overrides,
        previous_escalations: &previous_records.escalations,
        previous_overrides: &previous_records.overrides,
    };
    let r = review::review(&input).ok_or("the release file has no revision to review")?;
    Ok(match args.format {
        GateFormat::Json => serde_json::to_string_pretty(&r).map_err(|e| e.to_string())? + "\n",
        GateFormat::Markdown | GateFormat::Text => {
            markdown(&r, broker.as_ref().map(|b| b.url.as_str()))
        }
    })
}

/// One figure of the coordination index.
type Column = fn(&review::CoordinationIndex) -> usize;

/// The review as Markdown: timeline, lead times, index, commitments,
/// lessons; `broker` is where the escalations and overrides were read,
/// when they were.
pub fn markdown(r: &Review, broker: Option<&str>) -> String {
    use std::fmt::Write;
    let mut out = format!("# Post-release review: {}\n\n", r.release);
    let _ = writeln!(
        out,
        "{}\n",
        match &r.shipped {
            Some(at) => format!("Shipped {at}."),
            None => "Not marked shipped.".to_owned(),
        }
    );
    let _ = writeln!(out, "## Timeline\n");
    if r.timeline.is_empty() {
        let _ = writeln!(out, "Nothing changed after the release was first written.");
    }
    for e in &r.timeline {
        let _ = writeln!(
            out,
            "- {} **{}**{}: {}",
            e.on,
            e.kind,
            if e.unplanned { " (unplanned)" } else { "" },
            e.text
        );
    }
    let _ = writeln!(
        out,
        "\n{}\n",
        match broker {
            Some(url) => format!(
                "Escalations and approved gate overrides as the broker at {url} recorded them."
            ),
            None => "Escalations and overrides are the broker's records and were not read (add `--broker URL` to count them).".to_owned(),
        }
    );
    let _ = writeln!(
        out,
        "## Lead time per item\n\n| Item | Days from planned to shipped |\n|---|---|"
    );
    for (item, days) in &r.lead_times {
        let _ = writeln!(
            out,
            "| `{item}` | {} |",
            days.map(|d| d.to_string()).unwrap_or_else(|| "?".into())
        );
    }
    let _ = writeln!(
        out,
        "\n## Unplanned coordination\n\n| | {} |{}\n|---|---|{}",
        r.release,
        r.previous_index
            .as_ref()
            .map(|(p, _)| format!(" {p} |"))
            .unwrap_or_default(),
        if r.previous_index.is_some() {
            "---|"
        } else {
            ""
        }
    );
    let rows: [(&str, Column); 5] = [
        ("escalations", |i| i.escalations),
        ("late scope changes", |i| i.late_scope_changes),
        ("overrides", |i| i.overrides),
        ("approvals within 48 hours of ship", |i| i.late_approvals),
        ("**index**", |i| i.total),
    ];
    for (name, f) in rows {
        let _ = writeln!(
            out,
            "| {name} | {} |{}",
            f(&r.index),
            r.previous_index
                .as_ref()
                .map(|(_, p)| format!(" {} |", f(p)))
                .unwrap_or_default()
        );
    }
    if !r.commitments.is_empty() {
        let _ = writeln!(out, "\n## Commitments\n");
        for (id, what, kept) in &r.commitments {
            let _ = writeln!(
                out,
                "- `{id}` ({}): {what}",
                match kept {
                    Some(true) => "kept",
                    Some(false) => "NOT kept",
                    None => "not recorded",
                }
            );
        }
    }
    let _ = writeln!(out, "\n## Lessons\n");
    if r.lessons.is_empty() {
        let _ = writeln!(out, "No amendment suggested.");
    }
    for l in &r.lessons {
        if l.yaml {
            let _ = writeln!(
                out,
                "- {}. Amend `{}`:\n\n  ```yaml\n{}\n  ```\n",
                l.observation,
                l.file,
                l.amendment
                    .lines()
                    .map(|x| format!("  {x}"))
                    .collect::<Vec<_>>()
                    .join("\n")
            );
        } else {
            let _ = writeln!(
                out,
                "- {}. In `{}`: {}.",
                l.observation, l.file, l.amendment
            );
        }
    }
    out
}

fn as_revisions(list: &[(String, jiff::Timestamp, Release)]) -> Vec<Revision<'_>> {
    list.iter()
        .map(|(commit, at, release)| Revision {
            at: *at,
            commit,
            release,
        })
        .collect()
}
