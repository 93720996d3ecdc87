//! `treaty diff OLD NEW`: the compatibility engine on two files, and the
//! renderings of its changes (text, JSON, Markdown, JUnit; SARIF is
//! `crate::sarif`'s, shared with `treaty check`).

use std::path::Path;

use serde::Serialize;
use treaty_compat::{Change, Diff, DocumentSource, Level, Policy, ReadError};

/// Files on disk, paths as the user gave them (relative `$ref`s join them).
#[derive(Debug)]
pub struct FileDocuments;

impl DocumentSource for FileDocuments {
    fn read(&self, path: &str, max_bytes: usize) -> Result<Vec<u8>, ReadError> {
        crate::fs_source::read_regular_file(Path::new(path), max_bytes)
    }
}

/// Whether a path given to `treaty diff` is Protobuf: a `.proto` file or
/// a directory (of `.proto` files).
pub fn is_proto(path: &Path) -> bool {
    path.is_dir() || path.extension().is_some_and(|e| e == "proto")
}

/// The `.proto` files under `dir`, relative to it, sorted.
fn proto_files(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_owned()];
    while let Some(d) = todo.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = entry.path();
            if p.is_dir() {
                todo.push(p);
            } else if p.extension().is_some_and(|e| e == "proto")
                && let Ok(rel) = p.strip_prefix(dir)
            {
                let parts: Vec<String> = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                out.push(parts.join("/"));
            }
        }
    }
    out.sort();
    out
}

/// One side of a Protobuf diff: a directory (every `.proto` under it) or
/// one file (imports resolved from its directory), plus extra includes.
pub fn proto_input<'a>(
    source: &'a FileDocuments,
    path: &Path,
    includes: &[std::path::PathBuf],
) -> Result<treaty_compat::proto::ProtoInput<'a>, String> {
    let shown = |p: &Path| p.display().to_string();
    let (root, files) = if path.is_dir() {
        let files = proto_files(path);
        if files.is_empty() {
            return Err(format!("no .proto files under `{}`", path.display()));
        }
        (shown(path), files)
    } else {
        let dir = path
            .parent()
            .map(shown)
            .filter(|d| !d.is_empty())
            .unwrap_or_else(|| ".".to_owned());
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .ok_or_else(|| format!("`{}` is not a file", path.display()))?;
        (dir, vec![name])
    };
    let mut all = vec![root];
    all.extend(includes.iter().map(|p| shown(p)));
    Ok(treaty_compat::proto::ProtoInput {
        source,
        includes: all,
        files,
    })
}

#[derive(Serialize)]
pub struct JsonLocation {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub pointer: String,
}

#[derive(Serialize)]
pub struct JsonChange {
    pub rule: &'static str,
    pub level: Level,
    pub message: String,
    pub old: Option<JsonLocation>,
    pub new: Option<JsonLocation>,
    /// The operation that reaches the change most directly.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
    /// Every operation that reaches it, that one first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub operations: Vec<String>,
    /// The changed place as a reader of `operation` sees it: the path
    /// from the request, response or message down to it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The field, named from the schema that holds it (shared schemas
    /// are named once, whoever reaches them).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Consumer teams the change touches (in `treaty check`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub affects: Option<Vec<String>>,
}

#[derive(Serialize, Default)]
pub struct Summary {
    pub breaking: usize,
    pub warning: usize,
    pub info: usize,
}

#[derive(Serialize, Default)]
pub struct JsonReport {
    pub changes: Vec<JsonChange>,
    pub summary: Summary,
}

fn locate(
    docs: &treaty_compat::Documents,
    side: &Option<treaty_compat::Side>,
) -> Option<JsonLocation> {
    let side = side.as_ref()?;
    if let Some((line, column)) = side.position {
        return Some(JsonLocation {
            file: side.file.clone(),
            line,
            column,
            pointer: side.pointer.clone(),
        });
    }
    let (file, pos) = docs.position(&side.file, &side.pointer)?;
    Some(JsonLocation {
        file,
        line: pos.line,
        column: pos.column,
        pointer: side.pointer.clone(),
    })
}

/// The report of a diff under a policy, most serious changes first.
pub fn report(diff: &Diff, policy: Policy) -> JsonReport {
    report_with(diff, policy, &|_| None)
}

/// The same, with the consumers each change affects.
pub fn report_with(
    diff: &Diff,
    policy: Policy,
    affects: &dyn Fn(&Change) -> Option<Vec<String>>,
) -> JsonReport {
    let mut summary = Summary::default();
    let mut changes: Vec<(&Change, Level)> =
        diff.changes.iter().map(|c| (c, c.level(policy))).collect();
    changes.sort_by_key(|(_, level)| *level);
    let changes = changes
        .into_iter()
        .map(|(c, level)| {
            match level {
                Level::Breaking => summary.breaking += 1,
                Level::Warning => summary.warning += 1,
                Level::Info => summary.info += 1,
            }
            let operations = nearest_first(c);
            JsonChange {
                rule: c.rule,
                level,
                message: c.message.clone(),
                old: locate(&diff.old, &c.old),
                new: locate(&diff.new, &c.new),
                operation: operations.first().cloned(),
                operations,
                path: c.route.as_ref().map(|r| r.path.clone()),
                field: c.field.clone(),
                affects: affects(c),
            }
        })
        .collect();
    JsonReport { changes, summary }
}

/// The operations that reach a change, the most direct first (a shared
/// schema is reached from hundreds: the first shown should be the one
/// nearest to it), the rest by name.
fn nearest_first(c: &Change) -> Vec<String> {
    let nearest = c.route.as_ref().and_then(|r| r.operation.as_ref());
    let mut operations: Vec<String> = nearest.cloned().into_iter().collect();
    operations.extend(
        c.operations
            .iter()
            .filter(|op| Some(*op) != nearest)
            .cloned(),
    );
    operations
}

fn at(loc: &Option<JsonLocation>) -> String {
    loc.as_ref().map_or_else(
        || "-".to_owned(),
        |l| format!("{}:{}:{}", l.file, l.line, l.column),
    )
}

pub fn text(r: &JsonReport) -> String {
    let mut out = String::new();
    for c in &r.changes {
        out.push_str(&format!(
            "{:<8} {}  {}\n",
            c.level.as_str(),
            c.rule,
            c.message
        ));
        if !c.operations.is_empty() {
            // A shared schema can be reached from hundreds of operations.
            let shown: Vec<&str> = c.operations.iter().take(3).map(String::as_str).collect();
            let more = c.operations.len().saturating_sub(shown.len());
            let tail = if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            };
            out.push_str(&format!("         in {}{tail}\n", shown.join(", ")));
        }
        if let Some(path) = &c.path {
            match &c.operation {
                Some(op) => out.push_str(&format!("         at {op} → {path}\n")),
                None => out.push_str(&format!("         at {path}\n")),
            }
        }
        out.push_str(&format!(
            "         old {}  new {}\n",
            at(&c.old),
            at(&c.new)
        ));
    }
    out.push_str(&format!(
        "{} breaking, {} warning, {} info\n",
        r.summary.breaking, r.summary.warning, r.summary.info
    ));
    out
}

fn md_escape(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

pub fn markdown(r: &JsonReport, title: &str) -> String {
    let mut out = format!("### {title}\n\n");
    out.push_str(&format!(
        "**{} breaking**, {} warning, {} info\n\n",
        r.summary.breaking, r.summary.warning, r.summary.info
    ));
    if r.changes.is_empty() {
        out.push_str("No changes.\n");
        return out;
    }
    out.push_str("| Level | Rule | Change | Operations | Where |\n|---|---|---|---|---|\n");
    for c in &r.changes {
        let icon = match c.level {
            Level::Breaking => "🔴 breaking",
            Level::Warning => "🟡 warning",
            Level::Info => "🔵 info",
        };
        out.push_str(&format!(
            "| {icon} | `{}` | {} | {} | {} |\n",
            c.rule,
            md_escape(&c.message),
            md_escape(&c.operations.join(", ")),
            md_escape(&at(if c.new.is_some() { &c.new } else { &c.old })),
        ));
    }
    out
}

fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// JUnit XML: one test case per change; breaking changes fail.
pub fn junit(r: &JsonReport, name: &str) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!(
        "<testsuites name=\"treaty\" tests=\"{}\" failures=\"{}\">\n  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\">\n",
        r.changes.len().max(1),
        r.summary.breaking,
        xml(name),
        r.changes.len().max(1),
        r.summary.breaking
    ));
    if r.changes.is_empty() {
        out.push_str("    <testcase classname=\"treaty\" name=\"no changes\"/>\n");
    }
    for c in &r.changes {
        let case = format!(
            "{} at {}",
            c.rule,
            at(if c.new.is_some() { &c.new } else { &c.old })
        );
        if c.level == Level::Breaking {
            out.push_str(&format!(
                "    <testcase classname=\"{}\" name=\"{}\">\n      <failure message=\"{}\" type=\"{}\"/>\n    </testcase>\n",
                xml(name),
                xml(&case),
                xml(&c.message),
                c.rule
            ));
        } else {
            out.push_str(&format!(
                "    <testcase classname=\"{}\" name=\"{}\">\n      <system-out>{}: {}</system-out>\n    </testcase>\n",
                xml(name),
                xml(&case),
                c.level.as_str(),
                xml(&c.message)
            ));
        }
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}
