//! `treaty pact check PACT DESCRIPTION`: a consumer's Pact file against the
//! provider's OpenAPI description (HTTP interactions) or AsyncAPI document
//! (messages), by the document's kind (`treaty-pact` compares; this reads
//! the two files, points findings at lines and prints). Exit 0 when
//! compatible, 1 when some finding is an error, 2 when a file cannot be
//! read (with the file and the line).

use std::io::Read;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use treaty_pact::{Finding, Level};
use treaty_syntax::{Limits, Node, SourceFile, SourceMap};

use crate::exit::{self, Exit};

/// `treaty pact …`.
#[derive(Debug, clap::Subcommand)]
pub enum PactCommand {
    /// Check every HTTP interaction of a Pact file (v2, v3 or v4) against
    /// the provider's OpenAPI 3.0/3.1 description, with PactFlow's result
    /// codes (request.path-or-method.unknown, response.body.incompatible, …),
    /// or every message against an AsyncAPI 2.x/3.x document (message.*).
    Check(PactCheckArgs),
    /// Read Pact files without comparing them: each file's interactions,
    /// messages and skipped interactions, or where it cannot be read (exit
    /// 2 if any cannot).
    Read(PactReadArgs),
}

#[derive(Debug, clap::Args)]
pub struct PactReadArgs {
    /// Pact files (JSON).
    #[arg(required = true)]
    pub pacts: Vec<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct PactCheckArgs {
    /// The consumer's Pact file (JSON).
    pub pact: PathBuf,
    /// The provider's OpenAPI description or AsyncAPI document (YAML or
    /// JSON).
    #[arg(value_name = "OPENAPI|ASYNCAPI")]
    pub openapi: PathBuf,
    /// text (for people) or json (the findings with file lines).
    #[arg(long, value_enum, default_value_t = PactFormat::Text)]
    pub format: PactFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PactFormat {
    Text,
    Json,
}

pub fn run(command: PactCommand) -> Exit {
    match command {
        PactCommand::Check(args) => check(&args),
        PactCommand::Read(args) => read_only(&args),
    }
}

/// `treaty pact read`: every file read, one line each; the unreadable
/// ones on stderr with their line.
fn read_only(args: &PactReadArgs) -> Exit {
    let mut out = String::new();
    let mut unreadable = Vec::new();
    for path in &args.pacts {
        let read = read(path, treaty_pact::LIMITS.max_bytes).and_then(|bytes| {
            treaty_pact::read(&bytes, &path.display().to_string()).map_err(|e| {
                let line = e.line.map(|l| format!(":{l}")).unwrap_or_default();
                format!("{}{line}: {e}", path.display())
            })
        });
        match read {
            Ok(pact) => out.push_str(&format!(
                "{}: v{}, {} interaction(s), {} message(s), {} skipped\n",
                path.display(),
                pact.version,
                pact.interactions.len(),
                pact.messages.len(),
                pact.skipped.len()
            )),
            Err(e) => unreadable.push(e),
        }
    }
    out.push_str(&format!(
        "{} of {} file(s) read\n",
        args.pacts.len() - unreadable.len(),
        args.pacts.len()
    ));
    super::print(&out);
    if unreadable.is_empty() {
        Exit::Success
    } else {
        exit::error(unreadable.join("\n"))
    }
}

/// A file read and parsed, kept for pointing at lines.
pub(crate) struct Parsed {
    file: SourceFile,
    node: Node,
}

impl Parsed {
    /// The line of the value at `pointer`, or of its nearest enclosing
    /// value (`/request/query/limit` in a v2 file, where the query is one
    /// string).
    pub(crate) fn line(&self, pointer: &str) -> Option<usize> {
        let mut pointer = pointer;
        loop {
            if let Some(node) = self.node.pointer(pointer) {
                return Some(self.file.position(node.span.start as usize).line);
            }
            pointer = pointer.rsplit_once('/')?.0;
        }
    }
}

fn check(args: &PactCheckArgs) -> Exit {
    let pact_bytes = match read(&args.pact, treaty_pact::LIMITS.max_bytes) {
        Ok(b) => b,
        Err(e) => return exit::error(e),
    };
    let pact = match treaty_pact::read(&pact_bytes, &args.pact.display().to_string()) {
        Ok(p) => p,
        Err(e) => {
            let line = e.line.map(|l| format!(":{l}")).unwrap_or_default();
            return exit::error(format!("{}{line}: {e}", args.pact.display()));
        }
    };
    let pact_file = match parse(&args.pact, &pact_bytes, &treaty_pact::LIMITS) {
        Ok(p) => p,
        Err(e) => return exit::error(e),
    };
    let spec_bytes = match read(&args.openapi, Limits::SCHEMA_FILE.max_bytes) {
        Ok(b) => b,
        Err(e) => return exit::error(e),
    };
    let spec = match parse(&args.openapi, &spec_bytes, &Limits::SCHEMA_FILE) {
        Ok(p) => p,
        Err(e) => return exit::error(e),
    };
    let doc = treaty_pact::to_json(&spec.node);
    let Some(kind) = Kind::of(&doc) else {
        return exit::error(format!(
            "{}:1: neither an OpenAPI 3.0/3.1 description nor an AsyncAPI 2.x/3.x document (no `openapi: 3.x` or `asyncapi` field)",
            args.openapi.display()
        ));
    };
    let (findings, checked, mut skipped) = match kind {
        Kind::OpenApi => {
            let unchecked = pact.messages.iter().map(|m| {
                json!({"interaction": m.description, "pact_pointer": m.pointer,
                    "reason": "a message is checked against an AsyncAPI document"})
            });
            (
                treaty_pact::compare(&pact, &doc),
                pact.interactions.len(),
                unchecked.collect::<Vec<_>>(),
            )
        }
        Kind::AsyncApi => {
            let unchecked = pact.interactions.iter().map(|i| {
                json!({"interaction": i.description, "pact_pointer": i.pointer,
                    "reason": "an HTTP interaction is checked against an OpenAPI description"})
            });
            (
                treaty_pact::compare_messages(&pact, &doc),
                pact.messages.len(),
                unchecked.collect::<Vec<_>>(),
            )
        }
    };
    skipped.extend(pact.skipped.iter().map(
        |s| json!({"interaction": s.description, "pact_pointer": s.pointer, "reason": s.reason}),
    ));
    let failed = findings.iter().any(|f| f.level == Level::Error);
    let out = match args.format {
        PactFormat::Json => {
            let list: Vec<Value> = findings
                .iter()
                .map(|f| finding_json(f, &pact_file, &spec))
                .collect();
            let report = json!({
                "compatible": !failed,
                "pact": args.pact.display().to_string(),
                kind.key(): args.openapi.display().to_string(),
                "interactions": checked,
                "skipped": skipped,
                "findings": list,
            });
            format!(
                "{}\n",
                serde_json::to_string_pretty(&report).unwrap_or_default()
            )
        }
        PactFormat::Text => {
            let report = Report {
                kind,
                findings: &findings,
                checked,
                skipped: &skipped,
                failed,
            };
            text(args, &report, &pact_file, &spec)
        }
    };
    super::print(&out);
    if failed {
        Exit::Findings
    } else {
        Exit::Success
    }
}

fn finding_json(f: &Finding, pact: &Parsed, spec: &Parsed) -> Value {
    json!({
        "code": f.code,
        "level": f.level,
        "interaction": f.interaction,
        "message": f.message,
        "pact_pointer": f.pact_pointer,
        "pact_line": pact.line(&f.pact_pointer),
        "spec_pointer": f.spec_pointer,
        "spec_line": f.spec_pointer.as_deref().and_then(|p| spec.line(p)),
    })
}

/// Which comparison a document asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    OpenApi,
    AsyncApi,
}

impl Kind {
    fn of(doc: &Value) -> Option<Kind> {
        let version = |key: &str| doc.get(key).and_then(Value::as_str);
        if version("openapi").is_some_and(|v| v.starts_with("3.")) {
            Some(Kind::OpenApi)
        } else if version("asyncapi").is_some_and(|v| v.starts_with("2.") || v.starts_with("3.")) {
            Some(Kind::AsyncApi)
        } else {
            None
        }
    }

    /// The report's key for the document, and the label of its lines.
    fn key(self) -> &'static str {
        match self {
            Kind::OpenApi => "openapi",
            Kind::AsyncApi => "asyncapi",
        }
    }
}

/// What the text report prints.
struct Report<'a> {
    kind: Kind,
    findings: &'a [Finding],
    /// Interactions (OpenAPI) or messages (AsyncAPI) checked.
    checked: usize,
    skipped: &'a [Value],
    failed: bool,
}

fn text(args: &PactCheckArgs, report: &Report<'_>, pact_file: &Parsed, spec: &Parsed) -> String {
    let Report {
        kind,
        findings,
        checked,
        skipped,
        failed,
    } = *report;
    let mut out = String::new();
    for f in findings {
        out.push_str(&format!(
            "{}[{}] {}: {}\n",
            f.level, f.code, f.interaction, f.message
        ));
        let at = |file: &Path, parsed: &Parsed, pointer: &str| match parsed.line(pointer) {
            Some(line) => format!("{}:{line} ({pointer})", file.display()),
            None => format!("{} ({pointer})", file.display()),
        };
        out.push_str(&format!(
            "  pact: {}\n",
            at(&args.pact, pact_file, &f.pact_pointer)
        ));
        if let Some(p) = &f.spec_pointer {
            out.push_str(&format!(
                "  {}: {}\n",
                kind.key(),
                at(&args.openapi, spec, p)
            ));
        }
    }
    for s in skipped {
        let field = |k: &str| s[k].as_str().unwrap_or_default().to_owned();
        out.push_str(&format!(
            "note: {} skipped: {}\n",
            field("interaction"),
            field("reason")
        ));
    }
    let errors = findings.iter().filter(|f| f.level == Level::Error).count();
    let warnings = findings.len() - errors;
    out.push_str(&format!(
        "{}: {checked} {}(s), {errors} error(s), {warnings} warning(s)\n",
        if failed { "incompatible" } else { "compatible" },
        match kind {
            Kind::OpenApi => "interaction",
            Kind::AsyncApi => "message",
        }
    ));
    out
}

/// Reads at most `max` bytes of a file; more is an error.
fn read(path: &Path, max: usize) -> Result<Vec<u8>, String> {
    let file = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut bytes = Vec::new();
    file.take(max as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    if bytes.len() > max {
        return Err(format!(
            "{}: more than the limit of {max} bytes",
            path.display()
        ));
    }
    Ok(bytes)
}

pub(crate) fn parse(path: &Path, bytes: &[u8], limits: &Limits) -> Result<Parsed, String> {
    let name = path.display().to_string();
    let mut map = SourceMap::new();
    let id = map.add(name.clone(), "");
    let text = treaty_syntax::decode(bytes, id, limits).map_err(|e| format!("{name}: {e}"))?;
    let file = SourceFile::new(name.clone(), text);
    let node = treaty_syntax::parse(text, id, limits).map_err(|e| {
        let line = file.position(e.span.start as usize).line;
        format!("{name}:{line}: {e}")
    })?;
    Ok(Parsed { file, node })
}
