//! One Backstage catalog entity, read from one YAML document: the fields
//! the import maps, typed, and the names of the `spec` fields it does not
//! carry. Entity references (`[kind:][namespace/]name`) and the mapping of
//! names to Treaty ids live here too. Pure: the caller hands in the tree.

use treaty_syntax::{Node, SourceMap, Span};

/// The namespace of an entity that names none.
pub const DEFAULT_NAMESPACE: &str = "default";

/// A catalog document that is not an entity Treaty can read: the file,
/// line and column, the field, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{at}: `{field}`: {message}")]
pub struct EntityError {
    pub at: String,
    pub field: String,
    pub message: String,
    /// The offending node.
    pub span: Span,
}

/// Where `definition` comes from, before any file is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DefinitionSource {
    /// The text written in the entity.
    Inline(String),
    /// `{$text: target}`, `{$json: target}` or `{$yaml: target}`.
    Substitution { how: String, target: String },
}

/// An API's definition once substitutions are resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Definition {
    /// The text, and the file extension it was read with (`yaml`,
    /// `json`, `proto`...) when it came from a file.
    Text { text: String, ext: Option<String> },
    /// A substitution Treaty did not resolve, and why.
    Unresolved(String),
}

/// The fields of one entity the import reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entity {
    pub kind: String,
    pub namespace: String,
    pub name: String,
    pub title: Option<String>,
    pub description: Option<String>,
    /// `file:line` of the document, for reports.
    pub at: String,
    /// The catalog file the entity was read from (substitutions are
    /// relative to its directory).
    pub file: String,
    /// `spec.type`.
    pub spec_type: Option<String>,
    /// `spec.owner`.
    pub owner: Option<String>,
    /// `spec.profile.displayName` and `spec.profile.email`.
    pub display_name: Option<String>,
    pub email: Option<String>,
    /// Group `spec.members`, User `spec.memberOf`.
    pub members: Vec<String>,
    pub member_of: Vec<String>,
    /// Component `spec.providesApis` and `spec.consumesApis`.
    pub provides: Vec<String>,
    pub consumes: Vec<String>,
    /// API `spec.definition` as written.
    pub definition_source: Option<DefinitionSource>,
    /// Filled in by the reader from `definition_source`.
    pub definition: Option<Definition>,
    /// Location `spec.target` and `spec.targets`.
    pub targets: Vec<String>,
    /// `spec` fields the import does not carry, in document order.
    pub not_carried: Vec<String>,
}

impl Entity {
    /// The entity's reference, lowercase: `kind:namespace/name`.
    pub fn key(&self) -> String {
        format!("{}:{}/{}", self.kind, self.namespace, self.name).to_ascii_lowercase()
    }

    /// Reads one document; `sources` locates spans for messages.
    pub fn read(doc: &Node, file: &str, sources: &SourceMap) -> Result<Entity, EntityError> {
        let at = |span: Span| match sources.locate(span) {
            Some((name, p)) => format!("{name}:{}:{}", p.line, p.column),
            None => file.to_owned(),
        };
        let fail = |span: Span, field: &str, message: &str| EntityError {
            at: at(span),
            field: field.to_owned(),
            message: message.to_owned(),
            span,
        };
        if doc.as_map().is_none() {
            return Err(fail(doc.span, "(document)", "an entity is a mapping"));
        }
        let string = |node: &Node, field: &str| -> Result<String, EntityError> {
            match node.as_scalar() {
                Some(s) if !s.text.is_empty() => Ok(s.text.clone()),
                _ => Err(fail(node.span, field, "expected a non-empty string")),
            }
        };
        let required = |parent: &Node, key: &str, field: &str| -> Result<String, EntityError> {
            match parent.get(key) {
                Some(n) => string(n, field),
                None => Err(fail(parent.span, field, "missing; every entity has one")),
            }
        };
        let optional = |parent: Option<&Node>, key: &str, field: &str| {
            parent
                .and_then(|p| p.get(key))
                .filter(|n| !is_null(n))
                .map(|n| string(n, field))
                .transpose()
        };
        let list = |parent: Option<&Node>, key: &str, field: &str| {
            let Some(node) = parent.and_then(|p| p.get(key)).filter(|n| !is_null(n)) else {
                return Ok(Vec::new());
            };
            let Some(items) = node.as_seq() else {
                return Err(fail(
                    node.span,
                    field,
                    "expected a list of entity references",
                ));
            };
            items.iter().map(|i| string(i, field)).collect()
        };
        required(doc, "apiVersion", "apiVersion")?;
        let kind = required(doc, "kind", "kind")?;
        let Some(metadata) = doc.get("metadata").filter(|m| m.as_map().is_some()) else {
            return Err(fail(doc.span, "metadata", "missing or not a mapping"));
        };
        let name = required(metadata, "name", "metadata.name")?;
        let namespace = optional(Some(metadata), "namespace", "metadata.namespace")?
            .unwrap_or_else(|| DEFAULT_NAMESPACE.to_owned());
        let spec = doc.get("spec").filter(|s| !is_null(s));
        if let Some(s) = spec
            && s.as_map().is_none()
        {
            return Err(fail(s.span, "spec", "expected a mapping"));
        }
        let profile = spec.and_then(|s| s.get("profile")).filter(|p| !is_null(p));
        let kind_lower = kind.to_ascii_lowercase();
        let carried: &[&str] = match kind_lower.as_str() {
            "group" => &["type", "profile", "members", "children", "parent"],
            "user" => &["profile", "memberOf"],
            "component" => &["type", "owner", "providesApis", "consumesApis"],
            "api" => &["type", "owner", "definition"],
            "location" => &["type", "target", "targets"],
            // Other kinds are reported whole, not field by field.
            _ => &[],
        };
        let mut not_carried: Vec<String> = match spec.and_then(Node::as_map) {
            Some(entries) if !carried.is_empty() => entries
                .iter()
                .filter_map(|(k, _)| k.as_str())
                .filter(|k| !carried.contains(k))
                .map(|k| format!("spec.{k}"))
                .collect(),
            _ => Vec::new(),
        };
        // A group's place in a hierarchy has no Treaty counterpart; an
        // empty list of children says nothing.
        if kind_lower == "group" {
            for key in ["parent", "children"] {
                let said = spec.and_then(|s| s.get(key)).is_some_and(|n| {
                    !is_null(n) && n.as_seq().is_none_or(|items| !items.is_empty())
                });
                if said {
                    not_carried.push(format!("spec.{key}"));
                }
            }
        }
        if let Some(p) = profile.and_then(Node::as_map) {
            for (k, _) in p {
                if let Some(k) = k.as_str()
                    && !matches!(k, "displayName" | "email")
                {
                    not_carried.push(format!("spec.profile.{k}"));
                }
            }
        }
        let definition_source = match spec.and_then(|s| s.get("definition")) {
            None => None,
            Some(n) if is_null(n) => None,
            Some(n) => Some(definition_source(n).ok_or_else(|| {
                fail(
                    n.span,
                    "spec.definition",
                    "expected the definition's text, or a mapping with one of `$text`, `$json`, `$yaml`",
                )
            })?),
        };
        let mut targets = list(spec, "targets", "spec.targets")?;
        if let Some(t) = optional(spec, "target", "spec.target")? {
            targets.insert(0, t);
        }
        Ok(Entity {
            kind,
            namespace,
            name,
            title: optional(Some(metadata), "title", "metadata.title")?,
            description: optional(Some(metadata), "description", "metadata.description")?,
            at: at(doc.span),
            file: file.to_owned(),
            spec_type: optional(spec, "type", "spec.type")?,
            owner: optional(spec, "owner", "spec.owner")?,
            display_name: optional(profile, "displayName", "spec.profile.displayName")?,
            email: optional(profile, "email", "spec.profile.email")?,
            members: list(spec, "members", "spec.members")?,
            member_of: list(spec, "memberOf", "spec.memberOf")?,
            provides: list(spec, "providesApis", "spec.providesApis")?,
            consumes: list(spec, "consumesApis", "spec.consumesApis")?,
            definition_source,
            definition: None,
            targets,
            not_carried,
        })
    }
}

fn is_null(node: &Node) -> bool {
    node.as_scalar()
        .is_some_and(|s| matches!(s.resolve(), treaty_syntax::Resolved::Null))
}

fn definition_source(node: &Node) -> Option<DefinitionSource> {
    if let Some(s) = node.as_scalar() {
        return Some(DefinitionSource::Inline(s.text.clone()));
    }
    match node.as_map()? {
        [(k, v)] => {
            let how = k.as_str()?;
            if !matches!(how, "$text" | "$json" | "$yaml") {
                return None;
            }
            Some(DefinitionSource::Substitution {
                how: how.to_owned(),
                target: v.as_scalar()?.text.clone(),
            })
        }
        _ => None,
    }
}

/// A parsed entity reference, lowercase.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct EntityRef {
    pub kind: String,
    pub namespace: String,
    pub name: String,
}

impl EntityRef {
    /// Parses `[kind:][namespace/]name`; the kind and namespace default
    /// to those given (Backstage defaults a relation's namespace to the
    /// namespace of the entity that writes it).
    pub fn parse(text: &str, kind: &str, namespace: &str) -> EntityRef {
        let text = text.trim();
        let (k, rest) = match text.split_once(':') {
            Some((k, rest)) if !k.contains('/') => (k, rest),
            _ => (kind, text),
        };
        let (ns, name) = rest.split_once('/').unwrap_or((namespace, rest));
        EntityRef {
            kind: k.to_ascii_lowercase(),
            namespace: ns.to_ascii_lowercase(),
            name: name.to_ascii_lowercase(),
        }
    }

    /// `kind:namespace/name`, the form [`Entity::key`] gives.
    pub fn key(&self) -> String {
        format!("{}:{}/{}", self.kind, self.namespace, self.name)
    }
}

impl std::fmt::Display for EntityRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.key())
    }
}

/// The Treaty id of a Backstage name: lowercase (Backstage compares names
/// without case), qualified by the namespace when it is not `default`
/// (`development.guest`). `None` when the result is not a valid id.
pub fn treaty_id(namespace: &str, name: &str) -> Option<String> {
    let namespace = namespace.to_ascii_lowercase();
    let name = name.to_ascii_lowercase();
    let id = if namespace == DEFAULT_NAMESPACE {
        name
    } else {
        format!("{namespace}.{name}")
    };
    treaty_core::is_valid_id(&id).then_some(id)
}

/// The interface kind of an API's `spec.type`: Backstage's `openapi`,
/// `asyncapi` and `grpc` (Protocol Buffers), and Treaty's own names of
/// the other formats, any case.
pub fn treaty_kind(spec_type: &str) -> Result<treaty_compat::Format, String> {
    match spec_type.to_ascii_lowercase().as_str() {
        "grpc" => Ok(treaty_compat::Format::Protobuf),
        other => other.parse(),
    }
}

/// The `spec.type` an API of a Treaty kind is exported with:
/// [`treaty_kind`] reads it back as the same kind.
pub fn backstage_type(kind: treaty_compat::Format) -> &'static str {
    match kind {
        treaty_compat::Format::Protobuf => "grpc",
        other => other.as_str(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_take_the_defaults_they_do_not_name() {
        let r = EntityRef::parse("team-a", "group", "default");
        assert_eq!(r.key(), "group:default/team-a");
        let r = EntityRef::parse("user:guest", "group", "dev");
        assert_eq!(r.key(), "user:dev/guest");
        let r = EntityRef::parse("Group:Default/Team-A", "user", "x");
        assert_eq!(r.key(), "group:default/team-a");
        let r = EntityRef::parse("other/api", "api", "default");
        assert_eq!(r.key(), "api:other/api");
    }

    #[test]
    fn every_kind_goes_to_backstage_and_back() {
        for kind in treaty_compat::Format::ALL {
            assert_eq!(treaty_kind(backstage_type(kind)), Ok(kind));
        }
        assert!(treaty_kind("graphql").is_err());
    }

    #[test]
    fn ids_are_qualified_outside_the_default_namespace() {
        assert_eq!(treaty_id("default", "Team-A").as_deref(), Some("team-a"));
        assert_eq!(
            treaty_id("development", "guest").as_deref(),
            Some("development.guest")
        );
        assert_eq!(treaty_id("default", &"a".repeat(65)), None);
    }
}
