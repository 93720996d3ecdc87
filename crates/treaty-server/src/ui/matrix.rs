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
use treaty_core::release::{Gap, Judged, Outcome};

use super::pages::{Nav, UiError, render};
use super::session::Visitor;
use crate::api::check_id;
use crate::{AppState, release};

/// Component versions asked about in one environment, at most.
const MAX_VERSIONS: usize = 500;
/// Environments offered, at most.
const MAX_ENVIRONMENTS: i64 = 100;

/// What `/ui/matrix` accepts.
#[derive(Debug, Deserialize)]
pub(crate) struct MatrixQuery {
    #[serde(default)]
    environment: Option<String>,
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
}

/// Every (component, version) in `environment`, in order, at most
/// `MAX_VERSIONS` (and whether there were more).
async fn versions_in(
    state: &AppState,
    environment: &str,
) -> Result<(Vec<(String, String)>, bool), UiError> {
    let limit = MAX_VERSIONS as i64 + 1;
    let mut all: Vec<(String, String)> = state
        .store
        .deployed(environment, "", limit)
        .await?
        .into_iter()
        .map(|d| (d.component, d.version))
        .collect();
    all.extend(
        state
            .store
            .released(environment, None, ("", ""), limit)
            .await?
            .into_iter()
            .map(|r| (r.component, r.version)),
    );
    all.sort();
    all.dedup();
    let truncated = all.len() > MAX_VERSIONS;
    all.truncate(MAX_VERSIONS);
    Ok((all, truncated))
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
    let (versions, truncated) = versions_in(&state, &environment).await?;
    page.truncated = truncated;
    // Each pair is judged from both its sides (as the producer's and as
    // the consumer's question) alike: it is shown once.
    let mut pairs = BTreeMap::new();
    let mut gaps = Vec::new();
    for (component, version) in versions {
        let verdict = release::can_i_release(
            &state.store,
            &state.cache,
            &state.comparisons,
            &component,
            &version,
            &environment,
        )
        .await?;
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
