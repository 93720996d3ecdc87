//! Whether `treaty check` passes for one interface, judged from the
//! changes the caller found: against the base, and under a transitive
//! policy against every earlier version too.
//!
//! Pure: the caller reads git and runs the comparisons; this module merges
//! what was found (each change reported once), decides, and says why. An
//! interface declared at the base and gone from the working tree is judged
//! here too: removing what a consumer uses breaks it.
//!
//! Which earlier versions a transitive policy is held against, and when a
//! major version bump accepts a break, is [`baseline`].

use serde::Serialize;

pub mod baseline;
pub mod waivers;

pub use baseline::{Baseline, Bump};
use treaty_compat::{Level, Policy};

/// One change found comparing the working tree with one earlier version,
/// as the caller will show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Found<'a> {
    /// The rule id (`operation-removed`, ...).
    pub rule: &'a str,
    /// The change in words; with the rule, what makes two changes the same.
    pub message: &'a str,
    /// How serious the change is under the interface's policy.
    pub level: Level,
    /// The consumer teams that use what changed.
    pub affects: &'a [String],
}

/// What the caller learned about one interface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Facts<'a> {
    /// The schema file does not exist at the base.
    NewAtBase {
        /// The schema's path in the workspace.
        schema: &'a str,
        /// The revision it was looked for at.
        base: &'a str,
    },
    /// The interface was declared at the base and is not in the working
    /// tree any more (its interface file was deleted, or its `id` changed).
    Removed {
        /// The revision it was declared at.
        base: &'a str,
        /// The consumer teams it had at the base.
        consumers: &'a [String],
    },
    /// The working tree was compared with earlier versions.
    Compared {
        /// The changes of each comparison in the order they are shown: the
        /// base first, then each earlier version, newest first.
        comparisons: Vec<Vec<Found<'a>>>,
        /// Why a version could not be compared, when one could not: the
        /// comparisons stop there.
        failed: Option<String>,
        /// Why the breaking changes found against the base do not fail
        /// the check, when they are accepted (see [`Baseline::accepts`]).
        accepted: Option<String>,
    },
}

/// Where a change to report is in the [`Facts`]: the comparison and the
/// change's position in it, and what it does to the verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Kept {
    /// Index of the comparison (0 is the base).
    pub comparison: usize,
    /// Position of the change in that comparison.
    pub position: usize,
    /// Whether it fails the check, and if not why.
    pub standing: Standing,
}

/// What one reported change does to the verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    /// Breaking, and it touches a consumer: the check fails.
    Fails,
    /// Breaking and touching a consumer, but accepted (a major version
    /// bump over the base).
    Accepted,
    /// Breaking, but no consumer uses what changed.
    Unused,
    /// Breaking and touching a consumer, but the policy is `none`.
    Allowed,
    /// Breaking and touching a consumer, but its rule is waived on the
    /// interface by an approved waiver that has not expired.
    Waived,
    /// Breaking and touching a consumer, but approved: a change proposal
    /// covering exactly this change set has every approval governance
    /// asks for.
    Approved,
    /// Not breaking.
    Harmless,
}

/// How one interface was judged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// No breaking change touches a consumer under the policy. Each note
    /// names a breaking change that was let through, and why.
    Pass {
        /// One line per breaking change that does not fail the check.
        notes: Vec<String>,
    },
    /// Breaking changes touch consumers.
    Fail {
        /// One line per breaking change, naming the teams it breaks.
        reasons: Vec<String>,
    },
    /// There is no earlier version to compare with.
    New {
        /// Which file is missing where.
        reason: String,
    },
    /// A version could not be read or compared, so nothing is decided.
    Error {
        /// What could not be read, in words.
        reason: String,
    },
    /// The interface is gone from the working tree. It fails the check
    /// when it had consumers at the base (unless the policy is `none`).
    Removed {
        /// The consumer teams it had at the base.
        consumers: Vec<String>,
        /// Whether the removal fails the check.
        breaks: bool,
        /// What was removed and whom it breaks, in words.
        reason: String,
    },
}

impl Outcome {
    /// The status word of the reports: `pass`, `fail`, `new`, `error` or
    /// `removed`.
    pub fn status(&self) -> &'static str {
        match self {
            Outcome::Pass { .. } => "pass",
            Outcome::Fail { .. } => "fail",
            Outcome::New { .. } => "new",
            Outcome::Error { .. } => "error",
            Outcome::Removed { .. } => "removed",
        }
    }

    /// Whether this outcome fails the check: a breaking change touching a
    /// consumer, or the removal of an interface that had consumers.
    pub fn fails(&self) -> bool {
        match self {
            Outcome::Fail { .. } => true,
            Outcome::Removed { breaks, .. } => *breaks,
            Outcome::Pass { .. } | Outcome::New { .. } | Outcome::Error { .. } => false,
        }
    }
}

/// How many changes of each level are reported.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Changes that break someone under the policy.
    pub breaking: usize,
    /// Changes that may surprise someone.
    pub warning: usize,
    /// Changes that break nobody.
    pub info: usize,
}

impl Counts {
    fn add(&mut self, level: Level) {
        match level {
            Level::Breaking => self.breaking += 1,
            Level::Warning => self.warning += 1,
            Level::Info => self.info += 1,
        }
    }
}

/// The verdict on one interface: the outcome, and the changes to report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InterfaceCheck {
    /// Pass, fail, new or error, with the reasons.
    pub outcome: Outcome,
    /// The changes to report, each once, in the order first found.
    pub changes: Vec<Kept>,
    /// The reported changes by level.
    pub counts: Counts,
}

/// Judges one interface under `policy`. A change found against several
/// versions is reported once (the same rule, message and level), where it
/// was first found; the check fails when a reported breaking change
/// touches at least one consumer, unless the policy is `none` or the
/// change was found against the base and the facts say it is accepted
/// (a major version bump, see [`baseline`]). A removed interface
/// fails when it had consumers at the base, unless the policy is `none`.
pub fn judge(policy: Policy, facts: &Facts<'_>) -> InterfaceCheck {
    let (comparisons, failed, accepted) = match facts {
        Facts::Removed { base, consumers } => {
            return InterfaceCheck {
                outcome: removed(policy, base, consumers),
                changes: Vec::new(),
                counts: Counts::default(),
            };
        }
        Facts::NewAtBase { schema, base } => {
            return InterfaceCheck {
                outcome: Outcome::New {
                    reason: format!("`{schema}` does not exist at {base}: nothing to compare"),
                },
                changes: Vec::new(),
                counts: Counts::default(),
            };
        }
        Facts::Compared {
            comparisons,
            failed,
            accepted,
        } => (comparisons, failed, accepted),
    };
    if let Some(reason) = failed {
        return InterfaceCheck {
            outcome: Outcome::Error {
                reason: reason.clone(),
            },
            changes: Vec::new(),
            counts: Counts::default(),
        };
    }
    let mut kept = merge(comparisons);
    let mut counts = Counts::default();
    for k in &mut kept {
        let change = &comparisons[k.comparison][k.position];
        counts.add(change.level);
        if change.level != Level::Breaking {
            continue;
        }
        k.standing = if change.affects.is_empty() {
            Standing::Unused
        } else if policy == Policy::None {
            Standing::Allowed
        } else if let (0, Some(_)) = (k.comparison, accepted) {
            Standing::Accepted
        } else {
            Standing::Fails
        };
    }
    let outcome = outcome(comparisons, &kept, accepted.as_deref(), &[]);
    InterfaceCheck {
        outcome,
        changes: kept,
        counts,
    }
}

/// The outcome the standings of `kept` make: a fail with one reason per
/// failing change, else a pass with one note per breaking change let
/// through. `waived_by[i]`: for a waived change, the waiver and its last
/// day in words (`w-2 until 2027-01-31`).
fn outcome(
    comparisons: &[Vec<Found<'_>>],
    kept: &[Kept],
    accepted: Option<&str>,
    waived_by: &[Option<String>],
) -> Outcome {
    let mut reasons = Vec::new();
    let mut notes = Vec::new();
    for (i, k) in kept.iter().enumerate() {
        let change = &comparisons[k.comparison][k.position];
        if change.level != Level::Breaking {
            continue;
        }
        let what = format!("`{}` ({})", change.rule, change.message);
        let teams = change.affects.join(", ");
        let waiver = waived_by.get(i).cloned().flatten().unwrap_or_default();
        match k.standing {
            Standing::Fails => reasons.push(format!("{what} breaks {teams}")),
            Standing::Unused => notes.push(format!(
                "{what} is breaking, but no consumer uses what changed"
            )),
            Standing::Allowed => notes.push(format!(
                "{what} would break {teams}, but the policy is `none`"
            )),
            Standing::Accepted => notes.push(format!(
                "{what} breaks {teams}, accepted: {}",
                accepted.unwrap_or_default()
            )),
            Standing::Waived => notes.push(format!("{what} breaks {teams}, waived by {waiver}")),
            Standing::Approved => notes.push(format!(
                "{what} breaks {teams}, approved by a change proposal"
            )),
            Standing::Harmless => {}
        }
    }
    if reasons.is_empty() {
        Outcome::Pass { notes }
    } else {
        Outcome::Fail { reasons }
    }
}

/// The verdict on an interface declared at `base` and gone now.
fn removed(policy: Policy, base: &str, consumers: &[String]) -> Outcome {
    let teams = consumers.join(", ");
    let (breaks, reason) = if consumers.is_empty() {
        (
            false,
            format!("removed since {base}, where it had no consumers"),
        )
    } else if policy == Policy::None {
        (
            false,
            format!("removed since {base}: would break {teams}, but the policy is `none`"),
        )
    } else {
        (true, format!("removed since {base}: breaks {teams}"))
    };
    Outcome::Removed {
        consumers: consumers.to_vec(),
        breaks,
        reason,
    }
}

/// Every change of the base comparison, then each change of the earlier
/// versions not already kept (by rule, message and level: a change found
/// as a warning against the base does not hide the same change found as
/// breaking against an earlier version).
fn merge(comparisons: &[Vec<Found<'_>>]) -> Vec<Kept> {
    let mut kept: Vec<Kept> = Vec::new();
    let mut seen: std::collections::HashSet<(&str, &str, Level)> = std::collections::HashSet::new();
    for (comparison, found) in comparisons.iter().enumerate() {
        for (position, change) in found.iter().enumerate() {
            let new = seen.insert((change.rule, change.message, change.level));
            // The base's own changes are all reported, repeats included:
            // only what earlier versions add is merged.
            if comparison == 0 || new {
                kept.push(Kept {
                    comparison,
                    position,
                    standing: Standing::Harmless,
                });
            }
        }
    }
    kept
}

/// Totals over every interface of a check.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Interfaces judged.
    pub interfaces: usize,
    /// Interfaces whose check failed.
    pub failed: usize,
    /// Interfaces that could not be judged.
    pub errors: usize,
    /// Breaking changes reported.
    pub breaking: usize,
    /// Warnings reported.
    pub warning: usize,
    /// Informational changes reported.
    pub info: usize,
}

impl Summary {
    /// Counts one judged interface.
    pub fn add(&mut self, check: &InterfaceCheck) {
        self.interfaces += 1;
        if check.outcome.fails() {
            self.failed += 1;
        } else if let Outcome::Error { .. } = check.outcome {
            self.errors += 1;
        }
        self.breaking += check.counts.breaking;
        self.warning += check.counts.warning;
        self.info += check.counts.info;
    }

    /// Whether the whole check passes: nothing failed and everything
    /// could be judged.
    pub fn passes(&self) -> bool {
        self.failed == 0 && self.errors == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found<'a>(rule: &'a str, level: Level, affects: &'a [String]) -> Found<'a> {
        Found {
            rule,
            message: rule,
            level,
            affects,
        }
    }

    fn compared<'a>(comparisons: Vec<Vec<Found<'a>>>) -> Facts<'a> {
        Facts::Compared {
            comparisons,
            failed: None,
            accepted: None,
        }
    }

    #[test]
    fn a_breaking_change_touching_a_consumer_fails() {
        let checkout = vec!["checkout".to_owned()];
        let facts = compared(vec![vec![found(
            "operation-removed",
            Level::Breaking,
            &checkout,
        )]]);
        let check = judge(Policy::Backward, &facts);
        assert_eq!(
            check.outcome,
            Outcome::Fail {
                reasons: vec!["`operation-removed` (operation-removed) breaks checkout".to_owned()]
            }
        );
        assert_eq!(check.outcome.status(), "fail");
        assert_eq!(check.counts.breaking, 1);
    }

    #[test]
    fn a_breaking_change_touching_nobody_passes_with_a_note() {
        let facts = compared(vec![vec![found("operation-removed", Level::Breaking, &[])]]);
        let check = judge(Policy::Backward, &facts);
        let Outcome::Pass { notes } = &check.outcome else {
            panic!("expected a pass, got {:?}", check.outcome);
        };
        assert_eq!(notes.len(), 1);
        assert!(
            notes[0].contains("no consumer uses what changed"),
            "{notes:?}"
        );
        assert_eq!(check.changes.len(), 1);
    }

    #[test]
    fn under_policy_none_nothing_fails() {
        let checkout = vec!["checkout".to_owned()];
        let facts = compared(vec![vec![found(
            "type-changed",
            Level::Breaking,
            &checkout,
        )]]);
        let check = judge(Policy::None, &facts);
        assert!(
            matches!(&check.outcome, Outcome::Pass { notes } if notes[0].contains("policy is `none`")),
            "{:?}",
            check.outcome
        );
    }

    #[test]
    fn warnings_do_not_fail() {
        let checkout = vec!["checkout".to_owned()];
        let facts = compared(vec![vec![
            found("enum-value-added", Level::Warning, &checkout),
            found("description-changed", Level::Info, &checkout),
        ]]);
        let check = judge(Policy::Backward, &facts);
        assert_eq!(check.outcome, Outcome::Pass { notes: vec![] });
        assert_eq!(
            check.counts,
            Counts {
                breaking: 0,
                warning: 1,
                info: 1
            }
        );
    }

    #[test]
    fn transitive_duplicates_are_reported_once_where_first_found() {
        let checkout = vec!["checkout".to_owned()];
        let removed = found("operation-removed", Level::Breaking, &checkout);
        let added = found("enum-value-added", Level::Warning, &checkout);
        let older = found("property-removed", Level::Breaking, &checkout);
        let facts = compared(vec![
            vec![removed, added],
            vec![removed, older, added],
            vec![older, removed],
        ]);
        let check = judge(Policy::Backward, &facts);
        let at = |k: &Kept| (k.comparison, k.position, k.standing);
        assert_eq!(
            check.changes.iter().map(at).collect::<Vec<_>>(),
            vec![
                (0, 0, Standing::Fails),
                (0, 1, Standing::Harmless),
                (1, 1, Standing::Fails),
            ]
        );
        assert_eq!(
            check.counts,
            Counts {
                breaking: 2,
                warning: 1,
                info: 0
            }
        );
        assert!(matches!(&check.outcome, Outcome::Fail { reasons } if reasons.len() == 2));
    }

    #[test]
    fn the_bases_own_repeats_are_all_reported() {
        let a = found("property-removed", Level::Info, &[]);
        let check = judge(Policy::Backward, &compared(vec![vec![a, a], vec![a]]));
        assert_eq!(check.changes.len(), 2);
    }

    #[test]
    fn an_unreadable_version_is_an_error_and_a_new_file_is_new() {
        let checkout = vec!["checkout".to_owned()];
        let facts = Facts::Compared {
            comparisons: vec![vec![found("operation-removed", Level::Breaking, &checkout)]],
            failed: Some("cannot parse `api.yaml`".to_owned()),
            accepted: None,
        };
        let check = judge(Policy::Backward, &facts);
        assert_eq!(
            check.outcome,
            Outcome::Error {
                reason: "cannot parse `api.yaml`".to_owned()
            }
        );
        assert!(check.changes.is_empty());
        let new = judge(
            Policy::Backward,
            &Facts::NewAtBase {
                schema: "api.yaml",
                base: "main",
            },
        );
        assert_eq!(new.outcome.status(), "new");

        let mut summary = Summary::default();
        summary.add(&check);
        summary.add(&new);
        assert_eq!((summary.interfaces, summary.errors), (2, 1));
        assert!(!summary.passes());
    }

    #[test]
    fn a_removed_interface_with_consumers_fails_and_without_passes() {
        let teams = vec!["checkout".to_owned(), "fulfillment".to_owned()];
        let gone = judge(
            Policy::Backward,
            &Facts::Removed {
                base: "main",
                consumers: &teams,
            },
        );
        assert_eq!(
            gone.outcome,
            Outcome::Removed {
                consumers: teams.clone(),
                breaks: true,
                reason: "removed since main: breaks checkout, fulfillment".to_owned(),
            }
        );
        assert_eq!(gone.outcome.status(), "removed");
        assert!(gone.outcome.fails());

        let unused = judge(
            Policy::Backward,
            &Facts::Removed {
                base: "main",
                consumers: &[],
            },
        );
        assert!(!unused.outcome.fails(), "{:?}", unused.outcome);
        assert_eq!(unused.outcome.status(), "removed");

        let lenient = judge(
            Policy::None,
            &Facts::Removed {
                base: "main",
                consumers: &teams,
            },
        );
        assert!(
            matches!(&lenient.outcome, Outcome::Removed { breaks: false, reason, .. } if reason.contains("policy is `none`")),
            "{:?}",
            lenient.outcome
        );

        let mut summary = Summary::default();
        summary.add(&gone);
        summary.add(&unused);
        summary.add(&lenient);
        assert_eq!(
            (summary.interfaces, summary.failed, summary.errors),
            (3, 1, 0)
        );
        assert!(!summary.passes());
    }

    #[test]
    fn a_break_accepted_against_the_base_passes_but_not_one_found_earlier() {
        let checkout = vec!["checkout".to_owned()];
        let removed = found("operation-removed", Level::Breaking, &checkout);
        let older = found("property-removed", Level::Breaking, &checkout);
        let facts = Facts::Compared {
            comparisons: vec![vec![removed]],
            failed: None,
            accepted: Some("the major version bump 1.4.0 to 2.0.0".to_owned()),
        };
        let check = judge(Policy::Backward, &facts);
        assert_eq!(check.changes[0].standing, Standing::Accepted);
        let Outcome::Pass { notes } = &check.outcome else {
            panic!("expected a pass, got {:?}", check.outcome);
        };
        assert!(
            notes[0].contains("breaks checkout, accepted: the major version bump"),
            "{notes:?}"
        );
        assert_eq!(check.counts.breaking, 1);
        // Acceptance covers the base only: a break found against an
        // earlier version still fails.
        let facts = Facts::Compared {
            comparisons: vec![vec![removed], vec![older]],
            failed: None,
            accepted: Some("a bump".to_owned()),
        };
        let check = judge(Policy::Backward, &facts);
        assert!(check.outcome.fails(), "{:?}", check.outcome);
        assert_eq!(check.changes[1].standing, Standing::Fails);
    }

    #[test]
    fn a_warning_against_the_base_does_not_hide_a_break_found_earlier() {
        let checkout = vec!["checkout".to_owned()];
        let mut warning = found("enum-value-removed", Level::Warning, &checkout);
        warning.message = "same";
        let mut breaking = found("enum-value-removed", Level::Breaking, &checkout);
        breaking.message = "same";
        let check = judge(
            Policy::Backward,
            &compared(vec![vec![warning], vec![breaking]]),
        );
        assert_eq!(check.changes.len(), 2);
        assert!(check.outcome.fails());
    }
}
