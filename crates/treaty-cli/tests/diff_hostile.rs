//! Hostile and broken schemas given to `treaty diff`: a clear message,
//! exit code 2, no panic, and no hang (the time bound only catches a
//! hang; speed is measured in `bench/`).

mod common;

use common::TestContext;

use std::path::Path;
use std::process::Output;
use std::time::{Duration, Instant};

fn diff(dir: &Path, old: &str, new: &str) -> Output {
    let start = Instant::now();
    let out = common::treaty()
        .current_dir(dir)
        .args(["diff", old, new])
        .output()
        .unwrap_or_else(|e| panic!("cannot run treaty: {e}"));
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "took {:?}",
        start.elapsed()
    );
    out
}

fn assert_rejected(out: &Output, needle: &str) {
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    let text = text.replace("\n  │ ", " ");
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(!text.contains("panicked"), "{text}");
    assert!(text.contains(needle), "expected `{needle}` in:\n{text}");
}

const HEAD: &str = "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {$ref: '#/components/schemas/A'}\n";

#[test]
fn a_cycle_of_references_without_a_schema() {
    let dir = TestContext::new();
    dir.write("s.yaml",
        format!(
            "{HEAD}components:\n  schemas:\n    A: {{$ref: '#/components/schemas/B'}}\n    B: {{$ref: '#/components/schemas/A'}}\n"
        ),
    );
    assert_rejected(&diff(dir.path(), "s.yaml", "s.yaml"), "cycle of references");
}

#[test]
fn a_dangling_reference() {
    let dir = TestContext::new();
    dir.write(
        "s.yaml",
        format!("{HEAD}components:\n  schemas:\n    B: {{type: string}}\n"),
    );
    assert_rejected(&diff(dir.path(), "s.yaml", "s.yaml"), "points at nothing");
}

#[test]
fn a_reference_to_a_missing_file() {
    let dir = TestContext::new();
    dir.write(
        "s.yaml",
        HEAD.replace("'#/components/schemas/A'", "'common.yaml#/A'"),
    );
    assert_rejected(
        &diff(dir.path(), "s.yaml", "s.yaml"),
        "cannot read `common.yaml`",
    );
}

#[test]
fn a_remote_reference_is_refused() {
    let dir = TestContext::new();
    dir.write(
        "s.yaml",
        HEAD.replace(
            "'#/components/schemas/A'",
            "'https://example.com/s.yaml#/A'",
        ),
    );
    assert_rejected(
        &diff(dir.path(), "s.yaml", "s.yaml"),
        "points at a remote URL",
    );
}

#[test]
fn a_recursive_schema_is_fine() {
    let dir = TestContext::new();
    dir.write("s.yaml",
        format!(
            "{HEAD}components:\n  schemas:\n    A:\n      type: object\n      properties:\n        next: {{$ref: '#/components/schemas/A'}}\n"
        ),
    );
    let out = diff(dir.path(), "s.yaml", "s.yaml");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_fifty_megabyte_spec_is_read_within_bounds() {
    // Large but within the 64 MiB limit: read and compared, not refused.
    let dir = TestContext::new();
    let mut text = String::from(
        "{\"openapi\": \"3.0.3\", \"info\": {\"title\": \"t\", \"version\": \"1\"}, \"paths\": {}, \"components\": {\"schemas\": {",
    );
    let mut i = 0;
    while text.len() < 50 * 1024 * 1024 {
        if i > 0 {
            text.push(',');
        }
        text.push_str(&format!("\"S{i}\": {{\"type\": \"object\", \"properties\": {{\"a\": {{\"type\": \"string\", \"maxLength\": {i}}}}}}}"));
        i += 1;
    }
    text.push_str("}}}");
    dir.write("big.json", &text);
    let out = diff(dir.path(), "big.json", "big.json");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Past the limit: refused before parsing.
    text.push_str(&" ".repeat(15 * 1024 * 1024));
    dir.write("huge.json", &text);
    assert_rejected(
        &diff(dir.path(), "huge.json", "big.json"),
        "more than the limit",
    );
}

#[test]
fn deep_nesting_is_refused() {
    let dir = TestContext::new();
    let deep = format!(
        "{{\"type\": \"object\", \"properties\": {{\"a\": {}}}}}",
        "{\"items\": ".repeat(400) + "{}" + &"}".repeat(400)
    );
    dir.write("deep.json", &deep);
    assert_rejected(
        &diff(dir.path(), "deep.json", "deep.json"),
        "nesting is deeper than the limit",
    );
}

#[test]
fn unsupported_and_broken_formats_are_named() {
    let dir = TestContext::new();
    dir.write(
        "a.yaml",
        "swagger: '2.0'\ninfo: {title: t, version: '1'}\npaths: {}\n",
    );
    assert_rejected(
        &diff(dir.path(), "a.yaml", "a.yaml"),
        "this is a Swagger 2.0 document",
    );
    // Protobuf that does not compile: the compiler's message, exit 2.
    dir.write(
        "m.proto",
        "syntax = \"proto3\";\nmessage M { strin a = 1; }\n",
    );
    assert_rejected(&diff(dir.path(), "m.proto", "m.proto"), "cannot compile");
    dir.write(
        "i.proto",
        "syntax = \"proto3\";\nimport \"missing.proto\";\n",
    );
    assert_rejected(&diff(dir.path(), "i.proto", "i.proto"), "cannot compile");
}

#[test]
fn a_missing_file_and_garbage() {
    let dir = TestContext::new();
    dir.write("g.yaml", [0u8, 159, 146, 150, 255]);
    assert_rejected(
        &diff(dir.path(), "nope.yaml", "g.yaml"),
        "cannot read `nope.yaml`",
    );
    dir.write("s.yaml", HEAD);
    assert_rejected(&diff(dir.path(), "s.yaml", "g.yaml"), "not UTF-8");
}

#[test]
fn an_error_far_along_a_minified_line_is_named_not_drawn() {
    // miette panicked drawing a label past column 65,535 (exit 101), even
    // with `--format json`, whose errors are still rendered for people.
    let dir = TestContext::new();
    let padding = "a".repeat(70_000);
    let good = format!(
        r#"{{"openapi":"3.0.0","info":{{"title":"t","version":"1"}},"x-pad":"{padding}","paths":{{}}}}"#
    );
    let bad = format!("{} ] }}", &good[..good.len() - 1]);
    dir.write("old.json", &good);
    dir.write("new.json", &bad);
    let out = diff(dir.path(), "old.json", "new.json");
    assert_rejected(&out, "new.json:1:700");
    let json = common::treaty()
        .current_dir(dir.path())
        .args(["diff", "old.json", "new.json", "--format", "json"])
        .output()
        .unwrap_or_else(|e| panic!("cannot run treaty: {e}"));
    assert_rejected(&json, "invalid JSON");
}

#[test]
fn a_named_pipe_is_refused_not_waited_on() {
    let dir = TestContext::new();
    dir.write(
        "s.yaml",
        format!("{HEAD}components:\n  schemas:\n    A: {{type: string}}\n"),
    );
    common::mkfifo(&dir.path().join("pipe.yaml"));
    assert_rejected(
        &diff(dir.path(), "pipe.yaml", "s.yaml"),
        "not a regular file",
    );
    assert_rejected(
        &diff(dir.path(), "s.yaml", "pipe.yaml"),
        "not a regular file",
    );
}

#[test]
fn two_files_of_different_kinds_are_refused_in_either_order() {
    let dir = TestContext::new();
    dir.write(
        "old.avsc",
        "{\"type\": \"record\", \"name\": \"Payment\", \"fields\": [{\"name\": \"id\", \"type\": \"string\"}]}\n",
    );
    dir.write(
        "new.yaml",
        HEAD.to_owned() + "components:\n  schemas:\n    A: {type: string}\n",
    );
    let expected = [
        (
            ("old.avsc", "new.yaml"),
            "old.avsc is an Avro schema and new.yaml an OpenAPI description: treaty diff compares two versions of one kind",
        ),
        (
            ("new.yaml", "old.avsc"),
            "new.yaml is an OpenAPI description and old.avsc an Avro schema: treaty diff compares two versions of one kind",
        ),
    ];
    for ((old, new), message) in expected {
        let out = diff(dir.path(), old, new);
        assert_rejected(&out, message);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(
            out.stdout.is_empty(),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
    // Protobuf is a kind too.
    dir.write(
        "m.proto",
        "syntax = \"proto3\";\nmessage M { string a = 1; }\n",
    );
    assert_rejected(
        &diff(dir.path(), "m.proto", "new.yaml"),
        "m.proto is a Protobuf definition and new.yaml an OpenAPI description",
    );
    // A declared kind is the user's word: the files are not sniffed.
    let out = common::treaty()
        .current_dir(dir.path())
        .args(["diff", "old.avsc", "new.yaml", "--kind", "openapi"])
        .output()
        .unwrap_or_else(|e| panic!("cannot run treaty: {e}"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("compares two versions of one kind"),
        "{stderr}"
    );
}
