//! Named service checks (seed 002, seed 003): sources with no instance,
//! polled for real on loopback (http, tcp, process, database, command),
//! judged with their thresholds, read in expressions, raising
//! `CheckFailing`, listed in the Checks view, and checked by `baton check`.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU16, Ordering};
use std::time::{Duration, Instant};

use baton::cond::{Cond, Scope as _, Value};
use baton::config::Config;
use baton::keymap::Action;
use baton::sources::report::{Payload, SourceUpdate};
use baton::state::Model;
use baton::wizard::vars::PairScope;
use chrono::Utc;
use common::Harness;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// An HTTP health endpoint on 127.0.0.1 answering the status the test sets.
async fn endpoint(status: Arc<AtomicU16>) -> std::net::SocketAddr {
    use axum::http::StatusCode;
    let app = axum::Router::new().route(
        "/health",
        axum::routing::get(move || {
            let status = Arc::clone(&status);
            async move {
                let code = StatusCode::from_u16(status.load(Ordering::SeqCst))
                    .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                (code, "{\"status\": \"UP\"}")
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}

fn scope(model: &Model) -> PairScope<'_> {
    PairScope {
        model,
        pair: None,
        area: None,
        area_stats: std::cell::OnceCell::new(),
        elapsed: 0.0,
        since: None,
    }
}

fn holds(model: &Model, expr: &str) -> Result<bool, String> {
    Cond::new(expr).eval(&scope(model))
}

/// Applies what the sources send until `done` holds of the model.
async fn until(
    model: &mut Model,
    rx: &mut tokio::sync::mpsc::Receiver<SourceUpdate>,
    what: &str,
    done: impl Fn(&Model) -> bool,
) {
    let deadline = Instant::now() + common::harness::DEADLINE;
    while !done(model) {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, rx.recv()).await {
            Ok(Some(u)) => {
                model.apply(u);
                model.tick(Utc::now());
            }
            _ => panic!("{what}: not seen in time; sources: {:#?}", model.sources),
        }
    }
}

fn check<'a>(model: &'a Model, name: &str) -> &'a baton::state::SourceStatus {
    model
        .sources
        .iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("no check {name}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn checks_of_every_kind_pass_or_fail_for_real_and_gates_read_them() {
    let dir = std::env::temp_dir().join(format!("baton-checks-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let pid_file = dir.join("me.pid");
    std::fs::write(&pid_file, format!("{}\n", std::process::id())).expect("pid file");
    let db = dir.join("ledger.db");
    let c = rusqlite::Connection::open(&db).expect("sqlite");
    c.execute_batch("create table trades (id integer); insert into trades values (1), (2), (3);")
        .expect("schema");
    drop(c);
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let closed_port = closed.local_addr().expect("addr").port();
    drop(closed);
    let status = Arc::new(AtomicU16::new(200));
    let web = endpoint(Arc::clone(&status)).await;
    let text = format!(
        r#"
[[source]]
name = "api"
kind = "http"
url = "http://{web}/health"
interval = "200ms"
timeout = "150ms"
failure_threshold = 2
success_threshold = 2

[[source]]
name = "web_port"
kind = "tcp"
url = "tcp://{web}"
interval = "200ms"
timeout = "150ms"
failure_threshold = 1

[[source]]
name = "cache"
kind = "tcp"
url = "tcp://127.0.0.1:{closed_port}"
interval = "200ms"
timeout = "150ms"
failure_threshold = 1

[[source]]
name = "me"
kind = "process"
pid_file = "{pid}"
interval = "200ms"
timeout = "150ms"
failure_threshold = 1

[[source]]
name = "ghost"
kind = "process"
process = "no-such-baton-daemon"
interval = "200ms"
timeout = "150ms"
failure_threshold = 1

[[source]]
name = "ledger"
kind = "database"
url = "sqlite://{db}"
query = "select count(*) from trades"
interval = "200ms"
timeout = "150ms"
failure_threshold = 1

[[source]]
name = "script"
kind = "command"
check = true
command = ["sh", "-c", "echo checking >&2; exit 3"]
interval = "200ms"
timeout = "150ms"
failure_threshold = 1
"#,
        pid = pid_file.display(),
        db = db.display(),
    );
    let path = dir.join("baton.toml");
    std::fs::write(&path, &text).expect("config");
    let config: Config = baton::config::load_file(&path).unwrap_or_else(|d| panic!("{d}"));
    assert!(
        config
            .sources
            .iter()
            .all(baton::config::SourceCfg::is_check)
    );
    let config = Arc::new(config);
    let mut model = Model::new(Arc::clone(&config), Utc::now());
    // Before any poll, no check has a verdict and a gate on one does not hold.
    let e = holds(&model, "check.api.ok").expect_err("undecided");
    assert!(e.contains("no verdict yet"), "{e}");
    let (tx, mut rx) = tokio::sync::mpsc::channel(64);
    let _tasks = baton::sources::spawn_all(&config, &tx, model.resync());
    until(&mut model, &mut rx, "every check decided", |m| {
        m.sources.iter().all(|s| s.passing(m.now).is_some())
    })
    .await;
    let now = model.now;
    for (name, passing) in [
        ("api", true),
        ("web_port", true),
        ("cache", false),
        ("me", true),
        ("ghost", false),
        ("ledger", true),
        ("script", false),
    ] {
        assert_eq!(check(&model, name).passing(now), Some(passing), "{name}");
    }
    let found = |n: &str| check(&model, n).check.clone().and_then(|c| c.detail);
    assert_eq!(found("ledger").as_deref(), Some("answered 3"));
    assert_eq!(found("me"), Some(format!("pid {}", std::process::id())));
    let err = |n: &str| check(&model, n).last_error.clone().unwrap_or_default();
    assert!(
        err("cache").contains(&format!("127.0.0.1:{closed_port}")),
        "{}",
        err("cache")
    );
    assert_eq!(
        err("ghost"),
        "no running process named no-such-baton-daemon"
    );
    assert!(
        err("script").contains("exit status: 3: checking"),
        "{}",
        err("script")
    );

    // Each failing check raises CheckFailing (not SourceFailing), by name.
    let mut failing: Vec<&str> = model
        .alerts
        .iter()
        .filter(|a| a.name == "CheckFailing")
        .map(|a| a.subject.as_str())
        .collect();
    failing.sort_unstable();
    assert_eq!(failing, ["cache", "ghost", "script"]);
    assert!(!model.alerts.iter().any(|a| a.name == "SourceFailing"));

    // Expressions read them.
    assert_eq!(holds(&model, "check.api.ok && check.ledger.ok"), Ok(true));
    assert_eq!(
        holds(&model, "checks.failing == 3 && checks.total == 7"),
        Ok(true)
    );
    assert_eq!(holds(&model, "check.cache.ok"), Ok(false));
    assert_eq!(holds(&model, "check.api.latency < 150ms"), Ok(true));
    let v = scope(&model).get("check.cache.failures");
    assert!(matches!(v, Value::Num(n) if n >= 1.0), "{v:?}");

    // The API fails: after 2 failed polls (its threshold), not before.
    status.store(503, Ordering::SeqCst);
    until(&mut model, &mut rx, "api failing", |m| {
        check(m, "api").passing(m.now) == Some(false)
    })
    .await;
    let api = check(&model, "api");
    assert_eq!(api.failures, 2, "FAILING at the threshold, not sooner");
    assert!(
        api.last_error
            .as_deref()
            .unwrap_or_default()
            .contains("503")
    );
    assert_eq!(holds(&model, "checks.failing == 4"), Ok(true));
    // It recovers only after 2 good polls in a row (success_threshold).
    status.store(200, Ordering::SeqCst);
    until(&mut model, &mut rx, "api passing again", |m| {
        check(m, "api").passing(m.now) == Some(true)
    })
    .await;
    let c = check(&model, "api").check.clone().unwrap_or_default();
    assert_eq!(c.successes, 2);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A check's poll as the source task would send it.
fn polled(source: usize, at: chrono::DateTime<Utc>, result: Result<&str, &str>) -> SourceUpdate {
    SourceUpdate {
        source,
        at,
        latency: Duration::from_millis(42),
        result: result
            .map(|d| Payload::Checked {
                detail: d.to_string(),
            })
            .map_err(str::to_string),
        next_poll: None,
    }
}

#[test]
fn the_checks_view_lists_failing_checks_first_with_their_error_at_80x24() {
    let text = r#"
[[source]]
name = "primary_api"
kind = "http"
url = "http://127.0.0.1:9/health"
failure_threshold = 2

[[source]]
name = "exchange"
kind = "tcp"
url = "tcp://127.0.0.1:9"
failure_threshold = 2

[[source]]
name = "primary_db"
kind = "database"
url = "sqlite:///var/genesis/data/genesis.db"
"#;
    let mut h = Harness::builder("checks-view").config_text(text).build();
    let t0 = h.app.model.now;
    for s in 0..2 {
        let at = t0 + chrono::Duration::seconds(s);
        h.app.model.apply(polled(0, at, Ok("UP")));
        h.app.model.apply(polled(
            1,
            at,
            Err("connect to 127.0.0.1:9 failed: Connection refused"),
        ));
        h.app.model.apply(polled(2, at, Ok("answered 1")));
    }
    h.advance(1);
    h.press(Action::Checks);
    let screen = h.screen(80, 24);
    assert!(screen.contains("Checks · 1 of 3 failing"), "{screen}");
    assert!(screen.contains("✖ 1 check failing"), "title bar:\n{screen}");
    let row = |name: &str| {
        screen
            .lines()
            .position(|l| l.contains(&format!("{name} ")))
            .unwrap_or_else(|| panic!("no {name} row:\n{screen}"))
    };
    assert!(
        row("exchange") < row("primary_api"),
        "failing first:\n{screen}"
    );
    let line = |name: &str| {
        screen
            .lines()
            .nth(row(name))
            .unwrap_or_default()
            .to_string()
    };
    assert!(line("exchange").contains("FAILING"), "{screen}");
    assert!(line("exchange").contains("2 failed in a row"), "{screen}");
    assert!(line("primary_api").contains("PASSING"), "{screen}");
    assert!(line("primary_api").contains("42 ms"), "{screen}");
    assert!(line("primary_db").contains("2 ok in a row"), "{screen}");
    assert!(
        screen.contains("last error connect to 127.0.0.1:9 failed"),
        "{screen}"
    );
    assert!(screen.contains("found: answered 1"), "{screen}");
    // The alert is in the Alerts pane once the view is closed.
    h.press(Action::Close);
    h.press(Action::PaneAlerts);
    let screen = h.screen(80, 24);
    assert!(screen.contains("CheckFailing"), "{screen}");
}

fn baton_check(config: &str) -> (bool, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_baton"))
        .args(["check", "--config", config])
        .output()
        .expect("run baton check");
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[test]
fn the_seed_examples_pass_baton_check_and_bad_checks_are_named_by_line() {
    for ex in ["seed-002.toml", "seed-003.toml"] {
        let (ok, out) = baton_check(&format!("{ROOT}/examples/checks/{ex}"));
        assert!(ok, "{ex}:\n{out}");
    }
    let dir = std::env::temp_dir().join(format!("baton-bad-checks-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("rb")).expect("dir");
    let rb = std::fs::read_to_string(format!(
        "{ROOT}/examples/checks/runbooks/genesis-failover.toml"
    ))
    .expect("runbook");
    std::fs::write(
        dir.join("rb/genesis.toml"),
        rb.replace(
            "check.api_health.ok == false",
            "check.api_helth.ok == false",
        ),
    )
    .expect("write");
    let bad = dir.join("bad.toml");
    std::fs::write(
        &bad,
        r#"[console]
shipped_runbooks = false
runbooks = ["rb/"]

[[pair]]
id = "genesis"
primary = { id = "a", region = "r" }

[notify.ops]
kind = "webhook"
url = "http://127.0.0.1:9/"

[[source]]
name = "api-health"
kind = "http"
url = "http://127.0.0.1:9/health"

[[source]]
name = "primary_db"
kind = "database"
url = "postgres://baton:hunter2@127.0.0.1:5432/postgres"

[[source]]
name = "both"
kind = "process"
pid_file = "/run/x.pid"
process = "x"
"#,
    )
    .expect("write");
    let (ok, out) = baton_check(&bad.display().to_string());
    assert!(!ok, "{out}");
    let shown = bad.display().to_string();
    for want in [
        format!(
            "{shown}:14:1: key `source[0].name`: a check's name is read in expressions as `check.api-health.ok`"
        ),
        format!("{shown}:21:1: key `source[1].url`: the URL holds a password"),
        format!("{shown}:23:1: key `source[2]`: a `process` source needs either `pid_file`"),
    ] {
        assert!(out.contains(&want), "missing {want:?} in:\n{out}");
    }
    // With the config mended, the runbook's misspelt check is named.
    let text = std::fs::read_to_string(&bad).expect("read");
    let mended = text
        .replace("api-health", "api_health")
        .replace("baton:hunter2@", "baton@")
        .replace("process = \"x\"\n", "");
    std::fs::write(&bad, mended).expect("write");
    let (ok, out) = baton_check(&shown);
    assert!(!ok, "{out}");
    let want = "key `phase[0].step[0].expr`: unknown variable `check.api_helth.ok`; variables: ";
    assert!(out.contains(want), "missing {want:?} in:\n{out}");
    assert!(
        out.contains("check.api_health.ok"),
        "the list names the checks:\n{out}"
    );
    assert_eq!(out.matches("error ").count(), 1, "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}
