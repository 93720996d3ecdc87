//! Each message a consumer expects to receive (v3 message pacts, v4
//! `Asynchronous/Messages`) against the messages an AsyncAPI 2.x or 3.x
//! document describes. PactFlow's comparator does not do AsyncAPI: the
//! codes (`message.*`) are Treaty's own, in PactFlow's style.
//!
//! A pact does not say which channel a message comes on unless its
//! metadata names one (`channel`, `topic`, `destination`, `queue` or
//! `kafka_topic`); then only that channel's messages are candidates,
//! otherwise every message of the document is. The message is compatible
//! when one candidate of its content type has a payload it is valid
//! against, read as a response is (the consumer receives it: objects
//! closed, `required` dropped), matching rules included.

use serde_json::Value;

use super::body::{Body, Part, is_json, media_matches};
use super::schema::{Side, Spec};
use super::{Finding, Out};
use crate::pact::{Message, Pact, escape};

/// Metadata entries that name the channel a message comes on.
const CHANNEL_KEYS: &[&str] = &["channel", "topic", "destination", "queue", "kafka_topic"];

/// A message the document describes.
struct Described<'d> {
    /// The channel's key (2.x: its name; 3.x: its id).
    channel: &'d str,
    /// 3.x: the channel's address.
    address: Option<&'d str>,
    /// The Message Object, `$ref`s followed.
    message: &'d Value,
    /// JSON pointer of the message in the document.
    pointer: String,
    /// Whether the provider sends it (2.x `subscribe`, 3.x a `send`
    /// operation on the channel).
    sent: bool,
}

/// Compares every message of `pact` with `asyncapi`, each beside its own
/// findings.
pub fn compare_messages_each<'p>(
    pact: &'p Pact,
    asyncapi: &Value,
) -> Vec<(&'p Message, Vec<Finding>)> {
    let spec = Spec::new(asyncapi);
    let described = describe(&spec);
    pact.messages
        .iter()
        .map(|message| {
            let mut out = Out {
                description: &message.description,
                pointer: &message.pointer,
                findings: Vec::new(),
            };
            check(&spec, &described, message, &mut out);
            (message, out.findings)
        })
        .collect()
}

/// Every message of the document, on every channel.
fn describe<'d>(spec: &Spec<'d>) -> Vec<Described<'d>> {
    let doc = spec.doc;
    let Some(channels) = doc.get("channels").and_then(Value::as_object) else {
        return Vec::new();
    };
    let v2 = doc
        .get("asyncapi")
        .and_then(Value::as_str)
        .is_some_and(|v| v.starts_with("2."));
    let mut out = Vec::new();
    for (key, channel) in channels {
        let channel = spec.deref(channel);
        let at = format!("/channels/{}", escape(key));
        if v2 {
            for (op, sent) in [("subscribe", true), ("publish", false)] {
                let Some(message) = channel.get(op).and_then(|o| o.get("message")) else {
                    continue;
                };
                let pointer = format!("{at}/{op}/message");
                let message = spec.deref(message);
                match message.get("oneOf").and_then(Value::as_array) {
                    Some(list) => {
                        for (i, m) in list.iter().enumerate() {
                            out.push(Described {
                                channel: key,
                                address: None,
                                message: spec.deref(m),
                                pointer: format!("{pointer}/oneOf/{i}"),
                                sent,
                            });
                        }
                    }
                    None => out.push(Described {
                        channel: key,
                        address: None,
                        message,
                        pointer,
                        sent,
                    }),
                }
            }
        } else {
            let sent = sends_on(doc, key);
            let address = channel.get("address").and_then(Value::as_str);
            for (id, m) in channel
                .get("messages")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                out.push(Described {
                    channel: key,
                    address,
                    message: spec.deref(m),
                    pointer: format!("{at}/messages/{}", escape(id)),
                    sent,
                });
            }
        }
    }
    out
}

/// 3.x: whether an operation with `action: send` is on channel `key`.
fn sends_on(doc: &Value, key: &str) -> bool {
    let target = format!("#/channels/{}", escape(key));
    doc.get("operations")
        .and_then(Value::as_object)
        .is_some_and(|ops| {
            ops.values().any(|op| {
                op.get("action").and_then(Value::as_str) == Some("send")
                    && op
                        .get("channel")
                        .and_then(|c| c.get("$ref"))
                        .and_then(Value::as_str)
                        == Some(target.as_str())
            })
        })
}

fn check(spec: &Spec<'_>, described: &[Described<'_>], message: &Message, out: &mut Out<'_>) {
    let named = CHANNEL_KEYS
        .iter()
        .find_map(|k| message.metadata(k).map(|v| (*k, v)));
    let candidates: Vec<&Described<'_>> = match named {
        Some((key, channel)) => {
            let on: Vec<&Described<'_>> = described
                .iter()
                .filter(|d| d.channel == channel || d.address == Some(channel))
                .collect();
            let known = on_channel(spec.doc, channel);
            if !known {
                out.push(
                    "message.channel.unknown",
                    format!("the channel `{channel}` is not in the AsyncAPI document"),
                    &format!("{}/{}", message.metadata_at, escape(key)),
                    Some("/channels".to_owned()),
                );
                return;
            }
            if !on.is_empty() && !on.iter().any(|d| d.sent) {
                out.push(
                    "message.operation.unknown",
                    format!("no operation of the document sends on the channel `{channel}`"),
                    &format!("{}/{}", message.metadata_at, escape(key)),
                    on.first().map(|d| d.pointer.clone()),
                );
            }
            on
        }
        None => described.iter().collect(),
    };
    if candidates.is_empty() {
        out.push(
            "message.unknown",
            match named {
                Some((_, channel)) => {
                    format!("the document describes no message on the channel `{channel}`")
                }
                None => "the document describes no message".to_owned(),
            },
            "",
            Some("/channels".to_owned()),
        );
        return;
    }
    let default_type = spec.doc.get("defaultContentType").and_then(Value::as_str);
    let content_type = message
        .body
        .as_ref()
        .and_then(|b| b.content_type.clone())
        .or_else(|| message.metadata("contentType").map(str::to_owned))
        .or_else(|| message.metadata("content-type").map(str::to_owned));
    let media = content_type
        .as_deref()
        .map(|ct| ct.split(';').next().unwrap_or_default().trim().to_owned());
    let typed: Vec<&Described<'_>> = candidates
        .iter()
        .copied()
        .filter(|d| {
            let described = d
                .message
                .get("contentType")
                .and_then(Value::as_str)
                .or(default_type);
            match (&media, described) {
                (Some(ct), Some(described)) => media_matches(ct, described),
                _ => true,
            }
        })
        .collect();
    let Some(first) = typed.first() else {
        let types: Vec<&str> = candidates
            .iter()
            .filter_map(|d| {
                d.message
                    .get("contentType")
                    .and_then(Value::as_str)
                    .or(default_type)
            })
            .collect();
        let pact_at = if message.metadata("contentType").is_some() {
            format!("{}/contentType", message.metadata_at)
        } else {
            "/contents/contentType".to_owned()
        };
        out.push(
            "message.content-type.incompatible",
            format!(
                "the message's content type `{}` is not among {}",
                media.unwrap_or_default(),
                types.join(", ")
            ),
            &pact_at,
            Some(format!("{}/contentType", candidates[0].pointer)),
        );
        return;
    };
    let Some(body) = message.body.as_ref().filter(|b| !b.opaque) else {
        return;
    };
    if media.as_deref().is_some_and(|m| !is_json(m)) {
        return;
    }
    let instance = match &body.content {
        Value::String(s) => serde_json::from_str(s).unwrap_or_else(|_| body.content.clone()),
        other => other.clone(),
    };
    // The first candidate the payload is valid against decides (matching
    // rules may still find something); else the first of its type reports.
    let mut chosen = *first;
    for d in &typed {
        let Some((schema, _)) = payload(d) else {
            // A message without a payload schema accepts any payload.
            return;
        };
        if spec
            .validate(schema, &instance, Side::Response)
            .is_ok_and(|errors| errors.is_empty())
        {
            chosen = d;
            break;
        }
    }
    let Some((schema, schema_pointer)) = payload(chosen) else {
        return;
    };
    if let Err(format) = schema_format(chosen) {
        out.push(
            "spec.schema.unreadable",
            format!("the payload's schema format `{format}` is not JSON Schema"),
            body.at,
            Some(schema_pointer),
        );
        return;
    }
    let check = Body {
        spec,
        part: Part::Message,
        owner: None,
        owner_pointer: chosen.pointer.clone(),
        body: Some(body),
        content_type: content_type.clone(),
        rules: &message.rules,
        pact_pointer: "",
    };
    check.check_instance(&instance, schema, &schema_pointer, body.at, out);
}

/// Whether the document has the channel, by key or (3.x) address.
fn on_channel(doc: &Value, channel: &str) -> bool {
    doc.get("channels")
        .and_then(Value::as_object)
        .is_some_and(|cs| {
            cs.iter().any(|(k, c)| {
                k == channel || c.get("address").and_then(Value::as_str) == Some(channel)
            })
        })
}

/// The payload's schema and its pointer (3.x's multi-format object
/// unwrapped).
fn payload<'d>(d: &Described<'d>) -> Option<(&'d Value, String)> {
    let payload = d.message.get("payload")?;
    match payload.get("schemaFormat").and(payload.get("schema")) {
        Some(schema) => Some((schema, format!("{}/payload/schema", d.pointer))),
        None => Some((payload, format!("{}/payload", d.pointer))),
    }
}

/// `Err` with the format when the payload is not written in JSON Schema
/// (AsyncAPI's own schema format is a superset of it).
fn schema_format(d: &Described<'_>) -> Result<(), String> {
    let format = d
        .message
        .get("payload")
        .and_then(|p| p.get("schemaFormat"))
        .or_else(|| d.message.get("schemaFormat"))
        .and_then(Value::as_str);
    match format {
        None => Ok(()),
        Some(f)
            if f.starts_with("application/vnd.aai.asyncapi")
                || f.starts_with("application/schema+json")
                || f.starts_with("application/schema+yaml") =>
        {
            Ok(())
        }
        Some(other) => Err(other.to_owned()),
    }
}
