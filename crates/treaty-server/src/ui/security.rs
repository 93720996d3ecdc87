//! What every dashboard answer carries and every form must show: the
//! security headers (a strict Content-Security-Policy: no inline script or
//! style, no framing, forms posted here only) and the CSRF tokens.
//!
//! Two CSRF tokens, both compared in constant time and refused with 403:
//! a signed-in form carries a synchronizer token derived from the session
//! id (which only the browser holding the session cookie knows, and which
//! is not what the store keeps); the sign-in form, before any session
//! exists, carries the value of a random pre-session cookie (double
//! submit), which a cross-site page can neither read nor set. Before
//! either, a form whose `Origin` (which browsers send with every POST)
//! names another host than the request's `Host` is refused: that also
//! stops a sibling subdomain, which could set a cookie for the broker's
//! host.

use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;

use super::pages::UiError;

/// The Content-Security-Policy of every dashboard answer.
pub(crate) const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Adds the security headers; pages (anything not already cached on
/// purpose, as the stylesheet is) are not stored by the browser or a
/// proxy, since they show what a signed-in team may read.
pub(crate) async fn headers(mut response: Response) -> Response {
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // Not `no-referrer`: under it browsers send `Origin: null` with a
    // form's POST, and `same_origin` could not tell our forms from others.
    // `same-origin` still sends nothing to another site.
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// Refuses a form posted from another origin: its `Origin` header, when
/// there is one, must name the host (and port) the request was sent to.
/// Clients that send no `Origin` (not a browser, or a very old one) are
/// left to the CSRF tokens.
pub(crate) fn same_origin(headers: &HeaderMap) -> Result<(), UiError> {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return Ok(());
    };
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let origin_host = origin
        .to_str()
        .ok()
        .and_then(|o| url::Url::parse(o).ok())
        .and_then(|u| {
            let host = u.host_str()?.to_owned();
            Some(match u.port() {
                Some(port) => format!("{host}:{port}"),
                None => host,
            })
        });
    match (origin_host, host) {
        (Some(o), Some(h)) if o.eq_ignore_ascii_case(h) => Ok(()),
        _ => Err(UiError::Forbidden(format!(
            "this form was sent from another site ({}); open the dashboard on this broker and try again",
            origin.to_str().unwrap_or("an unreadable Origin")
        ))),
    }
}

/// The synchronizer token of the session `secret`: a hash of it under a
/// name of its own, so that it is neither the cookie nor the stored hash.
pub(crate) fn csrf_token(session_secret: &str) -> String {
    treaty_store::content_hash(&format!("treaty-ui-csrf\0{session_secret}"))
}

/// Whether `sent` equals `expected`, in time that depends on their
/// lengths only.
pub(crate) fn same(sent: &str, expected: &str) -> bool {
    sent.len() == expected.len()
        && sent
            .bytes()
            .zip(expected.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

#[cfg(test)]
mod tests {
    use axum::http::{HeaderMap, HeaderValue};

    use super::{csrf_token, same, same_origin};

    fn headers(origin: Option<&'static str>, host: &'static str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("host", HeaderValue::from_static(host));
        if let Some(o) = origin {
            h.insert("origin", HeaderValue::from_static(o));
        }
        h
    }

    #[test]
    fn only_forms_from_the_brokers_own_origin_pass() {
        assert!(same_origin(&headers(None, "broker:8080")).is_ok());
        assert!(same_origin(&headers(Some("http://broker:8080"), "broker:8080")).is_ok());
        assert!(same_origin(&headers(Some("https://broker.example"), "broker.example")).is_ok());
        for other in [
            "http://evil.example",
            "http://broker:8081",
            "http://sub.broker:8080",
            "null",
        ] {
            assert!(
                same_origin(&headers(Some(other), "broker:8080")).is_err(),
                "{other}"
            );
        }
    }

    #[test]
    fn tokens_compare_equal_only_when_equal() {
        assert!(same("abc", "abc"));
        assert!(!same("abc", "abd"));
        assert!(!same("abc", "abcd"));
        assert!(!same("", "a"));
    }

    #[test]
    fn the_csrf_token_is_tied_to_its_session_and_is_not_the_session() {
        let a = csrf_token("trs_a");
        assert_eq!(a, csrf_token("trs_a"));
        assert_ne!(a, csrf_token("trs_b"));
        assert_ne!(a, treaty_store::content_hash("trs_a"));
    }
}
