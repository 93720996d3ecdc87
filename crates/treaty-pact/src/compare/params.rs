//! Parameters (path, query, header): an operation's list with the path
//! item's, and a value as sent (text) checked against the parameter's
//! schema, coerced to the schema's type first as a server would.

use serde_json::Value;

use super::schema::{Side, Spec};

/// One parameter of an operation.
#[derive(Debug)]
pub struct Param<'d> {
    /// Its name.
    pub name: String,
    /// `path`, `query`, `header` or `cookie`.
    pub location: String,
    /// Whether it must be sent (path parameters always).
    pub required: bool,
    /// Its schema, if any.
    pub schema: Option<&'d Value>,
    /// JSON pointer of the parameter in the document.
    pub pointer: String,
}

/// The parameters of an operation: the operation's, then the path item's
/// that the operation does not override (same name and location).
pub fn collect<'d>(
    spec: &Spec<'d>,
    item: &'d Value,
    operation: &'d Value,
    op_pointer: &str,
) -> Vec<Param<'d>> {
    let item_pointer = op_pointer.rsplit_once('/').map_or("", |(p, _)| p);
    let mut out: Vec<Param<'d>> = Vec::new();
    for (list, at) in [(operation, op_pointer), (item, item_pointer)] {
        let Some(params) = list.get("parameters").and_then(Value::as_array) else {
            continue;
        };
        for (i, p) in params.iter().enumerate() {
            let p = spec.deref(p);
            let (Some(name), Some(location)) = (
                p.get("name").and_then(Value::as_str),
                p.get("in").and_then(Value::as_str),
            ) else {
                continue;
            };
            let location = location.to_owned();
            let name = name.to_owned();
            if out
                .iter()
                .any(|o| o.location == location && same_name(&o.name, &name, &location))
            {
                continue;
            }
            let schema = p.get("schema").or_else(|| {
                p.get("content")
                    .and_then(Value::as_object)
                    .and_then(|c| c.values().next())
                    .and_then(|m| m.get("schema"))
            });
            out.push(Param {
                required: location == "path"
                    || p.get("required").and_then(Value::as_bool) == Some(true),
                name,
                location,
                schema,
                pointer: format!("{at}/parameters/{i}"),
            });
        }
    }
    out
}

/// Header names compare without case.
pub fn same_name(a: &str, b: &str, location: &str) -> bool {
    if location == "header" {
        a.eq_ignore_ascii_case(b)
    } else {
        a == b
    }
}

/// Checks the values sent for a parameter against its schema; `Err` with
/// the first problem.
pub fn check(spec: &Spec<'_>, param: &Param<'_>, values: &[&str]) -> Result<(), String> {
    match param.schema {
        Some(schema) => check_values(spec, schema, values),
        None => Ok(()),
    }
}

/// Checks values sent as text (a parameter's, a message header's) against
/// `schema`, coerced to its type first; `Err` with the first problem.
pub fn check_values(spec: &Spec<'_>, schema: &Value, values: &[&str]) -> Result<(), String> {
    let resolved = spec.deref(schema);
    let value = if has_type(resolved, "array") {
        let items = resolved.get("items").map(|i| spec.deref(i));
        let parts: Vec<&str> = if values.len() == 1 {
            values[0].split(',').collect()
        } else {
            values.to_vec()
        };
        Value::Array(
            parts
                .iter()
                .map(|v| coerce(items.unwrap_or(&Value::Null), v))
                .collect(),
        )
    } else {
        coerce(resolved, values.first().copied().unwrap_or_default())
    };
    match spec.validate(schema, &value, Side::Request) {
        Ok(errors) => match errors.into_iter().next() {
            None => Ok(()),
            Some((_, message)) => Err(message),
        },
        // A schema the validator cannot read says nothing against the value.
        Err(_) => Ok(()),
    }
}

fn has_type(schema: &Value, name: &str) -> bool {
    match schema.get("type") {
        Some(Value::String(t)) => t == name,
        Some(Value::Array(ts)) => ts.iter().any(|t| t == name),
        _ => false,
    }
}

/// Text as the schema's type reads it: `42` as a number where a number is
/// expected, else a string.
fn coerce(schema: &Value, text: &str) -> Value {
    if (has_type(schema, "integer") || has_type(schema, "number"))
        && let Ok(n) = text.parse::<serde_json::Number>()
    {
        return Value::Number(n);
    }
    if has_type(schema, "boolean") && (text == "true" || text == "false") {
        return Value::Bool(text == "true");
    }
    if has_type(schema, "null") && text.is_empty() {
        return Value::Null;
    }
    Value::String(text.to_owned())
}
