//! A 10,000-entry export and every class of tampering: a changed entry
//! (an edited field, a flipped byte), a deleted entry, an inserted entry
//! (new or duplicated) and two entries swapped or one moved. Each class is
//! tried at the first and last positions and at a deterministic sample of
//! positions in between; every attempt must fail verification, and where
//! the line can be named, the first bad line must be named.

#![allow(clippy::unwrap_used)]

use treaty_log::checkpoint::Checkpoint;
use treaty_log::export::{write_entry, write_trailer};
use treaty_log::tree::RunningRoot;
use treaty_log::{
    Actor, Decision, DecisionKind, ExportVerdict, NoteSigner, NoteVerifier, leaf_hash,
    verify_export,
};

const N: usize = 10_000;
/// Positions tried per class besides the first and the last.
const SAMPLE: usize = 100;

struct Export {
    lines: Vec<String>,
    trailer: String,
    verifier: NoteVerifier,
}

fn export() -> Export {
    let signer = NoteSigner::from_seed("treaty.test/decisions", [42; 32]).unwrap();
    let kinds = [
        DecisionKind::TokenCreated,
        DecisionKind::Approval,
        DecisionKind::Rejection,
        DecisionKind::Waiver,
        DecisionKind::TokenRevoked,
    ];
    let mut tree = RunningRoot::new();
    let mut lines = Vec::with_capacity(N);
    for i in 0..N {
        let leaf = Decision {
            index: i as u64,
            at: 1_780_000_000 + i as i64,
            kind: kinds[i % kinds.len()],
            actor: Actor {
                team: format!("team-{}", i % 7),
                token_id: Some(format!("tok_{i:04}")),
            },
            subject: format!("CP-{}", i / 3),
            reason: format!("reason {i}"),
            details: serde_json::json!({"n": i}),
        }
        .to_leaf()
        .unwrap();
        tree.push(leaf_hash(leaf.as_bytes()));
        lines.push(leaf);
    }
    let note = Checkpoint {
        origin: "treaty.test/decisions".into(),
        size: N as u64,
        root: tree.root(),
    }
    .sign(&signer)
    .unwrap();
    let mut trailer = Vec::new();
    write_trailer(&mut trailer, &note).unwrap();
    Export {
        lines,
        trailer: String::from_utf8(trailer).unwrap(),
        verifier: signer.verifier(),
    }
}

fn verdict(e: &Export, lines: &[String]) -> ExportVerdict {
    let mut bytes = Vec::new();
    for l in lines {
        write_entry(&mut bytes, l).unwrap();
    }
    bytes.extend_from_slice(e.trailer.as_bytes());
    verify_export(&bytes[..], &e.verifier).unwrap()
}

/// First, last, and SAMPLE positions spread by a fixed stride (a prime,
/// so they fall at all sorts of offsets in the tree).
fn positions() -> Vec<usize> {
    let mut p = vec![0, N - 1];
    p.extend((1..=SAMPLE).map(|k| (k * 7919) % N));
    p
}

fn assert_fails(v: ExportVerdict, line: Option<u64>, what: &str) {
    match v {
        ExportVerdict::Verified { .. } => panic!("{what}: verified"),
        ExportVerdict::Failed { line: got, reason } => {
            if line.is_some() {
                assert_eq!(got, line, "{what}: {reason}");
            }
        }
    }
}

#[test]
fn the_untouched_export_verifies_and_the_wrong_key_fails() {
    let e = export();
    assert!(matches!(
        verdict(&e, &e.lines),
        ExportVerdict::Verified { checkpoint } if checkpoint.size == N as u64
    ));
    let other = NoteSigner::from_seed("treaty.test/decisions", [43; 32]).unwrap();
    let mut bytes = Vec::new();
    for l in &e.lines {
        write_entry(&mut bytes, l).unwrap();
    }
    bytes.extend_from_slice(e.trailer.as_bytes());
    assert!(matches!(
        verify_export(&bytes[..], &other.verifier()).unwrap(),
        ExportVerdict::Failed { .. }
    ));
    // Truncation: the checkpoint line gone, or entries gone from the end.
    assert_fails(
        verify_export(&bytes[..bytes.len() - e.trailer.len()], &e.verifier).unwrap(),
        None,
        "no trailer",
    );
    assert_fails(
        verdict(&e, &e.lines[..N - 1]),
        Some(N as u64),
        "last entry cut",
    );
}

#[test]
fn every_mutation_is_caught() {
    let e = export();
    for (k, &i) in positions().iter().enumerate() {
        // An edit that keeps the record well-formed and canonical.
        let mut lines = e.lines.clone();
        lines[i] = lines[i].replace("\"reason ", "\"Reason ");
        assert_fails(verdict(&e, &lines), None, &format!("edit at {i}"));
        // A flipped bit somewhere in the line.
        let mut lines = e.lines.clone();
        let mut bytes = lines[i].clone().into_bytes();
        let at = (k * 31) % bytes.len();
        bytes[at] ^= 1 << (k % 7);
        lines[i] = String::from_utf8_lossy(&bytes).into_owned();
        assert_fails(verdict(&e, &lines), None, &format!("bit flip at {i}:{at}"));
    }
}

#[test]
fn every_deletion_is_caught_at_its_line() {
    let e = export();
    for i in positions() {
        let mut lines = e.lines.clone();
        lines.remove(i);
        // The line after the gap is the first wrong one (or, for the last
        // entry, the checkpoint line whose size disagrees).
        assert_fails(
            verdict(&e, &lines),
            Some(i as u64 + 1),
            &format!("delete {i}"),
        );
    }
}

#[test]
fn every_insertion_is_caught_at_its_line() {
    let e = export();
    for i in positions() {
        let mut lines = e.lines.clone();
        lines.insert(i, e.lines[(i + 1) % N].clone());
        assert_fails(
            verdict(&e, &lines),
            Some(i as u64 + 1),
            &format!("insert copy at {i}"),
        );
        let mut lines = e.lines.clone();
        let forged = Decision::from_leaf(e.lines[i].as_bytes()).unwrap();
        lines.insert(i, forged.to_leaf().unwrap());
        assert_fails(
            verdict(&e, &lines),
            Some(i as u64 + 2),
            &format!("insert forged at {i}"),
        );
    }
    // Appended after the last entry.
    let mut lines = e.lines.clone();
    lines.push(e.lines[0].clone());
    assert_fails(verdict(&e, &lines), Some(N as u64 + 1), "append");
}

#[test]
fn every_reordering_is_caught_at_its_line() {
    let e = export();
    for (k, i) in positions().into_iter().enumerate() {
        let j = (i + 1 + k * 13) % N;
        if i == j {
            continue;
        }
        let mut lines = e.lines.clone();
        lines.swap(i, j);
        let first = i.min(j) as u64 + 1;
        assert_fails(verdict(&e, &lines), Some(first), &format!("swap {i} {j}"));
        let mut lines = e.lines.clone();
        let moved = lines.remove(i);
        lines.insert(j, moved);
        assert_fails(
            verdict(&e, &lines),
            Some(first),
            &format!("move {i} to {j}"),
        );
    }
}
