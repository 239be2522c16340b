//! baton against a real Prometheus scraping a test exporter, and a real
//! Alertmanager, both started here on 127.0.0.1 and stopped at the end.

mod common;

use common::{follow, model_for, temp};

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use baton::app::{Effect, Pane};

use baton::effects::{Executor, Feedback, Outcome};
use baton::keymap::Action;
use baton::state::{AlertState, PairState, Severity, SourceHealth};
use crossterm::event::{KeyCode, KeyEvent};
use serde_json::json;
use tokio::sync::mpsc;

/// A server process killed when the test ends, however it ends.
struct Server {
    child: Child,
    dir: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The notice a silence ended with.
fn notice(f: Option<Feedback>) -> Outcome {
    match f {
        Some(Feedback::Notice(o)) => o,
        other => panic!("expected a notice, got {other:?}"),
    }
}

fn need(binary: &str, package: &str) {
    let found = Command::new(binary)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    assert!(
        found,
        "`{binary}` is needed: install the Debian package `{package}` (apt-get install {package}); ./scripts/test.sh does it"
    );
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

async fn wait_ready(url: &str, server: &mut Server) {
    let client =
        baton::sources::client::build(Duration::from_secs(5), 4, None).expect("http client");
    for _ in 0..150 {
        if let Ok(Some(status)) = server.child.try_wait() {
            panic!(
                "{url}: server exited early with {status}; see {}",
                server.dir.display()
            );
        }
        if client
            .get(url)
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("{url} never became ready");
}

fn start(binary: &str, args: &[String], dir: PathBuf) -> Server {
    let log = std::fs::File::create(dir.join("server.log")).expect("log");
    let child = Command::new(binary)
        .args(args)
        .current_dir(&dir)
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {binary}: {e}"));
    Server { child, dir }
}

async fn metrics(State(lag): State<Arc<AtomicU64>>) -> String {
    let v = f64::from_bits(lag.load(Ordering::SeqCst));
    format!(
        "# TYPE pg_replication_lag_seconds gauge\npg_replication_lag_seconds{{pair=\"acct-1\"}} {v}\npg_replication_lag_seconds{{pair=\"acct-2\"}} 0.5\npg_replication_lag_seconds{{pair=\"unknown-9\"}} 1\n"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prometheus_source_reads_the_exporters_lag_and_follows_a_change() {
    need("prometheus", "prometheus");
    let lag = Arc::new(AtomicU64::new(2.5f64.to_bits()));
    let exporter = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let exporter_addr = exporter.local_addr().expect("addr");
    let app = Router::new()
        .route("/metrics", get(metrics))
        .with_state(Arc::clone(&lag));
    tokio::spawn(async move { axum::serve(exporter, app).await.expect("exporter") });

    let dir = temp("prometheus");
    let port = free_port();
    std::fs::write(
        dir.join("prometheus.yml"),
        format!("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: exporter\n    static_configs:\n      - targets: ['{exporter_addr}']\n"),
    )
    .expect("config");
    let args = vec![
        format!("--config.file={}", dir.join("prometheus.yml").display()),
        format!("--storage.tsdb.path={}", dir.join("data").display()),
        format!("--web.listen-address=127.0.0.1:{port}"),
    ];
    let mut server = start("prometheus", &args, dir);
    wait_ready(&format!("http://127.0.0.1:{port}/-/ready"), &mut server).await;

    let (mut model, mut rx, _tasks) = model_for(&format!(
        r#"
[[source]]
name = "lag"
kind = "prometheus"
url = "http://127.0.0.1:{port}"
query = "pg_replication_lag_seconds"
pair_label = "pair"
measure = "lag"
interval = "500ms"
timeout = "400ms"

[[source]]
name = "broken"
kind = "prometheus"
url = "http://127.0.0.1:{port}"
query = "sum(pg_replication_lag_seconds"
measure = "lag"
interval = "500ms"
timeout = "400ms"

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
    follow(&mut model, &mut rx, "the first scrape", |m| {
        m.pair("acct-1").and_then(|p| p.lag) == Some(2.5)
    })
    .await;
    assert_eq!(model.pair("acct-2").and_then(|p| p.lag), Some(0.5));
    assert!(
        model.sources[0]
            .warnings
            .iter()
            .any(|w| w.contains("1 of 3 series match no known pair")),
        "{:?}",
        model.sources[0].warnings
    );

    lag.store(42.0f64.to_bits(), Ordering::SeqCst);
    follow(&mut model, &mut rx, "the new lag", |m| {
        m.pair("acct-1").and_then(|p| p.lag) == Some(42.0)
    })
    .await;
    let p = model.pair("acct-1").expect("pair");
    assert!(p.reason.contains("lag 42.0s over lag_warn"), "{}", p.reason);
    assert_eq!(p.state, PairState::AtRisk);
    assert!(
        model
            .alerts
            .iter()
            .any(|a| a.name == "LagOverWarn" && a.subject == "acct-1")
    );

    follow(&mut model, &mut rx, "the query error", |m| {
        m.sources[1].last_error.is_some()
    })
    .await;
    let err = model.sources[1].last_error.clone().unwrap_or_default();
    assert!(err.starts_with("Prometheus error (bad_data):"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alertmanager_alerts_are_shown_silenced_from_the_alerts_pane_and_marked_stale_when_it_dies()
{
    need("prometheus-alertmanager", "prometheus-alertmanager");
    let dir = temp("alertmanager");
    let port = free_port();
    std::fs::write(
        dir.join("am.yml"),
        "route:\n  receiver: 'null'\nreceivers:\n  - name: 'null'\n",
    )
    .expect("config");
    let args = vec![
        format!("--config.file={}", dir.join("am.yml").display()),
        format!("--storage.path={}", dir.join("data").display()),
        format!("--web.listen-address=127.0.0.1:{port}"),
        // No cluster port: the test listens on loopback only.
        "--cluster.listen-address=".to_string(),
    ];
    let mut server = start("prometheus-alertmanager", &args, dir);
    let base = format!("http://127.0.0.1:{port}");
    wait_ready(&format!("{base}/-/ready"), &mut server).await;
    let http = baton::sources::client::build(Duration::from_secs(5), 4, None).expect("http client");
    let posted = http
        .post(format!("{base}/api/v2/alerts"))
        .json(&json!([{"labels": {"alertname": "PrimaryDown", "severity": "critical", "instance": "gw-1-a"},
                        "annotations": {"summary": "gw-1-a is not answering"}},
                      {"labels": {"alertname": "DiskFilling", "severity": "warning", "instance": "gw-2-b"}}]))
        .send()
        .await
        .expect("post alerts");
    assert!(posted.status().is_success());

    let (model, mut rx, _tasks) = model_for(&format!(
        "[[source]]\nname = \"am\"\nkind = \"alertmanager\"\nurl = \"{base}\"\ninterval = \"300ms\"\ntimeout = \"250ms\"\nfailure_threshold = 2\n"
    ));
    let mut app = common::Harness::builder("am-silence")
        .model(model)
        .operator("alice@bastion")
        .app();
    follow(&mut app.model, &mut rx, "the posted alerts", |m| {
        m.alerts.len() == 2
    })
    .await;
    app.refresh();
    let a = &app.model.alerts[0];
    assert_eq!(
        (
            a.name.as_str(),
            a.severity,
            a.subject.as_str(),
            a.summary.as_str()
        ),
        (
            "PrimaryDown",
            Severity::Crit,
            "gw-1-a",
            "gw-1-a is not answering"
        )
    );
    assert_eq!(a.state, AlertState::Firing);
    assert_eq!(app.model.alerts[1].severity, Severity::Warn);

    // The operator silences it from the Alerts pane, with keys only.
    app.update(Action::PaneAlerts);
    assert!(app.update(Action::Silence).is_empty());
    assert!(app.silence_form.is_some(), "the silence form opens");
    assert!(
        app.handle_key(KeyEvent::from(KeyCode::Enter)).is_empty(),
        "an empty comment is refused"
    );
    for c in "failover in progress, INC-7".chars() {
        app.handle_key(KeyEvent::from(KeyCode::Char(c)));
    }
    let effects = app.handle_key(KeyEvent::from(KeyCode::Enter));
    let [Effect::Silence(req)] = effects.as_slice() else {
        panic!("expected a silence effect, got {effects:?}")
    };
    assert_eq!(req.duration, Duration::from_hours(2));

    // A read-only executor refuses and creates nothing.
    let (otx, mut orx) = mpsc::channel::<Feedback>(4);
    Executor::new(
        Arc::clone(&app.model.config),
        true,
        "watcher@bastion".into(),
        otx.clone(),
    )
    .silence(req.clone());
    let refused = notice(orx.recv().await);
    assert!(
        !refused.ok && refused.text.contains("read-only"),
        "{refused:?}"
    );
    let silences: Vec<serde_json::Value> = http
        .get(format!("{base}/api/v2/silences"))
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert!(
        silences.is_empty(),
        "read-only created a silence: {silences:?}"
    );

    Executor::new(
        Arc::clone(&app.model.config),
        false,
        app.operator.clone(),
        otx,
    )
    .silence(req.clone());
    let done = notice(orx.recv().await);
    assert!(done.ok, "{done:?}");
    let silences: Vec<serde_json::Value> = http
        .get(format!("{base}/api/v2/silences"))
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(silences.len(), 1, "{silences:?}");
    let s = &silences[0];
    assert_eq!(s["createdBy"], "alice@bastion");
    assert_eq!(s["comment"], "failover in progress, INC-7");
    let matchers = s["matchers"].as_array().expect("matchers");
    assert!(
        matchers.iter().any(|m| m["name"] == "alertname"
            && m["value"] == "PrimaryDown"
            && m["isRegex"] == false)
    );
    follow(&mut app.model, &mut rx, "the silenced state", |m| {
        m.alerts
            .iter()
            .any(|a| a.name == "PrimaryDown" && a.state == AlertState::Silenced)
    })
    .await;

    // Alertmanager goes away: the source fails, its alerts stay, marked STALE.
    drop(server);
    follow(&mut app.model, &mut rx, "the source failing", |m| {
        m.sources[0].health(m.now) == SourceHealth::Failing
    })
    .await;
    assert!(
        app.model
            .alerts
            .iter()
            .filter(|a| a.source.is_some())
            .all(|a| a.state == AlertState::Stale)
    );
    assert!(
        app.model.sources[0]
            .last_error
            .as_deref()
            .unwrap_or_default()
            .starts_with("connect failed")
    );
    let _ = Pane::Alerts;
}
