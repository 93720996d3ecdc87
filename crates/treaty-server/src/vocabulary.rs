//! The names the broker accepts for interface kinds, compatibility
//! policies and Protobuf categories: one function each, used both to
//! validate a request and to read a stored row back, so that a name the
//! broker accepts is a name it can read.
//!
//! The meaning of each name is treaty-compat's; this module only says which
//! spellings the API takes. When compat gains `FromStr`/`Display` for all of
//! them, these functions are the one place to switch.

use treaty_compat::{Format, Policy, proto};

/// Compatibility policies an interface may be registered with, as stored.
/// `treaty_compat::Policy` has no transitive variants: the suffix is kept in
/// the row and read as the plain policy.
pub const POLICY_NAMES: [&str; 7] = [
    "backward",
    "backward_transitive",
    "forward",
    "forward_transitive",
    "full",
    "full_transitive",
    "none",
];

/// The policy of an interface registered without one.
pub const DEFAULT_POLICY: &str = "backward";

/// The comparison format of an interface kind.
pub fn format_of(kind: &str) -> Result<Format, String> {
    Ok(match kind {
        "openapi" => Format::OpenApi,
        "jsonschema" => Format::JsonSchema,
        "avro" => Format::Avro,
        "asyncapi" => Format::AsyncApi,
        "protobuf" => Format::Protobuf,
        _ => {
            return Err(format!(
                "unknown kind `{kind}`: expected openapi, jsonschema, avro, asyncapi or protobuf"
            ));
        }
    })
}

/// A compatibility policy, by one of [`POLICY_NAMES`].
pub fn policy_of(name: &str) -> Result<Policy, String> {
    if !POLICY_NAMES.contains(&name) {
        return Err(format!(
            "unknown compatibility `{name}`: expected one of {}",
            POLICY_NAMES.join(", ")
        ));
    }
    name.parse()
}

/// A Protobuf comparison category (`wire`, `wire_json`, `package`, `file`).
pub fn category_of(name: &str) -> Result<proto::Category, String> {
    name.parse()
}

/// The category of a Protobuf interface registered without one.
pub const DEFAULT_CATEGORY: proto::Category = proto::Category::WireJson;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_policy_name_reads() {
        for name in POLICY_NAMES {
            assert!(policy_of(name).is_ok(), "{name}");
        }
        assert_eq!(policy_of("full_transitive"), Ok(Policy::Full));
        assert_eq!(policy_of(DEFAULT_POLICY), Ok(Policy::Backward));
    }

    #[test]
    fn unknown_names_are_refused() {
        assert!(policy_of("sideways").is_err());
        // compat alone would take these; the API does not.
        assert!(policy_of("backward-transitive").is_err());
        assert!(policy_of("").is_err());
        assert!(category_of("bogus").is_err());
        assert!(format_of("wsdl").is_err());
    }

    #[test]
    fn kinds_and_categories_read() {
        for kind in ["openapi", "jsonschema", "avro", "asyncapi", "protobuf"] {
            assert_eq!(format_of(kind).map(Format::as_str), Ok(kind));
        }
        assert_eq!(category_of("wire_json"), Ok(DEFAULT_CATEGORY));
    }
}
