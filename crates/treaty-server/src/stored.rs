//! Reading back what the store holds. The broker checked every value before
//! writing it, so one it cannot read means the database was changed behind
//! its back (by hand, or by another program): that is an error naming the
//! table and the row, answered 500 and logged, never a silent default.
//!
//! The answer names where the value is, not what it is: the raw text stays
//! in the broker's log.

use std::fmt;

use treaty_compat::{Bundle, Compatibility, Format, Policy, proto};
use treaty_core::impact::Usage;
use treaty_store::InterfaceRecord;

use crate::api::Artifact;
use crate::error::ApiError;

/// Where a stored value lives: a table and the key of one of its rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    table: &'static str,
    key: String,
}

impl Row {
    /// The `interfaces` row of interface `id`.
    pub fn interface(id: &str) -> Row {
        Row {
            table: "interfaces",
            key: format!("id `{id}`"),
        }
    }

    /// The `expectations` row of what `component` version `version`
    /// expects of `interface`.
    pub fn expectation(component: &str, version: &str, interface: &str) -> Row {
        Row {
            table: "expectations",
            key: format!(
                "component_id `{component}`, version `{version}`, interface_id `{interface}`"
            ),
        }
    }

    /// The `digests` row of `team` for `period`.
    pub fn digest(team: &str, period: i64) -> Row {
        Row {
            table: "digests",
            key: format!("team_id `{team}`, period {period}"),
        }
    }

    /// The `train_revisions` row of revision `revision` of train `id`.
    pub fn train(id: &str, revision: i64) -> Row {
        Row {
            table: "train_revisions",
            key: format!("train_id `{id}`, revision {revision}"),
        }
    }

    /// The `train_evidence` row `id`.
    pub fn evidence(id: &str) -> Row {
        Row {
            table: "train_evidence",
            key: format!("id `{id}`"),
        }
    }

    /// The `blobs` row of content `hash` (bundles, artifacts).
    pub fn blob(hash: &str) -> Row {
        Row {
            table: "blobs",
            key: format!("hash `{hash}`"),
        }
    }
}

impl fmt::Display for Row {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "table `{}`, row {}", self.table, self.key)
    }
}

/// Longest part of an unreadable value written to the log.
const LOGGED_DETAIL: usize = 300;

/// The error for a value in `column` of `row` that does not read, with why
/// (`detail`, which may quote the value) in the log only.
pub fn unreadable(row: &Row, column: &str, detail: &str) -> ApiError {
    let detail: String = detail.chars().take(LOGGED_DETAIL).collect();
    tracing::error!(%row, column, %detail, "the database holds a value the broker cannot read");
    ApiError::Internal(format!(
        "the database holds a value the broker cannot read: {row}, column `{column}` (the broker's log says why)"
    ))
}

/// The comparison format of a stored interface.
pub fn format_of(interface: &InterfaceRecord) -> Result<Format, ApiError> {
    interface
        .kind
        .parse()
        .map_err(|e: String| unreadable(&Row::interface(&interface.id), "kind", &e))
}

/// The compatibility policy of a stored interface.
pub fn policy_of(interface: &InterfaceRecord) -> Result<Policy, ApiError> {
    interface
        .compatibility
        .parse::<Compatibility>()
        .map(|c| c.policy)
        .map_err(|e| unreadable(&Row::interface(&interface.id), "compatibility", &e))
}

/// The Protobuf category of a stored interface: the documented default
/// when it has none (every interface but Protobuf ones).
pub fn category_of(interface: &InterfaceRecord) -> Result<proto::Category, ApiError> {
    match interface.proto_category.as_deref() {
        None => Ok(proto::Category::default()),
        Some(name) => name
            .parse()
            .map_err(|e: String| unreadable(&Row::interface(&interface.id), "proto_category", &e)),
    }
}

/// What a consumer declared it uses, from the `uses` JSON of `row`.
pub fn usage_of(row: &Row, uses: &str) -> Result<Usage, ApiError> {
    serde_json::from_str(uses).map_err(|e| unreadable(row, "uses", &e.to_string()))
}

/// The artifacts of an expectation, from the JSON blob `row` refers to.
pub fn artifacts_of(row: &Row, artifacts: &str) -> Result<Vec<Artifact>, ApiError> {
    serde_json::from_str(artifacts).map_err(|e| unreadable(row, "artifacts_hash", &e.to_string()))
}

/// A published bundle, from the text of its `blobs` row.
pub fn bundle_of(row: &Row, text: &str) -> Result<Bundle, ApiError> {
    serde_json::from_str(text).map_err(|e| unreadable(row, "content", &e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn interface(compatibility: &str, proto_category: Option<&str>) -> InterfaceRecord {
        InterfaceRecord {
            id: "catalog-api".into(),
            component: "catalog-svc".into(),
            kind: "protobuf".into(),
            compatibility: compatibility.into(),
            proto_category: proto_category.map(str::to_owned),
        }
    }

    /// The message names the table, the row and the column, and not the
    /// value.
    fn assert_names_row<T: fmt::Debug>(read: Result<T, ApiError>, column: &str, value: &str) {
        let Err(ApiError::Internal(message)) = read else {
            panic!("not a 500: {read:?}");
        };
        assert!(
            message.contains("table `interfaces`, row id `catalog-api`")
                && message.contains(&format!("column `{column}`"))
                && !message.contains(value),
            "{message}"
        );
    }

    #[test]
    fn stored_values_read() -> Result<(), ApiError> {
        let i = interface("forward_transitive", Some("package"));
        assert_eq!(policy_of(&i)?, Policy::Forward);
        assert_eq!(category_of(&i)?, proto::Category::Package);
        assert_eq!(format_of(&i)?, Format::Protobuf);
        assert_eq!(
            category_of(&interface("none", None))?,
            proto::Category::WireJson
        );
        Ok(())
    }

    #[test]
    fn an_unknown_policy_is_an_error_not_backward() {
        assert_names_row(
            policy_of(&interface("sideways", None)),
            "compatibility",
            "sideways",
        );
    }

    #[test]
    fn an_unknown_category_is_an_error_not_wire_json() {
        assert_names_row(
            category_of(&interface("backward", Some("bogus"))),
            "proto_category",
            "bogus",
        );
    }

    #[test]
    fn an_unknown_kind_is_an_error() {
        let mut i = interface("backward", None);
        i.kind = "wsdl".into();
        assert_names_row(format_of(&i), "kind", "wsdl");
    }

    #[test]
    fn corrupt_uses_are_an_error_not_the_default_usage() {
        let row = Row::expectation("checkout-web", "41", "catalog-api");
        assert!(usage_of(&row, r#"{"operations": ["GET /items"]}"#).is_ok());
        let Err(ApiError::Internal(message)) = usage_of(&row, "{not json") else {
            panic!("corrupt uses read");
        };
        assert!(
            message.contains(
                "table `expectations`, row component_id `checkout-web`, version `41`, interface_id `catalog-api`, column `uses`"
            ) && !message.contains("not json"),
            "{message}"
        );
    }
}
