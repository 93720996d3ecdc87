//! Sign-in with a team token into a session cookie, and sign-out.
//!
//! The cookie holds a random session id (`HttpOnly`, `SameSite=Strict`,
//! `Path=/ui`, `Secure` when configured); the store keeps its hash, its
//! expiry and the token it was opened with, and every request looks it up
//! again, so a session ends at its expiry, at sign-out, and as soon as its
//! token is revoked. The token itself is never kept in the browser.

use askama::Template;
use axum::body::Body;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use treaty_store::{MAX_SESSION_SECRET, Principal};

use super::forms;
use super::pages::{Nav, UiError, render};
use super::security::{csrf_token, same, same_origin};
use crate::AppState;

/// The session cookie.
const SESSION_COOKIE: &str = "treaty_session";
/// The pre-session cookie whose value the sign-in form must repeat.
const SIGN_IN_COOKIE: &str = "treaty_sign_in";
/// Longest token accepted in the sign-in form (as a bearer token).
const MAX_TOKEN: usize = 256;

/// Who is looking at a page: a signed-in team (with its session id), or
/// nobody.
#[derive(Debug, Clone)]
pub(crate) struct Visitor {
    /// The team signed in and its token's scopes.
    pub principal: Option<Principal>,
    /// The session id from the cookie, when it names a live session.
    secret: Option<String>,
}

impl Visitor {
    /// The CSRF token of the session, for the forms of the page.
    pub(crate) fn csrf(&self) -> Option<String> {
        self.secret.as_deref().map(csrf_token)
    }

    /// The team signed in.
    pub(crate) fn team(&self) -> Option<String> {
        self.principal.as_ref().map(|p| p.team.clone())
    }

    /// The header of page `current` for this visitor.
    pub(crate) fn nav(&self, current: &'static str) -> Nav {
        Nav::new(current, self.team(), self.csrf())
    }

    /// Reading needs a session unless the broker allows anonymous reads:
    /// the rule the JSON API applies to its reads.
    pub(crate) fn may_read(&self, state: &AppState) -> Result<(), UiError> {
        if self.principal.is_some() || state.config.anonymous_read {
            Ok(())
        } else {
            Err(UiError::SignInNeeded)
        }
    }
}

impl FromRequestParts<AppState> for Visitor {
    type Rejection = UiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, UiError> {
        let Some(secret) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Ok(Visitor {
                principal: None,
                secret: None,
            });
        };
        let principal = state
            .store
            .session(secret, state.config.clock.now_ms()?)
            .await?;
        Ok(Visitor {
            secret: principal.as_ref().map(|_| secret.to_owned()),
            principal,
        })
    }
}

/// The value of cookie `name`, when it looks like one of ours: a short
/// run of letters, digits and `_`.
fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
        .filter(|v| {
            !v.is_empty()
                && v.len() <= MAX_SESSION_SECRET
                && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        })
}

/// A `Set-Cookie` value for `name`, living `max_age` seconds (0 deletes it).
fn set_cookie(state: &AppState, name: &str, value: &str, max_age: u64) -> Option<HeaderValue> {
    let secure = if state.config.ui.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/ui; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}"
    ))
    .ok()
}

#[derive(Template)]
#[template(path = "ui/sign_in.html")]
struct SignInPage {
    nav: Nav,
    /// The pre-session CSRF token, repeated in the form.
    form_csrf: String,
    /// Why the last try failed.
    problem: Option<String>,
    /// Whether pages may be read without signing in.
    anonymous_read: bool,
}

/// The sign-in form, with a fresh pre-session cookie (or the one the
/// browser already holds).
fn sign_in_form(
    state: &AppState,
    visitor: &Visitor,
    headers: &HeaderMap,
    status: StatusCode,
    problem: Option<String>,
) -> Result<Response, UiError> {
    let form_csrf = match cookie(headers, SIGN_IN_COOKIE) {
        Some(v) => v.to_owned(),
        None => treaty_store::random_id("tsi_")?,
    };
    let page = SignInPage {
        nav: visitor.nav("sign-in"),
        form_csrf: form_csrf.clone(),
        problem,
        anonymous_read: state.config.anonymous_read,
    };
    let mut response = (status, render(&page)).into_response();
    // Lives as long as a sign-in takes, generously.
    if let Some(c) = set_cookie(state, SIGN_IN_COOKIE, &form_csrf, 3600) {
        response.headers_mut().append(header::SET_COOKIE, c);
    }
    Ok(response)
}

/// `GET /ui/sign-in`.
pub(crate) async fn sign_in_page(
    State(state): State<AppState>,
    visitor: Visitor,
    headers: HeaderMap,
) -> Result<Response, UiError> {
    sign_in_form(&state, &visitor, &headers, StatusCode::OK, None)
}

/// `POST /ui/sign-in`: the form's `csrf` must repeat the pre-session
/// cookie; its `token` must be a live team token. Opens a session and
/// sends the browser to the catalog.
pub(crate) async fn sign_in(
    State(state): State<AppState>,
    visitor: Visitor,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, UiError> {
    same_origin(&headers)?;
    let form = forms::read(body).await?;
    let expected = cookie(&headers, SIGN_IN_COOKIE).ok_or_else(|| {
        UiError::Forbidden(
            "the sign-in form must be sent from the sign-in page (its cookie is missing): open /ui/sign-in and try again".into(),
        )
    })?;
    let sent = form.get("csrf").map(String::as_str).unwrap_or("");
    if !same(sent, expected) {
        return Err(UiError::Forbidden(
            "the sign-in form's CSRF token is missing or wrong: open /ui/sign-in and try again"
                .into(),
        ));
    }
    let token = form.get("token").map(|t| t.trim()).unwrap_or("");
    if token.is_empty() || token.len() > MAX_TOKEN {
        return sign_in_form(
            &state,
            &visitor,
            &headers,
            StatusCode::BAD_REQUEST,
            Some(format!(
                "enter a team token (1 to {MAX_TOKEN} characters, as `treaty token create` printed it)"
            )),
        );
    }
    let now = state.config.clock.now_ms()?;
    let ttl = i64::try_from(state.config.ui.session_ttl.as_millis()).unwrap_or(i64::MAX);
    let Some(opened) = state
        .store
        .open_session(token, now, now.saturating_add(ttl))
        .await?
    else {
        return sign_in_form(
            &state,
            &visitor,
            &headers,
            StatusCode::UNAUTHORIZED,
            Some("the token is unknown or revoked".into()),
        );
    };
    // A session open in this browser before is ended: one at a time.
    if let Some(old) = cookie(&headers, SESSION_COOKIE) {
        state.store.end_session(old).await?;
    }
    tracing::info!(team = %opened.principal.team, token = %opened.principal.token_id, "dashboard sign-in");
    let mut response = Redirect::to("/ui/catalog").into_response();
    let h = response.headers_mut();
    if let Some(c) = set_cookie(
        &state,
        SESSION_COOKIE,
        &opened.secret,
        state.config.ui.session_ttl.as_secs(),
    ) {
        h.append(header::SET_COOKIE, c);
    }
    if let Some(c) = set_cookie(&state, SIGN_IN_COOKIE, "", 0) {
        h.append(header::SET_COOKIE, c);
    }
    Ok(response)
}

/// `POST /ui/sign-out`: the form's `csrf` must be the session's. Ends the
/// session in the store and deletes the cookie.
pub(crate) async fn sign_out(
    State(state): State<AppState>,
    visitor: Visitor,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, UiError> {
    same_origin(&headers)?;
    let form = forms::read(body).await?;
    // Without a live session there is nothing to end (it expired, or its
    // token was revoked): the cookie goes, whoever asked.
    let (Some(secret), Some(expected)) = (visitor.secret.as_deref(), visitor.csrf()) else {
        return Ok(signed_out(&state));
    };
    let sent = form.get("csrf").map(String::as_str).unwrap_or("");
    if !same(sent, &expected) {
        return Err(UiError::Forbidden(
            "the sign-out form's CSRF token is missing or wrong: reload the page and try again"
                .into(),
        ));
    }
    state.store.end_session(secret).await?;
    Ok(signed_out(&state))
}

/// To the sign-in page, the session cookie deleted.
fn signed_out(state: &AppState) -> Response {
    let mut response = Redirect::to("/ui/sign-in").into_response();
    if let Some(c) = set_cookie(state, SESSION_COOKIE, "", 0) {
        response.headers_mut().append(header::SET_COOKIE, c);
    }
    response
}
