//! Clients that try to cost the broker more than their requests are worth:
//! anonymous writes with bodies it should never read, and, over real TCP
//! against a served broker, connections that send nothing, send their
//! headers a byte at a time, are held open in numbers, declare a huge body,
//! or never read their responses.
//!
//! Timeouts here are short so the tests are fast; the assertions leave
//! seconds of slack, as the tests run on busy machines.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tower::ServiceExt;
use treaty_server::{Config, app};
use treaty_store::Store;

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// Longer than any limit under test, shorter than a hang.
const PATIENCE: Duration = Duration::from_secs(10);

async fn store() -> Result<(Store, String, tempfile::TempDir), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let url = format!("sqlite://{}", dir.path().join("treaty.db").display());
    let store = Store::open(&url).await?;
    let admin = store.bootstrap(1).await?.ok_or("no bootstrap token")?;
    Ok((store, admin, dir))
}

/// A status through the router, as `(method, path, token, content type,
/// declared length, body)` asks.
async fn status(
    router: &axum::Router,
    method: &str,
    path: &str,
    token: Option<&str>,
    content_type: &str,
    declared: Option<usize>,
    body: Vec<u8>,
) -> Result<StatusCode, Box<dyn std::error::Error>> {
    let mut request = Request::builder()
        .method(method)
        .uri(path)
        .header("Content-Type", content_type);
    if let Some(token) = token {
        request = request.header("Authorization", format!("Bearer {token}"));
    }
    if let Some(length) = declared {
        request = request.header("Content-Length", length.to_string());
    }
    let response = router
        .clone()
        .oneshot(request.body(Body::from(body))?)
        .await?;
    let status = response.status();
    // Every refusal still has the common body.
    let bytes = response.into_body().collect().await?.to_bytes();
    let value: serde_json::Value = serde_json::from_slice(&bytes)?;
    assert_eq!(value["error"]["status"], status.as_u16(), "{value}");
    Ok(status)
}

#[tokio::test]
async fn writes_are_authenticated_before_their_body_is_read() -> TestResult {
    let (store, admin, _dir) = store().await?;
    let limit = 1024;
    let router = app(
        store,
        Config {
            max_body_bytes: limit,
            ..Config::default()
        },
    );
    let oversized = vec![b' '; 4 * limit];
    let malformed = b"{\"id\": ".to_vec();
    let json = "application/json";
    let writes = [
        ("POST", "/api/v1/teams"),
        ("PUT", "/api/v1/interfaces/ghost/versions/1.0.0"),
        ("POST", "/api/v1/nowhere"),
    ];
    for (method, path) in writes {
        for token in [None, Some("trt_unknown"), Some("not a bearer token")] {
            for (content_type, declared, body) in [
                (json, None, oversized.clone()),
                (json, Some(oversized.len()), oversized.clone()),
                (json, Some(1_000_000_000_000), Vec::new()),
                (json, None, malformed.clone()),
                ("text/plain", None, b"{}".to_vec()),
            ] {
                let got =
                    status(&router, method, path, token, content_type, declared, body).await?;
                assert_eq!(got, StatusCode::UNAUTHORIZED, "{method} {path} {token:?}");
            }
        }
    }
    // With a valid token, the body is read and judged as before.
    let path = "/api/v1/teams";
    let admin = Some(admin.as_str());
    let cases = [
        (json, None, oversized.clone(), StatusCode::PAYLOAD_TOO_LARGE),
        (
            json,
            Some(oversized.len()),
            oversized,
            StatusCode::PAYLOAD_TOO_LARGE,
        ),
        (json, None, malformed, StatusCode::BAD_REQUEST),
        (
            "text/plain",
            None,
            b"{}".to_vec(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
    ];
    for (content_type, declared, body, want) in cases {
        let got = status(&router, "POST", path, admin, content_type, declared, body).await?;
        assert_eq!(got, want, "{content_type} {declared:?}");
    }
    Ok(())
}

/// A broker served over TCP on an ephemeral port, until [`Served::stop`].
struct Served {
    addr: SocketAddr,
    admin: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    stopped: tokio::task::JoinHandle<std::io::Result<()>>,
    _dir: tempfile::TempDir,
}

async fn served(config: Config) -> Result<Served, Box<dyn std::error::Error>> {
    let (store, admin, dir) = store().await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let (stop, stopping) = tokio::sync::oneshot::channel::<()>();
    let router = app(store, config.clone());
    let stopped = tokio::spawn(async move {
        treaty_server::serve(listener, router, &config, async move {
            let _ = stopping.await;
        })
        .await
    });
    Ok(Served {
        addr,
        admin,
        stop: Some(stop),
        stopped,
        _dir: dir,
    })
}

impl Served {
    /// Stops the broker and waits for it, within [`PATIENCE`].
    async fn stop(mut self) -> TestResult {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        tokio::time::timeout(PATIENCE, &mut self.stopped).await???;
        Ok(())
    }
}

/// Reads until the broker closes the connection; the bytes it sent first.
async fn read_until_closed(stream: &mut TcpStream) -> Result<Vec<u8>, Box<dyn std::error::Error>> {
    let mut received = Vec::new();
    let mut buf = [0u8; 64 * 1024];
    loop {
        match tokio::time::timeout(PATIENCE, stream.read(&mut buf)).await {
            Err(_) => return Err("the broker kept the connection open".into()),
            Ok(Ok(0)) | Ok(Err(_)) => return Ok(received),
            Ok(Ok(n)) => received.extend_from_slice(&buf[..n]),
        }
    }
}

/// One request on a new connection: the response's head and body.
async fn get(addr: SocketAddr, path: &str) -> Result<String, Box<dyn std::error::Error>> {
    let mut stream = TcpStream::connect(addr).await?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: broker\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await?;
    let response = read_until_closed(&mut stream).await?;
    Ok(String::from_utf8_lossy(&response).into_owned())
}

fn short_timeouts() -> Config {
    Config {
        header_timeout: Duration::from_millis(300),
        ..Config::default()
    }
}

#[tokio::test]
async fn a_silent_connection_is_closed_after_the_header_timeout() -> TestResult {
    let broker = served(short_timeouts()).await?;
    let mut silent = TcpStream::connect(broker.addr).await?;
    read_until_closed(&mut silent).await?;
    // Idle between requests too.
    let mut kept_alive = TcpStream::connect(broker.addr).await?;
    kept_alive
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: broker\r\n\r\n")
        .await?;
    let response = read_until_closed(&mut kept_alive).await?;
    assert!(response.starts_with(b"HTTP/1.1 200"), "{response:?}");
    broker.stop().await
}

#[tokio::test]
async fn a_slowloris_is_cut_off() -> TestResult {
    let broker = served(short_timeouts()).await?;
    let mut slow = TcpStream::connect(broker.addr).await?;
    slow.write_all(b"GET /healthz HTTP/1.1\r\n").await?;
    let started = Instant::now();
    let mut buf = [0u8; 1024];
    loop {
        assert!(
            started.elapsed() < PATIENCE,
            "a header sent a byte at a time kept its connection"
        );
        if slow.write_all(b"X").await.is_err() {
            break;
        }
        match tokio::time::timeout(Duration::from_millis(100), slow.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => break,
            // A 408 or 400 before the close: read on to the close.
            Ok(Ok(_)) | Err(_) => {}
        }
    }
    broker.stop().await
}

#[tokio::test]
async fn idle_sockets_at_the_limit_are_shed_and_healthz_answers() -> TestResult {
    let broker = served(Config {
        max_connections: 4,
        header_timeout: Duration::from_secs(60),
        ..Config::default()
    })
    .await?;
    let mut idle = Vec::new();
    for _ in 0..8 {
        idle.push(TcpStream::connect(broker.addr).await?);
        // Accepted in this order, so the first ones are the oldest.
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let response = get(broker.addr, "/healthz").await?;
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    // The oldest idle ones made room, long before their header timeout.
    for oldest in idle.iter_mut().take(4) {
        read_until_closed(oldest).await?;
    }
    broker.stop().await
}

#[tokio::test]
async fn a_huge_declared_body_is_refused_at_once() -> TestResult {
    let broker = served(Config::default()).await?;
    for (token, want) in [(Some(broker.admin.as_str()), "413"), (None, "401")] {
        let mut stream = TcpStream::connect(broker.addr).await?;
        let authorization =
            token.map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"));
        let head = format!(
            "POST /api/v1/teams HTTP/1.1\r\nHost: broker\r\nContent-Type: application/json\r\n\
             {authorization}Expect: 100-continue\r\nContent-Length: 1000000000000\r\n\r\n"
        );
        let started = Instant::now();
        stream.write_all(head.as_bytes()).await?;
        let mut buf = [0u8; 1024];
        let n = tokio::time::timeout(PATIENCE, stream.read(&mut buf)).await??;
        let response = String::from_utf8_lossy(&buf[..n]);
        // Not `100 Continue`, and not a 408 after the request timeout.
        assert!(
            response.starts_with(&format!("HTTP/1.1 {want}")),
            "{response}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
    }
    broker.stop().await
}

#[tokio::test]
async fn a_client_that_does_not_read_its_responses_is_dropped() -> TestResult {
    let broker = served(Config {
        send_timeout: Duration::from_millis(300),
        ..Config::default()
    })
    .await?;
    let one = get(broker.addr, "/api/v1/openapi.json").await?.len();
    // Pipelined requests whose responses far exceed the sockets' buffers.
    let count = (64 * 1024 * 1024 / one).max(16);
    let request = "GET /api/v1/openapi.json HTTP/1.1\r\nHost: broker\r\n\r\n".repeat(count);
    let mut stream = TcpStream::connect(broker.addr).await?;
    // The broker stops reading requests once its responses back up: the
    // write may not finish, which is the point.
    let _ =
        tokio::time::timeout(Duration::from_secs(2), stream.write_all(request.as_bytes())).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let received = read_until_closed(&mut stream).await?;
    assert!(received.len() < count * one, "{} bytes", received.len());
    broker.stop().await
}

#[tokio::test]
async fn a_stop_closes_idle_connections_and_returns() -> TestResult {
    let broker = served(Config {
        header_timeout: Duration::from_secs(60),
        ..Config::default()
    })
    .await?;
    let mut idle = TcpStream::connect(broker.addr).await?;
    let response = get(broker.addr, "/healthz").await?;
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    broker.stop().await?;
    read_until_closed(&mut idle).await?;
    Ok(())
}
