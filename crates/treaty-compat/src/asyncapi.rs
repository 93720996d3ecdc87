//! AsyncAPI 2.x and 3.0: channels, operations and messages. Directions are
//! the provider's: a message the application sends is produced (its
//! receivers are readers), one it receives is accepted. Payloads are
//! compared by the JSON Schema engine, or the Avro one when the message's
//! `schemaFormat` says so.

use std::collections::BTreeMap;
use std::sync::Arc;

use treaty_syntax::Node;

use crate::change::{Change, Direction, Effect, Side};
use crate::compare::SchemaComparer;
use crate::document::{CompatError, Loaded};
use crate::schema::{Dialect, Normalizer, SchemaId};

/// A message of one operation, as found.
struct Message {
    file: String,
    pointer: String,
    /// Pointer of the payload and its node, when there is one.
    payload: Option<(String, Arc<Node>)>,
    avro: bool,
}

/// `SEND orders.placed` → its direction, place and messages by name.
struct Operation {
    direction: Direction,
    file: String,
    pointer: String,
    messages: BTreeMap<String, Message>,
}

fn esc(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

fn message(
    norm: &mut Normalizer<'_>,
    file: &str,
    pointer: &str,
    node: &Node,
    index: usize,
) -> Result<(String, Message), CompatError> {
    let located = norm.object(file, pointer, node)?;
    let Some(m) = located.node() else {
        return Ok((
            format!("#{index}"),
            Message {
                file: located.file.clone(),
                pointer: located.pointer.clone(),
                payload: None,
                avro: false,
            },
        ));
    };
    // A message is known by its `name` or `messageId`, else by the key it
    // has where it is listed (a channel's message key in 3.0, which stays
    // when the component behind it is renamed), else by the component key,
    // else by its position.
    let key_of = |p: &str| -> Option<String> {
        let (parent, last) = p.rsplit_once('/')?;
        parent
            .ends_with("/messages")
            .then(|| last.replace("~1", "/").replace("~0", "~"))
    };
    let first_hop = node
        .get("$ref")
        .and_then(Node::as_str)
        .and_then(|r| r.split_once('#'))
        .map(|(_, p)| p.to_owned());
    let name = m
        .get("name")
        .or_else(|| m.get("messageId"))
        .and_then(Node::as_str)
        .map(str::to_owned)
        .or_else(|| {
            first_hop
                .as_deref()
                .filter(|p| p.starts_with("/channels/"))
                .and_then(key_of)
        })
        .or_else(|| key_of(pointer).filter(|_| pointer.starts_with("/channels/")))
        .or_else(|| key_of(&located.pointer))
        .unwrap_or_else(|| format!("#{index}"));
    let mut avro = m
        .get("schemaFormat")
        .and_then(Node::as_str)
        .is_some_and(|f| f.contains("avro"));
    let mut payload = m
        .get("payload")
        .map(|p| (format!("{}/payload", located.pointer), Arc::new(p.clone())));
    // 3.0 Multi Format Schema Object: `payload: {schemaFormat, schema}`.
    if let Some((ptr, p)) = payload.clone()
        && let (Some(format), Some(schema)) = (
            p.get("schemaFormat").and_then(Node::as_str),
            p.get("schema"),
        )
    {
        avro = format.contains("avro");
        payload = Some((format!("{ptr}/schema"), Arc::new(schema.clone())));
    }
    Ok((
        name,
        Message {
            file: located.file.clone(),
            pointer: located.pointer.clone(),
            payload,
            avro,
        },
    ))
}

/// Every operation of a document, keyed `SEND channel` / `RECEIVE channel`.
fn operations(
    norm: &mut Normalizer<'_>,
    file: &str,
    root: &Node,
) -> Result<BTreeMap<String, Operation>, CompatError> {
    let mut out = BTreeMap::new();
    let version = root
        .get("asyncapi")
        .and_then(Node::as_scalar)
        .map(|s| s.text.clone())
        .unwrap_or_default();
    if version.starts_with('2') {
        for (k, channel) in root
            .get("channels")
            .and_then(Node::as_map)
            .unwrap_or_default()
        {
            let Some(name) = k.as_scalar().map(|k| k.text.clone()) else {
                continue;
            };
            let cptr = format!("/channels/{}", esc(&name));
            let channel = norm.object(file, &cptr, channel)?;
            let Some(cnode) = channel.node().cloned() else {
                continue;
            };
            // 2.x: `subscribe` is what the application sends, `publish` what it receives.
            for (verb, label, direction) in [
                ("subscribe", "SEND", Direction::Produces),
                ("publish", "RECEIVE", Direction::Accepts),
            ] {
                let Some(op) = cnode.get(verb) else { continue };
                let optr = format!("{}/{verb}", channel.pointer);
                let mut messages = BTreeMap::new();
                if let Some(m) = op.get("message") {
                    let mloc = norm.object(&channel.file, &format!("{optr}/message"), m)?;
                    let list: Vec<(String, Node)> = match mloc
                        .node()
                        .and_then(|n| n.get("oneOf"))
                        .and_then(Node::as_seq)
                    {
                        Some(alts) => alts
                            .iter()
                            .enumerate()
                            .map(|(i, a)| (format!("{}/oneOf/{i}", mloc.pointer), a.clone()))
                            .collect(),
                        None => vec![(format!("{optr}/message"), m.clone())],
                    };
                    for (i, (p, n)) in list.iter().enumerate() {
                        let (name, msg) = message(norm, &channel.file, p, n, i)?;
                        messages.insert(name, msg);
                    }
                }
                out.insert(
                    format!("{label} {name}"),
                    Operation {
                        direction,
                        file: channel.file.clone(),
                        pointer: optr,
                        messages,
                    },
                );
            }
        }
    } else {
        // 3.0: operations name a channel and the channel's messages they use.
        for (k, op) in root
            .get("operations")
            .and_then(Node::as_map)
            .unwrap_or_default()
        {
            let Some(id) = k.as_scalar().map(|k| k.text.clone()) else {
                continue;
            };
            let optr = format!("/operations/{}", esc(&id));
            let op = norm.object(file, &optr, op)?;
            let Some(onode) = op.node().cloned() else {
                continue;
            };
            let direction = match onode.get("action").and_then(Node::as_str) {
                Some("send") => Direction::Produces,
                _ => Direction::Accepts,
            };
            let label = if direction == Direction::Produces {
                "SEND"
            } else {
                "RECEIVE"
            };
            let channel = match onode.get("channel") {
                Some(c) => norm.object(&op.file, &format!("{}/channel", op.pointer), c)?,
                None => continue,
            };
            let cnode = channel.node().cloned();
            let address = cnode
                .as_ref()
                .and_then(|c| c.get("address"))
                .and_then(Node::as_str)
                .map(str::to_owned)
                .unwrap_or_else(|| channel.pointer.rsplit('/').next().unwrap_or("").to_owned());
            let mut messages = BTreeMap::new();
            // The operation's list, else every message of the channel.
            let listed: Vec<(String, Node)> = match onode.get("messages").and_then(Node::as_seq) {
                Some(list) => list
                    .iter()
                    .enumerate()
                    .map(|(i, m)| (format!("{}/messages/{i}", op.pointer), m.clone()))
                    .collect(),
                None => cnode
                    .as_ref()
                    .and_then(|c| c.get("messages"))
                    .and_then(Node::as_map)
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|(k, m)| {
                        k.as_scalar().map(|k| {
                            (
                                format!("{}/messages/{}", channel.pointer, esc(&k.text)),
                                m.clone(),
                            )
                        })
                    })
                    .collect(),
            };
            for (i, (p, n)) in listed.iter().enumerate() {
                let (name, msg) = message(norm, &channel.file, p, n, i)?;
                messages.insert(name, msg);
            }
            out.insert(
                format!("{label} {address}"),
                Operation {
                    direction,
                    file: op.file.clone(),
                    pointer: op.pointer.clone(),
                    messages,
                },
            );
        }
    }
    Ok(out)
}

/// A place in a document.
fn side(file: &str, pointer: &str) -> Option<Side> {
    Some(Side {
        file: file.to_owned(),
        pointer: pointer.to_owned(),
        position: None,
    })
}

/// A payload pair compared by the JSON Schema engine: both schemas, the
/// direction, the operation and the message.
type Root = (SchemaId, SchemaId, Direction, String, String);

/// What the walk found: changes to operations and messages, payloads to
/// compare as JSON Schema once both versions are normalised, and Avro
/// payloads (with their operation) to compare as Avro.
#[derive(Default)]
struct Found {
    changes: Vec<Change>,
    roots: Vec<Root>,
    avro_pairs: Vec<(Message, Message, String)>,
}

/// Compares two AsyncAPI documents: operations, their messages, and the
/// messages' payloads.
pub fn diff(old: Loaded<'_>, new: Loaded<'_>) -> Result<Vec<Change>, CompatError> {
    let Loaded {
        docs: old_docs,
        source: old_source,
        path: old_path,
        root: old_root,
    } = old;
    let Loaded {
        docs: new_docs,
        source: new_source,
        path: new_path,
        root: new_root,
    } = new;
    let mut found = Found::default();
    let (old_arena, new_arena) = {
        let mut old = Normalizer::new(old_docs, old_source, Dialect::JsonSchema);
        let mut new = Normalizer::new(new_docs, new_source, Dialect::JsonSchema);
        let old_ops = operations(&mut old, old_path, old_root)?;
        let mut new_ops = operations(&mut new, new_path, new_root)?;
        for (label, o) in old_ops {
            let Some(n) = new_ops.remove(&label) else {
                found.changes.push(
                    Change::new(
                        "operation-removed",
                        Effect::Narrows,
                        Direction::Accepts,
                        format!("operation `{label}` was removed"),
                    )
                    .with_old(side(&o.file, &o.pointer))
                    .with_new(side(new_path, "/channels"))
                    .with_operation(label.clone()),
                );
                continue;
            };
            messages(&mut found, (&mut old, &mut new), &label, o, n)?;
        }
        for (label, n) in new_ops {
            found.changes.push(
                Change::new(
                    "operation-added",
                    Effect::Widens,
                    Direction::Accepts,
                    format!("operation `{label}` was added"),
                )
                .with_old(side(old_path, "/channels"))
                .with_new(side(&n.file, &n.pointer))
                .with_operation(label.clone()),
            );
        }
        (old.finish(), new.finish())
    };
    let mut changes = found.changes;
    let mut cmp = SchemaComparer::new(&old_arena, &new_arena);
    for (a, b, direction, label, name) in &found.roots {
        cmp.compare_root(*a, *b, *direction, Some(label), name);
    }
    cmp.attribute();
    changes.extend(cmp.changes);
    for (om, nm, label) in found.avro_pairs {
        let (Some((op, on)), Some((np, nn))) = (&om.payload, &nm.payload) else {
            continue;
        };
        let avro =
            crate::avro::diff_at(old_docs, (&om.file, op, on), new_docs, (&nm.file, np, nn))?;
        changes.extend(avro.into_iter().map(|mut c| {
            c.operations.insert(label.clone());
            if let Some(route) = c.route.as_mut().filter(|r| r.operation.is_none()) {
                route.operation = Some(label.clone());
            }
            c
        }));
    }
    Ok(changes)
}

/// The messages of an operation in both versions: removed, added, and the
/// payloads of those kept (compared later).
fn messages(
    found: &mut Found,
    (old, new): (&mut Normalizer<'_>, &mut Normalizer<'_>),
    label: &str,
    o: Operation,
    n: Operation,
) -> Result<(), CompatError> {
    let mut new_messages = n.messages;
    let mut old_messages = o.messages;
    pair_lone_messages(&mut old_messages, &new_messages);
    for (name, om) in old_messages {
        match new_messages.remove(&name) {
            None => found.changes.push(
                Change::new(
                    "message-removed",
                    Effect::Narrows,
                    o.direction,
                    format!("`{label}` no longer carries message `{name}`"),
                )
                .with_old(side(&om.file, &om.pointer))
                .with_new(side(&n.file, &n.pointer))
                .with_operation(label)
                .with_field(Some(name.clone())),
            ),
            Some(nm) => match (&om.payload, &nm.payload) {
                (Some(_), Some(_)) if om.avro && nm.avro => {
                    found.avro_pairs.push((om, nm, label.to_owned()))
                }
                (Some((op, on)), Some((np, nn))) => {
                    let a = old.schema(&om.file, op, on)?;
                    let b = new.schema(&nm.file, np, nn)?;
                    found
                        .roots
                        .push((a, b, o.direction, label.to_owned(), name.clone()));
                }
                _ => {}
            },
        }
    }
    for (name, nm) in new_messages {
        found.changes.push(
            Change::new(
                "message-added",
                Effect::Widens,
                o.direction,
                format!("`{label}` now also carries message `{name}`"),
            )
            .with_old(side(&o.file, &o.pointer))
            .with_new(side(&nm.file, &nm.pointer))
            .with_operation(label)
            .with_field(Some(name.clone())),
        );
    }
    Ok(())
}

/// One unmatched message on each side, one of them known only by its
/// position (an unnamed message inlined on one side and referenced on the
/// other): the same message, renamed on the old side to match.
fn pair_lone_messages(
    old_messages: &mut BTreeMap<String, Message>,
    new_messages: &BTreeMap<String, Message>,
) {
    let lone_old: Vec<String> = old_messages
        .keys()
        .filter(|k| !new_messages.contains_key(*k))
        .cloned()
        .collect();
    let lone_new: Vec<String> = new_messages
        .keys()
        .filter(|k| !old_messages.contains_key(*k))
        .cloned()
        .collect();
    if let ([a], [b]) = (lone_old.as_slice(), lone_new.as_slice())
        && (a.starts_with('#') || b.starts_with('#'))
        && let Some(m) = old_messages.remove(a)
    {
        old_messages.insert(b.clone(), m);
    }
}
