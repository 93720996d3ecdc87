//! Protobuf: `.proto` files compiled in pure Rust (protox), their
//! descriptors compared by the rules `buf breaking` popularised, grouped in
//! the same categories. A category says how strict the check is: `wire`
//! (the binary encoding keeps working), `wire_json` (the JSON encoding
//! too), `package` (generated code keeps compiling, by package), `file`
//! (generated code keeps compiling, file by file). A rule breaks under a
//! category when the category is at least as strict as the rule's own.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use prost_reflect::{DescriptorPool, FieldDescriptor, Kind, MessageDescriptor};
use protox::file::{ChainFileResolver, File, FileResolver, GoogleFileResolver};
use treaty_syntax::Diagnostic;

use crate::change::{Change, Direction, Effect, Side};
use crate::document::{CompatError, DocumentSource, join_path};

/// How strict a Protobuf check is, weakest first, as `buf breaking` names
/// its categories.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Category {
    /// The binary encoding keeps working.
    Wire,
    /// The binary and the JSON encodings keep working (the default).
    WireJson,
    /// Generated code keeps compiling, package by package.
    Package,
    /// Generated code keeps compiling, file by file.
    File,
}

impl Category {
    /// Every category, weakest first.
    pub const ALL: [Category; 4] = [
        Category::Wire,
        Category::WireJson,
        Category::Package,
        Category::File,
    ];

    /// The name Treaty uses (`wire`, `wire_json`, `package`, `file`), in
    /// `proto_category:`, the broker API and `--proto-category`.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Wire => "wire",
            Category::WireJson => "wire_json",
            Category::Package => "package",
            Category::File => "file",
        }
    }

    /// The name `buf` uses (`WIRE_JSON`), shown in change messages.
    pub fn label(self) -> &'static str {
        match self {
            Category::Wire => "WIRE",
            Category::WireJson => "WIRE_JSON",
            Category::Package => "PACKAGE",
            Category::File => "FILE",
        }
    }

    /// The accepted names as a phrase for messages:
    /// `wire, wire_json, package or file`.
    pub fn expected() -> String {
        crate::format::or_list(&Category::ALL.map(Category::as_str))
    }
}

impl Default for Category {
    /// `wire_json`: what an interface is checked under when it says nothing.
    fn default() -> Category {
        Category::WireJson
    }
}

impl std::fmt::Display for Category {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Category {
    type Err = String;

    /// Parses a category in any case, with `-` or `_` (`WIRE_JSON`,
    /// `wire-json`), as `buf` and Treaty write them.
    fn from_str(s: &str) -> Result<Category, String> {
        let wanted = s.to_ascii_lowercase().replace('-', "_");
        Category::ALL
            .into_iter()
            .find(|c| c.as_str() == wanted)
            .ok_or_else(|| format!("unknown category `{s}`: expected {}", Category::expected()))
    }
}

/// Where a Protobuf schema's imports are resolved: its include directories
/// (else the schema's own directory), and its name relative to the first
/// of them that holds it.
pub fn entry_name(schema: &str, include_paths: &[String]) -> (Vec<String>, String) {
    let includes: Vec<String> = if include_paths.is_empty() {
        vec![
            schema
                .rsplit_once('/')
                .map_or(String::new(), |(d, _)| d.to_owned()),
        ]
    } else {
        include_paths
            .iter()
            .map(|p| p.trim_end_matches('/').to_owned())
            .collect()
    };
    let name = includes
        .iter()
        .find_map(|i| {
            if i.is_empty() {
                Some(schema.to_owned())
            } else {
                schema.strip_prefix(&format!("{i}/")).map(str::to_owned)
            }
        })
        .unwrap_or_else(|| schema.to_owned());
    (includes, name)
}

/// One side of a Protobuf comparison: where files come from, the include
/// directories (searched in order), and the files to compile, named
/// relative to an include directory.
pub struct ProtoInput<'a> {
    pub source: &'a dyn DocumentSource,
    pub includes: Vec<String>,
    pub files: Vec<String>,
}

impl std::fmt::Debug for ProtoInput<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProtoInput")
            .field("includes", &self.includes)
            .field("files", &self.files)
            .finish()
    }
}

/// The files of one side, read ahead through the [`DocumentSource`]
/// (protox wants a resolver it owns): file name → (path, text).
struct ReadFiles(HashMap<String, (String, String)>);

impl FileResolver for ReadFiles {
    fn open_file(&self, name: &str) -> Result<File, protox::Error> {
        match self.0.get(name) {
            Some((_, text)) => File::from_source(name, text),
            None => Err(protox::Error::file_not_found(name)),
        }
    }
}

/// The names a `.proto` file imports (`import "a/b.proto";`, also
/// `import public` and `import weak`).
fn imports(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let t = line.trim_start();
        let Some(rest) = t.strip_prefix("import") else {
            continue;
        };
        let rest = rest.trim_start();
        let rest = rest
            .strip_prefix("public")
            .or_else(|| rest.strip_prefix("weak"))
            .unwrap_or(rest)
            .trim_start();
        if let Some(q) = rest.strip_prefix('"')
            && let Some(end) = q.find('"')
        {
            out.push(q[..end].to_owned());
        }
    }
    out
}

/// Most files read for one side (googleapis has about 7,000).
const MAX_FILES: usize = 50_000;

/// Reads the asked-for files and everything they import, transitively.
fn read_all(input: &ProtoInput<'_>) -> Result<ReadFiles, String> {
    let mut files = HashMap::new();
    let mut todo: Vec<(String, bool)> = input.files.iter().map(|f| (f.clone(), true)).collect();
    while let Some((name, required)) = todo.pop() {
        if files.contains_key(&name) {
            continue;
        }
        if files.len() >= MAX_FILES {
            return Err(format!("more than {MAX_FILES} .proto files"));
        }
        let mut found = None;
        for include in &input.includes {
            let path = if include.is_empty() || include == "." {
                name.clone()
            } else {
                join_path(&format!("{include}/x"), &name)
            };
            if let Ok(bytes) = input
                .source
                .read(&path, treaty_syntax::Limits::SCHEMA_FILE.max_bytes)
            {
                let text =
                    String::from_utf8(bytes).map_err(|_| format!("`{path}` is not UTF-8 text"))?;
                found = Some((path, text));
                break;
            }
        }
        match found {
            Some((path, text)) => {
                todo.extend(imports(&text).into_iter().map(|i| (i, false)));
                files.insert(name, (path, text));
            }
            // Imports not found here may be well-known types protox knows.
            None if !required => {}
            None => {
                return Err(format!(
                    "`{name}` is not in any include directory ({})",
                    input.includes.join(", ")
                ));
            }
        }
    }
    Ok(ReadFiles(files))
}

/// A file's source paths → line and column.
type LineTable = HashMap<Vec<i32>, (usize, usize)>;

struct Compiled {
    pool: DescriptorPool,
    /// File name → source path → line and column, built on first use.
    locations: std::cell::RefCell<HashMap<String, LineTable>>,
    /// File name → path it was read from.
    paths: HashMap<String, String>,
    /// The files asked for (not their imports).
    roots: BTreeSet<String>,
}

fn fail(input: &ProtoInput<'_>, message: String) -> CompatError {
    CompatError::new(
        Diagnostic::error("invalid-proto", message)
            .in_file(input.files.first().cloned().unwrap_or_default())
            .unreadable(),
        &treaty_syntax::SourceMap::new(),
    )
}

/// Compiles files read ahead; runs on its own thread.
fn build(read: ReadFiles, roots: Vec<String>) -> Result<Compiled, String> {
    let paths: HashMap<String, String> = read
        .0
        .iter()
        .map(|(name, (path, _))| (name.clone(), path.clone()))
        .collect();
    let mut chain = ChainFileResolver::new();
    chain.add(read);
    chain.add(GoogleFileResolver::new());
    let mut compiler = protox::Compiler::with_file_resolver(chain);
    compiler.include_imports(true).include_source_info(true);
    compiler
        .open_files(&roots)
        .map_err(|e| format!("cannot compile: {e}"))?;
    Ok(Compiled {
        pool: compiler.descriptor_pool(),
        paths,
        roots: roots.into_iter().collect(),
        locations: std::cell::RefCell::new(HashMap::new()),
    })
}

impl Compiled {
    /// Where a descriptor (by its file and source path) is written.
    fn side(&self, file: &prost_reflect::FileDescriptor, path: &[i32]) -> Option<Side> {
        let mut cache = self.locations.borrow_mut();
        let table = cache.entry(file.name().to_owned()).or_insert_with(|| {
            let mut t = HashMap::new();
            for l in file
                .file_descriptor_proto()
                .source_code_info
                .iter()
                .flat_map(|i| i.location.iter())
            {
                if let (Some(line), Some(col)) = (l.span.first(), l.span.get(1)) {
                    t.entry(l.path.clone())
                        .or_insert(((*line + 1) as usize, (*col + 1) as usize));
                }
            }
            t
        });
        let position = table.get(path).copied();
        Some(Side {
            file: self
                .paths
                .get(file.name())
                .cloned()
                .unwrap_or_else(|| file.name().to_owned()),
            pointer: String::new(),
            position: position.or(Some((1, 1))),
        })
    }

    fn file_side(&self, name: &str) -> Option<Side> {
        let file = self.pool.get_file_by_name(name)?;
        self.side(&file, &[])
    }

    /// Whether a descriptor comes from a file the user asked for or one
    /// of its non-Google imports (the well-known types are not the user's).
    fn owns(&self, file: &str) -> bool {
        self.roots.contains(file)
            || (self.paths.contains_key(file) && !file.starts_with("google/protobuf/"))
    }
}

struct Walk<'a> {
    old: &'a Compiled,
    new: &'a Compiled,
    category: Category,
    changes: Vec<Change>,
    /// Message full name → the methods (`Service.Method`) that reach it.
    reached_by: HashMap<String, BTreeSet<String>>,
}

impl Walk<'_> {
    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        rule: &'static str,
        category: Option<Category>,
        message: String,
        old: Option<Side>,
        new: Option<Side>,
        field: &str,
        reach: &str,
    ) {
        // Breaking when the chosen category is at least as strict as the rule's.
        let (effect, note) = match category {
            Some(c) if c <= self.category => (Effect::Both, format!(" [{}]", c.label())),
            Some(c) => (Effect::Neutral, format!(" [{} only]", c.label())),
            None => (Effect::Neutral, String::new()),
        };
        self.changes.push(Change {
            rule,
            effect,
            direction: Direction::Accepts,
            message: format!("{message}{note}"),
            old,
            new,
            operations: self.reached_by.get(reach).cloned().unwrap_or_default(),
            field: Some(field.to_owned()),
        });
    }

    fn run(&mut self) {
        let (old, new) = (self.old, self.new);
        // Files and their packages and options.
        // Two single files under different names (`old.proto`, `new.proto`)
        // are two versions of one file.
        let renamed = (old.roots.len() == 1 && new.roots.len() == 1).then(|| {
            (
                old.roots.iter().next().cloned(),
                new.roots.iter().next().cloned(),
            )
        });
        for f in old.pool.files().filter(|f| old.owns(f.name())) {
            let counterpart = match &renamed {
                Some((Some(o), Some(n))) if o == f.name() => n.clone(),
                _ => f.name().to_owned(),
            };
            match new.pool.get_file_by_name(&counterpart) {
                None => self.push(
                    "proto-file-removed",
                    Some(Category::File),
                    format!("file `{}` was removed", f.name()),
                    old.file_side(f.name()),
                    None,
                    f.name(),
                    "",
                ),
                Some(nf) => {
                    if f.package_name() != nf.package_name() {
                        self.push(
                            "proto-package-changed",
                            Some(Category::File),
                            format!(
                                "package of `{}` changed from `{}` to `{}`",
                                f.name(),
                                f.package_name(),
                                nf.package_name()
                            ),
                            old.file_side(f.name()),
                            new.file_side(nf.name()),
                            f.name(),
                            "",
                        );
                    }
                    let (oo, no) = (
                        f.file_descriptor_proto()
                            .options
                            .clone()
                            .unwrap_or_default(),
                        nf.file_descriptor_proto()
                            .options
                            .clone()
                            .unwrap_or_default(),
                    );
                    for (name, a, b) in [
                        ("go_package", oo.go_package.clone(), no.go_package.clone()),
                        (
                            "java_package",
                            oo.java_package.clone(),
                            no.java_package.clone(),
                        ),
                        (
                            "java_outer_classname",
                            oo.java_outer_classname.clone(),
                            no.java_outer_classname.clone(),
                        ),
                        (
                            "csharp_namespace",
                            oo.csharp_namespace.clone(),
                            no.csharp_namespace.clone(),
                        ),
                        (
                            "objc_class_prefix",
                            oo.objc_class_prefix.clone(),
                            no.objc_class_prefix.clone(),
                        ),
                        (
                            "php_namespace",
                            oo.php_namespace.clone(),
                            no.php_namespace.clone(),
                        ),
                        (
                            "ruby_package",
                            oo.ruby_package.clone(),
                            no.ruby_package.clone(),
                        ),
                        (
                            "swift_prefix",
                            oo.swift_prefix.clone(),
                            no.swift_prefix.clone(),
                        ),
                        (
                            "java_multiple_files",
                            oo.java_multiple_files.map(|b| b.to_string()),
                            no.java_multiple_files.map(|b| b.to_string()),
                        ),
                        (
                            "optimize_for",
                            oo.optimize_for.map(|v| v.to_string()),
                            no.optimize_for.map(|v| v.to_string()),
                        ),
                        (
                            "cc_enable_arenas",
                            oo.cc_enable_arenas.map(|b| b.to_string()),
                            no.cc_enable_arenas.map(|b| b.to_string()),
                        ),
                    ] {
                        if a != b {
                            self.push(
                                "proto-file-option-changed",
                                Some(Category::File),
                                format!(
                                    "option `{name}` of `{}` changed from {a:?} to {b:?}",
                                    f.name()
                                ),
                                old.file_side(f.name()),
                                new.file_side(nf.name()),
                                f.name(),
                                "",
                            );
                        }
                    }
                }
            }
        }
        // Messages and their fields.
        for m in old
            .pool
            .all_messages()
            .filter(|m| !m.is_map_entry() && old.owns(m.parent_file().name()))
        {
            let name = m.full_name().to_owned();
            match new.pool.get_message_by_name(&name) {
                None => self.push(
                    "proto-message-removed",
                    Some(Category::Package),
                    format!("message `{name}` was removed"),
                    old.side(&m.parent_file(), m.path()),
                    None,
                    &name,
                    &name,
                ),
                Some(nm) => self.fields(&m, &nm),
            }
        }
        for nm in new
            .pool
            .all_messages()
            .filter(|m| !m.is_map_entry() && new.owns(m.parent_file().name()))
        {
            if old.pool.get_message_by_name(nm.full_name()).is_none() {
                self.push(
                    "proto-message-added",
                    None,
                    format!("message `{}` was added", nm.full_name()),
                    None,
                    new.side(&nm.parent_file(), nm.path()),
                    nm.full_name(),
                    "",
                );
            }
        }
        // Enums and their values.
        for e in old
            .pool
            .all_enums()
            .filter(|e| old.owns(e.parent_file().name()))
        {
            let name = e.full_name().to_owned();
            let Some(ne) = new.pool.get_enum_by_name(&name) else {
                self.push(
                    "proto-enum-removed",
                    Some(Category::Package),
                    format!("enum `{name}` was removed"),
                    old.side(&e.parent_file(), e.path()),
                    None,
                    &name,
                    "",
                );
                continue;
            };
            // With `allow_alias` a number may have several names: compare
            // the names of each number as sets.
            let names = |en: &prost_reflect::EnumDescriptor| {
                let mut m: BTreeMap<i32, Vec<String>> = BTreeMap::new();
                for v in en.values() {
                    m.entry(v.number()).or_default().push(v.name().to_owned());
                }
                m
            };
            let (old_names, new_names) = (names(&e), names(&ne));
            for v in e.values() {
                match new_names.get(&v.number()) {
                    None => {
                        let reserved = ne.reserved_ranges().any(|r| r.contains(&v.number()));
                        let cat = if reserved {
                            Category::Package
                        } else {
                            Category::Wire
                        };
                        self.push(
                            "proto-enum-value-removed",
                            Some(cat),
                            format!(
                                "value `{}` ({}) of `{name}` was removed",
                                v.name(),
                                v.number()
                            ),
                            old.side(&e.parent_file(), v.path()),
                            new.side(&ne.parent_file(), ne.path()),
                            &name,
                            "",
                        );
                    }
                    Some(now) if !now.iter().any(|n| n == v.name()) => {
                        let nv = ne.get_value(v.number());
                        let shown = now.join("`, `");
                        self.push(
                            "proto-enum-value-name-changed",
                            Some(Category::WireJson),
                            format!(
                                "value {} of `{name}` is now `{shown}`, was `{}` (JSON uses names)",
                                v.number(),
                                v.name()
                            ),
                            old.side(&e.parent_file(), v.path()),
                            nv.and_then(|nv| new.side(&ne.parent_file(), nv.path())),
                            &name,
                            "",
                        );
                    }
                    Some(_) => {}
                }
            }
            for nv in ne.values() {
                if !old_names.contains_key(&nv.number()) {
                    self.push(
                        "proto-enum-value-added",
                        None,
                        format!(
                            "value `{}` ({}) was added to `{name}`",
                            nv.name(),
                            nv.number()
                        ),
                        old.side(&e.parent_file(), e.path()),
                        new.side(&ne.parent_file(), nv.path()),
                        &name,
                        "",
                    );
                }
            }
        }
        for ne in new
            .pool
            .all_enums()
            .filter(|e| new.owns(e.parent_file().name()))
        {
            if old.pool.get_enum_by_name(ne.full_name()).is_none() {
                self.push(
                    "proto-enum-added",
                    None,
                    format!("enum `{}` was added", ne.full_name()),
                    None,
                    new.side(&ne.parent_file(), ne.path()),
                    ne.full_name(),
                    "",
                );
            }
        }
        for ns in new
            .pool
            .services()
            .filter(|s| new.owns(s.parent_file().name()))
        {
            if old.pool.get_service_by_name(ns.full_name()).is_none() {
                self.push(
                    "proto-service-added",
                    None,
                    format!("service `{}` was added", ns.full_name()),
                    None,
                    new.side(&ns.parent_file(), ns.path()),
                    ns.full_name(),
                    "",
                );
            }
        }
        // Services and methods.
        for s in old
            .pool
            .services()
            .filter(|s| old.owns(s.parent_file().name()))
        {
            let name = s.full_name().to_owned();
            let Some(ns) = new.pool.get_service_by_name(&name) else {
                self.push(
                    "proto-service-removed",
                    Some(Category::Package),
                    format!("service `{name}` was removed"),
                    old.side(&s.parent_file(), s.path()),
                    None,
                    &name,
                    "",
                );
                continue;
            };
            for m in s.methods() {
                let label = format!("{}.{}", s.name(), m.name());
                let Some(nm) = ns.methods().find(|x| x.name() == m.name()) else {
                    self.push(
                        "proto-method-removed",
                        Some(Category::Package),
                        format!("method `{label}` was removed"),
                        old.side(&s.parent_file(), m.path()),
                        new.side(&ns.parent_file(), ns.path()),
                        &label,
                        "",
                    );
                    continue;
                };
                let (os, ns_) = (
                    old.side(&s.parent_file(), m.path()),
                    new.side(&ns.parent_file(), nm.path()),
                );
                if m.input().full_name() != nm.input().full_name() {
                    self.push(
                        "proto-method-request-changed",
                        Some(Category::Wire),
                        format!(
                            "request of `{label}` changed from `{}` to `{}`",
                            m.input().full_name(),
                            nm.input().full_name()
                        ),
                        os.clone(),
                        ns_.clone(),
                        &label,
                        "",
                    );
                }
                if m.output().full_name() != nm.output().full_name() {
                    self.push(
                        "proto-method-response-changed",
                        Some(Category::Wire),
                        format!(
                            "response of `{label}` changed from `{}` to `{}`",
                            m.output().full_name(),
                            nm.output().full_name()
                        ),
                        os.clone(),
                        ns_.clone(),
                        &label,
                        "",
                    );
                }
                if m.is_client_streaming() != nm.is_client_streaming()
                    || m.is_server_streaming() != nm.is_server_streaming()
                {
                    self.push(
                        "proto-method-streaming-changed",
                        Some(Category::Wire),
                        format!("streaming of `{label}` changed"),
                        os,
                        ns_,
                        &label,
                        "",
                    );
                }
                if let Some(last) = self.changes.last_mut()
                    && last.field.as_deref() == Some(label.as_str())
                {
                    last.operations.insert(label.clone());
                }
            }
            for nm in ns.methods() {
                if s.methods().all(|m| m.name() != nm.name()) {
                    let label = format!("{}.{}", s.name(), nm.name());
                    self.push(
                        "proto-method-added",
                        None,
                        format!("method `{label}` was added"),
                        old.side(&s.parent_file(), s.path()),
                        new.side(&ns.parent_file(), nm.path()),
                        &label,
                        "",
                    );
                }
            }
        }
    }

    fn fields(&mut self, m: &MessageDescriptor, nm: &MessageDescriptor) {
        let (old, new) = (self.old, self.new);
        let msg = m.full_name().to_owned();
        let short = m.name().to_owned();
        for f in m.fields() {
            let field = format!("{short}.{}", f.name());
            let os = old.side(&m.parent_file(), f.path());
            let Some(nf) = nm.get_field(f.number()) else {
                let number_reserved = nm.reserved_ranges().any(|r| r.contains(&f.number()));
                let name_reserved = nm.reserved_names().any(|n| n == f.name());
                let cat = match (number_reserved, name_reserved) {
                    (false, _) => Category::Wire,
                    (true, false) => Category::WireJson,
                    (true, true) => Category::Package,
                };
                self.push(
                    "proto-field-removed",
                    Some(cat),
                    format!("field {} `{field}` was removed", f.number()),
                    os,
                    new.side(&nm.parent_file(), nm.path()),
                    &field,
                    &msg,
                );
                continue;
            };
            let ns = new.side(&nm.parent_file(), nf.path());
            if f.name() != nf.name() {
                // JSON readers accept the field's name as well as its JSON name.
                let cat = Category::WireJson;
                self.push(
                    "proto-field-name-changed",
                    Some(cat),
                    format!("field {} `{field}` is now `{}`", f.number(), nf.name()),
                    os.clone(),
                    ns.clone(),
                    &field,
                    &msg,
                );
            } else if f.json_name() != nf.json_name() {
                self.push(
                    "proto-field-json-name-changed",
                    Some(Category::WireJson),
                    format!(
                        "JSON name of `{field}` changed from `{}` to `{}`",
                        f.json_name(),
                        nf.json_name()
                    ),
                    os.clone(),
                    ns.clone(),
                    &field,
                    &msg,
                );
            }
            if let Some(cat) = type_change(&f, &nf) {
                self.push(
                    "proto-field-type-changed",
                    Some(cat),
                    format!(
                        "type of `{field}` changed from {} to {}",
                        kind_name(&f),
                        kind_name(&nf)
                    ),
                    os.clone(),
                    ns.clone(),
                    &field,
                    &msg,
                );
            }
            if f.cardinality() != nf.cardinality() || f.is_map() != nf.is_map() {
                self.push(
                    "proto-field-cardinality-changed",
                    Some(Category::Wire),
                    format!(
                        "cardinality of `{field}` changed from {:?} to {:?}",
                        f.cardinality(),
                        nf.cardinality()
                    ),
                    os.clone(),
                    ns.clone(),
                    &field,
                    &msg,
                );
            }
            let oneof = |x: &FieldDescriptor| {
                x.containing_oneof()
                    .filter(|o| !o.is_synthetic())
                    .map(|o| o.name().to_owned())
            };
            if oneof(&f) != oneof(&nf) {
                self.push(
                    "proto-field-oneof-changed",
                    Some(Category::Wire),
                    format!(
                        "`{field}` moved from oneof {:?} to {:?}",
                        oneof(&f),
                        oneof(&nf)
                    ),
                    os.clone(),
                    ns.clone(),
                    &field,
                    &msg,
                );
            }
            if f.supports_presence() != nf.supports_presence() {
                self.push(
                    "proto-field-presence-changed",
                    Some(Category::File),
                    format!("presence of `{field}` changed (generated code changes)"),
                    os,
                    ns,
                    &field,
                    &msg,
                );
            }
        }
        for nf in nm.fields() {
            if m.get_field(nf.number()).is_none() {
                let field = format!("{short}.{}", nf.name());
                self.push(
                    "proto-field-added",
                    None,
                    format!("field {} `{field}` was added", nf.number()),
                    old.side(&m.parent_file(), m.path()),
                    new.side(&nm.parent_file(), nf.path()),
                    &field,
                    &msg,
                );
            }
        }
    }
}

fn kind_name(f: &FieldDescriptor) -> String {
    match f.kind() {
        Kind::Message(m) => m.full_name().to_owned(),
        Kind::Enum(e) => e.full_name().to_owned(),
        k => format!("{k:?}").to_ascii_lowercase(),
    }
}

/// The category at which a field's type change breaks, if it does.
fn type_change(a: &FieldDescriptor, b: &FieldDescriptor) -> Option<Category> {
    use Kind::*;
    let (ka, kb) = (a.kind(), b.kind());
    // Maps: the synthetic entry messages keep their name; compare the key
    // and the value.
    if let (Message(x), Message(y)) = (&ka, &kb)
        && x.is_map_entry()
        && y.is_map_entry()
    {
        let parts = |m: &MessageDescriptor| (m.map_entry_key_field(), m.map_entry_value_field());
        let ((xk, xv), (yk, yv)) = (parts(x), parts(y));
        return [type_change(&xk, &yk), type_change(&xv, &yv)]
            .into_iter()
            .flatten()
            .min();
    }
    match (&ka, &kb) {
        (Message(x), Message(y)) if x.full_name() == y.full_name() => return None,
        (Enum(x), Enum(y)) if x.full_name() == y.full_name() => return None,
        // Another enum with the same values: same bytes, same JSON names;
        // only generated code changes.
        (Enum(x), Enum(y)) => {
            let same_values = x.values().all(|v| {
                y.values()
                    .any(|w| w.number() == v.number() && w.name() == v.name())
            });
            return Some(if same_values {
                Category::Package
            } else {
                Category::WireJson
            });
        }
        _ if ka == kb => return None,
        _ => {}
    }
    // Groups sharing a wire encoding, and within them the JSON encoding.
    let wire = |k: &Kind| match k {
        Int32 | Uint32 | Int64 | Uint64 | Bool | Enum(_) => 1,
        Sint32 | Sint64 => 2,
        Fixed32 | Sfixed32 | Float => 3,
        Fixed64 | Sfixed64 | Double => 4,
        String | Bytes | Message(_) => 5,
    };
    let json = |k: &Kind| match k {
        Int32 | Sint32 | Sfixed32 => 1,
        Uint32 | Fixed32 => 2,
        Int64 | Sint64 | Sfixed64 => 3,
        Uint64 | Fixed64 => 4,
        _ => 0,
    };
    if matches!((&ka, &kb), (Message(_), _) | (_, Message(_)))
        || wire(&ka) != wire(&kb)
        || (matches!(ka, Float | Double) != matches!(kb, Float | Double))
    {
        Some(Category::Wire)
    } else if json(&ka) == 0 || json(&ka) != json(&kb) {
        Some(Category::WireJson)
    } else {
        Some(Category::Package)
    }
}

/// Which methods reach each message through their request and response.
fn reachability(pool: &DescriptorPool) -> HashMap<String, BTreeSet<String>> {
    let mut out: HashMap<String, BTreeSet<String>> = HashMap::new();
    for s in pool.services() {
        for m in s.methods() {
            let label = format!("{}.{}", s.name(), m.name());
            let mut seen = HashSet::new();
            let mut todo = vec![m.input(), m.output()];
            while let Some(msg) = todo.pop() {
                if !seen.insert(msg.full_name().to_owned()) {
                    continue;
                }
                out.entry(msg.full_name().to_owned())
                    .or_default()
                    .insert(label.clone());
                for f in msg.fields() {
                    if let Kind::Message(inner) = f.kind() {
                        todo.push(inner);
                    }
                }
            }
        }
    }
    out
}

/// Compiles both sides and lists their differences under `category`.
pub fn diff(
    old: &ProtoInput<'_>,
    new: &ProtoInput<'_>,
    category: Category,
) -> Result<Vec<Change>, CompatError> {
    // Reading goes through the sources one side after the other; the
    // compiling, which is most of the time, runs on both cores.
    let (old_read, new_read) = (
        read_all(old).map_err(|e| fail(old, e))?,
        read_all(new).map_err(|e| fail(new, e))?,
    );
    let (old_roots, new_roots) = (old.files.clone(), new.files.clone());
    let (old_built, new_built) = std::thread::scope(|scope| {
        let o = scope.spawn(move || build(old_read, old_roots));
        let n = build(new_read, new_roots);
        (
            o.join()
                .unwrap_or_else(|_| Err("the compiler stopped unexpectedly".to_owned())),
            n,
        )
    });
    let (old_input, new_input) = (old, new);
    let old = old_built.map_err(|e| fail(old_input, e))?;
    let new = new_built.map_err(|e| fail(new_input, e))?;
    let mut reached_by = reachability(&old.pool);
    for (k, v) in reachability(&new.pool) {
        reached_by.entry(k).or_default().extend(v);
    }
    let mut walk = Walk {
        old: &old,
        new: &new,
        category,
        changes: Vec::new(),
        reached_by,
    };
    walk.run();
    Ok(walk.changes)
}
