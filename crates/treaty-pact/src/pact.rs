//! The Pact file model (specification v2, v3 and v4) and its reader.
//!
//! The text is parsed by `treaty_syntax` (limits enforced while parsing,
//! errors with a line), turned into a `serde_json::Value`, then read field
//! by field so that an error names the JSON pointer and the line of the
//! offending value.

use serde_json::{Map, Value};
use treaty_syntax::{Limits, Node, SourceFile, SourceId, SourceMap};

use crate::matching::{Matcher, Rules};

mod model;

pub use model::{
    Body, CHANNEL_KEYS, Exchange, Interaction, Message, Pact, Request, Response, Skipped,
};

/// Bounds on a Pact file beyond those of the parser.
pub const MAX_INTERACTIONS: usize = 10_000;

/// Parser limits for a Pact file: machine-written, possibly large.
pub const LIMITS: Limits = Limits {
    max_bytes: 16 * 1024 * 1024,
    max_depth: 128,
    max_alias_nodes: 10_000,
    max_nodes: 1_000_000,
};

/// Why a Pact file could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}{}", if pointer.is_empty() { String::new() } else { format!(" (at {pointer})") })]
pub struct PactError {
    /// What is wrong.
    pub message: String,
    /// JSON pointer of the offending value (`""` for the whole file).
    pub pointer: String,
    /// 1-based line of the offending value, when known.
    pub line: Option<usize>,
}

/// Reads a Pact file from its bytes; `name` is used in messages only.
pub fn read(bytes: &[u8], name: &str) -> Result<Pact, PactError> {
    let mut map = SourceMap::new();
    let id = map.add(name, "");
    let text = treaty_syntax::decode(bytes, id, &LIMITS).map_err(|e| PactError {
        message: e.to_string(),
        pointer: String::new(),
        line: None,
    })?;
    let file = SourceFile::new(name, text);
    let node = treaty_syntax::parse(text, id, &LIMITS).map_err(|e| PactError {
        message: e.to_string(),
        pointer: String::new(),
        line: Some(file.position(e.span.start as usize).line),
    })?;
    let value = to_json(&node);
    let reader = Reader {
        node: &node,
        file: &file,
        id,
    };
    reader.pact(&value)
}

/// A YAML or JSON tree as a JSON value (scalars resolved by YAML 1.2's core
/// schema; a YAML key that is not text is written as its text).
pub fn to_json(node: &Node) -> Value {
    use treaty_syntax::{Resolved, Value as V};
    match &node.value {
        V::Scalar(s) => match s.resolve() {
            Resolved::Null => Value::Null,
            Resolved::Bool(b) => Value::Bool(b),
            Resolved::Int(i) => Value::from(i),
            Resolved::UInt(u) => Value::from(u),
            Resolved::Float(f) => serde_json::Number::from_f64(f)
                .map(Value::Number)
                .unwrap_or_else(|| Value::String(s.text.clone())),
            Resolved::Str(t) => Value::String(t.to_owned()),
        },
        V::Seq(items) => Value::Array(items.iter().map(to_json).collect()),
        V::Map(entries) => Value::Object(
            entries
                .iter()
                .map(|(k, v)| {
                    let key = k.as_str().map_or_else(
                        || k.as_scalar().map(|s| s.text.clone()).unwrap_or_default(),
                        str::to_owned,
                    );
                    (key, to_json(v))
                })
                .collect(),
        ),
    }
}

struct Reader<'a> {
    node: &'a Node,
    file: &'a SourceFile,
    id: SourceId,
}

impl Reader<'_> {
    fn error(&self, pointer: &str, message: impl Into<String>) -> PactError {
        let line = self
            .node
            .pointer(pointer)
            .filter(|n| n.span.file == self.id)
            .map(|n| self.file.position(n.span.start as usize).line);
        PactError {
            message: message.into(),
            pointer: pointer.to_owned(),
            line,
        }
    }

    fn object<'v>(
        &self,
        value: &'v Value,
        pointer: &str,
    ) -> Result<&'v Map<String, Value>, PactError> {
        value.as_object().ok_or_else(|| {
            self.error(
                pointer,
                format!("expected an object, found {}", kind(value)),
            )
        })
    }

    fn string(&self, value: &Value, pointer: &str) -> Result<String, PactError> {
        value
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| self.error(pointer, format!("expected a string, found {}", kind(value))))
    }

    fn pact(&self, value: &Value) -> Result<Pact, PactError> {
        let root = self.object(value, "")?;
        let version = spec_version(root);
        let name = |side: &str| {
            root.get(side)
                .and_then(|p| p.get("name"))
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        // A v3 message pact has `messages` instead of `interactions`.
        let (list, key) = match (root.get("interactions"), root.get("messages")) {
            (Some(list), _) => (list, "interactions"),
            (None, Some(list)) => (list, "messages"),
            (None, None) => {
                return Err(self.error("", "a Pact file needs `interactions` or `messages`"));
            }
        };
        let Some(list) = list.as_array() else {
            return Err(self.error(&format!("/{key}"), format!("`{key}` must be an array")));
        };
        if list.len() > MAX_INTERACTIONS {
            return Err(self.error(
                &format!("/{key}"),
                format!(
                    "{} interactions, more than the limit of {MAX_INTERACTIONS}",
                    list.len()
                ),
            ));
        }
        let mut pact = Pact {
            consumer: name("consumer"),
            provider: name("provider"),
            version,
            interactions: Vec::new(),
            messages: Vec::new(),
            skipped: Vec::new(),
        };
        for (i, item) in list.iter().enumerate() {
            let pointer = format!("/{key}/{i}");
            let obj = self.object(item, &pointer)?;
            let description = match obj.get("description") {
                Some(d) => self.string(d, &format!("{pointer}/description"))?,
                None => format!("interaction {i}"),
            };
            let kind = obj.get("type").and_then(Value::as_str);
            let message = if version >= 4 {
                kind == Some("Asynchronous/Messages")
            } else {
                key == "messages"
            };
            if message {
                let message = self.message(obj, description, pointer, version)?;
                pact.messages.push(message);
                continue;
            }
            if version >= 4 && kind == Some("Synchronous/Messages") {
                if let Some(plugin) = obj.get("pluginConfiguration").and_then(Value::as_object) {
                    // A plugin's contents (gRPC's protobuf, say) are the
                    // plugin's to read, not a JSON payload to validate.
                    let names: Vec<&str> = plugin.keys().map(String::as_str).collect();
                    pact.skipped.push(Skipped {
                        description,
                        pointer,
                        reason: format!(
                            "a plugin's synchronous messages ({}) are not checked",
                            names.join(", ")
                        ),
                    });
                    continue;
                }
                let exchange = self.synchronous(obj, &description, &pointer, version)?;
                pact.messages.extend(exchange);
                continue;
            }
            if version >= 4 && kind.is_some_and(|k| k != "Synchronous/HTTP") {
                pact.skipped.push(Skipped {
                    description,
                    pointer,
                    reason: format!(
                        "{} interactions are not checked (only Synchronous/HTTP and messages)",
                        kind.unwrap_or_default()
                    ),
                });
                continue;
            }
            let request = match obj.get("request") {
                Some(r) => self.request(r, &format!("{pointer}/request"), version)?,
                None => return Err(self.error(&pointer, "an HTTP interaction needs `request`")),
            };
            let response = match obj.get("response") {
                Some(r) => self.response(r, &format!("{pointer}/response"), version)?,
                None => return Err(self.error(&pointer, "an HTTP interaction needs `response`")),
            };
            pact.interactions.push(Interaction {
                description,
                pointer,
                request,
                response,
            });
        }
        Ok(pact)
    }

    /// A v4 `Synchronous/Messages` interaction: the request the consumer
    /// sends, then each reply it expects (`response`, a list).
    fn synchronous(
        &self,
        obj: &Map<String, Value>,
        description: &str,
        pointer: &str,
        version: u8,
    ) -> Result<Vec<Message>, PactError> {
        let request_at = format!("{pointer}/request");
        let request = match obj.get("request") {
            Some(r) => self.object(r, &request_at)?,
            None => {
                return Err(
                    self.error(pointer, "a synchronous message interaction needs `request`")
                );
            }
        };
        let mut request = self.message(
            request,
            format!("{description}: request"),
            request_at,
            version,
        )?;
        request.exchange = Exchange::Request;
        let request_channel = CHANNEL_KEYS
            .iter()
            .find_map(|k| request.metadata(k))
            .map(str::to_owned);
        let replies_at = format!("{pointer}/response");
        let replies = match obj.get("response") {
            None | Some(Value::Null) => &[][..],
            Some(Value::Array(list)) => list.as_slice(),
            Some(other) => {
                return Err(self.error(
                    &replies_at,
                    format!("expected a list of replies, found {}", kind(other)),
                ));
            }
        };
        let mut out = vec![request];
        for (i, reply) in replies.iter().enumerate() {
            let at = format!("{replies_at}/{i}");
            let reply = self.object(reply, &at)?;
            let mut reply = self.message(reply, format!("{description}: reply"), at, version)?;
            reply.exchange = Exchange::Reply {
                request_channel: request_channel.clone(),
            };
            out.push(reply);
        }
        Ok(out)
    }

    fn message(
        &self,
        obj: &Map<String, Value>,
        description: String,
        pointer: String,
        version: u8,
    ) -> Result<Message, PactError> {
        // v3 writes `metaData`, v4 `metadata`.
        let (meta_key, meta) = match (obj.get("metadata"), obj.get("metaData")) {
            (Some(m), _) => ("metadata", Some(m)),
            (None, m) => ("metaData", m),
        };
        let metadata = self.headers(meta, &format!("{pointer}/{meta_key}"))?;
        let body = body(obj.get("contents"), version).map(|b| Body {
            at: if b.at == "/body" {
                "/contents"
            } else {
                "/contents/content"
            },
            ..b
        });
        let rules = self.rules(obj, &pointer)?;
        Ok(Message {
            description,
            exchange: Exchange::Received,
            pointer,
            body,
            metadata,
            metadata_at: if meta_key == "metaData" {
                "/metaData"
            } else {
                "/metadata"
            },
            rules,
        })
    }

    fn request(&self, value: &Value, pointer: &str, version: u8) -> Result<Request, PactError> {
        let obj = self.object(value, pointer)?;
        let method = match obj.get("method") {
            Some(m) => self
                .string(m, &format!("{pointer}/method"))?
                .to_ascii_uppercase(),
            None => return Err(self.error(pointer, "a request needs `method`")),
        };
        let path = match obj.get("path") {
            Some(p) => self.string(p, &format!("{pointer}/path"))?,
            None => "/".to_owned(),
        };
        let query = match obj.get("query") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::String(q)) => parse_query(q),
            Some(Value::Object(m)) => {
                let mut out = Vec::new();
                for (k, v) in m {
                    for item in string_list(v) {
                        out.push((k.clone(), item));
                    }
                }
                out
            }
            Some(other) => {
                return Err(self.error(
                    &format!("{pointer}/query"),
                    format!("expected a string or an object, found {}", kind(other)),
                ));
            }
        };
        let headers = self.headers(obj.get("headers"), &format!("{pointer}/headers"))?;
        let body = body(obj.get("body"), version);
        let rules = self.rules(obj, pointer)?;
        Ok(Request {
            method,
            path,
            query,
            headers,
            body,
            rules,
        })
    }

    fn response(&self, value: &Value, pointer: &str, version: u8) -> Result<Response, PactError> {
        let obj = self.object(value, pointer)?;
        let status = match obj.get("status") {
            Some(s) => s
                .as_u64()
                .and_then(|s| u16::try_from(s).ok())
                .filter(|s| (100..=599).contains(s))
                .ok_or_else(|| {
                    self.error(&format!("{pointer}/status"), "expected an HTTP status code")
                })?,
            None => return Err(self.error(pointer, "a response needs `status`")),
        };
        let headers = self.headers(obj.get("headers"), &format!("{pointer}/headers"))?;
        let body = body(obj.get("body"), version);
        let rules = self.rules(obj, pointer)?;
        Ok(Response {
            status,
            headers,
            body,
            rules,
        })
    }

    fn headers(
        &self,
        value: Option<&Value>,
        pointer: &str,
    ) -> Result<Vec<(String, String)>, PactError> {
        match value {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Object(m)) => Ok(m
                .iter()
                .map(|(k, v)| (k.clone(), string_list(v).join(", ")))
                .collect()),
            Some(other) => Err(self.error(
                pointer,
                format!("expected an object, found {}", kind(other)),
            )),
        }
    }

    fn rules(&self, obj: &Map<String, Value>, pointer: &str) -> Result<Rules, PactError> {
        let Some(value) = obj.get("matchingRules") else {
            return Ok(Rules::default());
        };
        let pointer = format!("{pointer}/matchingRules");
        let map = self.object(value, &pointer)?;
        let mut rules = Rules::default();
        // v2: `{"$.body.name": {"match": "type"}}`; v3/v4: `{"body":
        // {"$.name": {"matchers": [{"match": "type"}]}}}`. A file may say
        // v3 and still write v2's shape; the keys tell.
        for (key, entry) in map {
            let at = format!("{pointer}/{}", escape(key));
            if let Some(rest) = key.strip_prefix("$.") {
                let (category, path) = match rest.split_once('.') {
                    Some((c, p)) => (c, format!("$.{p}")),
                    None => match rest.split_once('[') {
                        Some((c, p)) => (c, format!("$[{p}")),
                        None => (rest, "$".to_owned()),
                    },
                };
                let matcher = self.matcher(entry, &at)?;
                rules.add(category, path, vec![matcher]);
            } else {
                let category = key.as_str();
                let inner = match entry {
                    Value::Object(m) => m,
                    other => {
                        return Err(
                            self.error(&at, format!("expected an object, found {}", kind(other)))
                        );
                    }
                };
                if category == "path" && inner.contains_key("matchers") {
                    rules.add("path", "$".to_owned(), self.matchers(entry, &at)?);
                    continue;
                }
                for (path, entry) in inner {
                    let at = format!("{at}/{}", escape(path));
                    let path = if path.starts_with('$') {
                        path.clone()
                    } else {
                        format!("$.{path}")
                    };
                    rules.add(category, path, self.matchers(entry, &at)?);
                }
            }
        }
        Ok(rules)
    }

    fn matchers(&self, entry: &Value, pointer: &str) -> Result<Vec<Matcher>, PactError> {
        match entry.get("matchers") {
            Some(Value::Array(list)) => list
                .iter()
                .enumerate()
                .map(|(i, m)| self.matcher(m, &format!("{pointer}/matchers/{i}")))
                .collect(),
            Some(other) => Err(self.error(
                &format!("{pointer}/matchers"),
                format!("expected an array, found {}", kind(other)),
            )),
            None => Ok(vec![self.matcher(entry, pointer)?]),
        }
    }

    fn matcher(&self, value: &Value, pointer: &str) -> Result<Matcher, PactError> {
        let obj = self.object(value, pointer)?;
        Ok(Matcher::from_object(obj))
    }
}

fn spec_version(root: &Map<String, Value>) -> u8 {
    let meta = root.get("metadata");
    let text = meta
        .and_then(|m| {
            m.get("pactSpecification")
                .or_else(|| m.get("pact-specification"))
        })
        .and_then(|p| p.get("version"))
        .or_else(|| meta.and_then(|m| m.get("pactSpecificationVersion")))
        .and_then(Value::as_str)
        .unwrap_or("2.0.0");
    match text.split('.').next().and_then(|m| m.parse::<u8>().ok()) {
        Some(v) if v >= 4 => 4,
        Some(3) => 3,
        _ => 2,
    }
}

fn body(value: Option<&Value>, version: u8) -> Option<Body> {
    let value = value?;
    if version >= 4
        && let Some(obj) = value.as_object()
        && obj.contains_key("content")
    {
        let content_type = obj
            .get("contentType")
            .and_then(Value::as_str)
            .map(str::to_owned);
        let encoded = obj.get("encoded");
        let opaque = match encoded {
            None | Some(Value::Bool(false)) | Some(Value::Null) => false,
            Some(Value::String(e)) if e == "json" => {
                // Content written as a JSON string.
                let content = obj
                    .get("content")
                    .and_then(Value::as_str)
                    .and_then(|s| serde_json::from_str(s).ok())
                    .unwrap_or(Value::Null);
                return Some(Body {
                    content,
                    content_type,
                    opaque: false,
                    at: "/body/content",
                });
            }
            Some(_) => true,
        };
        return Some(Body {
            content: obj.get("content").cloned().unwrap_or(Value::Null),
            content_type,
            opaque,
            at: "/body/content",
        });
    }
    Some(Body {
        content: value.clone(),
        content_type: None,
        opaque: false,
        at: "/body",
    })
}

fn string_list(value: &Value) -> Vec<String> {
    match value {
        Value::Array(items) => items.iter().map(scalar_text).collect(),
        other => vec![scalar_text(other)],
    }
}

fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `a=1&b=2&b=3` as pairs, percent-decoding left to the comparison (Pact
/// files hold query values decoded).
fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (k.to_owned(), v.to_owned()),
            None => (p.to_owned(), String::new()),
        })
        .collect()
}

/// A JSON pointer token for a key.
pub fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
