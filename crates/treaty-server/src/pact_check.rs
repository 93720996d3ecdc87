//! Consumers' pacts on can-i-release: every HTTP interaction of the Pact
//! files an expectation carries (artifacts of kind `pact`, whether sent
//! with `treaty expect` or published through the Pact Broker API), checked
//! with `treaty_pact` against the producer version's OpenAPI description;
//! for an AsyncAPI interface, every message against its messages.
//! (`treaty_core::pacts` judges; this reads and remembers.)
//! The result is facts for `treaty_core::release::judge`, remembered by
//! the hash of the artifacts and of the bundle: both are content hashes of
//! immutable rows, so a result never goes stale.

use std::sync::Arc;

use treaty_compat::Format;
pub(crate) use treaty_core::pacts::Pacts;
use treaty_core::pacts::{self, PactText};
use treaty_store::Store;

use crate::api::Artifact;
use crate::error::ApiError;
use crate::release::{ComparisonCache, load, on_comparison_thread};
use crate::stored::{self, Row};

/// What a check is remembered by: the hash of the expectation's
/// artifacts, the hash of the producer version's bundle, and the
/// interface's format (which comparison).
pub(crate) type PactKey = (String, String, &'static str);

/// Checks the pacts among the artifacts `key.0` against the bundle
/// `key.1`, or answers what was found before. `row` is the expectation,
/// named if its artifacts cannot be read back.
pub(crate) async fn check(
    store: &Store,
    cache: &ComparisonCache,
    limiter: &Arc<tokio::sync::Semaphore>,
    row: &Row,
    key: PactKey,
) -> Result<Arc<Pacts>, ApiError> {
    if let Some(hit) = cache.pacts.get(&key) {
        return Ok(hit);
    }
    let format: Format = match key.2.parse() {
        Ok(f) => f,
        Err(_) => return Ok(Arc::new(Pacts::None)),
    };
    let text = store
        .blob(&key.0)
        .await?
        .ok_or_else(|| stored::unreadable(row, "artifacts_hash", "no such blob"))?;
    let pacts: Vec<Artifact> = stored::artifacts_of(row, &text)?
        .into_iter()
        .filter(|a| a.kind == "pact")
        .collect();
    let result = if pacts.is_empty() {
        Arc::new(Pacts::None)
    } else {
        let bundle = load(store, &key.1).await?;
        // Validating bodies recurses as deep as schemas nest: the same
        // thread and stack as a comparison.
        match on_comparison_thread(limiter, move || {
            let texts: Vec<PactText<'_>> = pacts
                .iter()
                .map(|a| PactText {
                    name: &a.name,
                    content: a.content.as_bytes(),
                })
                .collect();
            pacts::check(&texts, &bundle, format)
        })
        .await
        {
            Ok(checked) => Arc::new(checked),
            // Not remembered: the broker stopping is not the pacts' fault.
            Err(e) => return Ok(Arc::new(Pacts::Unreadable(e))),
        }
    };
    cache.pacts.put(key, result.clone());
    Ok(result)
}
