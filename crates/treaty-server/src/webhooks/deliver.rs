//! The delivery worker `treaty serve` runs beside the API: it claims due
//! events from the outbox, POSTs each, signed, to its team's webhook
//! through the SSRF guard (or, for an e-mail, sends it over SMTP when the
//! broker has a server: `crate::mail`), logs the attempt and schedules the
//! next. Its time is the broker's injected clock (`crate::clock`).

use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::redirect::Policy;
use tokio::sync::watch;
use tokio::task::JoinSet;
use treaty_store::{AfterAttempt, Attempt, ClaimedNotification, Store, StoreError};
use url::Url;

use super::WebhookConfig;
use super::address::check_url;
use super::resolve::GuardedResolver;
use super::sign::signature;
use crate::clock::Clock;
use crate::mail::{MailError, Mailer};

/// Longest error text kept in an attempt's log.
const MAX_ERROR: usize = 500;

/// The running worker; [`DeliveryWorker::stop`] ends it.
#[derive(Debug)]
pub struct DeliveryWorker {
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

/// Why the worker could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The HTTP client could not be built (no TLS roots...).
    #[error("cannot build the webhook HTTP client: {0}")]
    Client(#[from] reqwest::Error),
    /// No id for this broker's claims.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The SMTP settings are refused.
    #[error(transparent)]
    Mail(#[from] MailError),
}

/// What one delivering broker shares between its deliveries.
#[derive(Debug)]
struct Deliverer {
    store: Store,
    client: reqwest::Client,
    config: WebhookConfig,
    /// This process's name in claims: a random id per start.
    broker: String,
    /// The broker's clock.
    clock: Clock,
    /// E-mail, when an SMTP server is configured.
    mailer: Option<Mailer>,
}

impl Deliverer {
    /// Now on the broker's clock; the system's when a test clock cannot be
    /// read (logged), so that delivery never stalls on it.
    fn now_ms(&self) -> i64 {
        self.clock.now_ms().unwrap_or_else(|e| {
            tracing::warn!(error = %e, "cannot read the clock");
            crate::now_ms()
        })
    }
}

impl DeliveryWorker {
    /// Starts delivering on the current Tokio runtime, with the broker's
    /// webhook settings, clock and SMTP server (if any) of `broker`.
    pub fn start(store: Store, broker: &crate::Config) -> Result<DeliveryWorker, StartError> {
        let mut config = broker.webhooks.clone();
        // A delivery must end well inside its claim, or another broker
        // could take the event while it is still being sent.
        config.timeout = config.timeout.min(config.lease / 2);
        let client = http_client(&config)?;
        let mailer = broker
            .smtp
            .as_ref()
            .map(|smtp| Mailer::new(smtp, config.timeout))
            .transpose()?;
        let clock = broker.clock.clone();
        let broker = treaty_store::random_id("broker_")?;
        let (stop, stopped) = watch::channel(false);
        let deliverer = Arc::new(Deliverer {
            store,
            client,
            config,
            broker,
            clock,
            mailer,
        });
        let task = tokio::spawn(run(deliverer, stopped));
        Ok(DeliveryWorker { stop, task })
    }

    /// Stops claiming, lets the deliveries in progress finish (each is
    /// bounded by the request timeout) and gives back what is still
    /// claimed, so other brokers or the next start deliver it at once.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

/// The client every delivery uses: names resolved through the guard, no
/// redirects followed (a 3xx is a failed attempt), no proxy from the
/// environment (a proxy would connect where the guard never looked).
fn http_client(config: &WebhookConfig) -> Result<reqwest::Client, reqwest::Error> {
    reqwest::Client::builder()
        .dns_resolver(Arc::new(GuardedResolver {
            allow: Arc::new(config.allow.clone()),
        }))
        .redirect(Policy::none())
        .no_proxy()
        .timeout(config.timeout)
        .connect_timeout(config.timeout)
        .user_agent(concat!("treaty-webhooks/", env!("CARGO_PKG_VERSION")))
        .build()
}

async fn run(deliverer: Arc<Deliverer>, mut stopped: watch::Receiver<bool>) {
    let batch = deliverer.config.batch.max(1);
    let mut swept: Option<std::time::Instant> = None;
    while !*stopped.borrow() {
        let now = deliverer.now_ms();
        if swept.is_none_or(|at| at.elapsed() >= WAIVER_SWEEP) {
            swept = Some(std::time::Instant::now());
            match crate::routes::proposals::announce_expiring_waivers(&deliverer.store, now).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(waivers = n, "announced waivers about to expire"),
                Err(e) => tracing::warn!(error = %e, "cannot announce expiring waivers"),
            }
        }
        let lease_until = now.saturating_add(millis(deliverer.config.lease));
        let claimed = match deliverer
            .store
            .claim_notifications(&deliverer.broker, now, lease_until, batch)
            .await
        {
            Ok(claimed) => claimed,
            Err(e) => {
                tracing::warn!(error = %e, "cannot claim notifications");
                Vec::new()
            }
        };
        let emails = match &deliverer.mailer {
            None => Vec::new(),
            Some(_) => deliverer
                .store
                .claim_emails(&deliverer.broker, now, lease_until, batch)
                .await
                .unwrap_or_else(|e| {
                    tracing::warn!(error = %e, "cannot claim e-mails");
                    Vec::new()
                }),
        };
        let full = claimed.len() as i64 >= batch || emails.len() as i64 >= batch;
        let mut deliveries = JoinSet::new();
        for event in claimed {
            deliveries.spawn(deliver(deliverer.clone(), event, Channel::Webhook));
        }
        for event in emails {
            deliveries.spawn(deliver(deliverer.clone(), event, Channel::Email));
        }
        while deliveries.join_next().await.is_some() {}
        if full {
            continue;
        }
        tokio::select! {
            () = tokio::time::sleep(deliverer.config.poll) => {}
            _ = stopped.changed() => {}
        }
    }
    match deliverer.store.release_claims(&deliverer.broker).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(released = n, "gave back notifications claimed"),
        Err(e) => {
            tracing::warn!(error = %e, "cannot give back claimed notifications; they return when their lease ends")
        }
    }
}

/// How often the worker looks for waivers about to expire.
const WAIVER_SWEEP: Duration = Duration::from_secs(60);

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// How a claimed event is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Channel {
    Webhook,
    Email,
}

/// One attempt at one event, logged, with the next one scheduled.
async fn deliver(deliverer: Arc<Deliverer>, event: ClaimedNotification, channel: Channel) {
    let at = deliverer.now_ms();
    let started = Instant::now();
    // The HTTP status answered, or for an e-mail the SMTP reply code: 2xx
    // is delivered either way.
    let outcome = match (channel, &deliverer.mailer) {
        (Channel::Webhook, _) => send(&deliverer, &event).await.map(|s| s.as_u16()),
        (Channel::Email, Some(mailer)) => mailer.send(&event.id, &event.url, &event.payload).await,
        (Channel::Email, None) => Err("no SMTP server is configured".to_owned()),
    };
    let duration_ms = millis(started.elapsed());
    let (status_code, error) = match outcome {
        Ok(status) if channel == Channel::Webhook && (300..400).contains(&status) => (
            Some(status),
            Some("a redirect, not followed: the webhook must answer 2xx itself".to_owned()),
        ),
        Ok(status) => (Some(status), None),
        Err(e) => (None, Some(e)),
    };
    let delivered = error.is_none() && status_code.is_some_and(|s| (200..300).contains(&s));
    let after = if delivered {
        AfterAttempt::Delivered
    } else {
        match deliverer.config.backoff.after_failures(event.attempts + 1) {
            Some(delay) => AfterAttempt::RetryAt(deliverer.now_ms().saturating_add(millis(delay))),
            None => AfterAttempt::Dead,
        }
    };
    tracing::info!(
        id = %event.id, team = %event.team, status = ?status_code, error = ?error,
        duration_ms, outcome = ?after, "webhook attempt"
    );
    let attempt = Attempt {
        at,
        duration_ms,
        status_code: status_code.map(i64::from),
        error,
    };
    if let Err(e) = deliverer
        .store
        .finish_attempt(&event.id, &deliverer.broker, &attempt, after)
        .await
    {
        // The claim runs out and the event is tried again: at least once.
        tracing::warn!(id = %event.id, error = %e, "cannot record a webhook attempt");
    }
}

/// POSTs the event, signed; the status answered, or why there is none.
async fn send(
    deliverer: &Deliverer,
    event: &ClaimedNotification,
) -> Result<reqwest::StatusCode, String> {
    // Checked again at every attempt: the allowlist may have changed since
    // the URL was stored. A host written as an address is judged here (the
    // client does not resolve it); a name, by the resolver.
    let url: Url = check_url(&event.url, &deliverer.config.allow)
        .map_err(|e| format!("the webhook URL {e}"))?;
    let secret = event
        .secret
        .as_deref()
        .ok_or("the team has no signing secret")?;
    let timestamp = deliverer.now_ms() / 1000;
    let signature =
        signature(secret, &event.id, timestamp, &event.payload).map_err(|e| e.to_string())?;
    let response = deliverer
        .client
        .post(url)
        .header("content-type", "application/json")
        .header("webhook-id", &event.id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(event.payload.clone())
        .send()
        .await
        .map_err(|e| error_chain(&e))?;
    Ok(response.status())
}

/// An error and its causes, in one bounded line.
pub(crate) fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    if text.len() > MAX_ERROR {
        let mut end = MAX_ERROR;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
    }
    text
}
