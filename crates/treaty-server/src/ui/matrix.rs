//! The can-i-release matrix (`/ui/matrix?environment=`): for every
//! component version in an environment (deployed there, or released there
//! and still supported), the broker's can-i-release verdict, and every
//! consumer and provider pair those verdicts judged, with the outcome in
//! a word and the reason in words. The judging is
//! `crate::release::can_i_release`'s, as for `/api/v1/can-i-release` and
//! the Pact Broker's `/matrix`; this only lays the answers out.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;
use treaty_core::release::{Gap, Judged, Outcome, Verdict};

use super::pages::{Nav, UiError, render};
use super::session::Visitor;
use crate::api::check_id;
use crate::error::ApiError;
use crate::{AppState, release};

/// Components on one page of the matrix, at most: each version of each is
/// a can-i-release question, so a page of the benchmark's 1,000
/// components would take a second; the page links to the next.
const PAGE: usize = 100;
/// Component versions asked about on one page, at most (a component can
/// have many supported releases).
const MAX_VERSIONS: usize = 500;
/// Verdicts computed at once: the store's readers and the comparisons
/// overlap, and the comparisons are bounded by `AppState::comparisons`.
const AT_ONCE: usize = 4;
/// Environments offered, at most.
const MAX_ENVIRONMENTS: i64 = 100;

/// What `/ui/matrix` accepts.
#[derive(Debug, Deserialize)]
pub(crate) struct MatrixQuery {
    #[serde(default)]
    environment: Option<String>,
    /// The last component of the previous page.
    #[serde(default)]
    after: Option<String>,
}

/// One judged pair, as shown.
#[derive(Debug)]
struct PairRow {
    interface: String,
    consumer: String,
    consumer_version: String,
    producer: String,
    producer_version: String,
    /// `verified`, `compatible`, or what blocks.
    status: &'static str,
    /// Whether the pair stops a release.
    blocks: bool,
    reason: String,
}

/// One component version's verdict.
#[derive(Debug)]
struct VerdictRow {
    component: String,
    version: String,
    release: bool,
    reasons: Vec<String>,
}

/// The outcome of a pair in a word, and why, in words.
fn describe(j: &Judged) -> (&'static str, String) {
    let p = &j.pair;
    match &j.outcome {
        Outcome::Verified { verification } => (
            "verified",
            format!("verification {verification} of this pair succeeded"),
        ),
        Outcome::Compatible => (
            "compatible",
            format!(
                "no breaking change since {} touches what {} uses",
                p.built_against, p.consumer
            ),
        ),
        Outcome::VerificationFailed { verification } => (
            "verification failed",
            format!("the latest verification of this pair, {verification}, failed"),
        ),
        Outcome::BreakingChanges { changes } => (
            "breaking",
            changes
                .iter()
                .map(|c| format!("[{}] {}", c.rule, c.message))
                .collect::<Vec<_>>()
                .join("; "),
        ),
        Outcome::InteractionsBroken { findings } => (
            "interactions broken",
            findings
                .iter()
                .map(|f| format!("{}: {}", f.label(), f.message))
                .collect::<Vec<_>>()
                .join("; "),
        ),
        Outcome::Missing { reason } => ("cannot judge", reason.clone()),
    }
}

/// A gap (a blocking reason about no one pair) in words.
fn gap_text(gap: &Gap, environment: &str) -> String {
    match gap {
        Gap::ProducerNotDeployed {
            interface,
            producer,
        } => format!("{producer}, the producer of {interface}, has no version in {environment}"),
        Gap::InterfaceNotPublished {
            interface,
            consumer,
            consumer_version,
        } => format!(
            "{consumer} {consumer_version} uses {interface}, which the version asked about does not publish"
        ),
    }
}

#[derive(Template)]
#[template(path = "ui/matrix.html")]
struct MatrixPage {
    nav: Nav,
    environments: Vec<String>,
    environment: Option<String>,
    verdicts: Vec<VerdictRow>,
    pairs: Vec<PairRow>,
    gaps: Vec<String>,
    /// Whether there were more versions than asked about.
    truncated: bool,
    /// The component the next page starts after, if there is one.
    next: Option<String>,
}

/// The versions running in `environment` of the first [`PAGE`] components
/// after `after`, in order: every (component, version) deployed there or
/// released there and still supported, at most [`MAX_VERSIONS`]. Also
/// whether versions were left out, and the component the next page
/// starts after.
async fn versions_in(
    state: &AppState,
    environment: &str,
    after: &str,
) -> Result<(Vec<(String, String)>, bool, Option<String>), UiError> {
    let limit = MAX_VERSIONS as i64 + 1;
    let mut all: Vec<(String, String)> = state
        .store
        .deployed(environment, after, PAGE as i64 + 1)
        .await?
        .into_iter()
        .map(|d| (d.component, d.version))
        .collect();
    // No version sorts after U+10FFFF: every release of a component
    // after `after`.
    all.extend(
        state
            .store
            .released(environment, None, (after, "\u{10FFFF}"), limit)
            .await?
            .into_iter()
            .map(|r| (r.component, r.version)),
    );
    all.sort();
    all.dedup();
    let mut components: Vec<&str> = all.iter().map(|(c, _)| c.as_str()).collect();
    components.dedup();
    let next = (components.len() > PAGE).then(|| components[PAGE - 1].to_owned());
    if let Some(last) = &next {
        all.retain(|(c, _)| c <= last);
    }
    let truncated = all.len() > MAX_VERSIONS;
    all.truncate(MAX_VERSIONS);
    Ok((all, truncated, next))
}

/// `GET /ui/matrix?environment=`.
pub(crate) async fn matrix(
    State(state): State<AppState>,
    visitor: Visitor,
    Query(q): Query<MatrixQuery>,
) -> Result<Response, UiError> {
    visitor.may_read(&state)?;
    let environments = state.store.environments("", MAX_ENVIRONMENTS).await?;
    let environment = q.environment.filter(|e| !e.is_empty());
    let mut page = MatrixPage {
        nav: visitor.nav("matrix"),
        environments,
        environment: environment.clone(),
        verdicts: Vec::new(),
        pairs: Vec::new(),
        gaps: Vec::new(),
        truncated: false,
        next: None,
    };
    let Some(environment) = environment else {
        return Ok(render(&page));
    };
    check_id("environment", &environment, false)?;
    if !state.store.environment_exists(&environment).await? {
        return Err(UiError::NotFound(format!(
            "environment `{environment}` does not exist"
        )));
    }
    let after = q.after.unwrap_or_default();
    if !after.is_empty() {
        check_id("after", &after, false)?;
    }
    let (versions, truncated, next) = versions_in(&state, &environment, &after).await?;
    page.truncated = truncated;
    page.next = next;
    let verdicts = verdicts(&state, &environment, versions).await?;
    // Each pair is judged from both its sides (as the producer's and as
    // the consumer's question) alike: it is shown once.
    let mut pairs = BTreeMap::new();
    let mut gaps = Vec::new();
    for ((component, version), verdict) in verdicts {
        for j in &verdict.pairs {
            let p = &j.pair;
            let key = (
                p.interface.clone(),
                p.consumer.clone(),
                p.consumer_version.clone(),
                p.producer.clone(),
                p.producer_version.clone(),
            );
            pairs.entry(key).or_insert_with(|| {
                let (status, reason) = describe(j);
                PairRow {
                    interface: p.interface.clone(),
                    consumer: p.consumer.clone(),
                    consumer_version: p.consumer_version.clone(),
                    producer: p.producer.clone(),
                    producer_version: p.producer_version.clone(),
                    status,
                    blocks: j.outcome.blocks(),
                    reason,
                }
            });
        }
        for gap in &verdict.gaps {
            let text = format!("{component} {version}: {}", gap_text(gap, &environment));
            if !gaps.contains(&text) {
                gaps.push(text);
            }
        }
        page.verdicts.push(VerdictRow {
            component,
            version,
            release: verdict.release,
            reasons: verdict.reasons,
        });
    }
    page.pairs = pairs.into_values().collect();
    page.gaps = gaps;
    Ok(render(&page))
}

/// The can-i-release verdict of each of `versions` in `environment`, in
/// their order, [`AT_ONCE`] computed at a time.
async fn verdicts(
    state: &AppState,
    environment: &str,
    versions: Vec<(String, String)>,
) -> Result<Vec<((String, String), Verdict)>, UiError> {
    let mut out = Vec::with_capacity(versions.len());
    let mut running = tokio::task::JoinSet::new();
    let mut waiting = versions.into_iter().enumerate();
    loop {
        while running.len() < AT_ONCE {
            let Some((n, (component, version))) = waiting.next() else {
                break;
            };
            let (state, environment) = (state.clone(), environment.to_owned());
            running.spawn(async move {
                let verdict = release::can_i_release(
                    &state.store,
                    &state.cache,
                    &state.comparisons,
                    &component,
                    &version,
                    &environment,
                )
                .await;
                (n, (component, version), verdict)
            });
        }
        let Some(done) = running.join_next().await else {
            break;
        };
        let (n, key, verdict) =
            done.map_err(|e| ApiError::Internal(format!("a verdict's task failed: {e}")))?;
        out.push((n, key, verdict?));
    }
    out.sort_by_key(|(n, _, _)| *n);
    Ok(out.into_iter().map(|(_, key, v)| (key, v)).collect())
}
