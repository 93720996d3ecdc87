//! Sending a published bundle back within a memory budget. A bundle is up
//! to `--max-body-bytes` of text, and a client that does not read its
//! response keeps it in the broker's memory (40 such clients once pinned
//! 1.7 GB): the bytes being sent at once are bounded, and a download past
//! the bound is refused (503, `Retry-After: 1`) rather than queued; so is
//! one that would wait long for its turn to be read from the database.

use std::convert::Infallible;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, header};
use axum::response::Response;
use http_body::{Frame, SizeHint};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::error::ApiError;

/// Bytes of bundles being sent at once, at most.
pub(super) const BYTES_IN_FLIGHT: usize = 128 * 1024 * 1024;

/// Bundles read and encoded at once, at most: each holds its text (more
/// than once, on its way from the database), its parsed files and its
/// encoding until it is ready to send, about five times its size.
const PREPARED_AT_ONCE: usize = 1;

/// Longest a download waits for its turn to be prepared before it is
/// refused (503) rather than left to time out.
const TURN_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// How much of a response is copied out at a time: what the connection
/// keeps queued is a few of these, not the whole bundle.
const CHUNK_BYTES: usize = 64 * 1024;

/// What bundle downloads in progress may hold, shared by one broker's
/// requests.
#[derive(Debug, Clone)]
pub(super) struct Downloads {
    preparing: Arc<Semaphore>,
    sending: Arc<Semaphore>,
}

impl Downloads {
    pub(super) fn new() -> Downloads {
        Downloads {
            preparing: Arc::new(Semaphore::new(PREPARED_AT_ONCE)),
            sending: Arc::new(Semaphore::new(BYTES_IN_FLIGHT)),
        }
    }

    /// Runs `prepare` (reading a bundle and encoding it) once it may: while
    /// the budget is spent by responses not yet sent, at once 503; else in
    /// turn, the few allowed at once, 503 if the turn does not come soon.
    pub(super) async fn prepared<F>(&self, prepare: F) -> Result<Vec<u8>, ApiError>
    where
        F: Future<Output = Result<Vec<u8>, ApiError>>,
    {
        if self.sending.available_permits() == 0 {
            return Err(busy());
        }
        let _turn = match tokio::time::timeout(TURN_WAIT, self.preparing.acquire()).await {
            Ok(Ok(turn)) => turn,
            Ok(Err(_)) => {
                return Err(ApiError::Unavailable("the broker is shutting down".into()));
            }
            Err(_) => {
                return Err(ApiError::Unavailable(
                    "the broker is busy reading other bundles to send; retry shortly".into(),
                ));
            }
        };
        prepare.await
    }

    /// A JSON response of `encoded` that holds its share of the budget
    /// until it is sent or the client is gone; 503 when the budget is spent.
    pub(super) fn send(&self, encoded: Vec<u8>) -> Result<Response, ApiError> {
        // At least one permit, so that empty bodies count as a download too.
        let weight = u32::try_from(encoded.len().clamp(1, BYTES_IN_FLIGHT)).map_err(|_| busy())?;
        let permit = self
            .sending
            .clone()
            .try_acquire_many_owned(weight)
            .map_err(|_| busy())?;
        let mut response = Response::new(Body::new(Sending {
            encoded,
            sent: 0,
            _permit: permit,
        }));
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        Ok(response)
    }
}

/// The refusal while the budget is spent.
fn busy() -> ApiError {
    ApiError::Unavailable(format!(
        "the broker is sending as many bundles as it holds at once ({} MiB); retry shortly",
        BYTES_IN_FLIGHT / (1024 * 1024)
    ))
}

/// A response body holding its share of the budget while it lasts.
struct Sending {
    encoded: Vec<u8>,
    sent: usize,
    _permit: OwnedSemaphorePermit,
}

impl http_body::Body for Sending {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let this = self.get_mut();
        let Some(rest) = this.encoded.get(this.sent..).filter(|r| !r.is_empty()) else {
            return Poll::Ready(None);
        };
        // Copied, not sliced: a slice would keep the whole body alive for
        // as long as the connection queues its last chunk.
        let chunk = Bytes::copy_from_slice(&rest[..rest.len().min(CHUNK_BYTES)]);
        this.sent += chunk.len();
        Poll::Ready(Some(Ok(Frame::data(chunk))))
    }

    fn is_end_stream(&self) -> bool {
        self.sent >= self.encoded.len()
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.encoded.len().saturating_sub(self.sent) as u64)
    }
}
