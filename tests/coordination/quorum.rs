//! One member lost: everything goes on. Two of three lost: actions are
//! refused with the reason, the panes go on, nothing is lost, and once the
//! quorum is back the journal on etcd and on disk agree. A watch console
//! with no journal folder follows it all through etcd.

use std::time::{Duration, Instant};

use baton::effects::Feedback;
use baton::wizard::incident::{Entry, Event};
use baton::wizard::machine::Target;
use crossterm::event::KeyCode;

use super::cluster::{self, Cluster};
use super::common::tmux::Tmux;
use super::{bob_exec_journal, console, fleet, write};

fn run_promote(h: &mut super::Harness) {
    h.app.model.now = chrono::Utc::now();
    h.code(KeyCode::Enter);
    h.text("acct-1");
    h.code(KeyCode::Enter);
}

async fn action_done(h: &mut super::Harness) -> Event {
    loop {
        match h.next_feedback("the promote's outcome").await {
            Feedback::ActionDone { event, .. } => {
                h.feed(Feedback::ActionDone {
                    incident: h.app.wizard.incidents[0].id.clone(),
                    step: "promote".into(),
                    event: event.clone(),
                });
                return event;
            }
            other => h.feed(other),
        }
    }
}

fn recorded(entries: &[Entry]) -> Vec<serde_json::Value> {
    entries
        .iter()
        .filter(|e| baton::effects::is_recorded(e))
        .map(|e| serde_json::to_value(e).expect("entry"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_quorum_actions_are_refused_and_the_journals_agree_after() {
    let etcd = Cluster::up("quorum", 12700);
    let base = super::common::temp("coord-quorum");
    let marker = base.join("promoted");
    let runbooks = cluster::runbook(&base, &marker, 0);
    let addr = fleet().await.to_string();
    let coord = etcd.section("/baton/quorum", "");

    // The commander's console: only [coordination] and the runbooks, a
    // journal folder that does not exist, no source.
    let watch_dir = base.join("watch");
    let watch_cfg = write(
        &watch_dir,
        "baton.toml",
        &format!(
            "[console]\njournal_dir = \"{}\"\nrunbooks = [\"{}\"]\nshipped_runbooks = false\n\n{coord}",
            watch_dir.join("no-such-folder").display(),
            runbooks.display()
        ),
    );
    let watch = Tmux::start_env(
        "coord-watch",
        watch_dir.clone(),
        100,
        30,
        "USER=carol",
        &format!("--config {} watch", watch_cfg.display()),
    );
    watch.wait_for("the watch console", |s| s.contains("WATCH"));

    let text = cluster::config(&addr, &base.join("bob/journal"), &runbooks, &coord);
    let mut bob = console("coord-quorum-bob", "bob", &text);
    bob.start("coord-test", &Target::Pair("acct-1".into()));
    let started = Instant::now();
    let id = bob.app.wizard.incidents[0].id.clone();
    watch.wait_for("the incident followed", |s| {
        s.contains("Coordinated promote")
    });
    let follow = started.elapsed();
    eprintln!(
        "watch console followed the start in {} ms",
        follow.as_millis()
    );
    assert!(
        follow < Duration::from_secs(2),
        "followed within 2 s: {follow:?}"
    );

    // One member lost: the check is journaled, on etcd too.
    etcd.kill(1);
    bob.app.model.now = chrono::Utc::now();
    bob.code(KeyCode::Enter);
    assert_eq!(
        bob.app.wizard.incidents[0].current().map(|s| s.id.as_str()),
        Some("promote")
    );

    // Two lost: the promote is refused, it never ran.
    etcd.kill(2);
    // Refused at once when the lease is already past proving, else once
    // its intent is not committed in time.
    run_promote(&mut bob);
    let said = bob.app.notice.clone().map(|n| n.text).unwrap_or_default();
    if said.contains("action not run") {
        assert!(said.contains("etcd"), "{said}");
    } else {
        let refused = action_done(&mut bob).await;
        assert!(
            matches!(&refused, Event::ActionNotRun { reason } if reason.contains("etcd")),
            "{refused:?}"
        );
    }
    eprintln!("refused: {said}");
    assert!(!marker.exists(), "no action without its intent on etcd");
    // As the event loop does every second.
    bob.app.coord_status = baton::app::coordination::status(&bob.exec);
    let screen = bob.screen(120, 30);
    assert!(
        screen.contains("etcd:"),
        "the title bar says why:\n{screen}"
    );
    // The watcher on its own still draws (the panes go on).
    watch.wait_for("the watch console alive", |s| s.contains("WATCH"));

    // The quorum back: the entries written meanwhile reach etcd, and the
    // promote runs, once.
    etcd.start(2);
    let t0 = Instant::now();
    while !matches!(baton::app::coordination::status(&bob.exec), Some((true, _))) {
        assert!(
            t0.elapsed() < Duration::from_secs(30),
            "etcd back: {:?}",
            baton::app::coordination::status(&bob.exec)
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    run_promote(&mut bob);
    let ran = action_done(&mut bob).await;
    assert!(
        matches!(ran, Event::ActionResult { ok: true, .. }),
        "{ran:?}"
    );
    assert_eq!(
        std::fs::read_to_string(&marker)
            .unwrap_or_default()
            .lines()
            .count(),
        1
    );

    // Let the last entries reach etcd, then compare both copies.
    let t0 = Instant::now();
    loop {
        let (local, _) = baton::effects::journal::read(&baton::effects::journal::path_of(
            bob.journal_dir(),
            &id,
        ))
        .expect("local journal");
        let remote = bob_exec_journal(&bob, &id);
        if recorded(&local) == recorded(&remote) {
            break;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(10),
            "journals differ:\nlocal  {:?}\nremote {:?}",
            recorded(&local).len(),
            recorded(&remote).len()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    drop(watch);
}
