//! Requests to the dashboard as a browser sends them (cookies, form
//! bodies) through the broker's router, and what the tests read back:
//! shared by the dashboard's page tests.

#![allow(dead_code)]

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use tower::ServiceExt;

use crate::common::Broker;

pub type Error = Box<dyn std::error::Error>;
/// Cookies or form fields, by name.
pub type Fields<'a> = &'a [(&'a str, &'a str)];

/// An answer, as a browser would see it.
pub struct Page {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

impl Page {
    /// The `Set-Cookie` value of cookie `name`, without its attributes.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|v| {
                let (pair, _) = v.split_once(';').unwrap_or((v, ""));
                let (k, value) = pair.split_once('=')?;
                (k == name).then(|| value.to_owned())
            })
    }

    /// The whole `Set-Cookie` header of cookie `name`.
    pub fn set_cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with(&format!("{name}=")))
            .map(str::to_owned)
    }

    pub fn location(&self) -> Option<&str> {
        self.headers.get("location").and_then(|v| v.to_str().ok())
    }

    /// The value of the hidden field `csrf` of the first form holding one.
    pub fn csrf_field(&self) -> Option<String> {
        let at = self.body.find("name=\"csrf\" value=\"")? + "name=\"csrf\" value=\"".len();
        let rest = &self.body[at..];
        Some(rest[..rest.find('"')?].to_owned())
    }
}

/// A request as a browser sends it: `cookies` as one header, a form body.
pub async fn visit(
    b: &Broker,
    method: &str,
    path: &str,
    cookies: &[(&str, &str)],
    form: Option<&[(&str, &str)]>,
) -> Result<Page, Error> {
    let mut req = Request::builder().method(method).uri(path);
    if !cookies.is_empty() {
        let header: Vec<String> = cookies.iter().map(|(k, v)| format!("{k}={v}")).collect();
        req = req.header("Cookie", header.join("; "));
    }
    let body = match form {
        Some(fields) => {
            req = req.header("Content-Type", "application/x-www-form-urlencoded");
            url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(fields.iter())
                .finish()
        }
        None => String::new(),
    };
    let response = b.app.clone().oneshot(req.body(Body::from(body))?).await?;
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await?.to_bytes();
    Ok(Page {
        status,
        headers,
        body: String::from_utf8(bytes.to_vec())?,
    })
}

/// Signs in with `token` through the form: the session cookie.
pub async fn sign_in(b: &Broker, token: &str) -> Result<String, Error> {
    let form = visit(b, "GET", "/ui/sign-in", &[], None).await?;
    let pre = form.cookie("treaty_sign_in").ok_or("no sign-in cookie")?;
    let csrf = form.csrf_field().ok_or("no csrf field")?;
    assert_eq!(pre, csrf, "the form repeats its cookie");
    let signed = visit(
        b,
        "POST",
        "/ui/sign-in",
        &[("treaty_sign_in", &pre)],
        Some(&[("csrf", &csrf), ("token", token)]),
    )
    .await?;
    assert_eq!(signed.status, StatusCode::SEE_OTHER, "{}", signed.body);
    assert_eq!(signed.location(), Some("/ui/catalog"));
    Ok(signed.cookie("treaty_session").ok_or("no session cookie")?)
}

pub async fn get(b: &Broker, path: &str, session: Option<&str>) -> Result<Page, Error> {
    match session {
        Some(s) => visit(b, "GET", path, &[("treaty_session", s)], None).await,
        None => visit(b, "GET", path, &[], None).await,
    }
}
