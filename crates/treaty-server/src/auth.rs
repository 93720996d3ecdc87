//! Who is calling: the bearer token, checked against the store's hashes.
//! Each handler then says what the caller may do with [`Caller`].

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::request::Parts;
use treaty_store::{Principal, Scope};

use crate::AppState;
use crate::error::ApiError;

/// How long a token, once checked, is taken as valid without asking the
/// database again. A revocation takes effect at once on the broker that
/// records it (the cache is emptied) and within this delay on the others.
pub const TOKEN_TTL: Duration = Duration::from_secs(1);
const TOKEN_CACHE_CAPACITY: usize = 10_000;

/// Tokens checked in the last [`TOKEN_TTL`], by their hash: one query less
/// per request.
#[derive(Debug, Default)]
pub struct TokenCache {
    entries: Mutex<HashMap<String, (Principal, Instant)>>,
    /// Bumped by every revocation: an answer read from the database before
    /// a revocation is not remembered after it.
    generation: std::sync::atomic::AtomicU64,
}

impl TokenCache {
    fn get(&self, hash: &str) -> Option<Principal> {
        let entries = self.entries.lock().ok()?;
        let (p, at) = entries.get(hash)?;
        (at.elapsed() < TOKEN_TTL).then(|| p.clone())
    }

    fn generation(&self) -> u64 {
        self.generation.load(std::sync::atomic::Ordering::SeqCst)
    }

    fn put(&self, hash: String, p: Principal, read_at_generation: u64) {
        if let Ok(mut entries) = self.entries.lock() {
            // Checked under the lock that `clear` takes too.
            if self.generation() != read_at_generation {
                return;
            }
            if entries.len() >= TOKEN_CACHE_CAPACITY {
                entries.retain(|_, (_, at)| at.elapsed() < TOKEN_TTL);
            }
            if entries.len() < TOKEN_CACHE_CAPACITY {
                entries.insert(hash, (p, Instant::now()));
            }
        }
    }

    /// Forgets every token: after a revocation.
    pub fn clear(&self) {
        if let Ok(mut entries) = self.entries.lock() {
            self.generation
                .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            entries.clear();
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
    use super::bearer_token;

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
