//! A request body read as a blocking [`std::io::Read`], chunk by chunk, so
//! that a report of any size is parsed on a blocking thread while it
//! arrives, with at most a few chunks held in memory.
//!
//! The async side ([`pump`]) copies the body's data frames into buffers
//! sent through a bounded channel and stops at `limit` bytes; the blocking
//! side ([`ChannelReader`]) reads them in order and hands each buffer back
//! to be filled again. Copying lets the connection's read buffer be reused
//! in place at once (a frame kept by the parser would make the connection
//! allocate a new one), and the buffers themselves are reused: a report of
//! any size costs a fixed set of allocations, whichever threads run the two
//! sides (an allocator that keeps memory per thread otherwise kept tens of
//! megabytes freed by the other thread).

use std::io::{self, Read};

use axum::body::Body;
use http_body_util::BodyExt;
use tokio::sync::mpsc;

/// Chunks in flight between the connection and the parser, at most: with
/// hyper's chunks of up to a few hundred KiB, a few megabytes.
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
    chunks: mpsc::Receiver<Result<Vec<u8>, Stopped>>,
    current: Vec<u8>,
    /// How much of `current` was read.
    at: usize,
    /// Where read buffers go back to be filled again.
    spare: mpsc::UnboundedSender<Vec<u8>>,
    /// Set when the body stopped early: what stopped it.
    pub(super) stopped: Option<Stopped>,
}

impl Read for ChannelReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.at == self.current.len() {
            match self.chunks.blocking_recv() {
                Some(Ok(chunk)) => {
                    let read = std::mem::replace(&mut self.current, chunk);
                    self.at = 0;
                    // Gone only once the body ended: then nothing is reused.
                    let _ = self.spare.send(read);
                }
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
        let rest = &self.current[self.at..];
        let n = buf.len().min(rest.len());
        buf[..n].copy_from_slice(&rest[..n]);
        self.at += n;
        Ok(n)
    }
}

/// A reader for `body`, and the task that feeds it (it ends when the body
/// does, when the reader is dropped, or past `limit` bytes).
pub(super) fn pump(body: Body, limit: u64) -> (ChannelReader, tokio::task::JoinHandle<()>) {
    let (send, chunks) = mpsc::channel(CHUNKS_IN_FLIGHT);
    let (spare, mut read) = mpsc::unbounded_channel::<Vec<u8>>();
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
            let mut chunk = read.try_recv().unwrap_or_default();
            chunk.clear();
            chunk.extend_from_slice(&data);
            drop(data);
            if send.send(Ok(chunk)).await.is_err() {
                return; // the parser stopped (a malformed report)
            }
        }
    });
    (
        ChannelReader {
            chunks,
            current: Vec::new(),
            at: 0,
            spare,
            stopped: None,
        },
        task,
    )
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;
    use std::pin::Pin;
    use std::task::{Context, Poll};

    use axum::body::Bytes;
    use http_body::Frame;

    use super::*;

    /// A body that sends its chunks one frame each, as a connection does.
    struct Frames(VecDeque<Bytes>);

    impl http_body::Body for Frames {
        type Data = Bytes;
        type Error = std::convert::Infallible;

        fn poll_frame(
            mut self: Pin<&mut Self>,
            _: &mut Context<'_>,
        ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
            Poll::Ready(self.0.pop_front().map(|b| Ok(Frame::data(b))))
        }
    }

    /// 2,000 chunks of 1 to 3,000 bytes, each of its own bytes.
    fn chunks() -> (Vec<Bytes>, Vec<u8>) {
        let chunks: Vec<Bytes> = (0..2_000u32)
            .map(|i| Bytes::from(vec![(i % 251) as u8; 1 + (i as usize * 37) % 3_000]))
            .collect();
        let whole = chunks.iter().flat_map(|c| c.iter().copied()).collect();
        (chunks, whole)
    }

    /// Reads all of `body` in reads of 777 bytes on a blocking thread.
    async fn read_all(body: Body, limit: u64) -> (io::Result<Vec<u8>>, Option<Stopped>) {
        let (mut reader, pumping) = pump(body, limit);
        let read = tokio::task::spawn_blocking(move || {
            let mut out = Vec::new();
            let mut buf = [0u8; 777];
            let result = loop {
                match reader.read(&mut buf) {
                    Ok(0) => break Ok(out),
                    Ok(n) => out.extend_from_slice(&buf[..n]),
                    Err(e) => break Err(e),
                }
            };
            (result, reader.stopped.take())
        })
        .await;
        pumping.abort();
        read.unwrap_or_else(|e| (Err(io::Error::other(e)), None))
    }

    #[tokio::test]
    async fn every_chunk_arrives_in_order_through_reused_buffers() {
        let (chunks, whole) = chunks();
        let body = Body::new(Frames(chunks.into()));
        let (read, stopped) = read_all(body, u64::MAX).await;
        assert!(stopped.is_none());
        assert!(read.is_ok_and(|got| got == whole));
    }

    #[tokio::test]
    async fn a_body_past_the_limit_stops_the_reader() {
        let (chunks, whole) = chunks();
        let limit = whole.len() as u64 / 2;
        let (read, stopped) = read_all(Body::new(Frames(chunks.into())), limit).await;
        assert!(read.is_err());
        assert!(matches!(stopped, Some(Stopped::TooLarge(l)) if l == limit));
    }
}
