//! The RFC 6962 test vectors of the Go transparency-log libraries:
//! github.com/transparency-dev/merkle, `proof/verify_test.go` (the same
//! vectors as certificate-transparency-go's `merkle` tests): eight leaves,
//! the tree head for each size 1..=8, and known inclusion and consistency
//! proofs. Our proofs must equal theirs and verify, and the corruptions
//! their tests try must fail.

#![allow(clippy::unwrap_used)]

use std::collections::HashMap;

use treaty_log::tree::{all_subtrees, consistency_spans, head_span, inclusion_spans, resolve};
use treaty_log::{Hash, NodeAddr, empty_root, leaf_hash, verify_consistency, verify_inclusion};

fn dh(s: &str) -> Hash {
    treaty_log::hash::from_hex(s).unwrap()
}

fn hexbytes(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

const LEAVES: [&str; 8] = [
    "",
    "00",
    "10",
    "2021",
    "3031",
    "40414243",
    "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
];

const ROOTS: [&str; 8] = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];

/// (leaf number from 1, tree size, proof), as in the Go test.
fn inclusion_vectors() -> Vec<(u64, u64, Vec<Hash>)> {
    vec![
        (1, 1, vec![]),
        (
            1,
            8,
            vec![
                dh("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
                dh("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
                dh("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
            ],
        ),
        (
            6,
            8,
            vec![
                dh("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
                dh("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
                dh("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
            ],
        ),
        (
            3,
            3,
            vec![dh(
                "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
            )],
        ),
        (
            2,
            5,
            vec![
                dh("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
                dh("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
                dh("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
            ],
        ),
    ]
}

fn consistency_vectors() -> Vec<(u64, u64, Vec<Hash>)> {
    vec![
        (1, 1, vec![]),
        (
            1,
            8,
            vec![
                dh("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
                dh("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
                dh("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
            ],
        ),
        (
            6,
            8,
            vec![
                dh("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
                dh("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
                dh("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
            ],
        ),
        (
            2,
            5,
            vec![
                dh("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
                dh("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
            ],
        ),
        (
            6,
            7,
            vec![
                dh("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
                dh("b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f"),
                dh("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
            ],
        ),
    ]
}

fn tree() -> HashMap<NodeAddr, Hash> {
    let leaves: Vec<Hash> = LEAVES.iter().map(|l| leaf_hash(&hexbytes(l))).collect();
    all_subtrees(&leaves).unwrap()
}

#[test]
fn the_empty_tree_head_is_sha256_of_nothing() {
    assert_eq!(
        empty_root(),
        dh("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    );
    assert_eq!(head_span(0).hash(&tree()).unwrap(), empty_root());
}

#[test]
fn tree_heads_for_every_size_match() {
    let store = tree();
    for (i, root) in ROOTS.iter().enumerate() {
        let size = i as u64 + 1;
        assert_eq!(
            head_span(size).hash(&store).unwrap(),
            dh(root),
            "size {size}"
        );
    }
}

#[test]
fn inclusion_proofs_match_and_verify_and_corruptions_fail() {
    let store = tree();
    for (leaf, size, want) in inclusion_vectors() {
        let index = leaf - 1;
        let got = resolve(&inclusion_spans(index, size).unwrap(), &store).unwrap();
        assert_eq!(got, want, "leaf {index} size {size}");
        let root = dh(ROOTS[size as usize - 1]);
        let lh = leaf_hash(&hexbytes(LEAVES[index as usize]));
        verify_inclusion(index, size, &lh, &want, &root).unwrap();
        // The corruptions of the Go test's corruptInclusionProof.
        let some = dh("abacaba000000000000000000000000000000000000000000060061e00123456");
        let mut probes: Vec<(u64, u64, Hash, Vec<Hash>, Hash)> = vec![
            (index.wrapping_sub(1), size, lh, want.clone(), root),
            (index + 1, size, lh, want.clone(), root),
            (index ^ 2, size, lh, want.clone(), root),
            (index, size * 2, lh, want.clone(), root),
            (index, size / 2, lh, want.clone(), root),
            (index, size, leaf_hash(b"WrongLeaf"), want.clone(), root),
            (index, size, lh, want.clone(), empty_root()),
            (index, size, lh, want.clone(), some),
            (index, size, lh, [want.clone(), vec![root]].concat(), root),
            (index, size, lh, [vec![root], want.clone()].concat(), root),
        ];
        for i in 0..want.len() {
            let mut p = want.clone();
            p[i][0] ^= 8;
            probes.push((index, size, lh, p, root));
        }
        if !want.is_empty() {
            probes.push((index, size, lh, want[..want.len() - 1].to_vec(), root));
        }
        for (n, (i, s, l, p, r)) in probes.into_iter().enumerate() {
            assert!(
                verify_inclusion(i, s, &l, &p, &r).is_err(),
                "probe {n} of leaf {index} size {size} verified"
            );
        }
    }
}

#[test]
fn consistency_proofs_match_and_verify_and_corruptions_fail() {
    let store = tree();
    for (old, new, want) in consistency_vectors() {
        let got = resolve(&consistency_spans(old, new).unwrap(), &store).unwrap();
        assert_eq!(got, want, "{old} -> {new}");
        let r1 = dh(ROOTS[old as usize - 1]);
        let r2 = dh(ROOTS[new as usize - 1]);
        verify_consistency(old, new, &want, &r1, &r2).unwrap();
        if want.is_empty() {
            continue;
        }
        let mut probes: Vec<(u64, u64, Hash, Hash, Vec<Hash>)> = vec![
            (old - 1, new, r1, r2, want.clone()),
            (old + 1, new, r1, r2, want.clone()),
            (old ^ 2, new, r1, r2, want.clone()),
            (old, new * 2, r1, r2, want.clone()),
            (old, new / 2, r1, r2, want.clone()),
            (old, new, leaf_hash(b"WrongRoot"), r2, want.clone()),
            (old, new, r1, leaf_hash(b"WrongRoot"), want.clone()),
            (old, new, r2, r1, want.clone()),
            (old, new, r1, r2, vec![]),
            (old, new, r1, r2, [want.clone(), vec![r1]].concat()),
            (old, new, r1, r2, [want.clone(), vec![r2]].concat()),
            (old, new, r1, r2, [vec![r1], want.clone()].concat()),
            (old, new, r1, r2, [vec![r2], want.clone()].concat()),
            (old, new, r1, r2, [vec![want[0]], want.clone()].concat()),
            (old, new, r1, r2, want[..want.len() - 1].to_vec()),
        ];
        for i in 0..want.len() {
            let mut p = want.clone();
            p[i][0] ^= 16;
            probes.push((old, new, r1, r2, p));
        }
        for (n, (a, b, x, y, p)) in probes.into_iter().enumerate() {
            assert!(
                verify_consistency(a, b, &p, &x, &y).is_err(),
                "probe {n} of {old} -> {new} verified"
            );
        }
    }
}

#[test]
fn trivial_consistency_cases_follow_the_go_tests() {
    let r1 = leaf_hash(b"don't care 1");
    let r2 = leaf_hash(b"don't care 2");
    let e = empty_root();
    assert!(verify_consistency(0, 0, &[], &r1, &r2).is_err());
    assert!(verify_consistency(1, 1, &[], &r1, &r2).is_err());
    assert!(verify_consistency(0, 0, &[], &r1, &r1).is_ok());
    assert!(verify_consistency(0, 1, &[], &r1, &r2).is_ok());
    assert!(verify_consistency(1, 0, &[], &r1, &r2).is_err());
    assert!(verify_consistency(2, 1, &[], &r1, &r2).is_err());
    assert!(verify_consistency(1, 2, &[], &r1, &r2).is_err());
    assert!(verify_consistency(0, 0, &[e], &e, &e).is_err());
    assert!(verify_consistency(0, 1, &[e], &e, &e).is_err());
    assert!(verify_consistency(1, 1, &[e], &e, &e).is_err());
}
