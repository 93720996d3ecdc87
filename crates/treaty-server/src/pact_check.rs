//! Consumers' pacts on can-i-release: every HTTP interaction of the Pact
//! files an expectation carries (artifacts of kind `pact`, whether sent
//! with `treaty expect` or published through the Pact Broker API), checked
//! with `treaty_pact` against the producer version's OpenAPI description;
//! for an AsyncAPI interface, every message against its messages.
//! The result is facts for `treaty_core::release::judge`, remembered by
//! the hash of the artifacts and of the bundle: both are content hashes of
//! immutable rows, so a result never goes stale.

use std::sync::Arc;

use serde_json::Value;
use treaty_compat::{Bundle, Format};
use treaty_core::release::InteractionFinding;
use treaty_pact::Level;
use treaty_store::Store;
use treaty_syntax::{Limits, SourceFile, SourceMap};

use crate::api::Artifact;
use crate::error::ApiError;
use crate::release::{ComparisonCache, load, on_comparison_thread};
use crate::stored::{self, Row};

/// What a check is remembered by: the hash of the expectation's
/// artifacts, the hash of the producer version's bundle, and the
/// interface's format (which comparison).
pub(crate) type PactKey = (String, String, &'static str);

/// What the consumer's pacts say of a producer version.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Pacts {
    /// No pact with an HTTP interaction: the pair is judged otherwise (a
    /// pact without one says nothing of what the consumer uses).
    None,
    /// What checking each interaction found (empty: all compatible).
    Checked(Vec<InteractionFinding>),
    /// A pact or the description could not be read: why, in words.
    Unreadable(String),
}

/// Checks the pacts among the artifacts `key.0` against the bundle
/// `key.1`, or answers what was found before. `row` is the expectation,
/// named if its artifacts cannot be read back.
pub(crate) async fn check(
    store: &Store,
    cache: &ComparisonCache,
    limiter: &Arc<tokio::sync::Semaphore>,
    row: &Row,
    key: PactKey,
) -> Result<Arc<Pacts>, ApiError> {
    if let Some(hit) = cache.pacts.get(&key) {
        return Ok(hit);
    }
    let format: Format = match key.2.parse() {
        Ok(f) => f,
        Err(_) => return Ok(Arc::new(Pacts::None)),
    };
    let text = store
        .blob(&key.0)
        .await?
        .ok_or_else(|| stored::unreadable(row, "artifacts_hash", "no such blob"))?;
    let pacts: Vec<Artifact> = stored::artifacts_of(row, &text)?
        .into_iter()
        .filter(|a| a.kind == "pact")
        .collect();
    let result = if pacts.is_empty() {
        Arc::new(Pacts::None)
    } else {
        let bundle = load(store, &key.1).await?;
        // Validating bodies recurses as deep as schemas nest: the same
        // thread and stack as a comparison.
        match on_comparison_thread(limiter, move || check_all(&pacts, &bundle, format)).await {
            Ok(checked) => Arc::new(checked),
            // Not remembered: the broker stopping is not the pacts' fault.
            Err(e) => return Ok(Arc::new(Pacts::Unreadable(e))),
        }
    };
    cache.pacts.put(key, result.clone());
    Ok(result)
}

/// Every HTTP interaction of `pacts` against the bundle's OpenAPI
/// description, or every message against its AsyncAPI document.
fn check_all(pacts: &[Artifact], bundle: &Bundle, format: Format) -> Pacts {
    let mut read = Vec::with_capacity(pacts.len());
    for artifact in pacts {
        match treaty_pact::read(artifact.content.as_bytes(), &artifact.name) {
            Ok(pact) => read.push((artifact.name.as_str(), pact)),
            Err(e) => {
                let line = e.line.map(|l| format!(" line {l}:")).unwrap_or_default();
                return Pacts::Unreadable(format!(
                    "the pact `{}` cannot be read:{line} {e}",
                    artifact.name
                ));
            }
        }
    }
    let messages = format == Format::AsyncApi;
    if read.iter().all(|(_, pact)| {
        if messages {
            pact.messages.is_empty()
        } else {
            pact.interactions.is_empty()
        }
    }) {
        return Pacts::None;
    }
    let doc = match description(bundle, format) {
        Ok(doc) => doc,
        Err(why) => return Pacts::Unreadable(why),
    };
    let mut findings = Vec::new();
    for (name, pact) in &read {
        if messages {
            for (message, found) in treaty_pact::compare_messages_each(pact, &doc) {
                // A message has no method or path: `MESSAGE` and the
                // channel its metadata names, if any.
                let channel = ["channel", "topic", "destination", "queue", "kafka_topic"]
                    .iter()
                    .find_map(|k| message.metadata(k))
                    .unwrap_or("(any channel)");
                findings.extend(found.into_iter().map(|f| InteractionFinding {
                    pact: (*name).to_owned(),
                    interaction: message.description.clone(),
                    method: "MESSAGE".to_owned(),
                    path: channel.to_owned(),
                    code: f.code,
                    message: f.message,
                    error: f.level == Level::Error,
                }));
            }
            continue;
        }
        for (interaction, found) in treaty_pact::compare_each(pact, &doc) {
            findings.extend(found.into_iter().map(|f| InteractionFinding {
                pact: (*name).to_owned(),
                interaction: interaction.description.clone(),
                method: interaction.request.method.clone(),
                path: interaction.request.path.clone(),
                code: f.code,
                message: f.message,
                error: f.level == Level::Error,
            }));
        }
    }
    Pacts::Checked(findings)
}

/// The bundle's entry file as an OpenAPI 3.x or AsyncAPI 2.x/3.x
/// document, as `format` says.
fn description(bundle: &Bundle, format: Format) -> Result<Value, String> {
    let entry = &bundle.entry;
    let text = bundle
        .files
        .get(entry)
        .ok_or_else(|| format!("the published bundle lacks its entry file `{entry}`"))?;
    let limits = Limits::SCHEMA_FILE;
    let mut map = SourceMap::new();
    let id = map.add(entry.clone(), "");
    let text = treaty_syntax::decode(text.as_bytes(), id, &limits)
        .map_err(|e| format!("`{entry}` cannot be read: {e}"))?;
    let node = treaty_syntax::parse(text, id, &limits).map_err(|e| {
        let line = SourceFile::new(entry.clone(), text)
            .position(e.span.start as usize)
            .line;
        format!("`{entry}` cannot be read: line {line}: {e}")
    })?;
    let doc = treaty_pact::to_json(&node);
    let (key, versions, kind) = if format == Format::AsyncApi {
        (
            "asyncapi",
            &["2.", "3."][..],
            "an AsyncAPI 2.x or 3.x document",
        )
    } else {
        ("openapi", &["3."][..], "an OpenAPI 3.0 or 3.1 description")
    };
    let known = doc
        .get(key)
        .and_then(Value::as_str)
        .is_some_and(|v| versions.iter().any(|p| v.starts_with(p)));
    if !known {
        return Err(format!(
            "`{entry}` is not {kind}, so the consumer's pacts cannot be checked against it"
        ));
    }
    Ok(doc)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bundle(doc: &str) -> Bundle {
        Bundle {
            entry: "openapi.yaml".into(),
            include_paths: vec![],
            files: [("openapi.yaml".to_owned(), doc.to_owned())].into(),
        }
    }

    fn pact(content: &str) -> Artifact {
        Artifact {
            name: "web-items.json".into(),
            kind: "pact".into(),
            content: content.into(),
        }
    }

    const ITEMS: &str = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /items:\n    get:\n      responses:\n        '200': {description: ok}\n";

    const GET_ITEMS: &str = r#"{"metadata": {"pactSpecification": {"version": "3.0.0"}},
        "interactions": [{"description": "list items", "request": {"method": "GET", "path": "/items"}, "response": {"status": 200}},
                         {"description": "delete an item", "request": {"method": "DELETE", "path": "/items/1"}, "response": {"status": 204}}]}"#;

    #[test]
    fn findings_name_the_interaction() {
        let Pacts::Checked(findings) =
            check_all(&[pact(GET_ITEMS)], &bundle(ITEMS), Format::OpenApi)
        else {
            panic!("not checked");
        };
        assert_eq!(findings.len(), 1, "{findings:?}");
        let f = &findings[0];
        assert_eq!(
            (f.interaction.as_str(), f.method.as_str(), f.path.as_str()),
            ("delete an item", "DELETE", "/items/1")
        );
        assert_eq!(f.code, "request.path-or-method.unknown");
        assert!(f.error);
    }

    #[test]
    fn a_pact_without_interactions_says_nothing() {
        assert_eq!(
            check_all(
                &[pact(r#"{"interactions": []}"#)],
                &bundle(ITEMS),
                Format::OpenApi
            ),
            Pacts::None
        );
    }

    #[test]
    fn unreadable_pacts_and_descriptions_are_reasons() {
        let Pacts::Unreadable(why) =
            check_all(&[pact("{not json")], &bundle(ITEMS), Format::OpenApi)
        else {
            panic!("read");
        };
        assert!(why.contains("web-items.json"), "{why}");
        let Pacts::Unreadable(why) = check_all(
            &[pact(GET_ITEMS)],
            &bundle("asyncapi: 2.6.0\n"),
            Format::OpenApi,
        ) else {
            panic!("read");
        };
        assert!(why.contains("not an OpenAPI"), "{why}");
    }

    #[test]
    fn messages_are_checked_against_an_asyncapi_interface() {
        let events = "asyncapi: 3.0.0\ninfo: {title: t, version: '1'}\nchannels:\n  settled:\n    address: payments.settled\n    messages:\n      Settled:\n        contentType: application/json\n        payload: {type: object, properties: {id: {type: string}}}\noperations:\n  sendSettled:\n    action: send\n    channel: {$ref: '#/channels/settled'}\n";
        let messages = r#"{"metadata": {"pactSpecification": {"version": "4.0"}},
            "interactions": [{"type": "Asynchronous/Messages", "description": "a payment is settled",
                "contents": {"content": {"id": 7}, "contentType": "application/json"},
                "metadata": {"topic": "payments.settled"}}]}"#;
        let Pacts::Checked(findings) =
            check_all(&[pact(messages)], &bundle(events), Format::AsyncApi)
        else {
            panic!("not checked");
        };
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert_eq!(
            (findings[0].label(), findings[0].code),
            (
                "`a payment is settled` (MESSAGE payments.settled)".to_owned(),
                "message.payload.incompatible"
            )
        );
        // HTTP interactions say nothing of an AsyncAPI interface.
        assert_eq!(
            check_all(&[pact(GET_ITEMS)], &bundle(events), Format::AsyncApi),
            Pacts::None
        );
    }
}
