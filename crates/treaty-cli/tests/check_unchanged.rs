//! `treaty check` does not compare an interface whose schema and every
//! file it reaches have the same git blob ids at the base and in the
//! working tree, and compares every other one: a changed import or `$ref`
//! target, a transitive policy, are compared however unchanged the entry
//! file is.

mod common;

use common::git_repo::{check, commit_all, edit, interface, repo};

fn unchanged(r: &serde_json::Value, id: &str) -> bool {
    let i = interface(r, id);
    assert!(!i.is_null(), "no interface {id} in {r}");
    i["unchanged"] == true
}

#[test]
fn an_unchanged_workspace_compares_only_what_it_must() {
    let (_dir, ws) = repo();
    let (out, r) = check(&ws, "HEAD");
    assert_eq!(out.status.code(), Some(0), "{r}");
    for id in [
        "identity-api",
        "inventory-service",
        "fulfillment-service",
        "order-events",
    ] {
        assert!(unchanged(&r, id), "{id} was compared: {r}");
        assert_eq!(interface(&r, id)["status"], "pass");
    }
    // Transitive policies hold against earlier versions too: compared.
    assert!(!unchanged(&r, "payments-api"), "{r}");
    assert!(!unchanged(&r, "customer-profile"), "{r}");
}

#[test]
fn a_changed_protobuf_import_is_compared() {
    let (_dir, ws) = repo();
    // fulfillment.proto imports money.proto; inventory.proto does not.
    edit(
        &ws,
        "schemas/proto/acme/common/v1/money.proto",
        "int64 units = 2;",
        "int32 units = 2;",
    );
    let (_out, r) = check(&ws, "HEAD");
    assert!(!unchanged(&r, "fulfillment-service"), "{r}");
    let changes = interface(&r, "fulfillment-service")["changes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(
        changes.iter().any(|c| c["level"] == "breaking"),
        "the import's change was not found: {r}"
    );
    assert!(unchanged(&r, "inventory-service"), "{r}");
}

#[test]
fn a_changed_ref_target_is_compared() {
    let (dir, ws) = repo();
    let write = |path: &str, text: &str| {
        let path = ws.join(path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("{e}"));
        }
        std::fs::write(path, text).unwrap_or_else(|e| panic!("{e}"));
    };
    write(
        "interfaces/ledger-api.yaml",
        "id: ledger-api\nkind: openapi\nschema: schemas/ledger/api.yaml\nproducer: payments\n\
         consumers:\n  - team: checkout\ncompatibility: backward\n",
    );
    write(
        "schemas/ledger/api.yaml",
        "openapi: 3.1.0\ninfo: {title: Ledger, version: '1'}\npaths:\n  /entries:\n    get:\n\
         \x20     operationId: listEntries\n      responses:\n        '200':\n\
         \x20         description: ok\n          content:\n            application/json:\n\
         \x20             schema: {$ref: 'shared/entry.yaml#/Entry'}\n",
    );
    write(
        "schemas/ledger/shared/entry.yaml",
        "Entry:\n  type: object\n  required: [kind]\n  properties:\n    kind: {type: string, enum: [debit, credit]}\n",
    );
    common::git_repo::git(dir.path(), &["add", "-A"]);
    commit_all(dir.path(), "Ledger");
    let (_out, r) = check(&ws, "HEAD");
    assert!(unchanged(&r, "ledger-api"), "{r}");
    // The entry file stays as it is; the file it refers to changes.
    edit(
        &ws,
        "schemas/ledger/shared/entry.yaml",
        "kind: {type: string, enum: [debit, credit]}",
        "kind: {type: integer}",
    );
    let (_out, r) = check(&ws, "HEAD");
    assert!(!unchanged(&r, "ledger-api"), "{r}");
    let ledger = interface(&r, "ledger-api");
    assert_eq!(ledger["changes"][0]["level"], "breaking", "{r}");
}

#[test]
fn the_text_report_counts_what_it_did_not_compare_and_verbose_lists_it() {
    let (_dir, ws) = repo();
    let run = |verbose: bool| {
        let mut cmd = common::treaty();
        cmd.current_dir(&ws).args(["check", "--base", "HEAD"]);
        if verbose {
            cmd.arg("--verbose");
        }
        let out = cmd
            .output()
            .unwrap_or_else(|e| panic!("cannot run treaty: {e}"));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let quiet = run(false);
    assert!(!quiet.contains("inventory-service"), "{quiet}");
    assert!(
        quiet.contains("payments-api (openapi, backward_transitive): PASS"),
        "{quiet}"
    );
    assert!(
        quiet.contains("unchanged since HEAD: schemas and the files they reach are the same, not compared (--verbose lists them)"),
        "{quiet}"
    );
    let verbose = run(true);
    assert!(
        verbose.contains(
            "inventory-service (protobuf, backward): PASS (unchanged since HEAD: not compared)"
        ),
        "{verbose}"
    );
}
