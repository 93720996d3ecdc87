//! The decision log's performance targets (issue 12): an inclusion proof
//! for a log of 1,000,000 entries from the store in under 1 ms at the 99th
//! percentile (SQLite, and PostgreSQL when `TREATY_TEST_DATABASE_URL` names
//! a server), and verifying a 1,000,000-entry export in under 5 s.
//!
//! `cargo bench -p treaty-store --bench decision_log` (optionally
//! `-- ENTRIES`). The log is filled with rows exactly as appends write
//! them (leaves and complete-subtree hashes from `treaty_log::tree`), in
//! large batches, since a million one-row transactions would only time
//! fsync; the head read back is checked against the tree recomputed in
//! memory before anything is measured.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::time::{Duration, Instant};

use sqlx::any::AnyPoolOptions;
use treaty_log::checkpoint::Checkpoint;
use treaty_log::export::{write_entry, write_trailer};
use treaty_log::tree::{self, RunningRoot};
use treaty_log::{Actor, Decision, DecisionKind, NodeAddr, NoteSigner, leaf_hash};
use treaty_store::Store;

const SAMPLES: usize = 20_000;

fn leaves(n: u64) -> Vec<String> {
    (0..n)
        .map(|i| {
            Decision {
                index: i,
                at: 1_780_000_000 + i as i64,
                kind: if i % 2 == 0 {
                    DecisionKind::Approval
                } else {
                    DecisionKind::TokenCreated
                },
                actor: Actor {
                    team: format!("team-{}", i % 50),
                    token_id: Some(format!("tok_{:032x}", i)),
                },
                subject: format!("CP-{}", i / 4),
                reason: "the consumers agreed to the field rename in the review".into(),
                details: serde_json::json!({"change_set": format!("{:064x}", i)}),
            }
            .to_leaf()
            .unwrap()
        })
        .collect()
}

/// Every row an append of each leaf in order writes.
fn nodes(leaves: &[String]) -> Vec<(NodeAddr, [u8; 32])> {
    let mut map = std::collections::HashMap::new();
    let mut out = Vec::with_capacity(leaves.len() * 2);
    for (i, leaf) in leaves.iter().enumerate() {
        for (addr, h) in tree::append(i as u64, leaf_hash(leaf.as_bytes()), &map).unwrap() {
            map.insert(addr, h);
            out.push((addr, h));
        }
        // Only left siblings are ever read again: drop what cannot be.
        if i % 65_536 == 65_535 {
            map.retain(|a, _| a.level >= 16);
        }
    }
    out
}

async fn fill(url: &str, leaves: &[String], nodes: &[(NodeAddr, [u8; 32])]) {
    let pool = AnyPoolOptions::new()
        .max_connections(1)
        .connect(url)
        .await
        .unwrap();
    let mut tx = pool.begin().await.unwrap();
    for (chunk_no, chunk) in leaves.chunks(500).enumerate() {
        let mut sql =
            String::from("INSERT INTO log_entries (idx, kind, subject, at, leaf) VALUES ");
        for k in 0..chunk.len() {
            let b = k * 5;
            if k > 0 {
                sql.push(',');
            }
            sql.push_str(&format!(
                "(${},${},${},${},${})",
                b + 1,
                b + 2,
                b + 3,
                b + 4,
                b + 5
            ));
        }
        let mut q = sqlx::query(&sql);
        for (k, leaf) in chunk.iter().enumerate() {
            let d = Decision::from_leaf(leaf.as_bytes()).unwrap();
            q = q
                .bind((chunk_no * 500 + k) as i64)
                .bind("approval")
                .bind(d.subject)
                .bind(d.at)
                .bind(leaf.clone());
        }
        q.execute(&mut *tx).await.unwrap();
    }
    for chunk in nodes.chunks(1000) {
        let mut sql = String::from("INSERT INTO log_nodes (id, hash) VALUES ");
        for k in 0..chunk.len() {
            if k > 0 {
                sql.push(',');
            }
            sql.push_str(&format!("(${},${})", 2 * k + 1, 2 * k + 2));
        }
        let mut q = sqlx::query(&sql);
        for (addr, h) in chunk {
            q = q.bind(addr.key()).bind(treaty_log::hash::to_hex(h));
        }
        q.execute(&mut *tx).await.unwrap();
    }
    tx.commit().await.unwrap();
    pool.close().await;
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

async fn inclusion(name: &str, url: &str, leaves: &[String], nodes: &[(NodeAddr, [u8; 32])]) {
    let store = Store::open(url).await.unwrap();
    let started = Instant::now();
    fill(url, leaves, nodes).await;
    eprintln!(
        "{name}: filled {} entries in {:.1?}",
        leaves.len(),
        started.elapsed()
    );
    let mut running = RunningRoot::new();
    for l in leaves {
        running.push(leaf_hash(l.as_bytes()));
    }
    let head = store.log_head().await.unwrap();
    assert_eq!(
        head.root,
        running.root(),
        "the filled log is not the appended one"
    );
    let n = leaves.len() as u64;
    // A fixed pseudo-random walk over the leaves (xorshift), proofs in the
    // current tree as a client asks for them.
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut times = Vec::with_capacity(SAMPLES);
    for k in 0..SAMPLES + 500 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let index = x % n;
        let t = Instant::now();
        let proof = store.log_inclusion(index, n).await.unwrap();
        let elapsed = t.elapsed();
        if k >= 500 {
            times.push(elapsed);
        }
        if k % 1000 == 0 {
            treaty_log::verify_inclusion(
                index,
                n,
                &leaf_hash(leaves[index as usize].as_bytes()),
                &proof,
                &head.root,
            )
            .unwrap();
        }
    }
    times.sort();
    println!(
        "inclusion proof, {name}, {n} entries: p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms ({SAMPLES} proofs)",
        percentile(&times, 0.5).as_secs_f64() * 1e3,
        percentile(&times, 0.99).as_secs_f64() * 1e3,
        times.last().unwrap().as_secs_f64() * 1e3,
    );
}

fn export_verify(leaves: &[String], path: &std::path::Path) {
    let signer = NoteSigner::from_seed("bench.example/decisions", [3; 32]).unwrap();
    let mut running = RunningRoot::new();
    let path = path.to_path_buf();
    let mut out = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    for l in leaves {
        running.push(leaf_hash(l.as_bytes()));
        write_entry(&mut out, l).unwrap();
    }
    let note = Checkpoint {
        origin: "bench.example/decisions".into(),
        size: leaves.len() as u64,
        root: running.root(),
    }
    .sign(&signer)
    .unwrap();
    write_trailer(&mut out, &note).unwrap();
    out.flush().unwrap();
    drop(out);
    let bytes = std::fs::metadata(&path).unwrap().len();
    let mut times = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        let file = std::fs::File::open(&path).unwrap();
        let verdict = treaty_log::verify_export(
            std::io::BufReader::with_capacity(1 << 20, file),
            &signer.verifier(),
        )
        .unwrap();
        times.push(t.elapsed());
        assert!(matches!(
            verdict,
            treaty_log::ExportVerdict::Verified { .. }
        ));
    }
    times.sort();
    println!(
        "export verify, {} entries ({:.0} MB): median {:.2} s, max {:.2} s (5 runs)",
        leaves.len(),
        bytes as f64 / 1e6,
        times[2].as_secs_f64(),
        times[4].as_secs_f64()
    );
}

fn main() {
    let n: u64 = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let leaves = leaves(n);
    let dir = tempfile::tempdir().unwrap();
    // TREATY_BENCH_EXPORT=PATH keeps the export there (to time the
    // `treaty log verify` binary on it) and skips the stores.
    if let Ok(path) = std::env::var("TREATY_BENCH_EXPORT") {
        export_verify(&leaves, std::path::Path::new(&path));
        let key = NoteSigner::from_seed("bench.example/decisions", [3; 32]).unwrap();
        println!("kept {path}; verifier key {}", key.verifier().to_text());
        return;
    }
    export_verify(&leaves, &dir.path().join("export.jsonl"));
    let nodes = nodes(&leaves);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let url = format!("sqlite://{}", dir.path().join("bench.db").display());
        inclusion("SQLite", &url, &leaves, &nodes).await;
        match std::env::var("TREATY_TEST_DATABASE_URL") {
            Ok(server) => {
                let url = treaty_store::scratch_postgres_url(&server).await.unwrap();
                inclusion("PostgreSQL", &url, &leaves, &nodes).await;
                let _ = treaty_store::drop_scratch_postgres(&url).await;
            }
            Err(_) => eprintln!("skipped PostgreSQL: TREATY_TEST_DATABASE_URL is not set"),
        }
    });
}
