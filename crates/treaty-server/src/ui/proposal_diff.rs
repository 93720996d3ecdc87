//! The diff of a change proposal, old and new side by side at the changed
//! lines. A proposal keeps its changes by rule and message (what `treaty
//! check` found), not the schema versions they were found between; so the
//! page looks for them among the interface's newest published versions:
//! the newest pair of consecutive versions whose comparison finds every
//! change of the proposal. Each such change is shown as a window of lines
//! around its place in the old version and in the new, read from the two
//! stored bundles (the engine's pointers, turned into lines by the
//! documents it read). When no published pair holds the changes (the new
//! version is often published only once the proposal is approved), the
//! page says so and lists the changes alone. What a pair of versions
//! showed of a change set is remembered (versions never change).

use std::collections::BTreeSet;
use std::sync::{Arc, LazyLock};

use treaty_compat::{Bundle, Change, Diff, Documents, Side};

use crate::api::ProposedChange;
use crate::error::ApiError;
use crate::release::{load, on_comparison_thread};
use crate::remembered::Remembered;
use crate::{AppState, stored};

/// A pair of bundles (old, new) and a change set: what comparing them
/// showed of it. Versions never change, so an answer is final.
type Key = (String, String, String);
/// Answers remembered, at most (the oldest forgotten first).
const REMEMBERED: usize = 256;
static SHOWN: LazyLock<Remembered<Key, Arc<Option<Vec<ShownChange>>>>> =
    LazyLock::new(|| Remembered::new(REMEMBERED));

/// Newest versions of the interface looked at.
const VERSIONS_LOOKED_AT: i64 = 6;
/// Lines shown before and after a changed line.
const CONTEXT: usize = 3;
/// Changes shown with their lines, at most.
const MAX_SHOWN: usize = 50;
/// Characters of one shown line, at most.
const MAX_LINE: usize = 240;

/// One line of a window.
#[derive(Debug, Clone)]
pub(crate) struct Line {
    pub number: usize,
    pub text: String,
    /// The line the change is at.
    pub changed: bool,
}

/// One side of a change: the file and the lines around it; none when the
/// change has no place on this side (added or removed).
#[derive(Debug, Clone)]
pub(crate) struct Window {
    pub file: String,
    pub line: usize,
    pub lines: Vec<Line>,
}

/// One change of the proposal, with its place on each side.
#[derive(Debug, Clone)]
pub(crate) struct ShownChange {
    pub rule: String,
    pub message: String,
    pub old: Option<Window>,
    pub new: Option<Window>,
}

/// The proposal's diff as found among the published versions.
#[derive(Debug)]
pub(crate) struct ProposalDiff {
    pub from: String,
    pub to: String,
    pub changes: Vec<ShownChange>,
}

/// The newest pair of consecutive published versions of `interface` whose
/// comparison finds every one of `changes` (whose hash is `change_set`),
/// with the lines around each; `None` when no pair among the newest does.
pub(crate) async fn find(
    state: &AppState,
    interface: &str,
    change_set: &str,
    changes: &[ProposedChange],
) -> Result<Option<ProposalDiff>, ApiError> {
    if changes.is_empty() {
        return Ok(None);
    }
    let Some(owned) = state.store.interface(interface).await? else {
        return Ok(None);
    };
    let format = stored::format_of(&owned.interface)?;
    let category = stored::category_of(&owned.interface)?;
    let (versions, _) = state
        .store
        .latest_versions(interface, VERSIONS_LOOKED_AT)
        .await?;
    let wanted: BTreeSet<(String, String)> = changes
        .iter()
        .map(|c| (c.rule.clone(), c.message.clone()))
        .collect();
    // Newest first: (versions[i + 1] → versions[i]).
    for pair in versions.windows(2) {
        let (new_v, old_v) = (&pair[0], &pair[1]);
        if new_v.bundle_hash == old_v.bundle_hash {
            continue;
        }
        let key: Key = (
            old_v.bundle_hash.clone(),
            new_v.bundle_hash.clone(),
            change_set.to_owned(),
        );
        let shown = match SHOWN.get(&key) {
            Some(known) => known,
            None => {
                let old = load(&state.store, &old_v.bundle_hash).await?;
                let new = load(&state.store, &new_v.bundle_hash).await?;
                let wanted = wanted.clone();
                let shown = on_comparison_thread(&state.comparisons, move || {
                    let diff = treaty_compat::diff_bundles(&old, &new, format, category).ok()?;
                    windows_of(&diff, &old, &new, &wanted)
                })
                .await
                .map_err(ApiError::Internal)?;
                let shown = Arc::new(shown);
                SHOWN.put(key, shown.clone());
                shown
            }
        };
        if let Some(changes) = shown.as_ref() {
            return Ok(Some(ProposalDiff {
                from: old_v.version.clone(),
                to: new_v.version.clone(),
                changes: changes.clone(),
            }));
        }
    }
    Ok(None)
}

/// The windows of every wanted change, when the diff finds them all.
fn windows_of(
    diff: &Diff,
    old: &Bundle,
    new: &Bundle,
    wanted: &BTreeSet<(String, String)>,
) -> Option<Vec<ShownChange>> {
    let matching: Vec<&Change> = diff
        .changes
        .iter()
        .filter(|c| wanted.contains(&(c.rule.to_owned(), c.message.clone())))
        .collect();
    let found: BTreeSet<(String, String)> = matching
        .iter()
        .map(|c| (c.rule.to_owned(), c.message.clone()))
        .collect();
    if found != *wanted {
        return None;
    }
    Some(
        matching
            .into_iter()
            .take(MAX_SHOWN)
            .map(|c| ShownChange {
                rule: c.rule.to_owned(),
                message: c.message.clone(),
                old: window(&diff.old, old, c.old.as_ref()),
                new: window(&diff.new, new, c.new.as_ref()),
            })
            .collect(),
    )
}

/// The lines around `side` in `bundle`.
fn window(docs: &Documents, bundle: &Bundle, side: Option<&Side>) -> Option<Window> {
    let side = side?;
    let (file, line) = match side.position {
        Some((line, _)) => (side.file.clone(), line),
        None => {
            let (file, pos) = docs.position(&side.file, &side.pointer)?;
            (file, pos.line)
        }
    };
    let text = bundle
        .files
        .get(&file)
        .or_else(|| bundle.files.get(&side.file))?;
    Some(Window {
        lines: lines_around(text, line),
        file,
        line,
    })
}

/// Lines `line - CONTEXT ..= line + CONTEXT` of `text` (1-based), each
/// cut to `MAX_LINE` characters.
pub(crate) fn lines_around(text: &str, line: usize) -> Vec<Line> {
    let first = line.saturating_sub(CONTEXT).max(1);
    text.lines()
        .enumerate()
        .map(|(i, t)| (i + 1, t))
        .skip(first - 1)
        .take(line + CONTEXT + 1 - first)
        .map(|(number, t)| Line {
            number,
            text: t.chars().take(MAX_LINE).collect(),
            changed: number == line,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::lines_around;

    #[test]
    fn a_window_holds_the_lines_around_the_change_and_marks_it() {
        let text = (1..=10)
            .map(|i| format!("l{i}"))
            .collect::<Vec<_>>()
            .join("\n");
        let w = lines_around(&text, 5);
        let numbers: Vec<usize> = w.iter().map(|l| l.number).collect();
        assert_eq!(numbers, vec![2, 3, 4, 5, 6, 7, 8]);
        assert_eq!(w.iter().filter(|l| l.changed).count(), 1);
        assert_eq!(w[3].text, "l5");
        // At the edges, what exists.
        let start: Vec<usize> = lines_around(&text, 1).iter().map(|l| l.number).collect();
        assert_eq!(start, vec![1, 2, 3, 4]);
        let end: Vec<usize> = lines_around(&text, 10).iter().map(|l| l.number).collect();
        assert_eq!(end, vec![7, 8, 9, 10]);
    }
}
