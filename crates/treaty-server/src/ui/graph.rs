//! The dependency graph (`/ui/graph`, `/ui/graph?team=`): teams and the
//! interfaces between them, drawn as SVG on the server (laid out by
//! `graph_layout`), with what is at risk marked by a sign and a word as
//! well as a colour: an interface with an open breaking-change proposal,
//! and the consumer teams that proposal touches. Every edge is also listed
//! in a table, the drawing's text equivalent.

use std::collections::{BTreeMap, HashMap};

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;
use treaty_store::{MAX_PROPOSAL_PAGE, ProposalFilter};

use super::graph_layout::{self, Drawing, Edge};
use super::pages::{Nav, UiError, render};
use super::session::Visitor;
use crate::AppState;
use crate::api::{Impact, check_id};

/// Interfaces read, at most.
const MAX_INTERFACES: usize = 10_000;
/// Consumer edges read, at most.
const MAX_EDGES: i64 = 50_000;
/// Rows of the edge table, at most.
const MAX_ROWS: usize = 500;

/// What `/ui/graph` accepts.
#[derive(Debug, Deserialize)]
pub(crate) struct GraphQuery {
    /// The team whose view to draw; none: every team.
    #[serde(default)]
    team: Option<String>,
}

#[derive(Template)]
#[template(path = "ui/graph.html")]
struct GraphPage {
    nav: Nav,
    team: Option<String>,
    drawing: Drawing,
    /// The edges drawn, as rows: producer, interface, consumer, risk.
    rows: Vec<Edge>,
    /// Edges not listed.
    rows_left_out: usize,
    at_risk: usize,
}

/// `GET /ui/graph?team=`.
pub(crate) async fn graph(
    State(state): State<AppState>,
    visitor: Visitor,
    Query(q): Query<GraphQuery>,
) -> Result<Response, UiError> {
    visitor.may_read(&state)?;
    let team = q.team.filter(|t| !t.is_empty());
    if let Some(t) = &team {
        check_id("team", t, false)?;
        if !state.store.team_exists(t).await? {
            return Err(UiError::NotFound(format!("team `{t}` does not exist")));
        }
    }
    let (owners, edges) = edges(&state).await?;
    let (drawing, mut rows) = match &team {
        None => (graph_layout::overview(&edges), edges),
        Some(t) => {
            let owned: Vec<String> = owners
                .iter()
                .filter(|(_, owner)| *owner == t)
                .map(|(i, _)| i.clone())
                .collect();
            let drawing = graph_layout::team_view(t, &owned, &edges);
            let rows = edges
                .into_iter()
                .filter(|e| &e.producer == t || &e.consumer == t)
                .collect();
            (drawing, rows)
        }
    };
    // At risk first: what a reader looks for.
    rows.sort_by_key(|e| e.risk.is_none());
    let at_risk = rows.iter().filter(|e| e.risk.is_some()).count();
    let rows_left_out = rows.len().saturating_sub(MAX_ROWS);
    rows.truncate(MAX_ROWS);
    Ok(render(&GraphPage {
        nav: visitor.nav("graph"),
        team,
        drawing,
        rows,
        rows_left_out,
        at_risk,
    }))
}

/// Each interface's owning team, and every (producer team, interface,
/// consumer team) edge with the open breaking proposals that touch it.
async fn edges(state: &AppState) -> Result<(BTreeMap<String, String>, Vec<Edge>), UiError> {
    let mut owners = BTreeMap::new();
    let mut after = String::new();
    loop {
        let page = state.store.interfaces(&after, 1_000).await?;
        let Some(last) = page.last() else { break };
        after = last.interface.id.clone();
        for i in page {
            owners.insert(i.interface.id, i.team);
        }
        if owners.len() >= MAX_INTERFACES {
            break;
        }
    }
    // Open breaking proposals, by interface: (id, title, consumer teams).
    let mut risks: HashMap<String, Vec<(String, String, Vec<String>)>> = HashMap::new();
    let filter = ProposalFilter {
        kind: Some("breaking"),
        state: Some("open"),
        ..ProposalFilter::default()
    };
    for p in state
        .store
        .proposals_where(filter, None, MAX_PROPOSAL_PAGE)
        .await?
    {
        // A stored impact that does not read as one touches no one known.
        let impact: Impact = serde_json::from_value(p.proposal.impact.clone()).unwrap_or_default();
        risks
            .entry(p.proposal.interface.clone())
            .or_default()
            .push((p.id, p.proposal.title, impact.consumers));
    }
    let mut seen = std::collections::BTreeSet::new();
    let mut edges = Vec::new();
    for c in state.store.consuming_teams(MAX_EDGES).await? {
        let Some(producer) = owners.get(&c.interface) else {
            continue;
        };
        // One edge per team, however many of its components consume.
        if !seen.insert((c.interface.clone(), c.team.clone())) {
            continue;
        }
        let risk = risks.get(&c.interface).and_then(|ps| {
            let why: Vec<String> = ps
                .iter()
                .filter(|(_, _, teams)| teams.contains(&c.team))
                .map(|(id, title, _)| format!("{id} awaits approval: {title}"))
                .collect();
            (!why.is_empty()).then(|| why.join("; "))
        });
        edges.push(Edge {
            producer: producer.clone(),
            interface: c.interface,
            consumer: c.team,
            risk,
        });
    }
    Ok((owners, edges))
}
