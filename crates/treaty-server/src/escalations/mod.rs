//! The escalation timers `treaty serve` runs beside the API: each train
//! has a timer in the database (`treaty_store`'s `escalation_timers`); a
//! broker claims the trains that are due on its clock (on PostgreSQL with
//! `FOR UPDATE SKIP LOCKED`), has the gate judge each (`evaluate`), asks
//! `treaty_core::escalation` which steps are due, records each step not
//! yet sent with its decision log entry and notifications in one
//! transaction, and sets when to look again.
//!
//! A broker killed between a deadline and its notification loses nothing:
//! a step not yet recorded is found due again by the next evaluation (the
//! timer's lease runs out), and one recorded has its notification in the
//! outbox, which the delivery worker sends, once, under one `webhook-id`.

mod evaluate;

pub(crate) use evaluate::recipients;

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use treaty_store::{Store, StoreError};

use crate::clock::Clock;

/// How the escalation timers run.
#[derive(Debug, Clone)]
pub struct EscalationConfig {
    /// How often the timers are looked at when none was due.
    pub poll: Duration,
    /// How long a claimed train is this broker's: longer than an
    /// evaluation may take.
    pub lease: Duration,
    /// The longest a train waits between two evaluations: what new
    /// evidence or a milestone passing is noticed within.
    pub recheck: Duration,
    /// Trains claimed at once, at most.
    pub batch: i64,
}

impl Default for EscalationConfig {
    fn default() -> EscalationConfig {
        EscalationConfig {
            poll: Duration::from_secs(1),
            lease: Duration::from_secs(120),
            recheck: Duration::from_secs(300),
            batch: 8,
        }
    }
}

/// The running timers; [`EscalationWorker::stop`] ends them.
#[derive(Debug)]
pub struct EscalationWorker {
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

/// What one evaluating broker shares between its evaluations.
#[derive(Debug)]
struct Evaluator {
    store: Store,
    config: EscalationConfig,
    clock: Clock,
    /// Whether e-mails are queued (an SMTP server is configured).
    email: bool,
    /// This process's name in claims.
    broker: String,
    /// Trains' evidence as the gate decoded it (shared with the API's).
    evidence: Arc<crate::routes::trains::gate::EvidenceCache>,
}

impl EscalationWorker {
    /// Starts the timers on the current Tokio runtime, with `broker`'s
    /// clock, SMTP setting and timer settings, keeping decoded evidence
    /// in `kept` (the API's, in `treaty serve`).
    pub fn start(
        store: Store,
        broker: &crate::Config,
        kept: &crate::Kept,
    ) -> Result<EscalationWorker, StoreError> {
        let evaluator = Arc::new(Evaluator {
            store,
            config: broker.escalations.clone(),
            clock: broker.clock.clone(),
            email: broker.smtp.is_some(),
            broker: treaty_store::random_id("broker_")?,
            evidence: kept.evidence.clone(),
        });
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(run(evaluator, stopped));
        Ok(EscalationWorker { stop, task })
    }

    /// Stops claiming, finishes the evaluation in progress and gives back
    /// the trains still claimed.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

async fn run(evaluator: Arc<Evaluator>, mut stopped: watch::Receiver<bool>) {
    let batch = evaluator.config.batch.max(1);
    while !*stopped.borrow() {
        let claimed = match evaluator.clock.now_ms() {
            Ok(now) => {
                let lease_until = now.saturating_add(millis(evaluator.config.lease));
                evaluator
                    .store
                    .claim_escalation_timers(&evaluator.broker, now, lease_until, batch)
                    .await
                    .map(|trains| (now, trains))
                    .map_err(|e| e.to_string())
            }
            Err(e) => Err(e.to_string()),
        };
        let full = match claimed {
            Ok((now, trains)) => {
                for train in &trains {
                    let next = match evaluate::evaluate(&evaluator, train, now).await {
                        Ok(next) => next,
                        Err(e) => {
                            tracing::warn!(train = %train, error = %e, "cannot evaluate escalations");
                            now.saturating_add(millis(evaluator.config.recheck))
                        }
                    };
                    if let Err(e) = evaluator
                        .store
                        .reschedule_escalations(train, &evaluator.broker, next)
                        .await
                    {
                        tracing::warn!(train = %train, error = %e, "cannot reschedule escalations; the lease ends the claim");
                    }
                }
                trains.len() as i64 >= batch
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot claim escalation timers");
                false
            }
        };
        if full {
            continue;
        }
        tokio::select! {
            () = tokio::time::sleep(evaluator.config.poll) => {}
            _ = stopped.changed() => {}
        }
    }
    match evaluator
        .store
        .release_escalation_timers(&evaluator.broker)
        .await
    {
        Ok(0) => {}
        Ok(n) => tracing::info!(released = n, "gave back escalation timers claimed"),
        Err(e) => {
            tracing::warn!(error = %e, "cannot give back escalation timers; their lease ends")
        }
    }
}
