//! can-i-release: reads the facts from the store, checks consumers' pacts
//! (`pact_check`) or compares interface versions through the engine
//! (remembering results: versions and expectations are immutable, so a
//! result never goes stale) and lets `treaty_core::release` decide.

use std::sync::Arc;

use treaty_compat::{Bundle, Change, Format, proto};
use treaty_core::impact::Usage;
use treaty_core::release::{Evidence, Gap, Judged, Pair, Verdict, judge};
use treaty_store::{DecidingVerification, OwnedInterface, Store};

use crate::error::ApiError;
use crate::pact_check::{self, PactKey, Pacts};
use crate::remembered::Remembered;
use crate::stored::{self, Row};

/// The changes between two bundles, or why they could not be compared.
#[derive(Debug)]
pub struct Compared {
    /// Every change from the old bundle to the new one.
    pub changes: Vec<Change>,
    /// The `operationId` of each operation label (`POST /payments`), so
    /// that consumers may name operations either way.
    pub operation_ids: treaty_compat::OperationIds,
}

type Key = (String, String, &'static str, proto::Category);
type Outcome = Arc<Result<Compared, String>>;

/// Comparisons and pact checks already made, the oldest forgotten first
/// past the capacity of each.
#[derive(Debug)]
pub struct ComparisonCache {
    comparisons: Remembered<Key, Outcome>,
    pub(crate) pacts: Remembered<PactKey, Arc<Pacts>>,
}

impl ComparisonCache {
    /// An empty cache that remembers at most `capacity` comparisons, and
    /// as many pact checks.
    pub fn new(capacity: usize) -> ComparisonCache {
        ComparisonCache {
            comparisons: Remembered::new(capacity),
            pacts: Remembered::new(capacity),
        }
    }
}

/// How an interface's versions are compared, read from its row.
#[derive(Debug, Clone, Copy)]
struct Comparison {
    format: Format,
    category: proto::Category,
}

impl Comparison {
    fn of(interface: &OwnedInterface) -> Result<Comparison, ApiError> {
        Ok(Comparison {
            format: stored::format_of(&interface.interface)?,
            category: stored::category_of(&interface.interface)?,
        })
    }
}

/// Compares two stored bundles, off the async threads. A bundle that
/// cannot be read from the store is an error; one the engine cannot
/// compare is an outcome, remembered like any other.
async fn compare(
    store: &Store,
    cache: &ComparisonCache,
    limiter: &Arc<tokio::sync::Semaphore>,
    Comparison { format, category }: Comparison,
    old_hash: &str,
    new_hash: &str,
) -> Result<Outcome, ApiError> {
    let key: Key = (
        old_hash.to_owned(),
        new_hash.to_owned(),
        format.as_str(),
        category,
    );
    if let Some(hit) = cache.comparisons.get(&key) {
        return Ok(hit);
    }
    // Only a comparison's own outcome is remembered: versions are
    // immutable, so it is final. A failed read may pass next time.
    let old = load(store, old_hash).await?;
    let new = load(store, new_hash).await?;
    let computed = on_comparison_thread(limiter, move || {
        treaty_compat::diff_bundles(&old, &new, format, category)
            .map(|d| Compared {
                changes: d.changes,
                operation_ids: d.operation_ids,
            })
            .map_err(|e| format!("the versions could not be compared: {e}"))
    })
    .await;
    let result = match computed {
        Ok(r) => Arc::new(r),
        Err(e) => return Ok(Arc::new(Err(e))),
    };
    cache.comparisons.put(key, result.clone());
    Ok(result)
}

/// The changes from one stored version of `interface` to another (by
/// their bundles' hashes), or why they could not be compared: the same
/// comparison, and the same cache, as can-i-release's.
pub(crate) async fn changes_between(
    state: &crate::AppState,
    interface: &OwnedInterface,
    old_hash: &str,
    new_hash: &str,
) -> Result<Arc<Result<Compared, String>>, ApiError> {
    compare(
        &state.store,
        &state.cache,
        &state.comparisons,
        Comparison::of(interface)?,
        old_hash,
        new_hash,
    )
    .await
}

/// Stack of a thread that reads or compares schemas. The engine recurses
/// as deep as schemas nest and `$ref` chains run (bounded by the schema
/// limits, not by any stack): the 2 MiB of tokio's threads would overflow
/// and abort the whole broker. The CLI runs the same work on the same
/// stack; the memory is reserved, and used only as deep as a schema goes.
const COMPARISON_STACK_BYTES: usize = 256 * 1024 * 1024;

/// Runs `work` (reading or comparing schemas: CPU work) on a thread of its
/// own with a stack deep enough for it, off the async threads, at most one
/// per core at a time (`limiter`). `Err` says why it did not finish: the
/// broker is shutting down, no thread could start, or the work panicked.
pub(crate) async fn on_comparison_thread<T: Send + 'static>(
    limiter: &Arc<tokio::sync::Semaphore>,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, String> {
    let Ok(permit) = limiter.clone().acquire_owned().await else {
        return Err("the broker is shutting down".into());
    };
    let (done, result) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name("treaty-compare".into())
        .stack_size(COMPARISON_STACK_BYTES)
        .spawn(move || {
            // The permit goes with the work: a request dropped meanwhile
            // does not free a core still in use.
            let _permit = permit;
            // The receiver is gone only if the request was dropped.
            let _ = done.send(work());
        })
        .map_err(|e| format!("the comparison could not start: {e}"))?;
    // The sender is dropped unsent only if `work` panicked.
    result
        .await
        .map_err(|_| "the comparison failed: the engine stopped unexpectedly".to_owned())
}

/// A published bundle, by the hash of its text.
pub(crate) async fn load(store: &Store, hash: &str) -> Result<Bundle, ApiError> {
    let row = Row::blob(hash);
    let text = store
        .blob(hash)
        .await?
        .ok_or_else(|| stored::unreadable(&row, "content", "no such row"))?;
    stored::bundle_of(&row, &text)
}

/// What the consumer of `pair` declared it uses, from its expectation row.
fn usage_of(pair: &Pair, uses: &str) -> Result<Usage, ApiError> {
    let row = Row::expectation(&pair.consumer, &pair.consumer_version, &pair.interface);
    stored::usage_of(&row, uses)
}

/// What the consumer's expectation row says, as stored.
#[derive(Debug, Clone, Copy)]
struct Expected<'a> {
    /// What it uses: JSON, as the server wrote it.
    uses: &'a str,
    /// The hash of its artifacts' blob.
    artifacts_hash: &'a str,
}

/// Judges one pair: its deciding verification (read with the pair), else
/// the consumer's pacts (when they hold an HTTP interaction and the
/// interface is OpenAPI, or a message and it is AsyncAPI), else the
/// changes from the version the consumer was built against to the
/// producer version's bundle (`new_hash`). Without a verification and
/// without that bundle (a producer version that never published the
/// interface) there is nothing to judge by: `Err(pair)` gives the pair
/// back.
#[allow(clippy::too_many_arguments)]
async fn judge_pair(
    store: &Store,
    cache: &ComparisonCache,
    limiter: &Arc<tokio::sync::Semaphore>,
    interface: &OwnedInterface,
    pair: Pair,
    verification: Option<DecidingVerification>,
    new_hash: Option<&str>,
    expected: Expected<'_>,
) -> Result<Result<Judged, Pair>, ApiError> {
    // Every stored value is read before anything is decided: a row the
    // broker cannot read is an error whatever the evidence.
    let policy = stored::policy_of(&interface.interface)?;
    let usage = usage_of(&pair, expected.uses)?;
    let comparison = Comparison::of(interface)?;
    if let Some(v) = verification {
        let evidence = Evidence::Verification {
            id: v.id,
            success: v.success,
        };
        return Ok(Ok(judge(pair, evidence, policy, &usage)));
    }
    // A pact verified by a provider version that publishes no schema is
    // judged by its verification alone: the provider side of a Pact
    // client's workflow.
    let Some(new_hash) = new_hash else {
        return Ok(Err(pair));
    };
    if matches!(comparison.format, Format::OpenApi | Format::AsyncApi) {
        let row = Row::expectation(&pair.consumer, &pair.consumer_version, &pair.interface);
        let key = (
            expected.artifacts_hash.to_owned(),
            new_hash.to_owned(),
            comparison.format.as_str(),
        );
        match &*pact_check::check(store, cache, limiter, &row, key).await? {
            Pacts::None => {}
            Pacts::Checked(findings) => {
                return Ok(Ok(judge(
                    pair,
                    Evidence::Interactions(findings),
                    policy,
                    &usage,
                )));
            }
            Pacts::Unreadable(reason) => {
                let evidence = Evidence::Missing(reason.clone());
                return Ok(Ok(judge(pair, evidence, policy, &usage)));
            }
        }
    }
    let Some(old_hash) = store
        .bundle_hash_of(&pair.interface, &pair.built_against)
        .await?
    else {
        let reason = format!(
            "{} was built against version {} of {}, which was never published, and no verification of the pair is recorded",
            pair.consumer, pair.built_against, pair.interface
        );
        return Ok(Ok(judge(pair, Evidence::Missing(reason), policy, &usage)));
    };
    let compared = compare(store, cache, limiter, comparison, &old_hash, new_hash).await?;
    let evidence = match &*compared {
        Ok(c) => Evidence::Changes {
            changes: &c.changes,
            operation_ids: &c.operation_ids,
        },
        Err(e) => Evidence::Missing(e.clone()),
    };
    Ok(Ok(judge(pair, evidence, policy, &usage)))
}

/// The whole question, both directions.
pub async fn can_i_release(
    store: &Store,
    cache: &ComparisonCache,
    limiter: &Arc<tokio::sync::Semaphore>,
    component: &str,
    version: &str,
    environment: &str,
) -> Result<Verdict, ApiError> {
    if store.component(component).await?.is_none() {
        return Err(ApiError::NotFound(format!(
            "component `{component}` does not exist"
        )));
    }
    if !store.environment_exists(environment).await? {
        return Err(ApiError::NotFound(format!(
            "environment `{environment}` does not exist"
        )));
    }
    // Both directions in one read: one snapshot, one round trip.
    let found_pairs = store.release_pairs(component, version, environment).await?;
    let mut pairs = Vec::new();
    let mut gaps = Vec::new();
    // As producer: every consumer version there (deployed, or released and
    // still supported) that expects something of an interface this
    // component produces.
    let mut producing: Option<(OwnedInterface, Option<String>)> = None;
    for found in found_pairs.consumers {
        if found.consumer.component == component {
            continue;
        }
        let (interface, new_hash) = match producing.take() {
            Some(p) if p.0.interface.id == found.interface => p,
            _ => {
                let Some(interface) = store.interface(&found.interface).await? else {
                    continue;
                };
                let new_hash = store.bundle_hash_of(&found.interface, version).await?;
                (interface, new_hash)
            }
        };
        let consumer = found.consumer;
        let pair = Pair {
            interface: found.interface,
            producer: component.to_owned(),
            producer_version: version.to_owned(),
            consumer: consumer.component,
            consumer_version: consumer.version,
            built_against: consumer.built_against,
        };
        let judged = judge_pair(
            store,
            cache,
            limiter,
            &interface,
            pair,
            found.verification,
            new_hash.as_deref(),
            Expected {
                uses: &consumer.uses,
                artifacts_hash: &consumer.artifacts_hash,
            },
        )
        .await?;
        match judged {
            Ok(judged) => pairs.push(judged),
            Err(pair) => gaps.push(Gap::InterfaceNotPublished {
                interface: pair.interface,
                consumer: pair.consumer,
                consumer_version: pair.consumer_version,
            }),
        }
        producing = Some((interface, new_hash));
    }
    // As consumer: every producer version in the environment (the one
    // deployed there, the ones released there and still supported) of
    // every interface this version expects something of, each its own pair.
    let mut consuming: Option<OwnedInterface> = None;
    for found in found_pairs.producers {
        if found.producer == component {
            continue;
        }
        let Some(producer_version) = found.producer_version else {
            gaps.push(Gap::ProducerNotDeployed {
                interface: found.interface,
                producer: found.producer,
            });
            continue;
        };
        let interface = match consuming.take() {
            Some(i) if i.interface.id == found.interface => i,
            _ => match store.interface(&found.interface).await? {
                Some(i) => i,
                None => continue,
            },
        };
        let pair = Pair {
            interface: found.interface,
            producer: found.producer,
            producer_version,
            consumer: component.to_owned(),
            consumer_version: version.to_owned(),
            built_against: found.built_against,
        };
        let new_hash = store
            .bundle_hash_of(&pair.interface, &pair.producer_version)
            .await?;
        let judged = judge_pair(
            store,
            cache,
            limiter,
            &interface,
            pair,
            found.verification,
            new_hash.as_deref(),
            Expected {
                uses: &found.uses,
                artifacts_hash: &found.artifacts_hash,
            },
        )
        .await?;
        match judged {
            Ok(judged) => pairs.push(judged),
            Err(pair) => {
                let reason = format!(
                    "{} {} runs in {environment} but never published {}",
                    pair.producer, pair.producer_version, pair.interface
                );
                let policy = stored::policy_of(&interface.interface)?;
                let usage = usage_of(&pair, &found.uses)?;
                pairs.push(judge(pair, Evidence::Missing(reason), policy, &usage));
            }
        }
        consuming = Some(interface);
    }
    Ok(Verdict::new(component, version, environment, pairs, gaps))
}
