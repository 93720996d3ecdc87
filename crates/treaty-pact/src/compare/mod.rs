//! Each interaction of a Pact file against an OpenAPI 3.0/3.1 document,
//! with PactFlow's result codes.
//!
//! `route` finds the operation (servers, templates, path parameters,
//! method), `params` checks query and header parameters, `body` content
//! types and bodies (matching rules included), `schema` turns OpenAPI
//! schemas into JSON Schema for the validator.

mod body;
mod message_headers;
mod messages;
mod params;
mod route;
mod schema;

use serde::Serialize;
use serde_json::Value;

use crate::pact::{Interaction, Pact, escape};
use body::{Body, Part};
pub use messages::compare_messages_each;
use schema::Spec;

/// How much a finding matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// The consumer's expectation is not met: the pact is incompatible.
    Error,
    /// Worth a look; does not make the pact incompatible.
    Warning,
}

impl std::fmt::Display for Level {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Level::Error => "error",
            Level::Warning => "warning",
        })
    }
}

/// One difference between an interaction and the provider's description.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// PactFlow's code (`request.path-or-method.unknown`, …).
    pub code: &'static str,
    /// Error or warning.
    pub level: Level,
    /// The interaction's description.
    pub interaction: String,
    /// What is wrong, in words.
    pub message: String,
    /// JSON pointer into the Pact file.
    pub pact_pointer: String,
    /// JSON pointer into the OpenAPI document, when one place is to blame.
    pub spec_pointer: Option<String>,
}

/// Every code this comparison reports, with its level.
pub const CODES: &[(&str, Level)] = &[
    ("request.path-or-method.unknown", Level::Error),
    ("request.query.incompatible", Level::Error),
    ("request.query.unknown", Level::Warning),
    ("request.header.incompatible", Level::Error),
    ("request.header.unknown", Level::Warning),
    ("request.content-type.incompatible", Level::Error),
    ("request.content-type.missing", Level::Warning),
    ("request.accept.incompatible", Level::Error),
    ("request.body.incompatible", Level::Error),
    ("request.body.unknown", Level::Warning),
    ("response.status.unknown", Level::Error),
    ("response.status.default", Level::Warning),
    ("response.header.incompatible", Level::Error),
    ("response.header.unknown", Level::Warning),
    ("response.content-type.incompatible", Level::Error),
    ("response.body.incompatible", Level::Error),
    // The consumer expects a body the provider does not describe: like an
    // expected field the schema lacks, an error.
    ("response.body.unknown", Level::Error),
    ("spec.schema.unreadable", Level::Warning),
    // Messages against AsyncAPI: Treaty's own codes (PactFlow's comparator
    // does not read AsyncAPI), in its style.
    ("message.channel.unknown", Level::Error),
    // AsyncAPI 2.x's `publish`/`subscribe` are often written the other
    // way round, so a channel only the other direction lists is a warning.
    ("message.operation.unknown", Level::Warning),
    ("message.unknown", Level::Error),
    ("message.content-type.incompatible", Level::Error),
    ("message.payload.incompatible", Level::Error),
    ("message.header.incompatible", Level::Error),
    // Only where the message declares headers: metadata also carries the
    // transport's own entries, which no description lists.
    ("message.header.unknown", Level::Warning),
];

/// The level of a code (`Warning` for one not in [`CODES`]).
fn level(code: &str) -> Level {
    CODES
        .iter()
        .find(|(c, _)| *c == code)
        .map_or(Level::Warning, |(_, l)| *l)
}

/// Findings for one interaction or message, with where it is.
struct Out<'a> {
    /// The interaction's description.
    description: &'a str,
    /// JSON pointer of the interaction in the Pact file.
    pointer: &'a str,
    findings: Vec<Finding>,
}

impl Out<'_> {
    fn push(&mut self, code: &'static str, message: String, pact: &str, spec: Option<String>) {
        self.findings.push(Finding {
            code,
            level: level(code),
            interaction: self.description.to_owned(),
            message,
            pact_pointer: format!("{}{pact}", self.pointer),
            spec_pointer: spec,
        });
    }
}

/// Compares every HTTP interaction of `pact` with `openapi`; findings in
/// the order of the interactions.
pub fn compare(pact: &Pact, openapi: &Value) -> Vec<Finding> {
    compare_each(pact, openapi)
        .into_iter()
        .flat_map(|(_, findings)| findings)
        .collect()
}

/// Compares every message of `pact` (v3 message pacts, v4
/// `Asynchronous/Messages`) with an AsyncAPI 2.x or 3.x document; findings
/// in the order of the messages.
pub fn compare_messages(pact: &Pact, asyncapi: &Value) -> Vec<Finding> {
    compare_messages_each(pact, asyncapi)
        .into_iter()
        .flat_map(|(_, findings)| findings)
        .collect()
}

/// Like [`compare`], each interaction beside its own findings (none when
/// it is compatible), for callers that name the interaction's method and
/// path in what they report.
pub fn compare_each<'p>(pact: &'p Pact, openapi: &Value) -> Vec<(&'p Interaction, Vec<Finding>)> {
    // One `Spec` for the whole pact: validators are compiled once.
    let spec = Spec::new(openapi);
    pact.interactions
        .iter()
        .map(|interaction| {
            let mut out = Out {
                description: &interaction.description,
                pointer: &interaction.pointer,
                findings: Vec::new(),
            };
            check(&spec, interaction, &mut out);
            (interaction, out.findings)
        })
        .collect()
}

/// Headers every HTTP exchange may carry whatever the description says.
const STANDARD_HEADERS: &[&str] = &[
    "accept",
    "accept-encoding",
    "accept-language",
    "authorization",
    "cache-control",
    "connection",
    "content-length",
    "content-type",
    "cookie",
    "date",
    "host",
    "origin",
    "user-agent",
];

fn check(spec: &Spec<'_>, interaction: &Interaction, out: &mut Out<'_>) {
    let request = &interaction.request;
    let Some(route) = route::find(spec, &request.method, &request.path) else {
        out.push(
            "request.path-or-method.unknown",
            format!(
                "{} {} matches no operation of the description",
                request.method, request.path
            ),
            "/request/path",
            Some("/paths".to_owned()),
        );
        return;
    };
    check_parameters(spec, &route, request, out);
    let request_body = Body {
        spec,
        part: Part::Request,
        owner: route.operation.get("requestBody").map(|b| spec.deref(b)),
        owner_pointer: format!("{}/requestBody", route.pointer),
        body: request.body.as_ref(),
        content_type: request
            .header("content-type")
            .map(str::to_owned)
            .or_else(|| request.body.as_ref().and_then(|b| b.content_type.clone())),
        rules: &request.rules,
        pact_pointer: "/request",
    };
    request_body.check(out);
    check_response(spec, &route, interaction, out);
}

fn check_parameters(
    spec: &Spec<'_>,
    route: &route::Route<'_>,
    request: &crate::Request,
    out: &mut Out<'_>,
) {
    for location in ["query", "header"] {
        let sent: Vec<(String, String)> = if location == "query" {
            request
                .query
                .iter()
                .map(|(k, v)| (route::percent_decode(k), route::percent_decode(v)))
                .collect()
        } else {
            request.headers.clone()
        };
        let incompatible = if location == "query" {
            "request.query.incompatible"
        } else {
            "request.header.incompatible"
        };
        let pact_at = |name: &str| {
            if location == "query" {
                format!("/request/query/{}", escape(name))
            } else {
                format!("/request/headers/{}", escape(name))
            }
        };
        for param in route.params.iter().filter(|p| p.location == location) {
            let values: Vec<&str> = sent
                .iter()
                .filter(|(n, _)| params::same_name(n, &param.name, location))
                .map(|(_, v)| v.as_str())
                .collect();
            if values.is_empty() {
                if param.required {
                    out.push(
                        incompatible,
                        format!(
                            "the required {location} parameter `{}` is not sent",
                            param.name
                        ),
                        &format!(
                            "/request/{}",
                            if location == "query" {
                                "query"
                            } else {
                                "headers"
                            }
                        ),
                        Some(param.pointer.clone()),
                    );
                }
                continue;
            }
            if let Err(why) = params::check(spec, param, &values) {
                // Where the pact writes it (a header's case may differ).
                let written = sent
                    .iter()
                    .find(|(n, _)| params::same_name(n, &param.name, location))
                    .map_or(param.name.as_str(), |(n, _)| n.as_str());
                out.push(
                    incompatible,
                    format!("{location} parameter `{}`: {why}", param.name),
                    &pact_at(written),
                    Some(param.pointer.clone()),
                );
            }
        }
        let mut seen: Vec<&str> = Vec::new();
        for (name, _) in &sent {
            if seen.contains(&name.as_str()) {
                continue;
            }
            seen.push(name);
            let documented = route
                .params
                .iter()
                .any(|p| p.location == location && params::same_name(&p.name, name, location));
            let standard = location == "header"
                && STANDARD_HEADERS
                    .iter()
                    .any(|h| h.eq_ignore_ascii_case(name));
            if !documented && !standard && !security_name(spec, name, location) {
                let code = if location == "query" {
                    "request.query.unknown"
                } else {
                    "request.header.unknown"
                };
                out.push(
                    code,
                    format!("the {location} parameter `{name}` is not in the description"),
                    &pact_at(name),
                    Some(route.pointer.clone()),
                );
            }
        }
    }
}

/// Whether an API key security scheme names this query parameter or header.
fn security_name(spec: &Spec<'_>, name: &str, location: &str) -> bool {
    spec.doc
        .pointer("/components/securitySchemes")
        .and_then(Value::as_object)
        .is_some_and(|schemes| {
            schemes.values().any(|s| {
                let s = spec.deref(s);
                s.get("in").and_then(Value::as_str) == Some(location)
                    && s.get("name")
                        .and_then(Value::as_str)
                        .is_some_and(|n| params::same_name(n, name, location))
            })
        })
}

fn check_response(
    spec: &Spec<'_>,
    route: &route::Route<'_>,
    interaction: &Interaction,
    out: &mut Out<'_>,
) {
    let response = &interaction.response;
    let responses = route.operation.get("responses").and_then(Value::as_object);
    let status = response.status.to_string();
    let range = format!("{}XX", response.status / 100);
    let found = responses.and_then(|rs| {
        rs.get(&status)
            .map(|r| (status.clone(), r))
            .or_else(|| {
                rs.iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(&range))
                    .map(|(k, r)| (k.clone(), r))
            })
            .or_else(|| rs.get("default").map(|r| ("default".to_owned(), r)))
    });
    let Some((key, documented)) = found else {
        out.push(
            "response.status.unknown",
            format!(
                "status {} is not a response of {}",
                response.status, route.pointer
            ),
            "/response/status",
            Some(format!("{}/responses", route.pointer)),
        );
        return;
    };
    let pointer = format!("{}/responses/{}", route.pointer, escape(&key));
    if key == "default" {
        out.push(
            "response.status.default",
            format!(
                "status {} is only described by the `default` response",
                response.status
            ),
            "/response/status",
            Some(pointer.clone()),
        );
    }
    let documented = spec.deref(documented);
    check_accept(&interaction.request, documented, &pointer, out);
    check_response_headers(spec, response, documented, &pointer, out);
    let body = Body {
        spec,
        part: Part::Response,
        owner: Some(documented),
        owner_pointer: pointer,
        body: response.body.as_ref(),
        content_type: response
            .header("content-type")
            .map(str::to_owned)
            .or_else(|| response.body.as_ref().and_then(|b| b.content_type.clone())),
        rules: &response.rules,
        pact_pointer: "/response",
    };
    body.check(out);
}

/// The request's `Accept` header against the response's media types.
fn check_accept(request: &crate::Request, documented: &Value, pointer: &str, out: &mut Out<'_>) {
    let Some(accept) = request.header("accept") else {
        return;
    };
    let Some(content) = documented.get("content").and_then(Value::as_object) else {
        return;
    };
    if content.is_empty() {
        return;
    }
    let accepted = accept
        .split(',')
        .map(|a| a.split(';').next().unwrap_or_default().trim())
        .any(|a| {
            content
                .keys()
                .any(|c| body::media_matches(a, c) || body::media_matches(c, a))
        });
    if !accepted {
        out.push(
            "request.accept.incompatible",
            format!(
                "the request accepts `{accept}`, the response is {}",
                content.keys().cloned().collect::<Vec<_>>().join(", ")
            ),
            "/request/headers/Accept",
            Some(format!("{pointer}/content")),
        );
    }
}

fn check_response_headers(
    spec: &Spec<'_>,
    response: &crate::Response,
    documented: &Value,
    pointer: &str,
    out: &mut Out<'_>,
) {
    let described = documented.get("headers").and_then(Value::as_object);
    for (name, value) in &response.headers {
        if name.eq_ignore_ascii_case("content-type") {
            continue;
        }
        let found = described.and_then(|d| d.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)));
        let Some((key, header)) = found else {
            if !STANDARD_HEADERS
                .iter()
                .any(|h| h.eq_ignore_ascii_case(name))
            {
                out.push(
                    "response.header.unknown",
                    format!("the response header `{name}` is not in the description"),
                    &format!("/response/headers/{}", escape(name)),
                    Some(pointer.to_owned()),
                );
            }
            continue;
        };
        let header = spec.deref(header);
        let param = params::Param {
            name: key.clone(),
            location: "header".to_owned(),
            required: false,
            schema: header.get("schema"),
            pointer: format!("{pointer}/headers/{}", escape(key)),
        };
        if let Err(why) = params::check(spec, &param, &[value.as_str()]) {
            out.push(
                "response.header.incompatible",
                format!("response header `{name}`: {why}"),
                &format!("/response/headers/{}", escape(name)),
                Some(param.pointer),
            );
        }
    }
}
