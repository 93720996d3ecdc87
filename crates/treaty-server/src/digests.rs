//! The status digests `treaty serve` sends on the cadence governance sets
//! (`governance.communication.digest`): in each period of the cadence
//! (`treaty_core::digest::period`: a day, or a week or two from Monday
//! 00:00 UTC), every team of the open trains (planned or active) gets one
//! digest over all of them, composed by `treaty_core::digest` from what
//! the gate judges (the same facts as `GET /api/v1/trains/{id}/gate`) and
//! the team's previous digest, and sent to its webhook (and its address,
//! when an SMTP server is configured). A team with nothing in any open
//! train and no decision waiting on it is sent none.
//!
//! Each digest is recorded with its notifications in one transaction,
//! keyed by team, cadence and period, so brokers sharing a database send
//! it once; a broker stopped or killed before recording it sends it when
//! it runs again, within the same period. The governance is the newest
//! open train's; the clock is the broker's (tests set it).

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use jiff::Timestamp;
use tokio::sync::watch;
use treaty_core::digest::{self, Digest};
use treaty_core::model::{DigestCadence, ReleaseStatus, Team};
use treaty_store::{NewDigest, NewEvent, Store, TrainSummary};

use crate::clock::Clock;
use crate::routes::trains::gate::{EvidenceCache, decoded, gather};

/// Trains read at most when looking for the open ones.
const MAX_TRAINS: usize = 2_500;
/// The environment digests judge the gate for, when the broker knows it
/// or knows none; else the first it knows.
const DEFAULT_ENVIRONMENT: &str = "production";

/// How the digests are sent.
#[derive(Debug, Clone)]
pub struct DigestConfig {
    /// How often the broker looks whether a period began or the trains
    /// changed.
    pub poll: Duration,
}

impl Default for DigestConfig {
    fn default() -> DigestConfig {
        DigestConfig {
            poll: Duration::from_secs(30),
        }
    }
}

/// The running digest sender; [`DigestWorker::stop`] ends it.
#[derive(Debug)]
pub struct DigestWorker {
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

/// What a round covered: a later round with the same trains in the same
/// period has nothing to send.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Covered {
    trains: Vec<(String, i64)>,
    cadence: Option<DigestCadence>,
    period: i64,
}

#[derive(Debug)]
struct Sender {
    store: Store,
    clock: Clock,
    email: bool,
    /// Trains' evidence as the gate decoded it (shared with the API's).
    evidence: std::sync::Arc<EvidenceCache>,
}

impl DigestWorker {
    /// Starts sending digests on the current Tokio runtime, with
    /// `broker`'s clock, SMTP setting and digest settings, keeping decoded
    /// evidence in `kept` (the API's, in `treaty serve`).
    pub fn start(store: Store, broker: &crate::Config, kept: &crate::Kept) -> DigestWorker {
        let sender = Sender {
            store,
            clock: broker.clock.clone(),
            email: broker.smtp.is_some(),
            evidence: kept.evidence.clone(),
        };
        let poll = broker.digests.poll;
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(run(sender, poll, stopped));
        DigestWorker { stop, task }
    }

    /// Stops, after the round in progress.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

async fn run(sender: Sender, poll: Duration, mut stopped: watch::Receiver<bool>) {
    let mut covered: Option<Covered> = None;
    while !*stopped.borrow() {
        match round(&sender, covered.as_ref()).await {
            Ok(c) => covered = Some(c),
            Err(e) => tracing::warn!(error = %e, "cannot send status digests"),
        }
        tokio::select! {
            () = tokio::time::sleep(poll) => {}
            _ = stopped.changed() => {}
        }
    }
}

/// Every train by its newest revision, in id order.
async fn listed(store: &Store) -> Result<Vec<TrainSummary>, String> {
    let mut all: Vec<TrainSummary> = Vec::new();
    loop {
        let after = all.last().map_or("", |t| t.train.as_str()).to_owned();
        let page = store
            .trains(&after, treaty_store::MAX_TRAIN_PAGE)
            .await
            .map_err(|e| e.to_string())?;
        let full = page.len() as i64 >= treaty_store::MAX_TRAIN_PAGE;
        all.extend(page);
        if !full || all.len() >= MAX_TRAINS {
            return Ok(all);
        }
    }
}

/// Sends the digests due at the broker's now; answers what it covered.
async fn round(s: &Sender, before: Option<&Covered>) -> Result<Covered, String> {
    let now = s.clock.now().map_err(|e| e.to_string())?;
    let summaries = listed(&s.store).await?;
    let trains: Vec<(String, i64)> = summaries
        .iter()
        .map(|t| (t.train.clone(), t.revision))
        .collect();
    if let Some(b) = before.filter(|b| b.trains == trains) {
        let unchanged = match b.cadence {
            None => true,
            Some(c) => digest::period(c, now) == b.period,
        };
        if unchanged {
            return Ok(b.clone());
        }
    }
    let mut open = Vec::new();
    for t in &summaries {
        let Some(revision) = s.store.train(&t.train).await.map_err(|e| e.to_string())? else {
            continue;
        };
        let content = decoded(&revision).map_err(|e| e.to_string())?;
        if matches!(
            content.release.status,
            ReleaseStatus::Planned | ReleaseStatus::Active
        ) {
            open.push((revision, content));
        }
    }
    // The newest published train speaks for the workspace's governance.
    open.sort_by_key(|(r, _)| std::cmp::Reverse(r.published_at));
    let cadence = open
        .first()
        .and_then(|(_, c)| c.governance.communication.digest);
    let Some(cadence) = cadence else {
        return Ok(Covered {
            trains,
            cadence: None,
            period: 0,
        });
    };
    let period = digest::period(cadence, now);
    let covered = Covered {
        trains,
        cadence: Some(cadence),
        period,
    };
    let done: BTreeSet<String> = s
        .store
        .digested_teams(cadence.as_str(), period)
        .await
        .map_err(|e| e.to_string())?
        .into_iter()
        .collect();
    // Each team once, as the newest train describes it.
    let mut teams: BTreeMap<String, Team> = BTreeMap::new();
    let mut owners: BTreeSet<String> = BTreeSet::new();
    for (_, content) in open.iter().rev() {
        for t in &content.teams {
            teams.insert(t.id.value.clone(), t.clone());
        }
        owners.extend(
            content
                .release
                .scope
                .iter()
                .filter_map(|i| i.owner.as_ref().map(|o| o.value.clone())),
        );
    }
    let todo: Vec<String> = teams
        .keys()
        .cloned()
        .chain(owners)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .filter(|t| !done.contains(t))
        .collect();
    if todo.is_empty() {
        return Ok(covered);
    }
    let environment = environment(&s.store).await?;
    let mut facts = Vec::with_capacity(open.len());
    for (revision, _) in &open {
        facts.push(
            gather(
                &s.store,
                &s.evidence,
                revision,
                &environment,
                BTreeMap::new(),
                now,
            )
            .await
            .map_err(|e| e.to_string())?,
        );
    }
    let mut previous = Vec::with_capacity(todo.len());
    for team in &todo {
        let last = s
            .store
            .digests(team, 1)
            .await
            .map_err(|e| e.to_string())?
            .into_iter()
            .next()
            .and_then(|r| serde_json::from_str::<Digest>(&r.digest.body).ok());
        previous.push(last);
    }
    let digests = tokio::task::spawn_blocking(move || {
        let inputs: Vec<_> = facts.iter().map(|f| f.input()).collect();
        let teams: Vec<&str> = todo.iter().map(String::as_str).collect();
        digest::digests(
            &teams,
            &inputs,
            &facts[0].content.governance,
            now,
            &previous,
        )
    })
    .await
    .map_err(|e| format!("composing digests: {e}"))?;
    let teams: Vec<Team> = teams.into_values().collect();
    for d in digests.iter().filter(|d| d.has_news()) {
        send(s, d, cadence, period, &teams, now).await?;
    }
    Ok(covered)
}

/// Records `d` for its team and period, with its notifications.
async fn send(
    s: &Sender,
    d: &Digest,
    cadence: DigestCadence,
    period: i64,
    teams: &[Team],
    now: Timestamp,
) -> Result<(), String> {
    let body = serde_json::to_string(d).map_err(|e| e.to_string())?;
    let text = d.to_text();
    let event = NewEvent {
        event_type: "digest",
        text: &text,
        data: serde_json::json!({
            "team": d.team,
            "cadence": cadence.as_str(),
            "period_start": digest::period_start(cadence, period).to_string(),
            "digest": d,
        }),
    };
    let to = crate::escalations::recipients(&d.team, &d.team, teams, s.email);
    let new = NewDigest {
        team: d.team.clone(),
        cadence: cadence.as_str().to_owned(),
        period,
        body,
    };
    let recorded = s
        .store
        .record_digest(&new, &to, &event, now.as_millisecond())
        .await
        .map_err(|e| e.to_string())?;
    if let Some(r) = recorded {
        tracing::info!(team = %d.team, period, notifications = r.notifications.len(), "status digest sent");
    }
    Ok(())
}

/// The environment the digests' gates are judged for.
async fn environment(store: &Store) -> Result<String, String> {
    let known = store
        .environments("", 50)
        .await
        .map_err(|e| e.to_string())?;
    Ok(match known.first() {
        Some(first) if !known.iter().any(|e| e == DEFAULT_ENVIRONMENT) => first.clone(),
        _ => DEFAULT_ENVIRONMENT.to_owned(),
    })
}
