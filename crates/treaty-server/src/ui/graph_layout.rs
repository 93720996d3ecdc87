//! The dependency graph's geometry: teams and interfaces placed for an
//! SVG drawing, from the edges the store gave. Pure: no I/O, and the same
//! edges always give the same drawing.
//!
//! Two views. The overview puts every team on a circle, with one arrow
//! from each producing team to each team consuming one of its interfaces.
//! A team's view is five columns, read left to right as data flows: the
//! teams producing what it consumes, those interfaces, the team, the
//! interfaces it produces, and the teams consuming them.

use std::collections::{BTreeMap, BTreeSet};

/// Teams drawn in the overview, at most; more are listed, not drawn.
pub(crate) const MAX_TEAMS: usize = 60;
/// Nodes drawn in one column of a team's view, at most.
pub(crate) const MAX_COLUMN: usize = 100;
/// Characters of a label drawn; the whole label is the node's tooltip.
const MAX_LABEL: usize = 28;
const ROW: i32 = 36;
const COLUMN: i32 = 230;
const MARGIN: i32 = 40;

/// An interface's consumer and why the edge is at risk, if it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Edge {
    /// The team producing the interface.
    pub producer: String,
    /// The interface.
    pub interface: String,
    /// The team consuming it.
    pub consumer: String,
    /// Why this consumer is at risk from a change of the interface (an
    /// open breaking proposal that touches it), in words.
    pub risk: Option<String>,
}

/// What a node stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NodeKind {
    Team,
    Interface,
    /// The team whose view this is.
    Focus,
}

/// A node placed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Node {
    pub x: i32,
    pub y: i32,
    /// The label drawn (cut to [`MAX_LABEL`] characters).
    pub label: String,
    /// The whole name.
    pub name: String,
    /// Where the node leads.
    pub href: String,
    pub kind: NodeKind,
    pub at_risk: bool,
    /// Where its label goes: `start` (to its right) or `end` (to its left).
    pub anchor: &'static str,
}

impl Node {
    /// The CSS class of its kind.
    pub(crate) fn class(&self) -> &'static str {
        match self.kind {
            NodeKind::Team => "team",
            NodeKind::Interface => "interface",
            NodeKind::Focus => "focus",
        }
    }

    /// Where its label starts, beside the node.
    pub(crate) fn label_x(&self) -> i32 {
        if self.anchor == "end" {
            self.x - 12
        } else {
            self.x + 12
        }
    }
}

/// An arrow between two placed nodes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Line {
    pub x1: i32,
    pub y1: i32,
    pub x2: i32,
    pub y2: i32,
    pub at_risk: bool,
}

/// A graph laid out.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Drawing {
    pub width: i32,
    pub height: i32,
    pub nodes: Vec<Node>,
    pub lines: Vec<Line>,
    /// Nodes that did not fit and are not drawn.
    pub left_out: usize,
}

fn cut(label: &str) -> String {
    if label.chars().count() <= MAX_LABEL {
        return label.to_owned();
    }
    let mut out: String = label.chars().take(MAX_LABEL - 1).collect();
    out.push('…');
    out
}

fn team_href(team: &str) -> String {
    format!("/ui/graph?team={}", url_part(team))
}

fn interface_href(interface: &str) -> String {
    format!("/ui/interfaces/{}", url_part(interface))
}

fn url_part(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Every team on a circle; an arrow from a producing team to each team
/// consuming one of its interfaces (a team's use of its own interfaces is
/// not drawn), at risk when one of the edges it stands for is.
pub(crate) fn overview(edges: &[Edge]) -> Drawing {
    let mut teams = BTreeSet::new();
    let mut pairs: BTreeMap<(&str, &str), bool> = BTreeMap::new();
    let mut at_risk = BTreeSet::new();
    for e in edges {
        teams.insert(e.producer.as_str());
        teams.insert(e.consumer.as_str());
        if e.producer == e.consumer {
            continue;
        }
        let risky = pairs
            .entry((e.producer.as_str(), e.consumer.as_str()))
            .or_default();
        if e.risk.is_some() {
            *risky = true;
            at_risk.insert(e.consumer.as_str());
        }
    }
    let left_out = teams.len().saturating_sub(MAX_TEAMS);
    let drawn: Vec<&str> = teams.into_iter().take(MAX_TEAMS).collect();
    let n = drawn.len();
    // Room on the circle for a label every 14 pixels, at least a small
    // circle; labels stick out by up to MAX_LABEL characters.
    let radius = (n as i32 * 14).max(120);
    let half = radius + MARGIN + 200;
    let mut at = BTreeMap::new();
    let mut nodes = Vec::with_capacity(n);
    for (i, team) in drawn.iter().enumerate() {
        let angle =
            std::f64::consts::TAU * i as f64 / n.max(1) as f64 - std::f64::consts::FRAC_PI_2;
        let x = half + (f64::from(radius) * angle.cos()).round() as i32;
        let y = half + (f64::from(radius) * angle.sin()).round() as i32;
        at.insert(*team, (x, y));
        nodes.push(Node {
            x,
            y,
            label: cut(team),
            name: (*team).to_owned(),
            href: team_href(team),
            kind: NodeKind::Team,
            at_risk: at_risk.contains(team),
            anchor: if x < half { "end" } else { "start" },
        });
    }
    let lines = pairs
        .into_iter()
        .filter_map(|((from, to), risky)| {
            let (x1, y1) = *at.get(from)?;
            let (x2, y2) = *at.get(to)?;
            Some(Line {
                x1,
                y1,
                x2,
                y2,
                at_risk: risky,
            })
        })
        .collect();
    Drawing {
        width: 2 * half,
        height: 2 * half,
        nodes,
        lines,
        left_out,
    }
}

/// The view of `team`: who produces what it consumes, what it consumes,
/// itself, what it produces (`owned`: every interface it owns, consumed
/// or not) and who consumes that.
pub(crate) fn team_view(team: &str, owned: &[String], edges: &[Edge]) -> Drawing {
    // Column contents: name → at risk.
    let mut producers: BTreeMap<&str, bool> = BTreeMap::new();
    let mut consumed: BTreeMap<&str, bool> = BTreeMap::new();
    let mut produced: BTreeMap<&str, bool> = owned.iter().map(|i| (i.as_str(), false)).collect();
    let mut consumers: BTreeMap<&str, bool> = BTreeMap::new();
    let mut focus_at_risk = false;
    for e in edges.iter().filter(|e| e.producer != e.consumer) {
        let risky = e.risk.is_some();
        if e.consumer == team {
            producers.entry(&e.producer).or_default();
            *consumed.entry(&e.interface).or_default() |= risky;
            focus_at_risk |= risky;
        }
        if e.producer == team {
            *produced.entry(&e.interface).or_default() |= risky;
            *consumers.entry(&e.consumer).or_default() |= risky;
        }
    }
    let columns: [(&BTreeMap<&str, bool>, NodeKind); 4] = [
        (&producers, NodeKind::Team),
        (&consumed, NodeKind::Interface),
        (&produced, NodeKind::Interface),
        (&consumers, NodeKind::Team),
    ];
    let tallest = columns
        .iter()
        .map(|(c, _)| c.len().min(MAX_COLUMN))
        .max()
        .unwrap_or(0)
        .max(1) as i32;
    let height = tallest * ROW + 2 * MARGIN;
    let mut drawing = Drawing {
        width: 4 * COLUMN + 2 * MARGIN + 200,
        height,
        ..Drawing::default()
    };
    let focus = (MARGIN + 100 + 2 * COLUMN, height / 2);
    drawing.nodes.push(Node {
        x: focus.0,
        y: focus.1,
        label: cut(team),
        name: team.to_owned(),
        href: team_href(team),
        kind: NodeKind::Focus,
        at_risk: focus_at_risk,
        anchor: "start",
    });
    let mut placed: [BTreeMap<&str, (i32, i32)>; 4] = Default::default();
    for (c, (column, kind)) in columns.iter().enumerate() {
        let slot = if c < 2 { c } else { c + 1 };
        let x = MARGIN + 100 + slot as i32 * COLUMN;
        let top = (height - column.len().min(MAX_COLUMN) as i32 * ROW) / 2 + ROW / 2;
        drawing.left_out += column.len().saturating_sub(MAX_COLUMN);
        for (i, (name, risky)) in column.iter().take(MAX_COLUMN).enumerate() {
            let y = top + i as i32 * ROW;
            placed[c].insert(name, (x, y));
            drawing.nodes.push(Node {
                x,
                y,
                label: cut(name),
                name: (*name).to_owned(),
                href: match kind {
                    NodeKind::Interface => interface_href(name),
                    _ => team_href(name),
                },
                kind: *kind,
                at_risk: *risky,
                anchor: if c < 2 { "end" } else { "start" },
            });
        }
    }
    let mut line = |from: Option<&(i32, i32)>, to: Option<&(i32, i32)>, at_risk: bool| {
        if let (Some(&(x1, y1)), Some(&(x2, y2))) = (from, to) {
            let l = Line {
                x1,
                y1,
                x2,
                y2,
                at_risk,
            };
            if !drawing.lines.contains(&l) {
                drawing.lines.push(l);
            }
        }
    };
    for e in edges.iter().filter(|e| e.producer != e.consumer) {
        let risky = e.risk.is_some();
        if e.consumer == team {
            line(
                placed[0].get(e.producer.as_str()),
                placed[1].get(e.interface.as_str()),
                false,
            );
            line(placed[1].get(e.interface.as_str()), Some(&focus), risky);
        }
        if e.producer == team {
            line(Some(&focus), placed[2].get(e.interface.as_str()), false);
            line(
                placed[2].get(e.interface.as_str()),
                placed[3].get(e.consumer.as_str()),
                risky,
            );
        }
    }
    for i in owned {
        line(Some(&focus), placed[2].get(i.as_str()), false);
    }
    drawing
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edge(producer: &str, interface: &str, consumer: &str, risk: bool) -> Edge {
        Edge {
            producer: producer.into(),
            interface: interface.into(),
            consumer: consumer.into(),
            risk: risk.then(|| "cp-1 awaits approval".into()),
        }
    }

    fn edges() -> Vec<Edge> {
        vec![
            edge("catalog", "catalog-api", "checkout", true),
            edge("catalog", "catalog-api", "search", false),
            edge("payments", "payments-api", "checkout", false),
            edge("catalog", "catalog-api", "catalog", false),
        ]
    }

    #[test]
    fn the_overview_draws_each_team_once_and_each_pair_once() {
        let d = overview(&edges());
        let names: Vec<&str> = d.nodes.iter().map(|n| n.name.as_str()).collect();
        assert_eq!(names, ["catalog", "checkout", "payments", "search"]);
        // catalog→checkout, catalog→search, payments→checkout; not
        // catalog→catalog.
        assert_eq!(d.lines.len(), 3);
        assert_eq!(d.lines.iter().filter(|l| l.at_risk).count(), 1);
        let risky: Vec<&str> = d
            .nodes
            .iter()
            .filter(|n| n.at_risk)
            .map(|n| n.name.as_str())
            .collect();
        assert_eq!(risky, ["checkout"]);
        for n in &d.nodes {
            assert!(
                n.x > 0 && n.x < d.width && n.y > 0 && n.y < d.height,
                "{n:?}"
            );
        }
        assert_eq!(d, overview(&edges()), "the same edges, the same drawing");
    }

    #[test]
    fn a_team_view_has_five_columns_in_flow_order() -> Result<(), String> {
        let owned = vec!["checkout-api".to_owned()];
        let d = team_view("checkout", &owned, &edges());
        let at = |name: &str| {
            d.nodes
                .iter()
                .find(|n| n.name == name)
                .map(|n| (n.x, n.kind, n.at_risk))
                .ok_or(format!("{name} not drawn"))
        };
        let (producer_x, _, _) = at("catalog")?;
        let (consumed_x, kind, risky) = at("catalog-api")?;
        assert_eq!(kind, NodeKind::Interface);
        assert!(risky, "catalog-api has a breaking change touching checkout");
        let (focus_x, kind, focus_risky) = at("checkout")?;
        assert_eq!(kind, NodeKind::Focus);
        assert!(focus_risky);
        let (owned_x, _, owned_risky) = at("checkout-api")?;
        assert!(!owned_risky);
        assert!(producer_x < consumed_x && consumed_x < focus_x && focus_x < owned_x);
        // search does not touch checkout.
        assert!(at("search").is_err());
        // catalog→catalog-api, catalog-api→checkout (at risk),
        // payments→payments-api, payments-api→checkout, checkout→checkout-api.
        assert_eq!(d.lines.len(), 5, "{:?}", d.lines);
        assert_eq!(d.lines.iter().filter(|l| l.at_risk).count(), 1);
        Ok(())
    }

    #[test]
    fn long_labels_are_cut_and_columns_capped() {
        let name = "a".repeat(40);
        assert_eq!(cut(&name).chars().count(), MAX_LABEL);
        let many: Vec<Edge> = (0..MAX_COLUMN + 5)
            .map(|i| edge("big", &format!("api-{i:03}"), "small", false))
            .collect();
        let d = team_view("small", &[], &many);
        assert_eq!(d.left_out, 5);
        assert_eq!(
            d.nodes
                .iter()
                .filter(|n| n.kind == NodeKind::Interface)
                .count(),
            MAX_COLUMN
        );
    }
}
