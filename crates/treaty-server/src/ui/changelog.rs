//! An interface's changelog on its page: for each of its newest published
//! versions, what changed since the one before, each change at its level
//! under the interface's compatibility policy (`breaking`, `warning`,
//! `info`), as the broker's can-i-release compares them (same comparison,
//! same cache).

use treaty_compat::Level;
use treaty_store::OwnedInterface;

use super::pages::UiError;
use crate::{AppState, release, stored};

/// Versions given a changelog entry, at most: the newest.
const VERSIONS: usize = 10;
/// Changes listed per version, at most.
const MAX_CHANGES: usize = 50;

/// One change, as listed.
#[derive(Debug)]
pub(crate) struct ChangeRow {
    /// `breaking`, `warning` or `info`.
    pub level: &'static str,
    pub rule: String,
    pub message: String,
}

/// What changed in one version since the one published before it.
#[derive(Debug)]
pub(crate) struct ChangelogEntry {
    pub version: String,
    pub since: String,
    pub breaking: usize,
    pub warnings: usize,
    pub info: usize,
    /// The changes, most serious first, at most [`MAX_CHANGES`].
    pub changes: Vec<ChangeRow>,
    /// Changes not listed.
    pub more: usize,
    /// Why the two could not be compared, if they could not.
    pub failed: Option<String>,
}

/// The changelog of `interface` from `published` (version, bundle hash),
/// newest first, as the store lists them.
pub(crate) async fn of(
    state: &AppState,
    interface: &OwnedInterface,
    published: &[(&str, &str)],
) -> Result<Vec<ChangelogEntry>, UiError> {
    let policy = stored::policy_of(&interface.interface)?;
    let newest = &published[..published.len().min(VERSIONS + 1)];
    let mut out = Vec::new();
    for pair in newest.windows(2) {
        let ((version, new_hash), (since, old_hash)) = (pair[0], pair[1]);
        let mut entry = ChangelogEntry {
            version: version.to_owned(),
            since: since.to_owned(),
            breaking: 0,
            warnings: 0,
            info: 0,
            changes: Vec::new(),
            more: 0,
            failed: None,
        };
        if new_hash != old_hash {
            let compared = release::changes_between(state, interface, old_hash, new_hash).await?;
            match compared.as_ref() {
                Ok(c) => {
                    // A change reached in both directions is reported once
                    // per direction; listed once, at its most serious.
                    let mut rows: Vec<(Level, &str, &str)> = c
                        .changes
                        .iter()
                        .map(|ch| (ch.level(policy), ch.rule, ch.message.as_str()))
                        .collect();
                    rows.sort_by_key(|(level, rule, message)| (*rule, *message, *level));
                    rows.dedup_by(|a, b| (a.1, a.2) == (b.1, b.2));
                    rows.sort_by_key(|(level, rule, message)| (*level, *rule, *message));
                    for (level, ..) in &rows {
                        match level {
                            Level::Breaking => entry.breaking += 1,
                            Level::Warning => entry.warnings += 1,
                            Level::Info => entry.info += 1,
                        }
                    }
                    entry.more = rows.len().saturating_sub(MAX_CHANGES);
                    entry.changes = rows
                        .into_iter()
                        .take(MAX_CHANGES)
                        .map(|(level, rule, message)| ChangeRow {
                            level: level.as_str(),
                            rule: rule.to_owned(),
                            message: message.to_owned(),
                        })
                        .collect();
                }
                Err(why) => entry.failed = Some(why.clone()),
            }
        }
        out.push(entry);
    }
    Ok(out)
}
