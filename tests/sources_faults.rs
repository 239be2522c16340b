//! Faults and other shapes on real loopback servers: responses that never
//! end, huge bodies, DNS failures, conditions, pointer mapping, tcp and
//! command sources.

mod common;

use common::{follow, model_for, serve, temp};

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::routing::get;

use baton::state::{Model, PairState, SourceHealth};
use futures::StreamExt;
use serde_json::json;

fn pair(id: &str, primary: (&str, &str), standby: (&str, &str)) -> String {
    format!(
        "[[pair]]\nid = \"{id}\"\nprimary = {{ id = \"{}\", region = \"eu-west-1\", health = \"{}\" }}\nstandby = {{ id = \"{}\", region = \"eu-central-1\", health = \"{}\" }}\n",
        primary.0, primary.1, standby.0, standby.1
    )
}

fn error_of(m: &Model, pair: &str, primary: bool) -> String {
    let p = m.pair(pair).expect("pair");
    let i = if primary {
        Some(&p.primary)
    } else {
        p.standby.as_ref()
    };
    i.and_then(|i| i.error.clone()).unwrap_or_default()
}

#[tokio::test]
async fn endless_and_huge_bodies_and_dns_failures_are_errors_on_the_instance() {
    let app = Router::new()
        .route(
            "/ok",
            get(|| async { axum::Json(json!({"status": "ACTIVE", "health_score": 90})) }),
        )
        .route(
            "/endless",
            get(|| async {
                let s = futures::stream::repeat(()).then(|()| async {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    Ok::<_, std::io::Error>(axum::body::Bytes::from_static(
                        b"{\"status\": \"ACTIVE\" ",
                    ))
                });
                Body::from_stream(s)
            }),
        )
        .route(
            "/huge",
            get(|| async {
                // 50 MB without a Content-Length: only a bounded read stops it.
                let s = futures::stream::iter(0..50).map(|_| {
                    Ok::<_, std::io::Error>(axum::body::Bytes::from(vec![b' '; 1024 * 1024]))
                });
                Body::from_stream(s)
            }),
        );
    let addr = serve(app).await;
    let u = |p: &str| format!("http://{addr}/{p}");
    let (mut model, mut rx, _tasks) = model_for(&format!(
        "[[source]]\nname = \"health\"\nkind = \"http\"\ninterval = \"600ms\"\ntimeout = \"400ms\"\nfailure_threshold = 1\n\n{}{}",
        pair("acct-1", ("gw-1-a", &u("endless")), ("gw-1-b", &u("huge"))),
        pair(
            "acct-2",
            ("gw-2-a", "http://baton-test.invalid/health"),
            ("gw-2-b", &u("ok"))
        ),
    ));
    follow(&mut model, &mut rx, "all three failures", |m| {
        m.pair("acct-1")
            .is_some_and(|p| p.primary.down && p.standby.as_ref().is_some_and(|s| s.down))
            && m.pair("acct-2").is_some_and(|p| p.primary.down)
    })
    .await;
    assert_eq!(error_of(&model, "acct-1", true), "timed out after 400ms");
    assert_eq!(
        error_of(&model, "acct-1", false),
        "response body larger than 1024 KiB, refused"
    );
    let dns = error_of(&model, "acct-2", true);
    assert!(
        dns.contains("lookup") || dns.contains("dns") || dns.contains("resolve"),
        "{dns}"
    );
    // The healthy standby next to them is unaffected.
    assert!(model.pair("acct-2").is_some_and(|p| {
        p.standby
            .as_ref()
            .is_some_and(|s| !s.down && s.health_score == Some(90.0))
    }));
}

#[tokio::test]
async fn conditions_decide_health_and_name_the_failed_condition() {
    let app = Router::new()
        .route(
            "/a",
            get(|| async { axum::Json(json!({"status": "ACTIVE", "db": {"lag": 0.4}})) }),
        )
        .route(
            "/b",
            get(|| async { axum::Json(json!({"status": "DEGRADED", "db": {"lag": 0.4}})) }),
        )
        .route(
            "/c",
            get(|| async {
                (
                    axum::http::StatusCode::SERVICE_UNAVAILABLE,
                    axum::Json(json!({"status": "ACTIVE"})),
                )
            }),
        );
    let addr = serve(app).await;
    let u = |p: &str| format!("http://{addr}/{p}");
    let (mut model, mut rx, _tasks) = model_for(&format!(
        "[[source]]\nname = \"health\"\nkind = \"http\"\ninterval = \"300ms\"\ntimeout = \"250ms\"\nfailure_threshold = 1\nconditions = [\"[STATUS] == 200\", \"[BODY].status == ACTIVE\", \"[RESPONSE_TIME] < 200\"]\nmap = {{ lag = \"/db/lag\" }}\n\n{}{}",
        pair("acct-1", ("gw-1-a", &u("a")), ("gw-1-b", &u("a"))),
        pair("acct-2", ("gw-2-a", &u("b")), ("gw-2-b", &u("c"))),
    ));
    follow(&mut model, &mut rx, "the condition failures", |m| {
        m.pair("acct-2")
            .is_some_and(|p| p.state == PairState::Critical)
    })
    .await;
    assert_eq!(
        error_of(&model, "acct-2", true),
        "condition failed: [BODY].status == ACTIVE (got DEGRADED)"
    );
    assert_eq!(
        error_of(&model, "acct-2", false),
        "condition failed: [STATUS] == 200 (got 503)"
    );
    let ok = model.pair("acct-1").expect("pair");
    assert_eq!((ok.state, ok.lag), (PairState::Ok, Some(0.4)));
}

#[tokio::test]
async fn a_fleet_of_another_shape_is_read_through_pointers() {
    let app = Router::new().route(
        "/v1/accounts",
        get(|| async {
            axum::Json(json!({"data": {"accounts": [
                {"name": "acct-7", "nodes": [{"host": "gw-7-a", "state": "ACTIVE", "score": "93", "az": "eu-west-1"},
                                             {"host": "gw-7-b", "state": "STANDBY", "score": 64, "az": "eu-central-1"}],
                 "replication": {"seconds_behind": 3}}
            ]}}))
        }),
    );
    let addr = serve(app).await;
    let (mut model, mut rx, _tasks) = model_for(&format!(
        r#"
[[source]]
name = "accounts"
kind = "fleet"
url = "http://{addr}/v1/accounts"
interval = "300ms"
timeout = "250ms"
map = {{ pairs = "/data/accounts", pair_id = "/name", primary = "/nodes/0", standby = "/nodes/1", lag = "/replication/seconds_behind", id = "/host", status = "/state", health_score = "/score", region = "/az" }}
"#
    ));
    follow(&mut model, &mut rx, "the mapped pair", |m| {
        m.pair("acct-7").is_some()
    })
    .await;
    let p = model.pair("acct-7").expect("pair");
    assert_eq!(p.primary.health_score, Some(93.0));
    assert_eq!(p.lag, Some(3.0));
    assert_eq!(
        p.state,
        PairState::AtRisk,
        "standby 64 < standby_min 70: {}",
        p.reason
    );
    assert_eq!(
        p.standby.as_ref().map(|s| s.region.as_str()),
        Some("eu-central-1")
    );
}

#[tokio::test]
async fn tcp_and_command_sources() {
    let open = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let open_addr = open.local_addr().expect("addr");
    tokio::spawn(async move {
        loop {
            let _ = open.accept().await;
        }
    });
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr");
    let (mut model, mut rx, _tasks) = model_for(&format!(
        r#"
[[source]]
name = "pg-a"
kind = "tcp"
url = "tcp://{open_addr}"
instance = "gw-1-a"
interval = "300ms"
timeout = "250ms"
failure_threshold = 1

[[source]]
name = "pg-b"
kind = "tcp"
url = "tcp://{closed}"
instance = "gw-1-b"
interval = "300ms"
timeout = "250ms"
failure_threshold = 1

[[source]]
name = "score"
kind = "command"
command = ["echo", "{{\"status\": \"ACTIVE\", \"health_score\": 77}}"]
instance = "gw-2-a"
interval = "300ms"
timeout = "1s"

[[source]]
name = "hung"
kind = "command"
command = ["sleep", "31.7"]
instance = "gw-2-b"
interval = "500ms"
timeout = "300ms"
failure_threshold = 1

[[source]]
name = "failing"
kind = "command"
command = ["sh", "-c", "echo 'kubectl: connection refused' >&2; exit 3"]
interval = "300ms"
timeout = "1s"
failure_threshold = 1

[[pair]]
id = "acct-1"
primary = {{ id = "gw-1-a", region = "eu-west-1" }}
standby = {{ id = "gw-1-b", region = "eu-central-1" }}

[[pair]]
id = "acct-2"
primary = {{ id = "gw-2-a", region = "eu-west-1" }}
standby = {{ id = "gw-2-b", region = "eu-central-1" }}
"#
    ));
    follow(&mut model, &mut rx, "every tcp and command result", |m| {
        m.pair("acct-1").is_some_and(|p| {
            p.primary.last_ok.is_some() && p.standby.as_ref().is_some_and(|s| s.down)
        }) && m.pair("acct-2").is_some_and(|p| {
            p.primary.health_score == Some(77.0) && p.standby.as_ref().is_some_and(|s| s.down)
        }) && m.sources[4].health(m.now) == SourceHealth::Failing
    })
    .await;
    assert!(
        error_of(&model, "acct-1", false).starts_with(&format!("connect to {closed} failed")),
        "{}",
        error_of(&model, "acct-1", false)
    );
    assert_eq!(error_of(&model, "acct-2", false), "timed out after 300ms");
    assert_eq!(
        model.sources[4].last_error.as_deref(),
        Some("sh exited with exit status: 3: kubectl: connection refused")
    );
    // The timed-out program was killed, not left running: a run of it seen
    // now is gone right after the source reports its timeout (left alone
    // it would sleep on for half a minute).
    let mut pids = Vec::new();
    follow(&mut model, &mut rx, "the hung program running", |_| {
        pids = running("sleep 31.7");
        !pids.is_empty()
    })
    .await;
    let attempt = model.sources[3].last_attempt;
    follow(&mut model, &mut rx, "the hung program's timeout", |m| {
        m.sources[3].last_attempt != attempt
    })
    .await;
    let since = std::time::Instant::now();
    while pids.iter().any(|p| alive(*p, "sleep 31.7")) {
        assert!(
            since.elapsed() < Duration::from_secs(5),
            "sleep 31.7 still running: {pids:?}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The pids of the running programs whose command line is `cmd`.
fn running(cmd: &str) -> Vec<u32> {
    let out = std::process::Command::new("pgrep")
        .args(["-f", cmd])
        .output()
        .expect("pgrep");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.trim().parse().ok())
        .collect()
}

/// Whether `pid` still runs `cmd` (a zombie has no command line).
fn alive(pid: u32, cmd: &str) -> bool {
    std::fs::read(format!("/proc/{pid}/cmdline"))
        .is_ok_and(|b| String::from_utf8_lossy(&b).replace('\0', " ").contains(cmd))
}

/// An HTTPS health endpoint whose certificate comes from a private CA.
async fn tls_server(dir: &std::path::Path) -> (std::net::SocketAddr, std::path::PathBuf) {
    use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio_rustls::rustls::{self, pki_types::PrivateKeyDer};

    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("ca params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca =
        CertifiedIssuer::self_signed(ca_params, KeyPair::generate().expect("ca key")).expect("ca");
    let leaf_key = KeyPair::generate().expect("leaf key");
    let leaf = CertificateParams::new(vec!["127.0.0.1".to_string()])
        .expect("leaf params")
        .signed_by(&leaf_key, &ca)
        .expect("leaf");
    let ca_file = dir.join("ca.pem");
    std::fs::write(&ca_file, ca.pem()).expect("write ca");

    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_no_client_auth()
        .with_single_cert(
            vec![leaf.der().clone()],
            PrivateKeyDer::Pkcs8(leaf_key.serialize_der().into()),
        )
        .expect("server cert");
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let mut buf = vec![0u8; 4096];
                let mut seen = Vec::new();
                while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
                    match tls.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => seen.extend_from_slice(&buf[..n]),
                    }
                }
                let body = r#"{"status":"ACTIVE","health_score":90}"#;
                let resp = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = tls.write_all(resp.as_bytes()).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    (addr, ca_file)
}

#[tokio::test]
async fn https_with_a_private_ca_needs_its_ca_file() {
    let dir = temp("tls");
    let (addr, ca_file) = tls_server(&dir).await;
    let (mut model, mut rx, _tasks) = model_for(&format!(
        r#"
[[source]]
name = "trusted"
kind = "http"
url = "https://{addr}/health"
instance = "gw-1-a"
ca_file = "{}"
interval = "300ms"
timeout = "250ms"
failure_threshold = 1

[[source]]
name = "system-roots-only"
kind = "http"
url = "https://{addr}/health"
instance = "gw-1-b"
interval = "300ms"
timeout = "250ms"
failure_threshold = 1

[[pair]]
id = "acct-1"
primary = {{ id = "gw-1-a", region = "eu-west-1" }}
standby = {{ id = "gw-1-b", region = "eu-central-1" }}
"#,
        ca_file.display()
    ));
    follow(&mut model, &mut rx, "both TLS probes", |m| {
        m.pair("acct-1").is_some_and(|p| {
            p.primary.health_score == Some(90.0) && p.standby.as_ref().is_some_and(|s| s.down)
        })
    })
    .await;
    let err = error_of(&model, "acct-1", false);
    assert!(
        err.to_lowercase().contains("certificate") || err.contains("UnknownIssuer"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
