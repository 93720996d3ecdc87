//! can-i-deploy: `GET /matrix` (what `pact-broker-cli can-i-deploy`
//! asks: `q[][pacticipant]`, `q[][version]`, `latestby`, `environment`)
//! and `GET /can-i-deploy`, answered by Treaty's can-i-release and written
//! the way the Pact Broker writes its matrix: `summary` (`deployable`,
//! `reason`, counts), `notices` and one row per pair.

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use serde_json::{Value, json};
use treaty_core::release::{Judged, Outcome, Verdict};
use treaty_store::PactRecord;

use super::{Base, PactResult, bad, check_label, check_name, check_version, hal, seg};
use crate::auth::Caller;
use crate::{AppState, release};

pub(super) fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        // The Pact Broker's two names for one question, answered alike.
        .route("/matrix", get(matrix))
        .route("/can-i-deploy", get(matrix))
}

/// Query parameters read, at most.
const MAX_PARAMS: usize = 100;

/// One `q[]` selector of the matrix.
#[derive(Debug, Default)]
struct Selector {
    pacticipant: String,
    version: Option<String>,
    branch: Option<String>,
    latest: bool,
    main_branch: bool,
}

/// The question, read from the query.
#[derive(Debug, Default)]
struct Question {
    selectors: Vec<Selector>,
    environment: Option<String>,
}

fn read_query(raw: Option<&str>) -> PactResult<Question> {
    let mut q = Question::default();
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(raw.unwrap_or("").as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .take(MAX_PARAMS + 1)
        .collect();
    if pairs.len() > MAX_PARAMS {
        return Err(bad("query", format!("at most {MAX_PARAMS} parameters")));
    }
    for (key, value) in pairs {
        let key = key.as_str();
        if key == "q[][pacticipant]" || key == "pacticipant" {
            q.selectors.push(Selector {
                pacticipant: value,
                ..Selector::default()
            });
            continue;
        }
        if key == "environment" {
            q.environment = Some(value);
            continue;
        }
        if key.starts_with("ignore[]") {
            return Err(bad(key, "ignoring pacticipants is not supported by Treaty"));
        }
        if key == "tag" || key == "q[][tag]" {
            return Err(bad(
                key,
                "tags as selectors are not supported by Treaty: use --to-environment and versions or branches",
            ));
        }
        let selector_field = key.strip_prefix("q[]").map(|k| k.trim_matches(['[', ']']));
        let field = selector_field.unwrap_or(key);
        if !matches!(field, "version" | "branch" | "latest" | "mainBranch") {
            // `latestby`, and the overall `latest` and `mainBranch` that
            // come with a selector, say nothing a selector does not.
            continue;
        }
        if selector_field.is_none() && field != "version" {
            continue;
        }
        let Some(s) = q.selectors.last_mut() else {
            return Err(bad(key, "comes before any q[][pacticipant]"));
        };
        match field {
            "version" => s.version = Some(value),
            "branch" => s.branch = Some(value),
            "latest" => s.latest = value == "true",
            _ => s.main_branch = value == "true",
        }
    }
    Ok(q)
}

/// The version a selector names.
async fn version_of(state: &AppState, s: &Selector) -> PactResult<String> {
    check_name("q[][pacticipant]", &s.pacticipant)?;
    if let Some(v) = &s.version {
        check_version("q[][version]", v)?;
        return Ok(v.clone());
    }
    let branch = match (&s.branch, s.main_branch) {
        (Some(b), _) => b.clone(),
        (None, true) => state
            .store
            .pacticipant_details(&s.pacticipant)
            .await?
            .main_branch
            .ok_or_else(|| {
                bad(
                    "q[][mainBranch]",
                    format!("pacticipant `{}` has no main branch", s.pacticipant),
                )
            })?,
        (None, false) => {
            return Err(bad(
                "q[][version]",
                "name the version (or a branch with latest): Treaty does not guess it",
            ));
        }
    };
    check_label("q[][branch]", &branch)?;
    state
        .store
        .latest_on_branch(&s.pacticipant, &branch)
        .await?
        .ok_or_else(|| {
            bad(
                "q[][branch]",
                format!("`{}` has no version on branch `{branch}`", s.pacticipant),
            )
        })
}

async fn matrix(
    State(state): State<AppState>,
    caller: Caller,
    base: Base,
    RawQuery(raw): RawQuery,
) -> PactResult<Response> {
    caller.read(state.config.anonymous_read)?;
    answer(&state, &base, read_query(raw.as_deref())?).await
}

async fn answer(state: &AppState, base: &Base, q: Question) -> PactResult<Response> {
    let [selector] = q.selectors.as_slice() else {
        return Err(bad(
            "q[][pacticipant]",
            "Treaty answers can-i-deploy for one pacticipant version at a time",
        ));
    };
    let environment = q.environment.ok_or_else(|| {
        bad(
            "environment",
            "Treaty answers can-i-deploy for an environment (pass --to-environment)",
        )
    })?;
    crate::api::check_id("environment", &environment, false).map_err(super::PactError)?;
    let version = version_of(state, selector).await?;
    let verdict = release::can_i_release(
        &state.store,
        &state.cache,
        &state.comparisons,
        &selector.pacticipant,
        &version,
        &environment,
    )
    .await?;
    Ok(hal(
        StatusCode::OK,
        matrix_json(state, base, &verdict).await?,
    ))
}

/// The pact published through this API that is the pair's consumer
/// expectation, if it is one.
async fn pact_of(state: &AppState, j: &Judged) -> PactResult<Option<PactRecord>> {
    let p = &j.pair;
    Ok(state
        .store
        .pact(&p.producer, &p.consumer, &p.consumer_version)
        .await?
        .filter(|record| record.interface == p.interface))
}

/// Why a pair blocks, in the Pact Broker's words for pacts.
fn reason(j: &Judged, pact: Option<&PactRecord>, environment: &str) -> Option<String> {
    let p = &j.pair;
    let between = format!(
        "{} ({}) and {} ({})",
        p.consumer, p.consumer_version, p.producer, p.producer_version
    );
    match &j.outcome {
        Outcome::Verified { .. } | Outcome::Compatible => None,
        Outcome::VerificationFailed { verification } => Some(format!(
            "The verification for the pact between {between} failed (verification {verification})"
        )),
        Outcome::Missing { .. } if pact.is_some() => Some(format!(
            "There is no verified pact between {between} in {environment}"
        )),
        Outcome::Missing { reason } => Some(format!("{}: {between}: {reason}", p.interface)),
        Outcome::BreakingChanges { changes } => Some(format!(
            "{}: {} breaking change(s) between {between} touch what {} uses",
            p.interface,
            changes.len(),
            p.consumer
        )),
        Outcome::InteractionsBroken { findings } => Some(format!(
            "{}: {} interaction(s) of {}'s pacts fail against {between}: {}",
            p.interface,
            findings.len(),
            p.consumer,
            findings
                .iter()
                .map(|f| format!("{} [{}]", f.label(), f.code))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

fn matrix_row(base: &Base, j: &Judged, pact: Option<&PactRecord>) -> Value {
    let p = &j.pair;
    let verification = match &j.outcome {
        Outcome::Verified { verification } => json!({"success": true, "id": verification}),
        Outcome::VerificationFailed { verification } => {
            json!({"success": false, "id": verification})
        }
        Outcome::Compatible => json!({"success": true, "treaty": "schema comparison: compatible"}),
        Outcome::BreakingChanges { .. } => {
            json!({"success": false, "treaty": "schema comparison: breaking changes"})
        }
        Outcome::InteractionsBroken { .. } => {
            json!({"success": false, "treaty": "pact interactions checked against the description: failing"})
        }
        Outcome::Missing { .. } => Value::Null,
    };
    let pact = match pact {
        Some(record) => json!({
            "createdAt": super::iso(record.created_at),
            "_links": {"self": base.link(&super::pacts::pact_version_path(record))}
        }),
        None => Value::Null,
    };
    let version = |name: &str, v: &str| json!({"number": v, "_links": {"self": base.link(&format!("/pacticipants/{}/versions/{}", seg(name), seg(v)))}});
    json!({
        "consumer": {"name": p.consumer, "version": version(&p.consumer, &p.consumer_version)},
        "provider": {"name": p.producer, "version": version(&p.producer, &p.producer_version)},
        "pact": pact,
        "verificationResult": verification,
        "interface": p.interface,
    })
}

async fn matrix_json(state: &AppState, base: &Base, v: &Verdict) -> PactResult<Value> {
    let mut rows = Vec::new();
    let (mut success, mut failed, mut unknown) = (0, 0, 0);
    let mut reasons = Vec::new();
    for j in &v.pairs {
        let pact = pact_of(state, j).await?;
        rows.push(matrix_row(base, j, pact.as_ref()));
        match &j.outcome {
            Outcome::Verified { .. } | Outcome::Compatible => success += 1,
            Outcome::VerificationFailed { .. }
            | Outcome::BreakingChanges { .. }
            | Outcome::InteractionsBroken { .. } => failed += 1,
            Outcome::Missing { .. } => unknown += 1,
        }
        if j.outcome.blocks()
            && let Some(r) = reason(j, pact.as_ref(), &v.environment)
        {
            reasons.push(r);
        }
    }
    // The gaps' reasons come after the pairs' in the verdict.
    let blocking = v.pairs.iter().filter(|j| j.outcome.blocks()).count();
    let gap_reasons = v.reasons.iter().skip(blocking).cloned().collect::<Vec<_>>();
    unknown += gap_reasons.len();
    reasons.extend(gap_reasons);
    let reason = if v.release {
        "All required verification results are published and successful".to_owned()
    } else {
        reasons.join("; ")
    };
    let notices: Vec<Value> = if v.release {
        vec![
            json!({"type": "success", "text": format!("Computer says yes \\o/ {} ({}) may be deployed to {}: {reason}", v.component, v.version, v.environment)}),
        ]
    } else {
        reasons
            .iter()
            .map(|r| json!({"type": "error", "text": r}))
            .collect()
    };
    Ok(json!({
        "summary": {
            "deployable": v.release,
            "reason": reason,
            "success": success,
            "failed": failed,
            "unknown": unknown,
        },
        "notices": notices,
        "matrix": rows,
    }))
}

#[cfg(test)]
mod tests {
    use super::read_query;

    #[test]
    fn the_matrix_query_of_pact_broker_cli_reads_as_one_selector_and_an_environment() {
        let q = read_query(Some(
            "q%5B%5D%5Bpacticipant%5D=checkout&q%5B%5D%5Bversion%5D=1.0.0&latestby=cvpv&environment=production",
        ));
        let q = q.map_err(|e| format!("{:?}", e.0)).unwrap_or_default();
        assert_eq!(q.selectors.len(), 1);
        assert_eq!(q.selectors[0].pacticipant, "checkout");
        assert_eq!(q.selectors[0].version.as_deref(), Some("1.0.0"));
        assert_eq!(q.environment.as_deref(), Some("production"));
        let q = read_query(Some(
            "q[][pacticipant]=checkout&q[][branch]=main&q[][latest]=true&environment=test",
        ))
        .map_err(|e| format!("{:?}", e.0))
        .unwrap_or_default();
        assert_eq!(q.selectors[0].branch.as_deref(), Some("main"));
        assert!(q.selectors[0].latest);
        // `/can-i-deploy`'s plain names.
        let q = read_query(Some(
            "pacticipant=payments&version=2.0.0&environment=production",
        ))
        .map_err(|e| format!("{:?}", e.0))
        .unwrap_or_default();
        assert_eq!(q.selectors[0].version.as_deref(), Some("2.0.0"));
    }

    #[test]
    fn what_treaty_cannot_answer_is_refused_naming_the_parameter() {
        for (query, field) in [
            (
                "q[][pacticipant]=a&q[][version]=1&ignore[][pacticipant]=b",
                "ignore[][pacticipant]",
            ),
            ("q[][pacticipant]=a&q[][tag]=prod", "q[][tag]"),
            ("q[][version]=1", "q[][version]"),
        ] {
            let message = match read_query(Some(query)) {
                Ok(q) => panic!("{query}: accepted as {q:?}"),
                Err(e) => e.0.to_string(),
            };
            assert!(message.starts_with(field), "{query}: {message}");
        }
    }
}
