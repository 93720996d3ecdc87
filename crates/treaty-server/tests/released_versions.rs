//! Released versions through the Pact Broker API (`record-release`,
//! `record-support-ended`) and Treaty's own (`/api/v1/releases`), on SQLite
//! and on PostgreSQL: a repeat is one release; several versions of a
//! consumer released to one environment are each judged by can-i-deploy
//! (a provider change that breaks only the older says no, naming it, until
//! its support ends); every producer version in the environment is judged
//! on the consumer's side; only the owner's team records or ends a
//! release; two brokers recording the same release at once store one.

mod common;

use base64::Engine;
use common::{Broker, TestResult, postgres, sqlite};
use serde_json::{Value, json};
use treaty_server::Config;
use treaty_store::Table;

struct Tokens {
    checkout: String,
    payments: String,
}

/// Teams `checkout` (the consumer) and `payments` (the provider), the
/// provider's pacticipant, and the `production` environment.
async fn set_up(b: &Broker) -> Result<Tokens, Box<dyn std::error::Error>> {
    let a = Some(b.admin.as_str());
    for team in ["checkout", "payments"] {
        b.expect(
            201,
            "POST",
            "/api/v1/teams",
            a,
            Some(json!({"id": team, "name": team})),
        )
        .await?;
    }
    let t = Tokens {
        checkout: b.token("checkout", &["publish"]).await?,
        payments: b.token("payments", &["publish"]).await?,
    };
    b.expect(
        201,
        "POST",
        "/pacticipants",
        Some(&t.payments),
        Some(json!({"name": "payments", "mainBranch": "main"})),
    )
    .await?;
    b.expect(
        201,
        "POST",
        "/environments",
        a,
        Some(json!({"name": "production", "displayName": "Production", "production": true})),
    )
    .await?;
    Ok(t)
}

/// checkout's pact with `interactions` interactions: versions with
/// different numbers have different pact versions (content hashes).
fn publication(version: &str, interactions: usize) -> Value {
    let interactions: Vec<Value> = (0..interactions)
        .map(|i| {
            json!({
                "description": format!("get payment {i}"),
                "request": {"method": "GET", "path": format!("/payments/{i}")},
                "response": {"status": 200, "body": {"id": i}}
            })
        })
        .collect();
    let pact = json!({
        "consumer": {"name": "checkout"},
        "provider": {"name": "payments"},
        "interactions": interactions,
        "metadata": {"pactSpecification": {"version": "3.0.0"}}
    });
    json!({
        "pacticipantName": "checkout",
        "pacticipantVersionNumber": version,
        "branch": "main",
        "contracts": [{
            "consumerName": "checkout",
            "providerName": "payments",
            "specification": "pact",
            "contentType": "application/json",
            "content": base64::engine::general_purpose::STANDARD.encode(pact.to_string()),
        }]
    })
}

/// The version's `pb:record-release` link for `environment`.
async fn release_link(
    b: &Broker,
    token: &str,
    who: &str,
    version: &str,
) -> Result<String, Box<dyn std::error::Error>> {
    let v = b
        .expect(
            200,
            "GET",
            &format!("/pacticipants/{who}/versions/{version}"),
            Some(token),
            None,
        )
        .await?;
    let links = v["_links"]["pb:record-release"]
        .as_array()
        .ok_or_else(|| format!("no pb:record-release: {v}"))?;
    let link = links
        .iter()
        .find(|l| l["name"] == "production")
        .ok_or_else(|| format!("no pb:record-release for production: {v}"))?;
    assert_eq!(link["title"], "Record release to production");
    Ok(link["href"].as_str().ok_or("no href")?.to_owned())
}

/// The supported releases in production, as `record-support-ended` finds
/// them: the environment's link, with `?pacticipant=`.
async fn supported(
    b: &Broker,
    token: &str,
    who: &str,
) -> Result<Vec<Value>, Box<dyn std::error::Error>> {
    let envs = b
        .expect(200, "GET", "/environments", Some(token), None)
        .await?;
    let uuid = envs["_embedded"]["environments"][0]["uuid"]
        .as_str()
        .ok_or("no uuid")?
        .to_owned();
    let env = b
        .expect(
            200,
            "GET",
            &format!("/environments/{uuid}"),
            Some(token),
            None,
        )
        .await?;
    let href = env["_links"]["pb:currently-supported-released-versions"]["href"]
        .as_str()
        .ok_or_else(|| format!("no pb:currently-supported-released-versions: {env}"))?;
    let list = b
        .expect(
            200,
            "GET",
            &format!("{href}?pacticipant={who}"),
            Some(token),
            None,
        )
        .await?;
    Ok(list["_embedded"]["releasedVersions"]
        .as_array()
        .ok_or_else(|| format!("no releasedVersions: {list}"))?
        .clone())
}

/// `record-support-ended` as `pact-broker-cli` does it: the release of
/// `version` among the supported ones, patched through its `self` link.
async fn end_support(
    b: &Broker,
    token: &str,
    who: &str,
    version: &str,
) -> Result<(u16, Value), Box<dyn std::error::Error>> {
    let list = supported(b, token, who).await?;
    let r = list
        .iter()
        .find(|r| r["_embedded"]["version"]["number"] == version)
        .ok_or_else(|| format!("{who} {version} is not supported: {list:?}"))?;
    assert_eq!(r["_embedded"]["pacticipant"]["name"], who);
    assert_eq!(r["currentlySupported"], true);
    let href = r["_links"]["self"]["href"].as_str().ok_or("no self")?;
    let (status, body) = b
        .call(
            "PATCH",
            href,
            Some(token),
            Some(json!({"currentlySupported": false})),
        )
        .await?;
    Ok((status.as_u16(), body))
}

async fn can_i_deploy(
    b: &Broker,
    token: &str,
    who: &str,
    version: &str,
) -> Result<Value, Box<dyn std::error::Error>> {
    b.expect(
        200,
        "GET",
        &format!("/can-i-deploy?pacticipant={who}&version={version}&environment=production"),
        Some(token),
        None,
    )
    .await
}

/// The verification-results links of the pacts `selectors` pick, by the
/// consumer version named in each pact's title.
async fn pacts_for_verification(
    b: &Broker,
    token: &str,
    selectors: Value,
) -> Result<Vec<(String, String)>, Box<dyn std::error::Error>> {
    let found = b
        .expect(
            200,
            "POST",
            "/pacts/provider/payments/for-verification",
            Some(token),
            Some(json!({"consumerVersionSelectors": selectors})),
        )
        .await?;
    let mut out = Vec::new();
    for p in found["_embedded"]["pacts"].as_array().ok_or("no pacts")? {
        let name = p["_links"]["self"]["name"].as_str().ok_or("no name")?;
        let href = p["_links"]["self"]["href"].as_str().ok_or("no href")?;
        let pact = b.expect(200, "GET", href, Some(token), None).await?;
        let results = pact["_links"]["pb:publish-verification-results"]["href"]
            .as_str()
            .ok_or("no results link")?;
        out.push((name.to_owned(), results.to_owned()));
    }
    out.sort();
    Ok(out)
}

async fn released_consumers_each_count(b: &Broker) -> TestResult {
    let t = set_up(b).await?;
    let (c, p) = (t.checkout.as_str(), t.payments.as_str());
    for (version, interactions) in [("1.0.0", 2), ("2.0.0", 1)] {
        b.expect(
            200,
            "POST",
            "/contracts/publish",
            Some(c),
            Some(publication(version, interactions)),
        )
        .await?;
    }
    // checkout 1.0.0 and 2.0.0 are both released to production.
    let first = b
        .expect(
            201,
            "POST",
            &release_link(b, c, "checkout", "1.0.0").await?,
            Some(c),
            Some(json!({})),
        )
        .await?;
    assert_eq!(first["currentlySupported"], true, "{first}");
    assert_eq!(first["_embedded"]["pacticipant"]["name"], "checkout");
    assert_eq!(first["_embedded"]["version"]["number"], "1.0.0");
    assert_eq!(first["_embedded"]["environment"]["name"], "production");
    let id = first["uuid"].as_str().ok_or("no uuid")?.to_owned();
    assert!(id.starts_with("rel_"), "{id}");
    let second = release_link(b, c, "checkout", "2.0.0").await?;
    b.expect(201, "POST", &second, Some(c), None).await?;
    // Recording a release again is the same release: 200, no new row.
    let rows = b.rows().await?;
    let again = b
        .expect(
            200,
            "POST",
            &release_link(b, c, "checkout", "1.0.0").await?,
            Some(c),
            Some(json!({})),
        )
        .await?;
    assert_eq!(again["uuid"], id.as_str());
    assert_eq!(b.rows().await?, rows);
    assert_eq!(b.store.count(Table::ReleasedVersions).await?, 2);
    let shown = b
        .expect(
            200,
            "GET",
            &format!("/released-versions/{id}"),
            Some(c),
            None,
        )
        .await?;
    assert_eq!(shown["currentlySupported"], true);

    // The provider verifies the released consumer versions: payments
    // 3.0.0 breaks checkout 1.0.0's pact and satisfies 2.0.0's.
    let picked = pacts_for_verification(b, p, json!([{"released": true}])).await?;
    assert_eq!(picked.len(), 2, "{picked:?}");
    assert!(picked[0].0.contains("checkout (1.0.0)"), "{picked:?}");
    assert!(picked[1].0.contains("checkout (2.0.0)"), "{picked:?}");
    for ((_, results), success) in picked.iter().zip([false, true]) {
        b.expect(
            201,
            "POST",
            results,
            Some(p),
            Some(json!({"success": success, "providerApplicationVersion": "3.0.0"})),
        )
        .await?;
    }
    // `deployed` alone picks none of them; `deployedOrReleased` both.
    assert!(
        pacts_for_verification(b, p, json!([{"deployed": true}]))
            .await?
            .is_empty()
    );
    assert_eq!(
        pacts_for_verification(
            b,
            p,
            json!([{"deployedOrReleased": true, "environment": "production"}])
        )
        .await?
        .len(),
        2
    );

    let no = can_i_deploy(b, p, "payments", "3.0.0").await?;
    assert_eq!(no["summary"]["deployable"], false, "{no}");
    assert_eq!(no["summary"]["failed"], 1, "{no}");
    assert_eq!(no["summary"]["success"], 1, "{no}");
    let reason = no["summary"]["reason"].as_str().unwrap_or("");
    assert!(
        reason.contains(
            "The verification for the pact between checkout (1.0.0) and payments (3.0.0) failed"
        ),
        "{no}"
    );
    assert!(!reason.contains("checkout (2.0.0)"), "{no}");
    let treaty = b
        .expect(
            200,
            "GET",
            "/api/v1/can-i-release?component=payments&version=3.0.0&environment=production",
            Some(p),
            None,
        )
        .await?;
    assert_eq!(treaty["release"], false, "{treaty}");
    assert!(
        treaty["reasons"][0]
            .as_str()
            .unwrap_or("")
            .contains("checkout 1.0.0"),
        "{treaty}"
    );

    // Support for checkout 1.0.0 ends: only that release, and now yes.
    let (status, ended) = end_support(b, c, "checkout", "1.0.0").await?;
    assert_eq!(status, 200, "{ended}");
    assert_eq!(ended["currentlySupported"], false, "{ended}");
    assert!(ended["supportEndedAt"].is_string(), "{ended}");
    let left = supported(b, c, "checkout").await?;
    assert_eq!(left.len(), 1, "{left:?}");
    assert_eq!(left[0]["_embedded"]["version"]["number"], "2.0.0");
    let yes = can_i_deploy(b, p, "payments", "3.0.0").await?;
    assert_eq!(yes["summary"]["deployable"], true, "{yes}");
    assert_eq!(
        pacts_for_verification(b, p, json!([{"released": true}]))
            .await?
            .len(),
        1
    );
    // Ending it again changes nothing; `true` is not how to support it again.
    let (status, body) = b
        .call(
            "PATCH",
            &format!("/released-versions/{id}"),
            Some(c),
            Some(json!({"currentlySupported": true})),
        )
        .await?;
    assert_eq!(status.as_u16(), 400, "{body}");
    assert!(
        body["errors"][0]
            .as_str()
            .unwrap_or("")
            .contains("currentlySupported"),
        "{body}"
    );

    // Released again, it is the same release, supported again: no again.
    let back = b
        .expect(
            200,
            "POST",
            &release_link(b, c, "checkout", "1.0.0").await?,
            Some(c),
            Some(json!({})),
        )
        .await?;
    assert_eq!(back["uuid"], id.as_str());
    assert_eq!(back["currentlySupported"], true);
    assert_eq!(b.store.count(Table::ReleasedVersions).await?, 2);
    let no = can_i_deploy(b, p, "payments", "3.0.0").await?;
    assert_eq!(no["summary"]["deployable"], false, "{no}");
    let (status, _) = end_support(b, c, "checkout", "1.0.0").await?;
    assert_eq!(status, 200);

    // As consumer: every payments version in production is a pair.
    // 3.0.0 deployed (verified with checkout 2.0.0), 2.5.0 released (no
    // verification): no, naming 2.5.0, until its support ends.
    let deploy = b
        .expect(
            201,
            "PUT",
            "/pacticipants/payments/branches/main/versions/3.0.0",
            Some(p),
            None,
        )
        .await?;
    let deploy = deploy["_links"]["pb:record-deployment"][0]["href"]
        .as_str()
        .ok_or("no deployment link")?
        .to_owned();
    b.expect(201, "POST", &deploy, Some(p), Some(json!({})))
        .await?;
    let yes = can_i_deploy(b, c, "checkout", "2.0.0").await?;
    assert_eq!(yes["summary"]["deployable"], true, "{yes}");
    b.expect(
        201,
        "PUT",
        "/pacticipants/payments/versions/2.5.0",
        Some(p),
        Some(json!({})),
    )
    .await?;
    b.expect(
        201,
        "POST",
        &release_link(b, p, "payments", "2.5.0").await?,
        Some(p),
        Some(json!({})),
    )
    .await?;
    let no = can_i_deploy(b, c, "checkout", "2.0.0").await?;
    assert_eq!(no["summary"]["deployable"], false, "{no}");
    assert_eq!(no["matrix"].as_array().map(Vec::len), Some(2), "{no}");
    assert!(
        no["summary"]["reason"]
            .as_str()
            .unwrap_or("")
            .contains("There is no verified pact between checkout (2.0.0) and payments (2.5.0)"),
        "{no}"
    );
    let (status, _) = end_support(b, p, "payments", "2.5.0").await?;
    assert_eq!(status, 200);
    let yes = can_i_deploy(b, c, "checkout", "2.0.0").await?;
    assert_eq!(yes["summary"]["deployable"], true, "{yes}");
    Ok(())
}

#[tokio::test]
async fn released_consumer_versions_each_count_until_support_ends_on_sqlite() -> TestResult {
    released_consumers_each_count(&sqlite(Config::default()).await?).await
}

#[tokio::test]
async fn released_consumer_versions_each_count_until_support_ends_on_postgres() -> TestResult {
    let Some(b) = postgres(Config::default()).await? else {
        return Ok(());
    };
    released_consumers_each_count(&b).await
}

async fn only_the_owner_releases(b: &Broker) -> TestResult {
    let t = set_up(b).await?;
    let (c, p) = (t.checkout.as_str(), t.payments.as_str());
    b.expect(
        200,
        "POST",
        "/contracts/publish",
        Some(c),
        Some(publication("1.0.0", 1)),
    )
    .await?;
    let link = release_link(b, p, "checkout", "1.0.0").await?;
    let rows = b.rows().await?;
    // payments cannot release checkout, through either API.
    let (status, body) = b.call("POST", &link, Some(p), Some(json!({}))).await?;
    assert_eq!(status.as_u16(), 403, "{body}");
    assert!(body["errors"][0].is_string(), "{body}");
    let (status, body) = b
        .call(
            "POST",
            "/api/v1/releases",
            Some(p),
            Some(json!({"component": "checkout", "version": "1.0.0", "environment": "production"})),
        )
        .await?;
    assert_eq!(status.as_u16(), 403, "{body}");
    assert_eq!(b.rows().await?, rows);
    // Nor, once checkout has released it, end its support.
    let r = b.expect(201, "POST", &link, Some(c), None).await?;
    let id = r["uuid"].as_str().ok_or("no uuid")?.to_owned();
    let (status, body) = b
        .call(
            "PATCH",
            &format!("/released-versions/{id}"),
            Some(p),
            Some(json!({"currentlySupported": false})),
        )
        .await?;
    assert_eq!(status.as_u16(), 403, "{body}");
    let (status, body) = b
        .call(
            "POST",
            &format!("/api/v1/releases/{id}/support-ended"),
            Some(p),
            None,
        )
        .await?;
    assert_eq!(status.as_u16(), 403, "{body}");
    assert_eq!(supported(b, c, "checkout").await?.len(), 1);
    // Unknown releases and environments are 404; no token is 401.
    let (status, _) = b
        .call(
            "PATCH",
            "/released-versions/rel_00",
            Some(c),
            Some(json!({"currentlySupported": false})),
        )
        .await?;
    assert_eq!(status.as_u16(), 404);
    let (status, _) = b
        .call(
            "POST",
            "/pacticipants/checkout/versions/1.0.0/released-versions/environment/00000000-0000-5000-8000-000000000000",
            Some(c),
            Some(json!({})),
        )
        .await?;
    assert_eq!(status.as_u16(), 404);
    let (status, _) = b.call("POST", &link, None, Some(json!({}))).await?;
    assert_eq!(status.as_u16(), 401);
    // A body that is not a JSON object is 400 naming it.
    let (status, body) = b.call("POST", &link, Some(c), Some(json!([1]))).await?;
    assert_eq!(status.as_u16(), 400, "{body}");
    assert!(
        body["errors"][0].as_str().unwrap_or("").contains("body"),
        "{body}"
    );
    Ok(())
}

#[tokio::test]
async fn only_the_owners_team_records_or_ends_a_release_on_sqlite() -> TestResult {
    only_the_owner_releases(&sqlite(Config::default()).await?).await
}

#[tokio::test]
async fn only_the_owners_team_records_or_ends_a_release_on_postgres() -> TestResult {
    let Some(b) = postgres(Config::default()).await? else {
        return Ok(());
    };
    only_the_owner_releases(&b).await
}

async fn treaty_api_releases(b: &Broker) -> TestResult {
    let t = set_up(b).await?;
    let c = Some(t.checkout.as_str());
    b.expect(
        201,
        "PUT",
        "/api/v1/components/checkout",
        c,
        Some(json!({"team": "checkout"})),
    )
    .await?;
    let body =
        |v: &str| json!({"component": "checkout", "version": v, "environment": "production"});
    let first = b
        .expect(201, "POST", "/api/v1/releases", c, Some(body("40")))
        .await?;
    assert_eq!(first["supported"], true, "{first}");
    assert!(first.get("support_ended_at").is_none(), "{first}");
    let again = b
        .expect(200, "POST", "/api/v1/releases", c, Some(body("40")))
        .await?;
    assert_eq!(again["id"], first["id"]);
    b.expect(201, "POST", "/api/v1/releases", c, Some(body("41")))
        .await?;
    let page = b
        .expect(
            200,
            "GET",
            "/api/v1/environments/production/releases?limit=1",
            c,
            None,
        )
        .await?;
    assert_eq!(page["items"][0]["version"], "40", "{page}");
    assert_eq!(page["next"], "checkout/40", "{page}");
    let rest = b
        .expect(
            200,
            "GET",
            "/api/v1/environments/production/releases?after=checkout%2F40",
            c,
            None,
        )
        .await?;
    assert_eq!(rest["items"][0]["version"], "41", "{rest}");
    assert!(rest.get("next").is_none(), "{rest}");
    let id = first["id"].as_str().ok_or("no id")?;
    let ended = b
        .expect(
            200,
            "POST",
            &format!("/api/v1/releases/{id}/support-ended"),
            c,
            None,
        )
        .await?;
    assert_eq!(ended["supported"], false, "{ended}");
    assert!(ended["support_ended_at"].is_i64(), "{ended}");
    let list = b
        .expect(
            200,
            "GET",
            "/api/v1/environments/production/releases?component=checkout",
            c,
            None,
        )
        .await?;
    assert_eq!(list["items"].as_array().map(Vec::len), Some(1), "{list}");
    assert_eq!(list["items"][0]["version"], "41");
    let shown = b
        .expect(200, "GET", &format!("/api/v1/releases/{id}"), c, None)
        .await?;
    assert_eq!(shown["supported"], false);
    // Bad input names the field.
    let (status, body) = b
        .call(
            "POST",
            "/api/v1/releases",
            c,
            Some(json!({"component": "checkout", "version": "bad version", "environment": "production"})),
        )
        .await?;
    assert!(status.is_client_error(), "{body}");
    assert!(body.to_string().contains("version"), "{body}");
    let (status, body) = b
        .call(
            "POST",
            "/api/v1/releases",
            c,
            Some(json!({"component": "checkout", "version": "1"})),
        )
        .await?;
    assert!(status.is_client_error(), "{body}");
    assert!(body.to_string().contains("environment"), "{body}");
    let (status, body) = b
        .call(
            "GET",
            "/api/v1/environments/production/releases?after=nocursor",
            c,
            None,
        )
        .await?;
    assert_eq!(status.as_u16(), 400, "{body}");
    assert!(body.to_string().contains("after"), "{body}");
    Ok(())
}

#[tokio::test]
async fn treaty_api_records_lists_and_ends_releases_on_sqlite() -> TestResult {
    treaty_api_releases(&sqlite(Config::default()).await?).await
}

#[tokio::test]
async fn treaty_api_records_lists_and_ends_releases_on_postgres() -> TestResult {
    let Some(b) = postgres(Config::default()).await? else {
        return Ok(());
    };
    treaty_api_releases(&b).await
}

/// Two brokers on one PostgreSQL database record the same release at the
/// same moment: one 201, one 200, one row, never a 5xx.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_release_recorded_twice_at_once_is_one_release() -> TestResult {
    let Some(first) = postgres(Config::default()).await? else {
        return Ok(());
    };
    let second = first.another(Config::default());
    let t = set_up(&first).await?;
    let c = Some(t.checkout.as_str());
    const ROUNDS: usize = 5;
    for round in 0..ROUNDS {
        let version = format!("1.0.{round}");
        first
            .expect(
                200,
                "POST",
                "/contracts/publish",
                c,
                Some(publication(&version, 1)),
            )
            .await?;
        let link = release_link(&first, &t.checkout, "checkout", &version).await?;
        let (a, b) = tokio::join!(
            first.call("POST", &link, c, Some(json!({}))),
            second.call("POST", &link, c, Some(json!({}))),
        );
        let ((sa, va), (sb, vb)) = (a?, b?);
        let mut statuses = [sa.as_u16(), sb.as_u16()];
        statuses.sort_unstable();
        assert_eq!(statuses, [200, 201], "{va}\n{vb}");
        assert_eq!(va["uuid"], vb["uuid"], "{va}\n{vb}");
    }
    assert_eq!(
        first.store.count(Table::ReleasedVersions).await?,
        ROUNDS as i64
    );
    Ok(())
}
