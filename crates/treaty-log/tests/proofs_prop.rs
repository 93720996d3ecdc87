//! Property tests: for random tree sizes, every inclusion and consistency
//! proof built from stored subtrees verifies against the heads, and
//! flipping any one bit of a proof makes it fail.

#![allow(clippy::unwrap_used)]

use proptest::prelude::*;
use treaty_log::tree::{
    RunningRoot, all_subtrees, consistency_spans, head_span, inclusion_spans, resolve,
};
use treaty_log::{Hash, leaf_hash, verify_consistency, verify_inclusion};

fn leaves(n: u64) -> Vec<Hash> {
    (0..n).map(|i| leaf_hash(&i.to_be_bytes())).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn inclusion_proofs_verify_and_a_flipped_bit_fails(size in 1u64..300, pick in any::<u64>(), bit in 0usize..256) {
        let hashes = leaves(size);
        let store = all_subtrees(&hashes).unwrap();
        let root = head_span(size).hash(&store).unwrap();
        let mut running = RunningRoot::new();
        hashes.iter().for_each(|h| running.push(*h));
        prop_assert_eq!(running.root(), root);
        let index = pick % size;
        let proof = resolve(&inclusion_spans(index, size).unwrap(), &store).unwrap();
        prop_assert!(verify_inclusion(index, size, &hashes[index as usize], &proof, &root).is_ok());
        if !proof.is_empty() {
            let mut bad = proof.clone();
            let which = bit % bad.len();
            bad[which][bit / 8 % 32] ^= 1 << (bit % 8);
            prop_assert!(verify_inclusion(index, size, &hashes[index as usize], &bad, &root).is_err());
        }
        let mut leaf = hashes[index as usize];
        leaf[bit / 8] ^= 1 << (bit % 8);
        prop_assert!(verify_inclusion(index, size, &leaf, &proof, &root).is_err());
    }

    #[test]
    fn consistency_proofs_verify_and_a_flipped_bit_fails(new in 1u64..300, pick in any::<u64>(), bit in 0usize..256) {
        let hashes = leaves(new);
        let store = all_subtrees(&hashes).unwrap();
        let old = 1 + pick % new;
        let r1 = head_span(old).hash(&store).unwrap();
        let r2 = head_span(new).hash(&store).unwrap();
        let proof = resolve(&consistency_spans(old, new).unwrap(), &store).unwrap();
        prop_assert!(verify_consistency(old, new, &proof, &r1, &r2).is_ok());
        if !proof.is_empty() {
            let mut bad = proof.clone();
            let which = bit % bad.len();
            bad[which][bit / 8 % 32] ^= 1 << (bit % 8);
            prop_assert!(verify_consistency(old, new, &bad, &r1, &r2).is_err());
        }
        if old < new {
            let mut r = r1;
            r[bit / 8] ^= 1 << (bit % 8);
            prop_assert!(verify_consistency(old, new, &proof, &r, &r2).is_err());
        }
    }
}
