//! `GET /api/v1/trains/{id}/gate`: the release gate on the broker. It
//! gathers ([`gather`]) the newest revision of the train, the
//! newest run of evidence of each subject and version, the contract
//! verifications of the shipped provider versions, the broker's proposals
//! and waivers, the train's open blockers and its overrides, and asks
//! `treaty_core::gate::decide`, as `treaty gate` does from files.

use std::collections::{BTreeMap, HashMap};

use axum::extract::{Path, RawQuery, State};
use jiff::Timestamp;
use treaty_core::check::waivers::KnownWaiver;
use treaty_core::gate::{
    EvidenceRecord, EvidenceSubject, GateInput, GateOverride, GateVerdict, KnownProposal,
    OpenBlocker, decide,
};
use treaty_core::governance::Decision;
use treaty_core::model::{CalendarDate, EvidenceKind, ProposalState};
use treaty_core::risk::ItemRisk;
use treaty_evidence::{Entry, Measurement, Report, ReportFormat};
use treaty_store::{EvidenceRow, MAX_PROPOSAL_PAGE, ProposalRecord};

pub(crate) use super::kept_evidence::EvidenceCache;
use super::{content_of, existing_train};
use crate::AppState;
use crate::api::{TrainContent, check_id};
use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody, Json};
use crate::routes::common::{Result, existing_environment};

/// Components named with `ship`, at most.
const MAX_SHIPPED: usize = 1_000;
/// Proposals (breaking changes and waivers together) read, at most.
const MAX_PROPOSALS: usize = 10_000;

/// What the gate query asks.
struct GateQuery {
    environment: String,
    shipping: BTreeMap<String, String>,
    now: Option<Timestamp>,
}

/// Go or no-go for a train shipping to `environment`, with every reason
/// (the `treaty_core::gate::GateVerdict`, as `treaty gate --format json`
/// prints it). `ship=COMPONENT=VERSION` (repeatable) names the versions
/// being shipped; evidence for another version of one of them does not
/// count. `now` (RFC 3339) decides as of another moment, only on a broker
/// configured to allow it (tests).
#[utoipa::path(get, path = "/api/v1/trains/{id}/gate", tag = "trains",
    params(
        ("id" = String, Path, description = "The release's id"),
        ("environment" = String, Query, description = "Where the release would ship"),
        ("ship" = Option<Vec<String>>, Query, description = "`COMPONENT=VERSION`, once per component shipped"),
        ("now" = Option<String>, Query, description = "Decide as of this moment (RFC 3339); only where the broker allows it"),
    ),
    responses((status = 200, body = serde_json::Value, description = "The verdict: `decision` (`go` or `no_go`), `items`, `reasons`"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn gate(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Json<GateVerdict>> {
    caller.read(state.config.anonymous_read)?;
    Ok(Json(
        decision(&state, &id, query.as_deref().unwrap_or(""))
            .await?
            .verdict,
    ))
}

/// The risk of each scope item of a train shipping to `environment`
/// (`treaty_core::risk`: low to critical, with the reasons in words, the
/// worst first), judged on the same facts as the gate, as `treaty status`
/// prints it. The query is the gate's.
#[utoipa::path(get, path = "/api/v1/trains/{id}/status", tag = "trains",
    params(
        ("id" = String, Path, description = "The release's id"),
        ("environment" = String, Query, description = "Where the release would ship"),
        ("ship" = Option<Vec<String>>, Query, description = "`COMPONENT=VERSION`, once per component shipped"),
        ("now" = Option<String>, Query, description = "As of this moment (RFC 3339); only where the broker allows it"),
    ),
    responses((status = 200, body = serde_json::Value, description = "Each scope item in the release's order: `item`, `owner`, `level` (`low`, `medium`, `high`, `critical`), `reasons`"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn status(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Json<Vec<ItemRisk>>> {
    caller.read(state.config.anonymous_read)?;
    Ok(Json(
        decision(&state, &id, query.as_deref().unwrap_or(""))
            .await?
            .risks,
    ))
}

/// A gate's decision with the risk of each scope item
/// (`treaty_core::risk`, from the same input), for the dashboard's
/// release board.
pub(crate) struct Decided {
    /// The verdict, as the API answers it.
    pub verdict: GateVerdict,
    /// Each scope item's risk, in the release's order.
    pub risks: Vec<ItemRisk>,
}

/// The gate of train `id` for `query` (the API's: `environment`, `ship`,
/// `now`), read from the store and decided by core, for the API and the
/// dashboard alike. The caller checks who may read.
pub(crate) async fn decision(state: &AppState, id: &str, query: &str) -> Result<Decided> {
    let q = parse_query(query)?;
    if q.now.is_some() && !state.config.gate_clock_from_request {
        return Err(ApiError::BadRequest(
            "`now` is accepted only by a broker configured for tests; leave it out".into(),
        ));
    }
    let now = match q.now {
        Some(t) => t,
        None => state.config.clock.now()?,
    };
    let train = existing_train(state, id).await?;
    existing_environment(state, &q.environment).await?;
    let started = std::time::Instant::now();
    let facts = gather(
        &state.store,
        &state.evidence,
        &train,
        &q.environment,
        q.shipping,
        now,
    )
    .await?;
    let gathered = started.elapsed();
    let (verdict, risks) = tokio::task::spawn_blocking(move || {
        let input = facts.input();
        let verdict = decide(&input);
        let risks = treaty_core::risk::assess(&input, &verdict);
        (verdict, risks)
    })
    .await
    .map_err(|e| ApiError::Internal(format!("deciding the gate: {e}")))?;
    tracing::debug!(train = %id, ?gathered, decided = ?started.elapsed(), "gate");
    Ok(Decided { verdict, risks })
}

/// Everything the gate decides on, for one train, environment and moment:
/// what [`gather`] read, owned, so that the decision can run on another
/// thread. [`GateFacts::input`] lends it as core's `GateInput`.
#[derive(Debug)]
pub(crate) struct GateFacts {
    /// The train's newest revision, decoded.
    pub(crate) content: std::sync::Arc<TrainContent>,
    /// Where the release would ship.
    pub(crate) environment: String,
    /// The versions being shipped, by component.
    pub(crate) shipping: BTreeMap<String, String>,
    /// The records that can decide, in recorded order.
    pub(crate) evidence: Vec<EvidenceRecord>,
    /// The broker's breaking-change proposals.
    pub(crate) proposals: Vec<KnownProposal>,
    /// The broker's waivers.
    pub(crate) waivers: Vec<KnownWaiver>,
    /// The train's open blockers.
    pub(crate) blockers: Vec<OpenBlocker>,
    /// The overrides asked for the train, every environment.
    pub(crate) overrides: Vec<GateOverride>,
    /// The moment decided at.
    pub(crate) now: Timestamp,
}

impl GateFacts {
    /// The gate's input, borrowed from these facts.
    pub(crate) fn input(&self) -> GateInput<'_> {
        GateInput {
            release: &self.content.release,
            releases: &self.content.releases,
            governance: &self.content.governance,
            interfaces: &self.content.interfaces,
            environment: &self.environment,
            shipping: &self.shipping,
            evidence: &self.evidence,
            proposals: &self.proposals,
            waivers: &self.waivers,
            blockers: &self.blockers,
            overrides: &self.overrides,
            now: self.now,
        }
    }
}

/// Gathers the gate's facts for revision `train` shipping `shipping` to
/// `environment` at `now`: the newest run of evidence of each subject and
/// version, the verifications of the shipped provider versions, the
/// broker's proposals and waivers, the train's open blockers and its
/// overrides. The gate route and the escalation
/// timers (`crate::escalations`) both decide on these.
pub(crate) async fn gather(
    store: &treaty_store::Store,
    kept: &EvidenceCache,
    train: &treaty_store::TrainRevision,
    environment: &str,
    shipping: BTreeMap<String, String>,
    now: Timestamp,
) -> Result<GateFacts> {
    let content = decoded(train)?;
    let started = std::time::Instant::now();
    let stored = kept.newest_runs(store, &train.train).await?;
    let read_rows = started.elapsed();
    let verified = verification_evidence(store, &content, &shipping).await?;
    // In recorded order (a stable sort: the stored records are already).
    let mut all: Vec<&EvidenceRecord> = stored.iter().chain(&verified).collect();
    all.sort_by_key(|r| r.recorded_at);
    let evidence = deciding(all, &shipping);
    let (proposals, waivers) = known_proposals(store).await?;
    let blockers = super::blockers::open_blockers(store, &train.train).await?;
    let overrides = super::overrides::gate_overrides(store, &train.train).await?;
    tracing::debug!(train = %train.train, ?read_rows, gathered = ?started.elapsed(), "gate facts");
    Ok(GateFacts {
        content,
        environment: environment.to_owned(),
        shipping,
        evidence,
        proposals,
        waivers,
        blockers,
        overrides,
        now,
    })
}

fn parse_query(query: &str) -> Result<GateQuery> {
    let mut environment = None;
    let mut shipping = BTreeMap::new();
    let mut now = None;
    for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
        match &*key {
            "environment" => {
                check_id("environment", &value, false)?;
                environment = Some(value.into_owned());
            }
            "ship" => {
                let (component, version) = value.split_once('=').ok_or_else(|| {
                    ApiError::Invalid(format!("`ship` must be `COMPONENT=VERSION`, got `{value}`"))
                })?;
                check_id("ship", component, false)?;
                check_id("ship", version, true)?;
                if shipping
                    .insert(component.to_owned(), version.to_owned())
                    .is_some()
                {
                    return Err(ApiError::Invalid(format!(
                        "`ship` names component `{component}` twice"
                    )));
                }
                if shipping.len() > MAX_SHIPPED {
                    return Err(ApiError::Invalid(format!(
                        "`ship` names more than {MAX_SHIPPED} components"
                    )));
                }
            }
            "now" => {
                now = Some(value.parse::<Timestamp>().map_err(|e| {
                    ApiError::Invalid(format!(
                        "`now` must be an RFC 3339 moment (2027-01-20T12:00:00Z): {e}"
                    ))
                })?);
            }
            other => {
                return Err(ApiError::BadRequest(format!(
                    "unknown query parameter `{other}`: expected environment, ship or now"
                )));
            }
        }
    }
    let environment = environment.ok_or_else(|| {
        ApiError::BadRequest("`environment` is required: where would the release ship?".into())
    })?;
    Ok(GateQuery {
        environment,
        shipping,
        now,
    })
}

/// The stored evidence as the gate's records: the records of one run (the
/// shards of one job) combined into one, recorded when its last arrived.
pub(super) fn stored_evidence(rows: Vec<EvidenceRow>) -> Result<Vec<EvidenceRecord>> {
    // The rows come ordered by subject, component, version: one run each.
    let mut runs: BTreeMap<(String, String, String, String), Vec<EvidenceRow>> = BTreeMap::new();
    for row in rows {
        let e = &row.evidence;
        let key = (
            e.subject.clone(),
            e.component.clone(),
            e.version.clone(),
            e.run.clone(),
        );
        runs.entry(key).or_default().push(row);
    }
    let mut records = Vec::with_capacity(runs.len());
    for ((subject, component, version, run), rows) in runs {
        let unreadable = |row: &EvidenceRow, e: &dyn std::fmt::Display| {
            crate::stored::unreadable(
                &crate::stored::Row::evidence(&row.id),
                "measurements",
                &e.to_string(),
            )
        };
        let mut reports = Vec::with_capacity(rows.len());
        for row in &rows {
            reports.push(
                serde_json::from_str::<Report>(&row.evidence.measurements)
                    .map_err(|e| unreadable(row, &e))?,
            );
        }
        let report = if reports.len() == 1 {
            reports.pop()
        } else {
            Report::combine(&reports).ok()
        };
        // Shards that do not combine (reports of different formats pushed
        // under one run) cannot be judged together: the newest stands.
        let report = match report {
            Some(r) => r,
            None => serde_json::from_str::<Report>(&rows[rows.len() - 1].evidence.measurements)
                .map_err(|e| unreadable(&rows[rows.len() - 1], &e))?,
        };
        let last = rows.iter().map(|r| r.recorded_at).max().unwrap_or(0);
        let recorded_at =
            Timestamp::from_millisecond(last).map_err(|e| unreadable(&rows[0], &e))?;
        let origin = if rows.len() == 1 {
            format!("evidence {}", rows[0].id)
        } else {
            format!("run {run} ({} reports)", rows.len())
        };
        records.push(EvidenceRecord {
            subject: subject_of(&subject),
            component: (!component.is_empty()).then_some(component),
            version: (!version.is_empty()).then_some(version),
            recorded_at,
            origin,
            report,
        });
    }
    // In the order recorded: of two records at one moment, the gate takes
    // the later in its input.
    records.sort_by_key(|r| r.recorded_at);
    Ok(records)
}

/// A subject, hashable: (is an SLO, item or interface, criterion or SLO).
type SubjectKey<'a> = (bool, &'a str, &'a str);
/// A subject's counting pick and newest stale record, by index.
type Picks = (Option<usize>, Option<usize>);
/// Decoded contents by content hash, oldest first.
type Decoded = Vec<(String, std::sync::Arc<TrainContent>)>;

/// The records that can decide, of each subject: the one the gate would
/// pick among those that count (for the version shipped, or of a
/// component not shipped; the newest, the later of a tie) and, when none
/// counts, the newest for another version (the gate names it in its
/// detail). The gate reads no other (`treaty_core::gate`'s `select`), and
/// it looks each subject's records up in the whole list, so fewer records
/// make a faster decision with the same verdict.
fn deciding(
    records: Vec<&EvidenceRecord>,
    shipping: &BTreeMap<String, String>,
) -> Vec<EvidenceRecord> {
    let counts = |r: &EvidenceRecord| match r.component.as_ref().and_then(|c| shipping.get(c)) {
        Some(shipped) => r.version.as_deref() == Some(shipped.as_str()),
        None => true,
    };
    // Per subject: (the counting pick, the newest stale one), by index.
    let mut picked: HashMap<SubjectKey<'_>, Picks> = HashMap::new();
    for (i, r) in records.iter().enumerate() {
        let key = match &r.subject {
            EvidenceSubject::Criterion { item, criterion } => {
                (false, item.as_str(), criterion.as_str())
            }
            EvidenceSubject::Slo { interface, slo } => (true, interface.as_str(), slo.as_str()),
        };
        let (count, stale) = picked.entry(key).or_default();
        // `records` is in recorded order: a later one at the same moment
        // wins, as in the gate.
        let slot = if counts(r) { count } else { stale };
        if slot.is_none_or(|have| r.recorded_at >= records[have].recorded_at) {
            *slot = Some(i);
        }
    }
    let keep: std::collections::BTreeSet<usize> = picked
        .into_values()
        .flat_map(|(count, stale)| match count {
            Some(c) => vec![c],
            None => stale.into_iter().collect(),
        })
        .collect();
    records
        .into_iter()
        .enumerate()
        .filter(|(i, _)| keep.contains(i))
        .map(|(_, r)| r.clone())
        .collect()
}

/// Decoded train contents, by content hash: decoding a large train's JSON
/// through the syntax tree costs more than the rest of a gate, and a
/// revision never changes.
pub(crate) fn decoded(train: &treaty_store::TrainRevision) -> Result<std::sync::Arc<TrainContent>> {
    use std::sync::{Arc, Mutex, OnceLock};
    /// Contents kept, at most (the oldest is forgotten first).
    const KEPT: usize = 16;
    static CACHE: OnceLock<Mutex<Decoded>> = OnceLock::new();
    let cache = CACHE.get_or_init(Mutex::default);
    if let Ok(kept) = cache.lock()
        && let Some((_, c)) = kept.iter().find(|(h, _)| *h == train.content_hash)
    {
        return Ok(c.clone());
    }
    let content = Arc::new(content_of(train)?);
    if let Ok(mut kept) = cache.lock() {
        if kept.len() >= KEPT {
            kept.remove(0);
        }
        kept.push((train.content_hash.clone(), content.clone()));
    }
    Ok(content)
}

/// A stored subject key (`item/criterion`, `slo:interface/name`).
fn subject_of(key: &str) -> EvidenceSubject {
    if let Some(slo) = key.strip_prefix("slo:") {
        let (interface, slo) = slo.split_once('/').unwrap_or((slo, ""));
        return EvidenceSubject::Slo {
            interface: interface.to_owned(),
            slo: slo.to_owned(),
        };
    }
    let (item, criterion) = key.split_once('/').unwrap_or((key, ""));
    EvidenceSubject::Criterion {
        item: item.to_owned(),
        criterion: criterion.to_owned(),
    }
}

/// Contract verifications as evidence for each `verification` criterion
/// (its `source` an interface): for the version of the interface's
/// provider being shipped, each consumer version's last verification,
/// counted as `verifications` and `failed_verifications` in an entry named
/// after the interface. Without a shipped provider version there is none:
/// which version's verifications would count is unknown.
async fn verification_evidence(
    store: &treaty_store::Store,
    content: &TrainContent,
    shipping: &BTreeMap<String, String>,
) -> Result<Vec<EvidenceRecord>> {
    let mut measured: HashMap<String, Option<(Report, Timestamp, String, String)>> = HashMap::new();
    let mut records = Vec::new();
    for item in &content.release.scope {
        for c in &item.done {
            let Some(ev) = c
                .evidence
                .as_ref()
                .filter(|e| e.kind == EvidenceKind::Verification)
            else {
                continue;
            };
            let interface = ev.source.as_str();
            if !measured.contains_key(interface) {
                let m = verifications_of(store, interface, shipping).await?;
                measured.insert(interface.to_owned(), m);
            }
            if let Some(Some((report, at, provider, version))) = measured.get(interface) {
                records.push(EvidenceRecord {
                    subject: EvidenceSubject::Criterion {
                        item: item.id.value.clone(),
                        criterion: c.id.value.clone(),
                    },
                    component: Some(provider.clone()),
                    version: Some(version.clone()),
                    recorded_at: *at,
                    origin: format!("verifications of `{interface}` {provider} {version}"),
                    report: report.clone(),
                });
            }
        }
    }
    Ok(records)
}

/// The verification report of `interface` for its provider's shipped
/// version (the newest verified one when `shipping` does not name the
/// provider), with the newest verification's time, the provider and the
/// version; none when nothing was verified.
async fn verifications_of(
    store: &treaty_store::Store,
    interface: &str,
    shipping: &BTreeMap<String, String>,
) -> Result<Option<(Report, Timestamp, String, String)>> {
    let Some(owned) = store.interface(interface).await? else {
        return Ok(None);
    };
    let provider = owned.interface.component.clone();
    let version = match shipping.get(&provider) {
        Some(v) => v.clone(),
        // Not named: the provider's newest verified version stands for it,
        // as the newest run of a report does for a component not named
        // (the escalation timers and digests name none).
        None => match store.verifications(interface, None, None, 1).await?.first() {
            Some(v) => v.verification.provider_version.clone(),
            None => return Ok(None),
        },
    };
    let version = &version;
    // Each consumer version once: its last verification decides.
    let mut pairs: Vec<(String, String)> = Vec::new();
    let mut before: Option<(i64, String)> = None;
    loop {
        let page = store
            .verifications(
                interface,
                Some(version),
                before.as_ref().map(|(at, id)| (*at, id.as_str())),
                crate::api::MAX_PAGE,
            )
            .await?;
        for v in &page {
            let pair = (
                v.verification.consumer.clone(),
                v.verification.consumer_version.clone(),
            );
            if !pairs.contains(&pair) {
                pairs.push(pair);
            }
        }
        match page.last() {
            Some(last) if page.len() as i64 == crate::api::MAX_PAGE => {
                before = Some((last.recorded_at, last.id.clone()));
            }
            _ => break,
        }
    }
    let (mut total, mut failed, mut newest) = (0u32, 0u32, i64::MIN);
    for (consumer, consumer_version) in &pairs {
        if let Some(v) = store
            .latest_verification(interface, version, consumer, consumer_version)
            .await?
        {
            total += 1;
            failed += u32::from(!v.verification.success);
            newest = newest.max(v.recorded_at);
        }
    }
    if total == 0 {
        return Ok(None);
    }
    let metric = |value: u32| Measurement {
        value: f64::from(value),
        unit: None,
    };
    let report = Report {
        format: ReportFormat::Metrics,
        entries: vec![Entry {
            name: Some(interface.to_owned()),
            metrics: [
                ("verifications".to_owned(), metric(total)),
                ("failed_verifications".to_owned(), metric(failed)),
            ]
            .into(),
        }],
    };
    let at = Timestamp::from_millisecond(newest)
        .map_err(|e| ApiError::Internal(format!("a verification's time: {e}")))?;
    Ok(Some((report, at, provider, version.clone())))
}

/// The broker's breaking-change proposals and waivers, as the gate sees
/// them: each with the decisions taken on its current change set.
async fn known_proposals(
    store: &treaty_store::Store,
) -> Result<(Vec<KnownProposal>, Vec<KnownWaiver>)> {
    let mut proposals = Vec::new();
    let mut waivers = Vec::new();
    let mut after: Option<(i64, String)> = None;
    let mut read = 0;
    loop {
        let page = store
            .proposals(
                None,
                None,
                after.as_ref().map(|(at, id)| (*at, id.as_str())),
                MAX_PROPOSAL_PAGE,
            )
            .await?;
        read += page.len();
        for p in &page {
            if p.proposal.kind == "waiver" {
                waivers.push(known_waiver(p)?);
            } else {
                proposals.push(known_proposal(p)?);
            }
        }
        match page.last() {
            Some(last) if page.len() as i64 == MAX_PROPOSAL_PAGE && read < MAX_PROPOSALS => {
                after = Some((last.created_at, last.id.clone()));
            }
            _ => break,
        }
    }
    Ok((proposals, waivers))
}

fn unreadable_proposal(p: &ProposalRecord, field: &str, value: &str) -> ApiError {
    ApiError::Internal(format!(
        "proposal `{}`: its stored {field} `{value}` does not read",
        p.id
    ))
}

fn state_of(p: &ProposalRecord) -> Result<ProposalState> {
    ProposalState::parse(&p.proposal.state)
        .ok_or_else(|| unreadable_proposal(p, "state", &p.proposal.state))
}

/// The decisions that count: those on the current change set (an unknown
/// one counts as nothing rather than as an approval).
fn decisions_of(p: &ProposalRecord) -> Vec<(String, Decision)> {
    p.decisions
        .iter()
        .filter(|d| d.change_set == p.proposal.change_set)
        .filter_map(|d| Some((d.team.clone(), Decision::parse(&d.decision)?)))
        .collect()
}

fn known_proposal(p: &ProposalRecord) -> Result<KnownProposal> {
    let impact: crate::api::Impact = serde_json::from_value(p.proposal.impact.clone())
        .map_err(|e| unreadable_proposal(p, "impact", &e.to_string()))?;
    Ok(KnownProposal {
        id: p.id.clone(),
        interface: p.proposal.interface.clone(),
        state: state_of(p)?,
        target_release: p.proposal.target_release.clone(),
        affected: impact.consumers.into_iter().collect(),
        decisions: decisions_of(p),
    })
}

fn known_waiver(p: &ProposalRecord) -> Result<KnownWaiver> {
    let expires = p.proposal.expires.as_deref().unwrap_or("");
    let expires = expires
        .parse::<jiff::civil::Date>()
        .map_err(|_| unreadable_proposal(p, "expires", expires))?;
    Ok(KnownWaiver {
        id: p.id.clone(),
        interface: p.proposal.interface.clone(),
        rules: p.proposal.rules.clone(),
        expires: CalendarDate(expires),
        state: state_of(p)?,
        decisions: decisions_of(p),
    })
}
