//! `treaty check --base REF` on a real git repository: the old schema is
//! read from the commit, each breaking change is attributed to the
//! consumers that use what changed, and only those fail the check.

mod common;

use common::git_repo::{check, check_as, commit_all, edit, git, interface, repo};

#[test]
fn an_unchanged_workspace_passes() {
    let (_dir, ws) = repo();
    let (out, r) = check(&ws, "HEAD");
    assert_eq!(out.status.code(), Some(0), "{r}");
    assert_eq!(interface(&r, "payments-api")["status"], "pass");
    assert_eq!(interface(&r, "inventory-service")["status"], "pass");
    assert_eq!(interface(&r, "payment-settled")["status"], "pass");
    assert_eq!(interface(&r, "order-events")["status"], "pass");
}

#[test]
fn a_breaking_change_names_the_consumers_it_breaks() {
    let (_dir, ws) = repo();
    edit(
        &ws,
        "schemas/payments-api.openapi.yaml",
        "enum: [EUR, USD, GBP, SEK, CHF]",
        "enum: [EUR, USD, GBP]",
    );
    let (out, r) = check(&ws, "HEAD");
    assert_eq!(out.status.code(), Some(1), "{r}");
    let payments = interface(&r, "payments-api");
    assert_eq!(payments["status"], "fail");
    let change = &payments["changes"][0];
    assert_eq!(change["rule"], "enum-value-removed");
    assert_eq!(
        change["affects"],
        serde_json::json!(["checkout", "fulfillment"])
    );
}

#[test]
fn a_breaking_change_nobody_uses_is_reported_but_passes() {
    let (_dir, ws) = repo();
    // Only `GET /payments` (listPayments) takes `limit`; no consumer uses it.
    edit(
        &ws,
        "schemas/payments-api.openapi.yaml",
        "maximum: 100",
        "maximum: 50",
    );
    let (out, r) = check(&ws, "HEAD");
    assert_eq!(out.status.code(), Some(0), "{r}");
    let payments = interface(&r, "payments-api");
    assert_eq!(payments["status"], "pass");
    assert_eq!(payments["changes"][0]["level"], "breaking");
    assert_eq!(payments["changes"][0]["affects"], serde_json::json!([]));
}

#[test]
fn a_linked_worktree_named_by_a_relative_path_is_checked() {
    // `git worktree add` checkouts: gix gave their working directory as an
    // empty path when discovered from a relative one, and check failed with
    // "error: : No such file or directory".
    let (dir, _ws) = repo();
    let linked = dir.path().join("linked");
    git(dir.path(), &["worktree", "add", "-q", "linked", "HEAD"]);
    edit(
        &linked.join("acme"),
        "schemas/payments-api.openapi.yaml",
        "enum: [EUR, USD, GBP, SEK, CHF]",
        "enum: [EUR, USD, GBP]",
    );
    let out = common::treaty()
        .current_dir(&linked)
        .args(["check", "acme", "--base", "HEAD", "--format", "json"])
        .output()
        .unwrap_or_else(|e| panic!("cannot run treaty: {e}"));
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{r} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(interface(&r, "payments-api")["status"], "fail");
}

#[test]
fn an_unknown_base_is_a_usage_error() {
    let (_dir, ws) = repo();
    let (out, _) = check(&ws, "no-such-branch");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot resolve `no-such-branch`"));
}

#[test]
fn a_transitive_policy_holds_against_every_earlier_version() {
    let (dir, ws) = repo();
    // A commit that drops CHF: against HEAD the working tree is unchanged,
    // but payments-api is backward_transitive and the first version still
    // accepted CHF, so the check fails for the teams that use currencies.
    edit(
        &ws,
        "schemas/payments-api.openapi.yaml",
        "enum: [EUR, USD, GBP, SEK, CHF]",
        "enum: [EUR, USD, GBP, SEK]",
    );
    commit_all(dir.path(), "Drop CHF");
    let (out, r) = check(&ws, "HEAD");
    let payments = interface(&r, "payments-api");
    assert_eq!(payments["policy"], "backward_transitive");
    assert_eq!(out.status.code(), Some(1), "{r}");
    assert_eq!(payments["status"], "fail");
    assert_eq!(payments["changes"][0]["rule"], "enum-value-removed");
    // The same history on a plain `backward` interface passes: only the
    // base revision counts.
    edit(
        &ws,
        "interfaces/payments-api.yaml",
        "compatibility: backward_transitive",
        "compatibility: backward",
    );
    let (out, r) = check(&ws, "HEAD");
    assert_eq!(out.status.code(), Some(0), "{r}");
}

#[test]
fn changelog_groups_the_history_by_version() {
    let (dir, ws) = repo();
    edit(
        &ws,
        "schemas/payments-api.openapi.yaml",
        "version: 1.4.0",
        "version: 1.5.0",
    );
    edit(
        &ws,
        "schemas/payments-api.openapi.yaml",
        "enum: [EUR, USD, GBP, SEK, CHF]",
        "enum: [EUR, USD, GBP, SEK, CHF, NOK]",
    );
    commit_all(dir.path(), "Accept NOK");
    edit(
        &ws,
        "schemas/payments-api.openapi.yaml",
        "version: 1.5.0",
        "version: 2.0.0",
    );
    edit(
        &ws,
        "schemas/payments-api.openapi.yaml",
        "maximum: 100",
        "maximum: 50",
    );
    commit_all(dir.path(), "Smaller pages");
    let out = common::treaty()
        .current_dir(&ws)
        .args(["changelog", "payments-api", "--format", "json"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let c: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    let versions: Vec<&str> = c["versions"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v["version"].as_str())
        .collect();
    assert_eq!(versions, ["2.0.0", "1.5.0", "1.4.0"]);
    assert_eq!(c["versions"][0]["changes"][0]["rule"], "maximum-decreased");
    assert_eq!(c["versions"][0]["changes"][0]["level"], "breaking");
    assert_eq!(
        c["versions"][2]["changes"].as_array().map(Vec::len),
        Some(0)
    );
    let md = common::treaty()
        .current_dir(&ws)
        .args(["changelog", "payments-api", "--from", "HEAD~1"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let md = String::from_utf8_lossy(&md.stdout);
    assert!(md.contains("## 2.0.0") && !md.contains("## 1.5.0"), "{md}");
    assert!(md.contains("### Breaking"), "{md}");
}

#[test]
fn the_transitive_flag_applies_to_every_interface() {
    let (dir, ws) = repo();
    edit(
        &ws,
        "interfaces/payments-api.yaml",
        "compatibility: backward_transitive",
        "compatibility: backward",
    );
    git(dir.path(), &["commit", "-q", "-a", "-m", "plain backward"]);
    edit(
        &ws,
        "schemas/payments-api.openapi.yaml",
        "enum: [EUR, USD, GBP, SEK, CHF]",
        "enum: [EUR, USD, GBP, SEK]",
    );
    commit_all(dir.path(), "Drop CHF");
    let (out, _) = check(&ws, "HEAD");
    assert_eq!(out.status.code(), Some(0));
    let out = common::treaty()
        .current_dir(&ws)
        .args(["check", "--base", "HEAD", "--transitive"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("payments-api (openapi, backward_transitive): FAIL"),
        "{text}"
    );
}

#[test]
fn a_protobuf_change_breaks_only_the_teams_whose_methods_reach_it() {
    let (_dir, ws) = repo();
    // `warehouse_ids` (2) of GetStockRequest is renamed: the JSON name
    // changes, which breaks WIRE_JSON, the default category. Only
    // GetStock's request reaches it: catalog uses GetStock, checkout not.
    edit(
        &ws,
        "schemas/proto/acme/inventory/v1/inventory.proto",
        "  repeated string warehouse_ids = 2;\n}\n\nmessage GetStockResponse",
        "  repeated string warehouses = 2;\n}\n\nmessage GetStockResponse",
    );
    let (out, r) = check(&ws, "HEAD");
    assert_eq!(out.status.code(), Some(1), "{r}");
    let inventory = interface(&r, "inventory-service");
    assert_eq!(inventory["status"], "fail");
    let change = &inventory["changes"][0];
    assert_eq!(change["rule"], "proto-field-name-changed");
    assert_eq!(change["affects"], serde_json::json!(["catalog"]));
    assert_eq!(
        change["operations"],
        serde_json::json!(["InventoryService.GetStock"])
    );
    // Under the `wire` category the binary encoding is all that counts.
    edit(
        &ws,
        "interfaces/inventory-service.yaml",
        "kind: protobuf",
        "kind: protobuf\nproto_category: wire",
    );
    let (out, r) = check(&ws, "HEAD");
    assert_eq!(out.status.code(), Some(0), "{r}");
}

#[test]
fn changelog_covers_protobuf_interfaces() {
    let (dir, ws) = repo();
    edit(
        &ws,
        "schemas/proto/acme/inventory/v1/inventory.proto",
        "  repeated string warehouse_ids = 2;\n}\n\nmessage GetStockResponse",
        "  repeated string warehouses = 2;\n}\n\nmessage GetStockResponse",
    );
    commit_all(dir.path(), "Rename warehouse_ids");
    let out = common::treaty()
        .current_dir(&ws)
        .args(["changelog", "inventory-service", "--format", "json"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let c: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    assert_eq!(c["versions"].as_array().map(Vec::len), Some(2), "{c}");
    assert_eq!(
        c["versions"][0]["changes"][0]["rule"],
        "proto-field-name-changed"
    );
}

#[test]
fn removing_an_interface_its_consumers_use_fails_and_names_them() {
    let (_dir, ws) = repo();
    // customer-profile's interface file and schema deleted: checkout used it.
    for file in [
        "interfaces/customer-profile.yaml",
        "schemas/customer-profile.schema.json",
    ] {
        std::fs::remove_file(ws.join(file)).unwrap_or_else(|e| panic!("{e}"));
    }
    let (out, r) = check(&ws, "HEAD");
    assert_eq!(out.status.code(), Some(1), "{r}");
    let gone = interface(&r, "customer-profile");
    assert_eq!(gone["status"], "removed", "{r}");
    assert_eq!(gone["consumers"], serde_json::json!(["checkout"]));
    assert_eq!(r["summary"]["failed"], 1, "{r}");
    let text = check_as(&ws, "HEAD", "text");
    assert!(
        text.contains("customer-profile (jsonschema, backward_transitive): REMOVED (removed since HEAD: breaks checkout)"),
        "{text}"
    );
    let markdown = check_as(&ws, "HEAD", "markdown");
    assert!(
        markdown.contains(
            "| `customer-profile` | jsonschema | backward_transitive | removed | 0 | checkout |"
        ),
        "{markdown}"
    );
    assert!(
        markdown.contains("`customer-profile`: removed since HEAD: breaks checkout"),
        "{markdown}"
    );
    assert!(markdown.contains("❌"), "{markdown}");
}

#[test]
fn removing_an_interface_nobody_consumes_is_reported_and_passes() {
    let (dir, ws) = repo();
    std::fs::write(
        ws.join("interfaces/customer-profile.yaml"),
        "id: customer-profile\nkind: jsonschema\nschema: schemas/customer-profile.schema.json\nproducer: identity\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    commit_all(dir.path(), "customer-profile has no consumers");
    std::fs::remove_file(ws.join("interfaces/customer-profile.yaml"))
        .unwrap_or_else(|e| panic!("{e}"));
    let (out, r) = check(&ws, "HEAD");
    assert_eq!(out.status.code(), Some(0), "{r}");
    let gone = interface(&r, "customer-profile");
    assert_eq!(gone["status"], "removed", "{r}");
    assert_eq!(gone["consumers"], serde_json::json!([]));
    assert_eq!(
        gone["message"],
        "removed since HEAD, where it had no consumers"
    );
}

#[test]
fn a_moved_schema_is_compared_with_its_old_path() {
    let (_dir, ws) = repo();
    // The schema moves and, in the same change, drops a currency checkout
    // and fulfillment use.
    std::fs::rename(
        ws.join("schemas/payments-api.openapi.yaml"),
        ws.join("schemas/payments.openapi.yaml"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    edit(
        &ws,
        "interfaces/payments-api.yaml",
        "schema: schemas/payments-api.openapi.yaml",
        "schema: schemas/payments.openapi.yaml",
    );
    edit(
        &ws,
        "schemas/payments.openapi.yaml",
        "enum: [EUR, USD, GBP, SEK, CHF]",
        "enum: [EUR, USD, GBP]",
    );
    let (out, r) = check(&ws, "HEAD");
    assert_eq!(out.status.code(), Some(1), "{r}");
    let payments = interface(&r, "payments-api");
    assert_eq!(payments["status"], "fail", "{r}");
    assert_eq!(payments["base_schema"], "schemas/payments-api.openapi.yaml");
    assert_eq!(payments["changes"][0]["rule"], "enum-value-removed");
    assert_eq!(
        payments["changes"][0]["affects"],
        serde_json::json!(["checkout", "fulfillment"])
    );
    // Moved with no other change: nothing to report, and not `new`.
    edit(
        &ws,
        "schemas/payments.openapi.yaml",
        "enum: [EUR, USD, GBP]",
        "enum: [EUR, USD, GBP, SEK, CHF]",
    );
    let (out, r) = check(&ws, "HEAD");
    assert_eq!(out.status.code(), Some(0), "{r}");
    assert_eq!(interface(&r, "payments-api")["status"], "pass", "{r}");
}

#[test]
fn a_renamed_operation_id_names_the_consumers_that_used_the_old_one() {
    let (_dir, ws) = repo();
    // Structurally nothing changed, but checkout's `uses` names
    // `createPayment`, which no longer resolves.
    edit(
        &ws,
        "schemas/payments-api.openapi.yaml",
        "operationId: createPayment",
        "operationId: submitPayment",
    );
    let (out, r) = check(&ws, "HEAD");
    assert_eq!(out.status.code(), Some(1), "{r}");
    let payments = interface(&r, "payments-api");
    assert_eq!(payments["status"], "fail", "{payments}");
    let gone: Vec<&serde_json::Value> = payments["changes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| c["rule"] == "consumer-use-gone")
        .collect();
    assert_eq!(gone.len(), 1, "{payments}");
    assert_eq!(gone[0]["level"], "breaking");
    assert_eq!(gone[0]["affects"], serde_json::json!(["checkout"]));
    assert_eq!(gone[0]["operations"], serde_json::json!(["createPayment"]));
    assert_eq!(gone[0]["new"]["file"], "interfaces/payments-api.yaml");
    assert!(
        gone[0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("`checkout` uses operation `createPayment`")),
        "{}",
        gone[0]
    );
}

#[test]
fn a_removed_operation_is_reported_once_for_its_consumers() {
    let (_dir, ws) = repo();
    // getPayment goes: `operation-removed` names checkout, and the gone
    // `uses` entry is not reported a second time.
    let path = ws.join("schemas/payments-api.openapi.yaml");
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let start = text
        .find("    get:\n      operationId: getPayment")
        .unwrap_or(0);
    let end = text[start..]
        .find("  /payments/{paymentId}/refunds:")
        .map_or(start, |e| start + e);
    assert!(end > start, "the fixture changed");
    std::fs::write(&path, format!("{}{}", &text[..start], &text[end..]))
        .unwrap_or_else(|e| panic!("{e}"));
    let (out, r) = check(&ws, "HEAD");
    assert_eq!(out.status.code(), Some(1), "{r}");
    let rules: Vec<&str> = interface(&r, "payments-api")["changes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| c["level"] == "breaking")
        .filter_map(|c| c["rule"].as_str())
        .collect();
    assert!(rules.contains(&"operation-removed"), "{rules:?}");
    assert!(!rules.contains(&"consumer-use-gone"), "{rules:?}");
}

/// The text report names commits by their short id: replaced by names so
/// that the snapshot reads (and does not depend on git's object format).
fn named(text: &str, commits: &[(&str, &str)]) -> String {
    let mut out = text.to_owned();
    for (commit, name) in commits {
        out = out.replace(&commit[..10], name);
    }
    out
}

#[test]
fn the_text_report_details_each_finding() {
    let (dir, ws) = repo();
    let first = git(dir.path(), &["rev-parse", "HEAD"]);
    // Committed: CHF dropped (payments-api is backward_transitive, so the
    // first version still counts). In the working tree: SEK dropped too,
    // createPayment renamed, and a new optional field.
    edit(
        &ws,
        "schemas/payments-api.openapi.yaml",
        "enum: [EUR, USD, GBP, SEK, CHF]",
        "enum: [EUR, USD, GBP, SEK]",
    );
    edit(
        &ws,
        "interfaces/payments-api.yaml",
        "current: 1.4.0",
        "current: 1.5.0",
    );
    let second = commit_all(dir.path(), "Drop CHF");
    edit(
        &ws,
        "schemas/payments-api.openapi.yaml",
        "enum: [EUR, USD, GBP, SEK]",
        "enum: [EUR, USD, GBP]",
    );
    edit(
        &ws,
        "schemas/payments-api.openapi.yaml",
        "operationId: createPayment",
        "operationId: submitPayment",
    );
    let text = check_as(&ws, "HEAD", "text");
    let text = named(&text, &[(&first, "<first>"), (&second, "<second>")]);
    insta::assert_snapshot!(text);
}

/// The breaking changes of one interface in a check report, as
/// `(rule, field, affects)`.
fn breaking(r: &serde_json::Value, id: &str) -> Vec<(String, String, serde_json::Value)> {
    interface(r, id)["changes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| c["level"] == "breaking")
        .map(|c| {
            (
                c["rule"].as_str().unwrap_or("").to_owned(),
                c["field"].as_str().unwrap_or("").to_owned(),
                c["affects"].clone(),
            )
        })
        .collect()
}

#[test]
fn a_change_inside_a_nested_avro_record_breaks_the_consumer_of_the_message() {
    let (_dir, ws) = repo();
    // Address is a named record inside ShipmentEvent, which checkout uses.
    edit(
        &ws,
        "schemas/shipment-event.avsc",
        r#"{ "name": "city", "type": "string" }"#,
        r#"{ "name": "city", "type": "int" }"#,
    );
    let (out, r) = check(&ws, "HEAD");
    assert_eq!(out.status.code(), Some(1), "{r}");
    assert_eq!(interface(&r, "shipment-event")["status"], "fail");
    let found = breaking(&r, "shipment-event");
    assert!(
        found
            .iter()
            .any(|(rule, field, affects)| rule == "avro-type-changed"
                && field == "Address.city"
                && *affects == serde_json::json!(["checkout"])),
        "{found:?}"
    );
    // The route names the change from the message down.
    let change = &interface(&r, "shipment-event")["changes"][0];
    assert_eq!(change["path"], "ShipmentEvent.destination.city", "{change}");
}

#[test]
fn a_change_inside_a_json_schema_def_breaks_the_consumer_of_the_field_above_it() {
    let (_dir, ws) = repo();
    // OrderPlaced.lines[] is $defs/OrderLine; fulfillment uses
    // OrderPlaced.lines, payments only orderId, total and currency.
    edit(
        &ws,
        "schemas/order-placed.schema.json",
        r#""quantity": { "type": "integer", "minimum": 1, "maximum": 999 }"#,
        r#""quantity": { "type": "string" }"#,
    );
    let (out, r) = check(&ws, "HEAD");
    assert_eq!(out.status.code(), Some(1), "{r}");
    let found = breaking(&r, "order-placed");
    assert!(!found.is_empty(), "{r}");
    for (_, field, affects) in &found {
        assert!(field.starts_with("OrderLine.quantity"), "{found:?}");
        assert_eq!(*affects, serde_json::json!(["fulfillment"]), "{found:?}");
    }
}

#[test]
fn a_change_inside_a_nested_protobuf_message_breaks_the_consumer_of_the_message_above_it() {
    let (_dir, ws) = repo();
    // Checkout names only messages: ReservationLine is held by
    // ReserveStockRequest.lines, which it uses.
    edit(
        &ws,
        "interfaces/inventory-service.yaml",
        "      operations: [InventoryService.ReserveStock, InventoryService.ReleaseReservation]\n",
        "",
    );
    edit(
        &ws,
        "schemas/proto/acme/inventory/v1/inventory.proto",
        "  int32 quantity = 2;",
        "  string quantity = 2;",
    );
    let (out, r) = check(&ws, "HEAD");
    assert_eq!(out.status.code(), Some(1), "{r}");
    let found = breaking(&r, "inventory-service");
    assert!(
        found
            .iter()
            .any(|(_, field, affects)| field == "ReservationLine.quantity"
                && affects
                    .as_array()
                    .is_some_and(|a| a.contains(&serde_json::json!("checkout")))),
        "{found:?}"
    );
}
