//! What a provider verifies and what it found: `POST /pacts/provider/
//! {provider}/for-verification` (the pacts its consumers' selectors pick)
//! and `POST .../pact-version/{sha}/verification-results` (recorded as a
//! Treaty verification of every consumer version with that pact).

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::post;
use serde::Deserialize;
use serde_json::{Value, json};
use treaty_store::{PactRecord, Scope};

use super::environments::known_environments;
use super::pacts::{pact_of_sha, pact_version_path};
use super::{Base, PactResult, bad, check_name, check_version, existing, hal, parse_body, seg};
use crate::AppState;
use crate::api::MAX_DETAILS;
use crate::auth::Caller;

pub(super) fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route(
            "/pacts/provider/{provider}/for-verification",
            post(for_verification).get(for_verification_resource),
        )
        .route(
            "/pacts/provider/{provider}/consumer/{consumer}/pact-version/{sha}/verification-results",
            post(publish_results),
        )
}

/// Selectors one request may hold, at most.
const MAX_SELECTORS: usize = 100;

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ForVerification {
    #[serde(default)]
    consumer_version_selectors: Vec<Selector>,
}

/// A consumer version selector, as Pact's docs define them; the ones
/// Treaty cannot answer are refused, not ignored.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Selector {
    main_branch: Option<bool>,
    branch: Option<String>,
    latest: Option<bool>,
    deployed: Option<bool>,
    released: Option<bool>,
    deployed_or_released: Option<bool>,
    environment: Option<String>,
    consumer: Option<String>,
    tag: Option<String>,
    matching_branch: Option<bool>,
}

/// The pacts one selector picks, with why.
async fn select(
    state: &AppState,
    provider: &str,
    s: &Selector,
) -> PactResult<Vec<(PactRecord, String)>> {
    if s.tag.is_some() || s.matching_branch == Some(true) {
        return Err(bad(
            "consumerVersionSelectors",
            "`tag` and `matchingBranch` selectors are not supported by Treaty: select by branch, mainBranch, deployed, released, deployedOrReleased or latest",
        ));
    }
    let mut picked = Vec::new();
    let either = s.deployed_or_released == Some(true);
    let deployed = either || s.deployed == Some(true);
    let released = either || s.released == Some(true);
    if deployed || released {
        let envs = match &s.environment {
            Some(e) => vec![e.clone()],
            None => known_environments(state).await?,
        };
        for env in envs {
            if deployed {
                for p in state.store.deployed_pacts(provider, &env).await? {
                    picked.push((p, format!("deployed in {env}")));
                }
            }
            if released {
                for p in state.store.released_pacts(provider, &env).await? {
                    picked.push((p, format!("released and supported in {env}")));
                }
            }
        }
    } else if s.main_branch == Some(true) {
        for p in state.store.latest_pacts(provider, None).await? {
            let main = state
                .store
                .pacticipant_details(&p.consumer)
                .await?
                .main_branch;
            if let Some(main) = main
                && let Some(on_main) = state
                    .store
                    .latest_pacts(provider, Some(&main))
                    .await?
                    .into_iter()
                    .find(|q| q.consumer == p.consumer)
            {
                picked.push((on_main, format!("latest from the main branch `{main}`")));
            }
        }
    } else if let Some(branch) = &s.branch {
        for p in state.store.latest_pacts(provider, Some(branch)).await? {
            picked.push((p, format!("latest from branch `{branch}`")));
        }
    } else {
        // `{}` or `{"latest": true}`: the latest of each consumer.
        let _ = s.latest;
        for p in state.store.latest_pacts(provider, None).await? {
            picked.push((p, "latest".to_owned()));
        }
    }
    if let Some(c) = &s.consumer {
        picked.retain(|(p, _)| p.consumer == *c);
    }
    Ok(picked)
}

async fn for_verification(
    State(state): State<AppState>,
    caller: Caller,
    base: Base,
    Path(provider): Path<String>,
    body: Bytes,
) -> PactResult<Response> {
    caller.read(state.config.anonymous_read)?;
    check_name("provider", &provider)?;
    let body: ForVerification = parse_body(&body)?;
    if body.consumer_version_selectors.len() > MAX_SELECTORS {
        return Err(bad(
            "consumerVersionSelectors",
            format!("at most {MAX_SELECTORS}"),
        ));
    }
    existing(&state, &provider).await?;
    let selectors = if body.consumer_version_selectors.is_empty() {
        vec![Selector::default()]
    } else {
        body.consumer_version_selectors
    };
    // One entry per pact version, with every reason it was selected.
    let mut by_content: BTreeMap<(String, String), (PactRecord, Vec<String>)> = BTreeMap::new();
    for s in &selectors {
        for (p, why) in select(&state, &provider, s).await? {
            by_content
                .entry((p.consumer.clone(), p.sha.clone()))
                .or_insert_with(|| (p, Vec::new()))
                .1
                .push(why);
        }
    }
    let pacts: Vec<Value> = by_content
        .into_values()
        .map(|(p, why)| {
            let text = format!(
                "The pact at {}{} is being verified because the pact content belongs to the consumer version matching the selector(s): {} ({} {})",
                base.0,
                pact_version_path(&p),
                why.join(", "),
                p.consumer,
                p.consumer_version
            );
            json!({
                "shortDescription": why.join(", "),
                "verificationProperties": {
                    "pending": false,
                    "notices": [{"when": "before_verification", "text": text}]
                },
                "_links": {"self": base.named(
                    &pact_version_path(&p),
                    &format!("Pact between {} ({}) and {}", p.consumer, p.consumer_version, p.provider),
                    "Pact",
                )}
            })
        })
        .collect();
    Ok(hal(
        StatusCode::OK,
        json!({
            "_embedded": {"pacts": pacts},
            "_links": {"self": base.link(&format!("/pacts/provider/{}/for-verification", seg(&provider)))}
        }),
    ))
}

/// The resource verifiers fetch first: its `self` link is where they
/// post their selectors.
async fn for_verification_resource(
    State(state): State<AppState>,
    caller: Caller,
    base: Base,
    Path(provider): Path<String>,
) -> PactResult<Response> {
    caller.read(state.config.anonymous_read)?;
    check_name("provider", &provider)?;
    existing(&state, &provider).await?;
    let path = format!("/pacts/provider/{}/for-verification", seg(&provider));
    Ok(hal(
        StatusCode::OK,
        json!({
            "providerName": provider,
            "_links": {"self": base.named(&path, "Pacts for verification", "Pacts to be verified")}
        }),
    ))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct VerificationResult {
    success: Option<bool>,
    provider_application_version: Option<String>,
    build_url: Option<String>,
    test_results: Option<Value>,
    verified_by: Option<Value>,
}

/// Records a provider version's verification of a pact version: the
/// provider's team, for every consumer version that published it.
async fn publish_results(
    State(state): State<AppState>,
    caller: Caller,
    base: Base,
    Path((provider, consumer, sha)): Path<(String, String, String)>,
    body: Bytes,
) -> PactResult<Response> {
    caller.principal()?;
    let body: VerificationResult = parse_body(&body)?;
    let success = body.success.ok_or_else(|| bad("success", "is required"))?;
    let provider_version = body
        .provider_application_version
        .ok_or_else(|| bad("providerApplicationVersion", "is required"))?;
    check_version("providerApplicationVersion", &provider_version)?;
    let owner = existing(&state, &provider).await?;
    let p = caller.write_as(
        &owner.team,
        Scope::Publish,
        &format!("provider `{provider}`"),
    )?;
    let recorded_by = p.team.clone();
    let pacts = pact_of_sha(&state, &provider, &consumer, &sha).await?;
    // What the verifier reported, kept as Treaty's free-text details.
    let mut details = json!({
        "buildUrl": body.build_url,
        "verifiedBy": body.verified_by,
        "testResults": body.test_results,
    })
    .to_string();
    if details.len() > MAX_DETAILS {
        details = json!({"note": format!("the verifier's report was over {MAX_DETAILS} bytes and was not kept")}).to_string();
    }
    let now = state.config.clock.now_ms()?;
    let ids = state
        .store
        .record_pact_verification(
            &pacts,
            &provider_version,
            success,
            Some(&details),
            &recorded_by,
            now,
        )
        .await?;
    let first = ids.first().cloned().unwrap_or_default();
    let path = format!(
        "{}/verification-results/{}",
        pact_version_path(&pacts[0]),
        seg(&first)
    );
    Ok(hal(
        StatusCode::CREATED,
        json!({
            "success": success,
            "providerApplicationVersion": provider_version,
            "verificationDate": super::iso(now),
            "verifications": ids,
            "_links": {
                "self": base.named(&path, &first, "Verification result"),
                "pb:pact-version": base.link(&pact_version_path(&pacts[0])),
            }
        }),
    ))
}
