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

/// `{"openapi": ..., "components": {"schemas": {"S0": ..., "S1": ...}}}`
/// of small schemas (12 nodes in about 85 bytes each) until `bytes` long.
fn many_small_schemas(bytes: usize) -> String {
    let mut text = String::from(
        "{\"openapi\": \"3.0.3\", \"info\": {\"title\": \"t\", \"version\": \"1\"}, \"paths\": {}, \"components\": {\"schemas\": {",
    );
    let mut i = 0;
    while text.len() < bytes {
        if i > 0 {
            text.push(',');
        }
        text.push_str(&format!("\"S{i}\": {{\"type\": \"object\", \"properties\": {{\"a\": {{\"type\": \"string\", \"maxLength\": {i}}}}}}}"));
        i += 1;
    }
    text.push_str("}}}");
    text
}

#[test]
fn a_large_spec_is_read_within_bounds() {
    // 12 MiB of small schemas, 1.7 million nodes: within every limit,
    // read and compared, not refused.
    let dir = TestContext::new();
    dir.write("big.json", many_small_schemas(12 * 1024 * 1024));
    let out = diff(dir.path(), "big.json", "big.json");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // 50 MiB of the same, within the byte limit but 7 million nodes:
    // refused by the node limit, which is what bounds memory.
    let text = many_small_schemas(50 * 1024 * 1024);
    dir.write("many.json", &text);
    assert_rejected(
        &diff(dir.path(), "many.json", "big.json"),
        "more than the limit of 2000000 nodes",
    );
    // Past the byte limit: refused before parsing.
    dir.write("huge.json", text + &" ".repeat(15 * 1024 * 1024));
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

/// A 63 MiB one-line array of one-digit numbers: within the byte limit,
/// 33 million nodes. It used to grow a 1.6 GB vector and abort under a
/// 2 GiB address-space limit; the node limit now refuses it early.
fn a_63_mib_one_line_array(dir: &TestContext) {
    let count = 63 * 1024 * 1024 / 2;
    let mut text = String::with_capacity(2 * count + 1);
    text.push('[');
    for i in 0..count {
        if i > 0 {
            text.push(',');
        }
        text.push(char::from(b'0' + (i % 10) as u8));
    }
    text.push(']');
    dir.write("big.json", text);
}

#[test]
fn a_file_of_millions_of_tiny_nodes_is_refused_by_the_node_limit() {
    let dir = TestContext::new();
    a_63_mib_one_line_array(&dir);
    assert_rejected(
        &diff(dir.path(), "big.json", "big.json"),
        "more than the limit of 2000000 nodes",
    );
}

/// The same file under a 2 GiB address-space limit (Linux, where `prlimit`
/// exists): refused with exit 2, not aborted on a failed allocation.
#[cfg(target_os = "linux")]
#[test]
fn a_file_of_millions_of_tiny_nodes_is_refused_within_2_gib() {
    let prlimit = Path::new("/usr/bin/prlimit");
    if !prlimit.exists() {
        eprintln!("skipped: no {}", prlimit.display());
        return;
    }
    let dir = TestContext::new();
    a_63_mib_one_line_array(&dir);
    let treaty = common::treaty();
    let start = Instant::now();
    let out = std::process::Command::new(prlimit)
        .env("NO_COLOR", "1")
        .arg("--as=2147483648")
        .arg(treaty.get_program())
        .args(["diff", "big.json", "big.json"])
        .current_dir(dir.path())
        .output()
        .unwrap_or_else(|e| panic!("cannot run prlimit: {e}"));
    assert!(start.elapsed() < Duration::from_secs(20));
    assert_rejected(&out, "more than the limit of 2000000 nodes");
}
