//! The HTTP side of talking to a broker: one JSON call with the token,
//! the broker's refusals turned into messages, upload progress for large
//! bundles.

use std::io::{IsTerminal, Read, Write};
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;

/// Where the broker is and who calls it.
#[derive(Debug, Clone)]
pub struct Broker {
    pub url: String,
    pub token: Option<String>,
}

/// A failure of a broker command: what to tell the user; exit code 2.
#[derive(Debug)]
pub struct Failure(pub String);

impl<E: std::fmt::Display> From<E> for Failure {
    fn from(e: E) -> Failure {
        Failure(e.to_string())
    }
}

pub type Result<T> = std::result::Result<T, Failure>;

/// Responses read at most this large.
const MAX_RESPONSE: u64 = 256 * 1024 * 1024;
/// Bodies above this show upload progress on a terminal.
const PROGRESS_FROM: usize = 1024 * 1024;

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(120)))
        .http_status_as_error(false)
        .build()
        .into()
}

/// Counts bytes read, showing progress on stderr.
struct Progress<'a> {
    inner: &'a [u8],
    sent: usize,
    shown: usize,
}

impl Read for Progress<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.sent += n;
        let total = self.sent + self.inner.len();
        let percent = self.sent * 100 / total.max(1);
        if percent >= self.shown + 10 || (n == 0 && self.shown < 100) {
            self.shown = percent;
            eprint!("\ruploading {} KiB: {percent}%", total / 1024);
            if n == 0 || percent == 100 {
                eprintln!();
            }
            let _ = std::io::stderr().flush();
        }
        Ok(n)
    }
}

impl Broker {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.url.trim_end_matches('/'))
    }

    pub fn call<T: DeserializeOwned>(
        &self,
        method: &str,
        path: &str,
        body: Option<&impl Serialize>,
    ) -> Result<(u16, T)> {
        let url = self.url(path);
        let auth = self.token.as_ref().map(|t| format!("Bearer {t}"));
        let agent = agent();
        let sent = match (method, body) {
            ("GET", _) => {
                let mut r = agent.get(&url);
                if let Some(a) = &auth {
                    r = r.header("Authorization", a);
                }
                r.call()
            }
            ("DELETE", _) => {
                // Brokers that can say what a deletion did (RFC 7240) do.
                let mut r = agent.delete(&url).header("Prefer", "return=representation");
                if let Some(a) = &auth {
                    r = r.header("Authorization", a);
                }
                r.call()
            }
            (m, body) => {
                let bytes = match body {
                    Some(b) => serde_json::to_vec(b)?,
                    None => b"{}".to_vec(),
                };
                let mut r = if m == "PUT" {
                    agent.put(&url)
                } else {
                    agent.post(&url)
                };
                r = r.header("Content-Type", "application/json");
                if let Some(a) = &auth {
                    r = r.header("Authorization", a);
                }
                if bytes.len() >= PROGRESS_FROM && std::io::stderr().is_terminal() {
                    let mut progress = Progress {
                        inner: &bytes,
                        sent: 0,
                        shown: 0,
                    };
                    r.send(ureq::SendBody::from_reader(&mut progress))
                } else {
                    r.send(&bytes[..])
                }
            }
        };
        self.answer(sent, method, path)
    }

    /// A POST whose body is `body`'s bytes, sent as they are read (a report
    /// of any size, never held whole); `what` names it in errors.
    pub fn post_stream<T: DeserializeOwned>(
        &self,
        path: &str,
        mut body: impl Read,
        what: &str,
    ) -> Result<T> {
        let mut r = agent()
            .post(&self.url(path))
            .header("Content-Type", "application/octet-stream");
        if let Some(t) = &self.token {
            r = r.header("Authorization", &format!("Bearer {t}"));
        }
        let sent = r.send(ureq::SendBody::from_reader(&mut body));
        self.answer(sent, "POST", path)
            .map(|(_, value)| value)
            .map_err(|Failure(m)| Failure(format!("{what}: {m}")))
    }

    /// The broker's answer to `method path`: its status and body read as
    /// `T`, or its refusal in words.
    fn answer<T: DeserializeOwned>(
        &self,
        sent: std::result::Result<ureq::http::Response<ureq::Body>, ureq::Error>,
        method: &str,
        path: &str,
    ) -> Result<(u16, T)> {
        let mut response = sent.map_err(|e| {
            Failure(format!(
                "cannot reach the broker at {}: {e} (set --broker or TREATY_BROKER)",
                self.url
            ))
        })?;
        let status = response.status().as_u16();
        let text = response
            .body_mut()
            .with_config()
            .limit(MAX_RESPONSE)
            .read_to_string()
            .map_err(|e| Failure(format!("reading the broker's answer: {e}")))?;
        if status >= 400 {
            let message = serde_json::from_str::<serde_json::Value>(&text)
                .ok()
                .and_then(|v| v["error"]["message"].as_str().map(str::to_owned))
                .unwrap_or_else(|| text.chars().take(500).collect());
            return Err(Failure(format!(
                "the broker refused {method} {path} ({status}): {message}"
            )));
        }
        let value = if status == 204 || text.is_empty() {
            serde_json::from_str("null")
        } else {
            serde_json::from_str(&text)
        };
        let value = value.map_err(|e| {
            Failure(format!(
                "the broker's answer to {path} is not what Treaty expects: {e}"
            ))
        })?;
        Ok((status, value))
    }

    /// A GET whose answer is text (a checkpoint, a key), at most `limit`
    /// bytes.
    pub fn get_text(&self, path: &str, limit: u64) -> Result<String> {
        let mut r = agent().get(&self.url(path));
        if let Some(t) = &self.token {
            r = r.header("Authorization", &format!("Bearer {t}"));
        }
        let mut response = r.call().map_err(|e| {
            Failure(format!(
                "cannot reach the broker at {}: {e} (set --broker or TREATY_BROKER)",
                self.url
            ))
        })?;
        let status = response.status().as_u16();
        let text = response
            .body_mut()
            .with_config()
            .limit(limit)
            .read_to_string()
            .map_err(|e| Failure(format!("reading the broker's answer to {path}: {e}")))?;
        if status >= 400 {
            return Err(Failure(format!(
                "the broker refused GET {path} ({status}): {}",
                text.chars().take(500).collect::<String>()
            )));
        }
        Ok(text)
    }

    pub fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T> {
        Ok(self.call::<T>("GET", path, None::<&()>)?.1)
    }

    /// A GET whose 404 is an answer, not a failure: `None` when the broker
    /// does not know what `path` names.
    pub fn get_unless_missing<T: DeserializeOwned>(&self, path: &str) -> Result<Option<T>> {
        let mut r = agent().get(&self.url(path));
        if let Some(t) = &self.token {
            r = r.header("Authorization", &format!("Bearer {t}"));
        }
        let sent = r.call();
        if sent.as_ref().is_ok_and(|r| r.status().as_u16() == 404) {
            return Ok(None);
        }
        self.answer(sent, "GET", path).map(|(_, value)| Some(value))
    }
}

/// `a b` → `a%20b`: path segments and query values.
pub fn enc(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
