//! `treaty import backstage` and `treaty export backstage` on Backstage's
//! own example catalog (tests/data/backstage/examples, see its
//! PROVENANCE.md) and on a small catalog of Treaty's (shop/): what maps to
//! what, what is listed as not mapped, re-import keeping hand edits, and
//! import → export → import giving the same workspace.

mod common;

use std::path::{Path, PathBuf};

use common::{TestContext, TestResult, run_expecting, treaty};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/backstage")
        .join(name)
}

fn read(dir: &Path, rel: &str) -> String {
    std::fs::read_to_string(dir.join(rel)).unwrap_or_else(|e| format!("<{rel}: {e}>"))
}

/// The files of `sub` under `dir`, by name, with their text.
fn files(dir: &Path, sub: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = std::fs::read_dir(dir.join(sub))
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let text = std::fs::read_to_string(e.path()).unwrap_or_default();
            (name, text)
        })
        .collect();
    out.sort();
    out
}

/// Names a producer for the one interface the shop catalog leaves without
/// (its owner is a User), as the import's report asks.
fn fill_in_reports_producer(ws: &Path) -> TestResult {
    let text = read(ws, "interfaces/reports-api.yaml");
    std::fs::write(
        ws.join("interfaces/reports-api.yaml"),
        text + "producer: payments\n",
    )?;
    Ok(())
}

fn export(ws: &Path, out: &Path) -> TestResult<String> {
    let mut cmd = treaty();
    cmd.args(["export", "backstage", "--dir"])
        .arg(ws)
        .arg("--out")
        .arg(out);
    run_expecting(&mut cmd, 0)
}

fn import(catalog: &Path, out: &Path, code: i32) -> TestResult<String> {
    let mut cmd = treaty();
    cmd.args(["import", "backstage"])
        .arg(catalog)
        .arg("--out")
        .arg(out);
    run_expecting(&mut cmd, code)
}

#[test]
fn the_example_catalog_maps_groups_apis_and_owners() -> TestResult {
    let cx = TestContext::new();
    let out = cx.path().join("ws");
    // Several example APIs keep their definitions at remote URLs and name
    // an owner group that is not in the catalog: the workspace does not
    // validate yet, and the report says what to fill in (exit 1).
    let report = import(&data("examples/catalog-info.yaml"), &out, 1)?;
    let shown = report.replace(&data("").display().to_string(), "<data>/");
    let shown = shown.replace(&out.display().to_string(), "<out>");
    insta::assert_snapshot!("example_import_report", shown);

    let teams: Vec<String> = files(&out, "teams").into_iter().map(|(n, _)| n).collect();
    assert_eq!(
        teams,
        [
            "acme-corp.yaml",
            "backstage.yaml",
            "boxoffice.yaml",
            "infrastructure.yaml",
            "team-a.yaml",
            "team-b.yaml",
            "team-c.yaml",
            "team-d.yaml",
            "team-e.yaml"
        ]
    );
    let team_a = read(&out, "teams/team-a.yaml");
    // Members come from Users' memberOf, across namespaces.
    for member in [
        "breanna.davison",
        "janelle.dawe",
        "nigel.manning",
        "guest",
        "development.guest",
    ] {
        assert!(
            team_a.contains(&format!("- id: {member}\n")),
            "{member}:\n{team_a}"
        );
    }
    assert!(team_a.contains("email: team-a@example.com"), "{team_a}");
    // The producer is the owner of the providing Component.
    for (api, producer) in [
        ("petstore", "team-c"),
        ("streetlights", "team-c"),
        ("hello-world", "team-c"),
        ("wayback-archive", "team-a"),
        ("wayback-search", "team-a"),
        ("petstore-webhook", "team-c"),
    ] {
        let text = read(&out, &format!("interfaces/{api}.yaml"));
        assert!(
            text.contains(&format!("producer: {producer}\n")),
            "{api}:\n{text}"
        );
    }
    assert!(read(&out, "interfaces/hello-world.yaml").contains("kind: protobuf"));
    assert!(read(&out, "interfaces/streetlights.yaml").contains("kind: asyncapi"));
    // A local $text is copied; a remote one is not fetched.
    assert!(read(&out, "schemas/petstore-webhook.openapi.yaml").contains("webhooks:"));
    assert!(!out.join("schemas/wayback-archive.openapi.yaml").exists());
    // tRPC has no Treaty kind: reported, not written.
    assert!(!out.join("interfaces/hello-world-trpc.yaml").exists());
    assert!(
        report.contains(
            "api:default/hello-world-trpc: spec.type `trpc` has no Treaty interface kind"
        )
    );
    // Each thing not mapped is listed with its entity and the reason.
    for line in [
        "system:default/podcast: kind System has no Treaty counterpart",
        "domain:default/audio: kind Domain has no Treaty counterpart",
        "resource:default/artists-db: kind Resource has no Treaty counterpart",
        "location:default/acme-corp: target https://github.com/spotify/backstage/blob/master/packages/catalog-model/examples/acme/org.yaml is remote",
        "component:default/searcher: provides and consumes no API",
        "component:default/wayback-search: consumes api:default/wayback-archive, which its own team `team-a` produces",
        "api:default/analytics: no producer: no Component provides it, and its owner group:default/inpixon is not in the catalog",
        "api:default/wayback-archive: definition not read: `$text: https://github.com/APIs-guru",
        "Group spec.parent: group:default/backstage",
    ] {
        assert!(report.contains(line), "{line}\n{report}");
    }
    assert!(
        report.contains("all-ai-resources.yaml not read: file not found"),
        "{report}"
    );
    Ok(())
}

#[test]
fn consumers_namespaces_and_substitutions() -> TestResult {
    let cx = TestContext::new();
    let out = cx.path().join("ws");
    let report = import(&data("shop/catalog-info.yaml"), &out, 1)?;
    let api = read(&out, "interfaces/payments-api.yaml");
    assert!(
        api.contains("producer: payments\nconsumers:\n- team: checkout\n- team: ops.payments\n"),
        "{api}"
    );
    assert!(read(&out, "interfaces/payment-events.yaml").contains("- team: checkout"));
    assert!(read(&out, "schemas/reports-api.openapi.json").contains("\"openapi\": \"3.1.0\""));
    assert!(read(&out, "schemas/ledger.proto").contains("service Ledger"));
    assert!(read(&out, "teams/checkout.yaml").contains("name: Checkout\nmembers:\n- id: bo\n"));
    assert!(
        read(&out, "teams/payments.yaml")
            .contains("- id: ana\n  name: Ana Lima\n  email: ana@example.com")
    );
    assert!(read(&out, "teams/ops.payments.yaml").contains("- id: ops.cy"));
    // An owner that is a User is not a team: the report says what to do.
    assert!(
        report.contains(
            "interfaces/reports-api.yaml: `producer`, the team that owns api:default/reports-api"
        ),
        "{report}"
    );
    assert!(
        report.contains("api:default/search: spec.type `graphql`"),
        "{report}"
    );
    // Filling it in makes the workspace valid.
    fill_in_reports_producer(&out)?;
    let mut cmd = treaty();
    cmd.arg("validate").arg(&out);
    run_expecting(&mut cmd, 0)?;
    Ok(())
}

#[test]
fn reimport_keeps_hand_edits_and_applies_catalog_changes() -> TestResult {
    let cx = TestContext::new();
    let catalog_dir = cx.path().join("catalog");
    common::copy_dir(&data("shop"), &catalog_dir)?;
    let catalog = catalog_dir.join("catalog-info.yaml");
    let out = cx.path().join("ws");
    import(&catalog, &out, 1)?;

    // Hand edits: a policy, a narrowing, a consumer, an escalation, a name.
    let api = out.join("interfaces/payments-api.yaml");
    let text = read(&out, "interfaces/payments-api.yaml").replace(
        "- team: checkout\n",
        "- team: checkout\n  uses:\n    operations: [getPayment]\n",
    ) + "compatibility: full\n";
    std::fs::write(
        &api,
        text.replace("consumers:\n", "consumers:\n- team: payments-by-hand\n"),
    )?;
    let team = out.join("teams/checkout.yaml");
    std::fs::write(
        &team,
        read(&out, "teams/checkout.yaml").replace("name: Checkout", "name: Checkout squad")
            + "escalation:\n- to: bo\n  after: 0m\n",
    )?;

    // Catalog changes: ops stops consuming payments-api, bo leaves
    // checkout and Dee joins, the checkout group gets a new title, the
    // ledger API is renamed.
    let changed = read(&catalog_dir, "catalog-info.yaml")
        .replace(
            "  consumesApis: [default/payments-api]\n",
            "  consumesApis: []\n",
        )
        .replace("  memberOf: [checkout]\n", "  memberOf: []\n")
        .replace("  title: Checkout\n", "  title: Checkout team\n")
        .replace("  name: ledger\n", "  name: ledger-v2\n")
        .replace(", ledger]", ", ledger-v2]")
        + "---\napiVersion: backstage.io/v1alpha1\nkind: User\nmetadata:\n  name: dee\nspec:\n  memberOf: [checkout]\n";
    std::fs::write(&catalog, changed)?;
    let report = import(&catalog, &out, 1)?;

    let api = read(&out, "interfaces/payments-api.yaml");
    assert!(api.contains("compatibility: full"), "{api}");
    assert!(
        api.contains("- team: checkout\n  uses:\n    operations:\n    - getPayment\n"),
        "{api}"
    );
    assert!(api.contains("- team: payments-by-hand"), "{api}");
    assert!(!api.contains("ops.payments"), "{api}");
    let team = read(&out, "teams/checkout.yaml");
    assert!(team.contains("name: Checkout squad"), "{team}");
    assert!(team.contains("- id: dee"), "{team}");
    assert!(!team.contains("- id: bo"), "{team}");
    assert!(team.contains("escalation:\n- to: bo"), "{team}");
    // The report shows each change as a diff, and the hand edit that won.
    assert!(
        report.contains("--- a/interfaces/payments-api.yaml"),
        "{report}"
    );
    assert!(report.contains("--- a/teams/checkout.yaml"), "{report}");
    assert!(report.contains("-- team: ops.payments"), "{report}");
    assert!(
        report.contains(
            "kept the hand-edited `name` (\"Checkout squad\"); the catalog says \"Checkout team\""
        ),
        "{report}"
    );

    // What is gone from the catalog is reported; its file stays.
    assert!(report.contains("interfaces/ledger.yaml: api:default/ledger is no longer in the catalog; the file is left as it is"), "{report}");
    assert!(out.join("interfaces/ledger.yaml").exists());
    assert!(read(&out, "interfaces/ledger-v2.yaml").contains("producer: payments"));

    // Once more without changes: nothing to do, and a comment added to an
    // imported file stays.
    let commented = format!("# Owned by the checkout squad.\n{team}");
    std::fs::write(out.join("teams/checkout.yaml"), &commented)?;
    let again = import(&catalog, &out, 1)?;
    assert!(
        again.contains("the workspace already matches the catalog"),
        "{again}"
    );
    assert_eq!(read(&out, "teams/checkout.yaml"), commented);
    Ok(())
}

#[test]
fn dry_run_shows_and_writes_nothing() -> TestResult {
    let cx = TestContext::new();
    let out = cx.path().join("ws");
    let mut cmd = treaty();
    cmd.args(["import", "backstage"])
        .arg(data("shop/catalog-info.yaml"))
        .arg("--out")
        .arg(&out)
        .arg("--dry-run");
    let report = run_expecting(&mut cmd, 0)?;
    assert!(
        report.contains("created interfaces/payments-api.yaml"),
        "{report}"
    );
    assert!(report.contains("dry run: nothing written"), "{report}");
    assert!(!out.exists());
    Ok(())
}

#[test]
fn import_export_import_is_stable() -> TestResult {
    for catalog in ["examples/catalog-info.yaml", "shop/catalog-info.yaml"] {
        let cx = TestContext::new();
        let first = cx.path().join("first");
        let exported = cx.path().join("exported");
        let second = cx.path().join("second");
        import(&data(catalog), &first, 1)?;
        export(&first, &exported)?;
        import(&exported.join("catalog-info.yaml"), &second, 1)?;
        for sub in ["teams", "interfaces", "schemas"] {
            assert_eq!(files(&first, sub), files(&second, sub), "{catalog}: {sub}/");
        }
    }
    Ok(())
}

#[test]
fn export_links_each_entity_to_its_treaty_file() -> TestResult {
    let cx = TestContext::new();
    let ws = cx.path().join("ws");
    import(&data("shop/catalog-info.yaml"), &ws, 1)?;
    fill_in_reports_producer(&ws)?;
    export(&ws, &ws.join("backstage"))?;
    insta::assert_snapshot!("shop_export", read(&ws, "backstage/catalog-info.yaml"));
    Ok(())
}

#[test]
fn a_malformed_catalog_names_file_line_and_field_and_writes_nothing() -> TestResult {
    let cx = TestContext::new();
    let cases = [
        (
            "no-name.yaml",
            "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  title: x\n",
            ["no-name.yaml:4:3]", "`metadata.name`: missing"],
        ),
        (
            "bad-list.yaml",
            "apiVersion: v1\nkind: Component\nmetadata:\n  name: c\nspec:\n  owner: a\n---\napiVersion: v1\nkind: Component\nmetadata:\n  name: d\nspec:\n  providesApis: api-a\n",
            [
                "bad-list.yaml:13:17]",
                "`spec.providesApis`: expected a list",
            ],
        ),
        (
            "syntax.yaml",
            "kind: API\nmetadata: [\n",
            ["syntax.yaml:3:1]", "invalid YAML"],
        ),
    ];
    for (name, text, expected) in cases {
        cx.write(name, text);
        let out = cx.path().join("ws");
        let report = import(&cx.path().join(name), &out, 2)?;
        for part in expected {
            assert!(report.contains(part), "{name}: {report}");
        }
        assert!(report.contains("nothing written"), "{name}: {report}");
        assert!(!out.exists(), "{name}");
    }
    Ok(())
}

#[test]
fn what_does_not_map_is_listed_with_the_entity_and_the_reason() -> TestResult {
    let cx = TestContext::new();
    let out = cx.path().join("ws");
    let report = import(&data("conflicts/catalog-info.yaml"), &out, 1)?;
    let shown = report.replace(&data("").display().to_string(), "<data>/");
    let shown = shown.replace(&out.display().to_string(), "<out>");
    insta::assert_snapshot!("conflicts_import_report", shown);
    // The first definition of a reference wins; the first claim of an id.
    assert!(read(&out, "teams/team-x.yaml").contains("name: team-x"));
    assert!(!read(&out, "interfaces/shared.yaml").contains("producer"));
    Ok(())
}

/// The producer and the consumer teams of each interface file in `ws`.
fn owners(ws: &Path) -> TestResult<Vec<(String, String, Vec<String>)>> {
    let mut out = Vec::new();
    for (name, text) in files(ws, "interfaces") {
        let node = treaty_syntax::parse(
            &text,
            treaty_syntax::SourceId(0),
            &treaty_syntax::Limits::CONTRACT_FILE,
        )
        .map_err(|e| format!("{name}: {}", e.message))?;
        let value = treaty_pact::to_json(&node);
        let producer = value["producer"].as_str().unwrap_or_default().to_owned();
        let mut consumers: Vec<String> = value["consumers"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|c| c["team"].as_str().map(str::to_owned))
            .collect();
        consumers.sort();
        out.push((name, producer, consumers));
    }
    Ok(out)
}

#[test]
fn the_example_workspace_goes_to_backstage_and_back_with_its_owners() -> TestResult {
    let cx = TestContext::new();
    let exported = cx.path().join("backstage");
    let report = export(&common::acme(), &exported)?;
    // The protobuf interface imports other files: Backstage gets its entry.
    assert!(
        report.contains(
            "interface `inventory-service`: its schema imports files through include_paths"
        ),
        "{report}"
    );
    let catalog = read(&exported, "catalog-info.yaml");
    assert!(
        catalog.contains("treaty.dev/source: interfaces/payments-api.yaml"),
        "{catalog}"
    );
    assert!(
        catalog.contains("treaty.dev/source: teams/payments.yaml"),
        "{catalog}"
    );
    let back = cx.path().join("back");
    let report = import(&exported.join("catalog-info.yaml"), &back, 0)?;
    assert!(report.contains("the workspace validates"), "{report}");
    let before = owners(&common::acme())?;
    assert_eq!(before.len(), 10);
    assert_eq!(before, owners(&back)?);
    Ok(())
}

#[test]
fn export_lists_what_backstage_cannot_name() -> TestResult {
    let cx = TestContext::new();
    cx.write(
        "treaty.yaml",
        "version: 1\norganization: {id: o, name: O}\nteams:\n  - id: inline\n    name: Inline\n",
    );
    cx.write("teams/a--b.yaml", "id: a--b\nname: Doubled\n");
    cx.write(
        "teams/d.yaml",
        "id: d\nname: D\nmembers:\n  - {id: kim, name: Kim}\n",
    );
    cx.write(
        "teams/c.yaml",
        "id: c\nname: C\nmembers:\n  - {id: kim, name: Kim Other}\n",
    );
    cx.write("schemas/s.json", "{\"type\": \"object\"}\n");
    cx.write(
        "interfaces/s.yaml",
        "id: s\nkind: jsonschema\nschema: schemas/s.json\nproducer: c\nconsumers:\n  - team: inline\n",
    );
    let out = cx.run(&["export", "backstage", "--out", "bs"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("team `a--b`: not a valid Backstage name"),
        "{stdout}"
    );
    assert!(
        stdout.contains("member `kim` of team `d`: another team gives"),
        "{stdout}"
    );
    let catalog = read(cx.path(), "bs/catalog-info.yaml");
    assert!(
        catalog.contains("treaty.dev/source: treaty.yaml"),
        "{catalog}"
    );
    assert!(
        catalog.contains("\"$text\": \"../schemas/s.json\""),
        "{catalog}"
    );
    assert!(!catalog.contains("a--b"), "{catalog}");
    Ok(())
}

#[test]
fn a_first_import_into_a_hand_written_workspace_keeps_what_is_there() -> TestResult {
    let cx = TestContext::new();
    cx.write(
        "ws/teams/payments.yaml",
        "id: payments\nname: Pay\nmembers:\n  - id: zoe\n    name: Zoe\nescalation:\n  - to: zoe\n    after: 1h\n",
    );
    let out = cx.path().join("ws");
    let report = import(&data("shop/catalog-info.yaml"), &out, 1)?;
    let team = read(&out, "teams/payments.yaml");
    assert!(team.contains("name: Pay\n"), "{team}");
    assert!(
        team.contains("- id: zoe\n  name: Zoe\n- id: ana\n"),
        "{team}"
    );
    assert!(
        team.contains("escalation:\n- to: zoe\n  after: 1h\n"),
        "{team}"
    );
    assert!(
        team.contains("contacts:\n  email: payments@example.com"),
        "{team}"
    );
    assert!(
        report.contains("teams/payments.yaml: kept the hand-edited `name` (\"Pay\"); the catalog says \"Payments\""),
        "{report}"
    );
    assert!(report.contains("--- a/teams/payments.yaml"), "{report}");
    Ok(())
}

#[test]
fn locations_are_bounded() -> TestResult {
    let cx = TestContext::new();
    let targets: String = (0..100_001)
        .map(|i| format!("    - ./t{i}.yaml\n"))
        .collect();
    cx.write(
        "root.yaml",
        format!("apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: many\nspec:\n  targets:\n{targets}"),
    );
    let out = cx.path().join("ws");
    let report = import(&cx.path().join("root.yaml"), &out, 2)?;
    assert!(
        report.contains("Locations name more than 100000 targets"),
        "{report}"
    );
    assert!(!out.exists());
    Ok(())
}

#[test]
fn a_reader_that_stops_early_is_not_a_panic() -> TestResult {
    // `treaty import backstage ... | head -1`: the pipe is closed while
    // treaty still writes. Here it is closed before the first line, so
    // that every write meets it; none may panic (exit 101).
    let cx = TestContext::new();
    let mut child = treaty()
        .args(["import", "backstage"])
        .arg(data("examples/catalog-info.yaml"))
        .arg("--out")
        .arg(cx.path().join("ws"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()?;
    drop(child.stdout.take());
    let status = child.wait()?;
    assert_eq!(
        status.code(),
        Some(1),
        "the import's own exit code, not a panic"
    );
    Ok(())
}
