//! The earlier versions a transitive policy holds an interface against:
//! the versions of its schema in the base's first-parent history (renames
//! followed), newest first, as far back as the baseline admits (a major
//! version bump ends them, see `treaty_core::check::baseline`) and at most
//! `--max-history` of them. The report says how many were compared and,
//! when not all, where the comparisons stopped and why.

use std::collections::HashMap;
use std::path::Path;

use serde::Serialize;
use treaty_core::check::{Baseline, baseline};
use treaty_core::model::Interface;

use super::{Against, OldVersion, declared};
use crate::git_source::{FileVersion, GitTree, file_history, place};

/// Which earlier versions of one interface were compared.
#[derive(Debug, Default, Serialize)]
pub struct HistoryReport {
    /// Earlier versions compared, besides the base.
    pub compared: usize,
    /// The oldest version compared.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub oldest: Option<Against>,
    /// Earlier versions that could not be read or compared: skipped, the
    /// older ones still compared.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<Skipped>,
    /// Where the comparisons stopped before the schema's first version;
    /// absent when every earlier version was compared (or skipped).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stopped: Option<Stopped>,
}

/// An earlier version that was not compared, and why.
#[derive(Debug, Serialize)]
pub struct Skipped {
    #[serde(flatten)]
    pub version: Against,
    pub reason: String,
}

/// Where the comparisons with earlier versions stopped.
#[derive(Debug, Serialize)]
pub struct Stopped {
    /// `limit` (`--max-history`), `major_version` (the baseline: see
    /// `treaty_core::check::baseline`) or `unreadable` (the history).
    pub cause: &'static str,
    /// The newest version not compared: it and every older one were not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before: Option<Against>,
    pub reason: String,
}

impl HistoryReport {
    /// Notes an earlier version that could not be compared.
    pub fn skip(&mut self, version: Against, reason: String) {
        self.skipped.push(Skipped { version, reason });
    }
}

/// An earlier version to compare with.
pub(super) struct Earlier {
    pub tree: GitTree,
    /// The schema's path in `tree`'s workspace.
    pub entry: String,
    pub against: Against,
}

/// What finding an interface's earlier versions takes.
pub(super) struct Walk<'a> {
    pub dir: &'a Path,
    /// The schema at the base: the history is read back from there.
    pub old: &'a OldVersion,
    /// The interface's id.
    pub id: &'a str,
    /// The schema's path in the workspace today.
    pub hint: &'a str,
    pub baseline: &'a Baseline,
    /// Earlier versions compared at most.
    pub max: usize,
}

impl Walk<'_> {
    /// The earlier versions to compare, newest first, and the report of
    /// where they stop (`compared` is left for the caller to count).
    pub fn earlier(&self) -> (Vec<Earlier>, HistoryReport) {
        let mut report = HistoryReport::default();
        let base = &self.old.tree;
        let full = base.full(&self.old.entry);
        // The first version is the base's own content.
        let history = match file_history(
            self.dir,
            &full,
            None,
            &base.resolved(),
            self.max.saturating_add(1),
        ) {
            Ok(h) => h,
            Err(e) => {
                report.stopped = Some(Stopped {
                    cause: "unreadable",
                    before: None,
                    reason: format!("the history of `{full}` could not be read: {e}"),
                });
                return (Vec::new(), report);
            }
        };
        let mut interfaces: HashMap<(String, String), Option<Interface>> = HashMap::new();
        let mut earlier = Vec::new();
        for pair in history.versions.windows(2) {
            let (newer, version) = (&pair[0], &pair[1]);
            let (prefix, entry) = place(base.prefix(), &version.path, self.hint);
            // The interface as declared when this version was last the
            // schema: just before the newer one replaced it.
            let last = newer
                .parent
                .as_deref()
                .and_then(|c| self.interface_at(&mut interfaces, c, &prefix));
            let against = self.against(&mut interfaces, version, &prefix);
            if let Some(reason) = self
                .baseline
                .excludes(last.as_ref().and_then(baseline::semver_current))
            {
                report.stopped = Some(Stopped {
                    cause: "major_version",
                    before: Some(against),
                    reason,
                });
                return (earlier, report);
            }
            match GitTree::open(self.dir, &version.commit) {
                Ok(tree) => {
                    report.oldest = Some(against.clone());
                    earlier.push(Earlier {
                        tree: tree.with_prefix(prefix),
                        entry,
                        against,
                    });
                }
                Err(e) => report.skip(against, e),
            }
        }
        if let Some(cut) = history.cut {
            let (prefix, _) = place(base.prefix(), &cut.next.path, self.hint);
            report.stopped = Some(Stopped {
                cause: "limit",
                before: Some(self.against(&mut interfaces, &cut.next, &prefix)),
                reason: format!("beyond --max-history {}", self.max),
            });
        }
        (earlier, report)
    }

    /// The version as reports name it: its commit, and the interface's
    /// `versioning.current` then.
    fn against(
        &self,
        cache: &mut HashMap<(String, String), Option<Interface>>,
        version: &FileVersion,
        prefix: &str,
    ) -> Against {
        Against {
            revision: version.commit.chars().take(10).collect(),
            commit: version.commit.clone(),
            version: declared(self.interface_at(cache, &version.commit, prefix).as_ref()),
        }
    }

    /// The interface as the workspace at `commit` (at `prefix`) declared
    /// it, when it did.
    fn interface_at(
        &self,
        cache: &mut HashMap<(String, String), Option<Interface>>,
        commit: &str,
        prefix: &str,
    ) -> Option<Interface> {
        cache
            .entry((commit.to_owned(), prefix.to_owned()))
            .or_insert_with(|| {
                let tree = GitTree::open(self.dir, commit)
                    .ok()?
                    .with_prefix(prefix.to_owned());
                let (ws, _) = treaty_core::load(&tree);
                ws.interface(self.id).ok().cloned()
            })
            .clone()
    }
}
