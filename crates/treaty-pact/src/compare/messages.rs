//! Each message a consumer expects to receive (v3 message pacts, v4
//! `Asynchronous/Messages`), and both sides of a v4 `Synchronous/Messages`
//! exchange, against the messages an AsyncAPI 2.x or 3.x document
//! describes. PactFlow's comparator does not do AsyncAPI: the codes
//! (`message.*`) are Treaty's own, in PactFlow's style.
//!
//! A pact does not say which channel a message goes on unless its
//! metadata names one (`channel`, `topic`, `destination`, `queue` or
//! `kafka_topic`); then only that channel's messages are candidates,
//! otherwise every message of the document is. The message is compatible
//! when one candidate of its content type has a payload it is valid
//! against. A message the consumer receives is read as a response is
//! (objects closed, `required` dropped), matching rules included; the
//! request of a synchronous exchange, which the consumer sends, as a
//! request is (the schema as written), against the messages the provider
//! receives. Its replies are checked against the `reply` of the AsyncAPI 3
//! operations that receive on the request's channel; AsyncAPI 2 has no
//! replies, so there they are checked as any message the provider sends.

use serde_json::Value;

use super::body::{Body, Part, is_json, media_matches};
use super::schema::{Side, Spec};
use super::{Finding, Out, message_headers};
use crate::pact::{Exchange, Message, Pact, escape};

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
    /// Whether the provider receives it (2.x `publish`, 3.x a `receive`
    /// operation on the channel).
    received: bool,
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
                                received: !sent,
                            });
                        }
                    }
                    None => out.push(Described {
                        channel: key,
                        address: None,
                        message,
                        pointer,
                        sent,
                        received: !sent,
                    }),
                }
            }
        } else {
            let sent = !operations_on(doc, key, "send").is_empty();
            let received = !operations_on(doc, key, "receive").is_empty();
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
                    received,
                });
            }
        }
    }
    out
}

/// 3.x: the operations with `action` (`send`, `receive`) on channel
/// `key`, by id.
fn operations_on<'d>(doc: &'d Value, key: &str, action: &str) -> Vec<(&'d str, &'d Value)> {
    let target = format!("#/channels/{}", escape(key));
    doc.get("operations")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter(|(_, op)| {
            op.get("action").and_then(Value::as_str) == Some(action)
                && op
                    .get("channel")
                    .and_then(|c| c.get("$ref"))
                    .and_then(Value::as_str)
                    == Some(target.as_str())
        })
        .map(|(id, op)| (id.as_str(), op))
        .collect()
}

/// The channel key a `$ref` (`#/channels/orders`) names.
fn channel_key(reference: &Value) -> Option<String> {
    let r = reference
        .get("$ref")?
        .as_str()?
        .strip_prefix("#/channels/")?;
    Some(r.replace("~1", "/").replace("~0", "~"))
}

/// 3.x: the replies of the operations that receive on `request_channel`
/// (by key or address; every receiving operation when `None`): the
/// messages the `reply` lists, else its channel's.
fn replies<'d>(spec: &Spec<'d>, request_channel: Option<&str>) -> Vec<Described<'d>> {
    let doc = spec.doc;
    let channels = doc.get("channels").and_then(Value::as_object);
    let keys: Vec<&str> = channels
        .into_iter()
        .flatten()
        .filter(|(k, c)| {
            request_channel.is_none_or(|want| {
                k.as_str() == want
                    || spec.deref(c).get("address").and_then(Value::as_str) == Some(want)
            })
        })
        .map(|(k, _)| k.as_str())
        .collect();
    let mut out = Vec::new();
    for key in keys {
        for (id, op) in operations_on(doc, key, "receive") {
            let Some(reply) = op.get("reply").map(|r| spec.deref(r)) else {
                continue;
            };
            let reply_channel = reply.get("channel").and_then(channel_key);
            let channel = reply_channel.as_deref().unwrap_or(key);
            let (channel, address) = match channels.and_then(|c| c.get_key_value(channel)) {
                Some((k, c)) => (
                    k.as_str(),
                    spec.deref(c).get("address").and_then(Value::as_str),
                ),
                None => (key, None),
            };
            let listed = reply.get("messages").and_then(Value::as_array);
            match listed {
                Some(list) => {
                    for (i, m) in list.iter().enumerate() {
                        let pointer = m
                            .get("$ref")
                            .and_then(Value::as_str)
                            .and_then(|r| r.strip_prefix('#'))
                            .map_or_else(
                                || format!("/operations/{}/reply/messages/{i}", escape(id)),
                                str::to_owned,
                            );
                        out.push(Described {
                            channel,
                            address,
                            message: spec.deref(m),
                            pointer,
                            sent: true,
                            received: false,
                        });
                    }
                }
                None => {
                    let on = channels
                        .and_then(|c| c.get(channel))
                        .map(|c| spec.deref(c))
                        .and_then(|c| c.get("messages"))
                        .and_then(Value::as_object);
                    for (mid, m) in on.into_iter().flatten() {
                        out.push(Described {
                            channel,
                            address,
                            message: spec.deref(m),
                            pointer: format!(
                                "/channels/{}/messages/{}",
                                escape(channel),
                                escape(mid)
                            ),
                            sent: true,
                            received: false,
                        });
                    }
                }
            }
        }
    }
    out
}

fn check(spec: &Spec<'_>, described: &[Described<'_>], message: &Message, out: &mut Out<'_>) {
    let v2 = spec
        .doc
        .get("asyncapi")
        .and_then(Value::as_str)
        .is_some_and(|v| v.starts_with("2."));
    let reply_to = match &message.exchange {
        Exchange::Reply { request_channel } if !v2 => Some(request_channel.as_deref()),
        _ => None,
    };
    let replies_found;
    let candidates: Vec<&Described<'_>> = if let Some(request_channel) = reply_to {
        replies_found = replies(spec, request_channel);
        if replies_found.is_empty() {
            out.push(
                "message.unknown",
                match request_channel {
                    Some(c) => {
                        format!("no operation receiving on the channel `{c}` declares a reply")
                    }
                    None => "no operation of the document declares a reply".to_owned(),
                },
                "",
                Some("/operations".to_owned()),
            );
            return;
        }
        replies_found.iter().collect()
    } else {
        match on_named_channel(spec, described, message, out) {
            Some(c) => c,
            None => return,
        }
    };
    if candidates.is_empty() {
        let channel = message.channel().map(|(_, c)| c);
        out.push(
            "message.unknown",
            match channel {
                Some(channel) => {
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
    let chosen = check_payload(spec, &typed, first, message, content_type, out);
    message_headers::check(spec, chosen.message, &chosen.pointer, message, out);
}

/// The payload against the candidates of its type (`typed`, `first`
/// among them): the first it is valid against decides (matching rules may
/// still find something), else `first` reports. Returns the candidate
/// that decided, whose headers the metadata is then checked against.
fn check_payload<'a, 'd>(
    spec: &Spec<'_>,
    typed: &[&'a Described<'d>],
    first: &'a Described<'d>,
    message: &Message,
    content_type: Option<String>,
    out: &mut Out<'_>,
) -> &'a Described<'d> {
    let Some(body) = message.body.as_ref().filter(|b| !b.opaque) else {
        return first;
    };
    let media = content_type
        .as_deref()
        .map(|ct| ct.split(';').next().unwrap_or_default().trim());
    if media.is_some_and(|m| !is_json(m)) {
        return first;
    }
    let instance = match &body.content {
        Value::String(s) => serde_json::from_str(s).unwrap_or_else(|_| body.content.clone()),
        other => other.clone(),
    };
    let (part, side) = if message.exchange == Exchange::Request {
        (Part::MessageSent, Side::Request)
    } else {
        (Part::Message, Side::Response)
    };
    let mut chosen = first;
    for d in typed {
        let Some((schema, _)) = payload(d) else {
            // A message without a payload schema accepts any payload.
            return d;
        };
        if spec
            .validate(schema, &instance, side)
            .is_ok_and(|errors| errors.is_empty())
        {
            chosen = d;
            break;
        }
    }
    let Some((schema, schema_pointer)) = payload(chosen) else {
        return chosen;
    };
    if let Err(format) = schema_format(chosen) {
        out.push(
            "spec.schema.unreadable",
            format!("the payload's schema format `{format}` is not JSON Schema"),
            body.at,
            Some(schema_pointer),
        );
        return chosen;
    }
    let check = Body {
        spec,
        part,
        owner: None,
        owner_pointer: chosen.pointer.clone(),
        body: Some(body),
        content_type,
        rules: &message.rules,
        pact_pointer: "",
    };
    check.check_instance(&instance, schema, &schema_pointer, body.at, out);
    chosen
}

/// The candidates on the channel the message's metadata names (every
/// message when it names none); `None` when the document lacks that
/// channel (reported). A channel no operation uses in the message's
/// direction is a warning.
fn on_named_channel<'a, 'd>(
    spec: &Spec<'_>,
    described: &'a [Described<'d>],
    message: &Message,
    out: &mut Out<'_>,
) -> Option<Vec<&'a Described<'d>>> {
    let Some((key, channel)) = message.channel() else {
        return Some(described.iter().collect());
    };
    if !on_channel(spec.doc, channel) {
        out.push(
            "message.channel.unknown",
            format!("the channel `{channel}` is not in the AsyncAPI document"),
            &format!("{}/{}", message.metadata_at, escape(key)),
            Some("/channels".to_owned()),
        );
        return None;
    }
    let on: Vec<&Described<'_>> = described
        .iter()
        .filter(|d| d.channel == channel || d.address == Some(channel))
        .collect();
    let sends = message.exchange == Exchange::Request;
    let (used, verb) = if sends {
        (on.iter().any(|d| d.received), "receives")
    } else {
        (on.iter().any(|d| d.sent), "sends")
    };
    if !on.is_empty() && !used {
        out.push(
            "message.operation.unknown",
            format!("no operation of the document {verb} on the channel `{channel}`"),
            &format!("{}/{}", message.metadata_at, escape(key)),
            on.first().map(|d| d.pointer.clone()),
        );
    }
    Some(on)
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
