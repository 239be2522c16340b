//! Watch mode: read-only by construction, and following the operator's
//! wizard live from the journal folder.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::routing::{get, post};
use baton::app::Mode;
use baton::config::Config;
use baton::keymap::{Keymap, Layer};
use common::tmux::Tmux;
use common::{Harness, serve, temp};
use crossterm::event::KeyEvent;
use serde_json::json;

/// A fleet endpoint with one failing pair that counts its polls, and a
/// failover endpoint that counts every request it receives.
async fn receiver(posts: Arc<AtomicUsize>, polls: Arc<AtomicUsize>) -> std::net::SocketAddr {
    let app = Router::new()
        .route(
            "/api/pairs",
            get(move || {
                polls.fetch_add(1, Ordering::SeqCst);
                async {
                axum::Json(json!({"pairs": [{"id": "acct-1",
                    "primary": {"id": "gw-1-a", "status": "DOWN", "health_score": 0, "region": "eu-west-1", "provider": "aws"},
                    "standby": {"id": "gw-1-b", "status": "STANDBY", "health_score": 88, "region": "eu-central-1", "provider": "hetzner"},
                    "replication_lag_seconds": 0.5}]}))
                }
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

/// A console on `config`'s journal folder, its model fed one poll.
fn console(name: &str, config: &Config, dir: &std::path::Path) -> common::builder::Builder {
    Harness::builder(name)
        .in_dir(dir.to_path_buf())
        .journal_dir(config.console.journal_dir.clone())
        .model(common::one_pair_down(config.clone()))
        .shipped_runbooks()
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
    let addr = receiver(Arc::clone(&posts), Arc::default()).await;
    let dir = temp("watch-keys");
    let journal = dir.join("journal");
    let config: Config = toml::from_str(&config_text(addr, &journal)).expect("config");

    // An operator opens an incident, so the watcher has a wizard to press keys in.
    let mut operator = console("watch-keys", &config, &dir)
        .operator("alice@bastion")
        .build();
    operator.start_failover();
    assert_eq!(operator.incidents().len(), 1, "{}", operator.describe());
    let before = files_under(&journal);

    for name in baton::keymap::embedded_names() {
        let full = Keymap::builtin(name).expect("keymap");
        let mut watcher = console("watch-keys", &config, &dir)
            .keymap(full.clone())
            .mode(Mode::Watch)
            .operator("carol@bastion")
            .build();
        let mut follower = baton::app::follow::Follower::new(journal.clone());
        watcher.follow(&mut follower);
        assert_eq!(
            watcher.incidents().len(),
            1,
            "the watcher follows the incident"
        );
        // Help is drawn from the loaded keymap: no changing action is in it.
        for layer in Layer::ALL {
            for (action, _) in watcher.app.keymap.bindings(*layer) {
                assert!(
                    !action.mutating(),
                    "keymap {name}: {} is bound in watch mode",
                    action.name()
                );
            }
        }
        // Every key of every layer, in every place it could matter.
        for layer in Layer::ALL {
            for (_, keys) in full.bindings(*layer) {
                for key in keys {
                    for place in 0..3 {
                        watcher.app.view.wizard = place == 1;
                        watcher.app.view.overlay = None;
                        watcher.close_inputs();
                        if place == 2 {
                            watcher.app.update(baton::keymap::Action::PaneAlerts);
                        }
                        watcher.try_key(KeyEvent::new(key.code, key.mods));
                        // A prompt, had one opened, gets text and enter too.
                        for k in [
                            crossterm::event::KeyCode::Char('x'),
                            crossterm::event::KeyCode::Enter,
                        ] {
                            watcher.try_key(KeyEvent::from(k));
                        }
                    }
                }
            }
        }
        // Every effect the watcher's executor started has ended: whatever
        // it (wrongly) wrote or sent is there by now.
        watcher.finish_effects().await;
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
            watcher.incidents()[0].entries.len() == 1,
            "keymap {name}: the watcher changed the incident"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_watcher_shows_the_operator_live_and_cannot_act() {
    let posts = Arc::new(AtomicUsize::new(0));
    let polls = Arc::new(AtomicUsize::new(0));
    let addr = receiver(Arc::clone(&posts), Arc::clone(&polls)).await;
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
        // Every key was handled once the help, asked for last, is up; two
        // more polls of the fleet prove the watcher's loop ran on after
        // them, so a request it had (wrongly) started was sent by then.
        t.keys(&["?"]);
        t.wait_for("the help, after every key", |s| s.contains("Help · keymap"));
        let seen = polls.load(Ordering::SeqCst);
        let since = Instant::now();
        while polls.load(Ordering::SeqCst) < seen + 2 {
            assert!(
                since.elapsed() < common::harness::DEADLINE,
                "the watcher stopped polling"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        t.keys(&["Escape"]);
        t.wait_for("the help closed", |s| !s.contains("Help · keymap"));
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
    let mut operator = console("watch-live", &config, &dir)
        .operator("alice@bastion")
        .build();
    operator.start_failover();
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
    operator.code(crossterm::event::KeyCode::Enter);
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
