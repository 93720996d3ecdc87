//! A digest for people: plain text for a terminal or an e-mail body (its
//! first line a subject), Markdown for a chat tool or a wiki. The same
//! sections in the same order in both, empty ones left out.

use std::fmt::Write;

use super::{Digest, ItemLine};

impl Digest {
    /// The digest as plain text; the first line names the team and the
    /// moment, as an e-mail's subject.
    pub fn to_text(&self) -> String {
        let mut out = format!("Status digest for {}, {}\n", self.team, self.at);
        for (title, lines) in sections(self) {
            let _ = writeln!(out, "\n{title}");
            for l in lines {
                let _ = writeln!(out, "  - {l}");
            }
        }
        out
    }

    /// The digest as Markdown.
    pub fn to_markdown(&self) -> String {
        let mut out = format!("## Status digest for {}\n\n_{}_\n", self.team, self.at);
        for (title, lines) in sections(self) {
            let _ = writeln!(out, "\n### {title}\n");
            for l in lines {
                let _ = writeln!(out, "- {}", l.replace('\n', " "));
            }
        }
        out
    }
}

/// The sections that have lines, each a title and its lines.
fn sections(d: &Digest) -> Vec<(&'static str, Vec<String>)> {
    let items = |list: &[ItemLine]| -> Vec<String> {
        list.iter()
            .map(|i| {
                format!(
                    "{} ({}): {}, risk {}{}",
                    i.item,
                    i.owner,
                    i.state,
                    i.risk,
                    i.reasons
                        .first()
                        .map(|r| format!(": {r}"))
                        .unwrap_or_default()
                )
            })
            .collect()
    };
    vec![
        ("Changed since the last digest", d.changes.clone()),
        ("Gates", d.gates.clone()),
        ("Your scope items", items(&d.items)),
        ("Waiting on other teams", items(&d.waiting_on)),
        ("Blockers", d.blockers.clone()),
        ("Decisions waiting on you", d.decisions.clone()),
        (
            "Coming up (four weeks)",
            d.upcoming
                .iter()
                .map(|u| format!("{}: {}", u.on, u.what))
                .collect(),
        ),
        ("Liaison roles", d.liaisons.clone()),
        ("Commitments", d.commitments.clone()),
    ]
    .into_iter()
    .filter(|(_, lines)| !lines.is_empty())
    .collect()
}
