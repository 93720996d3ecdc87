//! From what discovery found to the interfaces and teams it proposes:
//! one interface per schema (per package for Protobuf), its id from the
//! schema's title or file name, its producer from CODEOWNERS. Pure: the
//! files were read by the caller.

use std::collections::BTreeSet;

use treaty_compat::Format;

use super::codeowners::{CodeOwners, Ownership};
use super::detect::Schema;
use super::proto::{self, ProtoFile};

/// The team of schemas no CODEOWNERS rule owns.
pub const PLACEHOLDER_TEAM: &str = "unowned";

/// Who a proposed interface's producer is, and on what grounds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Producer {
    /// A team from CODEOWNERS: `@org/team` (GitLab: `@group/sub/team`).
    Team { id: String, from: Found },
    /// A person or e-mail from CODEOWNERS: a team named after them is
    /// proposed, and which team they belong to is an open question.
    Person { id: String, from: Found },
    /// No rule owns the schema (or there is no CODEOWNERS file).
    Unowned,
}

/// The CODEOWNERS rule an owner came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub file: String,
    pub ownership: Ownership,
    /// The owner written first in the rule, which became the producer.
    pub owner: String,
}

impl Producer {
    pub fn team(&self) -> &str {
        match self {
            Producer::Team { id, .. } | Producer::Person { id, .. } => id,
            Producer::Unowned => PLACEHOLDER_TEAM,
        }
    }
}

/// An interface discovery proposes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposed {
    pub id: String,
    pub name: String,
    pub kind: Format,
    pub schema: String,
    /// Protobuf: where imports resolve from.
    pub include_paths: Vec<String>,
    /// Protobuf: the package's other files, reached only through imports.
    pub other_files: Vec<String>,
    pub producer: Producer,
}

/// A Treaty id from a name: lowercase letters, digits and `-`, words of
/// camel case split (`PaymentSettled` → `payment-settled`), at most 64
/// characters. Empty when the name has no letter or digit.
pub fn id_from(name: &str) -> String {
    let mut out = String::new();
    let mut prev: Option<char> = None;
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            let camel = c.is_ascii_uppercase()
                && prev.is_some_and(|p| p.is_ascii_lowercase() || p.is_ascii_digit());
            if camel && !out.is_empty() && !out.ends_with('-') {
                out.push('-');
            }
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
        prev = Some(c);
    }
    out.truncate(64);
    out.trim_end_matches('-').to_owned()
}

/// File names that say nothing about what they describe: the directory
/// does.
const GENERIC_STEMS: &[&str] = &[
    "openapi", "asyncapi", "swagger", "schema", "api", "spec", "index", "main", "service",
];

/// An id from a schema's path: its file name without extensions (and
/// without `.schema`, `.openapi`...), led by its directory's name when
/// the file name is generic (`payments/openapi.yaml` → `payments-openapi`).
fn id_from_path(path: &str) -> String {
    let mut parts = path.rsplit('/');
    let file = parts.next().unwrap_or(path);
    let stem = file.split('.').next().unwrap_or(file);
    let stem = if stem.is_empty() { file } else { stem };
    match parts.next() {
        Some(dir) if GENERIC_STEMS.contains(&stem.to_ascii_lowercase().as_str()) => {
            id_from(&format!("{dir}-{stem}"))
        }
        _ => id_from(stem),
    }
}

/// `base`, or `base-2`, `base-3`... whichever `taken` does not hold yet.
fn unique(base: &str, taken: &mut BTreeSet<String>) -> String {
    let base = if base.is_empty() { "interface" } else { base };
    let mut id = base.to_owned();
    let mut n = 2;
    while taken.contains(&id) {
        let suffix = format!("-{n}");
        let keep = base.len().min(64 - suffix.len());
        id = format!("{}{suffix}", base[..keep].trim_end_matches('-'));
        n += 1;
    }
    taken.insert(id.clone());
    id
}

/// The team an owner names: `@org/team` → `team`; `@user` → `user`;
/// `name@example.com` → `name`. `None` for GitLab roles (`@@developer`)
/// and owners with nothing to make an id of.
fn owner_team(owner: &str) -> Option<(String, bool)> {
    if owner.starts_with("@@") {
        return None;
    }
    if let Some(handle) = owner.strip_prefix('@') {
        let team = handle.contains('/');
        let last = handle.rsplit('/').next().unwrap_or(handle);
        let id = id_from(last);
        return (!id.is_empty()).then_some((id, team));
    }
    let local = owner.split('@').next().unwrap_or(owner);
    let id = id_from(local);
    (!id.is_empty() && owner.contains('@')).then_some((id, false))
}

/// The producer CODEOWNERS gives a path.
pub fn producer(codeowners: Option<&CodeOwners>, path: &str) -> Producer {
    let Some(co) = codeowners else {
        return Producer::Unowned;
    };
    let Some(ownership) = co.owner_of(path) else {
        return Producer::Unowned;
    };
    // A team among the owners is preferred to a person.
    let teams: Vec<(&String, (String, bool))> = ownership
        .owners
        .iter()
        .filter_map(|o| owner_team(o).map(|t| (o, t)))
        .collect();
    let chosen = teams.iter().find(|(_, (_, team))| *team).or(teams.first());
    let Some((owner, (id, is_team))) = chosen else {
        return Producer::Unowned;
    };
    let from = Found {
        file: co.file.clone(),
        ownership: ownership.clone(),
        owner: (*owner).clone(),
    };
    if *is_team {
        Producer::Team {
            id: id.clone(),
            from,
        }
    } else {
        Producer::Person {
            id: id.clone(),
            from,
        }
    }
}

/// A schema to propose an interface for, before its id and producer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub path: String,
    pub kind: Format,
    pub title: Option<String>,
    pub include_paths: Vec<String>,
    pub other_files: Vec<String>,
}

/// Every interface proposed, in the order of their schema paths.
pub fn interfaces(
    schemas: &[Schema],
    protos: &[(String, ProtoFile)],
    codeowners: Option<&CodeOwners>,
) -> Vec<Proposed> {
    let mut found: Vec<Candidate> = schemas
        .iter()
        .map(|s| Candidate {
            path: s.path.clone(),
            kind: s.kind,
            title: s.title.clone(),
            include_paths: vec![],
            other_files: vec![],
        })
        .chain(proto::packages(protos))
        .collect();
    found.sort_by(|a, b| a.path.cmp(&b.path));
    let mut taken = BTreeSet::new();
    found
        .into_iter()
        .map(|c| {
            let from_title = c.title.as_deref().map(id_from).unwrap_or_default();
            let base = if from_title.is_empty() {
                id_from_path(&c.path)
            } else {
                from_title
            };
            Proposed {
                id: unique(&base, &mut taken),
                name: c.title.unwrap_or_else(|| c.path.clone()),
                kind: c.kind,
                producer: producer(codeowners, &c.path),
                schema: c.path,
                include_paths: c.include_paths,
                other_files: c.other_files,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_valid_treaty_ids() {
        assert_eq!(id_from("Payments API"), "payments-api");
        assert_eq!(id_from("PaymentSettled"), "payment-settled");
        assert_eq!(id_from("acme.orders.v1"), "acme-orders-v1");
        assert_eq!(id_from("  Ünïcode — only  "), "n-code-only");
        assert_eq!(id_from("…"), "");
        assert_eq!(id_from(&"x".repeat(100)).len(), 64);
        assert_eq!(
            id_from_path("services/payments/openapi.yaml"),
            "payments-openapi"
        );
        assert_eq!(
            id_from_path("events/order-placed.schema.json"),
            "order-placed"
        );
    }

    #[test]
    fn ids_are_made_unique() {
        let mut taken = BTreeSet::new();
        assert_eq!(unique("api", &mut taken), "api");
        assert_eq!(unique("api", &mut taken), "api-2");
        assert_eq!(unique("api", &mut taken), "api-3");
        assert_eq!(unique("", &mut taken), "interface");
        let long = "a".repeat(64);
        assert_eq!(unique(&long, &mut taken), long);
        assert_eq!(unique(&long, &mut taken).len(), 64);
    }

    #[test]
    fn owners_become_teams() {
        assert_eq!(
            owner_team("@acme/payments"),
            Some(("payments".into(), true))
        );
        assert_eq!(
            owner_team("@group/sub/Data-Team"),
            Some(("data-team".into(), true))
        );
        assert_eq!(owner_team("@octocat"), Some(("octocat".into(), false)));
        assert_eq!(
            owner_team("jane.doe@example.com"),
            Some(("jane-doe".into(), false))
        );
        assert_eq!(owner_team("@@maintainer"), None);
        assert_eq!(owner_team("nobody"), None);
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    /// What `docs/format.md` says an id is.
    fn valid(id: &str) -> bool {
        let mut chars = id.chars();
        chars
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
            && id.len() <= 64
            && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c))
    }

    proptest! {
        #[test]
        fn ids_from_any_names_are_valid_and_unique(names in proptest::collection::vec(".{0,80}", 1..20)) {
            let mut taken = BTreeSet::new();
            for name in &names {
                let id = id_from(name);
                prop_assert!(id.is_empty() || valid(&id), "{name:?} → {id:?}");
                let before = taken.len();
                let unique_id = unique(&id, &mut taken);
                prop_assert!(valid(&unique_id), "{name:?} → {unique_id:?}");
                prop_assert_eq!(taken.len(), before + 1);
            }
        }
    }
}
