//! Each scope item: live when its criteria are met, no blocker at the
//! blocking severity holds it and every item it depends on is live;
//! otherwise dark behind a flag that ships off, dropped when the release
//! does not wait for it, or missing, which stops the release.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::criteria::{self, CriterionVerdict};
use super::{Evidence, GateInput, Reason, Weight};
use crate::model::{FlagState, ScopeItem};

/// Where a scope item stands for this release.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum ItemState {
    /// Done: it ships.
    Live,
    /// Not done: it ships switched off behind this flag.
    Dark {
        /// The flag, off by default.
        flag: String,
    },
    /// Not done and not essential: the release ships without it.
    Dropped,
    /// Not done, essential and without a flag to hide it: no-go.
    Missing,
}

/// One scope item judged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemVerdict {
    /// The item's id.
    pub id: String,
    /// The team delivering it.
    pub owner: String,
    /// Whether the release waits for it.
    pub essential: bool,
    /// Where it stands.
    #[serde(flatten)]
    pub state: ItemState,
    /// Its criteria, in order.
    pub criteria: Vec<CriterionVerdict>,
    /// What keeps it from going live, in words (empty when live).
    pub held_by: Vec<String>,
}

/// Judges every scope item, adding the reasons they give.
pub(super) fn judge(
    input: &GateInput<'_>,
    evidence: &Evidence<'_>,
    reasons: &mut Vec<Reason>,
) -> Vec<ItemVerdict> {
    let scope = &input.release.scope;
    let mut own: BTreeMap<&str, (Vec<CriterionVerdict>, Vec<String>)> = BTreeMap::new();
    for item in scope {
        let id = item.id.value.as_str();
        let criteria: Vec<CriterionVerdict> = item
            .done
            .iter()
            .map(|c| criteria::judge(input, evidence, id, c))
            .collect();
        let mut held = Vec::new();
        if item.done.is_empty() {
            held.push("it has no definition of done: no evidence can show it is done".to_owned());
        }
        for c in criteria.iter().filter(|c| !c.met) {
            held.push(format!("criterion `{}`: {}", c.id, c.detail));
        }
        for b in input.blockers.iter().filter(|b| {
            b.item.as_deref() == Some(id) && b.severity >= input.governance.gate.blocking_severity
        }) {
            held.push(format!(
                "blocker {} ({}): {}",
                b.id,
                b.severity.as_str(),
                b.title
            ));
        }
        own.insert(id, (criteria, held));
    }
    // Live or not, in dependency order; a cycle (which `treaty validate`
    // reports) keeps its items from going live.
    let mut live: BTreeMap<&str, bool> = BTreeMap::new();
    for item in scope {
        is_live(
            item.id.value.as_str(),
            scope,
            &own,
            &mut live,
            &mut Vec::new(),
        );
    }
    let mut out = Vec::new();
    for item in scope {
        let id = item.id.value.as_str();
        let Some((criteria, mut held)) = own.remove(id) else {
            continue;
        };
        for dep in &item.depends_on {
            if !live.get(dep.item.value.as_str()).copied().unwrap_or(false) {
                held.push(format!(
                    "it depends on `{}`, which is not live",
                    dep.item.value
                ));
            }
        }
        let state = state_of(item, held.is_empty());
        report(input, item, &state, &held, reasons);
        for c in criteria.iter().filter(|c| c.stale) {
            reasons.push(Reason {
                weight: Weight::Warning,
                code: "evidence-stale",
                subject: format!("{id}/{}", c.id),
                message: c.detail.clone(),
            });
        }
        out.push(ItemVerdict {
            id: id.to_owned(),
            owner: item
                .owner
                .as_ref()
                .map(|o| o.value.clone())
                .unwrap_or_default(),
            essential: item.essential,
            state,
            criteria,
            held_by: held,
        });
    }
    out
}

fn is_live<'a>(
    id: &'a str,
    scope: &'a [ScopeItem],
    own: &BTreeMap<&'a str, (Vec<CriterionVerdict>, Vec<String>)>,
    live: &mut BTreeMap<&'a str, bool>,
    visiting: &mut Vec<&'a str>,
) -> bool {
    if let Some(known) = live.get(id) {
        return *known;
    }
    if visiting.contains(&id) {
        return false;
    }
    let Some(item) = scope.iter().find(|i| i.id.value == id) else {
        // A dependency on an item that is not in the release.
        return false;
    };
    visiting.push(id);
    let mut ok = own.get(id).is_some_and(|(_, held)| held.is_empty());
    for dep in &item.depends_on {
        ok &= is_live(dep.item.value.as_str(), scope, own, live, visiting);
    }
    visiting.pop();
    live.insert(id, ok);
    ok
}

fn state_of(item: &ScopeItem, done: bool) -> ItemState {
    if done {
        return ItemState::Live;
    }
    if let Some(m) = item
        .mitigations
        .iter()
        .find(|m| m.default == FlagState::Off)
    {
        return ItemState::Dark {
            flag: m.flag.clone(),
        };
    }
    if !item.essential {
        return ItemState::Dropped;
    }
    ItemState::Missing
}

fn report(
    input: &GateInput<'_>,
    item: &ScopeItem,
    state: &ItemState,
    held: &[String],
    reasons: &mut Vec<Reason>,
) {
    let id = item.id.value.clone();
    let why = held.join("; ");
    let (weight, code, message) = match state {
        ItemState::Live => {
            let dark = item
                .mitigations
                .iter()
                .find(|m| m.default == FlagState::Off)
                .map(|m| format!(", behind flag `{}` (off by default)", m.flag))
                .unwrap_or_default();
            (Weight::Info, "item-live", format!("done{dark}"))
        }
        ItemState::Dark { flag } => (
            Weight::Warning,
            "item-dark",
            format!("not done, ships dark behind flag `{flag}` (off by default): {why}"),
        ),
        ItemState::Dropped => (
            Weight::Warning,
            "item-dropped",
            format!(
                "not done and not essential: dropped from the {} train, leave it out of the build: {why}",
                input.release.id.value
            ),
        ),
        ItemState::Missing => (
            Weight::Blocking,
            "item-missing",
            format!("essential, not done and no flag ships it off: {why}"),
        ),
    };
    reasons.push(Reason {
        weight,
        code,
        subject: id,
        message,
    });
}
