//! Who is calling: the bearer token, checked against the store's hashes.
//! Each handler then says what the caller may do with [`Caller`].

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::request::Parts;
use treaty_store::{Principal, Revocation, Revocations, Scope, Store};

use crate::AppState;
use crate::error::ApiError;

/// How long a token, once checked, is taken as valid without asking the
/// database again. A revocation empties the cache at once on the broker
/// that records it, and on the others as soon as the database tells them
/// (PostgreSQL; see [`listen_for_revocations`]); this delay bounds only
/// what a lost notification could cost, and while the broker is not
/// listening nothing is cached at all.
pub const TOKEN_TTL: Duration = Duration::from_secs(1);
const TOKEN_CACHE_CAPACITY: usize = 10_000;

/// Tokens checked in the last [`TOKEN_TTL`], by their hash: one query less
/// per request.
#[derive(Debug)]
pub struct TokenCache {
    entries: Mutex<Entries>,
    /// Bumped by every revocation: an answer read from the database before
    /// a revocation is not remembered after it.
    generation: AtomicU64,
    /// The task that keeps the cache told of other brokers' revocations;
    /// it ends with the cache.
    listener: Mutex<Option<tokio::task::AbortHandle>>,
}

#[derive(Debug)]
struct Entries {
    by_hash: HashMap<String, (Principal, Instant)>,
    /// False while revocations by other brokers could go unseen (the
    /// listener is not connected): then nothing is cached or trusted.
    trusted: bool,
}

impl Default for TokenCache {
    fn default() -> TokenCache {
        TokenCache::new(true)
    }
}

impl Drop for TokenCache {
    fn drop(&mut self) {
        if let Ok(listener) = self.listener.get_mut()
            && let Some(handle) = listener.take()
        {
            handle.abort();
        }
    }
}

impl TokenCache {
    fn new(trusted: bool) -> TokenCache {
        TokenCache {
            entries: Mutex::new(Entries {
                by_hash: HashMap::new(),
                trusted,
            }),
            generation: AtomicU64::new(0),
            listener: Mutex::new(None),
        }
    }

    fn get(&self, hash: &str) -> Option<Principal> {
        let entries = self.entries.lock().ok()?;
        if !entries.trusted {
            return None;
        }
        let (p, at) = entries.by_hash.get(hash)?;
        (at.elapsed() < TOKEN_TTL).then(|| p.clone())
    }

    fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    fn put(&self, hash: String, p: Principal, read_at_generation: u64) {
        if let Ok(mut entries) = self.entries.lock() {
            // Checked under the lock that `clear` takes too.
            if !entries.trusted || self.generation() != read_at_generation {
                return;
            }
            if entries.by_hash.len() >= TOKEN_CACHE_CAPACITY {
                entries
                    .by_hash
                    .retain(|_, (_, at)| at.elapsed() < TOKEN_TTL);
            }
            if entries.by_hash.len() < TOKEN_CACHE_CAPACITY {
                entries.by_hash.insert(hash, (p, Instant::now()));
            }
        }
    }

    /// Forgets every token: after a revocation.
    pub fn clear(&self) {
        self.forget(|entries| entries.by_hash.clear());
    }

    /// Forgets the token `token_id`: another broker revoked it.
    fn forget_token(&self, token_id: &str) {
        self.forget(|entries| entries.by_hash.retain(|_, (p, _)| p.token_id != token_id));
    }

    /// Forgets every token and sets whether to trust (and so cache) again.
    fn set_trusted(&self, trusted: bool) {
        self.forget(|entries| {
            entries.by_hash.clear();
            entries.trusted = trusted;
        });
    }

    /// Applies `change` and bumps the generation, under the lock `put`
    /// takes, so that no answer read before it is cached after it.
    fn forget(&self, change: impl FnOnce(&mut Entries)) {
        // A poisoned lock still holds a usable map: forgetting must not be
        // skipped.
        let mut entries = self
            .entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        self.generation.fetch_add(1, Ordering::SeqCst);
        change(&mut entries);
    }
}

/// The token cache for `store`: on PostgreSQL, a task listens for the
/// revocations every broker commits and forgets each revoked token at once;
/// until it listens, and whenever it has lost the connection, the cache
/// holds nothing. Outside a Tokio runtime (no task can run) the cache is
/// never trusted. On SQLite (one broker per file) the cache needs no
/// telling.
pub fn token_cache(store: &Store) -> Arc<TokenCache> {
    let Some(revocations) = store.revocations() else {
        return Arc::new(TokenCache::new(true));
    };
    let cache = Arc::new(TokenCache::new(false));
    if let Ok(runtime) = tokio::runtime::Handle::try_current() {
        let task = runtime.spawn(listen_for_revocations(revocations, Arc::downgrade(&cache)));
        if let Ok(mut listener) = cache.listener.lock() {
            *listener = Some(task.abort_handle());
        }
    }
    cache
}

/// Keeps `cache` told of revocations, until the cache is dropped.
async fn listen_for_revocations(mut revocations: Revocations, cache: Weak<TokenCache>) {
    loop {
        let event = revocations.next().await;
        let Some(cache) = cache.upgrade() else { return };
        match event {
            Revocation::Listening => {
                tracing::info!("listening for token revocations");
                cache.set_trusted(true);
            }
            Revocation::Revoked { token_id } => cache.forget_token(&token_id),
            Revocation::Lost => {
                tracing::warn!(
                    "lost the connection that listens for token revocations: not caching tokens until it is back"
                );
                cache.set_trusted(false);
            }
        }
    }
}

/// The caller of a request: a team and its scopes, or nobody.
#[derive(Debug, Clone)]
pub struct Caller(pub Option<Principal>);

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        // A write was authenticated before its body was read (see
        // `admission`): the same answer, not a second look-up.
        if let Some(caller) = parts.extensions.get::<Caller>() {
            return Ok(caller.clone());
        }
        Caller::from_headers(&parts.headers, state).await
    }
}

impl Caller {
    /// The caller an `Authorization` header names: nobody without one, 401
    /// for a malformed header or a token unknown or revoked. The one place
    /// a token is checked.
    pub async fn from_headers(headers: &HeaderMap, state: &AppState) -> Result<Caller, ApiError> {
        let Some(header) = headers.get(axum::http::header::AUTHORIZATION) else {
            return Ok(Caller(None));
        };
        let token = header.to_str().ok().and_then(bearer_token).ok_or_else(|| {
            ApiError::Unauthenticated("the Authorization header must be `Bearer <token>`".into())
        })?;
        let hash = treaty_store::content_hash(token);
        if let Some(p) = state.tokens.get(&hash) {
            return Ok(Caller(Some(p)));
        }
        let generation = state.tokens.generation();
        match state.store.authenticate(token).await? {
            Some(p) => {
                state.tokens.put(hash, p.clone(), generation);
                Ok(Caller(Some(p)))
            }
            None => Err(ApiError::Unauthenticated(
                "the token is unknown or revoked".into(),
            )),
        }
    }
}

impl Caller {
    pub fn principal(&self) -> Result<&Principal, ApiError> {
        self.0.as_ref().ok_or_else(|| {
            ApiError::Unauthenticated(
                "this needs a token: pass `Authorization: Bearer <token>` (TREATY_TOKEN for the CLI)"
                    .into(),
            )
        })
    }

    /// Reading needs a token unless the broker allows anonymous reads.
    pub fn read(&self, anonymous_read: bool) -> Result<(), ApiError> {
        if anonymous_read {
            return Ok(());
        }
        self.principal().map(|_| ())
    }

    /// An administrator's write.
    pub fn admin(&self) -> Result<&Principal, ApiError> {
        let p = self.principal()?;
        if p.is_admin() {
            Ok(p)
        } else {
            Err(ApiError::Forbidden(format!(
                "this needs an admin token; team `{}`'s token is not one",
                p.team
            )))
        }
    }

    /// A write on something `owner` owns, which needs `scope`: allowed to
    /// the owner team with that scope, and to admins.
    pub fn write_as(&self, owner: &str, scope: Scope, what: &str) -> Result<&Principal, ApiError> {
        self.write_for(owner, scope, what, "belongs to")
    }

    /// A write that creates something for `owner` (a new component): as
    /// [`Caller::write_as`], refused in words that do not claim it exists.
    pub fn create_as(&self, owner: &str, scope: Scope, what: &str) -> Result<&Principal, ApiError> {
        self.write_for(owner, scope, what, "would belong to")
    }

    fn write_for(
        &self,
        owner: &str,
        scope: Scope,
        what: &str,
        relation: &str,
    ) -> Result<&Principal, ApiError> {
        let p = self.principal()?;
        if p.is_admin() {
            return Ok(p);
        }
        if p.team != owner {
            return Err(ApiError::Forbidden(format!(
                "{what} {relation} team `{owner}`; this token is team `{}`'s",
                p.team
            )));
        }
        if !p.may(scope) {
            return Err(ApiError::Forbidden(format!(
                "{what} needs the `{}` scope; this token has [{}]",
                scope.as_str(),
                p.scopes
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        Ok(p)
    }
}

/// The token of an `Authorization: Bearer <token>` header, read as RFC 6750
/// (section 2.1) writes it: the scheme in any case, one or more spaces,
/// then a `b64token` of at most 256 characters. Whitespace around the
/// whole value is not part of it (RFC 9110, section 5.5), so a trailing
/// space is accepted; a space inside the token is not.
fn bearer_token(header: &str) -> Option<&str> {
    let header = header.trim_matches([' ', '\t']);
    let (scheme, rest) = header.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let token = rest.trim_start_matches(' ');
    let body = token.trim_end_matches('=');
    let b64token = !body.is_empty()
        && token.len() <= 256
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~+/".contains(&b));
    b64token.then_some(token)
}

#[cfg(test)]
mod tests {
    use super::{Principal, TokenCache, bearer_token};

    fn principal(token_id: &str) -> Principal {
        Principal {
            team: "catalog".into(),
            scopes: Vec::new(),
            token_id: token_id.into(),
        }
    }

    #[test]
    fn a_token_revoked_elsewhere_is_forgotten_and_the_others_kept() {
        let cache = TokenCache::new(true);
        cache.put("h1".into(), principal("tok_1"), cache.generation());
        cache.put("h2".into(), principal("tok_2"), cache.generation());
        cache.forget_token("tok_1");
        assert_eq!(cache.get("h1"), None);
        assert_eq!(cache.get("h2"), Some(principal("tok_2")));
    }

    #[test]
    fn nothing_is_cached_while_revocations_could_go_unheard() {
        let cache = TokenCache::new(false);
        cache.put("h1".into(), principal("tok_1"), cache.generation());
        assert_eq!(cache.get("h1"), None, "not listening yet");

        // Read before listening started, remembered after: refused.
        let read_at = cache.generation();
        cache.set_trusted(true);
        cache.put("h1".into(), principal("tok_1"), read_at);
        assert_eq!(cache.get("h1"), None);
        cache.put("h1".into(), principal("tok_1"), cache.generation());
        assert_eq!(cache.get("h1"), Some(principal("tok_1")));

        // The connection lost: everything forgotten, nothing cached.
        cache.set_trusted(false);
        assert_eq!(cache.get("h1"), None);
        cache.put("h1".into(), principal("tok_1"), cache.generation());
        assert_eq!(cache.get("h1"), None);
    }

    #[test]
    fn bearer_tokens_read_as_rfc_6750_writes_them() {
        assert_eq!(bearer_token("Bearer trt_abc"), Some("trt_abc"));
        assert_eq!(bearer_token("bearer trt_abc"), Some("trt_abc"));
        assert_eq!(bearer_token("Bearer  trt_abc"), Some("trt_abc"));
        assert_eq!(bearer_token("Bearer trt_abc "), Some("trt_abc"));
        assert_eq!(bearer_token("Bearer a+b/c=="), Some("a+b/c=="));
        for refused in [
            "Bearer",
            "Bearer ",
            "Basic dXNlcjpwYXNz",
            "Bearer trt abc",
            "Bearer ===",
            "Bearertrt_abc",
            "Bearer trt_\u{e9}",
        ] {
            assert_eq!(bearer_token(refused), None, "{refused}");
        }
        assert_eq!(bearer_token(&format!("Bearer {}", "a".repeat(257))), None);
    }
}
