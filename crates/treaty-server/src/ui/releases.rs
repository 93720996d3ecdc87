//! The release board: `/ui/releases` lists the trains published to the
//! broker, and `/ui/releases/{id}?environment=` shows one train's gate for
//! an environment: every scope item with its owner, where it stands, its
//! risk level and the reasons in words, its criteria met or not, and the
//! gate's verdict with every reason. The verdict is the one
//! `GET /api/v1/trains/{id}/gate` answers (`routes::trains::gate::decision`)
//! and the risk `treaty_core::risk`'s: this only lays them out.

use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use treaty_core::gate::{GateDecision, ItemState, Reason, Weight};
use treaty_core::risk::RiskLevel;

use super::pages::{Nav, UiError, render, when};
use super::session::Visitor;
use crate::AppState;
use crate::routes::trains::gate;

/// Trains listed on one page.
const TRAINS_PER_PAGE: i64 = 200;
/// Environments offered, at most.
const MAX_ENVIRONMENTS: i64 = 100;

/// One train in the list.
#[derive(Debug)]
struct TrainRow {
    id: String,
    revision: i64,
    published_by: String,
    published: String,
}

#[derive(Template)]
#[template(path = "ui/releases.html")]
struct ReleasesPage {
    nav: Nav,
    trains: Vec<TrainRow>,
    environments: Vec<String>,
    next: Option<String>,
}

/// `GET /ui/releases?after=`: the trains by id, a page at a time.
pub(crate) async fn releases(
    State(state): State<AppState>,
    visitor: Visitor,
    RawQuery(query): RawQuery,
) -> Result<Response, UiError> {
    visitor.may_read(&state)?;
    let mut after = String::new();
    for (k, v) in url::form_urlencoded::parse(query.as_deref().unwrap_or("").as_bytes()) {
        match &*k {
            "after" => after = v.into_owned(),
            other => {
                return Err(UiError::BadRequest(format!(
                    "unknown query parameter `{other}`: expected after"
                )));
            }
        }
    }
    let mut rows = state.store.trains(&after, TRAINS_PER_PAGE + 1).await?;
    let next = (rows.len() as i64 > TRAINS_PER_PAGE).then(|| {
        rows.truncate(TRAINS_PER_PAGE as usize);
        rows.last().map(|r| r.train.clone()).unwrap_or_default()
    });
    let environments = state.store.environments("", MAX_ENVIRONMENTS).await?;
    let page = ReleasesPage {
        nav: visitor.nav("releases"),
        trains: rows
            .into_iter()
            .map(|r| TrainRow {
                id: r.train,
                revision: r.revision,
                published_by: r.published_by,
                published: when(r.published_at),
            })
            .collect(),
        environments,
        next,
    };
    Ok(render(&page))
}

/// A risk level as shown: a sign and the word, never a colour alone.
#[derive(Debug)]
struct Risk {
    /// `low`, `medium`, `high`, `critical` (also the CSS class).
    level: &'static str,
    /// The sign beside the word.
    sign: &'static str,
    reasons: Vec<String>,
}

fn risk_of(level: RiskLevel, reasons: Vec<String>) -> Risk {
    let sign = match level {
        RiskLevel::Low => "✓",
        RiskLevel::Medium => "●",
        RiskLevel::High => "▲",
        RiskLevel::Critical => "✗",
    };
    Risk {
        level: level.as_str(),
        sign,
        reasons,
    }
}

/// One criterion as shown.
#[derive(Debug)]
struct CriterionRow {
    id: String,
    met: bool,
    detail: String,
}

/// One scope item as shown.
#[derive(Debug)]
struct ItemRow {
    id: String,
    owner: String,
    essential: bool,
    /// `live`, `dark behind FLAG`, `dropped`, `missing`.
    state: String,
    /// Whether it ships as it is (live) or holds something back.
    live: bool,
    /// Whether it stops the release.
    stops: bool,
    risk: Option<Risk>,
    criteria: Vec<CriterionRow>,
    held_by: Vec<String>,
}

/// One reason of the verdict as shown.
#[derive(Debug)]
struct ReasonRow {
    /// `blocking`, `warning`, `info` (also the CSS class).
    weight: &'static str,
    sign: &'static str,
    code: &'static str,
    subject: String,
    message: String,
}

fn reason_row(r: &Reason) -> ReasonRow {
    let (weight, sign) = match r.weight {
        Weight::Blocking => ("blocking", "✗"),
        Weight::Warning => ("warning", "!"),
        Weight::Info => ("info", "i"),
    };
    ReasonRow {
        weight,
        sign,
        code: r.code,
        subject: r.subject.clone(),
        message: r.message.clone(),
    }
}

/// The verdict as shown.
#[derive(Debug)]
struct VerdictView {
    go: bool,
    decided: String,
    overridden_by: Option<String>,
    items: Vec<ItemRow>,
    reasons: Vec<ReasonRow>,
}

/// An escalation step the broker sent for the train.
#[derive(Debug)]
struct EscalationRow {
    due: String,
    sent: String,
    rule: String,
    key: String,
    to: String,
    message: String,
}

/// An open blocker of the train, and for how long it has blocked.
#[derive(Debug)]
struct BlockerRow {
    id: String,
    title: String,
    severity: String,
    item: Option<String>,
    team: String,
    assignee: Option<String>,
    tracker: Option<String>,
    raised: String,
    /// How long it has been open, in words (`3 days, 4 hours`).
    open_for: String,
    deadline: Option<String>,
    overdue: bool,
}

/// A span of milliseconds in days and hours, or minutes when shorter.
fn span(ms: i64) -> String {
    let minutes = ms.max(0) / 60_000;
    let (days, hours) = (minutes / 1_440, minutes % 1_440 / 60);
    match (days, hours) {
        (0, 0) => format!("{minutes} minute(s)"),
        (0, h) => format!("{h} hour(s)"),
        (d, 0) => format!("{d} day(s)"),
        (d, h) => format!("{d} day(s), {h} hour(s)"),
    }
}

/// Escalation steps shown on a board, at most: the newest.
const MAX_ESCALATIONS: usize = 100;

#[derive(Template)]
#[template(path = "ui/release.html")]
struct ReleasePage {
    nav: Nav,
    id: String,
    environments: Vec<String>,
    environment: Option<String>,
    /// The query minus `environment` (`ship`, `now`), kept by the form.
    kept: Vec<(String, String)>,
    verdict: Option<VerdictView>,
    /// Scope items and owners, when no environment is chosen yet.
    scope: Vec<(String, String)>,
    /// The train's open blockers, oldest first.
    blockers: Vec<BlockerRow>,
    /// The escalation steps sent for the train, newest first.
    escalations: Vec<EscalationRow>,
    /// Whether older steps were sent than those shown.
    escalations_more: bool,
}

/// `GET /ui/releases/{id}?environment=&ship=COMPONENT=VERSION`: the
/// board of train `id` shipping to `environment`, as the gate decides it.
/// Without `environment`, the scope and a choice of environments.
pub(crate) async fn release(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, UiError> {
    visitor.may_read(&state)?;
    let query = query.unwrap_or_default();
    let mut environment = None;
    let mut kept = Vec::new();
    for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
        if k == "environment" {
            environment = Some(v.into_owned());
        } else {
            kept.push((k.into_owned(), v.into_owned()));
        }
    }
    // An empty choice is no choice.
    let environment = environment.filter(|e| !e.is_empty());
    let environments = state.store.environments("", MAX_ENVIRONMENTS).await?;
    let (verdict, scope) = match &environment {
        Some(_) => {
            let decided = gate::decision(&state, &id, &query).await?;
            (Some(view(&decided)), Vec::new())
        }
        None => {
            crate::api::check_id("id", &id, false)?;
            let train = state.store.train(&id).await?.ok_or_else(|| {
                UiError::NotFound(format!("release train `{id}` was never published"))
            })?;
            let content = crate::api::TrainContent::read(&train.content, usize::MAX)
                .map_err(|e| crate::error::ApiError::Internal(format!("train `{id}`: {e}")))?;
            let scope = content
                .release
                .scope
                .iter()
                .map(|i| {
                    let owner = i.owner.as_ref().map(|o| o.value.clone());
                    (i.id.value.clone(), owner.unwrap_or_default())
                })
                .collect();
            (None, scope)
        }
    };
    let now = state
        .config
        .clock
        .now_ms()
        .map_err(crate::error::ApiError::from)?;
    let blockers = state
        .store
        .open_blockers(&id)
        .await?
        .into_iter()
        .map(|b| {
            let s = b.blocker.state;
            BlockerRow {
                id: b.id,
                title: b.blocker.title,
                severity: s.severity,
                item: b.blocker.item,
                team: b.blocker.team,
                assignee: s.assignee_handle.or(s.assignee_team),
                // Linked only when it is a web address: a `javascript:`
                // link would be markup the page runs.
                tracker: s
                    .tracker
                    .filter(|t| t.starts_with("https://") || t.starts_with("http://")),
                raised: when(b.raised_at),
                open_for: span(now - b.raised_at),
                deadline: s.deadline.map(when),
                overdue: s.deadline.is_some_and(|d| d < now),
            }
        })
        .collect();
    // The newest, and one more to know whether older ones are left out.
    let mut steps = state
        .store
        .latest_escalation_steps(&id, MAX_ESCALATIONS as i64 + 1)
        .await?;
    let escalations_more = steps.len() > MAX_ESCALATIONS;
    steps.truncate(MAX_ESCALATIONS);
    let escalations = steps
        .into_iter()
        .map(|r| EscalationRow {
            due: when(r.step.due_at),
            sent: when(r.sent_at),
            rule: r.step.rule.replace('_', " "),
            key: r.step.key,
            to: r.step.to,
            message: r.step.message,
        })
        .collect();
    let page = ReleasePage {
        nav: visitor.nav("releases"),
        id,
        environments,
        environment,
        kept,
        verdict,
        scope,
        blockers,
        escalations,
        escalations_more,
    };
    Ok(render(&page))
}

fn view(decided: &gate::Decided) -> VerdictView {
    let v = &decided.verdict;
    let items = v
        .items
        .iter()
        .map(|item| {
            let (state, live, stops) = match &item.state {
                ItemState::Live => ("live".to_owned(), true, false),
                ItemState::Dark { flag } => (format!("dark behind `{flag}`"), false, false),
                ItemState::Dropped => ("dropped".to_owned(), false, false),
                ItemState::Missing => ("missing".to_owned(), false, true),
            };
            let risk = decided
                .risks
                .iter()
                .find(|r| r.item == item.id)
                .map(|r| risk_of(r.level, r.reasons.clone()));
            ItemRow {
                id: item.id.clone(),
                owner: item.owner.clone(),
                essential: item.essential,
                state,
                live,
                stops,
                risk,
                criteria: item
                    .criteria
                    .iter()
                    .map(|c| CriterionRow {
                        id: c.id.clone(),
                        met: c.met,
                        detail: c.detail.clone(),
                    })
                    .collect(),
                held_by: item.held_by.clone(),
            }
        })
        .collect();
    VerdictView {
        go: v.decision == GateDecision::Go,
        decided: v.decided_at.strftime("%Y-%m-%d %H:%M UTC").to_string(),
        overridden_by: v.overridden_by.clone(),
        items,
        reasons: v.reasons.iter().map(reason_row).collect(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn spans_read_in_days_and_hours() {
        assert_eq!(super::span(5 * 60_000), "5 minute(s)");
        assert_eq!(super::span(3 * 3_600_000 + 60_000), "3 hour(s)");
        assert_eq!(super::span(2 * 86_400_000), "2 day(s)");
        assert_eq!(
            super::span(86_400_000 + 4 * 3_600_000),
            "1 day(s), 4 hour(s)"
        );
        assert_eq!(super::span(-1), "0 minute(s)");
    }
}
