//! A message's metadata against the headers its AsyncAPI message declares
//! (`headers`, a schema of an object whose properties are the headers).
//! Each entry is read as text and coerced to the header's type, as a
//! parameter is. The entries that name the channel (`topic`, …) and the
//! content type are the transport's, not headers, and are left out. An
//! entry the headers do not list is a warning, and only when the message
//! declares headers at all: without them the document says nothing of
//! headers, and metadata also carries the transport's own entries.

use serde_json::Value;

use super::Out;
use super::params::check_values;
use super::schema::Spec;
use crate::pact::{CHANNEL_KEYS, Message, escape};

/// Metadata entries that say the content type.
const CONTENT_TYPE_KEYS: &[&str] = &["contentType", "content-type", "content_type"];

/// Checks `message`'s metadata against the headers of `described` (the
/// Message Object at `described_pointer`).
pub(super) fn check(
    spec: &Spec<'_>,
    described: &Value,
    described_pointer: &str,
    message: &Message,
    out: &mut Out<'_>,
) {
    let Some(headers) = described.get("headers").map(|h| spec.deref(h)) else {
        return;
    };
    let at = format!("{described_pointer}/headers");
    // 3.x's multi-format schema object.
    let (schema, schema_pointer) = match headers.get("schemaFormat").and(headers.get("schema")) {
        Some(s) => (spec.deref(s), format!("{at}/schema")),
        None => (headers, at),
    };
    let properties = schema.get("properties").and_then(Value::as_object);
    for (name, value) in &message.metadata {
        let transport = CHANNEL_KEYS
            .iter()
            .chain(CONTENT_TYPE_KEYS)
            .any(|k| k.eq_ignore_ascii_case(name));
        if transport {
            continue;
        }
        let pact_at = format!("{}/{}", message.metadata_at, escape(name));
        // Exact first: header names of brokers such as Kafka keep case.
        let declared = properties.and_then(|p| {
            p.get_key_value(name.as_str())
                .or_else(|| p.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)))
        });
        match declared {
            None => out.push(
                "message.header.unknown",
                format!("the header `{name}` is not among the message's headers"),
                &pact_at,
                Some(schema_pointer.clone()),
            ),
            Some((key, header)) => {
                if let Err(why) = check_values(spec, header, &[value.as_str()]) {
                    out.push(
                        "message.header.incompatible",
                        format!("header `{name}`: {why}"),
                        &pact_at,
                        Some(format!("{schema_pointer}/properties/{}", escape(key))),
                    );
                }
            }
        }
    }
}
