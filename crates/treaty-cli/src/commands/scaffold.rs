//! Commands that write starting files: `treaty init` (a workspace) and
//! `treaty schema` (the JSON Schemas of the contract files, for editors).

use std::path::Path;

use crate::cli::{InitArgs, SchemaArgs};
use crate::exit::{self, Exit};
use crate::init;

/// `treaty init`.
pub fn init(args: InitArgs) -> Exit {
    let InitArgs { dir, name } = args;
    match init::run(&dir, name.as_deref(), super::today()) {
        Ok(files) => {
            println!("created a Treaty workspace in {}:", dir.display());
            for f in files {
                println!("  {f}");
            }
            println!(
                "next: edit the files, then run `treaty validate {}`",
                dir.display()
            );
            Exit::Success
        }
        Err(e) => exit::error(e),
    }
}

/// `treaty schema`.
pub fn schema(args: SchemaArgs) -> Exit {
    let SchemaArgs { out } = args;
    match write_schemas(&out) {
        Ok(n) => {
            println!("wrote {n} schemas to {}", out.display());
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
