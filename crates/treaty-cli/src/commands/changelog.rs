//! `treaty changelog`: runs `crate::changelog` on a deep stack and prints
//! it as Markdown or JSON.

use crate::big_stack;
use crate::changelog;
use crate::cli::{ChangelogArgs, ChangelogFormat};
use crate::exit::{self, Exit};

pub fn run(args: ChangelogArgs) -> Exit {
    let ChangelogArgs {
        interface,
        dir,
        from,
        to,
        format,
    } = args;
    match big_stack::run(move || changelog::changelog(&dir, &interface, from.as_deref(), &to)) {
        Some(Ok(c)) => {
            let out = match format {
                ChangelogFormat::Markdown => changelog::markdown(&c),
                ChangelogFormat::Json => {
                    serde_json::to_string_pretty(&c).unwrap_or_default() + "\n"
                }
            };
            super::print(&out);
            Exit::Success
        }
        Some(Err(e)) => exit::error(e),
        None => Exit::BadInput,
    }
}
