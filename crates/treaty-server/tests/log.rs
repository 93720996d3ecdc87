//! The decision log's routes: a token issued answers with a receipt whose
//! inclusion proof and checkpoint verify with the served key; the
//! checkpoint is signed text; entries page; proofs verify; a revocation
//! answers 204 as before, or its receipt when asked (RFC 7240).

mod common;

use axum::body::Body;
use axum::http::Request;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use common::{Broker, TestResult, sqlite};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;
use treaty_log::{Checkpoint, Hash, NoteSigner, NoteVerifier, leaf_hash};
use treaty_server::Config;

async fn text(
    b: &Broker,
    path: &str,
    headers: &[(&str, &str)],
) -> Result<(u16, String, String), Box<dyn std::error::Error>> {
    let mut req = Request::builder().method("GET").uri(path);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let response = b.app.clone().oneshot(req.body(Body::empty())?).await?;
    let status = response.status().as_u16();
    let ct = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let bytes = response.into_body().collect().await?.to_bytes();
    Ok((status, ct, String::from_utf8(bytes.to_vec())?))
}

fn hashes(v: &Value) -> Result<Vec<Hash>, Box<dyn std::error::Error>> {
    v.as_array()
        .ok_or("not an array")?
        .iter()
        .map(|h| {
            let bytes = B64.decode(h.as_str().ok_or("not a string")?)?;
            Ok(<Hash>::try_from(bytes.as_slice())?)
        })
        .collect()
}

fn config() -> Result<Config, Box<dyn std::error::Error>> {
    Ok(Config {
        log_signer: Some(NoteSigner::from_seed("test.example/decisions", [5; 32])?),
        ..Config::default()
    })
}

#[tokio::test]
async fn receipts_checkpoints_entries_and_proofs_verify() -> TestResult {
    let b = sqlite(config()?).await?;
    let admin = b.admin.clone();
    let (status, ct, key) = text(&b, "/api/v1/log/key", &[]).await?;
    assert_eq!((status, ct.as_str()), (200, "text/plain; charset=utf-8"));
    let verifier = NoteVerifier::parse(&key)?;
    b.expect(
        201,
        "POST",
        "/api/v1/teams",
        Some(&admin),
        Some(json!({"id": "payments", "name": "Payments"})),
    )
    .await?;

    // The bootstrap token was decision 0; these are 1 and up.
    let mut ids = Vec::new();
    for i in 0..5u64 {
        let v = b
            .expect(
                201,
                "POST",
                "/api/v1/tokens",
                Some(&admin),
                Some(json!({"team": "payments", "scopes": ["read"]})),
            )
            .await?;
        let log = &v["log"];
        assert_eq!(log["index"], json!(i + 1));
        let size = log["tree_size"].as_u64().ok_or("size")?;
        let checkpoint =
            Checkpoint::open(log["checkpoint"].as_str().ok_or("checkpoint")?, &verifier)?;
        assert_eq!(
            (checkpoint.size, checkpoint.origin.as_str()),
            (size, "test.example/decisions")
        );
        let entry = log["entry"].as_str().ok_or("entry")?;
        assert!(entry.contains("\"kind\":\"token_created\""), "{entry}");
        treaty_log::verify_inclusion(
            i + 1,
            size,
            &leaf_hash(entry.as_bytes()),
            &hashes(&log["inclusion"])?,
            &checkpoint.root,
        )?;
        ids.push(v["id"].as_str().ok_or("id")?.to_owned());
    }

    // Revocation: 204 without a body as before; the receipt when asked.
    let (status, _) = b
        .call(
            "DELETE",
            &format!("/api/v1/tokens/{}", ids[0]),
            Some(&admin),
            None,
        )
        .await?;
    assert_eq!(status.as_u16(), 204);
    let req = Request::builder()
        .method("DELETE")
        .uri(format!("/api/v1/tokens/{}", ids[1]))
        .header("Authorization", format!("Bearer {admin}"))
        .header("Prefer", "return=representation")
        .body(Body::empty())?;
    let response = b.app.clone().oneshot(req).await?;
    assert_eq!(response.status().as_u16(), 200);
    let v: Value = serde_json::from_slice(&response.into_body().collect().await?.to_bytes())?;
    assert_eq!(v["log"]["index"], json!(7));

    // The checkpoint needs no token; it covers all 8 decisions.
    let (status, ct, note) = text(&b, "/api/v1/log/checkpoint", &[]).await?;
    assert_eq!((status, ct.as_str()), (200, "text/plain; charset=utf-8"));
    let head = Checkpoint::open(&note, &verifier)?;
    assert_eq!(head.size, 8);

    // Entries page (token needed), and hash to the checkpoint.
    let (status, _) = b.call("GET", "/api/v1/log/entries", None, None).await?;
    assert_eq!(status.as_u16(), 401);
    let page = b
        .expect(
            200,
            "GET",
            "/api/v1/log/entries?start=0&limit=5",
            Some(&admin),
            None,
        )
        .await?;
    assert_eq!(page["next"], json!(5));
    let rest = b
        .expect(
            200,
            "GET",
            "/api/v1/log/entries?start=5&limit=5",
            Some(&admin),
            None,
        )
        .await?;
    assert!(rest.get("next").is_none(), "{rest}");
    let mut tree = treaty_log::tree::RunningRoot::new();
    for e in page["entries"]
        .as_array()
        .ok_or("entries")?
        .iter()
        .chain(rest["entries"].as_array().ok_or("entries")?)
    {
        tree.push(leaf_hash(e.as_str().ok_or("entry")?.as_bytes()));
    }
    assert_eq!(tree.root(), head.root);
    b.expect(
        422,
        "GET",
        "/api/v1/log/entries?limit=1001",
        Some(&admin),
        None,
    )
    .await?;

    // Proofs.
    let p = b
        .expect(
            200,
            "GET",
            "/api/v1/log/inclusion?index=3",
            Some(&admin),
            None,
        )
        .await?;
    assert_eq!(p["tree_size"], json!(8));
    let leaf3 = page["entries"][3].as_str().ok_or("entry")?;
    treaty_log::verify_inclusion(
        3,
        8,
        &leaf_hash(leaf3.as_bytes()),
        &hashes(&p["hashes"])?,
        &head.root,
    )?;
    let c = b
        .expect(
            200,
            "GET",
            "/api/v1/log/consistency?from=3&to=8",
            Some(&admin),
            None,
        )
        .await?;
    let mut old = treaty_log::tree::RunningRoot::new();
    for e in page["entries"].as_array().ok_or("entries")?.iter().take(3) {
        old.push(leaf_hash(e.as_str().ok_or("entry")?.as_bytes()));
    }
    treaty_log::verify_consistency(3, 8, &hashes(&c["hashes"])?, &old.root(), &head.root)?;
    b.expect(
        404,
        "GET",
        "/api/v1/log/consistency?from=3&to=9",
        Some(&admin),
        None,
    )
    .await?;
    b.expect(
        404,
        "GET",
        "/api/v1/log/inclusion?index=8&size=8",
        Some(&admin),
        None,
    )
    .await?;
    Ok(())
}
