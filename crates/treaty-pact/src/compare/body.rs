//! Content types and bodies, matching rules included.
//!
//! A request body the consumer sends must be accepted by the operation's
//! schema; so must every body its matching rules allow that we can build
//! from the example (an array cut to its `min` items or grown to its
//! `max`, a decimal where the example has an integer). A response body the
//! consumer expects must be something the provider's schema describes
//! (see `schema` for what changes on the response side); beyond the
//! example, a matcher that asks more than the schema promises is
//! incompatible: an array `min` above the schema's `maxItems`, a `regex`
//! that no `enum` value matches, a `decimal` where the schema says
//! `integer`.

use serde_json::Value;

use super::Out;
use super::schema::{Side, Spec};
use crate::matching::{self, Matcher, Rules};
use crate::pact;

/// Most items a variant array is grown to.
const MAX_VARIANT_ITEMS: u64 = 100;

/// Which part of an exchange a body is: it decides the codes, and the
/// side a schema is read as (a message, like a response, is what the
/// consumer receives).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Request,
    Response,
    /// A message the consumer receives.
    Message,
    /// A message the consumer sends (a synchronous exchange's request).
    MessageSent,
}

/// One body to check and where its description is.
pub struct Body<'s, 'd, 'p> {
    pub spec: &'s Spec<'d>,
    pub part: Part,
    /// The request body object or the response object (has `content`).
    pub owner: Option<&'d Value>,
    pub owner_pointer: String,
    pub body: Option<&'p pact::Body>,
    pub content_type: Option<String>,
    pub rules: &'p Rules,
    /// `/request` or `/response`.
    pub pact_pointer: &'static str,
}

impl Body<'_, '_, '_> {
    fn code(&self, what: &str) -> &'static str {
        match (self.part, what) {
            (Part::Request, "incompatible") => "request.body.incompatible",
            (Part::Request, "unknown") => "request.body.unknown",
            (Part::Request, "ct-incompatible") => "request.content-type.incompatible",
            (Part::Request, _) => "request.content-type.missing",
            (Part::Response, "incompatible") => "response.body.incompatible",
            (Part::Response, "unknown") => "response.body.unknown",
            (Part::Response, _) => "response.content-type.incompatible",
            (Part::Message | Part::MessageSent, "incompatible") => "message.payload.incompatible",
            (Part::Message | Part::MessageSent, _) => "message.content-type.incompatible",
        }
    }

    fn side(&self) -> Side {
        match self.part {
            Part::Request | Part::MessageSent => Side::Request,
            Part::Response | Part::Message => Side::Response,
        }
    }

    fn name(&self) -> &'static str {
        match self.part {
            Part::Request => "request",
            Part::Response => "response",
            Part::Message | Part::MessageSent => "message",
        }
    }

    pub fn check(&self, out: &mut Out<'_>) {
        let side = self.name();
        let content = self
            .owner
            .and_then(|o| o.get("content"))
            .and_then(Value::as_object)
            .filter(|c| !c.is_empty());
        let Some(body) = self.body.filter(|b| !is_empty(&b.content)) else {
            if self.part == Part::Request
                && self
                    .owner
                    .and_then(|o| o.get("required"))
                    .and_then(Value::as_bool)
                    == Some(true)
            {
                out.push(
                    self.code("incompatible"),
                    "the operation requires a request body and none is sent".to_owned(),
                    self.pact_pointer,
                    Some(self.owner_pointer.clone()),
                );
            }
            return;
        };
        let body_pointer = format!("{}{}", self.pact_pointer, body.at);
        let Some(content) = content else {
            out.push(
                self.code("unknown"),
                format!("the {side} has a body and the description gives none"),
                &body_pointer,
                Some(self.owner_pointer.clone()),
            );
            return;
        };
        let media = match &self.content_type {
            Some(ct) => {
                let ct = ct.split(';').next().unwrap_or_default().trim();
                let exact = content.iter().find(|(k, _)| k.eq_ignore_ascii_case(ct));
                let Some(found) =
                    exact.or_else(|| content.iter().find(|(k, _)| media_matches(ct, k)))
                else {
                    out.push(
                        self.code("ct-incompatible"),
                        format!(
                            "the {side} content type `{ct}` is not among {}",
                            content.keys().cloned().collect::<Vec<_>>().join(", ")
                        ),
                        &format!("{}/headers/Content-Type", self.pact_pointer),
                        Some(format!("{}/content", self.owner_pointer)),
                    );
                    return;
                };
                found
            }
            None => {
                if self.part == Part::Request {
                    out.push(
                        self.code("missing"),
                        "the request has a body and no Content-Type header".to_owned(),
                        &format!("{}/headers", self.pact_pointer),
                        None,
                    );
                }
                match content
                    .iter()
                    .find(|(k, _)| is_json(k))
                    .or_else(|| content.iter().next())
                {
                    Some(found) => found,
                    None => return,
                }
            }
        };
        let (media_type, media) = media;
        if body.opaque || !is_json(media_type) {
            return;
        }
        let Some(schema) = media.get("schema") else {
            return;
        };
        let schema_pointer = format!(
            "{}/content/{}/schema",
            self.owner_pointer,
            pact::escape(media_type)
        );
        let instance = match &body.content {
            Value::String(s) => serde_json::from_str(s).unwrap_or_else(|_| body.content.clone()),
            other => other.clone(),
        };
        self.check_instance(&instance, schema, &schema_pointer, &body_pointer, out);
    }

    /// A body's content (JSON) against the schema found for it, then what
    /// its matching rules add.
    pub fn check_instance(
        &self,
        instance: &Value,
        schema: &Value,
        schema_pointer: &str,
        body_pointer: &str,
        out: &mut Out<'_>,
    ) {
        let side = self.name();
        let errors = match self.spec.validate(schema, instance, self.side()) {
            Ok(errors) => errors,
            Err(why) => {
                out.push(
                    "spec.schema.unreadable",
                    format!("the schema cannot be used for validation: {why}"),
                    body_pointer,
                    Some(schema_pointer.to_owned()),
                );
                return;
            }
        };
        if !errors.is_empty() {
            // One finding per place, its problems together.
            let mut places: Vec<(String, Vec<String>)> = Vec::new();
            for (at, message) in errors {
                match places.iter_mut().find(|(p, _)| *p == at) {
                    Some((_, messages)) => messages.push(message),
                    None => places.push((at, vec![message])),
                }
            }
            for (at, messages) in places.into_iter().take(5) {
                let message = messages.join("; ");
                let what = match self.part {
                    Part::Message | Part::MessageSent => "message payload".to_owned(),
                    _ => format!("{side} body"),
                };
                out.push(
                    self.code("incompatible"),
                    format!("{what}: {message}"),
                    &format!("{body_pointer}{at}"),
                    Some(schema_pointer.to_owned()),
                );
            }
            return;
        }
        self.check_rules(instance, schema, schema_pointer, body_pointer, out);
    }

    /// The matching rules beyond the example (see the module's comment).
    fn check_rules(
        &self,
        instance: &Value,
        schema: &Value,
        schema_pointer: &str,
        body_pointer: &str,
        out: &mut Out<'_>,
    ) {
        for (path, matchers) in self.rules.body() {
            for at in matching::resolve(instance, path) {
                let Some(value) = instance.pointer(&at) else {
                    continue;
                };
                for matcher in matchers {
                    let problem = match self.side() {
                        Side::Request => {
                            self.request_variant(instance, &at, value, matcher, schema)
                        }
                        Side::Response => self.response_promise(value, &at, matcher, schema),
                    };
                    if let Some(why) = problem {
                        out.push(
                            self.code("incompatible"),
                            format!("{} at `{path}`: {why}", matcher.describe()),
                            &format!("{body_pointer}{at}"),
                            Some(schema_pointer.to_owned()),
                        );
                    }
                }
            }
        }
    }

    /// A body the matcher lets the consumer send, built from the example,
    /// checked against the schema.
    fn request_variant(
        &self,
        instance: &Value,
        at: &str,
        value: &Value,
        matcher: &Matcher,
        schema: &Value,
    ) -> Option<String> {
        let replacement = match (matcher, value) {
            (Matcher::Type { min, max }, Value::Array(items)) if !items.is_empty() => {
                let sizes: Vec<u64> = [*min, max.map(|m| m.min(MAX_VARIANT_ITEMS))]
                    .into_iter()
                    .flatten()
                    .collect();
                sizes.into_iter().find_map(|n| {
                    let variant: Vec<Value> = (0..n)
                        .map(|i| items[usize::try_from(i).unwrap_or(0) % items.len()].clone())
                        .collect();
                    let mut body = instance.clone();
                    *body.pointer_mut(at)? = Value::Array(variant);
                    self.first_error(schema, &body)
                        .map(|e| format!("the consumer may send {n} items: {e}"))
                })?
            }
            (Matcher::Decimal | Matcher::Number, Value::Number(n)) if !n.is_f64() => {
                let decimal = n.as_f64().map(|f| f + 0.5)?;
                let mut body = instance.clone();
                *body.pointer_mut(at)? = serde_json::json!(decimal);
                self.first_error(schema, &body)
                    .map(|e| format!("the consumer may send {decimal}: {e}"))?
            }
            _ => return None,
        };
        Some(replacement)
    }

    fn first_error(&self, schema: &Value, body: &Value) -> Option<String> {
        self.spec
            .validate(schema, body, self.side())
            .ok()?
            .into_iter()
            .next()
            .map(|(_, m)| m)
    }

    /// What the matcher requires of every response, against what the
    /// schema at that place promises.
    fn response_promise(
        &self,
        value: &Value,
        at: &str,
        matcher: &Matcher,
        schema: &Value,
    ) -> Option<String> {
        let here = schema_at(self.spec, schema, at)?;
        match matcher {
            Matcher::Type { min: Some(min), .. } if value.is_array() => {
                let most = here.get("maxItems").and_then(Value::as_u64)?;
                (most < *min).then(|| {
                    format!("the consumer expects at least {min} items, the provider sends at most {most}")
                })
            }
            Matcher::Regex(regex) => {
                let values = here.get("enum").and_then(Value::as_array)?;
                let re = regex_lite(regex)?;
                // As for the example itself: the consumer's expectation
                // must be something the provider can send, so the regex
                // is incompatible only when no value it may send matches.
                let sent: Vec<&str> = values.iter().filter_map(Value::as_str).collect();
                let none = !sent.is_empty()
                    && sent
                        .iter()
                        .all(|v| !re.is_valid(&Value::String((*v).to_owned())));
                none.then(|| {
                    format!(
                        "the provider sends only {}, none of which the consumer's regex accepts",
                        sent.join(", ")
                    )
                })
            }
            Matcher::Decimal => {
                let t = here.get("type")?;
                (t == "integer").then(|| {
                    "the consumer expects a decimal, the provider sends integers".to_owned()
                })
            }
            _ => None,
        }
    }
}

/// A validator for "a string matching `regex`" (the `jsonschema` crate's
/// ECMA-262 regular expressions, which Pact's JVM and JS regexes mostly
/// share); `None` if the expression is not one.
fn regex_lite(regex: &str) -> Option<jsonschema::Validator> {
    let anchored = format!("^(?:{regex})$");
    jsonschema::draft202012::options()
        .build(&serde_json::json!({"type": "string", "pattern": anchored}))
        .ok()
}

/// The schema that describes the value at `pointer` of an instance:
/// `properties`, `items`, `prefixItems`, `additionalProperties`, through
/// `$ref`s and `allOf` branches; `None` where it cannot be told.
fn schema_at<'d>(spec: &Spec<'d>, schema: &'d Value, pointer: &str) -> Option<&'d Value> {
    let mut here = spec.deref(schema);
    if pointer.is_empty() {
        return Some(here);
    }
    for token in pointer.split('/').skip(1) {
        let token = token.replace("~1", "/").replace("~0", "~");
        here = step(spec, here, &token, 0)?;
    }
    Some(here)
}

fn step<'d>(spec: &Spec<'d>, schema: &'d Value, token: &str, depth: usize) -> Option<&'d Value> {
    if depth > 16 {
        return None;
    }
    let schema = spec.deref(schema);
    if let Some(p) = schema.get("properties").and_then(|p| p.get(token)) {
        return Some(spec.deref(p));
    }
    if let Ok(i) = token.parse::<usize>() {
        if let Some(p) = schema.get("prefixItems").and_then(|p| p.get(i)) {
            return Some(spec.deref(p));
        }
        if let Some(items) = schema.get("items").filter(|i| i.is_object()) {
            return Some(spec.deref(items));
        }
    }
    if let Some(branches) = schema.get("allOf").and_then(Value::as_array) {
        for b in branches {
            if let Some(found) = step(spec, b, token, depth + 1) {
                return Some(found);
            }
        }
    }
    schema
        .get("additionalProperties")
        .filter(|a| a.is_object())
        .map(|a| spec.deref(a))
}

/// `application/json`, `application/problem+json`, `text/json`…
pub fn is_json(media_type: &str) -> bool {
    let m = media_type.split(';').next().unwrap_or_default().trim();
    m.eq_ignore_ascii_case("application/json")
        || m.to_ascii_lowercase().ends_with("+json")
        || m.eq_ignore_ascii_case("text/json")
        || m == "*/*"
}

/// Whether a concrete media type is covered by a described one, which may
/// be a range (`*/*`, `application/*`).
pub fn media_matches(concrete: &str, described: &str) -> bool {
    let concrete = concrete.split(';').next().unwrap_or_default().trim();
    let described = described.split(';').next().unwrap_or_default().trim();
    if concrete.eq_ignore_ascii_case(described) || described == "*/*" {
        return true;
    }
    match (concrete.split_once('/'), described.split_once('/')) {
        (Some((ct, _)), Some((dt, "*"))) => ct.eq_ignore_ascii_case(dt),
        _ => false,
    }
}

fn is_empty(value: &Value) -> bool {
    matches!(value, Value::Null) || value.as_str().is_some_and(str::is_empty)
}
