//! One module per command family: each turns parsed arguments into a run
//! of the library code and an [`Exit`](crate::exit::Exit), printing what
//! the user asked for.

pub mod changelog;
pub mod check;
pub mod decide;
pub mod diff;
pub mod gate;
pub mod pact;
pub mod propose;
pub mod repo_files;
pub mod scaffold;
pub mod transition;
pub mod validate;
pub mod waive;

use std::io::{IsTerminal, Write};

/// The system's date: deadlines are judged against today unless the
/// user gives another day.
pub(crate) fn today() -> jiff::civil::Date {
    jiff::Zoned::now().date()
}

/// Writes one line to stdout, as `println!` would, except that a closed
/// pipe is not a panic (see [`print`]).
pub(crate) fn say(line: std::fmt::Arguments<'_>) {
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "{line}");
}

/// Writes a command's whole output to stdout. A closed pipe
/// (`treaty validate | head`) is not an error worth a panic.
pub(crate) fn print(out: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(out.as_bytes());
    let _ = stdout.flush();
}

/// Whether to colour what goes to a stream: a terminal, and `NO_COLOR`
/// unset or empty.
pub(crate) fn color(stream: &impl IsTerminal) -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && stream.is_terminal()
}
