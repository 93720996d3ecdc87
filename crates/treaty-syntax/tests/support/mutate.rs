//! Mutations of seed files for the fuzz tests, shared by the fuzz tests of
//! `treaty-syntax`, `treaty-compat` and `treaty-core` (each includes this
//! file with `#[path]`): byte flips, truncation, structural characters
//! inserted, lines duplicated or deleted, and lines longer than 65,535
//! characters (a diagnostic's column past that once panicked the renderer).

#![allow(dead_code)]

use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::Config;

/// Cases per fuzz test: a few hundred by default so the suite stays fast
/// in debug; `TREATY_FUZZ_CASES=100000` for a long run.
pub fn config(default_cases: u32) -> Config {
    let cases = std::env::var("TREATY_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default_cases);
    Config {
        cases,
        // Shrinking a long run's failure must not take longer than the run.
        max_shrink_iters: 2_000,
        ..Config::default()
    }
}

/// Characters that change the structure of YAML, JSON or Protobuf text.
const STRUCTURAL: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    ":",
    ",",
    "\"",
    "'",
    "-",
    "#",
    "&a",
    "*a",
    "!",
    "|",
    ">",
    "?",
    "\n",
    "\t",
    " ",
    "\\",
    "$ref",
    "\"$ref\": \"#/x\"",
    ";",
    "=",
    "<",
    "//",
    "/*",
    "\u{feff}",
    "\u{0}",
    "é",
    "\r\n",
    "---\n",
    "...\n",
    "%YAML 1.2\n",
    "<<: *a",
    "\"\\u",
];

/// One change to a file's bytes; positions are chosen relative to the
/// bytes at the time the change is applied.
#[derive(Debug, Clone)]
pub enum Mutation {
    /// XOR one byte with a non-zero mask.
    FlipByte(Index, u8),
    /// Cut the file at a position.
    Truncate(Index),
    /// Insert a structural character or token at a position.
    Insert(Index, &'static str),
    /// Remove up to `len` bytes from a position.
    Delete(Index, usize),
    /// Repeat the line at a position, `times` times.
    DuplicateLine(Index, usize),
    /// Insert a run of one character long enough to push what follows
    /// past column 65,535.
    LongRun(Index, u8, usize),
    /// Join all lines into one (minified JSON; broken YAML).
    JoinLines,
    /// Copy a range of the file to another position.
    Splice(Index, Index, usize),
}

/// Any single mutation.
pub fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        4 => (any::<Index>(), 1u8..=255).prop_map(|(i, m)| Mutation::FlipByte(i, m)),
        1 => any::<Index>().prop_map(Mutation::Truncate),
        4 => (any::<Index>(), proptest::sample::select(STRUCTURAL))
            .prop_map(|(i, s)| Mutation::Insert(i, s)),
        2 => (any::<Index>(), 1usize..64).prop_map(|(i, n)| Mutation::Delete(i, n)),
        2 => (any::<Index>(), 1usize..4).prop_map(|(i, n)| Mutation::DuplicateLine(i, n)),
        1 => (any::<Index>(), proptest::sample::select(&b" a\"{[-:0"[..]), 65_536usize..70_000)
            .prop_map(|(i, c, n)| Mutation::LongRun(i, c, n)),
        1 => Just(Mutation::JoinLines),
        1 => (any::<Index>(), any::<Index>(), 1usize..256)
            .prop_map(|(from, to, n)| Mutation::Splice(from, to, n)),
    ]
}

/// One to four mutations, applied in order.
pub fn mutations() -> impl Strategy<Value = Vec<Mutation>> {
    prop::collection::vec(mutation(), 1..5)
}

/// `seed` with `mutations` applied.
pub fn apply(seed: &[u8], mutations: &[Mutation]) -> Vec<u8> {
    let mut bytes = seed.to_vec();
    for m in mutations {
        apply_one(&mut bytes, m);
    }
    bytes
}

fn apply_one(bytes: &mut Vec<u8>, mutation: &Mutation) {
    // A position in 0..=len (inserting at the end is allowed).
    let at = |i: &Index, len: usize| i.index(len + 1);
    match mutation {
        Mutation::FlipByte(i, mask) => {
            if !bytes.is_empty() {
                let p = i.index(bytes.len());
                bytes[p] ^= mask;
            }
        }
        Mutation::Truncate(i) => {
            let p = at(i, bytes.len());
            bytes.truncate(p);
        }
        Mutation::Insert(i, s) => {
            let p = at(i, bytes.len());
            bytes.splice(p..p, s.bytes());
        }
        Mutation::Delete(i, n) => {
            let p = at(i, bytes.len());
            let end = (p + n).min(bytes.len());
            bytes.drain(p..end);
        }
        Mutation::DuplicateLine(i, times) => {
            let p = at(i, bytes.len());
            let start = bytes[..p]
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |s| s + 1);
            let end = bytes[p..]
                .iter()
                .position(|&b| b == b'\n')
                .map_or(bytes.len(), |e| p + e + 1);
            let line = bytes[start..end].to_vec();
            for _ in 0..*times {
                bytes.splice(end..end, line.iter().copied());
            }
        }
        Mutation::LongRun(i, c, n) => {
            let p = at(i, bytes.len());
            bytes.splice(p..p, std::iter::repeat_n(*c, *n));
        }
        Mutation::JoinLines => {
            for b in bytes.iter_mut() {
                if *b == b'\n' {
                    *b = b' ';
                }
            }
        }
        Mutation::Splice(from, to, n) => {
            let f = at(from, bytes.len());
            let end = (f + n).min(bytes.len());
            let piece = bytes[f..end].to_vec();
            let t = at(to, bytes.len());
            bytes.splice(t..t, piece);
        }
    }
}

/// The example workspace the seeds come from.
pub fn acme_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/acme")
}

/// Every file under the example workspace, as (path relative to it with
/// `/` separators, bytes), sorted by path; read once per test binary.
pub fn acme_files() -> &'static [(String, Vec<u8>)] {
    static FILES: std::sync::OnceLock<Vec<(String, Vec<u8>)>> = std::sync::OnceLock::new();
    FILES.get_or_init(read_acme)
}

fn read_acme() -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut dirs = vec![acme_dir()];
    let root = acme_dir();
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if let (Ok(rel), Ok(bytes)) = (path.strip_prefix(&root), std::fs::read(&path)) {
                let rel: Vec<String> = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                out.push((rel.join("/"), bytes));
            }
        }
    }
    out.sort();
    assert!(!out.is_empty(), "no seed files under {}", root.display());
    out
}
