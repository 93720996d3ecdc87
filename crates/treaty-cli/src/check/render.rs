//! `treaty check`'s report for people: text (as detailed as `treaty
//! diff`'s, with the consumers each change breaks and the version it was
//! found against) and Markdown (a pull-request comment).

use treaty_compat::Level;
use treaty_core::check::Standing;

use treaty_core::check::waivers::JudgedWaiver;

use super::{Against, CheckChange, CheckReport, HistoryReport, InterfaceReport, PactReport};
use crate::diff::JsonLocation;

/// Operations named per change; the rest are counted.
const OPERATIONS_SHOWN: usize = 3;
/// The indentation of a change's detail lines.
const DETAIL: &str = "           ";

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `file:line:column`, prefixed with the revision (`REV:file:...`) when
/// it is at one; the file as the workspace names it.
fn at(loc: &Option<JsonLocation>, revision: Option<&str>) -> String {
    match (loc, revision) {
        (None, _) => "-".to_owned(),
        (Some(l), Some(rev)) => format!("{rev}:{}:{}:{}", l.file, l.line, l.column),
        (Some(l), None) => format!("{}:{}:{}", l.file, l.line, l.column),
    }
}

/// A version as text: `1a2b3c4d5e (1.2.0)`.
fn version(a: &Against) -> String {
    match &a.version {
        Some(v) => format!("{} ({v})", a.revision),
        None => a.revision.clone(),
    }
}

/// The waiver that let `c` through and its last day: `w-2 until 2027-01-31`.
fn waived_by(c: &CheckChange, waivers: &[JudgedWaiver]) -> String {
    let id = c.waived_by.as_deref().unwrap_or("a waiver");
    match waivers.iter().find(|w| w.id == id) {
        Some(w) => format!("{id} until {}", w.expires),
        None => id.to_owned(),
    }
}

fn change(
    out: &mut String,
    c: &CheckChange,
    base: &str,
    accepted: Option<String>,
    waivers: &[JudgedWaiver],
) {
    let j = &c.change;
    out.push_str(&format!(
        "  {:<8} {}  {}\n",
        j.level.as_str(),
        j.rule,
        j.message
    ));
    if !j.operations.is_empty() {
        let shown: Vec<&str> = j
            .operations
            .iter()
            .take(OPERATIONS_SHOWN)
            .map(String::as_str)
            .collect();
        let more = j.operations.len() - shown.len();
        let tail = if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        };
        out.push_str(&format!("{DETAIL}in {}{tail}\n", shown.join(", ")));
    }
    if let Some(path) = &j.path {
        match &j.operation {
            Some(op) => out.push_str(&format!("{DETAIL}at {op} → {path}\n")),
            None => out.push_str(&format!("{DETAIL}at {path}\n")),
        }
    }
    let revision = c
        .found_against
        .as_ref()
        .map_or(base, |a| a.revision.as_str());
    out.push_str(&format!(
        "{DETAIL}old {}  new {}\n",
        at(&j.old, Some(revision)),
        at(&j.new, None)
    ));
    if let Some(a) = &c.found_against {
        out.push_str(&format!(
            "{DETAIL}found against {}, an earlier version\n",
            version(a)
        ));
    }
    if let Some(teams) = &j.affects {
        let who = if teams.is_empty() {
            "no consumer".to_owned()
        } else {
            teams.join(", ")
        };
        let why = match c.standing {
            Standing::Accepted => accepted.map(|a| format!(" (accepted: {a})")),
            Standing::Allowed => Some(" (allowed: the policy is `none`)".to_owned()),
            Standing::Approved => Some(" (approved by a change proposal)".to_owned()),
            Standing::Waived => Some(format!(" (waived by {})", waived_by(c, waivers))),
            Standing::Fails | Standing::Unused | Standing::Harmless => None,
        };
        out.push_str(&format!(
            "{DETAIL}affects {who}{}\n",
            why.unwrap_or_default()
        ));
    }
}

fn history(out: &mut String, h: &HistoryReport) {
    if h.compared == 0 && h.stopped.is_none() && h.skipped.is_empty() {
        out.push_str("  history: no earlier version\n");
        return;
    }
    let mut line = format!(
        "  history: compared with {}",
        plural(h.compared, "earlier version", "earlier versions")
    );
    if let Some(oldest) = &h.oldest {
        line.push_str(&format!(", back to {}", version(oldest)));
    }
    match &h.stopped {
        None => line.push_str("; every earlier version compared"),
        Some(s) => {
            let before = s
                .before
                .as_ref()
                .map(|b| format!(" from {} back", version(b)))
                .unwrap_or_default();
            line.push_str(&format!("; not compared{before}: {}", s.reason));
        }
    }
    out.push_str(&line);
    out.push('\n');
    for s in &h.skipped {
        out.push_str(&format!(
            "  history: skipped {}: {}\n",
            version(&s.version),
            s.reason
        ));
    }
}

fn interface(out: &mut String, i: &InterfaceReport, base: &str) {
    out.push_str(&format!(
        "{} ({}, {}): {}",
        i.id,
        i.kind,
        i.policy,
        i.status.to_uppercase()
    ));
    match &i.message {
        Some(m) => out.push_str(&format!(" ({m})")),
        None if i.changes.is_empty() => out.push_str(" (no changes)"),
        None => out.push_str(&format!(
            " ({}: {} breaking, {} warning, {} info)",
            plural(i.changes.len(), "change", "changes"),
            i.counts.breaking,
            i.counts.warning,
            i.counts.info
        )),
    }
    out.push('\n');
    if let Some(old) = &i.base_schema {
        out.push_str(&format!(
            "  schema moved: compared with `{old}` at {base}\n"
        ));
    }
    let accepted = i
        .accepted_by
        .as_ref()
        .map(|b| format!("major version bump from {} to {}", b.from, b.to));
    for c in &i.changes {
        change(out, c, base, accepted.clone(), &i.waivers);
    }
    if let Some(h) = &i.history {
        history(out, h);
    }
    for p in &i.pacts {
        out.push_str(&format!("  {}\n", pact_line(p)));
    }
    for w in &i.waivers {
        out.push_str(&format!("  {}\n", w.detail));
    }
    if let Some(p) = &i.proposal {
        out.push_str(&format!("  {}\n", p.detail));
    }
    if let Some(n) = &i.needs_approval {
        let whom = if n.breaking_for.is_empty() {
            String::new()
        } else {
            format!("breaking for {}: ", n.breaking_for.join(", "))
        };
        out.push_str(&format!(
            "  {whom}needs approval from {} (governance in treaty.yaml)\n",
            n.from.join(", ")
        ));
    }
}

/// What a consumer's pacts said: `pacts of checkout: hold: no change
/// concerns it`.
fn pact_line(p: &PactReport) -> String {
    let what = match p.standing {
        "holds" => "hold: no change concerns it".to_owned(),
        "broken" => {
            "broken by the change (each interaction a `consumer-pact-broken` finding)".to_owned()
        }
        _ => format!(
            "cannot decide: {}",
            p.reason.as_deref().unwrap_or("no reason given")
        ),
    };
    format!("pacts of {}: {what}", p.consumer)
}

/// An interface not compared, with nothing else to say: listed only when
/// asked (`--verbose`), counted otherwise.
fn quiet(i: &InterfaceReport) -> bool {
    i.unchanged && i.status == "pass" && i.waivers.is_empty() && i.proposal.is_none()
}

/// `N interfaces unchanged since BASE`, when there are any, and `how`
/// (where to see them).
fn unchanged_line(r: &CheckReport, how: &str) -> Option<String> {
    let n = r.interfaces.iter().filter(|i| quiet(i)).count();
    (n > 0).then(|| {
        format!(
            "{} unchanged since {}: schemas and the files they reach are the same, not compared{how}\n",
            plural(n, "interface", "interfaces"),
            r.base
        )
    })
}

/// The report for people; `verbose` lists the interfaces that were not
/// compared one by one.
pub fn text(r: &CheckReport, verbose: bool) -> String {
    let mut out = String::new();
    for i in &r.interfaces {
        if !quiet(i) {
            interface(&mut out, i, &r.base);
        } else if verbose {
            out.push_str(&format!(
                "{} ({}, {}): PASS (unchanged since {}: not compared)\n",
                i.id, i.kind, i.policy, r.base
            ));
        }
    }
    let how = if verbose {
        ""
    } else {
        " (--verbose lists them)"
    };
    out.extend(unchanged_line(r, how));
    let s = &r.summary;
    out.push_str(&format!(
        "{} against {}: {} failed, {}; {} breaking, {} warning, {} info\n",
        plural(s.interfaces, "interface", "interfaces"),
        r.base,
        s.failed,
        plural(s.errors, "error", "errors"),
        s.breaking,
        s.warning,
        s.info
    ));
    out
}

pub fn markdown(r: &CheckReport) -> String {
    let mut out = format!("## Treaty check against `{}`\n\n", r.base);
    let verdict = if r.summary.passes() { "✅" } else { "❌" };
    out.push_str(&format!(
        "{verdict} {} interfaces, {} failed: {} breaking, {} warning, {} info changes\n\n",
        r.summary.interfaces,
        r.summary.failed,
        r.summary.breaking,
        r.summary.warning,
        r.summary.info
    ));
    out.push_str(
        "| Interface | Kind | Policy | Status | Breaking | Affects |\n|---|---|---|---|---|---|\n",
    );
    for i in r.interfaces.iter().filter(|i| !quiet(i)) {
        let mut teams: Vec<&str> = i
            .changes
            .iter()
            .filter(|c| c.change.level == Level::Breaking)
            .flat_map(|c| c.change.affects.iter().flatten().map(String::as_str))
            .chain(i.consumers.iter().flatten().map(String::as_str))
            .collect();
        teams.sort_unstable();
        teams.dedup();
        out.push_str(&format!(
            "| `{}` | {} | {} | {} | {} | {} |\n",
            i.id,
            i.kind,
            i.policy,
            i.status,
            i.counts.breaking,
            teams.join(", ")
        ));
    }
    if let Some(line) = unchanged_line(r, "") {
        out.push_str(&format!("\n{line}"));
    }
    // A removed interface has no changes to detail: its reason says it all.
    for i in r.interfaces.iter().filter(|i| i.consumers.is_some()) {
        if let Some(m) = &i.message {
            out.push_str(&format!("\n`{}`: {m}\n", i.id));
        }
    }
    for i in &r.interfaces {
        if let Some(b) = &i.accepted_by {
            out.push_str(&format!(
                "\n`{}`: breaking changes accepted by the major version bump from {} to {}\n",
                i.id, b.from, b.to
            ));
        }
        for w in &i.waivers {
            out.push_str(&format!("\n`{}`: {}\n", i.id, w.detail));
        }
        for p in &i.pacts {
            out.push_str(&format!("\n`{}`: {}\n", i.id, pact_line(p)));
        }
        if let Some(s) = i.history.as_ref().and_then(|h| h.stopped.as_ref()) {
            let before = s
                .before
                .as_ref()
                .map(|b| format!(" from `{}` back", version(b)))
                .unwrap_or_default();
            out.push_str(&format!(
                "\n`{}`: earlier versions not compared{before}: {}\n",
                i.id, s.reason
            ));
        }
    }
    for i in r
        .interfaces
        .iter()
        .filter(|i| i.changes.iter().any(|c| c.change.level != Level::Info))
    {
        out.push_str(&format!(
            "\n<details><summary><code>{}</code>: {} changes</summary>\n\n",
            i.id,
            i.changes.len()
        ));
        out.push_str(
            "| Level | Rule | Change | Affects | Found against |\n|---|---|---|---|---|\n",
        );
        for c in i.changes.iter().filter(|c| c.change.level != Level::Info) {
            let j = &c.change;
            out.push_str(&format!(
                "| {} | `{}` | {} | {} | {} |\n",
                j.level.as_str(),
                j.rule,
                j.message.replace('|', "\\|"),
                j.affects.as_ref().map(|a| a.join(", ")).unwrap_or_default()
                    + &match c.standing {
                        Standing::Waived => format!(" (waived by {})", waived_by(c, &i.waivers)),
                        _ => String::new(),
                    },
                c.found_against
                    .as_ref()
                    .map_or_else(|| format!("`{}`", r.base), |a| format!("`{}`", version(a)))
            ));
        }
        out.push_str("\n</details>\n");
    }
    out
}
