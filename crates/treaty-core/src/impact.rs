//! Which consumer teams a change touches, judged from what each declared
//! it uses. (What an interface promises is `Workspace::effective_*`.)

use std::collections::BTreeMap;

use treaty_compat::Change;

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

/// Whether one dotted field path contains the other (`Payment` and
/// `Payment.amount`, `Order.lines[].sku` and `Order.lines`).
fn related_fields(a: &str, b: &str) -> bool {
    let within = |long: &str, short: &str| {
        long == short
            || long
                .strip_prefix(short)
                .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
    };
    within(a, b) || within(b, a)
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

    /// Whether `change` touches something this consumer uses: an operation
    /// (by label, shape or `operationId`), a channel (the place of a
    /// `SEND`/`RECEIVE` operation), a message or schema (the first segment
    /// of the changed field) or a field path.
    pub fn touches(&self, change: &Change, operation_ids: &BTreeMap<String, String>) -> bool {
        if self.is_everything() {
            return true;
        }
        let operation_hit = self.operations.iter().any(|declared| {
            change.operations.iter().any(|label| {
                label == declared
                    || same_operation(declared, label)
                    || operation_ids.get(label).is_some_and(|id| id == declared)
            })
        });
        let channel_hit = self.channels.iter().any(|declared| {
            change.operations.iter().any(|label| {
                label
                    .split_once(' ')
                    .is_some_and(|(_, place)| place == declared)
            })
        });
        let field = change.field.as_deref();
        let message_hit = field.is_some_and(|f| {
            let head = f.split(['.', '[']).next().unwrap_or(f);
            self.messages.iter().any(|m| m == head)
        });
        let field_hit = field.is_some_and(|f| {
            self.fields
                .iter()
                .any(|declared| related_fields(declared, f))
        });
        operation_hit || channel_hit || message_hit || field_hit
    }
}

fn uses_change(
    consumer: &Consumer,
    change: &Change,
    operation_ids: &BTreeMap<String, String>,
) -> bool {
    match &consumer.uses {
        None => true, // no narrowing: the consumer uses everything
        Some(uses) => Usage::from(uses).touches(change, operation_ids),
    }
}

/// The consumer teams of `interface` that `change` touches.
pub fn affected_consumers(
    interface: &Interface,
    change: &Change,
    operation_ids: &BTreeMap<String, String>,
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
        let ids = BTreeMap::new();
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
}
