//! Webhooks and notifications: a team's webhook and signing secret, the
//! events queued for it and every delivery attempt.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// The body of `PUT /api/v1/teams/{id}/webhook`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetWebhook {
    /// An http or https URL, at most 2048 bytes, whose host is public
    /// (unless the broker's operator allows its range).
    pub url: String,
}

/// A team's webhook and the secret its notifications are signed with.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct WebhookSettings {
    /// The team.
    pub team: String,
    /// Where its notifications go; absent: nowhere, none are queued.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The Standard Webhooks signing secret, `whsec_` and base64: give it
    /// to the receiver so it can verify `webhook-signature`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

impl WebhookSettings {
    /// From the store's record.
    pub fn of(team: &str, w: treaty_store::Webhook) -> WebhookSettings {
        WebhookSettings {
            team: team.to_owned(),
            url: w.url,
            secret: w.secret,
        }
    }
}

/// What `POST /api/v1/teams/{id}/webhook/ping` queued.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Queued {
    /// The event's `webhook-id`.
    pub id: String,
}

/// Which notifications to list.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NotificationQuery {
    /// Only this team's (a team's own token sees only its own anyway).
    pub team: Option<String>,
    /// Items after this id (the `next` of the previous page).
    pub after: Option<String>,
    /// At most this many (1 to 1000; 100 by default).
    pub limit: Option<i64>,
}

impl NotificationQuery {
    /// The page asked for.
    pub fn page(&self) -> super::PageQuery {
        super::PageQuery {
            limit: self.limit,
            after: self.after.clone(),
        }
    }
}

/// One event for a team's webhook.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Notification {
    /// The `webhook-id` every attempt carries.
    pub id: String,
    /// The team it is for.
    pub team: String,
    /// Where it goes.
    pub url: String,
    /// Its type (`ping`, `proposal.opened`...).
    #[serde(rename = "type")]
    pub event_type: String,
    /// `pending`, `delivered` or `dead` (every attempt failed).
    pub state: String,
    /// Attempts made.
    pub attempts: i64,
    /// When it was queued, Unix milliseconds.
    pub created_at: i64,
    /// When it is tried next, Unix milliseconds; only while pending.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_attempt_at: Option<i64>,
}

impl From<treaty_store::NotificationRecord> for Notification {
    fn from(n: treaty_store::NotificationRecord) -> Notification {
        let pending = n.state == treaty_store::DeliveryState::Pending;
        Notification {
            id: n.id,
            team: n.team,
            url: n.url,
            event_type: n.event_type,
            state: n.state.as_str().to_owned(),
            attempts: n.attempts,
            created_at: n.created_at,
            next_attempt_at: pending.then_some(n.next_attempt_at),
        }
    }
}

/// One delivery attempt.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DeliveryAttempt {
    /// When it started, Unix milliseconds.
    pub at: i64,
    /// How long it took.
    pub duration_ms: i64,
    /// The HTTP status the receiver answered, if it answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<i64>,
    /// Why it failed, when the status does not say it all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// An event, the body it is sent with, and its attempts, oldest first.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct NotificationDetail {
    /// The event.
    #[serde(flatten)]
    pub notification: Notification,
    /// The JSON body every attempt sends: `type`, `timestamp`, `text`,
    /// `data`.
    pub payload: serde_json::Value,
    /// Every attempt.
    pub log: Vec<DeliveryAttempt>,
}

impl From<treaty_store::Attempt> for DeliveryAttempt {
    fn from(a: treaty_store::Attempt) -> DeliveryAttempt {
        DeliveryAttempt {
            at: a.at,
            duration_ms: a.duration_ms,
            status: a.status_code,
            error: a.error,
        }
    }
}
