//! The dashboard (`/ui/`) through the broker's router, on SQLite (always)
//! and PostgreSQL (when `TREATY_TEST_DATABASE_URL` is set; under `CI` a
//! missing URL fails): sign-in and sign-out, CSRF refusals, session expiry
//! and revocation with the token, the security headers, escaping, the
//! catalog and its search, an interface's page and the matrix.

mod common;
mod ui_seed;
mod ui_visit;

use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::{Broker, TestResult, postgres, sqlite};
use serde_json::json;
use tower::ServiceExt;
use treaty_server::Config;
use treaty_server::ui::UiConfig;
use ui_seed::{HOSTILE_NAME, data};
use ui_visit::{Fields, get, sign_in, visit};

type Error = Box<dyn std::error::Error>;

async fn signing_in_and_out(b: &Broker) -> TestResult {
    let token = data(b).await?;
    // Reads need a token here (no anonymous reads): to the sign-in page.
    let catalog = get(b, "/ui/catalog", None).await?;
    assert_eq!(catalog.status, StatusCode::SEE_OTHER);
    assert_eq!(catalog.location(), Some("/ui/sign-in"));

    let form = get(b, "/ui/sign-in", None).await?;
    assert_eq!(form.status, StatusCode::OK);
    let pre = form
        .set_cookie("treaty_sign_in")
        .ok_or("no sign-in cookie")?;
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/ui"] {
        assert!(pre.contains(attribute), "{pre}");
    }
    assert!(!pre.contains("Secure"), "not configured for https: {pre}");

    // A wrong token: the form again, saying why, and no session.
    let pre = form.cookie("treaty_sign_in").ok_or("no cookie")?;
    let refused = visit(
        b,
        "POST",
        "/ui/sign-in",
        &[("treaty_sign_in", &pre)],
        Some(&[("csrf", &pre), ("token", "trt_not_a_token")]),
    )
    .await?;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert!(
        refused.body.contains("unknown or revoked"),
        "{}",
        refused.body
    );
    assert_eq!(refused.cookie("treaty_session"), None);

    let session = sign_in(b, &token).await?;
    assert!(session.starts_with("trs_"), "{session}");
    let page = get(b, "/ui/catalog", Some(&session)).await?;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.body
            .contains("Signed in as team <strong>catalog</strong>")
    );
    let csrf = page.csrf_field().ok_or("no sign-out form")?;

    let out = visit(
        b,
        "POST",
        "/ui/sign-out",
        &[("treaty_session", &session)],
        Some(&[("csrf", &csrf)]),
    )
    .await?;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert_eq!(out.cookie("treaty_session").as_deref(), Some(""));
    // The session is gone from the store: the old cookie reads nothing.
    let after = get(b, "/ui/catalog", Some(&session)).await?;
    assert_eq!(after.status, StatusCode::SEE_OTHER);
    Ok(())
}

#[tokio::test]
async fn signing_in_and_out_on_sqlite() -> TestResult {
    signing_in_and_out(&sqlite(Config::default()).await?).await
}

#[tokio::test]
async fn signing_in_and_out_on_postgres() -> TestResult {
    match postgres(Config::default()).await? {
        Some(b) => signing_in_and_out(&b).await,
        None => Ok(()),
    }
}

async fn forms_without_their_csrf_token_are_refused(b: &Broker) -> TestResult {
    let token = data(b).await?;
    let form = get(b, "/ui/sign-in", None).await?;
    let pre = form.cookie("treaty_sign_in").ok_or("no cookie")?;
    let tries: [(Fields, Fields); 4] = [
        // No token in the form.
        (&[("treaty_sign_in", &pre)], &[("token", &token)]),
        // Another token than the cookie's.
        (
            &[("treaty_sign_in", &pre)],
            &[("csrf", "tsi_0000"), ("token", &token)],
        ),
        // No cookie at all: a form posted from another site.
        (&[], &[("csrf", &pre), ("token", &token)]),
        // An empty token matching nothing.
        (
            &[("treaty_sign_in", &pre)],
            &[("csrf", ""), ("token", &token)],
        ),
    ];
    for (cookies, fields) in tries {
        let refused = visit(b, "POST", "/ui/sign-in", cookies, Some(fields)).await?;
        assert_eq!(
            refused.status,
            StatusCode::FORBIDDEN,
            "{fields:?}: {}",
            refused.body
        );
        assert_eq!(refused.cookie("treaty_session"), None);
    }

    // Every token right, but posted by a page of another origin (a
    // sibling subdomain could have set the cookie): refused all the same.
    for (origin, want) in [
        ("http://evil.example", StatusCode::FORBIDDEN),
        ("http://sub.broker.example", StatusCode::FORBIDDEN),
        ("http://broker.example", StatusCode::SEE_OTHER),
    ] {
        let form = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs([("csrf", pre.as_str()), ("token", token.as_str())])
            .finish();
        let req = Request::builder()
            .method("POST")
            .uri("/ui/sign-in")
            .header("Host", "broker.example")
            .header("Origin", origin)
            .header("Cookie", format!("treaty_sign_in={pre}"))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(Body::from(form))?;
        let response = b.app.clone().oneshot(req).await?;
        assert_eq!(response.status(), want, "{origin}");
    }

    let session = sign_in(b, &token).await?;
    let page = get(b, "/ui/catalog", Some(&session)).await?;
    let csrf = page.csrf_field().ok_or("no sign-out form")?;
    for fields in [
        &[][..],
        &[("csrf", "0".repeat(64).as_str())][..],
        &[("csrf", pre.as_str())][..],
    ] {
        let refused = visit(
            b,
            "POST",
            "/ui/sign-out",
            &[("treaty_session", &session)],
            Some(fields),
        )
        .await?;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{fields:?}");
        assert!(refused.body.contains("CSRF"), "{}", refused.body);
    }
    // Still signed in: the refused forms did nothing.
    let still = get(b, "/ui/catalog", Some(&session)).await?;
    assert_eq!(still.status, StatusCode::OK);
    // Another session's token is not this one's.
    let other = sign_in(b, &token).await?;
    let refused = visit(
        b,
        "POST",
        "/ui/sign-out",
        &[("treaty_session", &other)],
        Some(&[("csrf", &csrf)]),
    )
    .await?;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    Ok(())
}

#[tokio::test]
async fn forms_without_their_csrf_token_are_refused_on_sqlite() -> TestResult {
    forms_without_their_csrf_token_are_refused(&sqlite(Config::default()).await?).await
}

#[tokio::test]
async fn forms_without_their_csrf_token_are_refused_on_postgres() -> TestResult {
    match postgres(Config::default()).await? {
        Some(b) => forms_without_their_csrf_token_are_refused(&b).await,
        None => Ok(()),
    }
}

async fn sessions_end_with_their_token(b: &Broker) -> TestResult {
    let admin = b.admin.clone();
    data(b).await?;
    let issued = b
        .expect(
            201,
            "POST",
            "/api/v1/tokens",
            Some(&admin),
            Some(json!({"team": "search", "scopes": ["publish"]})),
        )
        .await?;
    let token = issued["token"].as_str().ok_or("no token")?;
    let id = issued["id"].as_str().ok_or("no id")?;
    let session = sign_in(b, token).await?;
    assert_eq!(
        get(b, "/ui/catalog", Some(&session)).await?.status,
        StatusCode::OK
    );
    b.expect(
        204,
        "DELETE",
        &format!("/api/v1/tokens/{id}"),
        Some(&admin),
        None,
    )
    .await?;
    let after = get(b, "/ui/catalog", Some(&session)).await?;
    assert_eq!(after.status, StatusCode::SEE_OTHER, "{}", after.body);
    // And it cannot open a new one.
    let form = get(b, "/ui/sign-in", None).await?;
    let pre = form.cookie("treaty_sign_in").ok_or("no cookie")?;
    let refused = visit(
        b,
        "POST",
        "/ui/sign-in",
        &[("treaty_sign_in", &pre)],
        Some(&[("csrf", &pre), ("token", token)]),
    )
    .await?;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    Ok(())
}

#[tokio::test]
async fn sessions_end_with_their_token_on_sqlite() -> TestResult {
    sessions_end_with_their_token(&sqlite(Config::default()).await?).await
}

#[tokio::test]
async fn sessions_end_with_their_token_on_postgres() -> TestResult {
    match postgres(Config::default()).await? {
        Some(b) => sessions_end_with_their_token(&b).await,
        None => Ok(()),
    }
}

/// A session that lasts no time at all has expired by the next request.
fn expiring() -> Config {
    Config {
        ui: UiConfig {
            session_ttl: Duration::ZERO,
            secure_cookies: true,
        },
        ..Config::default()
    }
}

async fn sessions_expire(b: &Broker) -> TestResult {
    let token = data(b).await?;
    let form = get(b, "/ui/sign-in", None).await?;
    let pre = form.set_cookie("treaty_sign_in").ok_or("no cookie")?;
    assert!(pre.contains("; Secure"), "configured for https: {pre}");
    let session = sign_in(b, &token).await?;
    let after = get(b, "/ui/catalog", Some(&session)).await?;
    assert_eq!(after.status, StatusCode::SEE_OTHER);
    assert_eq!(after.location(), Some("/ui/sign-in"));
    // The store answers by the time it is given: live before, not after.
    let opened = b
        .store
        .open_session(&token, 1_000, 2_000)
        .await?
        .ok_or("no session")?;
    assert!(b.store.session(&opened.secret, 1_999).await?.is_some());
    assert!(b.store.session(&opened.secret, 2_000).await?.is_none());
    Ok(())
}

#[tokio::test]
async fn sessions_expire_on_sqlite() -> TestResult {
    sessions_expire(&sqlite(expiring()).await?).await
}

#[tokio::test]
async fn sessions_expire_on_postgres() -> TestResult {
    match postgres(expiring()).await? {
        Some(b) => sessions_expire(&b).await,
        None => Ok(()),
    }
}

#[tokio::test]
async fn every_answer_carries_the_security_headers() -> TestResult {
    let b = sqlite(Config {
        anonymous_read: true,
        ..Config::default()
    })
    .await?;
    data(&b).await?;
    let css_path = {
        let page = get(&b, "/ui/catalog", None).await?;
        let at = page
            .body
            .find("/ui/static/treaty.")
            .ok_or("no stylesheet")?;
        let rest = &page.body[at..];
        rest[..rest.find('"').ok_or("unterminated")?].to_owned()
    };
    for path in [
        "/ui/catalog",
        "/ui/sign-in",
        "/ui/matrix?environment=production",
        "/ui/interfaces/catalog-api",
        "/ui/interfaces/nope",
        "/ui/no/such/page",
        css_path.as_str(),
    ] {
        let page = get(&b, path, None).await?;
        let h = |name: &str| {
            page.headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        assert_eq!(
            h("content-security-policy").as_deref(),
            Some(
                "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
            ),
            "{path}"
        );
        assert_eq!(
            h("x-content-type-options").as_deref(),
            Some("nosniff"),
            "{path}"
        );
        assert_eq!(
            h("referrer-policy").as_deref(),
            Some("same-origin"),
            "{path}"
        );
        // No inline style or script for the policy to have to allow.
        assert!(!page.body.contains("<script"), "{path}");
        assert!(!page.body.contains("style="), "{path}");
    }
    let css = get(&b, &css_path, None).await?;
    assert_eq!(css.status, StatusCode::OK);
    assert_eq!(
        css.headers
            .get("cache-control")
            .and_then(|v| v.to_str().ok()),
        Some("public, max-age=31536000, immutable")
    );
    assert_eq!(
        get(&b, "/ui/static/treaty.0000.css", None).await?.status,
        StatusCode::NOT_FOUND
    );
    let missing = get(&b, "/ui/interfaces/nope", None).await?;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.body.contains("interface `nope` does not exist"));
    Ok(())
}

async fn catalog_and_search(b: &Broker) -> TestResult {
    let token = data(b).await?;
    let session = sign_in(b, &token).await?;
    let s = Some(session.as_str());
    let all = get(b, "/ui/catalog", s).await?;
    assert_eq!(all.status, StatusCode::OK);
    // The hostile team name is shown as text, escaped; never as markup.
    assert!(!all.body.contains(HOSTILE_NAME), "{}", all.body);
    assert!(
        all.body
            .contains("&#60;script&#62;alert(1)&#60;/script&#62;"),
        "{}",
        all.body
    );
    for shown in [
        "catalog-api",
        "backward",
        "2 published; latest: 2.0.0, 1.0.0",
        "checkout-web",
        "operation GET /items/{sku}",
        "production: 2.0.0",
    ] {
        assert!(all.body.contains(shown), "{shown} in {}", all.body);
    }
    // Found by an operation a consumer uses, by a consumer's team, by the
    // interface; not by something nobody has.
    for (q, why) in [
        ("items/{sku", "checkout-web uses operation GET /items/{sku}"),
        ("SEARCH", "consumed by team Search (search-web)"),
        ("catalog-a", "interface catalog-api"),
        (
            "alert",
            "owned by team &#60;script&#62;alert(1)&#60;/script&#62;",
        ),
    ] {
        let path = format!(
            "/ui/catalog?q={}",
            url::form_urlencoded::byte_serialize(q.as_bytes()).collect::<String>()
        );
        let found = get(b, &path, s).await?;
        assert_eq!(found.status, StatusCode::OK);
        assert!(
            found.body.contains("1 interface(s) match"),
            "{q}: {}",
            found.body
        );
        assert!(found.body.contains(why), "{q}: {why} in {}", found.body);
    }
    let none = get(b, "/ui/catalog?q=payments", s).await?;
    assert!(none.body.contains("0 interface(s) match"), "{}", none.body);
    assert!(none.body.contains("No interface to show"));
    let long = get(b, &format!("/ui/catalog?q={}", "a".repeat(201)), s).await?;
    assert_eq!(long.status, StatusCode::BAD_REQUEST);

    let detail = get(b, "/ui/interfaces/catalog-api", s).await?;
    assert_eq!(detail.status, StatusCode::OK);
    for shown in [
        "<h1>Interface catalog-api</h1>",
        "<th scope=\"row\">search-web</th>",
        "<th scope=\"row\">checkout-web</th><td>Checkout <span class=\"id\">(checkout)</span></td><td>41</td>",
        "operation GET /items",
        "production</a>",
        // The changelog: 2.0.0 dropped the operation checkout-web uses.
        "<h2>Changelog</h2>",
        "<h3>2.0.0 <span class=\"id\">since 1.0.0</span></h3>",
        "under the backward policy",
        "<span class=\"status blocked\">✗ breaking</span> <code>",
        "/items/{sku}",
    ] {
        assert!(detail.body.contains(shown), "{shown} in {}", detail.body);
    }
    assert!(!detail.body.contains(HOSTILE_NAME));
    let invalid = get(b, "/ui/interfaces/%3Cb%3E", s).await?;
    assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!invalid.body.contains("<b>"), "{}", invalid.body);
    Ok(())
}

#[tokio::test]
async fn catalog_and_search_on_sqlite() -> TestResult {
    catalog_and_search(&sqlite(Config::default()).await?).await
}

#[tokio::test]
async fn catalog_and_search_on_postgres() -> TestResult {
    match postgres(Config::default()).await? {
        Some(b) => catalog_and_search(&b).await,
        None => Ok(()),
    }
}

async fn matrix(b: &Broker) -> TestResult {
    let token = data(b).await?;
    let session = sign_in(b, &token).await?;
    let s = Some(session.as_str());
    let choose = get(b, "/ui/matrix", s).await?;
    assert_eq!(choose.status, StatusCode::OK);
    assert!(
        choose
            .body
            .contains("<option value=\"production\">production</option>")
    );

    let page = get(b, "/ui/matrix?environment=production", s).await?;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let body = &page.body;
    // search-web only lists items, which 2.0.0 still has: compatible.
    // checkout-web looks items up by sku, which 2.0.0 dropped: breaking,
    // and the reason says which rule.
    let row = |consumer: &str| -> Result<String, Error> {
        let at = body
            .find(&format!("<td>{consumer}</td><td>catalog-svc 2.0.0</td>"))
            .ok_or_else(|| format!("no row for {consumer} in {body}"))?;
        let rest = &body[at..];
        Ok(rest[..rest.find("</tr>").ok_or("unterminated")?].to_owned())
    };
    let search = row("search-web 7")?;
    assert!(search.contains("✓ compatible"), "{search}");
    assert!(
        search.contains("no breaking change since 1.0.0"),
        "{search}"
    );
    let checkout = row("checkout-web 41")?;
    assert!(checkout.contains("✗ breaking"), "{checkout}");
    assert!(checkout.contains("/items/{sku}"), "{checkout}");
    // The same verdicts as the API's can-i-release.
    let api = b
        .expect(
            200,
            "GET",
            "/api/v1/can-i-release?component=catalog-svc&version=2.0.0&environment=production",
            Some(&token),
            None,
        )
        .await?;
    assert_eq!(api["release"], json!(false));
    let verdict_row = {
        let at = body
            .find("<th scope=\"row\">catalog-svc</th>")
            .ok_or("no verdict row")?;
        let rest = &body[at..];
        rest[..rest.find("</tr>").ok_or("unterminated")?].to_owned()
    };
    assert!(verdict_row.contains("✗ blocked"), "{verdict_row}");
    let reasons = api["reasons"].as_array().ok_or("no reasons")?;
    for reason in reasons {
        let reason = reason.as_str().ok_or("reason")?;
        assert!(verdict_row.contains(reason), "{reason} in {verdict_row}");
    }
    let search_verdict = {
        let at = body
            .find("<th scope=\"row\">search-web</th>")
            .ok_or("no verdict row")?;
        let rest = &body[at..];
        rest[..rest.find("</tr>").ok_or("unterminated")?].to_owned()
    };
    assert!(search_verdict.contains("✓ may release"), "{search_verdict}");

    let empty = get(b, "/ui/matrix?environment=staging", s).await?;
    assert!(
        empty
            .body
            .contains("No component version is deployed or released in staging")
    );
    let missing = get(b, "/ui/matrix?environment=moon", s).await?;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    Ok(())
}

#[tokio::test]
async fn matrix_on_sqlite() -> TestResult {
    matrix(&sqlite(Config::default()).await?).await
}

#[tokio::test]
async fn matrix_on_postgres() -> TestResult {
    match postgres(Config::default()).await? {
        Some(b) => matrix(&b).await,
        None => Ok(()),
    }
}

/// A page of the matrix asks about 100 components and links to the next;
/// the last page links nowhere.
#[tokio::test]
async fn the_matrix_pages_by_component() -> TestResult {
    let b = sqlite(Config::default()).await?;
    b.store.create_team("many", "Many", 1).await?;
    b.store.create_environment("production", 1).await?;
    for n in 0..101 {
        let component = format!("comp-{n:03}");
        b.store.create_component(&component, "many", 1).await?;
        b.store
            .record_deployment(&component, "production", "1", "many", 1)
            .await?;
    }
    let session = sign_in(&b, &b.admin).await?;
    let s = Some(session.as_str());
    let first = get(&b, "/ui/matrix?environment=production", s).await?;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    assert!(first.body.contains("<th scope=\"row\">comp-000</th>"));
    assert!(first.body.contains("<th scope=\"row\">comp-099</th>"));
    assert!(!first.body.contains("comp-100"), "{}", first.body);
    let next = "/ui/matrix?environment=production&amp;after=comp-099";
    assert!(first.body.contains(next), "{}", first.body);
    let second = get(&b, &next.replace("&amp;", "&"), s).await?;
    assert_eq!(second.status, StatusCode::OK, "{}", second.body);
    assert!(second.body.contains("<th scope=\"row\">comp-100</th>"));
    assert!(!second.body.contains("comp-099"), "{}", second.body);
    assert!(!second.body.contains("after="), "{}", second.body);
    let bad = get(&b, "/ui/matrix?environment=production&after=%3Cb%3E", s).await?;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    Ok(())
}

#[tokio::test]
async fn pages_are_open_to_anyone_when_reads_are() -> TestResult {
    let b = sqlite(Config {
        anonymous_read: true,
        ..Config::default()
    })
    .await?;
    data(&b).await?;
    for path in [
        "/ui/catalog",
        "/ui/interfaces/catalog-api",
        "/ui/matrix?environment=production",
    ] {
        let page = get(&b, path, None).await?;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert!(
            page.body.contains("<a href=\"/ui/sign-in\">Sign in</a>"),
            "{path}"
        );
    }
    Ok(())
}
