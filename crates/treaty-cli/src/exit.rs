//! Exit codes, in one place: 0 fine, 1 findings (errors found, a breaking
//! change, a release refused), 2 bad input or usage (unreadable input, a
//! failed command, a broker that refused or cannot be reached).

use std::process::ExitCode;

use treaty_syntax::{Diagnostic, Severity};

/// How a command ended, as the shell sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 0: nothing to report.
    Success,
    /// 1: the command ran and found something that fails the check.
    Findings,
    /// 2: the command could not do its work.
    BadInput,
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> ExitCode {
        match exit {
            Exit::Success => ExitCode::SUCCESS,
            Exit::Findings => ExitCode::from(1),
            Exit::BadInput => ExitCode::from(2),
        }
    }
}

/// Prints `error: {message}` on stderr: a command that could not run.
pub fn error(message: impl std::fmt::Display) -> Exit {
    eprintln!("error: {message}");
    Exit::BadInput
}

/// `treaty validate`: 2 when some input could not be read at all, else 1
/// on errors (and on warnings with `--deny-warnings`).
pub fn of_diagnostics(diags: &[Diagnostic], deny_warnings: bool) -> Exit {
    if diags.iter().any(|d| d.unreadable) {
        Exit::BadInput
    } else if diags.iter().any(|d| {
        d.severity == Severity::Error || (deny_warnings && d.severity == Severity::Warning)
    }) {
        Exit::Findings
    } else {
        Exit::Success
    }
}

/// `treaty diff`: 1 when a change violates the policy.
pub fn of_diff(diff: &treaty_compat::Diff, policy: treaty_compat::Policy) -> Exit {
    if diff.changes.iter().any(|c| c.violates(policy)) {
        Exit::Findings
    } else {
        Exit::Success
    }
}

/// `treaty check`: 2 when an interface could not be compared, else 1 when
/// one failed its policy.
pub fn of_check(errors: usize, failed: usize) -> Exit {
    if errors > 0 {
        Exit::BadInput
    } else if failed > 0 {
        Exit::Findings
    } else {
        Exit::Success
    }
}

/// `treaty can-i-release`: 1 when the broker says no.
pub fn of_release(release: bool) -> Exit {
    if release {
        Exit::Success
    } else {
        Exit::Findings
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_errors_outrank_failures() {
        assert_eq!(of_check(1, 1), Exit::BadInput);
        assert_eq!(of_check(0, 1), Exit::Findings);
        assert_eq!(of_check(0, 0), Exit::Success);
    }

    #[test]
    fn warnings_fail_only_when_denied() {
        let warning = Diagnostic::warning("no-escalation", "w");
        assert_eq!(
            of_diagnostics(std::slice::from_ref(&warning), false),
            Exit::Success
        );
        assert_eq!(of_diagnostics(&[warning], true), Exit::Findings);
    }
}
