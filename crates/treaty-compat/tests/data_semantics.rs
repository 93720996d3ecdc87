//! Data-contract semantics, checked against a validator: random small JSON
//! Schemas (drafts 7, 2019-09 and 2020-12, from a grammar of the keywords
//! that shape data: types, values, properties and what judges undeclared
//! names, tuples and `contains`, `not`, `if`/`then`/`else`, dependencies,
//! `anyOf`, `allOf`, `unevaluated*`), a random mutation of each, and
//! random documents. When Treaty finds nothing breaking under `backward`,
//! no document valid under the old schema may be invalid under the new
//! one (the `jsonschema` crate judges validity); under `forward`, the
//! reverse. A few hundred cases by default; `TREATY_FUZZ_CASES=20000` for
//! a long run (see docs/testing.md).

#[path = "../../treaty-syntax/tests/support/mutate.rs"]
mod mutate;

use std::collections::HashMap;

use proptest::prelude::*;
use serde_json::{Map, Value, json};
use treaty_compat::{DiffSpec, DocumentSource, Format, Policy, ReadError, diff_documents};

/// The property names documents and schemas use.
const NAMES: [&str; 4] = ["a", "b", "x1", "xy"];
/// Patterns of `patternProperties`, each matching some of the names.
const PATTERNS: [&str; 3] = ["^x", "1$", "^[ab]$"];

struct Files(HashMap<&'static str, Vec<u8>>);

impl DocumentSource for Files {
    fn read(&self, path: &str, _: usize) -> Result<Vec<u8>, ReadError> {
        self.0.get(path).cloned().ok_or(ReadError::NotFound)
    }
}

fn small_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        Just(json!(true)),
        Just(json!(0)),
        Just(json!(1)),
        Just(json!(2.5)),
        Just(json!("a")),
        Just(json!("xy")),
        Just(json!([])),
        Just(json!({})),
    ]
}

fn type_name() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "null", "boolean", "integer", "number", "string", "array", "object",
    ])
}

fn names() -> impl Strategy<Value = Vec<&'static str>> {
    prop::sample::subsequence(NAMES.to_vec(), 0..=3)
}

fn count() -> impl Strategy<Value = Value> {
    (0u64..3).prop_map(|n| json!(n))
}

/// A leaf schema: a boolean, or a few value keywords.
fn leaf() -> impl Strategy<Value = Value> {
    let keyword = prop_oneof![
        type_name().prop_map(|t| ("type", json!(t))),
        (type_name(), type_name()).prop_map(|(a, b)| ("type", json!([a, b]))),
        prop::collection::vec(small_value(), 1..4).prop_map(|v| ("enum", Value::Array(v))),
        small_value().prop_map(|v| ("const", v)),
        (0i64..3).prop_map(|n| ("minimum", json!(n))),
        (0i64..3).prop_map(|n| ("maximum", json!(n))),
        (0u64..3).prop_map(|n| ("maxLength", json!(n))),
    ];
    prop_oneof![
        1 => any::<bool>().prop_map(Value::Bool),
        3 => prop::collection::vec(keyword, 0..3).prop_map(object),
    ]
}

fn object(keywords: Vec<(&'static str, Value)>) -> Value {
    Value::Object(
        keywords
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect(),
    )
}

fn sub_map(keys: Vec<&'static str>, schemas: Vec<Value>) -> Value {
    Value::Object(
        keys.into_iter()
            .zip(schemas)
            .map(|(k, v)| (k.to_owned(), v))
            .collect(),
    )
}

/// A schema of the 2020-12 vocabulary; other drafts are translated.
fn schema() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(3, 32, 4, |inner| {
        let sub = || inner.clone();
        let subs = |n: std::ops::Range<usize>| prop::collection::vec(inner.clone(), n);
        let additional = || prop_oneof![any::<bool>().prop_map(Value::Bool), inner.clone()];
        let keyword = prop_oneof![
            type_name().prop_map(|t| ("type", json!(t))),
            (names(), subs(3..4)).prop_map(|(k, s)| ("properties", sub_map(k, s))),
            names().prop_map(|n| ("required", json!(n))),
            additional().prop_map(|a| ("additionalProperties", a)),
            (
                prop::sample::subsequence(PATTERNS.to_vec(), 1..=2),
                subs(2..3)
            )
                .prop_map(|(k, s)| ("patternProperties", sub_map(k, s))),
            additional().prop_map(|a| ("unevaluatedProperties", a)),
            (prop::sample::select(NAMES.to_vec()), names())
                .prop_map(|(k, n)| ("dependentRequired", json!({ k: n }))),
            (prop::sample::select(NAMES.to_vec()), sub())
                .prop_map(|(k, s)| ("dependentSchemas", json!({ k: s }))),
            count().prop_map(|n| ("minProperties", n)),
            count().prop_map(|n| ("maxProperties", n)),
            sub().prop_map(|s| ("items", s)),
            subs(1..3).prop_map(|s| ("prefixItems", Value::Array(s))),
            sub().prop_map(|s| ("contains", s)),
            count().prop_map(|n| ("minContains", n)),
            count().prop_map(|n| ("maxContains", n)),
            count().prop_map(|n| ("minItems", n)),
            count().prop_map(|n| ("maxItems", n)),
            additional().prop_map(|a| ("unevaluatedItems", a)),
            sub().prop_map(|s| ("not", s)),
            sub().prop_map(|s| ("if", s)),
            sub().prop_map(|s| ("then", s)),
            sub().prop_map(|s| ("else", s)),
            subs(1..3).prop_map(|s| ("anyOf", Value::Array(s))),
            subs(1..3).prop_map(|s| ("allOf", Value::Array(s))),
        ];
        prop::collection::vec(keyword, 1..4).prop_map(object)
    })
}

/// A document: small values, arrays and objects of the names.
fn document() -> impl Strategy<Value = Value> {
    small_value().prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(NAMES.to_vec()), inner), 0..4).prop_map(
                |entries| {
                    Value::Object(
                        entries
                            .into_iter()
                            .map(|(k, v)| (k.to_owned(), v))
                            .collect(),
                    )
                }
            ),
        ]
    })
}

/// Keywords whose value is a schema, a list of schemas, or a map of them.
const ONE: [&str; 9] = [
    "additionalProperties",
    "unevaluatedProperties",
    "items",
    "contains",
    "unevaluatedItems",
    "not",
    "if",
    "then",
    "else",
];
const LISTS: [&str; 3] = ["prefixItems", "anyOf", "allOf"];
const MAPS: [&str; 3] = ["properties", "patternProperties", "dependentSchemas"];

/// Every subschema of `v`, as paths of keys and indices.
fn subschemas(v: &Value, path: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    out.push(path.clone());
    let Value::Object(map) = v else { return };
    for (k, child) in map {
        let mut at = |child: &Value, extra: Vec<String>| {
            let n = path.len();
            path.extend(extra);
            subschemas(child, path, out);
            path.truncate(n);
        };
        if ONE.contains(&k.as_str()) {
            at(child, vec![k.clone()]);
        } else if LISTS.contains(&k.as_str()) {
            for (i, c) in child.as_array().into_iter().flatten().enumerate() {
                at(c, vec![k.clone(), i.to_string()]);
            }
        } else if MAPS.contains(&k.as_str()) {
            for (name, c) in child.as_object().into_iter().flatten() {
                at(c, vec![k.clone(), name.clone()]);
            }
        }
    }
}

fn get_mut<'v>(v: &'v mut Value, path: &[String]) -> Option<&'v mut Value> {
    path.iter().try_fold(v, |v, seg| match v {
        Value::Object(m) => m.get_mut(seg),
        Value::Array(a) => seg.parse::<usize>().ok().and_then(|i| a.get_mut(i)),
        _ => None,
    })
}

/// One edit of `base` at the subschema `at` picks: a keyword removed, a
/// keyword of `other` added (one entry of a map or list merged in), or the
/// whole subschema replaced.
fn mutate(base: &Value, other: &Value, at: usize, op: usize, pick: usize) -> Value {
    let mut out = base.clone();
    let mut paths = Vec::new();
    subschemas(base, &mut Vec::new(), &mut paths);
    let path = &paths[at % paths.len()];
    let Some(target) = get_mut(&mut out, path) else {
        return out;
    };
    match (op % 4, target, other) {
        (0, Value::Object(m), _) if !m.is_empty() => {
            let key = m.keys().nth(pick % m.len()).cloned().unwrap_or_default();
            m.remove(&key);
        }
        (1 | 2, Value::Object(m), Value::Object(o)) if !o.is_empty() => {
            let (k, v) = o
                .iter()
                .nth(pick % o.len())
                .map(|(k, v)| (k.clone(), v.clone()))
                .unwrap_or_default();
            match (m.get_mut(&k), &v) {
                (Some(Value::Object(have)), Value::Object(new)) if !new.is_empty() => {
                    let (nk, nv) = new
                        .iter()
                        .nth(pick % new.len())
                        .map(|(a, b)| (a.clone(), b.clone()))
                        .unwrap_or_default();
                    if have.remove(&nk).is_none() {
                        have.insert(nk, nv);
                    }
                }
                (Some(Value::Array(have)), Value::Array(new)) if !new.is_empty() && op % 4 == 2 => {
                    have.push(new[pick % new.len()].clone());
                }
                _ => {
                    m.insert(k, v);
                }
            }
        }
        (_, target, _) => *target = other.clone(),
    }
    out
}

/// `v` (2020-12 vocabulary) in `draft`: tuples as `items` arrays with
/// `additionalItems` before 2020-12, `dependencies` and no `unevaluated*`
/// or `min/maxContains` in draft 7.
fn translate(v: &Value, draft: usize) -> Value {
    let Value::Object(map) = v else {
        return v.clone();
    };
    let mut out = Map::new();
    for (k, child) in map {
        let child = if ONE.contains(&k.as_str()) {
            translate(child, draft)
        } else if LISTS.contains(&k.as_str()) {
            Value::Array(
                child
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|c| translate(c, draft))
                    .collect(),
            )
        } else if MAPS.contains(&k.as_str()) {
            Value::Object(
                child
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(n, c)| (n.clone(), translate(c, draft)))
                    .collect(),
            )
        } else {
            child.clone()
        };
        out.insert(k.clone(), child);
    }
    if draft < 2
        && let Some(prefix) = out.remove("prefixItems")
    {
        if let Some(rest) = out.remove("items") {
            out.insert("additionalItems".into(), rest);
        }
        out.insert("items".into(), prefix);
    }
    if draft == 0 {
        for k in [
            "unevaluatedProperties",
            "unevaluatedItems",
            "minContains",
            "maxContains",
        ] {
            out.remove(k);
        }
        let mut deps = Map::new();
        for k in ["dependentRequired", "dependentSchemas"] {
            if let Some(Value::Object(m)) = out.remove(k) {
                deps.extend(m);
            }
        }
        if !deps.is_empty() {
            out.insert("dependencies".into(), Value::Object(deps));
        }
    }
    Value::Object(out)
}

const DRAFTS: [&str; 3] = [
    "http://json-schema.org/draft-07/schema#",
    "https://json-schema.org/draft/2019-09/schema",
    "https://json-schema.org/draft/2020-12/schema",
];

/// The schema as a document of `draft`: `$schema` at its root.
fn with_draft(v: &Value, draft: usize) -> Value {
    let translated = translate(v, draft);
    let mut root = Map::new();
    root.insert("$schema".into(), json!(DRAFTS[draft]));
    match translated {
        Value::Object(m) => root.extend(m),
        Value::Bool(false) => {
            root.insert("not".into(), json!({}));
        }
        _ => {}
    }
    Value::Object(root)
}

/// Whether Treaty finds a change breaking under each policy.
fn verdicts(old: &Value, new: &Value) -> Result<(bool, bool, Vec<String>), String> {
    let files = |v: &Value| Files(HashMap::from([("s.json", v.to_string().into_bytes())]));
    let (o, n) = (files(old), files(new));
    let spec = DiffSpec::of(Format::JsonSchema);
    let diff = diff_documents(&o, "s.json", &n, "s.json", &spec)
        .map_err(|e| e.diagnostic.message.clone())?;
    let shown = diff
        .changes
        .iter()
        .map(|c| format!("{} {:?} {}", c.rule, c.effect, c.message))
        .collect();
    let breaks = |p| diff.changes.iter().any(|c| c.violates(p));
    Ok((breaks(Policy::Backward), breaks(Policy::Forward), shown))
}

proptest! {
    #![proptest_config(mutate::config(256))]

    #[test]
    fn no_breaking_finding_means_no_document_lost(
        base in schema(),
        other in schema(),
        at in any::<usize>(),
        op in any::<usize>(),
        pick in any::<usize>(),
        draft in 0usize..3,
        docs in prop::collection::vec(document(), 48),
    ) {
        let mutated = mutate(&base, &other, at, op, pick);
        let (old, new) = (with_draft(&base, draft), with_draft(&mutated, draft));
        let (Ok(vo), Ok(vn)) = (jsonschema::validator_for(&old), jsonschema::validator_for(&new)) else {
            return Ok(());
        };
        let (backward, forward, findings) = match verdicts(&old, &new) {
            Ok(v) => v,
            Err(e) => return Err(TestCaseError::fail(format!("treaty refused {old} / {new}: {e}"))),
        };
        if std::env::var_os("TREATY_DEBUG").is_some() {
            let vo_n = docs.iter().filter(|d| vo.is_valid(d)).count();
            let vn_n = docs.iter().filter(|d| vn.is_valid(d)).count();
            let lost = docs.iter().filter(|d| vo.is_valid(d) && !vn.is_valid(d)).count();
            let gained = docs.iter().filter(|d| !vo.is_valid(d) && vn.is_valid(d)).count();
            eprintln!("STAT b={backward} f={forward} old={vo_n} new={vn_n} lost={lost} gained={gained} same={}", old == new);
        }
        for doc in &docs {
            let (in_old, in_new) = (vo.is_valid(doc), vn.is_valid(doc));
            prop_assert!(
                backward || !in_old || in_new,
                "backward: nothing breaking, yet {doc} is valid under\n  old {old}\nbut not under\n  new {new}\nfindings: {findings:#?}"
            );
            prop_assert!(
                forward || !in_new || in_old,
                "forward: nothing breaking, yet {doc} is valid under\n  new {new}\nbut not under\n  old {old}\nfindings: {findings:#?}"
            );
        }
    }
}
