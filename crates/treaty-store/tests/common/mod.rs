//! What the store's test files share: where the databases are.

use treaty_store::StoreError;

/// The PostgreSQL server the tests may use. Without one, a test fails when
/// `CI` is set (CI must exercise PostgreSQL, not pass without it) and
/// otherwise says on stderr that it skipped.
pub fn postgres_server() -> Option<String> {
    if let Ok(url) = std::env::var("TREATY_TEST_DATABASE_URL") {
        return Some(url);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "TREATY_TEST_DATABASE_URL is not set, but CI is: the PostgreSQL tests must run in CI (start PostgreSQL and set TREATY_TEST_DATABASE_URL)"
    );
    eprintln!("skipped: TREATY_TEST_DATABASE_URL is not set (PostgreSQL tests need a server)");
    None
}

/// A test's own error, as a store error, so that `?` works throughout.
pub fn test_error(e: impl std::fmt::Display) -> StoreError {
    StoreError::NotFound(e.to_string())
}
