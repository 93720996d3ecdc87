//! The gate's verdict and the release's status for people: text for a
//! terminal, Markdown for a pull request or a CI job summary. JSON is the
//! verdict serialized as is.

use std::fmt::Write;

use treaty_core::escalation::DueStep;
use treaty_core::gate::{GateInput, GateVerdict, ItemState, Reason, Weight};
use treaty_core::risk::ItemRisk;

fn state(s: &ItemState) -> String {
    match s {
        ItemState::Live => "live".into(),
        ItemState::Dark { flag } => format!("dark (flag `{flag}` off)"),
        ItemState::Dropped => "dropped".into(),
        ItemState::Missing => "MISSING".into(),
    }
}

fn headline(v: &GateVerdict) -> String {
    let blocking = v.blocking().count();
    match (&v.overridden_by, v.is_go()) {
        (Some(o), _) => format!(
            "GO: release {} to {}, overridden by {o} ({blocking} blocking reason{} overridden)",
            v.release,
            v.environment,
            if blocking == 1 { "" } else { "s" }
        ),
        (None, true) => format!("GO: release {} may ship to {}", v.release, v.environment),
        (None, false) => format!(
            "NO-GO: release {} may not ship to {} ({blocking} blocking reason{})",
            v.release,
            v.environment,
            if blocking == 1 { "" } else { "s" }
        ),
    }
}

fn weight(r: &Reason) -> &'static str {
    match r.weight {
        Weight::Blocking => "blocking",
        Weight::Warning => "warning",
        Weight::Info => "info",
    }
}

/// The verdict as a terminal shows it: the decision, each item with its
/// criteria, then every blocking reason and warning.
pub fn text(v: &GateVerdict) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", headline(v));
    let _ = writeln!(out, "decided at {}\n", v.decided_at);
    for item in &v.items {
        let _ = writeln!(
            out,
            "{} ({}{}): {}",
            item.id,
            item.owner,
            if item.essential {
                ""
            } else {
                ", not essential"
            },
            state(&item.state)
        );
        for c in &item.criteria {
            let _ = writeln!(
                out,
                "  {} {}: {}",
                if c.met { "ok  " } else { "FAIL" },
                c.id,
                c.detail
            );
        }
        // What holds it besides its own criteria (listed just above).
        for held in item
            .held_by
            .iter()
            .filter(|h| !h.starts_with("criterion `"))
        {
            let _ = writeln!(out, "  HELD {held}");
        }
    }
    let shown: Vec<&Reason> = v.reasons.iter().filter(|r| r.code != "item-live").collect();
    if !shown.is_empty() {
        out.push('\n');
    }
    for r in shown {
        // An item's reason repeats what its lines above say: name it only.
        if r.code.starts_with("item-") {
            let _ = writeln!(out, "{} [{}] {}", weight(r), r.code, r.subject);
        } else {
            let _ = writeln!(
                out,
                "{} [{}] {}: {}",
                weight(r),
                r.code,
                r.subject,
                r.message
            );
        }
    }
    out
}

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// The verdict as Markdown: a headline, a table of items, the reasons.
pub fn markdown(v: &GateVerdict) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "### {}\n", headline(v));
    let _ = writeln!(out, "| Scope item | Owner | Essential | State | Criteria |");
    let _ = writeln!(out, "|---|---|---|---|---|");
    for item in &v.items {
        let met = item.criteria.iter().filter(|c| c.met).count();
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} | {met}/{} met |",
            cell(&item.id),
            cell(&item.owner),
            if item.essential { "yes" } else { "no" },
            cell(&state(&item.state)),
            item.criteria.len()
        );
    }
    let shown: Vec<&Reason> = v
        .reasons
        .iter()
        .filter(|r| r.weight != Weight::Info || r.code != "item-live")
        .collect();
    if !shown.is_empty() {
        let _ = writeln!(out, "\n| | Reason | About | Detail |");
        let _ = writeln!(out, "|---|---|---|---|");
        for r in shown {
            let _ = writeln!(
                out,
                "| {} | `{}` | `{}` | {} |",
                weight(r),
                r.code,
                cell(&r.subject),
                cell(&r.message)
            );
        }
    }
    let _ = writeln!(out, "\n_Decided at {}._", v.decided_at);
    out
}

fn milestones(input: &GateInput<'_>) -> String {
    let today = input.today().0;
    let m = &input.release.milestones;
    let mut parts = Vec::new();
    for (name, date) in [
        ("feature freeze", m.feature_freeze.as_ref()),
        ("code freeze", m.code_freeze.as_ref()),
        ("ship", Some(&m.ship)),
    ] {
        if let Some(d) = date {
            let days = (d.value.0 - today).get_days();
            let when = match days {
                0 => "today".to_owned(),
                d if d > 0 => format!("in {d} days"),
                d => format!("{} days ago", -d),
            };
            parts.push(format!("{name} {} ({when})", d.value));
        }
    }
    parts.join(", ")
}

/// The state of the item `id` in words.
fn state_of(v: &GateVerdict, id: &str) -> String {
    v.items
        .iter()
        .find(|i| i.id == id)
        .map(|i| state(&i.state))
        .unwrap_or_default()
}

/// `treaty status` for a terminal: milestones, the gate's headline, and
/// each scope item's state and risk with its reasons.
pub fn status_text(input: &GateInput<'_>, v: &GateVerdict, risks: &[ItemRisk]) -> String {
    let mut out = String::new();
    let name = input.release.name.as_deref().unwrap_or("");
    let _ = writeln!(out, "release {} {name}", v.release);
    let _ = writeln!(out, "{}", milestones(input));
    let _ = writeln!(out, "gate: {}\n", headline(v));
    for r in risks {
        let state = state_of(v, &r.item);
        let _ = writeln!(
            out,
            "{:<8} {} ({}): {state}",
            r.level.as_str().to_uppercase(),
            r.item,
            r.owner
        );
        for reason in &r.reasons {
            let _ = writeln!(out, "         {reason}");
        }
    }
    out
}

/// `treaty status` as Markdown.
pub fn status_markdown(input: &GateInput<'_>, v: &GateVerdict, risks: &[ItemRisk]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "### Release {}\n", v.release);
    let _ = writeln!(out, "{}\n", milestones(input));
    let _ = writeln!(out, "Gate: **{}**\n", headline(v));
    let _ = writeln!(out, "| Risk | Scope item | Owner | State | Why |");
    let _ = writeln!(out, "|---|---|---|---|---|");
    for r in risks {
        let state = state_of(v, &r.item);
        let _ = writeln!(
            out,
            "| {} | `{}` | {} | {} | {} |",
            r.level.as_str(),
            cell(&r.item),
            cell(&r.owner),
            cell(&state),
            cell(&r.reasons.join("; "))
        );
    }
    out
}

/// The escalation steps due, one line each, the oldest first.
pub fn escalations(due: &[DueStep]) -> String {
    if due.is_empty() {
        return "no escalation is due\n".to_owned();
    }
    let mut out = String::new();
    for d in due {
        let _ = writeln!(
            out,
            "{}  {} -> {}  [{}]\n    {}",
            d.due_at, d.escalation.team, d.to, d.key, d.escalation.message
        );
    }
    out
}

/// The escalation steps a broker sent, in the order sent.
pub fn escalations_sent(steps: &[treaty_server::api::EscalationStepSent]) -> String {
    if steps.is_empty() {
        return "no escalation step was sent\n".to_owned();
    }
    let mut out = String::new();
    for s in steps {
        let _ = writeln!(
            out,
            "{}  {} -> {}  [{}] (due {}, {} notification{})\n    {}",
            s.sent_at,
            s.team,
            s.to,
            s.key,
            s.due_at,
            s.notifications.len(),
            if s.notifications.len() == 1 { "" } else { "s" },
            s.message
        );
    }
    out
}
