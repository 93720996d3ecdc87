//! Commands that write starting files: `treaty init` (a workspace) and
//! `treaty schema` (the JSON Schemas of the contract files, for editors).

use std::path::Path;

use crate::cli::{InitArgs, SchemaArgs};
use crate::discover::{self, Producer};
use crate::exit::{self, Exit};
use crate::init;

/// `treaty init`.
pub fn init(args: InitArgs) -> Exit {
    let InitArgs {
        dir,
        name,
        discover,
    } = args;
    if discover {
        return init_discovered(&dir, name.as_deref());
    }
    match init::run(&dir, name.as_deref(), super::today()) {
        Ok(files) => {
            crate::commands::say(format_args!(
                "created a Treaty workspace in {}:",
                dir.display()
            ));
            for f in files {
                crate::commands::say(format_args!("  {f}"));
            }
            crate::commands::say(format_args!(
                "next: edit the files, then run `treaty validate {}`",
                dir.display()
            ));
            Exit::Success
        }
        Err(e) => exit::error(e),
    }
}

/// `treaty init --discover`.
fn init_discovered(dir: &Path, name: Option<&str>) -> Exit {
    let found = match discover::run(dir, name) {
        Ok(found) => found,
        Err(e) => return exit::error(e),
    };
    let mut out = format!(
        "proposed a Treaty workspace in {} with {} interfaces{}:\n",
        dir.display(),
        found.interfaces.len(),
        found
            .codeowners
            .as_ref()
            .map(|f| format!(" (owners from {f})"))
            .unwrap_or_else(|| " (no CODEOWNERS file found)".to_owned())
    );
    for p in &found.interfaces {
        let owner = match &p.producer {
            Producer::Team { from, .. } => format!("{} ({})", p.producer.team(), from.owner),
            Producer::Person { from, .. } => {
                format!(
                    "{} ({}, a person: which team?)",
                    p.producer.team(),
                    from.owner
                )
            }
            Producer::Unowned => {
                format!("{} (no CODEOWNERS rule: who owns it?)", p.producer.team())
            }
        };
        out.push_str(&format!(
            "  {:<10} {}  {}  producer {owner}\n",
            p.kind.as_str(),
            p.id,
            p.schema
        ));
    }
    for s in &found.skipped {
        out.push_str(&format!("  skipped {}: {}\n", s.path, s.reason));
    }
    out.push_str(&format!("wrote {} files\n", found.written.len()));
    out.push_str(&format!(
        "next: answer the open questions in the comments (consumers, policies, team members), then run `treaty validate {}`\n",
        dir.display()
    ));
    super::print(&out);
    Exit::Success
}

/// `treaty schema`.
pub fn schema(args: SchemaArgs) -> Exit {
    let SchemaArgs { out } = args;
    match write_schemas(&out) {
        Ok(n) => {
            crate::commands::say(format_args!("wrote {n} schemas to {}", out.display()));
            Exit::Success
        }
        Err(e) => exit::error(format_args!("cannot write to {}: {e}", out.display())),
    }
}

fn write_schemas(out: &Path) -> std::io::Result<usize> {
    std::fs::create_dir_all(out)?;
    let schemas = treaty_core::schema::json_schemas();
    for (name, schema) in &schemas {
        let text = serde_json::to_string_pretty(schema).map_err(std::io::Error::other)?;
        std::fs::write(out.join(name), text + "\n")?;
    }
    Ok(schemas.len())
}
