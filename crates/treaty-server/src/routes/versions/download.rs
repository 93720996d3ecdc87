//! Sending a published bundle back within a memory budget. A bundle is up
//! to `--max-body-bytes` of text, and a client that does not read its
//! response keeps it in the broker's memory (40 such clients once pinned
//! 1.7 GB): the bytes being sent at once are bounded, and a download past
//! the bound (`--max-download-bytes`) is refused (503, `Retry-After: 1`)
//! rather than queued, before its bundle is read; so is one that would
//! wait long for its turn to be read from the database.

use std::collections::HashMap;
use std::convert::Infallible;
use std::pin::Pin;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::task::{Context, Poll};

use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, header};
use axum::response::Response;
use http_body::{Frame, SizeHint};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::error::ApiError;

/// The largest budget a semaphore can count.
const MAX_BUDGET: usize = u32::MAX as usize;

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

/// Sizes of bundles already sent remembered, at most: versions are
/// immutable, so a size once known stays right.
const SIZES_REMEMBERED: usize = 4_096;

/// What bundle downloads in progress may hold, shared by one broker's
/// requests.
#[derive(Debug, Clone)]
pub(super) struct Downloads {
    preparing: Arc<Semaphore>,
    /// Sized by the first download from the broker's `Config` (the router
    /// is built before it is known).
    sending: Arc<OnceLock<Budget>>,
    /// Encoded sizes by version (`interface\0version`): what a download
    /// holds of the budget before its bundle is read.
    sizes: Arc<Mutex<HashMap<String, usize>>>,
}

/// The bytes that may be in flight, and what is left of them.
#[derive(Debug, Clone)]
struct Budget {
    bytes: usize,
    left: Arc<Semaphore>,
}

impl Budget {
    /// Permits for `bytes`: at least one, so that empty bodies count as a
    /// download too; at most the whole budget, so that any bundle may be
    /// sent, alone.
    fn weight(&self, bytes: usize) -> u32 {
        u32::try_from(bytes.clamp(1, self.bytes)).unwrap_or(u32::MAX)
    }

    fn take(&self, bytes: usize) -> Result<OwnedSemaphorePermit, ApiError> {
        self.left
            .clone()
            .try_acquire_many_owned(self.weight(bytes))
            .map_err(|_| busy(self.bytes))
    }
}

/// What a download is sent within: the broker's `max_download_bytes`, and
/// the size its bundle is expected to have when it is not known yet (the
/// body limit).
#[derive(Debug, Clone, Copy)]
pub(super) struct Limits {
    pub(super) budget: usize,
    pub(super) largest: usize,
}

impl Downloads {
    pub(super) fn new() -> Downloads {
        Downloads {
            preparing: Arc::new(Semaphore::new(PREPARED_AT_ONCE)),
            sending: Arc::new(OnceLock::new()),
            sizes: Arc::default(),
        }
    }

    /// The budget, `bytes` if this is the first download.
    fn budget(&self, bytes: usize) -> &Budget {
        self.sending.get_or_init(|| {
            let bytes = bytes.clamp(1, MAX_BUDGET);
            Budget {
                bytes,
                left: Arc::new(Semaphore::new(bytes)),
            }
        })
    }

    /// A JSON response of what `prepare` reads and encodes (the bundle of
    /// version `key`), holding its share of the budget until it is sent or
    /// the client is gone. Refused (503): at once while the budget is
    /// spent; when the turn to prepare (the few allowed at once) does not
    /// come soon; and, before the bundle is read, when its size (the body
    /// limit until it is known) is more than is left of the budget: 40
    /// downloads refused only after reading a 31 MiB bundle each once held
    /// hundreds of MB of freed memory in the allocator.
    pub(super) async fn send<F>(
        &self,
        limits: Limits,
        key: String,
        prepare: F,
    ) -> Result<Response, ApiError>
    where
        F: Future<Output = Result<Vec<u8>, ApiError>>,
    {
        let budget = self.budget(limits.budget);
        if budget.left.available_permits() == 0 {
            return Err(busy(budget.bytes));
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
        let expected = self.size_of(&key).unwrap_or(limits.largest);
        let mut permit = budget.take(expected)?;
        let encoded = prepare.await?;
        // Held to the size sent: the excess back, or the shortfall taken.
        let held = permit.num_permits();
        let needed = budget.weight(encoded.len()) as usize;
        if needed < held {
            drop(permit.split(held - needed));
        } else if needed > held {
            permit.merge(budget.take(needed - held)?);
        }
        self.remember(key, encoded.len());
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

    fn size_of(&self, key: &str) -> Option<usize> {
        let sizes = self.sizes.lock().unwrap_or_else(PoisonError::into_inner);
        sizes.get(key).copied()
    }

    fn remember(&self, key: String, size: usize) {
        let mut sizes = self.sizes.lock().unwrap_or_else(PoisonError::into_inner);
        // Forgotten all at once when full: a size not known costs one
        // download a larger share, briefly, not a wrong answer.
        if sizes.len() >= SIZES_REMEMBERED && !sizes.contains_key(&key) {
            sizes.clear();
        }
        sizes.insert(key, size);
    }
}

/// The refusal while the budget is spent.
fn busy(bytes: usize) -> ApiError {
    ApiError::Unavailable(format!(
        "the broker is sending as many bundles as it holds at once ({} MiB); retry shortly",
        bytes / (1024 * 1024)
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
