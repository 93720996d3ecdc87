//! Reading a side's `.proto` files through its [`crate::DocumentSource`] and
//! compiling them (protox), with where each descriptor is written.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use prost_reflect::DescriptorPool;
use protox::file::{ChainFileResolver, File, FileResolver, GoogleFileResolver};
use treaty_syntax::Diagnostic;

use super::ProtoInput;
use crate::change::Side;
use crate::document::{CompatError, join_path};

/// The files of one side, read ahead through the [`crate::DocumentSource`]
/// (protox wants a resolver it owns): file name → (path, text).
#[derive(Clone)]
pub(crate) struct ReadFiles {
    files: Arc<HashMap<String, (String, String)>>,
    /// Each file's positions, taken out of its descriptor as it is parsed
    /// (see [`FileResolver::open_file`] below); `None`: left in it.
    positions: Option<Arc<Mutex<HashMap<String, LineTable>>>>,
}

impl FileResolver for ReadFiles {
    fn open_file(&self, name: &str) -> Result<File, protox::Error> {
        let Some((_, text)) = self.files.get(name) else {
            return Err(protox::Error::file_not_found(name));
        };
        let Some(positions) = &self.positions else {
            return File::from_source(name, text);
        };
        // prost-reflect scans a file's source locations once for each
        // option it resolves, and keeps every comment: a sixth of
        // googleapis' time and much of its memory. Only line and column
        // are used, so they are taken out here and the rest is dropped.
        let mut descriptor = protox_parse::parse(name, text)?;
        if let Some(info) = descriptor.source_code_info.take() {
            let mut table = LineTable::with_capacity(info.location.len());
            for l in info.location {
                if let (Some(line), Some(col)) = (l.span.first(), l.span.get(1)) {
                    let at = ((*line + 1) as usize, (*col + 1) as usize);
                    table.entry(l.path).or_insert(at);
                }
            }
            if let Ok(mut kept) = positions.lock() {
                kept.insert(name.to_owned(), table);
            }
        }
        Ok(File::from_file_descriptor_proto(descriptor))
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
pub(crate) fn read_all(input: &ProtoInput<'_>) -> Result<ReadFiles, String> {
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
    Ok(ReadFiles {
        files: Arc::new(files),
        positions: Some(Arc::default()),
    })
}

/// A file's source paths → line and column.
type LineTable = HashMap<Vec<i32>, (usize, usize)>;

pub(super) struct Compiled {
    pub(super) pool: DescriptorPool,
    /// File name → source path → line and column.
    positions: HashMap<String, LineTable>,
    /// File name → path it was read from.
    paths: HashMap<String, String>,
    /// The files asked for (not their imports).
    pub(super) roots: BTreeSet<String>,
}

pub(super) fn fail(input: &ProtoInput<'_>, message: String) -> CompatError {
    CompatError::new(
        Diagnostic::error("invalid-proto", message)
            .in_file(input.files.first().cloned().unwrap_or_default())
            .unreadable(),
        &treaty_syntax::SourceMap::new(),
    )
}

/// Compiles files read ahead; runs on its own thread.
pub(super) fn build(read: ReadFiles, roots: Vec<String>) -> Result<Compiled, String> {
    let paths: HashMap<String, String> = read
        .files
        .iter()
        .map(|(name, (path, _))| (name.clone(), path.clone()))
        .collect();
    let positions = read.positions.clone().unwrap_or_default();
    let pool = match compile(read.clone(), &roots) {
        Ok(pool) => pool,
        Err(first) => {
            // Compiled again with the files' positions left in, so that
            // the error says where it is.
            let again = ReadFiles {
                positions: None,
                ..read
            };
            let e = compile(again, &roots).err().unwrap_or(first);
            return Err(format!("cannot compile: {e}"));
        }
    };
    let positions = positions
        .lock()
        .map(|mut p| std::mem::take(&mut *p))
        .unwrap_or_default();
    Ok(Compiled {
        pool,
        paths,
        roots: roots.into_iter().collect(),
        positions,
    })
}

fn compile(read: ReadFiles, roots: &[String]) -> Result<DescriptorPool, protox::Error> {
    let mut chain = ChainFileResolver::new();
    chain.add(read);
    chain.add(GoogleFileResolver::new());
    let mut compiler = protox::Compiler::with_file_resolver(chain);
    compiler.include_imports(true);
    compiler.open_files(roots)?;
    Ok(compiler.descriptor_pool())
}

impl Compiled {
    /// Where a descriptor (by its file and source path) is written.
    pub(super) fn side(&self, file: &prost_reflect::FileDescriptor, path: &[i32]) -> Option<Side> {
        let position = self
            .positions
            .get(file.name())
            .and_then(|table| table.get(path))
            .copied();
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

    pub(super) fn file_side(&self, name: &str) -> Option<Side> {
        let file = self.pool.get_file_by_name(name)?;
        self.side(&file, &[])
    }

    /// Whether a descriptor comes from a file the user asked for or one
    /// of its non-Google imports (the well-known types are not the user's).
    pub(super) fn owns(&self, file: &str) -> bool {
        self.roots.contains(file)
            || (self.paths.contains_key(file) && !file.starts_with("google/protobuf/"))
    }
}
