//! E-mail over SMTP (`treaty serve --smtp-url smtp://host:port --smtp-from
//! ADDRESS`): the escalation e-mails queued in the notification outbox,
//! sent by the delivery worker (`webhooks::deliver`) with the retries and
//! the delivery log of webhooks. `smtp://` is plain SMTP, `smtp://…?tls=required`
//! STARTTLS, `smtps://` TLS from the start (rustls, webpki roots), as
//! `lettre` reads the URL; a user and password go in the URL.

use std::time::Duration;

use lettre::message::{Mailbox, header::ContentType};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

/// Where and as whom escalation e-mails are sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpConfig {
    /// The server: `smtp://host:port`, `smtps://host:port`.
    pub url: String,
    /// The sender, `Treaty <treaty@example.com>` or a bare address.
    pub from: String,
}

/// Why the SMTP settings are refused.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// The server URL does not parse.
    #[error("--smtp-url `{url}`: {reason}")]
    Url {
        /// The URL, without a password.
        url: String,
        /// What is wrong.
        reason: String,
    },
    /// The sender is not an address.
    #[error("--smtp-from `{0}` is not an e-mail address (`Treaty <treaty@example.com>`)")]
    From(String),
}

/// A connection pool to the SMTP server and the sender.
pub(crate) struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer").field("from", &self.from).finish()
    }
}

impl SmtpConfig {
    /// Checks the settings (at start, so a typo stops `treaty serve`).
    pub fn check(&self) -> Result<(), MailError> {
        Mailer::new(self, Duration::from_secs(10)).map(|_| ())
    }
}

impl Mailer {
    /// A mailer for `config`, each exchange bounded by `timeout`.
    pub(crate) fn new(config: &SmtpConfig, timeout: Duration) -> Result<Mailer, MailError> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&config.url)
            .map_err(|e| MailError::Url {
                url: without_password(&config.url),
                reason: e.to_string(),
            })?
            .timeout(Some(timeout))
            .build();
        let from = config
            .from
            .parse::<Mailbox>()
            .map_err(|_| MailError::From(config.from.clone()))?;
        Ok(Mailer { transport, from })
    }

    /// Sends one queued event to `to`: its `text` as the subject and the
    /// body's first line, its JSON payload after it; `Message-ID` is the
    /// event's id, the same at every attempt. The SMTP reply code, or why
    /// there is none.
    pub(crate) async fn send(&self, id: &str, to: &str, payload: &str) -> Result<u16, String> {
        let to: Mailbox = to
            .parse()
            .map_err(|e| format!("`{to}` is not an e-mail address: {e}"))?;
        let text = serde_json::from_str::<serde_json::Value>(payload)
            .ok()
            .and_then(|v| v.get("text").and_then(|t| t.as_str()).map(str::to_owned))
            .unwrap_or_else(|| "Treaty notification".to_owned());
        let subject: String = text
            .lines()
            .next()
            .unwrap_or("")
            .chars()
            .take(200)
            .collect();
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .message_id(Some(format!("<{id}@treaty>")))
            .header(ContentType::TEXT_PLAIN)
            .body(format!("{text}\n\n{payload}\n"))
            .map_err(|e| e.to_string())?;
        let response = self
            .transport
            .send(message)
            .await
            .map_err(|e| crate::webhooks::error_chain(&e))?;
        Ok(u16::from(response.code()))
    }
}

/// `url` with any password replaced.
fn without_password(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_owned(),
    }
}
