//! The files of a discovered workspace: one interface file per proposed
//! interface and one team file per producer, each saying where it came
//! from and what is left to decide, as comments.

use std::collections::BTreeMap;

use super::propose::{Found, PLACEHOLDER_TEAM, Producer, Proposed};
use crate::init::yaml_string;

/// Text from a schema or CODEOWNERS on one comment line.
fn comment_text(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

fn rule(from: &Found) -> String {
    comment_text(&format!(
        "`{}` in {} line {} (`{}`)",
        from.owner, from.file, from.ownership.line, from.ownership.pattern
    ))
}

/// The interface file of `p`.
pub fn interface(p: &Proposed) -> String {
    let mut out =
        String::from("# yaml-language-server: $schema=../.treaty/schema/interface.schema.json\n");
    out.push_str(&format!(
        "# Found by `treaty init --discover`: {} is {}.\n",
        comment_text(&p.schema),
        p.kind.described()
    ));
    match &p.producer {
        Producer::Team { from, .. } => {
            out.push_str(&format!("# Producer from CODEOWNERS: {}.\n", rule(from)));
            let others: Vec<&String> = from
                .ownership
                .owners
                .iter()
                .filter(|o| **o != from.owner)
                .collect();
            if !others.is_empty() {
                let others: Vec<&str> = others.iter().map(|o| o.as_str()).collect();
                out.push_str(&format!(
                    "# Open question: the rule names other owners too ({}); an interface has exactly one producer.\n",
                    comment_text(&others.join(", "))
                ));
            }
        }
        Producer::Person { from, .. } => {
            out.push_str(&format!(
                "# Producer from CODEOWNERS: {}, a person, not a team.\n# Open question: which team owns it? Replace `{}` with that team.\n",
                rule(from),
                p.producer.team()
            ));
        }
        Producer::Unowned => out.push_str(&format!(
            "# Open question: no CODEOWNERS rule owns this schema. Replace `{PLACEHOLDER_TEAM}`\n# with the team that owns it (and add its file under teams/).\n"
        )),
    }
    if !p.other_files.is_empty() {
        out.push_str(&format!(
            "# The package's other files are compared as far as this file imports them: {}.\n",
            comment_text(&p.other_files.join(", "))
        ));
    }
    out.push_str(&format!("id: {}\n", p.id));
    out.push_str(&format!("name: {}\n", yaml_string(&p.name)));
    out.push_str(&format!("kind: {}\n", p.kind));
    out.push_str(&format!("schema: {}\n", yaml_string(&p.schema)));
    if !p.include_paths.is_empty() {
        let paths: Vec<String> = p.include_paths.iter().map(|i| yaml_string(i)).collect();
        out.push_str(&format!("include_paths: [{}]\n", paths.join(", ")));
    }
    out.push_str(&format!("producer: {}\n", p.producer.team()));
    out.push_str(CONSUMERS);
    out
}

const CONSUMERS: &str = "\
# Open question: which teams consume it, and what each uses (a change
# elsewhere then concerns nobody). Until then no change breaks anyone.
# consumers:
#   - team: TEAM
#     uses:
#       operations: [OPERATION_ID]
# Open question: the compatibility policy: backward, forward, full or
# none, each optionally `_transitive`. Until then the workspace default
# (`defaults.compatibility` in treaty.yaml) applies.
# compatibility: backward
";

/// The team files: one per producer, with what is known of it.
pub fn teams(proposed: &[Proposed]) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for p in proposed {
        let id = p.producer.team().to_owned();
        if out.contains_key(&id) {
            continue;
        }
        let origin = match &p.producer {
            Producer::Team { from, .. } => format!("# From CODEOWNERS: {}.\n", rule(from)),
            Producer::Person { from, .. } => format!(
                "# Named after a person in CODEOWNERS: {}.\n# Open question: the team this person belongs to; rename or merge this team.\n",
                rule(from)
            ),
            Producer::Unowned => "# A placeholder for the schemas no CODEOWNERS rule owns.\n# Open question: who owns them; give each interface its real producer\n# and remove this team.\n".to_owned(),
        };
        let name = match &p.producer {
            Producer::Unowned => "Unowned (to be decided)".to_owned(),
            _ => id.clone(),
        };
        let text = format!(
            "# yaml-language-server: $schema=../.treaty/schema/team.schema.json\n{origin}id: {id}\nname: {}\n{TEAM_QUESTIONS}",
            yaml_string(&name)
        );
        out.insert(id, text);
    }
    out
}

const TEAM_QUESTIONS: &str = "\
# Open questions: its members, how to reach it and who is told when one
# of its blockers is overdue (`treaty validate` warns until it has an
# escalation path). See docs/format.md, teams.
# members:
#   - id: HANDLE
#     name: FULL NAME
#     email: NAME@EXAMPLE.COM
# contacts:
#   chat: \"#CHANNEL\"
# escalation:
#   - to: HANDLE
#     after: 0h
";

/// What `treaty.yaml` says of its steering group.
pub const STEERING_NOTE: &str = "\n  # Open question: discovery chose the first team CODEOWNERS names; name\n  # the real ones.";
