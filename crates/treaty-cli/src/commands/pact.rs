//! `treaty pact check PACT OPENAPI`: a consumer's Pact file against the
//! provider's OpenAPI description (`treaty-pact` compares; this reads the
//! two files, points findings at lines and prints). Exit 0 when
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
    /// codes (request.path-or-method.unknown, response.body.incompatible, …).
    Check(PactCheckArgs),
}

#[derive(Debug, clap::Args)]
pub struct PactCheckArgs {
    /// The consumer's Pact file (JSON).
    pub pact: PathBuf,
    /// The provider's OpenAPI description (YAML or JSON).
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
    }
}

/// A file read and parsed, kept for pointing at lines.
struct Parsed {
    file: SourceFile,
    node: Node,
}

impl Parsed {
    /// The line of the value at `pointer`, or of its nearest enclosing
    /// value (`/request/query/limit` in a v2 file, where the query is one
    /// string).
    fn line(&self, pointer: &str) -> Option<usize> {
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
    if !doc
        .get("openapi")
        .and_then(Value::as_str)
        .is_some_and(|v| v.starts_with("3."))
    {
        return exit::error(format!(
            "{}:1: not an OpenAPI 3.0 or 3.1 description (no `openapi: 3.x` field)",
            args.openapi.display()
        ));
    }
    let findings = treaty_pact::compare(&pact, &doc);
    let failed = findings.iter().any(|f| f.level == Level::Error);
    let out = match args.format {
        PactFormat::Json => {
            let list: Vec<Value> = findings
                .iter()
                .map(|f| finding_json(f, &pact_file, &spec))
                .collect();
            let skipped: Vec<Value> = pact
                .skipped
                .iter()
                .map(|s| json!({"interaction": s.description, "pact_pointer": s.pointer, "reason": s.reason}))
                .collect();
            let report = json!({
                "compatible": !failed,
                "pact": args.pact.display().to_string(),
                "openapi": args.openapi.display().to_string(),
                "interactions": pact.interactions.len(),
                "skipped": skipped,
                "findings": list,
            });
            format!(
                "{}\n",
                serde_json::to_string_pretty(&report).unwrap_or_default()
            )
        }
        PactFormat::Text => text(args, &pact, &findings, &pact_file, &spec, failed),
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

fn text(
    args: &PactCheckArgs,
    pact: &treaty_pact::Pact,
    findings: &[Finding],
    pact_file: &Parsed,
    spec: &Parsed,
    failed: bool,
) -> String {
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
            out.push_str(&format!("  openapi: {}\n", at(&args.openapi, spec, p)));
        }
    }
    for s in &pact.skipped {
        out.push_str(&format!("note: {} skipped: {}\n", s.description, s.reason));
    }
    let errors = findings.iter().filter(|f| f.level == Level::Error).count();
    let warnings = findings.len() - errors;
    out.push_str(&format!(
        "{}: {} interaction(s), {errors} error(s), {warnings} warning(s)\n",
        if failed { "incompatible" } else { "compatible" },
        pact.interactions.len()
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

fn parse(path: &Path, bytes: &[u8], limits: &Limits) -> Result<Parsed, String> {
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
