//! How much each scope item of a release puts the release at risk, with
//! the reason in words: from what the gate found of it (criteria met, its
//! state), the time left before the milestones, its dependencies' state
//! and variability, and the blockers raised on it.
//!
//! Pure: it reads the gate's input and verdict. The rule (docs/gates.md,
//! "Risk") is a short ladder, so that a level can always be explained:
//! the worst of the reasons decides, and an item the release can ship
//! without (dark behind an off flag, or not essential) is at most medium.

use serde::Serialize;

use crate::gate::{GateInput, GateVerdict, ItemState, ItemVerdict};
use crate::model::{FlagState, ScopeItem, Severity, Variability};

/// A level of risk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RiskLevel {
    /// On track.
    Low,
    /// Worth watching.
    Medium,
    /// Likely to slip or to stop the release.
    High,
    /// Stops the release unless something changes now.
    Critical,
}

impl RiskLevel {
    /// The level's name.
    pub fn as_str(self) -> &'static str {
        match self {
            RiskLevel::Low => "low",
            RiskLevel::Medium => "medium",
            RiskLevel::High => "high",
            RiskLevel::Critical => "critical",
        }
    }
}

/// One scope item's risk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ItemRisk {
    /// The item's id.
    pub item: String,
    /// The team delivering it.
    pub owner: String,
    /// The level.
    pub level: RiskLevel,
    /// Why, in words, the worst first.
    pub reasons: Vec<String>,
}

/// The risk of every scope item of `input.release`, in the release's
/// order, from the gate's `verdict` on the same input.
pub fn assess(input: &GateInput<'_>, verdict: &GateVerdict) -> Vec<ItemRisk> {
    input
        .release
        .scope
        .iter()
        .filter_map(|item| {
            let judged = verdict.items.iter().find(|v| v.id == item.id.value)?;
            Some(one(input, verdict, item, judged))
        })
        .collect()
}

fn one(
    input: &GateInput<'_>,
    verdict: &GateVerdict,
    item: &ScopeItem,
    judged: &ItemVerdict,
) -> ItemRisk {
    let mut found: Vec<(RiskLevel, String)> = Vec::new();
    let today = input.today().0;
    let m = &input.release.milestones;
    let days_to = |d: jiff::civil::Date| (d - today).get_days();
    let to_ship = days_to(m.ship.value.0);
    let unmet = judged.criteria.iter().filter(|c| !c.met).count();
    if judged.state == ItemState::Live {
        found.push((RiskLevel::Low, "done: every criterion met".into()));
    } else if unmet > 0 || judged.criteria.is_empty() {
        let what = if judged.criteria.is_empty() {
            "no definition of done".to_owned()
        } else {
            format!("{unmet} of {} criteria not met", judged.criteria.len())
        };
        let code_frozen = m.code_freeze.as_ref().is_some_and(|c| c.value.0 <= today);
        let feature_frozen = m
            .feature_freeze
            .as_ref()
            .is_some_and(|f| f.value.0 <= today);
        let (level, when) = if to_ship <= 0 {
            (RiskLevel::Critical, "on or after the ship date".to_owned())
        } else if code_frozen || to_ship <= 3 {
            (RiskLevel::High, format!("{to_ship} days to ship"))
        } else if feature_frozen || to_ship <= 14 {
            (RiskLevel::Medium, format!("{to_ship} days to ship"))
        } else {
            (RiskLevel::Low, format!("{to_ship} days to ship"))
        };
        found.push((level, format!("{what}, {when}")));
    }
    for dep in &item.depends_on {
        let Some(other) = verdict.items.iter().find(|v| v.id == dep.item.value) else {
            continue;
        };
        if other.state == ItemState::Live {
            continue;
        }
        let (level, how) = match dep.variability {
            Some(Variability::High) => (RiskLevel::High, "high variability"),
            Some(Variability::Medium) => (RiskLevel::Medium, "medium variability"),
            Some(Variability::Low) => (RiskLevel::Low, "low variability"),
            None => (RiskLevel::Medium, "variability not estimated"),
        };
        found.push((
            level,
            format!("depends on `{}`, not done ({how})", dep.item.value),
        ));
    }
    for b in input
        .blockers
        .iter()
        .filter(|b| b.item.as_deref() == Some(item.id.value.as_str()))
    {
        let overdue = b.deadline.is_some_and(|d| d < input.now);
        let level = match (b.severity, overdue) {
            (Severity::Critical, _) => RiskLevel::Critical,
            (Severity::High, true) => RiskLevel::Critical,
            (Severity::High, false) | (Severity::Medium, true) => RiskLevel::High,
            (Severity::Medium, false) | (Severity::Low, true) => RiskLevel::Medium,
            (Severity::Low, false) => RiskLevel::Low,
        };
        found.push((
            level,
            format!(
                "{} blocker {}{}: {}",
                b.severity.as_str(),
                b.id,
                if overdue { ", past its deadline" } else { "" },
                b.title
            ),
        ));
    }
    // The release can ship without an item it can hide or drop.
    let hideable = item
        .mitigations
        .iter()
        .find(|m| m.default == FlagState::Off);
    let cap = match (hideable, item.essential) {
        (Some(m), _) => Some(format!("the release can ship it dark behind `{}`", m.flag)),
        (None, false) => Some("the release can ship without it (not essential)".to_owned()),
        (None, true) => None,
    };
    found.sort_by_key(|f| std::cmp::Reverse(f.0));
    let mut level = found.first().map_or(RiskLevel::Low, |f| f.0);
    let mut reasons: Vec<String> = found.into_iter().map(|(_, r)| r).collect();
    if let Some(cap) = cap
        && level > RiskLevel::Medium
    {
        level = RiskLevel::Medium;
        reasons.push(format!("at most medium: {cap}"));
    }
    ItemRisk {
        item: item.id.value.clone(),
        owner: judged.owner.clone(),
        level,
        reasons,
    }
}
