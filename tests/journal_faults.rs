//! The journal under faults, end to end with the real binary: a write
//! refused for lack of space leaves the file exactly as it was, the retried
//! intent survives a kill -9, and on restart the promote is OUTCOME UNKNOWN
//! and never sent a second time.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::routing::{get, post};
use common::tmux::Tmux;
use common::{serve, temp};
use serde_json::json;

fn runbook(control_plane: std::net::SocketAddr) -> String {
    format!(
        r#"
id = "promote-only"
title = "Promote the standby"
rto = "10m"

[[phase]]
id = "during"

[[phase.step]]
id = "promote"
kind = "action"
title = "Promote gw-1-b"
promote = true
destructive = true
timeout = "60s"
http = {{ method = "POST", url = "http://{control_plane}/failover" }}

[[phase.step]]
id = "after"
kind = "check"
title = "Look around"
"#
    )
}

fn journal_file(dir: &std::path::Path) -> std::path::PathBuf {
    let files: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("journal folder {}: {e}", dir.display()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    assert_eq!(files.len(), 1, "one journal: {files:?}");
    files[0].clone()
}

/// Sets the file-size limit of a running process (as a full disk would
/// refuse writes past a point); `None` lifts it.
fn limit_file_size(pid: u32, bytes: Option<u64>) {
    let soft = bytes.map_or("unlimited".to_string(), |b| b.to_string());
    let st = std::process::Command::new("prlimit")
        .args([
            "--pid",
            &pid.to_string(),
            &format!("--fsize={soft}:unlimited"),
        ])
        .status()
        .expect("prlimit (util-linux) must be installed");
    assert!(st.success(), "prlimit failed");
}

fn wait_until(what: &str, pred: impl Fn() -> bool) {
    let start = Instant::now();
    while !pred() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "waited for {what}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_write_leaves_no_fragment_and_a_promote_is_never_sent_twice() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&calls);
    let plane = serve(
        Router::new()
            .route(
                "/api/pairs",
                get(|| async {
                    axum::Json(json!({"pairs": [{"id": "acct-1",
                        "primary": {"id": "gw-1-a", "status": "DOWN", "health_score": 10, "region": "eu-west-1"},
                        "standby": {"id": "gw-1-b", "status": "ACTIVE", "health_score": 88, "region": "eu-central-1"},
                        "replication_lag_seconds": 0.5}]}))
                }),
            )
            .route(
                "/failover",
                post(move || {
                    let counted = Arc::clone(&counted);
                    async move {
                        counted.fetch_add(1, Ordering::SeqCst);
                        // The control plane answers slowly: baton is killed first.
                        tokio::time::sleep(Duration::from_mins(2)).await;
                        "promoted"
                    }
                }),
            ),
    )
    .await;
    let dir = temp("tornjournal");
    std::fs::create_dir_all(dir.join("runbooks")).expect("dir");
    std::fs::write(dir.join("runbooks/promote.toml"), runbook(plane)).expect("runbook");
    std::fs::write(
        dir.join("baton.toml"),
        format!(
            "[console]\ntitle = \"torn\"\njournal_dir = \"{}/journal\"\nrunbooks = [\"runbooks/\"]\n\n[[source]]\nname = \"fleet\"\nkind = \"fleet\"\nurl = \"http://{plane}/api/pairs\"\ninterval = \"500ms\"\ntimeout = \"400ms\"\n\n[[pair]]\nid = \"acct-1\"\nrunbook = \"promote-only\"\nprimary = {{ id = \"gw-1-a\", region = \"eu-west-1\" }}\nstandby = {{ id = \"gw-1-b\", region = \"eu-central-1\" }}\n",
            dir.display()
        ),
    )
    .expect("config");
    let journal = dir.join("journal");
    let (dir2, journal2, calls2) = (dir.clone(), journal.clone(), Arc::clone(&calls));
    let first = tokio::task::spawn_blocking(move || {
        let t = Tmux::start_in("torn", dir2, 120, 36, "");
        t.wait_for("the pair", |s| s.contains("acct-1"));
        t.keys(&["f"]);
        t.wait_for("the promote step", |s| {
            s.contains("will run exactly:") && s.contains("/failover")
        });
        let file = journal_file(&journal2);
        let before = std::fs::metadata(&file).expect("journal").len();
        let pid = t.baton_pid();
        // Room for 40 more bytes: the intent is cut mid-line.
        limit_file_size(pid, Some(before + 40));
        t.keys(&["Enter"]);
        t.wait_for("the pair id prompt", |s| s.contains("type the pair id"));
        t.keys(&["acct-1", "Enter"]);
        t.wait_for("the refusal", |s| {
            s.contains("action not run: cannot write journal")
        });
        assert_eq!(calls2.load(Ordering::SeqCst), 0, "nothing was sent");
        assert_eq!(
            std::fs::metadata(&file).expect("journal").len(),
            before,
            "the refused write left the file exactly as it was"
        );
        // Space is freed; the operator retries and the promote is sent.
        limit_file_size(pid, None);
        t.keys(&["Enter"]);
        t.wait_for("the pair id prompt", |s| s.contains("type the pair id"));
        t.keys(&["acct-1", "Enter"]);
        t.wait_for("the promote running", |s| s.contains("running for"));
        wait_until("the call to reach the control plane", || {
            calls2.load(Ordering::SeqCst) == 1
        });
        let killed = std::process::Command::new("kill")
            .args(["-9", &pid.to_string()])
            .status()
            .expect("kill");
        assert!(killed.success());
        t.exit_code();
        t.stop_keep()
    })
    .await
    .expect("first run");

    let text = std::fs::read_to_string(journal_file(&journal)).expect("journal");
    let events: Vec<String> = text
        .lines()
        .map(|l| {
            let v: serde_json::Value =
                serde_json::from_str(l).unwrap_or_else(|e| panic!("a torn line {l:?}: {e}"));
            v["event"].as_str().unwrap_or_default().to_string()
        })
        .collect();
    assert_eq!(
        events.last().map(String::as_str),
        Some("action_intent"),
        "{events:?}"
    );

    let calls3 = Arc::clone(&calls);
    let code = tokio::task::spawn_blocking(move || {
        let t = Tmux::start_in("torn2", first, 120, 36, "");
        t.wait_for("the promote of unknown outcome", |s| {
            s.contains("OUTCOME UNKNOWN") && s.contains("Promote gw-1-b")
        });
        // The operator presses enter as before: it must not send again.
        t.keys(&["Enter"]);
        t.wait_for("the refusal to re-run", |s| {
            s.contains("the outcome is unknown: check the live state")
        });
        assert_eq!(calls3.load(Ordering::SeqCst), 1, "the promote ran twice");
        t.keys(&["q"]);
        let code = t.exit_code();
        t.stop_keep();
        code
    })
    .await
    .expect("second run");
    assert_eq!(code, "EXIT=0");
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    let _ = std::fs::remove_dir_all(&dir);
}
