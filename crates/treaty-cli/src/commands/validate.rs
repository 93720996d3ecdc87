//! `treaty validate`: load the workspace, validate it, render the
//! diagnostics with paths the user can open from where they stand.

use std::path::Path;

use treaty_syntax::Diagnostic;

use crate::cli::{ValidateArgs, ValidateFormat};
use crate::exit::{self, Exit};
use crate::fs_source::FsSource;
use crate::render;

pub fn run(args: ValidateArgs) -> Exit {
    let ValidateArgs {
        dir,
        format,
        today,
        deny_warnings,
    } = args;
    if !dir.is_dir() {
        return exit::error(format_args!("`{}` is not a directory", dir.display()));
    }
    let source = FsSource::new(&dir);
    let (mut ws, mut diags) = treaty_core::load(&source);
    let unreadable = diags.iter().any(|d| d.unreadable);
    if ws.workspace.is_some() || !unreadable {
        diags.extend(treaty_core::validate(
            &mut ws,
            &source,
            today.unwrap_or_else(super::today),
        ));
    }
    sort(&mut diags);
    // Show paths as the user can open them from where they stand.
    let prefix = if dir == Path::new(".") {
        String::new()
    } else {
        format!("{}/", dir.display().to_string().trim_end_matches('/'))
    };
    let mut sources = treaty_syntax::SourceMap::new();
    for (_, f) in ws.sources.files() {
        sources.add(format!("{prefix}{}", f.name()), f.shared_text());
    }
    for d in &mut diags {
        if let Some(f) = d.file.as_mut() {
            *f = format!("{prefix}{f}");
        }
    }
    let out = match format {
        ValidateFormat::Json => render::json(&diags, &sources) + "\n",
        ValidateFormat::Human => {
            let mut text = render::human(&diags, &sources, super::color(&std::io::stdout()));
            text.push_str(&render::summary_line(&diags, &sources));
            text.push('\n');
            text
        }
    };
    super::print(&out);
    exit::of_diagnostics(&diags, deny_warnings)
}

fn sort(diags: &mut [Diagnostic]) {
    diags.sort_by_key(|d| (d.span.map(|s| (s.file, s.start)), d.severity));
}
