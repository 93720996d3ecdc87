//! The broker's connections: accepted here, served by hyper's HTTP/1.1
//! connection builder, and bounded so that clients that hold sockets open
//! cannot starve the others (or the process of file descriptors).
//!
//! - At most `max_connections` at once. At the limit a new connection
//!   sheds the oldest one that has no request in progress (one idle
//!   between requests, or still sending its headers), so a load balancer's
//!   `/healthz` is answered however many idle sockets are held; when every
//!   connection has a request in progress, the new one is answered 503.
//! - Headers must arrive within `header_timeout` from when the broker
//!   starts waiting for them, which also bounds how long a connection may
//!   sit idle between requests (hyper's header read timeout starts then).
//! - A response the client does not read for `send_timeout` ends its
//!   connection.
//! - The request body and the handler are bounded by the request timeout
//!   and the body limit of the application itself ([`crate::app`]).

use std::collections::BTreeMap;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::{Notify, watch};
use tokio::task::JoinSet;
use tower::ServiceExt;

use crate::Config;

/// The answer to a connection beyond the limit when none can be shed: a
/// complete, fixed HTTP/1.1 response, written once without waiting.
const BUSY: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\nretry-after: 1\r\nconnection: close\r\ncontent-length: 0\r\n\r\n";

/// Serves `app` on `listener` within `config`'s connection limits until
/// `shutdown` resolves; then stops accepting, lets each connection finish
/// the request it is serving, and returns once all are closed.
pub(crate) async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    config: &Config,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(config.header_timeout)
        .keep_alive(true);
    let send_timeout = config.send_timeout;
    let open = Arc::new(Mutex::new(Open::default()));
    let max_connections = config.max_connections.max(1);
    let (stopping_tx, stopping) = watch::channel(false);
    let mut tasks = JoinSet::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        tokio::select! {
            biased;
            () = &mut shutdown => break,
            // Reaps finished connections; disabled while there are none.
            Some(_) = tasks.join_next() => {}
            accepted = listener.accept() => {
                let stream = match accepted {
                    Ok((stream, _peer)) => stream,
                    Err(e) if is_connection_error(&e) => continue,
                    Err(e) => {
                        // Out of file descriptors, typically: wait rather
                        // than spin on a listener that cannot accept.
                        tracing::error!(error = %e, "accepting a connection failed");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                        continue;
                    }
                };
                let Some(tracked) = lock(&open).admit(max_connections) else {
                    tracing::debug!("every connection is serving a request: refused one");
                    let _ = stream.try_write(BUSY);
                    continue;
                };
                let connection = Connection {
                    io: SendDeadline::new(stream, send_timeout),
                    app: app.clone(),
                    http: http.clone(),
                    tracked,
                    open: open.clone(),
                    stopping: stopping.clone(),
                };
                tasks.spawn(connection.run());
            }
        }
    }
    drop(listener);
    let _ = stopping_tx.send(true);
    while tasks.join_next().await.is_some() {}
    Ok(())
}

/// Errors of one incoming connection, not of the listener: the next
/// accept may succeed at once.
fn is_connection_error(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    )
}

fn lock(open: &Mutex<Open>) -> std::sync::MutexGuard<'_, Open> {
    // The registry holds no invariant a panicking holder could break.
    open.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The open connections, oldest first.
#[derive(Debug, Default)]
struct Open {
    next_id: u64,
    connections: BTreeMap<u64, Tracked>,
}

/// What the registry knows of one connection.
#[derive(Debug, Clone)]
struct Tracked {
    id: u64,
    /// Requests being served on it (0 or 1 over HTTP/1.1).
    in_flight: Arc<AtomicUsize>,
    /// Told when the connection is shed to make room.
    shed: Arc<Notify>,
}

impl Open {
    /// Registers a new connection, shedding the oldest one without a
    /// request in progress when `max` are open; `None` when none can be.
    fn admit(&mut self, max: usize) -> Option<Tracked> {
        if self.connections.len() >= max {
            let idle = self
                .connections
                .values()
                .find(|c| c.in_flight.load(Ordering::SeqCst) == 0)?
                .id;
            if let Some(shed) = self.connections.remove(&idle) {
                shed.shed.notify_one();
            }
        }
        self.next_id += 1;
        let tracked = Tracked {
            id: self.next_id,
            in_flight: Arc::default(),
            shed: Arc::default(),
        };
        self.connections.insert(tracked.id, tracked.clone());
        Some(tracked)
    }
}

/// One accepted connection and what serving it needs.
struct Connection {
    io: SendDeadline,
    app: Router,
    http: hyper::server::conn::http1::Builder,
    tracked: Tracked,
    open: Arc<Mutex<Open>>,
    stopping: watch::Receiver<bool>,
}

impl Connection {
    async fn run(self) {
        let Connection {
            io,
            app,
            http,
            tracked,
            open,
            mut stopping,
        } = self;
        let in_flight = tracked.in_flight.clone();
        let service = hyper::service::service_fn(move |request| {
            let serving = InFlight::enter(&in_flight);
            let app = app.clone();
            async move {
                let response = app.oneshot(request).await;
                drop(serving);
                response
            }
        });
        let connection = http.serve_connection(TokioIo::new(io), service);
        let mut connection = std::pin::pin!(connection);
        let mut stopping_seen = false;
        loop {
            tokio::select! {
                result = connection.as_mut() => {
                    if let Err(e) = result {
                        tracing::debug!(error = %e, "connection ended");
                    }
                    break;
                }
                // Dropping the connection closes its socket.
                () = tracked.shed.notified() => break,
                _ = stopping.changed(), if !stopping_seen => {
                    stopping_seen = true;
                    connection.as_mut().graceful_shutdown();
                }
            }
        }
        lock(&open).connections.remove(&tracked.id);
    }
}

/// Counts a request as in progress on its connection while it lives.
struct InFlight(Arc<AtomicUsize>);

impl InFlight {
    fn enter(count: &Arc<AtomicUsize>) -> InFlight {
        count.fetch_add(1, Ordering::SeqCst);
        InFlight(count.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A TCP stream whose writes fail once the client has read nothing for
/// `limit`: a client that stops reading a response cannot hold its
/// connection, and the response's memory, for ever.
struct SendDeadline {
    stream: TcpStream,
    limit: Duration,
    stalled_since: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl SendDeadline {
    fn new(stream: TcpStream, limit: Duration) -> SendDeadline {
        SendDeadline {
            stream,
            limit,
            stalled_since: None,
        }
    }

    /// `poll` of the stream, failed with `TimedOut` when it has been
    /// pending for `limit`; any progress restarts the clock.
    fn deadline<T>(
        &mut self,
        cx: &mut Context<'_>,
        poll: impl FnOnce(Pin<&mut TcpStream>, &mut Context<'_>) -> Poll<io::Result<T>>,
    ) -> Poll<io::Result<T>> {
        match poll(Pin::new(&mut self.stream), cx) {
            Poll::Ready(result) => {
                self.stalled_since = None;
                Poll::Ready(result)
            }
            Poll::Pending => {
                let limit = self.limit;
                let timer = self
                    .stalled_since
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep(limit)));
                if timer.as_mut().poll(cx).is_ready() {
                    return Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        "the client read nothing of the response in time",
                    )));
                }
                Poll::Pending
            }
        }
    }
}

impl AsyncRead for SendDeadline {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for SendDeadline {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut()
            .deadline(cx, |stream, cx| stream.poll_write(cx, buf))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.get_mut()
            .deadline(cx, |stream, cx| stream.poll_write_vectored(cx, bufs))
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut()
            .deadline(cx, |stream, cx| stream.poll_flush(cx))
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_the_limit_the_oldest_idle_connection_is_shed() {
        let mut open = Open::default();
        let first = open.admit(2);
        let second = open.admit(2);
        let (Some(first), Some(second)) = (first, second) else {
            panic!("two connections fit under a limit of two");
        };
        first.in_flight.fetch_add(1, Ordering::SeqCst);
        let third = open.admit(2);
        assert!(third.is_some());
        assert!(open.connections.contains_key(&first.id), "busy: kept");
        assert!(!open.connections.contains_key(&second.id), "idle: shed");
        if let Some(third) = third {
            third.in_flight.fetch_add(1, Ordering::SeqCst);
        }
        assert!(open.admit(2).is_none(), "every one busy: refused");
    }
}
