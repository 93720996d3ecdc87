//! The official SARIF 2.1.0 JSON Schema, where `.ci/sarif-schema.py`
//! put it (`TREATY_SARIF_SCHEMA`, else `target/sarif-schema-2.1.0.json`),
//! and validation against it.

use std::path::PathBuf;

/// Where the schema is looked for.
fn schema_path() -> PathBuf {
    std::env::var_os("TREATY_SARIF_SCHEMA")
        .map(PathBuf::from)
        .unwrap_or_else(|| super::repo_root().join("target/sarif-schema-2.1.0.json"))
}

/// The schema's validator, or `None` after [`super::skip`] when the
/// schema is missing.
pub fn validator() -> Option<jsonschema::Validator> {
    let path = schema_path();
    let Ok(text) = std::fs::read_to_string(&path) else {
        super::skip(&format!(
            "no SARIF 2.1.0 schema at {} (run `python3 .ci/sarif-schema.py {}`)",
            path.display(),
            path.display()
        ));
        return None;
    };
    // The schema's two `language` patterns have a stray `]`, a literal `]` in
    // ECMAScript (whose regexes JSON Schema patterns are) but an error to
    // the validator's regex engine: escaped, it means the same to both.
    let stray = r#"^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$"#;
    assert_eq!(
        text.matches(stray).count(),
        2,
        "the schema's `language` patterns"
    );
    let text = text.replace(stray, r#"^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}\\]?$"#);
    let schema: serde_json::Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(
        schema["title"],
        "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema",
        "{} is not the SARIF 2.1.0 schema",
        path.display()
    );
    Some(jsonschema::validator_for(&schema).unwrap_or_else(|e| panic!("the schema: {e}")))
}

/// Every way `sarif` breaks the schema, as `pointer: message` lines.
pub fn errors(validator: &jsonschema::Validator, sarif: &serde_json::Value) -> Vec<String> {
    validator
        .iter_errors(sarif)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}
