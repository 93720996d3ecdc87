//! The dashboard's release board, proposals and decision log through the
//! broker's router, on SQLite (always) and PostgreSQL (when
//! `TREATY_TEST_DATABASE_URL` is set; under `CI` a missing URL fails): a
//! train whose gate is no-go while a breaking change awaits approval, the
//! risk of its scope item in words, the proposal's impact and diff, the
//! approve form refused without its CSRF token and to a team that is not
//! asked, the consumer's approval through the form turning the gate to
//! go, and the decision log with every proof verified. Hostile text
//! (`<script>` as a proposal's title and reason) is shown, never run.

mod common;
mod ui_seed;
mod ui_visit;

use axum::http::StatusCode;
use common::{Broker, TestResult, postgres, sqlite};
use serde_json::json;
use treaty_server::Config;
use ui_seed::{HOSTILE_NAME, RELEASE, data, propose, train};
use ui_visit::{Error, Page, get, sign_in, visit};

const NOW: &str = "now=2027-03-16T12:00:00Z";

fn config() -> Config {
    Config {
        gate_clock_from_request: true,
        log_signer: treaty_log::NoteSigner::from_seed("test.example/decisions", [5; 32]).ok(),
        ..Config::default()
    }
}

/// The approve form as a browser posts it.
struct Approval<'a> {
    session: &'a str,
    csrf: &'a str,
    change_set: &'a str,
    reason: &'a str,
}

async fn approve(b: &Broker, path: &str, form: Approval<'_>) -> Result<Page, Error> {
    let fields = [
        ("csrf", form.csrf),
        ("decision", "approve"),
        ("change_set", form.change_set),
        ("reason", form.reason),
    ];
    visit(
        b,
        "POST",
        path,
        &[("treaty_session", form.session)],
        Some(&fields),
    )
    .await
}

/// Records an escalation step for the train as the broker's timers do.
async fn escalated(b: &Broker) -> TestResult {
    use treaty_store::{NewDecision, NewEvent, NewStep, treaty_log};
    let due = 1_805_187_600_000; // 2027-03-16T09:00:00Z
    let message = format!("high blocker b-1 passed its deadline: {HOSTILE_NAME}");
    let step = NewStep {
        train: RELEASE.into(),
        key: "blocker/b-1#1".into(),
        rule: "blocker_overdue".into(),
        team: "checkout".into(),
        to: "nrossi".into(),
        message: message.clone(),
        since: due,
        due_at: due,
    };
    let event = NewEvent {
        event_type: "escalation",
        text: &message,
        data: json!({"key": "blocker/b-1#1"}),
    };
    let decision = NewDecision {
        kind: treaty_log::DecisionKind::Escalation,
        actor: treaty_log::Actor {
            team: treaty_store::ADMIN_TEAM.into(),
            token_id: None,
        },
        subject: format!("train:{RELEASE}"),
        reason: message.clone(),
        details: json!({"key": "blocker/b-1#1"}),
        at: due / 1000,
    };
    b.store
        .record_escalation_step(&step, &[], &event, decision, due + 60_000)
        .await?
        .ok_or("not recorded")?;
    Ok(())
}

fn board_path() -> String {
    format!("/ui/releases/{RELEASE}?environment=production&{NOW}")
}

async fn the_board_proposals_and_log(b: &Broker) -> TestResult {
    let catalog = data(b).await?;
    b.expect(
        201,
        "PUT",
        &format!("/api/v1/trains/{RELEASE}"),
        Some(&catalog),
        Some(train()?),
    )
    .await?;
    let checkout = b.token("checkout", &["publish", "approve"]).await?;
    let search = b.token("search", &["publish", "approve"]).await?;
    let producer = b.token("catalog", &["approve"]).await?;
    let session = sign_in(b, &checkout).await?;
    let s = Some(session.as_str());

    // The list of trains links each environment's gate.
    let list = get(b, "/ui/releases", s).await?;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    assert!(
        list.body
            .contains("/ui/releases/2027-03?environment=production"),
        "{}",
        list.body
    );
    assert!(
        list.body.contains("aria-current=\"page\">Releases"),
        "{}",
        list.body
    );

    // Without an environment: the scope and the choice, and no escalation.
    let scope = get(b, &format!("/ui/releases/{RELEASE}"), s).await?;
    assert_eq!(scope.status, StatusCode::OK, "{}", scope.body);
    assert!(
        scope
            .body
            .contains("No escalation was sent for this release"),
        "{}",
        scope.body
    );
    // A step the escalation timers sent is listed, its text escaped.
    escalated(b).await?;
    let scope = get(b, &format!("/ui/releases/{RELEASE}"), s).await?;
    for shown in [
        "<th scope=\"row\">blocker/b-1#1</th><td>blocker overdue</td><td>nrossi</td>",
        "2027-03-16 09:00 UTC",
        "&#60;script&#62;",
    ] {
        assert!(scope.body.contains(shown), "{shown} in {}", scope.body);
    }
    assert!(!scope.body.contains(HOSTILE_NAME), "{}", scope.body);
    assert!(scope.body.contains("None open."), "{}", scope.body);

    // An open blocker: what it blocks, for how long, its deadline.
    b.expect(
        201,
        "POST",
        &format!("/api/v1/trains/{RELEASE}/blockers"),
        Some(&catalog),
        Some(json!({
            "title": HOSTILE_NAME,
            "severity": "low",
            "tracker": "https://tracker.example/CAT-7",
            "reason": "found in staging"
        })),
    )
    .await?;
    let blocked = get(b, &format!("/ui/releases/{RELEASE}"), s).await?;
    for shown in [
        "<th scope=\"row\">b-1: &#60;script&#62;",
        "(<a href=\"https://tracker.example/CAT-7\">tracker</a>)",
        "<td>low</td><td>the whole release</td><td>team catalog</td>",
        "minute(s) (since ",
    ] {
        assert!(blocked.body.contains(shown), "{shown} in {}", blocked.body);
    }
    assert!(!blocked.body.contains(HOSTILE_NAME), "{}", blocked.body);
    assert!(scope.body.contains("catalog-cleanup"), "{}", scope.body);
    assert!(
        scope.body.contains("Choose the environment"),
        "{}",
        scope.body
    );

    // Nothing stops the release yet: the item is dropped (not essential),
    // its risk said in words.
    let board = get(b, &board_path(), s).await?;
    assert_eq!(board.status, StatusCode::OK, "{}", board.body);
    assert!(board.body.contains("✓ go"), "{}", board.body);
    assert!(board.body.contains("! dropped"), "{}", board.body);
    assert!(board.body.contains("● medium"), "{}", board.body);
    assert!(
        board
            .body
            .contains("1 of 1 criteria not met, 4 days to ship"),
        "{}",
        board.body
    );
    assert!(
        board
            .body
            .contains("at most medium: the release can ship without it (not essential)"),
        "{}",
        board.body
    );
    assert!(
        board
            .body
            .contains("✗ unmet</span> <strong>tests-pass</strong>"),
        "{}",
        board.body
    );
    assert!(board.body.contains("team catalog"), "{}", board.body);

    // The breaking change, unapproved: no-go, with the reason.
    let id = propose(b, &catalog).await?;
    let board = get(b, &board_path(), s).await?;
    assert!(board.body.contains("✗ no-go"), "{}", board.body);
    assert!(
        board.body.contains("<code>breaking-unapproved</code>"),
        "{}",
        board.body
    );
    let api = b
        .expect(
            200,
            "GET",
            &format!("/api/v1/trains/{RELEASE}/gate?environment=production&{NOW}"),
            Some(&checkout),
            None,
        )
        .await?;
    assert_eq!(api["decision"], "no_go", "the board is the API's verdict");
    // An unknown environment is the API's 404, as a page.
    let unknown = get(
        b,
        &format!("/ui/releases/{RELEASE}?environment=moon&{NOW}"),
        s,
    )
    .await?;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND, "{}", unknown.body);

    // The list, filtered by state; the hostile title as text.
    let open = get(b, "/ui/proposals?state=open", s).await?;
    assert_eq!(open.status, StatusCode::OK, "{}", open.body);
    assert!(
        open.body.contains(&format!("/ui/proposals/{id}")),
        "{}",
        open.body
    );
    assert!(
        open.body
            .contains("&#60;script&#62;alert(1)&#60;/script&#62;"),
        "{}",
        open.body
    );
    assert!(!open.body.contains(HOSTILE_NAME), "escaped everywhere");
    let approved = get(b, "/ui/proposals?state=approved", s).await?;
    assert!(
        !approved.body.contains(&format!("/ui/proposals/{id}")),
        "{}",
        approved.body
    );
    let bad = get(b, "/ui/proposals?state=bogus", s).await?;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);

    // The proposal: impact, the diff at the changed line, the forms.
    let page = get(b, &format!("/ui/proposals/{id}"), s).await?;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(!page.body.contains(HOSTILE_NAME), "escaped everywhere");
    for want in [
        "<code>GET /items/{sku}</code>",
        "team checkout (affected consumer)",
        "Between versions 1.0.0 and 2.0.0",
        "1.0.0: api.json, line",
        "<tr class=\"changed\"><th scope=\"row\">► ",
        "&#34;/items/{sku}&#34;",
        "Why you approve",
        "Publish 1.0.0 again.",
    ] {
        assert!(page.body.contains(want), "{want}: {}", page.body);
    }
    let change_set = {
        let at = page
            .body
            .find("name=\"change_set\" value=\"")
            .ok_or("no form")?
            + "name=\"change_set\" value=\"".len();
        let rest = &page.body[at..];
        rest[..rest.find('"').ok_or("no end")?].to_owned()
    };
    let csrf = page.csrf_field().ok_or("no csrf")?;
    let decisions = format!("/ui/proposals/{id}/decisions");

    // Without the CSRF token, or with another: 403, nothing decided.
    for token in ["", "0000"] {
        let form = Approval {
            session: &session,
            csrf: token,
            change_set: &change_set,
            reason: "fine",
        };
        let refused = approve(b, &decisions, form).await?;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    }
    // A team that is not asked: no form, and a 403 when it posts anyway.
    let other = sign_in(b, &search).await?;
    let seen = get(b, &format!("/ui/proposals/{id}"), Some(&other)).await?;
    assert!(!seen.body.contains("Why you approve"), "{}", seen.body);
    assert!(
        seen.body.contains("approval is not asked for"),
        "{}",
        seen.body
    );
    let other_csrf = seen.csrf_field().ok_or("no csrf")?;
    let form = Approval {
        session: &other,
        csrf: &other_csrf,
        change_set: &change_set,
        reason: "fine",
    };
    let refused = approve(b, &decisions, form).await?;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    let stored = b
        .expect(
            200,
            "GET",
            &format!("/api/v1/proposals/{id}"),
            Some(&checkout),
            None,
        )
        .await?;
    assert_eq!(
        stored["decisions"].as_array().map(Vec::len),
        Some(0),
        "{stored}"
    );

    // The producer approves through the API, the consumer through the
    // form: approved, and the gate goes.
    b.expect(
        200,
        "POST",
        &format!("/api/v1/proposals/{id}/decisions"),
        Some(&producer),
        Some(json!({"decision": "approve", "change_set": change_set, "reason": "ours"})),
    )
    .await?;
    let form = Approval {
        session: &session,
        csrf: &csrf,
        change_set: &change_set,
        reason: "checkout moved to GET /items",
    };
    let done = approve(b, &decisions, form).await?;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(
        done.location(),
        Some(format!("/ui/proposals/{id}").as_str())
    );
    let stored = b
        .expect(
            200,
            "GET",
            &format!("/api/v1/proposals/{id}"),
            Some(&checkout),
            None,
        )
        .await?;
    assert_eq!(stored["state"], "approved", "{stored}");
    let decided = stored["decisions"].as_array().ok_or("no decisions")?;
    assert_eq!(decided.len(), 2);
    assert_eq!(decided[1]["team"], "checkout");
    let page = get(b, &format!("/ui/proposals/{id}"), s).await?;
    assert!(page.body.contains("✓ approved"), "{}", page.body);
    assert!(
        page.body.contains("checkout moved to GET /items"),
        "{}",
        page.body
    );
    let board = get(b, &board_path(), s).await?;
    assert!(board.body.contains("✓ go"), "{}", board.body);
    assert!(
        board.body.contains("<code>breaking-approved</code>"),
        "{}",
        board.body
    );

    // The decision log: newest first, each proof verified by the broker,
    // the browser's script linked; the approval is there.
    let log = get(b, "/ui/log", s).await?;
    assert_eq!(log.status, StatusCode::OK, "{}", log.body);
    let shown = log.body.matches("<li id=\"entry-").count();
    assert!(shown >= 4, "{}", log.body);
    assert_eq!(
        log.body
            .matches("✓ included: verified by the broker")
            .count(),
        shown,
        "{}",
        log.body
    );
    assert!(
        log.body.contains("checkout moved to GET /items"),
        "{}",
        log.body
    );
    assert!(
        log.body.contains("test.example/decisions"),
        "the signed checkpoint: {}",
        log.body
    );
    assert!(!log.body.contains(HOSTILE_NAME), "escaped everywhere");
    let newest = log.body.find("<li id=\"entry-").ok_or("no entry")?;
    let size: u64 = b.store.log_head().await?.size;
    assert!(
        log.body[newest..].starts_with(&format!("<li id=\"entry-{}\"", size - 1)),
        "newest first"
    );
    let script = {
        let at = log.body.find("<script src=\"").ok_or("no script")? + 13;
        let rest = &log.body[at..];
        rest[..rest.find('"').ok_or("no end")?].to_owned()
    };
    let js = get(b, &script, None).await?;
    assert_eq!(js.status, StatusCode::OK);
    assert!(
        js.body.contains("crypto.subtle.digest(\"SHA-256\""),
        "{}",
        js.body
    );
    assert_eq!(
        js.headers.get("content-type").and_then(|v| v.to_str().ok()),
        Some("text/javascript; charset=utf-8")
    );
    let first = get(b, "/ui/log?entry=0", s).await?;
    assert!(
        first
            .body
            .contains("<li id=\"entry-0\" class=\"entry focus\""),
        "{}",
        first.body
    );
    assert!(
        first.body.contains("Newer entries") || size <= 25,
        "{}",
        first.body
    );
    let bad = get(b, "/ui/log?before=x", s).await?;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);

    // Signed out, on a broker without anonymous reads: to sign-in.
    for path in ["/ui/releases", "/ui/proposals", "/ui/log"] {
        let page = get(b, path, None).await?;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{path}");
    }
    Ok(())
}

#[tokio::test]
async fn the_board_proposals_and_log_on_sqlite() -> TestResult {
    the_board_proposals_and_log(&sqlite(config()).await?).await
}

#[tokio::test]
async fn the_board_proposals_and_log_on_postgres() -> TestResult {
    match postgres(config()).await? {
        Some(b) => the_board_proposals_and_log(&b).await,
        None => Ok(()),
    }
}

/// A broker started without a log key signs nothing: the log page says so
/// and checks the proofs against the tree head it computes.
async fn the_log_without_a_key(b: &Broker) -> TestResult {
    let token = data(b).await?;
    let session = sign_in(b, &token).await?;
    let log = get(b, "/ui/log", Some(&session)).await?;
    assert_eq!(log.status, StatusCode::OK, "{}", log.body);
    assert!(
        log.body.contains("started without a decision log key"),
        "{}",
        log.body
    );
    assert!(!log.body.contains("The signed checkpoint"), "{}", log.body);
    let shown = log.body.matches("<li id=\"entry-").count();
    assert!(shown > 0, "{}", log.body);
    assert_eq!(
        log.body
            .matches("✓ included: verified by the broker")
            .count(),
        shown,
        "{}",
        log.body
    );
    Ok(())
}

#[tokio::test]
async fn the_log_without_a_key_on_sqlite() -> TestResult {
    the_log_without_a_key(&sqlite(Config::default()).await?).await
}
