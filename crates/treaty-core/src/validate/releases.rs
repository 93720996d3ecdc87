//! Releases: milestones, deadlines, scope items, criteria, dependencies
//! (and their cycles) and debt.

use std::collections::{HashMap, HashSet};

use jiff::civil::Date;
use treaty_syntax::{Diagnostic, Span, Spanned, did_you_mean};

use super::Validator;
use crate::codes;
use crate::model::{CalendarDate, Release, ReleaseStatus};

impl Validator {
    pub(super) fn check_release(
        &mut self,
        release: &Release,
        interface_ids: &[&str],
        release_ids: &[&str],
        today: Date,
    ) {
        let m = &release.milestones;
        let ordered = [
            ("feature freeze", m.feature_freeze.as_ref()),
            ("code freeze", m.code_freeze.as_ref()),
            ("ship", Some(&m.ship)),
        ];
        let present: Vec<(&str, &Spanned<CalendarDate>)> = ordered
            .iter()
            .filter_map(|(n, d)| d.map(|d| (*n, d)))
            .collect();
        for pair in present.windows(2) {
            let ((a_name, a), (b_name, b)) = (pair[0], pair[1]);
            if a.value > b.value {
                self.push(
                    Diagnostic::error(
                        codes::MILESTONE_ORDER,
                        format!("{b_name} ({}) comes before {a_name} ({})", b.value, a.value),
                    )
                    .at(b.span)
                    .with_related(a.span, format!("{a_name} is here"))
                    .with_hint("milestones come in the order feature freeze, code freeze, ship"),
                );
            }
        }
        let open = matches!(
            release.status,
            ReleaseStatus::Planned | ReleaseStatus::Active
        );
        if open && m.ship.value.0 < today {
            self.push(
                Diagnostic::warning(
                    codes::PAST_DEADLINE,
                    format!(
                        "release `{}` was due to ship on {} and is not marked shipped",
                        release.id.value, m.ship.value
                    ),
                )
                .at(m.ship.span)
                .with_hint("set `status: shipped` or `cancelled`, or move the ship date"),
            );
        } else if release.status == ReleaseStatus::Planned
            && let Some(ff) = &m.feature_freeze
            && ff.value.0 < today
        {
            self.push(
                Diagnostic::warning(
                    codes::PAST_DEADLINE,
                    format!(
                        "release `{}` is still planned but its feature freeze ({}) has passed",
                        release.id.value, ff.value
                    ),
                )
                .at(ff.span)
                .with_hint("set `status: active`, or move the milestones"),
            );
        }

        self.unique_ids("scope item", release.scope.iter().map(|i| &i.id));
        self.unique_ids("debt", release.debt.iter().map(|d| &d.id));
        let item_ids: Vec<&str> = release.scope.iter().map(|i| i.id.value.as_str()).collect();
        for item in &release.scope {
            self.owner(
                item.owner.as_ref(),
                &item.id,
                "scope item",
                "work nobody owns does not get done",
            );
            for i in &item.interfaces {
                if !interface_ids.contains(&i.value.as_str()) {
                    let mut d = Diagnostic::error(
                        codes::UNKNOWN_INTERFACE,
                        format!("unknown interface `{}`", i.value),
                    )
                    .at(i.span);
                    if let Some(m) = did_you_mean(&i.value, interface_ids) {
                        d = d.with_hint(format!("did you mean `{m}`?"));
                    }
                    self.push(d);
                }
            }
            self.unique_ids("criterion", item.done.iter().map(|c| &c.id));
            for c in &item.done {
                if c.evidence.is_none() {
                    self.push(
                        Diagnostic::error(codes::CRITERION_WITHOUT_EVIDENCE, format!("criterion `{}` names no evidence", c.id.value))
                            .at(c.id.span)
                            .with_hint("add `evidence: {kind: junit, source: <report path>}` (or benchmark, sarif, verification, slo)"),
                    );
                }
                match &c.threshold {
                    None => self.push(
                        Diagnostic::error(codes::CRITERION_WITHOUT_THRESHOLD, format!("criterion `{}` has no threshold", c.id.value))
                            .at(c.id.span)
                            .with_hint("add `threshold: {metric: <name>, min: <n>}` or `max:` so that the evidence decides it"),
                    ),
                    Some(t) => self.threshold(t),
                }
            }
            for dep in &item.depends_on {
                if !item_ids.contains(&dep.item.value.as_str()) {
                    let mut d = Diagnostic::error(
                        codes::UNKNOWN_SCOPE_ITEM,
                        format!(
                            "`{}` depends on `{}`, which is not in the scope of release `{}`",
                            item.id.value, dep.item.value, release.id.value
                        ),
                    )
                    .at(dep.item.span);
                    if let Some(m) = did_you_mean(&dep.item.value, &item_ids) {
                        d = d.with_hint(format!("did you mean `{m}`?"));
                    }
                    self.push(d);
                }
            }
            for mitigation in &item.mitigations {
                for team in &mitigation.flippable_by {
                    self.team_ref(team, "a team that flips the flag");
                }
            }
        }
        self.unique_ids("commitment", release.commitments.iter().map(|c| &c.id));
        for commitment in &release.commitments {
            self.team_ref(&commitment.by, "the team that promises");
            for team in &commitment.to {
                self.team_ref(team, "a team it is promised to");
            }
            if let (Some(from), Some(until)) = (&commitment.from, &commitment.until)
                && from.value > until.value
            {
                self.push(
                    Diagnostic::error(
                        codes::DATE_ORDER,
                        format!("commitment `{}` ends before it starts", commitment.id.value),
                    )
                    .at(until.span)
                    .with_related(from.span, "starts here"),
                );
            }
        }
        self.cycles(release);
        for debt in &release.debt {
            self.owner(
                debt.owner.as_ref(),
                &debt.id,
                "debt",
                "the team that repays it",
            );
            if !release_ids.contains(&debt.repay_by.value.as_str()) {
                self.push(
                    Diagnostic::warning(codes::UNKNOWN_RELEASE, format!("debt `{}` is to be repaid by `{}`, which is not a defined release", debt.id.value, debt.repay_by.value))
                        .at(debt.repay_by.span)
                        .with_hint("define that release under `releases/` so that its gate can check the repayment"),
                );
            }
        }
    }

    /// Reports each dependency cycle among a release's scope items once.
    pub(super) fn cycles(&mut self, release: &Release) {
        let index: HashMap<&str, usize> = release
            .scope
            .iter()
            .enumerate()
            .map(|(i, item)| (item.id.value.as_str(), i))
            .collect();
        let edges: Vec<Vec<(usize, Span)>> = release
            .scope
            .iter()
            .map(|item| {
                item.depends_on
                    .iter()
                    .filter_map(|d| index.get(d.item.value.as_str()).map(|&j| (j, d.item.span)))
                    .collect()
            })
            .collect();
        // Iterative depth-first search; 0 = unvisited, 1 = on the path, 2 = done.
        let mut state = vec![0u8; edges.len()];
        let mut reported: HashSet<Vec<usize>> = HashSet::new();
        for root in 0..edges.len() {
            if state[root] != 0 {
                continue;
            }
            let mut path: Vec<(usize, usize)> = vec![(root, 0)];
            state[root] = 1;
            while let Some(&mut (node, ref mut next)) = path.last_mut() {
                if let Some(&(to, span)) = edges[node].get(*next) {
                    *next += 1;
                    match state[to] {
                        0 => {
                            state[to] = 1;
                            path.push((to, 0));
                        }
                        1 => {
                            let start = path.iter().position(|(n, _)| *n == to).unwrap_or(0);
                            let cycle: Vec<usize> = path[start..].iter().map(|(n, _)| *n).collect();
                            let mut key = cycle.clone();
                            key.sort_unstable();
                            if reported.insert(key) {
                                let mut names: Vec<&str> = cycle
                                    .iter()
                                    .map(|&n| release.scope[n].id.value.as_str())
                                    .collect();
                                names.push(release.scope[to].id.value.as_str());
                                self.push(
                                    Diagnostic::error(
                                        codes::DEPENDENCY_CYCLE,
                                        format!("scope items depend on each other in a cycle: {}", names.join(" → ")),
                                    )
                                    .at(span)
                                    .with_label("this dependency closes the cycle")
                                    .with_hint("none of these items can ever be done first: remove one dependency"),
                                );
                            }
                        }
                        _ => {}
                    }
                } else {
                    state[node] = 2;
                    path.pop();
                }
            }
        }
    }
}
