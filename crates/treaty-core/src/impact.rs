//! Which consumer teams a change touches, judged from what each declared
//! it uses; and which policy an interface promises.

use std::collections::BTreeMap;

use treaty_compat::{Change, Policy};

use crate::model::{Compatibility, Consumer, Defaults, Interface, ProtoCategory};

/// The policy an interface promises: its own, else the workspace default,
/// else `backward`; and whether it is transitive.
pub fn policy_of(interface: &Interface, defaults: &Defaults) -> (Policy, bool) {
    let c = interface
        .compatibility
        .as_ref()
        .map(|c| c.value)
        .or(defaults.compatibility)
        .unwrap_or(Compatibility::Backward);
    match c {
        Compatibility::Backward => (Policy::Backward, false),
        Compatibility::BackwardTransitive => (Policy::Backward, true),
        Compatibility::Forward => (Policy::Forward, false),
        Compatibility::ForwardTransitive => (Policy::Forward, true),
        Compatibility::Full => (Policy::Full, false),
        Compatibility::FullTransitive => (Policy::Full, true),
        Compatibility::None => (Policy::None, false),
    }
}

/// The Protobuf category an interface is checked under (`wire_json` unless
/// it says otherwise).
pub fn proto_category_of(interface: &Interface) -> treaty_compat::proto::Category {
    use treaty_compat::proto::Category;
    match interface.proto_category.unwrap_or(ProtoCategory::WireJson) {
        ProtoCategory::Wire => Category::Wire,
        ProtoCategory::WireJson => Category::WireJson,
        ProtoCategory::Package => Category::Package,
        ProtoCategory::File => Category::File,
    }
}

/// Where a Protobuf interface's files are: its include directories
/// (`include_paths`, else the schema's own directory) and the schema's name
/// relative to the first that holds it.
pub fn proto_entry(interface: &Interface) -> (Vec<String>, String) {
    let schema = &interface.schema.value;
    let includes: Vec<String> = if interface.include_paths.is_empty() {
        vec![
            schema
                .rsplit_once('/')
                .map_or(String::new(), |(d, _)| d.to_owned()),
        ]
    } else {
        interface
            .include_paths
            .iter()
            .map(|p| p.value.trim_end_matches('/').to_owned())
            .collect()
    };
    let name = includes
        .iter()
        .find_map(|i| {
            if i.is_empty() {
                Some(schema.clone())
            } else {
                schema.strip_prefix(&format!("{i}/")).map(str::to_owned)
            }
        })
        .unwrap_or_else(|| schema.clone());
    (includes, name)
}

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

fn uses_change(
    consumer: &Consumer,
    change: &Change,
    operation_ids: &BTreeMap<String, String>,
) -> bool {
    let Some(uses) = &consumer.uses else {
        return true; // no narrowing: the consumer uses everything
    };
    let operation_hit = uses.operations.iter().any(|declared| {
        change.operations.iter().any(|label| {
            *label == declared.value
                || same_operation(&declared.value, label)
                || operation_ids
                    .get(label)
                    .is_some_and(|id| *id == declared.value)
        })
    });
    let field_hit = change.field.as_deref().is_some_and(|f| {
        uses.fields
            .iter()
            .any(|declared| related_fields(&declared.value, f))
    });
    operation_hit || field_hit
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
}
