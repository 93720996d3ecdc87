//! A request body read as a blocking [`std::io::Read`], chunk by chunk, so
//! that a report of any size is parsed on a blocking thread while it
//! arrives, with at most a few chunks held in memory.
//!
//! The async side ([`pump`]) forwards the body's data frames into a bounded
//! channel and stops at `limit` bytes; the blocking side ([`ChannelReader`])
//! reads them in order.

use std::io::{self, Read};

use axum::body::{Body, Bytes};
use http_body_util::BodyExt;
use tokio::sync::mpsc;

/// Chunks in flight between the connection and the parser, at most: with
/// hyper's chunks of up to a few tens of KiB, well under a megabyte.
const CHUNKS_IN_FLIGHT: usize = 8;

/// Why a body stopped early.
#[derive(Debug)]
pub(super) enum Stopped {
    /// It was larger than the limit.
    TooLarge(u64),
    /// The connection failed while sending it.
    Failed(String),
}

/// Reads the chunks [`pump`] sends, in order, as one stream of bytes.
pub(super) struct ChannelReader {
    chunks: mpsc::Receiver<Result<Bytes, Stopped>>,
    current: Bytes,
    /// Set when the body stopped early: what stopped it.
    pub(super) stopped: Option<Stopped>,
}

impl Read for ChannelReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.current.is_empty() {
            match self.chunks.blocking_recv() {
                Some(Ok(chunk)) => self.current = chunk,
                Some(Err(stopped)) => {
                    let message = match &stopped {
                        Stopped::TooLarge(limit) => {
                            format!("the report is larger than {limit} bytes")
                        }
                        Stopped::Failed(e) => format!("the upload failed: {e}"),
                    };
                    self.stopped = Some(stopped);
                    return Err(io::Error::other(message));
                }
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.current.len());
        buf[..n].copy_from_slice(&self.current[..n]);
        self.current = self.current.split_off(n);
        Ok(n)
    }
}

/// A reader for `body`, and the task that feeds it (it ends when the body
/// does, when the reader is dropped, or past `limit` bytes).
pub(super) fn pump(body: Body, limit: u64) -> (ChannelReader, tokio::task::JoinHandle<()>) {
    let (send, chunks) = mpsc::channel(CHUNKS_IN_FLIGHT);
    let task = tokio::spawn(async move {
        let mut body = body;
        let mut seen: u64 = 0;
        loop {
            let frame = match body.frame().await {
                None => return,
                Some(Err(e)) => {
                    let _ = send.send(Err(Stopped::Failed(e.to_string()))).await;
                    return;
                }
                Some(Ok(frame)) => frame,
            };
            let Ok(data) = frame.into_data() else {
                continue; // trailers
            };
            seen += data.len() as u64;
            if seen > limit {
                let _ = send.send(Err(Stopped::TooLarge(limit))).await;
                return;
            }
            if send.send(Ok(data)).await.is_err() {
                return; // the parser stopped (a malformed report)
            }
        }
    });
    (
        ChannelReader {
            chunks,
            current: Bytes::new(),
            stopped: None,
        },
        task,
    )
}
