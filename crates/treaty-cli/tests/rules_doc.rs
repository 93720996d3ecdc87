//! `docs/rules.md` is generated from the rule catalog and the fixture
//! cases under `tests/data/compat/`: every rule must have a case, and each
//! rule's page shows that case's before, after and finding. Run with
//! `TREATY_BLESS=1` to rewrite the page after changing rules or cases.

use std::fmt::Write as _;
use std::path::PathBuf;

const INTRO: &str = r#"# Compatibility rules

Generated from the rule catalog (`crates/treaty-compat/src/change.rs`) and
the fixture cases in `tests/data/compat/` by
`TREATY_BLESS=1 cargo test -p treaty-cli --test rules_doc`. Every example
below is a test: the driver in `crates/treaty-cli/tests/diff_fixtures.rs`
checks that `treaty diff old new` reports exactly the findings shown.

## How a level is decided

Each change records what it does to the set of valid values or requests:

- **narrows**: the new version accepts or produces less (an enum value
  removed, a bound tightened, a property now required);
- **widens**: it accepts or produces more;
- **both**: some values are lost and others gained (a type or a pattern
  replaced);
- **neutral**: the set is the same (a default, a deprecation).

and the direction data flows through the changed part, seen from the
provider: what it **accepts** (requests, parameters; for a JSON Schema
data contract, the data a reader reads) or what it **produces**
(responses).

Under the `backward` policy (the new version serves old clients),
narrowing what is accepted and widening what is produced are breaking;
the reverse is info. `forward` swaps the directions, `full` takes the
worse of both, and `none` reports changes without failing. A few rules
adjust this where API practice differs from set arithmetic; each says so.
JSON Schema data contracts (interfaces of kind `jsonschema`, and
`treaty diff` of two JSON Schemas) take no adjustment: under `backward`
every document valid under the old schema must be valid under the new
one, under `forward` the reverse. Where Treaty cannot prove what a change
does (`conditional-changed`, `contains-changed`,
`evaluated-properties-changed`, `evaluated-items-changed`, a pattern it
cannot evaluate), it reports the change as both narrowing and widening,
so it breaks under every policy, and the message says so.
`crates/treaty-compat/tests/data_semantics.rs` checks these verdicts
against the `jsonschema` crate on random schemas. Where the specification
and Confluent's registry disagree, the specification decides
(`required-property-added`).

For AsyncAPI, a message the application sends is produced and one it
receives is accepted (2.x `subscribe` and `publish`, 3.0 `send` and
`receive`); payloads are compared by the JSON Schema rules, or the Avro
ones when the message's `schemaFormat` is Avro.

For Protobuf, rules are grouped in the categories `buf breaking` uses,
weakest first: `wire` (the binary encoding keeps working), `wire_json`
(the JSON encoding too), `package` and `file` (generated code keeps
compiling). A change is breaking when the interface's category
(`proto_category`, default `wire_json`; `--proto-category` for
`treaty diff`) is at least as strict as the rule's, and info otherwise;
each message says the rule's category.

For Avro, the directions are the specification's schema resolution:
under `backward` the new schema reads data written with the old one,
under `forward` the old schema reads data written with the new one. A
change that breaks only the first *narrows*, one that breaks only the
second *widens*.

## Differences from `buf breaking` and apache-avro

Measured with `python3 bench/proto.py` on googleapis 2025-08-22 →
2026-08-22 under WIRE_JSON, the two tools agree on 60 breaking changes
(file, line within two, rule). buf finds 2 more and Treaty 458 more (16
methods and 442 services removed, most of them Google Ads v19), for the
reasons in the second list. Where they agree, Treaty lists the changes
differently:

- buf reports a deleted field or enum value once per unmet condition
  (`FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED` and
  `..._UNLESS_NAME_RESERVED`); Treaty reports it once, with the category
  that applies (WIRE when the number is free, WIRE_JSON when only the name
  is).
- buf reports a renamed field twice (`FIELD_SAME_NAME`,
  `FIELD_SAME_JSON_NAME`); Treaty once, as `proto-field-name-changed`, or
  `proto-field-json-name-changed` when only `json_name` changed. buf points
  at the `json_name` option, Treaty at the field.
- Treaty names the methods whose requests or responses reach a changed
  message, so `treaty check` can tell which consumers a change touches.

Where protobuf's own guide to updating a message type, or gRPC, says
otherwise than buf's categories, Treaty follows them:

- A service or method removed or renamed, or a service whose package
  changed, breaks WIRE and WIRE_JSON: every gRPC client calls
  `/package.Service/Method`, and a server without that path answers
  `UNIMPLEMENTED`. buf checks these (`SERVICE_NO_DELETE`,
  `RPC_NO_DELETE`, `PACKAGE_SERVICE_NO_DELETE`) only under FILE and
  PACKAGE. These are the 458 findings only Treaty makes on googleapis.
- A single field moved into a new oneof, a field moved out of a oneof it
  was alone in, and a oneof renamed are PACKAGE: the guide says moving a
  single field into a new oneof is safe, and neither encoding names the
  oneof. buf's `FIELD_SAME_ONEOF` breaks them under WIRE. These are the 2
  findings only buf makes on googleapis (`Agent.start_flow`,
  `SelectionItem.start_icon_uri`). Moving fields into an existing oneof,
  or several into a new one, breaks WIRE in both tools.
- A string, bytes or message field made repeated or singular breaks
  WIRE_JSON, not WIRE: the guide says they are wire compatible (a singular
  reader keeps the last value, or merges the messages). buf's
  `FIELD_WIRE_COMPATIBLE_CARDINALITY` breaks them under WIRE. Numeric,
  bool and enum fields are packed when repeated: WIRE in both tools.
- A proto2 `required` field added or removed, or made or unmade
  required, breaks every category, whatever the new version reserves: old
  or new readers reject messages without it. buf agrees
  (`MESSAGE_SAME_REQUIRED_FIELDS` and its cardinality rules).

Otherwise:

- Not compared yet: extensions, proto2 field defaults, `ctype`/`jstype`
  and other field options, reserved ranges removed from messages and
  enums, and the edition features of editions files.

For Avro, `crates/treaty-compat/tests/avro_reference.rs` compares Treaty
with the apache-avro crate's `can_read` on generated pairs. They disagree
in one place, where the specification sides with Treaty: when the reader's
enum has a `default`, a writer symbol the reader lacks resolves to it
(Avro 1.9+), which apache-avro 0.21 ignores
(`avro-enum-symbol-removed-with-default`).

## Rules
"#;

/// Rules whose level is adjusted from the narrows/widens arithmetic.
const NOTES: &[(&str, &str)] = &[
    (
        "enum-value-added",
        "In a response, a warning rather than breaking: receivers that switch over every value may not know the new one.",
    ),
    (
        "enum-removed",
        "In a response, a warning rather than breaking, as for enum-value-added: every value old readers knew may still come, and so may others. Twilio's usage categories (2.0.0 → 2.6.6) turned from enums into free strings this way, ten times; a reader that maps the strings into its own enum sees unknown ones, as it would with one new value.",
    ),
    (
        "property-removed",
        "In a request, a warning when the new schema stays open: the provider silently ignores what old senders still send.",
    ),
    (
        "optional-property-removed",
        "A warning when it loses data silently (a request on an open model, or a response).",
    ),
    (
        "optional-property-added",
        "In an API request, info even on an open model: senders of undeclared properties were outside the contract. In a JSON Schema data contract it is set arithmetic: breaking under `backward` on an open model, as the specification and Confluent's registry say, unless the interface sets `undeclared_properties: lenient` (`--undeclared-properties lenient`), which trusts producers never to send undeclared properties.",
    ),
    (
        "default-changed",
        "A warning in a request: senders that omit the value now get another behaviour.",
    ),
    (
        "default-added",
        "A warning in a request, as for default-changed.",
    ),
    (
        "default-removed",
        "A warning in a request, as for default-changed.",
    ),
    (
        "parameter-removed",
        "A warning: old clients still send it and it is ignored.",
    ),
    (
        "response-status-added",
        "A warning: clients may not handle the new status.",
    ),
    (
        "response-success-status-removed",
        "Always breaking: clients wait for the status they know.",
    ),
    (
        "deprecated-operation-removed",
        "A warning: the operation was announced as going away.",
    ),
    (
        "optional-response-header-removed",
        "A warning in a response: clients that read the header when it was present miss it; nothing they parse fails.",
    ),
    (
        "operation-id-changed",
        "A warning whatever the direction: every request and response stays the same, but code generated from the document renames the method (or names it after the method and path), so its callers stop compiling until they are updated.",
    ),
    (
        "media-type-removed",
        "Breaking in both directions: a client asking for it gets nothing.",
    ),
    (
        "media-type-added",
        "Info in both directions: only clients asking for it get it.",
    ),
];

#[test]
fn rules_doc_is_generated_from_the_catalog_and_the_cases() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let cases_dir = root.join("tests/data/compat");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&cases_dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    let mut doc = String::from(INTRO);
    let mut missing = Vec::new();
    for (rule, summary) in treaty_compat::RULES {
        let _ = write!(doc, "\n### `{rule}`\n\n{summary}\n");
        if let Some((_, note)) = NOTES.iter().find(|(r, _)| r == rule) {
            let _ = write!(doc, "\n{note}\n");
        }
        // The case named after the rule, else the first whose findings hold it.
        let holds = |case: &PathBuf| {
            std::fs::read_to_string(case.join("expected.txt"))
                .unwrap_or_default()
                .lines()
                .any(|l| l.split_whitespace().nth(1) == Some(rule))
        };
        let name = |c: &PathBuf| {
            c.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        };
        let case = cases
            .iter()
            .find(|c| name(c).starts_with(rule) && holds(c))
            .or_else(|| cases.iter().find(|c| holds(c)));
        let Some(case) = case else {
            missing.push(*rule);
            continue;
        };
        let file = |side: &str| {
            ["yaml", "json", "avsc", "proto"].iter().find_map(|ext| {
                let f = case.join(format!("{side}.{ext}"));
                std::fs::read_to_string(&f).ok().map(|t| (*ext, t))
            })
        };
        let _ = write!(doc, "\nExample: `tests/data/compat/{}/`\n", name(case));
        for side in ["old", "new"] {
            if let Some((ext, text)) = file(side) {
                let _ = write!(doc, "\n{side}:\n\n```{ext}\n{}\n```\n", text.trim_end());
            } else if case.join(side).is_dir() {
                // A set of .proto files that import each other.
                let mut files = Vec::new();
                let mut todo = vec![case.join(side)];
                while let Some(d) = todo.pop() {
                    for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
                        if e.path().is_dir() {
                            todo.push(e.path());
                        } else {
                            files.push(e.path());
                        }
                    }
                }
                files.sort();
                for f in files {
                    let rel = f
                        .strip_prefix(case)
                        .map(|p| p.display().to_string())
                        .unwrap_or_default();
                    let text = std::fs::read_to_string(&f).unwrap_or_default();
                    let _ = write!(
                        doc,
                        "\n{side} (`{rel}`):\n\n```proto\n{}\n```\n",
                        text.trim_end()
                    );
                }
            }
        }
        let expected = std::fs::read_to_string(case.join("expected.txt")).unwrap_or_default();
        // Options the case is diffed with (`--proto-category wire`).
        let args = std::fs::read_to_string(case.join("args.txt")).unwrap_or_default();
        let args: Vec<&str> = args.split_whitespace().collect();
        let with = if args.is_empty() {
            String::new()
        } else {
            format!(", with `{}`", args.join(" "))
        };
        let _ = write!(
            doc,
            "\nfindings (backward{with}):\n\n```text\n{}\n```\n",
            expected.trim_end()
        );
    }
    assert!(
        missing.is_empty(),
        "rules without a fixture case: {missing:?}"
    );
    let path = root.join("docs/rules.md");
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    if have != doc {
        if std::env::var_os("TREATY_BLESS").is_some() {
            std::fs::write(&path, doc).unwrap_or_else(|e| panic!("{e}"));
        } else {
            panic!(
                "docs/rules.md is stale: run `TREATY_BLESS=1 cargo test -p treaty-cli --test rules_doc`"
            );
        }
    }
}
