//! Publishes in progress per token. A publish is the broker's most
//! expensive write (its bundle is read, counted and compared with itself),
//! and comparisons run one per core: one token sending many at once would
//! hold every core and queue everyone else's behind its own. Past
//! [`PER_TOKEN`] a publish answers 429 with `Retry-After: 1`, before its
//! body is read.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiError;

/// Publishes in progress at once for one token, at most.
pub(super) const PER_TOKEN: usize = 2;

/// Publishes in progress, by token id; shared by one broker's requests.
#[derive(Debug, Clone, Default)]
pub(super) struct PublishSlots {
    in_progress: Arc<Mutex<HashMap<String, usize>>>,
    per_token: usize,
}

impl PublishSlots {
    /// At most `per_token` publishes in progress per token.
    pub(super) fn new(per_token: usize) -> PublishSlots {
        PublishSlots {
            in_progress: Arc::default(),
            per_token,
        }
    }

    /// A slot for one more publish by `token_id`, held until dropped; 429
    /// when the token has as many in progress as it may.
    pub(super) fn take(&self, token_id: &str) -> Result<PublishSlot, ApiError> {
        // A panic while the map was held leaves counts that are still right.
        let mut in_progress = self
            .in_progress
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let count = in_progress.entry(token_id.to_owned()).or_insert(0);
        if *count >= self.per_token {
            return Err(ApiError::TooManyRequests(format!(
                "this token has {count} publishes in progress, as many as one token may; retry when one is answered"
            )));
        }
        *count += 1;
        Ok(PublishSlot {
            slots: self.clone(),
            token_id: token_id.to_owned(),
        })
    }
}

/// One publish in progress: its slot is freed when it is dropped.
#[derive(Debug)]
pub(super) struct PublishSlot {
    slots: PublishSlots,
    token_id: String,
}

impl Drop for PublishSlot {
    fn drop(&mut self) {
        let mut in_progress = self
            .slots
            .in_progress
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        // Forgotten at zero, so that the map holds only tokens publishing.
        if let Some(count) = in_progress.get_mut(&self.token_id) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                in_progress.remove(&self.token_id);
            }
        }
    }
}

/// The extractor: placed before the body in a handler's arguments, it is
/// taken before the body is read. An anonymous caller is refused 401, as
/// by [`Caller::principal`].
impl FromRequestParts<AppState> for PublishSlot {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<PublishSlot, ApiError> {
        let caller = Caller::from_request_parts(parts, state).await?;
        let principal = caller.principal()?;
        let slots = parts
            .extensions
            .get::<PublishSlots>()
            .ok_or_else(|| ApiError::Internal("publish slots are not set up".into()))?;
        slots.take(&principal.token_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_has_at_most_its_slots_and_gets_one_back_when_a_publish_ends() {
        let slots = PublishSlots::new(2);
        let first = slots.take("tok-a");
        let second = slots.take("tok-a");
        assert!(first.is_ok() && second.is_ok());
        let third = slots.take("tok-a");
        assert!(
            matches!(third, Err(ApiError::TooManyRequests(_))),
            "{third:?}"
        );
        // Another token is not held back by this one.
        assert!(slots.take("tok-b").is_ok());
        drop(first);
        assert!(slots.take("tok-a").is_ok());
    }

    #[test]
    fn a_token_with_nothing_in_progress_is_forgotten() {
        let slots = PublishSlots::new(1);
        drop(slots.take("tok-a"));
        let in_progress = slots
            .in_progress
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        assert!(in_progress.is_empty());
    }
}
