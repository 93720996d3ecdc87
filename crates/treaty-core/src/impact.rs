//! Which consumer teams a change touches, judged from what each declared
//! it uses. (What an interface promises is `Workspace::effective_*`.)

use treaty_compat::{Change, OperationIds};

use crate::model::{Consumer, Interface, Uses};

/// `POST /payments/{id}` and `post /payments/{key}` name one operation.
pub(crate) fn same_operation(declared: &str, label: &str) -> bool {
    let norm = |s: &str| -> Option<(String, String)> {
        let (method, path) = s.trim().split_once(' ')?;
        Some((
            method.to_ascii_uppercase(),
            treaty_compat::normalize_path(path.trim()),
        ))
    };
    matches!((norm(declared), norm(label)), (Some(a), Some(b)) if a == b)
}

/// Whether `long` is `short` or lies beneath it (`Order.lines[].sku` and
/// `Order.lines`; not `Order.linesTotal`).
fn at_or_beneath(long: &str, short: &str) -> bool {
    long.strip_prefix(short)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '[', '{']))
}

/// Whether one dotted field path contains the other (`Payment` and
/// `Payment.amount`, `Order.lines[].sku` and `Order.lines`).
fn related_fields(a: &str, b: &str) -> bool {
    at_or_beneath(a, b) || at_or_beneath(b, a)
}

/// The schema or message a field path starts from (`Payment` of
/// `Payment.amount`).
fn head(field: &str) -> &str {
    field.split(['.', '[', '{']).next().unwrap_or(field)
}

/// The object a field belongs to (`Payment` of `Payment.amount`).
fn parent(field: &str) -> &str {
    field.rfind(['.', '[']).map_or(field, |at| &field[..at])
}

/// Changes that put a demand on the whole object that holds the field:
/// whoever writes the object must now send the new required property,
/// whichever of its fields they read.
fn demands_whole_object(change: &Change) -> bool {
    change.rule == "required-property-added"
}

/// What one consumer declared it uses, as plain names: the form the broker
/// stores with each consumer version. Empty lists everywhere means the
/// consumer did not narrow what it uses.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Usage {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    /// OpenAPI `operationId`s or `METHOD /path`; protobuf `Service.Method`.
    pub operations: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    /// Message names (AsyncAPI, protobuf, Avro records).
    pub messages: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    /// AsyncAPI channels.
    pub channels: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    /// Dotted field paths from a schema or message name (`Payment.amount`).
    pub fields: Vec<String>,
}

impl From<&Uses> for Usage {
    fn from(u: &Uses) -> Usage {
        let plain =
            |v: &[treaty_syntax::Spanned<String>]| v.iter().map(|s| s.value.clone()).collect();
        Usage {
            operations: plain(&u.operations),
            messages: plain(&u.messages),
            channels: plain(&u.channels),
            fields: plain(&u.fields),
        }
    }
}

impl Usage {
    /// Whether the consumer named nothing, and so uses everything.
    pub fn is_everything(&self) -> bool {
        self.operations.is_empty()
            && self.messages.is_empty()
            && self.channels.is_empty()
            && self.fields.is_empty()
    }

    /// Whether `change` touches something this consumer uses.
    ///
    /// `operations`, `channels` and `messages` say *where*: when any is
    /// listed, a change must be reached through one of them (an operation
    /// by label, shape or `operationId`; a channel as the place of a
    /// `SEND`/`RECEIVE` operation; a message as a schema the change lies
    /// in or beneath). `fields` then say *what* within those places: a
    /// change inside a schema that a listed field names (its first
    /// segment) concerns the consumer only when it is at, above or
    /// beneath a listed field, or reached through one, however deep the
    /// named types, `$defs` and refs nest; a change to a schema no listed
    /// field names, or to the operation itself (removed, parameters,
    /// status codes), concerns every consumer of the place. Listing only
    /// `fields` narrows to those fields. A change that breaks decoding the
    /// whole message (Avro) concerns every consumer of the message,
    /// whichever fields it lists. See docs/format.md.
    pub fn touches(&self, change: &Change, operation_ids: &OperationIds) -> bool {
        if self.is_everything() {
            return true;
        }
        let scoped =
            !(self.operations.is_empty() && self.channels.is_empty() && self.messages.is_empty());
        if scoped && !self.in_scope(change, operation_ids) {
            return false;
        }
        // A reader that cannot decode the message reads none of its fields.
        if self.fields.is_empty() || (change.whole_message && scoped) {
            return true;
        }
        let Some(field) = change.field.as_deref() else {
            return scoped;
        };
        let named = |name: &str| self.fields.iter().any(|d| head(d) == head(name));
        let inside_named = named(field) || change.within.iter().any(|w| named(w));
        if !inside_named {
            return scoped;
        }
        self.fields.iter().any(|declared| {
            related_fields(declared, field)
                || change.within.iter().any(|w| at_or_beneath(w, declared))
                || (demands_whole_object(change) && related_fields(declared, parent(field)))
        })
    }

    /// Whether the change is reached through a listed operation, channel
    /// or message.
    fn in_scope(&self, change: &Change, operation_ids: &OperationIds) -> bool {
        let operation_hit = self.operations.iter().any(|declared| {
            change.operations.iter().any(|label| {
                label == declared
                    || same_operation(declared, label)
                    || operation_ids
                        .get(label)
                        .is_some_and(|ids| ids.contains(declared))
            })
        });
        let channel_hit = self.channels.iter().any(|declared| {
            change.operations.iter().any(|label| {
                label
                    .split_once(' ')
                    .is_some_and(|(_, place)| place == declared)
            })
        });
        let message_hit = self.messages.iter().any(|m| {
            change.field.as_deref().is_some_and(|f| head(f) == m)
                || change.within.iter().any(|w| head(w) == m)
        });
        operation_hit || channel_hit || message_hit
    }
}

fn uses_change(consumer: &Consumer, change: &Change, operation_ids: &OperationIds) -> bool {
    match &consumer.uses {
        None => true, // no narrowing: the consumer uses everything
        Some(uses) => Usage::from(uses).touches(change, operation_ids),
    }
}

/// The teams behind `teams`: those consuming an interface that one of
/// `teams` produces, and so on, transitively (a change that breaks
/// checkout may hold up the teams that depend on checkout's own
/// interfaces). Sorted; `teams` themselves are left out (they are
/// already named), even when a cycle leads back to them.
pub fn teams_behind<'a>(
    interfaces: &[Interface],
    teams: impl IntoIterator<Item = &'a str>,
) -> Vec<String> {
    use std::collections::BTreeSet;
    let start: BTreeSet<&str> = teams.into_iter().collect();
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    let mut frontier: Vec<&str> = start.iter().copied().collect();
    while let Some(team) = frontier.pop() {
        for i in interfaces
            .iter()
            .filter(|i| i.producer.as_ref().is_some_and(|p| p.value == team))
        {
            for c in &i.consumers {
                let consumer = c.team.value.as_str();
                if seen.insert(consumer) {
                    frontier.push(consumer);
                }
            }
        }
    }
    seen.into_iter()
        .filter(|t| !start.contains(t))
        .map(str::to_owned)
        .collect()
}

/// The consumer teams of `interface` that `change` touches.
pub fn affected_consumers(
    interface: &Interface,
    change: &Change,
    operation_ids: &OperationIds,
) -> Vec<String> {
    interface
        .consumers
        .iter()
        .filter(|c| uses_change(c, change, operation_ids))
        .map(|c| c.team.value.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operations_match_by_shape_and_fields_by_prefix() {
        assert!(same_operation(
            "post /payments/{id}",
            "POST /payments/{paymentId}"
        ));
        assert!(!same_operation("GET /payments", "POST /payments"));
        assert!(related_fields("Payment.amount", "Payment.amount.value"));
        assert!(related_fields("Payment", "Payment.amount"));
        assert!(related_fields("Order.lines", "Order.lines[]"));
        assert!(!related_fields("Payment.amount", "Payment.amountDue"));
    }

    #[test]
    fn channels_and_messages_narrow_consumers() {
        let change = |ops: &[&str], field: Option<&str>| {
            let mut c = Change::new(
                "message-removed",
                treaty_compat::Effect::Narrows,
                treaty_compat::Direction::Produces,
                "removed",
            )
            .with_field(field.map(str::to_owned));
            c.operations = ops.iter().map(|s| s.to_string()).collect();
            c
        };
        let ids = treaty_compat::OperationIds::new();
        let by_channel = Usage {
            channels: vec!["orders.placed".into()],
            ..Usage::default()
        };
        assert!(by_channel.touches(&change(&["SEND orders.placed"], None), &ids));
        assert!(!by_channel.touches(&change(&["SEND orders.cancelled"], None), &ids));
        let by_message = Usage {
            messages: vec!["OrderPlaced".into()],
            ..Usage::default()
        };
        assert!(by_message.touches(&change(&[], Some("OrderPlaced.total")), &ids));
        assert!(by_message.touches(&change(&[], Some("OrderPlaced")), &ids));
        assert!(!by_message.touches(&change(&[], Some("OrderPlacedV2.total")), &ids));
        assert!(Usage::default().touches(&change(&[], None), &ids));
    }

    fn schema_change(rule: &'static str, ops: &[&str], field: &str, within: &[&str]) -> Change {
        let mut c = Change::new(
            rule,
            treaty_compat::Effect::Both,
            treaty_compat::Direction::Produces,
            "changed",
        )
        .with_field(Some(field.to_owned()));
        c.operations = ops.iter().map(|s| s.to_string()).collect();
        c.within = within.iter().map(|w| std::sync::Arc::from(*w)).collect();
        c
    }

    #[test]
    fn a_change_beneath_a_used_field_is_attributed_through_named_types() {
        let ids = treaty_compat::OperationIds::new();
        // OrderPlaced.lines[] is the named type OrderLine.
        let quantity = schema_change(
            "type-changed",
            &[],
            "OrderLine.quantity",
            &[
                "OrderLine",
                "OrderLine.quantity",
                "OrderPlaced",
                "OrderPlaced.lines",
                "OrderPlaced.lines[]",
            ],
        );
        let fulfillment = Usage {
            fields: vec!["OrderPlaced.orderId".into(), "OrderPlaced.lines".into()],
            ..Usage::default()
        };
        let payments = Usage {
            fields: vec!["OrderPlaced.orderId".into(), "OrderPlaced.total".into()],
            ..Usage::default()
        };
        assert!(fulfillment.touches(&quantity, &ids));
        assert!(!payments.touches(&quantity, &ids));
        // An Avro record's message, used whole.
        let city = schema_change(
            "avro-type-changed",
            &[],
            "Address.city",
            &[
                "Address",
                "Address.city",
                "ShipmentEvent",
                "ShipmentEvent.address",
            ],
        );
        let by_message = Usage {
            messages: vec!["ShipmentEvent".into()],
            ..Usage::default()
        };
        assert!(by_message.touches(&city, &ids));
        // Fields narrow a JSON change, not an Avro one: a reader that
        // cannot resolve the record reads none of its fields.
        let reading_status = Usage {
            messages: vec!["ShipmentEvent".into()],
            fields: vec!["ShipmentEvent.status".into()],
            ..Usage::default()
        };
        assert!(!reading_status.touches(&city, &ids));
        assert!(reading_status.touches(&city.clone().for_whole_message(), &ids));
        let other_message = Usage {
            messages: vec!["PaymentSettled".into()],
            ..Usage::default()
        };
        assert!(!other_message.touches(&city, &ids));
    }

    #[test]
    fn fields_narrow_within_the_listed_operations() {
        let ids = treaty_compat::OperationIds::new();
        let checkout = Usage {
            operations: vec!["GET /payments/{id}".into()],
            fields: vec!["Payment.status".into()],
            ..Usage::default()
        };
        let get = ["GET /payments/{id}"];
        // Another field of a schema the consumer narrowed: not its concern.
        let order_id = schema_change("type-changed", &get, "Payment.orderId", &["Payment"]);
        assert!(!checkout.touches(&order_id, &ids));
        // The field it reads, and the object that holds it.
        let status = schema_change("type-changed", &get, "Payment.status", &["Payment"]);
        assert!(checkout.touches(&status, &ids));
        let whole = schema_change("type-changed", &get, "Payment", &["Payment"]);
        assert!(checkout.touches(&whole, &ids));
        // A new required property: every writer of Payment must send it.
        let required = schema_change(
            "required-property-added",
            &get,
            "Payment.reference",
            &["Payment"],
        );
        assert!(checkout.touches(&required, &ids));
        // A schema no listed field names, and the operation itself: the
        // consumer uses them whole.
        let error = schema_change("type-changed", &get, "Error.code", &["Error"]);
        assert!(checkout.touches(&error, &ids));
        let mut removed = schema_change("operation-removed", &get, "", &[]);
        removed.field = None;
        assert!(checkout.touches(&removed, &ids));
        // Fields never widen past the listed operations.
        let elsewhere = schema_change(
            "type-changed",
            &["GET /refunds"],
            "Payment.status",
            &["Payment"],
        );
        assert!(!checkout.touches(&elsewhere, &ids));
        // Listing only fields narrows to them: an operation-level change
        // elsewhere is not the consumer's.
        let fields_only = Usage {
            fields: vec!["Payment.status".into()],
            ..Usage::default()
        };
        assert!(!fields_only.touches(&removed, &ids));
        assert!(fields_only.touches(&status, &ids));
        assert!(!fields_only.touches(&error, &ids));
    }
}
