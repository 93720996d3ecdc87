//! Re-import: a three-way merge of what the last import wrote (`prev`),
//! the file as it is now (`current`, hand edits included) and what the
//! catalog says now (`new`). Pure, on JSON values.
//!
//! The rules (docs/backstage.md says the same):
//! - A field the import writes (`name`, `description`, `kind`, `schema`,
//!   `producer`, `contacts.email`, a member's `name` and `email`) takes the
//!   catalog's value unless it was edited by hand since the last import;
//!   a hand edit is kept, and reported when the catalog now says otherwise.
//! - List entries the import writes (members by `id`, consumers by
//!   `team`) are added when new in the catalog and removed when gone from
//!   it; entries added by hand are kept, and so is everything a catalog
//!   entry was given by hand (`uses`, `expectations`, `role`).
//! - Every other field (policy, versioning, escalation, SLOs...) is the
//!   user's: kept as it is.

use serde_json::{Map, Value};

use super::mapping::{ImportedInterface, ImportedMember, ImportedTeam};

/// A merged file and the hand edits that won over the catalog.
#[derive(Debug, Clone, PartialEq)]
pub struct Merged {
    pub value: Value,
    pub kept: Vec<String>,
}

/// The team file's content.
pub fn team(prev: Option<&ImportedTeam>, current: Option<&Value>, new: &ImportedTeam) -> Merged {
    let mut m = Merger::new(current);
    m.set("id", Some(&new.id));
    m.field("name", prev.map(|p| p.name.as_str()), Some(&new.name));
    let mut contacts = m.take_map("contacts");
    let email = field3(
        "contacts.email",
        prev.and_then(|p| p.email.as_deref()),
        contacts.get("email"),
        new.email.as_deref(),
        &mut m.kept,
    );
    put(&mut contacts, "email", email);
    m.put_map("contacts", contacts);
    let prev_members: Vec<&ImportedMember> =
        prev.map(|p| p.members.iter().collect()).unwrap_or_default();
    let entries: Vec<Keyed> = new
        .members
        .iter()
        .map(|member| {
            let before = prev_members.iter().find(|p| p.id == member.id);
            Keyed {
                key: member.id.clone(),
                fields: vec![
                    (
                        "name",
                        before.map(|b| b.name.clone()),
                        Some(member.name.clone()),
                    ),
                    (
                        "email",
                        before.and_then(|b| b.email.clone()),
                        member.email.clone(),
                    ),
                ],
            }
        })
        .collect();
    let prev_keys: Vec<String> = prev_members.iter().map(|p| p.id.clone()).collect();
    m.list("members", "id", &prev_keys, &entries);
    m.finish()
}

/// The interface file's content.
pub fn interface(
    prev: Option<&ImportedInterface>,
    current: Option<&Value>,
    new: &ImportedInterface,
) -> Merged {
    let mut m = Merger::new(current);
    m.set("id", Some(&new.id));
    m.field(
        "name",
        prev.and_then(|p| p.name.as_deref()),
        new.name.as_deref(),
    );
    m.field(
        "description",
        prev.and_then(|p| p.description.as_deref()),
        new.description.as_deref(),
    );
    m.field("kind", prev.map(|p| p.kind.as_str()), Some(&new.kind));
    m.field("schema", prev.map(|p| p.schema.as_str()), Some(&new.schema));
    m.field(
        "producer",
        prev.and_then(|p| p.producer.as_deref()),
        new.producer.as_deref(),
    );
    let entries: Vec<Keyed> = new
        .consumers
        .iter()
        .map(|team| Keyed {
            key: team.clone(),
            fields: Vec::new(),
        })
        .collect();
    let prev_keys: Vec<String> = prev.map(|p| p.consumers.clone()).unwrap_or_default();
    m.list("consumers", "team", &prev_keys, &entries);
    m.finish()
}

/// A list entry the catalog gives: its key and the fields the import
/// writes, each as (name, last import's value, catalog's value).
struct Keyed {
    key: String,
    fields: Vec<(&'static str, Option<String>, Option<String>)>,
}

struct Merger {
    map: Map<String, Value>,
    kept: Vec<String>,
}

impl Merger {
    fn new(current: Option<&Value>) -> Merger {
        let map = current
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        Merger {
            map,
            kept: Vec::new(),
        }
    }

    fn set(&mut self, key: &str, value: Option<&str>) {
        put(
            &mut self.map,
            key,
            value.map(|v| Value::String(v.to_owned())),
        );
    }

    fn field(&mut self, key: &str, prev: Option<&str>, new: Option<&str>) {
        let v = field3(key, prev, self.map.get(key), new, &mut self.kept);
        put(&mut self.map, key, v);
    }

    fn take_map(&mut self, key: &str) -> Map<String, Value> {
        match self.map.remove(key) {
            Some(Value::Object(m)) => m,
            _ => Map::new(),
        }
    }

    fn put_map(&mut self, key: &str, m: Map<String, Value>) {
        if !m.is_empty() {
            self.map.insert(key.to_owned(), Value::Object(m));
        }
    }

    fn list(&mut self, key: &str, id_field: &str, prev_keys: &[String], entries: &[Keyed]) {
        let current: Vec<Value> = match self.map.remove(key) {
            Some(Value::Array(items)) => items,
            _ => Vec::new(),
        };
        let id_of = |v: &Value| v.get(id_field).and_then(Value::as_str).map(str::to_owned);
        let mut out = Vec::new();
        for item in current {
            let id = id_of(&item);
            match entries.iter().find(|e| Some(&e.key) == id.as_ref()) {
                Some(entry) => {
                    let mut fields = item.as_object().cloned().unwrap_or_default();
                    for (name, prev, new) in &entry.fields {
                        let label = format!("{key}[{}].{name}", entry.key);
                        let v = field3(
                            &label,
                            prev.as_deref(),
                            fields.get(*name),
                            new.as_deref(),
                            &mut self.kept,
                        );
                        put(&mut fields, name, v);
                    }
                    out.push(Value::Object(fields));
                }
                // Gone from the catalog since the last import: removed.
                None if id.as_ref().is_some_and(|i| prev_keys.contains(i)) => {}
                // Added by hand: kept.
                None => out.push(item),
            }
        }
        for entry in entries {
            if out.iter().any(|v| id_of(v).as_ref() == Some(&entry.key)) {
                continue;
            }
            let mut fields = Map::new();
            fields.insert(id_field.to_owned(), Value::String(entry.key.clone()));
            for (name, _, new) in &entry.fields {
                put(&mut fields, name, new.clone().map(Value::String));
            }
            out.push(Value::Object(fields));
        }
        if !out.is_empty() {
            self.map.insert(key.to_owned(), Value::Array(out));
        }
    }

    fn finish(self) -> Merged {
        Merged {
            value: Value::Object(self.map),
            kept: self.kept,
        }
    }
}

/// One field, three ways: the catalog's value unless the file's differs
/// from what the last import wrote.
fn field3(
    label: &str,
    prev: Option<&str>,
    current: Option<&Value>,
    new: Option<&str>,
    kept: &mut Vec<String>,
) -> Option<Value> {
    let current_str = current.and_then(Value::as_str);
    let edited = match current {
        None => false,
        Some(_) => current_str != prev,
    };
    if !edited {
        return new.map(|n| Value::String(n.to_owned()));
    }
    if current_str != new {
        kept.push(format!(
            "kept the hand-edited `{label}` ({}); the catalog says {}",
            current.map(Value::to_string).unwrap_or_default(),
            new.map_or_else(|| "nothing".to_owned(), |n| format!("\"{n}\""))
        ));
    }
    current.cloned()
}

fn put(map: &mut Map<String, Value>, key: &str, value: Option<Value>) {
    match value {
        Some(v) => {
            map.insert(key.to_owned(), v);
        }
        None => {
            map.remove(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn iface(producer: &str, consumers: &[&str]) -> ImportedInterface {
        ImportedInterface {
            id: "pets".into(),
            name: None,
            description: None,
            kind: "openapi".into(),
            schema: "schemas/pets.openapi.yaml".into(),
            producer: Some(producer.into()),
            consumers: consumers.iter().map(|c| (*c).to_owned()).collect(),
            source: "api:default/pets".into(),
        }
    }

    #[test]
    fn catalog_changes_apply_and_hand_edits_stay() {
        let prev = iface("team-a", &["team-b", "team-c"]);
        let current = json!({
            "id": "pets", "kind": "openapi", "schema": "schemas/pets.openapi.yaml",
            "producer": "team-a",
            "compatibility": "full",
            "consumers": [
                {"team": "team-b", "uses": {"operations": ["listPets"]}},
                {"team": "team-c"},
                {"team": "by-hand"}
            ]
        });
        let new = iface("team-z", &["team-b", "team-d"]);
        let m = interface(Some(&prev), Some(&current), &new);
        assert_eq!(
            m.value,
            json!({
                "id": "pets", "kind": "openapi", "schema": "schemas/pets.openapi.yaml",
                "producer": "team-z",
                "compatibility": "full",
                "consumers": [
                    {"team": "team-b", "uses": {"operations": ["listPets"]}},
                    {"team": "by-hand"},
                    {"team": "team-d"}
                ]
            })
        );
        assert!(m.kept.is_empty());
    }

    #[test]
    fn a_hand_edited_field_wins_and_is_reported() {
        let prev = iface("team-a", &[]);
        let current = json!({"id": "pets", "kind": "openapi",
            "schema": "schemas/pets.openapi.yaml", "producer": "team-x"});
        let m = interface(Some(&prev), Some(&current), &iface("team-z", &[]));
        assert_eq!(m.value["producer"], json!("team-x"));
        assert_eq!(m.kept.len(), 1, "{:?}", m.kept);
    }
}
