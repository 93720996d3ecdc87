//! `treaty init --discover` on a monorepo built here: schema files of every
//! format found by their content (and nothing else), producers from
//! CODEOWNERS in GitHub's and GitLab's syntax, a workspace that validates
//! and that `treaty check` then reads, and nothing written when there is
//! nothing to find or a workspace is there already.

mod common;

use common::TestContext;
use common::git_repo::git;

const OPENAPI: &str = "\
openapi: 3.1.0
info:
  title: Payments API
  version: 1.0.0
paths:
  /payments:
    get:
      operationId: listPayments
      responses:
        '200':
          description: ok
";

const ASYNCAPI: &str = "\
asyncapi: 3.0.0
info:
  title: Order Events
  version: 1.0.0
channels: {}
";

const JSON_SCHEMA: &str = r#"{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "Customer profile",
  "type": "object",
  "properties": { "id": { "type": "string" } }
}
"#;

const AVRO: &str = r#"{"type": "record", "name": "PaymentSettled", "namespace": "acme.payments",
 "fields": [{"name": "id", "type": "string"}]}
"#;

const PROTO_SERVICE: &str = r#"syntax = "proto3";
package acme.inventory.v1;
import "acme/common/v1/money.proto";
service InventoryService { rpc GetStock(GetStockRequest) returns (Stock); }
message GetStockRequest { string sku = 1; }
message Stock { acme.common.v1.Money price = 1; }
"#;

const PROTO_SHARED: &str = r#"syntax = "proto3";
package acme.common.v1;
message Money { string currency = 1; int64 units = 2; }
"#;

/// A repository with schemas of every kind among files that are not.
fn monorepo(cx: &TestContext) {
    cx.write("services/payments/openapi.yaml", OPENAPI);
    cx.write("services/orders/events.asyncapi.yaml", ASYNCAPI);
    cx.write("contracts/customer.json", JSON_SCHEMA);
    cx.write("contracts/payment-settled.avsc", AVRO);
    cx.write("proto/acme/inventory/v1/inventory.proto", PROTO_SERVICE);
    cx.write("proto/acme/common/v1/money.proto", PROTO_SHARED);
    // Not schemas: configuration, data, a list, Swagger 2 (refused, said).
    cx.write(".github/workflows/ci.yml", "on: push\njobs: {}\n");
    cx.write("deploy/values.yaml", "replicas: 3\nimage: {tag: latest}\n");
    cx.write(
        "package.json",
        "{\"name\": \"web\", \"version\": \"1.0.0\"}\n",
    );
    cx.write("fixtures/list.yaml", "- a\n- b\n");
    cx.write(
        "legacy/swagger.yaml",
        "swagger: '2.0'\ninfo: {title: Old, version: '1'}\n",
    );
    // Other people's schemas and build output: never proposed.
    cx.write("node_modules/lib/openapi.yaml", OPENAPI);
    cx.write("target/gen/openapi.yaml", OPENAPI);
    cx.write("generated/openapi.yaml", OPENAPI);
    cx.write(".gitignore", "generated/\n");
    git(cx.path(), &["init", "-q"]);
}

fn run(cx: &TestContext, args: &[&str]) -> (i32, String) {
    let out = cx.run(args);
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.code().unwrap_or(-1), text)
}

fn read(cx: &TestContext, rel: &str) -> String {
    std::fs::read_to_string(cx.path().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

#[test]
fn a_github_monorepo_becomes_a_workspace_that_validates() {
    let cx = TestContext::new();
    monorepo(&cx);
    cx.write(
        ".github/CODEOWNERS",
        "\
# Everything, unless a later rule says otherwise.
* @acme/platform
/services/payments/ @acme/payments @jane
*.proto @octocat
contracts/*.avsc jane.doe@example.com
",
    );
    let (code, out) = run(&cx, &["init", "--discover", ".", "--name", "Acme"]);
    assert_eq!(code, 0, "{out}");
    insta::assert_snapshot!("discover_github_output", out);
    let doc =
        std::fs::read_to_string(common::repo_root().join("docs/adoption.md")).unwrap_or_default();
    assert!(
        doc.contains(&format!("$ treaty init --discover .\n{out}```")),
        "docs/adoption.md does not show this run's output as it is"
    );
    insta::assert_snapshot!(
        "discover_github_payments",
        read(&cx, "interfaces/payments-api.yaml")
    );
    insta::assert_snapshot!(
        "discover_github_inventory",
        read(&cx, "interfaces/acme-inventory-v1.yaml")
    );
    insta::assert_snapshot!("discover_github_person", read(&cx, "teams/jane-doe.yaml"));
    let ws = read(&cx, "treaty.yaml");
    assert!(
        ws.contains("id: acme") && ws.contains("steering_group: [payments]"),
        "{ws}"
    );

    // It validates (the teams' escalation paths are open questions:
    // warnings, not errors).
    let (code, out) = run(&cx, &["validate", "."]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("0 errors"), "{out}");

    // And `treaty check` reads it: committed, then a breaking change,
    // which breaks no one until the consumers are filled in.
    git(cx.path(), &["add", "-A"]);
    git(cx.path(), &["commit", "-q", "-m", "discovered"]);
    let (code, out) = run(&cx, &["check", "."]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("5 interfaces against HEAD: 0 failed, 0 errors"),
        "{out}"
    );
    cx.write(
        "services/payments/openapi.yaml",
        OPENAPI.replace("/payments:", "/payouts:"),
    );
    let (code, out) = run(&cx, &["check", "."]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("breaking operation-removed"), "{out}");

    // A second run refuses, and changes nothing.
    let before = read(&cx, "interfaces/payments-api.yaml");
    cx.write("services/new/openapi.yaml", OPENAPI);
    let (code, out) = run(&cx, &["init", "--discover", "."]);
    assert_eq!(code, 2, "{out}");
    assert!(
        out.contains("already holds a treaty.yaml; nothing was written"),
        "{out}"
    );
    assert_eq!(read(&cx, "interfaces/payments-api.yaml"), before);
    assert!(!cx.path().join("interfaces/payments-api-2.yaml").exists());
}

#[test]
fn gitlab_sections_name_the_producers_and_unowned_schemas_get_a_placeholder() {
    let cx = TestContext::new();
    monorepo(&cx);
    cx.write(
        ".gitlab/CODEOWNERS",
        "\
[Contracts][2] @acme/data
contracts/
^[Services] @acme/backend
/services/orders/ @acme/group/orders
/services/payments/
",
    );
    let (code, out) = run(&cx, &["init", "--discover"]);
    assert_eq!(code, 0, "{out}");
    insta::assert_snapshot!("discover_gitlab_output", out);
    let unowned = read(&cx, "interfaces/acme-inventory-v1.yaml");
    assert!(unowned.contains("producer: unowned"), "{unowned}");
    assert!(
        unowned.contains("no CODEOWNERS rule owns this schema"),
        "{unowned}"
    );
    assert!(read(&cx, "teams/unowned.yaml").contains("A placeholder"));
    let (code, out) = run(&cx, &["validate"]);
    assert_eq!(code, 0, "{out}");
}

#[test]
fn ids_from_titles_are_made_unique() {
    let cx = TestContext::new();
    cx.write("a/openapi.yaml", OPENAPI);
    cx.write("b/openapi.yaml", OPENAPI);
    cx.write("c/openapi.json", r#"{"openapi": "3.0.3", "info": {"title": "Ünïcode — Ωmega!", "version": "1"}, "paths": {}}"#);
    let (code, out) = run(&cx, &["init", "--discover"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        cx.path().join("interfaces/payments-api.yaml").is_file(),
        "{out}"
    );
    assert!(
        cx.path().join("interfaces/payments-api-2.yaml").is_file(),
        "{out}"
    );
    assert!(
        cx.path().join("interfaces/n-code-mega.yaml").is_file(),
        "{out}"
    );
    let (code, out) = run(&cx, &["validate"]);
    assert_eq!(code, 0, "{out}");
}

#[test]
fn nothing_to_discover_writes_nothing() {
    let cx = TestContext::new();
    cx.write("deploy/values.yaml", "replicas: 3\n");
    cx.write("README.md", "# hello\n");
    let (code, out) = run(&cx, &["init", "--discover", "."]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("no schema files under ."), "{out}");
    assert!(!cx.path().join("treaty.yaml").exists());
    assert!(!cx.path().join(".treaty").exists());

    let (code, out) = run(&cx, &["init", "--discover", "no-such-dir"]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("no-such-dir"), "{out}");
}
