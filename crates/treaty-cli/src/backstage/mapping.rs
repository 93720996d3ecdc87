//! Catalog entities → Treaty teams and interfaces, and the list of what
//! did not map, with the entity and the reason. Pure: the entities come
//! with their definitions already read.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::entity::{Definition, Entity, EntityRef, treaty_id};

/// A team as the catalog says it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportedTeam {
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default)]
    pub members: Vec<ImportedMember>,
    /// The Group it came from.
    pub source: String,
}

/// A member, from a User.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportedMember {
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// An interface as the catalog says it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportedInterface {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub kind: String,
    pub schema: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub producer: Option<String>,
    #[serde(default)]
    pub consumers: Vec<String>,
    /// The API it came from.
    pub source: String,
}

/// What the catalog maps to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Imported {
    /// The organization group's id and name, when the catalog has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization: Option<(String, String)>,
    pub teams: BTreeMap<String, ImportedTeam>,
    pub interfaces: BTreeMap<String, ImportedInterface>,
    /// Schema files to write: workspace path → text.
    #[serde(skip)]
    pub schemas: BTreeMap<String, String>,
    /// What did not map.
    #[serde(skip)]
    pub unmapped: Vec<Unmapped>,
    /// What the user must fill in for the workspace to validate.
    #[serde(skip)]
    pub to_fill_in: Vec<String>,
    /// Fields of mapped entities that Treaty has no place for (`API
    /// spec.lifecycle`), with the entities that set them: listed by field,
    /// as every Component and API of a catalog sets some.
    #[serde(skip)]
    pub not_carried: BTreeMap<String, Vec<String>>,
}

/// One thing the import did not carry over, and why.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Unmapped {
    /// The entity (`api:default/petstore`), or the file.
    pub entity: String,
    pub reason: String,
}

/// Maps the entities of a catalog.
pub fn map(entities: &[Entity]) -> Imported {
    let mut out = Imported::default();
    let mut notes: Vec<Unmapped> = Vec::new();
    let mut note = |entity: String, reason: String| notes.push(Unmapped { entity, reason });
    // The first definition of a reference wins, as in Backstage.
    let mut by_key: BTreeMap<String, &Entity> = BTreeMap::new();
    for e in entities {
        if let Some(first) = by_key.get(&e.key()) {
            note(
                e.key(),
                format!(
                    "defined again at {} (first at {}); the first is used",
                    e.at, first.at
                ),
            );
        } else {
            by_key.insert(e.key(), e);
        }
    }
    let of_kind = |kind: &'static str| {
        by_key
            .values()
            .copied()
            .filter(move |e| e.kind.eq_ignore_ascii_case(kind))
    };
    // Ids are claimed in reference order, so collisions resolve the same
    // way every time.
    let mut ids: BTreeMap<String, String> = BTreeMap::new();
    let mut claim = |e: &Entity, note: &mut dyn FnMut(String, String)| -> Option<String> {
        let Some(id) = treaty_id(&e.namespace, &e.name) else {
            note(
                e.key(),
                "its name is not a valid Treaty id (at most 64 characters of a-z, 0-9, `-`, `_`, `.`)"
                    .into(),
            );
            return None;
        };
        let scope = if e.kind.eq_ignore_ascii_case("api") {
            "interface"
        } else {
            "team"
        };
        if let Some(other) = ids.insert(format!("{scope}:{id}"), e.key()) {
            note(
                e.key(),
                format!("its Treaty {scope} id `{id}` is already taken by {other}"),
            );
            return None;
        }
        Some(id)
    };

    // Teams, from Groups.
    let mut team_of_group: BTreeMap<String, String> = BTreeMap::new();
    let mut teams: BTreeMap<String, ImportedTeam> = BTreeMap::new();
    for g in of_kind("group") {
        let Some(id) = claim(g, &mut note) else {
            continue;
        };
        if g.spec_type.as_deref() == Some("organization") && out.organization.is_none() {
            out.organization = Some((id.clone(), team_name(g)));
        }
        team_of_group.insert(g.key(), id.clone());
        teams.insert(
            id.clone(),
            ImportedTeam {
                id,
                name: team_name(g),
                email: g.email.clone(),
                members: Vec::new(),
                source: g.key(),
            },
        );
    }
    // Members, from Users' memberOf and Groups' members.
    let mut membership: BTreeSet<(String, String)> = BTreeSet::new();
    for g in of_kind("group") {
        for m in &g.members {
            let r = EntityRef::parse(m, "user", &g.namespace);
            membership.insert((r.key(), g.key()));
        }
    }
    for user in of_kind("user") {
        for group in &user.member_of {
            let r = EntityRef::parse(group, "group", &user.namespace);
            membership.insert((user.key(), r.key()));
        }
    }
    for (user_key, group_key) in &membership {
        let Some(user) = by_key.get(user_key) else {
            note(
                group_key.clone(),
                format!("member {user_key} is not in the catalog"),
            );
            continue;
        };
        let Some(team) = team_of_group.get(group_key).and_then(|t| teams.get_mut(t)) else {
            note(
                user_key.clone(),
                format!("member of {group_key}, which is not in the catalog"),
            );
            continue;
        };
        let Some(id) = treaty_id(&user.namespace, &user.name) else {
            note(
                user_key.clone(),
                "its name is not a valid Treaty member id".into(),
            );
            continue;
        };
        team.members.push(ImportedMember {
            id,
            name: user
                .display_name
                .clone()
                .or_else(|| user.title.clone())
                .unwrap_or_else(|| user.name.clone()),
            email: user.email.clone(),
        });
    }
    for team in teams.values_mut() {
        team.members.sort_by(|a, b| a.id.cmp(&b.id));
    }
    for user in of_kind("user") {
        if user.member_of.is_empty() && !membership.iter().any(|(u, _)| *u == user.key()) {
            note(
                user.key(),
                "a member of no group: Treaty records people as members of teams".into(),
            );
        }
    }

    // The owning team of every Component, and which APIs each provides
    // and consumes.
    let owner_team = |owner: Option<&str>, namespace: &str| -> Result<String, String> {
        let Some(owner) = owner else {
            return Err("it names no owner".into());
        };
        let r = EntityRef::parse(owner, "group", namespace);
        if r.kind != "group" {
            return Err(format!(
                "its owner {r} is a {}, not a Group: Treaty's owners are teams",
                r.kind
            ));
        }
        team_of_group
            .get(&r.key())
            .cloned()
            .ok_or_else(|| format!("its owner {r} is not in the catalog"))
    };
    let mut providers: BTreeMap<String, BTreeSet<(String, String)>> = BTreeMap::new();
    let mut consumers: BTreeMap<String, BTreeSet<(String, String)>> = BTreeMap::new();
    for c in of_kind("component") {
        if c.provides.is_empty() && c.consumes.is_empty() {
            note(
                c.key(),
                "provides and consumes no API: nothing Treaty records".into(),
            );
            continue;
        }
        let team = match owner_team(c.owner.as_deref(), &c.namespace) {
            Ok(t) => t,
            Err(why) => {
                note(c.key(), format!("its APIs get no team from it: {why}"));
                continue;
            }
        };
        for api in &c.provides {
            let r = EntityRef::parse(api, "api", &c.namespace);
            providers
                .entry(r.key())
                .or_default()
                .insert((team.clone(), c.key()));
        }
        for api in &c.consumes {
            let r = EntityRef::parse(api, "api", &c.namespace);
            consumers
                .entry(r.key())
                .or_default()
                .insert((team.clone(), c.key()));
        }
    }
    for api_key in providers.keys().chain(consumers.keys()) {
        if !by_key.contains_key(api_key) {
            note(
                api_key.clone(),
                "named by a Component's providesApis or consumesApis, but not in the catalog"
                    .into(),
            );
        }
    }

    // Interfaces, from APIs.
    for api in of_kind("api") {
        let key = api.key();
        let kind = match api
            .spec_type
            .as_deref()
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("openapi") => "openapi",
            Some("asyncapi") => "asyncapi",
            Some("grpc") => "protobuf",
            Some("jsonschema") => "jsonschema",
            Some("avro") => "avro",
            other => {
                note(
                    key,
                    format!(
                        "spec.type `{}` has no Treaty interface kind (openapi, asyncapi, grpc, jsonschema, avro)",
                        other.unwrap_or("")
                    ),
                );
                continue;
            }
        };
        let Some(id) = claim(api, &mut note) else {
            continue;
        };
        let schema = schema_path(&id, kind, api.definition.as_ref());
        match &api.definition {
            Some(Definition::Text { text, .. }) => {
                out.schemas.insert(schema.clone(), text.clone());
            }
            Some(Definition::Unresolved(why)) => {
                note(key.clone(), format!("definition not read: {why}"));
                out.to_fill_in
                    .push(format!("{schema}: the definition of {key} ({why})"));
            }
            None => {
                note(key.clone(), "has no spec.definition".into());
                out.to_fill_in
                    .push(format!("{schema}: the definition of {key}"));
            }
        }
        let produced_by = providers.get(&key).cloned().unwrap_or_default();
        let producer_teams: BTreeSet<&String> = produced_by.iter().map(|(t, _)| t).collect();
        let producer = match producer_teams.len() {
            0 => match owner_team(api.owner.as_deref(), &api.namespace) {
                Ok(t) => Some(t),
                Err(why) => {
                    note(
                        key.clone(),
                        format!("no producer: no Component provides it, and {why}"),
                    );
                    out.to_fill_in.push(format!(
                        "interfaces/{id}.yaml: `producer`, the team that owns {key}"
                    ));
                    None
                }
            },
            1 => producer_teams.first().map(|t| (*t).clone()),
            _ => {
                let names: Vec<&str> = producer_teams.iter().map(|t| t.as_str()).collect();
                note(
                    key.clone(),
                    format!(
                        "provided by Components of several teams ({}): an interface has one producer",
                        names.join(", ")
                    ),
                );
                out.to_fill_in.push(format!(
                    "interfaces/{id}.yaml: `producer`, one of {}",
                    names.join(", ")
                ));
                None
            }
        };
        let mut consumer_teams: Vec<String> = Vec::new();
        for (team, component) in consumers.get(&key).into_iter().flatten() {
            if Some(team) == producer.as_ref() {
                note(
                    component.clone(),
                    format!(
                        "consumes {key}, which its own team `{team}` produces: not listed as a consumer"
                    ),
                );
            } else if !consumer_teams.contains(team) {
                consumer_teams.push(team.clone());
            }
        }
        out.interfaces.insert(
            id.clone(),
            ImportedInterface {
                id,
                name: api.title.clone(),
                description: api.description.clone(),
                kind: kind.to_owned(),
                schema,
                producer,
                consumers: consumer_teams,
                source: key,
            },
        );
    }

    // Everything else, and the fields that were not carried.
    for e in by_key.values() {
        let kind = e.kind.to_ascii_lowercase();
        if !matches!(
            kind.as_str(),
            "group" | "user" | "component" | "api" | "location"
        ) {
            note(
                e.key(),
                format!("kind {} has no Treaty counterpart", e.kind),
            );
        } else {
            for field in &e.not_carried {
                out.not_carried
                    .entry(format!("{} {field}", e.kind))
                    .or_default()
                    .push(e.key());
            }
        }
    }
    out.teams = teams;
    out.unmapped.extend(notes);
    out.unmapped.sort();
    out.unmapped.dedup();
    out.to_fill_in.sort();
    out
}

/// Where an API's definition is written: `schemas/<id>.<kind>.yaml`, or
/// `.json` when it was read from a JSON file; `schemas/<id>.proto` and
/// `schemas/<id>.avsc` for those formats' own files.
fn schema_path(id: &str, kind: &str, definition: Option<&Definition>) -> String {
    let ext = match definition {
        Some(Definition::Text { ext: Some(e), .. }) => e.as_str(),
        _ => "",
    };
    match (kind, ext) {
        ("protobuf", _) => format!("schemas/{id}.proto"),
        ("avro", "avsc") => format!("schemas/{id}.avsc"),
        (_, "json") => format!("schemas/{id}.{kind}.json"),
        _ => format!("schemas/{id}.{kind}.yaml"),
    }
}

/// A Group's display name, else its title, else its name.
fn team_name(g: &Entity) -> String {
    g.display_name
        .clone()
        .or_else(|| g.title.clone())
        .unwrap_or_else(|| g.name.clone())
}
