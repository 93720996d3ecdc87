//! `treaty team webhook ...` (a team's webhook and signing secret, a ping)
//! and `treaty notifications list|show` (what was queued for teams and how
//! each delivery attempt went).

use std::fmt::Write as _;

use treaty_server::api;

use super::http::{Broker, Result, enc};
use crate::cli::{BrokerArgs, WebhookCommand};

/// `treaty team webhook ...`.
pub fn webhook(command: WebhookCommand) -> Result<String> {
    let (method, team, suffix, body, to) = match &command {
        WebhookCommand::Set { team, url, broker } => (
            "PUT",
            team,
            "",
            Some(api::SetWebhook { url: url.clone() }),
            broker,
        ),
        WebhookCommand::Show { team, broker } => ("GET", team, "", None, broker),
        WebhookCommand::Remove { team, broker } => ("DELETE", team, "", None, broker),
        WebhookCommand::RotateSecret { team, broker } => ("POST", team, "/secret", None, broker),
        WebhookCommand::Ping { team, broker } => {
            let (_, queued) = Broker::from(broker).call::<api::Queued>(
                "POST",
                &format!("/api/v1/teams/{}/webhook/ping", enc(team)),
                None::<&()>,
            )?;
            return Ok(format!(
                "queued ping {} for team {team}; `treaty notifications show {}` tells how it went",
                queued.id, queued.id
            ));
        }
    };
    let path = format!("/api/v1/teams/{}/webhook{suffix}", enc(team));
    let (_, settings) =
        Broker::from(to).call::<api::WebhookSettings>(method, &path, body.as_ref())?;
    let mut out = format!(
        "team {}\nwebhook: {}",
        settings.team,
        settings
            .url
            .as_deref()
            .unwrap_or("(none: no notifications are queued)")
    );
    if let Some(secret) = &settings.secret {
        let _ = write!(out, "\nsecret: {secret}");
    }
    Ok(out)
}

/// `treaty notifications list`.
pub fn list(
    to: &BrokerArgs,
    team: Option<&str>,
    after: Option<&str>,
    limit: i64,
    format: &str,
) -> Result<String> {
    let mut path = format!("/api/v1/notifications?limit={limit}");
    if let Some(team) = team {
        let _ = write!(path, "&team={}", enc(team));
    }
    if let Some(after) = after {
        let _ = write!(path, "&after={}", enc(after));
    }
    let page: api::Page<api::Notification> = Broker::from(to).get(&path)?;
    if format == "json" {
        return Ok(serde_json::to_string_pretty(&page)?);
    }
    if page.items.is_empty() {
        return Ok("no notifications".into());
    }
    let mut out = String::new();
    for n in &page.items {
        let _ = writeln!(
            out,
            "{}  {}  {}  {}  {} attempt{}",
            n.id,
            n.team,
            n.event_type,
            n.state,
            n.attempts,
            if n.attempts == 1 { "" } else { "s" }
        );
    }
    if let Some(next) = &page.next {
        let _ = writeln!(out, "more: --after {next}");
    }
    Ok(out.trim_end().to_owned())
}

/// `treaty notifications show`.
pub fn show(to: &BrokerArgs, id: &str, format: &str) -> Result<String> {
    let detail: api::NotificationDetail =
        Broker::from(to).get(&format!("/api/v1/notifications/{}", enc(id)))?;
    if format == "json" {
        return Ok(serde_json::to_string_pretty(&detail)?);
    }
    let n = &detail.notification;
    let mut out = format!(
        "{} for team {} to {}\ntype: {}\nstate: {}",
        n.id, n.team, n.url, n.event_type, n.state
    );
    if let Some(next) = n.next_attempt_at {
        let _ = write!(out, " (next attempt {})", time(next));
    }
    if let Some(text) = detail.payload["text"].as_str() {
        let _ = write!(out, "\ntext: {text}");
    }
    for (i, a) in detail.log.iter().enumerate() {
        let outcome = match (&a.status, &a.error) {
            (Some(s), Some(e)) => format!("{s}: {e}"),
            (Some(s), None) => s.to_string(),
            (None, Some(e)) => e.clone(),
            (None, None) => "no answer".into(),
        };
        let _ = write!(
            out,
            "\nattempt {} at {} ({} ms): {outcome}",
            i + 1,
            time(a.at),
            a.duration_ms
        );
    }
    Ok(out)
}

/// Unix milliseconds as an RFC 3339 time, or the number if out of range.
fn time(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms).map_or_else(|_| ms.to_string(), |t| t.to_string())
}
