//! The Pact Broker API that Pact clients use, against a broker on SQLite
//! and on PostgreSQL: publishing pacts both ways (a repeat changes
//! nothing), team scoping, the pacts for verification and their results,
//! and can-i-deploy saying no, then yes, with the Pact Broker's reasons.

mod common;

use base64::Engine;
use common::{Broker, TestResult, postgres, sqlite};
use serde_json::{Value, json};
use treaty_server::Config;

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
    let created = b
        .expect(
            201,
            "POST",
            "/pacticipants",
            Some(&t.payments),
            Some(json!({"name": "payments", "mainBranch": "main"})),
        )
        .await?;
    assert_eq!(created["team"], "payments");
    let env = b
        .expect(
            201,
            "POST",
            "/environments",
            a,
            Some(json!({"name": "production", "displayName": "Production", "production": true})),
        )
        .await?;
    assert_eq!(env["name"], "production");
    Ok(t)
}

fn pact(interactions: usize) -> Value {
    let interactions: Vec<Value> = (0..interactions)
        .map(|i| {
            json!({
                "description": format!("get payment {i}"),
                "request": {"method": "GET", "path": format!("/payments/{i}")},
                "response": {"status": 200, "body": {"id": i}}
            })
        })
        .collect();
    json!({
        "consumer": {"name": "checkout"},
        "provider": {"name": "payments"},
        "interactions": interactions,
        "metadata": {"pactSpecification": {"version": "3.0.0"}}
    })
}

fn publication(version: &str, pact: &Value) -> Value {
    json!({
        "pacticipantName": "checkout",
        "pacticipantVersionNumber": version,
        "branch": "main",
        "tags": ["prod"],
        "contracts": [{
            "consumerName": "checkout",
            "providerName": "payments",
            "specification": "pact",
            "contentType": "application/json",
            "content": base64::engine::general_purpose::STANDARD.encode(pact.to_string()),
        }]
    })
}

async fn publishing_both_ways(b: &Broker) -> TestResult {
    let t = set_up(b).await?;
    let c = Some(t.checkout.as_str());
    let first = b
        .expect(
            200,
            "POST",
            "/contracts/publish",
            c,
            Some(publication("1.0.0", &pact(1))),
        )
        .await?;
    assert!(
        first["notices"][0]["text"]
            .as_str()
            .unwrap_or("")
            .ends_with("published"),
        "{first}"
    );
    assert!(
        first["_links"]["pb:contracts"][0]["href"].is_string(),
        "{first}"
    );
    let rows = b.rows().await?;
    // The same pact again: 200, nothing new.
    let again = b
        .expect(
            200,
            "POST",
            "/contracts/publish",
            c,
            Some(publication("1.0.0", &pact(1))),
        )
        .await?;
    assert!(
        again["notices"][0]["text"]
            .as_str()
            .unwrap_or("")
            .contains("nothing changed"),
        "{again}"
    );
    assert_eq!(b.rows().await?, rows);
    // Another pact for the same version: expectations are immutable.
    let (status, body) = b
        .call(
            "POST",
            "/contracts/publish",
            c,
            Some(publication("1.0.0", &pact(2))),
        )
        .await?;
    assert_eq!(status.as_u16(), 409, "{body}");
    assert!(body["errors"][0].is_string(), "{body}");

    // The stored expectation is the pact, as an artifact of kind `pact`.
    let expectations = b
        .expect(
            200,
            "GET",
            "/api/v1/components/checkout/versions/1.0.0/expectations",
            c,
            None,
        )
        .await?;
    assert_eq!(expectations[0]["interface"], "payments");
    assert_eq!(expectations[0]["artifacts"][0]["kind"], "pact");

    // The older endpoint: the pact as the body.
    let path = "/pacts/provider/payments/consumer/checkout/version/1.1.0";
    let put = b.expect(201, "PUT", path, c, Some(pact(3))).await?;
    assert_eq!(put["consumer"]["name"], "checkout");
    b.expect(200, "PUT", path, c, Some(pact(3))).await?;
    let got = b.expect(200, "GET", path, c, None).await?;
    assert_eq!(got["interactions"].as_array().map(Vec::len), Some(3));
    assert!(
        got["_links"]["pb:publish-verification-results"]["href"]
            .as_str()
            .is_some_and(|h| h.ends_with("/verification-results")),
        "{got}"
    );
    // The version got its branch and tag from the publication.
    let version = b
        .expect(200, "GET", "/pacticipants/checkout/versions/1.0.0", c, None)
        .await?;
    assert_eq!(version["branchVersions"][0]["name"], "main");
    assert_eq!(version["tags"][0]["name"], "prod");
    assert_eq!(
        version["_links"]["pb:record-deployment"][0]["name"],
        "production"
    );

    // Bad input: 400 naming the field.
    let mut missing = publication("1.2.0", &pact(1));
    missing
        .as_object_mut()
        .map(|m| m.remove("pacticipantVersionNumber"));
    let (status, body) = b
        .call("POST", "/contracts/publish", c, Some(missing))
        .await?;
    assert_eq!(status.as_u16(), 400, "{body}");
    assert!(
        body["errors"][0]
            .as_str()
            .unwrap_or("")
            .contains("pacticipantVersionNumber"),
        "{body}"
    );
    let (status, body) = b
        .call(
            "PUT",
            "/pacts/provider/payments/consumer/checkout/version/bad%20version",
            c,
            Some(pact(1)),
        )
        .await?;
    assert_eq!(status.as_u16(), 400, "{body}");
    assert!(
        body["errors"][0]
            .as_str()
            .unwrap_or("")
            .contains("pacticipantVersionNumber"),
        "{body}"
    );
    Ok(())
}

#[tokio::test]
async fn publishing_pacts_both_ways_on_sqlite_and_a_repeat_changes_nothing() -> TestResult {
    publishing_both_ways(&sqlite(Config::default()).await?).await
}

#[tokio::test]
async fn publishing_pacts_both_ways_on_postgres_and_a_repeat_changes_nothing() -> TestResult {
    let Some(b) = postgres(Config::default()).await? else {
        return Ok(());
    };
    publishing_both_ways(&b).await
}

#[tokio::test]
async fn a_team_publishes_and_deploys_only_its_own_pacticipants() -> TestResult {
    let b = sqlite(Config::default()).await?;
    let t = set_up(&b).await?;
    let p = Some(t.payments.as_str());
    let rows = b.rows().await?;
    // payments publishing a pact as checkout: checkout does not exist
    // yet, so it would be payments'; publish it as checkout first.
    b.expect(
        200,
        "POST",
        "/contracts/publish",
        Some(&t.checkout),
        Some(publication("1.0.0", &pact(1))),
    )
    .await?;
    let rows_after = b.rows().await?;
    assert_ne!(rows, rows_after);
    let (status, body) = b
        .call(
            "POST",
            "/contracts/publish",
            p,
            Some(publication("2.0.0", &pact(1))),
        )
        .await?;
    assert_eq!(status.as_u16(), 403, "{body}");
    assert!(
        body["errors"][0]
            .as_str()
            .unwrap_or("")
            .contains("checkout"),
        "{body}"
    );
    let version = b
        .expect(200, "GET", "/pacticipants/checkout/versions/1.0.0", p, None)
        .await?;
    let deploy = version["_links"]["pb:record-deployment"][0]["href"]
        .as_str()
        .ok_or("no deployment link")?
        .to_owned();
    let (status, body) = b.call("POST", &deploy, p, Some(json!({}))).await?;
    assert_eq!(status.as_u16(), 403, "{body}");
    let (status, _) = b
        .call(
            "PUT",
            "/pacticipants/checkout/branches/main/versions/3.0.0",
            p,
            Some(json!({})),
        )
        .await?;
    assert_eq!(status.as_u16(), 403);
    // Verification results are the provider's to publish.
    let got = b
        .expect(
            200,
            "GET",
            "/pacts/provider/payments/consumer/checkout/version/1.0.0",
            p,
            None,
        )
        .await?;
    let results = got["_links"]["pb:publish-verification-results"]["href"]
        .as_str()
        .ok_or("no results link")?
        .to_owned();
    let (status, _) = b
        .call(
            "POST",
            &results,
            Some(&t.checkout),
            Some(json!({"success": true, "providerApplicationVersion": "1.0.0"})),
        )
        .await?;
    assert_eq!(status.as_u16(), 403);
    assert_eq!(b.rows().await?, rows_after);
    // Reads need a token, as the rest of the API.
    let (status, _) = b.call("GET", "/", None, None).await?;
    assert_eq!(status.as_u16(), 401);
    Ok(())
}

async fn matrix(
    b: &Broker,
    token: &str,
    who: &str,
    version: &str,
) -> Result<Value, Box<dyn std::error::Error>> {
    b.expect(
        200,
        "GET",
        &format!("/matrix?q[][pacticipant]={who}&q[][version]={version}&latestby=cvpv&environment=production"),
        Some(token),
        None,
    )
    .await
}

async fn can_i_deploy_until_verified(b: &Broker) -> TestResult {
    let t = set_up(b).await?;
    let (c, p) = (t.checkout.as_str(), t.payments.as_str());
    let index = b.expect(200, "GET", "/", Some(c), None).await?;
    assert_eq!(
        index["_links"]["pb:provider-pacts-for-verification"]["href"],
        "/pacts/provider/{provider}/for-verification"
    );
    b.expect(
        200,
        "POST",
        "/contracts/publish",
        Some(c),
        Some(publication("1.0.0", &pact(1))),
    )
    .await?;
    // payments 1.0.0 runs in production.
    let version = b
        .expect(
            201,
            "PUT",
            "/pacticipants/payments/branches/main/versions/1.0.0",
            Some(p),
            None,
        )
        .await?;
    let deploy = version["_links"]["pb:record-deployment"][0]["href"]
        .as_str()
        .ok_or("no deployment link")?
        .to_owned();
    b.expect(201, "POST", &deploy, Some(p), Some(json!({})))
        .await?;

    let no = matrix(b, c, "checkout", "1.0.0").await?;
    assert_eq!(no["summary"]["deployable"], false, "{no}");
    assert_eq!(no["summary"]["unknown"], 1, "{no}");
    assert!(
        no["summary"]["reason"]
            .as_str()
            .unwrap_or("")
            .contains("There is no verified pact between checkout (1.0.0) and payments (1.0.0)"),
        "{no}"
    );
    assert_eq!(no["matrix"][0]["consumer"]["name"], "checkout");
    assert_eq!(no["matrix"][0]["verificationResult"], Value::Null);

    // The provider verifies what its consumers' selectors pick: the
    // latest from checkout's main branch, once checkout says which it is.
    let patched = b
        .expect(
            200,
            "PATCH",
            "/pacticipants/checkout",
            Some(c),
            Some(json!({"mainBranch": "main"})),
        )
        .await?;
    assert_eq!(patched["mainBranch"], "main");
    let for_verification = b
        .expect(
            200,
            "POST",
            "/pacts/provider/payments/for-verification",
            Some(p),
            Some(json!({"consumerVersionSelectors": [{"mainBranch": true}, {"deployedOrReleased": true}]})),
        )
        .await?;
    let pacts = for_verification["_embedded"]["pacts"]
        .as_array()
        .ok_or("no pacts")?;
    assert_eq!(pacts.len(), 1, "{for_verification}");
    let href = pacts[0]["_links"]["self"]["href"]
        .as_str()
        .ok_or("no href")?
        .to_owned();
    let got = b.expect(200, "GET", &href, Some(p), None).await?;
    let results = got["_links"]["pb:publish-verification-results"]["href"]
        .as_str()
        .ok_or("no results link")?
        .to_owned();
    let recorded = b
        .expect(
            201,
            "POST",
            &results,
            Some(p),
            Some(
                json!({"success": true, "providerApplicationVersion": "1.0.0", "testResults": []}),
            ),
        )
        .await?;
    assert_eq!(recorded["success"], true);

    let yes = matrix(b, c, "checkout", "1.0.0").await?;
    assert_eq!(yes["summary"]["deployable"], true, "{yes}");
    assert_eq!(yes["summary"]["success"], 1, "{yes}");
    assert_eq!(
        yes["matrix"][0]["verificationResult"]["success"], true,
        "{yes}"
    );

    // checkout 1.0.0 runs there too; payments 2.0.0 fails its verification.
    let consumer_version = b
        .expect(
            200,
            "GET",
            "/pacticipants/checkout/versions/1.0.0",
            Some(c),
            None,
        )
        .await?;
    let deploy = consumer_version["_links"]["pb:record-deployment"][0]["href"]
        .as_str()
        .ok_or("no deployment link")?
        .to_owned();
    b.expect(201, "POST", &deploy, Some(c), Some(json!({})))
        .await?;
    b.expect(
        201,
        "POST",
        &results,
        Some(p),
        Some(json!({"success": false, "providerApplicationVersion": "2.0.0"})),
    )
    .await?;
    let failed = b
        .expect(
            200,
            "GET",
            "/can-i-deploy?pacticipant=payments&version=2.0.0&environment=production",
            Some(p),
            None,
        )
        .await?;
    assert_eq!(failed["summary"]["deployable"], false, "{failed}");
    assert_eq!(failed["summary"]["failed"], 1, "{failed}");
    assert!(
        failed["summary"]["reason"].as_str().unwrap_or("").contains(
            "The verification for the pact between checkout (1.0.0) and payments (2.0.0) failed"
        ),
        "{failed}"
    );
    // Treaty's own can-i-release agrees.
    let treaty = b
        .expect(
            200,
            "GET",
            "/api/v1/can-i-release?component=payments&version=2.0.0&environment=production",
            Some(p),
            None,
        )
        .await?;
    assert_eq!(treaty["release"], false);
    // A question Treaty cannot answer is a 400 naming what is missing.
    let (status, body) = b
        .call(
            "GET",
            "/matrix?q[][pacticipant]=checkout&q[][version]=1.0.0&latestby=cvp&latest=true",
            Some(c),
            None,
        )
        .await?;
    assert_eq!(status.as_u16(), 400, "{body}");
    assert!(
        body["errors"][0]
            .as_str()
            .unwrap_or("")
            .contains("environment"),
        "{body}"
    );
    Ok(())
}

#[tokio::test]
async fn can_i_deploy_says_no_until_the_pact_is_verified_on_sqlite() -> TestResult {
    can_i_deploy_until_verified(&sqlite(Config::default()).await?).await
}

#[tokio::test]
async fn can_i_deploy_says_no_until_the_pact_is_verified_on_postgres() -> TestResult {
    let Some(b) = postgres(Config::default()).await? else {
        return Ok(());
    };
    can_i_deploy_until_verified(&b).await
}

/// Two brokers on one PostgreSQL database take the same publication at
/// the same moment: both answer 200, one pact is stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_pact_published_twice_at_once_is_one_pact() -> TestResult {
    let Some(first) = postgres(Config::default()).await? else {
        return Ok(());
    };
    let second = first.another(Config::default());
    let t = set_up(&first).await?;
    for round in 0..5 {
        let version = format!("1.0.{round}");
        let body = publication(&version, &pact(1));
        let c = Some(t.checkout.as_str());
        let (a, b) = tokio::join!(
            first.call("POST", "/contracts/publish", c, Some(body.clone())),
            second.call("POST", "/contracts/publish", c, Some(body.clone())),
        );
        let ((sa, va), (sb, vb)) = (a?, b?);
        assert_eq!((sa.as_u16(), sb.as_u16()), (200, 200), "{va}\n{vb}");
    }
    assert_eq!(
        first.store.count(treaty_store::Table::Expectations).await?,
        5
    );
    Ok(())
}
