//! Consumers' Pact files judged against a version of the producer's
//! interface: every HTTP interaction against its OpenAPI description,
//! every message against its AsyncAPI document (`treaty_pact` does the
//! comparing). The one home of that judgment for both places that make
//! it: the broker's can-i-release (the pacts of a consumer version against
//! a producer version) and `treaty check` in a workspace (the consumer's
//! pacts against the schema before and after a change, [`broken_by`]).
//!
//! Pure: the caller reads the pacts and the bundle.

use serde_json::Value;
use treaty_compat::{Bundle, Format};
use treaty_pact::Level;
use treaty_syntax::{Limits, SourceFile, SourceMap};

use crate::release::InteractionFinding;

/// A Pact file as its consumer keeps it.
#[derive(Debug, Clone, Copy)]
pub struct PactText<'a> {
    /// Its name (the file's path or the artifact's name): findings and
    /// reasons say it.
    pub name: &'a str,
    /// Its bytes.
    pub content: &'a [u8],
}

/// What a consumer's pacts say of one version of an interface.
#[derive(Debug, Clone, PartialEq)]
pub enum Pacts {
    /// No pact with an interaction of the interface's kind (HTTP for
    /// OpenAPI, messages for AsyncAPI): the pacts say nothing of what the
    /// consumer uses, so it is judged otherwise.
    None,
    /// What checking each interaction found (empty: all compatible).
    Checked(Vec<InteractionFinding>),
    /// A pact or the description could not be read: why, in words.
    Unreadable(String),
}

/// Whether pacts can be checked against an interface of `format`.
pub fn checkable(format: Format) -> bool {
    matches!(format, Format::OpenApi | Format::AsyncApi)
}

/// Checks every HTTP interaction of `pacts` against the bundle's OpenAPI
/// description, or every message against its AsyncAPI document, as
/// `format` says. Any other format: [`Pacts::None`].
pub fn check(pacts: &[PactText<'_>], bundle: &Bundle, format: Format) -> Pacts {
    if !checkable(format) {
        return Pacts::None;
    }
    let mut read = Vec::with_capacity(pacts.len());
    for p in pacts {
        match treaty_pact::read(p.content, p.name) {
            Ok(pact) => read.push((p.name, pact)),
            Err(e) => {
                let line = e.line.map(|l| format!(" line {l}:")).unwrap_or_default();
                return Pacts::Unreadable(format!(
                    "the pact `{}` cannot be read:{line} {e}",
                    p.name
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
                // channel its metadata names (a reply's: its request's),
                // if any.
                let channel = message
                    .channel()
                    .map(|(_, c)| c)
                    .or(match &message.exchange {
                        treaty_pact::Exchange::Reply { request_channel } => {
                            request_channel.as_deref()
                        }
                        _ => None,
                    })
                    .unwrap_or("(any channel)");
                findings.extend(found.into_iter().map(|f| InteractionFinding {
                    pact: (*name).to_owned(),
                    interaction: message.description.clone(),
                    method: "MESSAGE".to_owned(),
                    path: channel.to_owned(),
                    code: f.code,
                    message: f.message,
                    pointer: f.pact_pointer,
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
                pointer: f.pact_pointer,
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
        .ok_or_else(|| format!("the bundle lacks its entry file `{entry}`"))?;
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

/// What a change of the producer's schema does to one consumer's pacts.
#[derive(Debug, Clone, PartialEq)]
pub enum PactStanding {
    /// Every interaction that held before the change holds after it: the
    /// change does not break this consumer, whatever its `uses` say.
    Holds,
    /// Interactions that held before the change and fail after it: the
    /// errors, in the order of the pacts.
    Broken(Vec<InteractionFinding>),
    /// The pacts cannot decide: they have no interaction of the
    /// interface's kind, cannot be read, or already failed before the
    /// change (a contract that was not met says nothing of what the
    /// consumer relies on). Why, in words; the consumer is judged by what
    /// it declared it uses.
    Undecided(String),
}

/// Judges the change from `before` (the pacts against the old schema) to
/// `after` (against the new one). An interaction is named by its pact,
/// its place in the pact and the code: one that failed with the same code
/// before is not broken by the change.
pub fn broken_by(before: &Pacts, after: &Pacts) -> PactStanding {
    let after = match after {
        Pacts::Checked(f) => f,
        Pacts::None => {
            return PactStanding::Undecided("its pacts have no interaction to check".into());
        }
        Pacts::Unreadable(why) => return PactStanding::Undecided(why.clone()),
    };
    // No old schema to check against (it could not be read): every error
    // now is the change's.
    let before: &[InteractionFinding] = match before {
        Pacts::Checked(f) => f,
        Pacts::None | Pacts::Unreadable(_) => &[],
    };
    if let Some(old) = before.iter().find(|f| f.error) {
        return PactStanding::Undecided(format!(
            "its pacts already failed before the change: {} ({}: {})",
            old.label(),
            old.code,
            old.message
        ));
    }
    let broken: Vec<InteractionFinding> = after.iter().filter(|f| f.error).cloned().collect();
    if broken.is_empty() {
        PactStanding::Holds
    } else {
        PactStanding::Broken(broken)
    }
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

    fn pact(content: &str) -> PactText<'_> {
        PactText {
            name: "web-items.json",
            content: content.as_bytes(),
        }
    }

    const ITEMS: &str = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /items:\n    get:\n      responses:\n        '200': {description: ok}\n";

    const ITEMS_AND_DELETE: &str = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /items:\n    get:\n      responses:\n        '200': {description: ok}\n  /items/{id}:\n    delete:\n      parameters: [{name: id, in: path, required: true, schema: {type: string}}]\n      responses:\n        '204': {description: gone}\n";

    const GET_ITEMS: &str = r#"{"metadata": {"pactSpecification": {"version": "3.0.0"}},
        "interactions": [{"description": "list items", "request": {"method": "GET", "path": "/items"}, "response": {"status": 200}},
                         {"description": "delete an item", "request": {"method": "DELETE", "path": "/items/1"}, "response": {"status": 204}}]}"#;

    #[test]
    fn findings_name_the_interaction() {
        let Pacts::Checked(findings) = check(&[pact(GET_ITEMS)], &bundle(ITEMS), Format::OpenApi)
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
        assert_eq!(f.pointer, "/interactions/1/request/path");
        assert!(f.error);
    }

    #[test]
    fn a_pact_without_interactions_says_nothing() {
        assert_eq!(
            check(
                &[pact(r#"{"interactions": []}"#)],
                &bundle(ITEMS),
                Format::OpenApi
            ),
            Pacts::None
        );
        assert_eq!(
            check(&[pact(GET_ITEMS)], &bundle(ITEMS), Format::Protobuf),
            Pacts::None
        );
    }

    #[test]
    fn unreadable_pacts_and_descriptions_are_reasons() {
        let Pacts::Unreadable(why) = check(&[pact("{not json")], &bundle(ITEMS), Format::OpenApi)
        else {
            panic!("read");
        };
        assert!(why.contains("web-items.json"), "{why}");
        let Pacts::Unreadable(why) = check(
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
        let Pacts::Checked(findings) = check(&[pact(messages)], &bundle(events), Format::AsyncApi)
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
            check(&[pact(GET_ITEMS)], &bundle(events), Format::AsyncApi),
            Pacts::None
        );
    }

    #[test]
    fn a_change_breaks_the_interactions_that_held_before_it() {
        let pacts = [pact(GET_ITEMS)];
        let both = check(&pacts, &bundle(ITEMS_AND_DELETE), Format::OpenApi);
        let only_get = check(&pacts, &bundle(ITEMS), Format::OpenApi);
        // Removing DELETE breaks the interaction that used it.
        let PactStanding::Broken(broken) = broken_by(&both, &only_get) else {
            panic!("not broken");
        };
        assert_eq!(broken.len(), 1);
        assert_eq!(broken[0].interaction, "delete an item");
        // Nothing changed: it holds.
        assert_eq!(broken_by(&both, &both), PactStanding::Holds);
        // Adding DELETE back: it held nothing before, so it cannot say.
        assert!(matches!(
            broken_by(&only_get, &both),
            PactStanding::Undecided(why) if why.contains("already failed")
        ));
        // Pacts that cannot be read or say nothing decide nothing.
        assert!(matches!(
            broken_by(&both, &Pacts::Unreadable("bad".into())),
            PactStanding::Undecided(why) if why == "bad"
        ));
        assert!(matches!(
            broken_by(&both, &Pacts::None),
            PactStanding::Undecided(_)
        ));
    }
}
