//! The decision log in the store, on SQLite and PostgreSQL: decisions
//! appended with the writes that make them, tree heads equal to the tree
//! recomputed from the entries, every proof verifying, and brokers
//! appending at the same moment getting distinct, gapless indexes.

#[allow(dead_code)]
mod common;

use common::{on_scratch_postgres, sqlite_file, test_error};
use treaty_store::treaty_log::tree::RunningRoot;
use treaty_store::treaty_log::{
    Actor, Decision, DecisionKind, leaf_hash, verify_consistency, verify_inclusion,
};
use treaty_store::{ADMIN_TEAM, Scope, Store, StoreError};

fn admin() -> Actor {
    Actor {
        team: ADMIN_TEAM.into(),
        token_id: Some("tok_admin".into()),
    }
}

/// Every entry, in order, read back page by page.
async fn all_entries(store: &Store) -> Result<Vec<String>, StoreError> {
    let mut out = Vec::new();
    loop {
        let page = store.log_entries(out.len() as u64, 7).await?;
        if page.is_empty() {
            return Ok(out);
        }
        out.extend(page);
    }
}

async fn scenario(store: &Store) -> Result<(), StoreError> {
    assert_eq!(store.log_head().await?.size, 0);
    store.bootstrap(1_000).await?;
    store.create_team("payments", "Payments", 1).await?;
    let mut appended = Vec::new();
    for i in 0..20 {
        let issued = store
            .issue_token("payments", &[Scope::Publish], 2_000 + i, admin())
            .await?;
        appended.push(issued.logged.clone());
        if i % 3 == 0 {
            let revoked = store
                .revoke_token(&issued.id, 3_000 + i, admin())
                .await?
                .ok_or_else(|| test_error("not revoked"))?;
            assert_eq!(revoked.decision.kind, DecisionKind::TokenRevoked);
            assert_eq!(revoked.decision.subject, format!("token:{}", issued.id));
            appended.push(revoked);
        }
    }
    // A refused write logs nothing.
    assert!(
        store
            .issue_token("nobody", &[Scope::Read], 9, admin())
            .await
            .is_err()
    );

    let entries = all_entries(store).await?;
    let head = store.log_head().await?;
    assert_eq!(head.size, entries.len() as u64);
    assert_eq!(head.size, 1 + appended.len() as u64);
    let first = Decision::from_leaf(entries[0].as_bytes()).map_err(test_error)?;
    assert_eq!(first.kind, DecisionKind::TokenCreated);
    assert_eq!(first.at, 1, "times are Unix seconds");

    let mut running = RunningRoot::new();
    let mut roots = vec![running.root()];
    for (i, leaf) in entries.iter().enumerate() {
        let d = Decision::from_leaf(leaf.as_bytes()).map_err(test_error)?;
        assert_eq!(d.index, i as u64);
        running.push(leaf_hash(leaf.as_bytes()));
        roots.push(running.root());
    }
    assert_eq!(head.root, running.root());

    // What each write answered proves its entry in the tree of that moment.
    for a in &appended {
        let leaf = a.decision.to_leaf().map_err(test_error)?;
        assert_eq!(entries[a.decision.index as usize], leaf);
        assert_eq!(a.root, roots[a.tree_size as usize]);
        verify_inclusion(
            a.decision.index,
            a.tree_size,
            &leaf_hash(leaf.as_bytes()),
            &a.inclusion,
            &a.root,
        )
        .map_err(test_error)?;
    }
    // Every proof the store serves now verifies.
    let n = head.size;
    for size in 1..=n {
        assert_eq!(store.log_head_at(size).await?.root, roots[size as usize]);
        for index in (0..size).step_by(5) {
            let proof = store.log_inclusion(index, size).await?;
            verify_inclusion(
                index,
                size,
                &leaf_hash(entries[index as usize].as_bytes()),
                &proof,
                &roots[size as usize],
            )
            .map_err(test_error)?;
        }
        for old in (0..=size).step_by(3) {
            let proof = store.log_consistency(old, size).await?;
            verify_consistency(
                old,
                size,
                &proof,
                &roots[old as usize],
                &roots[size as usize],
            )
            .map_err(test_error)?;
        }
    }
    assert!(matches!(
        store.log_inclusion(n, n + 1).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        store.log_consistency(1, n + 1).await,
        Err(StoreError::NotFound(_))
    ));
    Ok(())
}

#[tokio::test]
async fn sqlite() -> Result<(), StoreError> {
    let (_dir, url) = sqlite_file()?;
    scenario(&Store::open(&url).await?).await
}

#[tokio::test]
async fn postgres() -> Result<(), StoreError> {
    on_scratch_postgres(async |url| scenario(&Store::open(url).await?).await).await
}

/// Two brokers on one PostgreSQL database issuing tokens at once: every
/// decision gets its own index, none is lost, and the tree is whole.
#[tokio::test]
async fn brokers_appending_at_once_never_collide() -> Result<(), StoreError> {
    on_scratch_postgres(async |url| {
        let a = Store::open(url).await?;
        let b = Store::open(url).await?;
        a.bootstrap(1).await?;
        a.create_team("payments", "Payments", 1).await?;
        let mut tasks = Vec::new();
        for i in 0..30 {
            let store = if i % 2 == 0 { a.clone() } else { b.clone() };
            tasks.push(tokio::spawn(async move {
                store
                    .issue_token("payments", &[Scope::Read], i, admin())
                    .await
            }));
        }
        let mut indexes = Vec::new();
        for t in tasks {
            indexes.push(t.await.map_err(test_error)??.logged.decision.index);
        }
        indexes.sort_unstable();
        assert_eq!(indexes, (1..=30).collect::<Vec<u64>>());
        let entries = all_entries(&b).await?;
        let mut running = RunningRoot::new();
        for leaf in &entries {
            running.push(leaf_hash(leaf.as_bytes()));
        }
        assert_eq!(b.log_head().await?.root, running.root());
        Ok(())
    })
    .await
}
