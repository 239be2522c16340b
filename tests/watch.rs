//! Watch mode: read-only by construction, and following the operator's
//! wizard live from the journal folder.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::routing::{get, post};
use baton::app::{App, Mode, perform};
use baton::config::Config;
use baton::effects::Executor;
use baton::keymap::{Keymap, Layer};
use baton::sources::report::{InstanceReport, PairReport, Payload, SourceUpdate};
use baton::state::Model;
use chrono::Utc;
use common::tmux::Tmux;
use common::{serve, temp};
use crossterm::event::KeyEvent;
use serde_json::json;

/// A fleet endpoint with one failing pair, and a failover endpoint that
/// counts every request it receives.
async fn receiver(posts: Arc<AtomicUsize>) -> std::net::SocketAddr {
    let app = Router::new()
        .route(
            "/api/pairs",
            get(|| async {
                axum::Json(json!({"pairs": [{"id": "acct-1",
                    "primary": {"id": "gw-1-a", "status": "DOWN", "health_score": 0, "region": "eu-west-1", "provider": "aws"},
                    "standby": {"id": "gw-1-b", "status": "STANDBY", "health_score": 88, "region": "eu-central-1", "provider": "hetzner"},
                    "replication_lag_seconds": 0.5}]}))
            }),
        )
        .route(
            "/api/pairs/{id}/failover",
            post(move || {
                posts.fetch_add(1, Ordering::SeqCst);
                async { "ok" }
            }),
        );
    serve(app).await
}

fn config_text(addr: std::net::SocketAddr, journal: &std::path::Path) -> String {
    format!(
        "[console]\ntitle = \"prod-eu\"\nframe_color = \"red\"\njournal_dir = \"{}\"\n\n[[source]]\nname = \"fleet\"\nkind = \"fleet\"\nurl = \"http://{addr}/api/pairs\"\ninterval = \"500ms\"\ntimeout = \"400ms\"\nfailure_threshold = 1\n",
        journal.display()
    )
}

fn fed_model(config: Config) -> Model {
    let mut model = Model::new(Arc::new(config), Utc::now());
    let inst = |id: &str, status: &str, score: f64, region: &str| InstanceReport {
        id: id.into(),
        status: Some(status.into()),
        health_score: Some(score),
        region: Some(region.into()),
        ..InstanceReport::default()
    };
    model.apply(SourceUpdate {
        source: 0,
        at: Utc::now(),
        latency: Duration::from_millis(1),
        next_poll: None,
        result: Ok(Payload::Fleet {
            pairs: vec![PairReport {
                id: "acct-1".into(),
                primary: inst("gw-1-a", "DOWN", 0.0, "eu-west-1"),
                standby: Some(inst("gw-1-b", "STANDBY", 88.0, "eu-central-1")),
                replication_lag_seconds: Some(0.5),
            }],
            skipped: Vec::new(),
        }),
    });
    model
}

fn runbooks(config: &Config) -> Vec<Arc<baton::wizard::runbook::Runbook>> {
    baton::config::runbooks::load_shipped(config)
        .0
        .into_iter()
        .map(Arc::new)
        .collect()
}

fn files_under(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.filter_map(Result::ok) {
            let p = e.path();
            if p.is_dir() {
                out.extend(files_under(&p));
            } else {
                out.push(format!(
                    "{} {}",
                    p.display(),
                    std::fs::read_to_string(&p).map_or(0, |s| s.len())
                ));
            }
        }
    }
    out.sort();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_key_of_every_keymap_changes_nothing_in_watch_mode() {
    let posts = Arc::new(AtomicUsize::new(0));
    let addr = receiver(Arc::clone(&posts)).await;
    let dir = temp("watch-keys");
    let journal = dir.join("journal");
    let config: Config = toml::from_str(&config_text(addr, &journal)).expect("config");

    // An operator opens an incident, so the watcher has a wizard to press keys in.
    let (otx, _orx) = tokio::sync::mpsc::channel(8);
    let mut op_exec = Executor::new(Arc::new(config.clone()), false, "alice@bastion".into(), otx);
    let mut operator = App::new(
        fed_model(config.clone()),
        Keymap::builtin("default").expect("keymap"),
        baton::theme::Theme::plain(),
        Mode::Operator,
    );
    operator.wizard.runbooks = runbooks(&config);
    let fx = common::start_failover(&mut operator);
    assert!(perform(&mut operator, &mut op_exec, fx));
    assert_eq!(operator.wizard.incidents.len(), 1, "{:?}", operator.notice);
    let before = files_under(&journal);

    for name in baton::keymap::embedded_names() {
        let full = Keymap::builtin(name).expect("keymap");
        let mut watcher = App::new(
            fed_model(config.clone()),
            full.clone(),
            baton::theme::Theme::plain(),
            Mode::Watch,
        );
        watcher.wizard.runbooks = runbooks(&config);
        let mut follower = baton::app::follow::Follower::new(journal.clone());
        follower.poll();
        let list = follower.incidents(&watcher.wizard.runbooks, watcher.model.now);
        watcher.follow_update(list, follower.history());
        assert_eq!(
            watcher.wizard.incidents.len(),
            1,
            "the watcher follows the incident"
        );
        // Help is drawn from the loaded keymap: no changing action is in it.
        for layer in Layer::ALL {
            for (action, _) in watcher.keymap.bindings(*layer) {
                assert!(
                    !action.mutating(),
                    "keymap {name}: {} is bound in watch mode",
                    action.name()
                );
            }
        }
        let (wtx, _wrx) = tokio::sync::mpsc::channel(64);
        let mut exec = Executor::new(Arc::new(config.clone()), true, "carol@bastion".into(), wtx);
        // Every key of every layer, in every place it could matter.
        for layer in Layer::ALL {
            for (action, keys) in full.bindings(*layer) {
                for key in keys {
                    for place in 0..3 {
                        watcher.view.wizard = place == 1;
                        watcher.view.overlay = None;
                        watcher.wizard.prompt = None;
                        watcher.silence_form = None;
                        watcher.wizard.chooser = None;
                        if place == 2 {
                            watcher.update(baton::keymap::Action::PaneAlerts);
                        }
                        let fx = watcher.handle_key(KeyEvent::new(key.code, key.mods));
                        perform(&mut watcher, &mut exec, fx);
                        // A prompt, had one opened, gets text and enter too.
                        for k in [
                            crossterm::event::KeyCode::Char('x'),
                            crossterm::event::KeyCode::Enter,
                        ] {
                            let fx = watcher.handle_key(KeyEvent::from(k));
                            perform(&mut watcher, &mut exec, fx);
                        }
                        let _ = action;
                    }
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(
            files_under(&journal),
            before,
            "keymap {name}: the watcher wrote to the journal folder"
        );
        assert_eq!(
            posts.load(Ordering::SeqCst),
            0,
            "keymap {name}: the watcher sent a request"
        );
        assert!(
            watcher.wizard.incidents[0].entries.len() == 1,
            "keymap {name}: the watcher changed the incident"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_watcher_shows_the_operator_live_and_cannot_act() {
    let posts = Arc::new(AtomicUsize::new(0));
    let addr = receiver(Arc::clone(&posts)).await;
    let dir = temp("watch-live");
    let journal = dir.join("journal");
    let text = config_text(addr, &journal);
    std::fs::write(dir.join("baton.toml"), &text).expect("config");
    let config: Config = toml::from_str(&text).expect("config");

    let dir2 = dir.clone();
    let watcher = tokio::task::spawn_blocking(move || {
        let t = Tmux::start_in("watch", dir2, 120, 36, "watch");
        t.wait_for("the watch console", |s| {
            s.contains("acct-1") && s.contains("CRITICAL") && s.contains("WATCH")
        });
        // The whole failover sequence, pressed in the watcher.
        t.keys(&[
            "n", "f", "Enter", "Enter", "Enter", "why", "Enter", "Enter", "acct-1", "Enter", "x",
            "a", "Escape",
        ]);
        std::thread::sleep(Duration::from_millis(500));
        t
    })
    .await
    .expect("watcher");
    assert_eq!(
        posts.load(Ordering::SeqCst),
        0,
        "the watcher sent a failover request"
    );
    assert!(
        files_under(&journal).is_empty(),
        "the watcher wrote: {:?}",
        files_under(&journal)
    );

    // The operator, another process for the watcher, starts the failover.
    let (otx, _orx) = tokio::sync::mpsc::channel(8);
    let mut exec = Executor::new(Arc::new(config.clone()), false, "alice@bastion".into(), otx);
    let mut operator = App::new(
        fed_model(config.clone()),
        Keymap::builtin("default").expect("keymap"),
        baton::theme::Theme::plain(),
        Mode::Operator,
    );
    operator.wizard.runbooks = runbooks(&config);
    let fx = common::start_failover(&mut operator);
    assert!(perform(&mut operator, &mut exec, fx));
    let started = Instant::now();
    let watcher = tokio::task::spawn_blocking(move || {
        watcher.wait_for("the operator's incident", |s| {
            s.contains("Pair failover (seed 000) · acct-1")
                && s.contains("▶ The primary is failing")
        });
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "shown after {:?}",
            started.elapsed()
        );
        watcher
    })
    .await
    .expect("watcher sees the start");

    // The operator passes the first gate; the watcher follows.
    let fx = operator.handle_key(KeyEvent::from(crossterm::event::KeyCode::Enter));
    assert!(perform(&mut operator, &mut exec, fx));
    let started = Instant::now();
    tokio::task::spawn_blocking(move || {
        watcher.wait_for("the next step", |s| {
            s.contains("▶ The standby can take over") && s.contains("driven by")
        });
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "shown after {:?}",
            started.elapsed()
        );
        watcher.keys(&["t"]);
        watcher.wait_for("the timeline", |s| {
            s.contains("Timeline · INC-") && s.contains("gate passed")
        });
        watcher.keys(&["Escape", "q"]);
        assert_eq!(watcher.exit_code(), "EXIT=0");
    })
    .await
    .expect("watcher follows");
    assert_eq!(posts.load(Ordering::SeqCst), 0);
    let _ = std::fs::remove_dir_all(&dir);
}
