//! Catalog entities → Treaty teams and interfaces, and the list of what
//! did not map, with the entity and the reason. Pure: the entities come
//! with their definitions already read.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use treaty_compat::Format;

use super::entity::{Definition, Entity, EntityRef, treaty_id, treaty_kind};

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
    let mut m = Mapper::new(entities);
    m.teams();
    m.members();
    m.components();
    m.interfaces();
    m.the_rest();
    m.finish()
}

/// The state of one mapping, built up step by step: Groups first (the
/// other kinds point at them), then Users, Components and APIs.
struct Mapper<'a> {
    /// Entities by reference; the first definition of a reference wins,
    /// as in Backstage.
    by_key: BTreeMap<String, &'a Entity>,
    out: Imported,
    notes: Vec<Unmapped>,
    /// Ids taken (`team:x`, `interface:x`) and by which entity: claimed in
    /// reference order, so collisions resolve the same way every time.
    ids: BTreeMap<String, String>,
    team_of_group: BTreeMap<String, String>,
    /// (User, Group) pairs, from both sides.
    membership: BTreeSet<(String, String)>,
    /// By API: the teams (and their Components) that provide and consume it.
    providers: BTreeMap<String, BTreeSet<(String, String)>>,
    consumers: BTreeMap<String, BTreeSet<(String, String)>>,
}

impl<'a> Mapper<'a> {
    fn new(entities: &'a [Entity]) -> Mapper<'a> {
        let mut m = Mapper {
            by_key: BTreeMap::new(),
            out: Imported::default(),
            notes: Vec::new(),
            ids: BTreeMap::new(),
            team_of_group: BTreeMap::new(),
            membership: BTreeSet::new(),
            providers: BTreeMap::new(),
            consumers: BTreeMap::new(),
        };
        for e in entities {
            match m.by_key.get(&e.key()) {
                Some(first) => {
                    let reason = format!(
                        "defined again at {} (first at {}); the first is used",
                        e.at, first.at
                    );
                    m.note(e.key(), reason);
                }
                None => {
                    m.by_key.insert(e.key(), e);
                }
            }
        }
        m
    }

    fn note(&mut self, entity: String, reason: impl Into<String>) {
        self.notes.push(Unmapped {
            entity,
            reason: reason.into(),
        });
    }

    fn of_kind(&self, kind: &'static str) -> Vec<&'a Entity> {
        self.by_key
            .values()
            .copied()
            .filter(|e| e.kind.eq_ignore_ascii_case(kind))
            .collect()
    }

    /// The Treaty id of a Group or an API, unless it is malformed or taken.
    fn claim(&mut self, e: &Entity, scope: &str) -> Option<String> {
        let Some(id) = treaty_id(&e.namespace, &e.name) else {
            self.note(
                e.key(),
                "its name is not a valid Treaty id (at most 64 characters of a-z, 0-9, `-`, `_`, `.`)",
            );
            return None;
        };
        if let Some(other) = self.ids.insert(format!("{scope}:{id}"), e.key()) {
            self.note(
                e.key(),
                format!("its Treaty {scope} id `{id}` is already taken by {other}"),
            );
            return None;
        }
        Some(id)
    }

    /// Teams, from Groups.
    fn teams(&mut self) {
        for g in self.of_kind("group") {
            let Some(id) = self.claim(g, "team") else {
                continue;
            };
            if g.spec_type.as_deref() == Some("organization") && self.out.organization.is_none() {
                self.out.organization = Some((id.clone(), team_name(g)));
            }
            self.team_of_group.insert(g.key(), id.clone());
            self.out.teams.insert(
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
    }

    /// Members, from Users' `memberOf` and Groups' `members`.
    fn members(&mut self) {
        for g in self.of_kind("group") {
            for m in &g.members {
                let r = EntityRef::parse(m, "user", &g.namespace);
                self.membership.insert((r.key(), g.key()));
            }
        }
        for user in self.of_kind("user") {
            for group in &user.member_of {
                let r = EntityRef::parse(group, "group", &user.namespace);
                self.membership.insert((user.key(), r.key()));
            }
        }
        for (user_key, group_key) in self.membership.clone() {
            let Some(user) = self.by_key.get(&user_key).copied() else {
                self.note(
                    group_key,
                    format!("member {user_key} is not in the catalog"),
                );
                continue;
            };
            let Some(team_id) = self.team_of_group.get(&group_key).cloned() else {
                self.note(
                    user_key,
                    format!("member of {group_key}, which is not in the catalog"),
                );
                continue;
            };
            let Some(id) = treaty_id(&user.namespace, &user.name) else {
                self.note(user_key, "its name is not a valid Treaty member id");
                continue;
            };
            let member = ImportedMember {
                id,
                name: user
                    .display_name
                    .clone()
                    .or_else(|| user.title.clone())
                    .unwrap_or_else(|| user.name.clone()),
                email: user.email.clone(),
            };
            if let Some(team) = self.out.teams.get_mut(&team_id) {
                team.members.push(member);
            }
        }
        for team in self.out.teams.values_mut() {
            team.members.sort_by(|a, b| a.id.cmp(&b.id));
        }
        for user in self.of_kind("user") {
            if !self.membership.iter().any(|(u, _)| *u == user.key()) {
                self.note(
                    user.key(),
                    "a member of no group: Treaty records people as members of teams",
                );
            }
        }
    }

    /// The team an `owner` names, or why it names none.
    fn owner_team(&self, owner: Option<&str>, namespace: &str) -> Result<String, String> {
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
        self.team_of_group
            .get(&r.key())
            .cloned()
            .ok_or_else(|| format!("its owner {r} is not in the catalog"))
    }

    /// Which teams provide and consume each API, through the Components
    /// they own.
    fn components(&mut self) {
        for c in self.of_kind("component") {
            if c.provides.is_empty() && c.consumes.is_empty() {
                self.note(
                    c.key(),
                    "provides and consumes no API: nothing Treaty records",
                );
                continue;
            }
            let team = match self.owner_team(c.owner.as_deref(), &c.namespace) {
                Ok(t) => t,
                Err(why) => {
                    self.note(c.key(), format!("its APIs get no team from it: {why}"));
                    continue;
                }
            };
            for (apis, relation) in [
                (&c.provides, &mut self.providers),
                (&c.consumes, &mut self.consumers),
            ] {
                for api in apis {
                    let r = EntityRef::parse(api, "api", &c.namespace);
                    relation
                        .entry(r.key())
                        .or_default()
                        .insert((team.clone(), c.key()));
                }
            }
        }
        let named: BTreeSet<String> = self
            .providers
            .keys()
            .chain(self.consumers.keys())
            .filter(|k| !self.by_key.contains_key(*k))
            .cloned()
            .collect();
        for api_key in named {
            self.note(
                api_key,
                "named by a Component's providesApis or consumesApis, but not in the catalog",
            );
        }
    }

    /// Interfaces, from APIs.
    fn interfaces(&mut self) {
        for api in self.of_kind("api") {
            let key = api.key();
            let kind = match api.spec_type.as_deref().map(treaty_kind) {
                Some(Ok(kind)) => kind,
                _ => {
                    let reason = format!(
                        "spec.type `{}` has no Treaty interface kind (openapi, asyncapi, grpc, jsonschema, avro)",
                        api.spec_type.as_deref().unwrap_or("")
                    );
                    self.note(key, reason);
                    continue;
                }
            };
            let Some(id) = self.claim(api, "interface") else {
                continue;
            };
            let schema = schema_path(&id, kind, api.definition.as_ref());
            match &api.definition {
                Some(Definition::Text { text, .. }) => {
                    self.out.schemas.insert(schema.clone(), text.clone());
                }
                Some(Definition::Unresolved(why)) => {
                    self.note(key.clone(), format!("definition not read: {why}"));
                    let fill = format!("{schema}: the definition of {key} ({why})");
                    self.out.to_fill_in.push(fill);
                }
                None => {
                    self.note(key.clone(), "has no spec.definition");
                    let fill = format!("{schema}: the definition of {key}");
                    self.out.to_fill_in.push(fill);
                }
            }
            let producer = self.producer(api, &id);
            let mut consumer_teams: Vec<String> = Vec::new();
            for (team, component) in self.consumers.get(&key).cloned().unwrap_or_default() {
                if Some(&team) == producer.as_ref() {
                    self.note(
                        component,
                        format!(
                            "consumes {key}, which its own team `{team}` produces: not listed as a consumer"
                        ),
                    );
                } else if !consumer_teams.contains(&team) {
                    consumer_teams.push(team);
                }
            }
            self.out.interfaces.insert(
                id.clone(),
                ImportedInterface {
                    id,
                    name: api.title.clone(),
                    description: api.description.clone(),
                    kind: kind.to_string(),
                    schema,
                    producer,
                    consumers: consumer_teams,
                    source: key,
                },
            );
        }
    }

    /// The owner of the Component providing `api`, else the API's own
    /// owner; `None`, with what to fill in, when that is not one team.
    fn producer(&mut self, api: &Entity, id: &str) -> Option<String> {
        let key = api.key();
        let teams: BTreeSet<String> = self
            .providers
            .get(&key)
            .into_iter()
            .flatten()
            .map(|(t, _)| t.clone())
            .collect();
        if teams.len() == 1 {
            return teams.into_iter().next();
        }
        if teams.is_empty() {
            return match self.owner_team(api.owner.as_deref(), &api.namespace) {
                Ok(t) => Some(t),
                Err(why) => {
                    self.note(
                        key.clone(),
                        format!("no producer: no Component provides it, and {why}"),
                    );
                    let fill =
                        format!("interfaces/{id}.yaml: `producer`, the team that owns {key}");
                    self.out.to_fill_in.push(fill);
                    None
                }
            };
        }
        let names = teams.into_iter().collect::<Vec<_>>().join(", ");
        self.note(
            key,
            format!(
                "provided by Components of several teams ({names}): an interface has one producer"
            ),
        );
        let fill = format!("interfaces/{id}.yaml: `producer`, one of {names}");
        self.out.to_fill_in.push(fill);
        None
    }

    /// Kinds with no counterpart, and the fields not carried.
    fn the_rest(&mut self) {
        let entities: Vec<&Entity> = self.by_key.values().copied().collect();
        for e in entities {
            let kind = e.kind.to_ascii_lowercase();
            if !matches!(
                kind.as_str(),
                "group" | "user" | "component" | "api" | "location"
            ) {
                self.note(
                    e.key(),
                    format!("kind {} has no Treaty counterpart", e.kind),
                );
                continue;
            }
            for field in &e.not_carried {
                self.out
                    .not_carried
                    .entry(format!("{} {field}", e.kind))
                    .or_default()
                    .push(e.key());
            }
        }
    }

    fn finish(mut self) -> Imported {
        self.out.unmapped.append(&mut self.notes);
        self.out.unmapped.sort();
        self.out.unmapped.dedup();
        self.out.to_fill_in.sort();
        self.out
    }
}

/// Where an API's definition is written: `schemas/<id>.<kind>.yaml`, or
/// `.json` when it was read from a JSON file; `schemas/<id>.proto` and
/// `schemas/<id>.avsc` for those formats' own files.
fn schema_path(id: &str, kind: Format, definition: Option<&Definition>) -> String {
    let ext = match definition {
        Some(Definition::Text { ext: Some(e), .. }) => e.as_str(),
        _ => "",
    };
    match (kind, ext) {
        (Format::Protobuf, _) => format!("schemas/{id}.proto"),
        (Format::Avro, "avsc") => format!("schemas/{id}.avsc"),
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
