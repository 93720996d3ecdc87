//! Change proposals and waivers: `/ui/proposals` lists them (newest first,
//! filtered by state), `/ui/proposals/{id}` shows one: its impact, its
//! changes, who must approve and who decided what, and the diff (old and
//! new side by side at the changed lines, `proposal_diff`). A signed-in
//! team whose approval is required gets Approve and Reject forms, posted
//! to `/ui/proposals/{id}/decisions`, which decide through the same code
//! as `POST /api/v1/proposals/{id}/decisions`
//! (`routes::proposals::decide_as`): the same rules, the same decision
//! log entry.

use askama::Template;
use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use treaty_core::model::ProposalState;
use treaty_store::{MAX_PROPOSAL_PAGE, ProposalFilter};

use super::forms;
use super::pages::{Nav, UiError, render, when};
use super::proposal_diff::{self, ProposalDiff};
use super::security::{same, same_origin};
use super::session::Visitor;
use crate::AppState;
use crate::api::{self, NewProposalDecision, RequiredApproval, check_id};
use crate::routes::proposals::{decide_as, page_cursor, wire};

/// Proposals listed on one page.
const PROPOSALS_PER_PAGE: i64 = 50;
/// The states a proposal may be in, for the filter.
const STATES: &[&str] = &[
    "draft",
    "open",
    "approved",
    "rejected",
    "withdrawn",
    "shipped",
    "rolled_back",
];

/// One proposal in the list.
#[derive(Debug)]
struct ProposalRow {
    id: String,
    kind: String,
    interface: String,
    title: String,
    state: String,
    proposer: String,
    created: String,
    missing: Vec<String>,
}

#[derive(Template)]
#[template(path = "ui/proposals.html")]
struct ProposalsPage {
    nav: Nav,
    states: &'static [&'static str],
    state: String,
    proposals: Vec<ProposalRow>,
    next: Option<String>,
}

/// `GET /ui/proposals?state=&after=`: proposals and waivers, newest first.
pub(crate) async fn proposals(
    State(state): State<AppState>,
    visitor: Visitor,
    RawQuery(query): RawQuery,
) -> Result<Response, UiError> {
    visitor.may_read(&state)?;
    let (mut wanted, mut after) = (String::new(), None);
    for (k, v) in url::form_urlencoded::parse(query.as_deref().unwrap_or("").as_bytes()) {
        match &*k {
            "state" => wanted = v.into_owned(),
            "after" => after = Some(v.into_owned()),
            other => {
                return Err(UiError::BadRequest(format!(
                    "unknown query parameter `{other}`: expected state or after"
                )));
            }
        }
    }
    if !wanted.is_empty() && ProposalState::parse(&wanted).is_none() {
        return Err(UiError::BadRequest(format!(
            "unknown state `{wanted}`: expected one of {}",
            STATES.join(", ")
        )));
    }
    let after = after.as_deref().map(page_cursor).transpose()?;
    let filter = ProposalFilter {
        state: (!wanted.is_empty()).then_some(wanted.as_str()),
        ..ProposalFilter::default()
    };
    let limit = PROPOSALS_PER_PAGE.min(MAX_PROPOSAL_PAGE);
    let records = state
        .store
        .proposals_where(filter, after, limit + 1)
        .await?;
    let more = records.len() as i64 > limit;
    let mut rows = Vec::new();
    let mut next = None;
    for r in records.iter().take(limit as usize) {
        let p = wire(r)?;
        if more {
            next = Some(format!("{}.{}", r.created_at, r.id));
        }
        rows.push(ProposalRow {
            id: p.id,
            kind: p.kind,
            interface: p.interface,
            title: p.title,
            state: p.state,
            proposer: p.proposer,
            created: when(p.created_at),
            missing: p.missing,
        });
    }
    let page = ProposalsPage {
        nav: visitor.nav("proposals"),
        states: STATES,
        state: wanted,
        proposals: rows,
        next,
    };
    Ok(render(&page))
}

/// One decision as shown.
#[derive(Debug)]
struct DecisionRow {
    team: String,
    approve: bool,
    reason: String,
    at: String,
    /// Taken on the current change set (earlier ones no longer count).
    current: bool,
    log_index: i64,
}

/// One requirement as shown.
#[derive(Debug)]
struct RequirementRow {
    what: String,
}

#[derive(Template)]
#[template(path = "ui/proposal.html")]
struct ProposalPage {
    nav: Nav,
    p: api::Proposal,
    created: String,
    required: Vec<RequirementRow>,
    decisions: Vec<DecisionRow>,
    transitions: Vec<(String, String)>,
    diff: Option<ProposalDiff>,
    /// The visitor's team may decide now: the forms are shown.
    may_decide: bool,
    /// Why the visitor gets no forms, when signed in.
    no_forms: Option<String>,
}

/// The teams whose approval `required` asks for.
fn required_teams(required: &[RequiredApproval]) -> Vec<&str> {
    required
        .iter()
        .flat_map(|r| match r {
            RequiredApproval::Team { team, .. } => vec![team.as_str()],
            RequiredApproval::Quorum { of, .. } => of.iter().map(String::as_str).collect(),
        })
        .collect()
}

/// `GET /ui/proposals/{id}`.
pub(crate) async fn proposal(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Result<Response, UiError> {
    visitor.may_read(&state)?;
    check_id("id", &id, false)?;
    let record = state
        .store
        .proposal(&id)
        .await?
        .ok_or_else(|| UiError::NotFound(format!("proposal `{id}` does not exist")))?;
    let p = wire(&record)?;
    let diff = if p.kind == "waiver" {
        None
    } else {
        proposal_diff::find(&state, &p.interface, &p.change_set, &p.changes).await?
    };
    let decidable = matches!(p.state.as_str(), "open" | "approved" | "rejected");
    let (may_decide, no_forms) = match visitor.team() {
        None => (false, None),
        Some(team) if !required_teams(&p.required).contains(&team.as_str()) => (
            false,
            Some(format!("team {team}'s approval is not asked for on {id}")),
        ),
        Some(_) if !decidable => (
            false,
            Some(format!(
                "{id} is {}: decisions are taken on open proposals",
                p.state
            )),
        ),
        Some(_) => (true, None),
    };
    let required = p
        .required
        .iter()
        .map(|r| RequirementRow {
            what: match r {
                RequiredApproval::Team { team, role } => {
                    format!("team {team} ({})", role.replace('_', " "))
                }
                RequiredApproval::Quorum { of, needed, freeze } => format!(
                    "{needed} of {}{}",
                    of.join(", "),
                    freeze
                        .as_ref()
                        .map(|f| format!(" (freeze {f})"))
                        .unwrap_or_default()
                ),
            },
        })
        .collect();
    let decisions = p
        .decisions
        .iter()
        .map(|d| DecisionRow {
            team: d.team.clone(),
            approve: d.decision == "approve",
            reason: d.reason.clone(),
            at: when(d.at),
            current: d.change_set == p.change_set,
            log_index: d.log_index,
        })
        .collect();
    let transitions = p
        .transitions
        .iter()
        .map(|t| (when(t.at), format!("{} → {}: {}", t.from, t.to, t.reason)))
        .collect();
    let page = ProposalPage {
        nav: visitor.nav("proposals"),
        created: when(p.created_at),
        required,
        decisions,
        transitions,
        diff,
        may_decide,
        no_forms,
        p,
    };
    Ok(render(&page))
}

/// `POST /ui/proposals/{id}/decisions`: the signed-in team approves or
/// rejects, with a reason, on the change set the page showed. The form's
/// CSRF token must be the session's; the decision is the API's.
pub(crate) async fn decide(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, UiError> {
    same_origin(&headers)?;
    let form = forms::read(body).await?;
    let (Some(principal), Some(expected)) = (visitor.principal.as_ref(), visitor.csrf()) else {
        return Err(UiError::Forbidden(
            "sign in to approve or reject a proposal".into(),
        ));
    };
    let field = |name: &str| form.get(name).map(String::as_str).unwrap_or("");
    if !same(field("csrf"), &expected) {
        return Err(UiError::Forbidden(
            "the decision form's CSRF token is missing or wrong: reload the page and try again"
                .into(),
        ));
    }
    let decision = field("decision");
    if decision != "approve" && decision != "reject" {
        return Err(UiError::BadRequest(
            "the form's `decision` must be approve or reject".into(),
        ));
    }
    if field("reason").trim().is_empty() {
        return Err(UiError::BadRequest(
            "give a reason for the decision: it goes into the decision log".into(),
        ));
    }
    let body = NewProposalDecision {
        team: None,
        decision: decision.to_owned(),
        change_set: field("change_set").to_owned(),
        reason: field("reason").trim().to_owned(),
    };
    decide_as(&state, principal, id.clone(), body).await?;
    Ok(Redirect::to(&format!("/ui/proposals/{}", urlencoding(&id))).into_response())
}

/// `id` as a path segment (ids are checked, but never trusted in a URL).
fn urlencoding(id: &str) -> String {
    url::form_urlencoded::byte_serialize(id.as_bytes()).collect()
}
