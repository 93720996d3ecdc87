//! Following references and building the arena for one side: each
//! schema built once per place, recursion kept as a cycle of ids.

use std::sync::Arc;

use rustc_hash::{FxHashMap, FxHashSet};

use treaty_syntax::{Diagnostic, Node, Span};

use super::build::{pure_ref, schema_name};
use super::merge::merge;
use super::{Dialect, Schema, SchemaArena, SchemaId};
use crate::document::{CompatError, DocumentSource, Documents, join_path, split_ref};

/// An object found by following references, and the tree that holds it.
#[derive(Debug, Clone)]
pub struct Located {
    /// The file it is in.
    pub file: String,
    /// Its JSON pointer in that file.
    pub pointer: String,
    /// The parsed file.
    pub tree: Arc<Node>,
}

impl Located {
    /// The object itself (`None` if the pointer leads nowhere).
    pub fn node(&self) -> Option<&Node> {
        self.tree.pointer(&self.pointer)
    }
}

/// Deepest nesting of schemas followed (refs included) before giving up.
const MAX_DEPTH: usize = 400;

/// Builds the arena for one side, reading referenced files as needed.
pub struct Normalizer<'a> {
    /// Every document read for this side.
    pub docs: &'a mut Documents,
    source: &'a dyn DocumentSource,
    /// The schemas built so far.
    pub arena: SchemaArena,
    pub(super) dialect: Dialect,
    /// The schema built at each place: file, then pointer (looked up by
    /// `&str`, so a lookup allocates nothing; tens of thousands are made).
    by_location: FxHashMap<Arc<str>, FxHashMap<String, SchemaId>>,
    pub(super) depth: usize,
    /// Schemas being built (a reference to one is recursion).
    pub(super) building: FxHashSet<SchemaId>,
    /// `allOf` branches that were still being built when their parent was:
    /// merged once every schema is complete.
    pub(super) pending_merges: Vec<(SchemaId, SchemaId)>,
}

impl std::fmt::Debug for Normalizer<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Normalizer")
            .field("schemas", &self.arena.schemas.len())
            .finish()
    }
}

impl<'a> Normalizer<'a> {
    /// A normalizer reading from `source` into `docs`.
    pub fn new(
        docs: &'a mut Documents,
        source: &'a dyn DocumentSource,
        dialect: Dialect,
    ) -> Normalizer<'a> {
        Normalizer {
            docs,
            source,
            arena: SchemaArena::default(),
            dialect,
            by_location: FxHashMap::default(),
            depth: 0,
            building: FxHashSet::default(),
            pending_merges: Vec::new(),
        }
    }

    pub(super) fn error(&self, code: &'static str, message: String, span: Span) -> CompatError {
        CompatError::new(
            Diagnostic::error(code, message).at(span).unreadable(),
            &self.docs.sources,
        )
    }

    /// The schema already built (or being built) at `pointer` in `file`.
    fn located(&self, file: &str, pointer: &str) -> Option<SchemaId> {
        self.by_location.get(file)?.get(pointer).copied()
    }

    /// Records that the schema at `pointer` in `file` is `id`: one lookup
    /// of the file (this runs for every schema and every reference), the
    /// shared name made only for a file not seen yet.
    fn locate(&mut self, file: &str, pointer: &str, id: SchemaId) {
        if let Some(in_file) = self.by_location.get_mut(file) {
            in_file.insert(pointer.to_owned(), id);
            return;
        }
        let mut in_file = FxHashMap::default();
        in_file.insert(pointer.to_owned(), id);
        self.by_location.insert(Arc::from(file), in_file);
    }

    /// `file` as the schemas read from it share it (one allocation per
    /// file, not per schema).
    pub(super) fn file_name(&mut self, file: &str) -> Arc<str> {
        if let Some((name, _)) = self.by_location.get_key_value(file) {
            return name.clone();
        }
        let name: Arc<str> = Arc::from(file);
        self.by_location.insert(name.clone(), FxHashMap::default());
        name
    }

    /// The schema at `pointer` in `file`, shared by every reference to it.
    pub fn schema(
        &mut self,
        file: &str,
        pointer: &str,
        node: &Node,
    ) -> Result<SchemaId, CompatError> {
        if let Some(id) = self.located(file, pointer) {
            return Ok(id);
        }
        // Follow chains of pure references to the schema with content.
        if let Some(reference) = pure_ref(node, self.dialect) {
            // A reference within this file to a place whose schema is built
            // (or being built) already, as most of the thousands of `$ref`s
            // to a few hundred components are: following it again would
            // find the same schema after a scan of the components and
            // copies of both names.
            if let (None, target) = split_ref(reference)
                && !reference.contains("://")
                && let Some(id) = self.located(file, target)
            {
                self.locate(file, pointer, id);
                return Ok(id);
            }
            // The schema is taken (or built) from the node the chain ends
            // at, not looked up again by its pointer (another scan of the
            // components for each one built).
            let id = self.follow_then(
                file,
                reference,
                node.span,
                &mut Vec::new(),
                |this, target_file, target_ptr, target| {
                    this.schema(&target_file, &target_ptr, target)
                },
            )?;
            self.locate(file, pointer, id);
            return Ok(id);
        }
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error(
                "schema-too-deep",
                format!("schemas nest deeper than {MAX_DEPTH} levels"),
                node.span,
            ));
        }
        let id = SchemaId(self.arena.schemas.len() as u32);
        self.arena.schemas.push(Schema::default());
        self.locate(file, pointer, id);
        self.building.insert(id);
        let result = self.build(id, file, pointer, node);
        self.building.remove(&id);
        self.depth -= 1;
        let mut schema = result?;
        if schema.name.is_none() {
            schema.name = schema_name(pointer);
        }
        self.arena.schemas[id.0 as usize] = schema;
        Ok(id)
    }

    /// The schema at `pointer` in `file` (read if needed); `at` is the
    /// reference that leads there, for errors.
    pub fn schema_at(
        &mut self,
        file: &str,
        pointer: &str,
        at: Span,
    ) -> Result<SchemaId, CompatError> {
        if let Some(id) = self.located(file, pointer) {
            return Ok(id);
        }
        let (_, tree) = self.docs.load(self.source, file, Some(at))?;
        let Some(node) = tree.pointer(pointer) else {
            return Err(self.error(
                "dangling-ref",
                format!("`{pointer}` is not in `{file}`"),
                at,
            ));
        };
        self.schema(file, pointer, node)
    }

    /// The object (a parameter, a response, a schema...) that `node` at
    /// `pointer` in `file` is or refers to, following `$ref`s.
    pub fn object(
        &mut self,
        file: &str,
        pointer: &str,
        node: &Node,
    ) -> Result<Located, CompatError> {
        let (file, pointer) = match node.get("$ref").and_then(Node::as_str) {
            Some(r) => self.follow(file, r, node.span, &mut Vec::new())?,
            None => (file.to_owned(), pointer.to_owned()),
        };
        let (_, tree) = self.docs.load(self.source, &file, Some(node.span))?;
        Ok(Located {
            file,
            pointer,
            tree,
        })
    }

    /// Resolves `reference` (found in `file`) to the location it designates,
    /// following further pure references; refuses remote references and
    /// cycles of references with no schema in between.
    pub(super) fn follow(
        &mut self,
        file: &str,
        reference: &str,
        at: Span,
        seen: &mut Vec<(String, String)>,
    ) -> Result<(String, String), CompatError> {
        self.follow_then(file, reference, at, seen, |_, file, pointer, _| {
            Ok((file, pointer))
        })
    }

    /// [`Self::follow`], then `last` with the location reached and the
    /// node there.
    fn follow_then<T>(
        &mut self,
        file: &str,
        reference: &str,
        at: Span,
        seen: &mut Vec<(String, String)>,
        last: impl FnOnce(&mut Self, String, String, &Node) -> Result<T, CompatError>,
    ) -> Result<T, CompatError> {
        if reference.contains("://") {
            return Err(self.error(
                "remote-ref",
                format!("`$ref: {reference}` points at a remote URL: Treaty reads local and relative files only"),
                at,
            ));
        }
        let (target_file, pointer) = split_ref(reference);
        let target_file = match target_file {
            None => file.to_owned(),
            Some(f) => join_path(file, f),
        };
        let (_, tree) = self.docs.load(self.source, &target_file, Some(at))?;
        let Some(target) = tree.pointer(pointer) else {
            return Err(self.error(
                "dangling-ref",
                format!(
                    "`$ref: {reference}` points at nothing: `{pointer}` is not in `{target_file}`"
                ),
                at,
            ));
        };
        let location = (target_file.clone(), pointer.to_owned());
        if seen.contains(&location) {
            return Err(self.error(
                "ref-cycle",
                format!("`$ref: {reference}` is part of a cycle of references that never reaches a schema"),
                at,
            ));
        }
        seen.push(location);
        if let Some(next) = pure_ref(target, self.dialect) {
            let span = target.span;
            let next = next.to_owned();
            return self.follow_then(&target_file, &next, span, seen, last);
        }
        last(self, target_file, pointer.to_owned(), target)
    }

    pub(super) fn child(
        &mut self,
        file: &str,
        pointer: &str,
        key: &str,
        node: &Node,
    ) -> Result<SchemaId, CompatError> {
        let mut p = String::with_capacity(pointer.len() + key.len() + 1);
        p.push_str(pointer);
        push_token(&mut p, key);
        self.schema(file, &p, node)
    }

    /// The schema at `index` of the list `key` of the schema at `pointer`
    /// (`/oneOf/2`).
    pub(super) fn item(
        &mut self,
        file: &str,
        pointer: &str,
        key: &str,
        index: usize,
        node: &Node,
    ) -> Result<SchemaId, CompatError> {
        use std::fmt::Write;
        let mut p = String::with_capacity(pointer.len() + key.len() + 4);
        p.push_str(pointer);
        push_token(&mut p, key);
        let _ = write!(p, "/{index}");
        self.schema(file, &p, node)
    }

    /// The arena, with the `allOf` merges that had to wait for recursion.
    pub fn finish(mut self) -> SchemaArena {
        for (target, branch) in std::mem::take(&mut self.pending_merges).into_iter().rev() {
            let other = self.arena.get(branch).clone();
            if !merge(&mut self.arena.schemas[target.0 as usize], &other) {
                self.arena.schemas[target.0 as usize].all_of.push(branch);
            }
        }
        self.arena
    }
}

/// Appends `/` and `name` as a JSON pointer token (`~` and `/` escaped).
fn push_token(pointer: &mut String, name: &str) {
    pointer.push('/');
    for c in name.chars() {
        match c {
            '~' => pointer.push_str("~0"),
            '/' => pointer.push_str("~1"),
            c => pointer.push(c),
        }
    }
}
