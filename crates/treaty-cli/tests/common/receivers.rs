//! Receivers that the broker's notifications reach in tests: a webhook
//! receiver and a minimal SMTP server, each on a fixed port of
//! 127.0.0.1 that can be down (nothing listens) before it is up, each
//! recording what arrived.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use super::TestResult;

/// What a receiver saw: for a webhook its `webhook-id` and body, for an
/// e-mail its `Message-ID` and the whole message (recipients first).
#[derive(Debug, Clone)]
pub struct Received {
    /// `webhook-id`, or the `Message-ID` without its `<…@treaty>`.
    pub id: String,
    /// The JSON body, or the recipients and message text.
    pub body: String,
}

type Handler = fn(TcpStream) -> Option<Received>;

/// A server on a fixed port, down until [`Listener::up`].
pub struct Listener {
    pub port: u16,
    received: Arc<Mutex<Vec<Received>>>,
    stop: Arc<AtomicBool>,
    thread: Option<thread::JoinHandle<()>>,
    handler: Handler,
}

impl Listener {
    /// A webhook receiver (answers 204), not listening yet.
    pub fn webhook() -> TestResult<Listener> {
        Listener::down(answer_webhook)
    }

    /// An SMTP server (accepts every message), not listening yet.
    pub fn smtp() -> TestResult<Listener> {
        Listener::down(answer_smtp)
    }

    fn down(handler: Handler) -> TestResult<Listener> {
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        Ok(Listener {
            port,
            received: Arc::default(),
            stop: Arc::default(),
            thread: None,
            handler,
        })
    }

    /// Listening from now on.
    pub fn up(&mut self) -> TestResult {
        let listener = TcpListener::bind(("127.0.0.1", self.port))?;
        listener.set_nonblocking(true)?;
        let (received, stop, handler) = (self.received.clone(), self.stop.clone(), self.handler);
        self.thread = Some(thread::spawn(move || {
            while !stop.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let _ = stream.set_nonblocking(false);
                        if let Some(r) = handler(stream)
                            && let Ok(mut all) = received.lock()
                        {
                            all.push(r);
                        }
                    }
                    Err(_) => thread::sleep(Duration::from_millis(5)),
                }
            }
        }));
        Ok(())
    }

    /// Everything received so far, in order.
    pub fn received(&self) -> Vec<Received> {
        self.received.lock().map(|r| r.clone()).unwrap_or_default()
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Reads one request, answers 204.
pub fn answer_webhook(stream: TcpStream) -> Option<Received> {
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let (mut id, mut length) = (None, 0usize);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            match name.trim().to_ascii_lowercase().as_str() {
                "webhook-id" => id = Some(value.trim().to_owned()),
                "content-length" => length = value.trim().parse().ok()?,
                _ => {}
            }
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    let mut stream = stream;
    stream
        .write_all(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n")
        .ok()?;
    Some(Received {
        id: id?,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

/// One SMTP session (RFC 5321's few commands a client sends), recording
/// the first message: its `Message-ID` and the recipients and text.
fn answer_smtp(stream: TcpStream) -> Option<Received> {
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut out = stream;
    out.write_all(b"220 test ESMTP\r\n").ok()?;
    let (mut recipients, mut message, mut got) = (Vec::new(), String::new(), None);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return got;
        }
        let command = line.trim_end().to_ascii_uppercase();
        let reply: &[u8] = if command.starts_with("EHLO") || command.starts_with("HELO") {
            b"250 test\r\n"
        } else if command.starts_with("RCPT TO:") {
            recipients.push(line.trim_end()[8..].trim().to_owned());
            b"250 OK\r\n"
        } else if command.starts_with("DATA") {
            out.write_all(b"354 go on\r\n").ok()?;
            loop {
                let mut l = String::new();
                if reader.read_line(&mut l).ok()? == 0 {
                    return got;
                }
                if l == ".\r\n" {
                    break;
                }
                message.push_str(&l);
            }
            let id = message.lines().find_map(|l| {
                let (name, value) = l.split_once(':')?;
                name.eq_ignore_ascii_case("message-id").then(|| {
                    value
                        .trim()
                        .trim_start_matches('<')
                        .trim_end_matches('>')
                        .trim_end_matches("@treaty")
                        .to_owned()
                })
            })?;
            got = Some(Received {
                id,
                body: format!("{}\n{message}", recipients.join(", ")),
            });
            b"250 queued\r\n"
        } else if command.starts_with("QUIT") {
            let _ = out.write_all(b"221 bye\r\n");
            return got;
        } else {
            // MAIL FROM, RSET, NOOP.
            b"250 OK\r\n"
        };
        out.write_all(reply).ok()?;
    }
}
