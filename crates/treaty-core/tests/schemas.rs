//! The committed JSON Schemas under `schemas/` must match the model types.
//! Run with `TREATY_BLESS=1` to rewrite them after changing the types.

use std::path::PathBuf;

#[test]
fn committed_schemas_match_the_types() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../schemas");
    let bless = std::env::var_os("TREATY_BLESS").is_some();
    let mut stale = Vec::new();
    for (name, schema) in treaty_core::schema::json_schemas() {
        let want = serde_json::to_string_pretty(&schema).unwrap_or_default() + "\n";
        let path = dir.join(name);
        let have = std::fs::read_to_string(&path).unwrap_or_default();
        if have != want {
            if bless {
                std::fs::create_dir_all(&dir).unwrap_or_default();
                std::fs::write(&path, want).unwrap_or_default();
            } else {
                stale.push(name);
            }
        }
    }
    assert!(
        stale.is_empty(),
        "schemas/{stale:?} differ from the model types: run `TREATY_BLESS=1 cargo test -p treaty-core --test schemas`"
    );
}
