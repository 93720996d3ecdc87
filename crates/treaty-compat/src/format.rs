//! The formats the engine compares, and their names as Treaty spells them
//! (`kind:` in interface files, the broker API, `treaty diff --kind`).

use std::fmt;
use std::str::FromStr;

use treaty_syntax::Node;

/// The formats the engine compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// OpenAPI 3.0 and 3.1.
    OpenApi,
    /// JSON Schema (drafts 4 to 2020-12).
    JsonSchema,
    /// Avro schemas (`.avsc`).
    Avro,
    /// AsyncAPI 2.x and 3.0.
    AsyncApi,
    /// Compared from `.proto` files rather than one tree (see
    /// [`crate::diff_interface`] and [`crate::diff_proto`]).
    Protobuf,
}

impl Format {
    /// Every format, in the order error messages list them.
    pub const ALL: [Format; 5] = [
        Format::OpenApi,
        Format::JsonSchema,
        Format::Avro,
        Format::AsyncApi,
        Format::Protobuf,
    ];

    /// The name Treaty uses for the format (`openapi`, `protobuf`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Format::OpenApi => "openapi",
            Format::JsonSchema => "jsonschema",
            Format::Avro => "avro",
            Format::AsyncApi => "asyncapi",
            Format::Protobuf => "protobuf",
        }
    }

    /// The format in words, with its article (`an OpenAPI description`).
    pub fn described(self) -> &'static str {
        match self {
            Format::OpenApi => "an OpenAPI description",
            Format::JsonSchema => "a JSON Schema",
            Format::Avro => "an Avro schema",
            Format::AsyncApi => "an AsyncAPI document",
            Format::Protobuf => "a Protobuf definition",
        }
    }

    /// Why two files cannot be compared: they are of different kinds
    /// (`old.avsc is an Avro schema and new.yaml an OpenAPI description`).
    pub fn mismatch(old_path: &str, old: Format, new_path: &str, new: Format) -> String {
        format!(
            "{old_path} is {} and {new_path} {}: treaty diff compares two versions of one kind",
            old.described(),
            new.described()
        )
    }

    /// The accepted names as a phrase for messages:
    /// `openapi, jsonschema, avro, asyncapi or protobuf`.
    pub fn expected() -> String {
        or_list(&Format::ALL.map(Format::as_str))
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Format {
    type Err = String;

    /// Parses a kind as written in an interface file or the broker API.
    fn from_str(s: &str) -> Result<Format, String> {
        Format::ALL
            .into_iter()
            .find(|f| f.as_str() == s)
            .ok_or_else(|| format!("unknown kind `{s}`: expected {}", Format::expected()))
    }
}

/// The format of a parsed document, judged from its name and content, and
/// a note when it is a format or version Treaty does not read (Swagger 2,
/// OpenAPI 4, ...). The one place formats are recognised: `treaty diff`
/// detects with it and `treaty validate` checks declared kinds with it.
pub fn sniff(path: &str, node: &Node) -> (Option<Format>, Option<String>) {
    let version = |key: &str| {
        node.get(key)
            .and_then(Node::as_scalar)
            .map(|s| s.text.clone())
    };
    if path.ends_with(".proto") {
        return (Some(Format::Protobuf), None);
    }
    if let Some(v) = version("openapi") {
        let note = (!(v.starts_with("3.0") || v.starts_with("3.1")))
            .then(|| format!("OpenAPI `{v}` is not supported: Treaty reads OpenAPI 3.0 and 3.1"));
        return (Some(Format::OpenApi), note);
    }
    if node.get("swagger").is_some() {
        return (
            None,
            Some("this is a Swagger 2.0 document: Treaty reads OpenAPI 3.0 and 3.1".to_owned()),
        );
    }
    if let Some(v) = version("asyncapi") {
        let note = (!(v.starts_with("2.") || v.starts_with("3.")))
            .then(|| format!("AsyncAPI `{v}` is not supported: Treaty reads AsyncAPI 2.x and 3.0"));
        return (Some(Format::AsyncApi), note);
    }
    let avro_type = node.get("type").and_then(Node::as_str);
    if path.ends_with(".avsc")
        || (matches!(avro_type, Some("record" | "enum" | "fixed")) && node.get("name").is_some())
        || node.as_seq().is_some()
    {
        return (Some(Format::Avro), None);
    }
    let boolean = matches!(
        node.as_scalar().map(|s| s.resolve()),
        Some(treaty_syntax::Resolved::Bool(_))
    );
    if node.as_map().is_some() || boolean {
        return (Some(Format::JsonSchema), None);
    }
    (None, None)
}

/// `a, b, c or d`: how messages list the accepted names.
pub(crate) fn or_list(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_format_parses_from_its_name() {
        for f in Format::ALL {
            assert_eq!(f.to_string().parse::<Format>(), Ok(f));
            assert_eq!(f.as_str(), f.to_string());
        }
    }

    #[test]
    fn unknown_names_list_the_accepted_ones() {
        assert_eq!(
            "swagger".parse::<Format>(),
            Err(
                "unknown kind `swagger`: expected openapi, jsonschema, avro, asyncapi or protobuf"
                    .to_owned()
            )
        );
        assert!("OpenAPI".parse::<Format>().is_err());
    }
}
