//! Random ids and content hashes.

use crate::StoreError;

pub(crate) fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest;
    hex(&sha2::Sha256::digest(data))
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `prefix` and 16 random bytes: ids that need no coordination between
/// brokers.
pub fn random_id(prefix: &str) -> Result<String, StoreError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| StoreError::Random(e.to_string()))?;
    Ok(format!("{prefix}{}", hex(&bytes)))
}

/// The hash under which `content` is stored.
pub fn content_hash(content: &str) -> String {
    sha256_hex(content.as_bytes())
}
