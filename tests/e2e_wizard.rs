//! The failover wizard end to end: the real binary in tmux on the demo,
//! a second console holding the pair's lock, a kill -9 in the middle of an
//! action and the resume after it, and a journal that cannot be written.

mod common;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::routing::get;
use baton::app::{Effect, Mode};
use common::tmux::Tmux;
use common::{Harness, serve, temp};
use crossterm::event::{KeyCode, KeyEvent};
use serde_json::json;

fn journal_lines(dir: &std::path::Path) -> Vec<serde_json::Value> {
    let files: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("journal folder {}: {e}", dir.display()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        // Follow-up checklists started at a close have their own journal.
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("INC-"))
        })
        .collect();
    assert_eq!(files.len(), 1, "one journal per incident: {files:?}");
    std::fs::read_to_string(&files[0])
        .expect("journal")
        .lines()
        .map(|l| serde_json::from_str(l).expect("every journal line is JSON"))
        .collect()
}

fn events(lines: &[serde_json::Value]) -> Vec<String> {
    lines
        .iter()
        .map(|l| l["event"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn seed_000_failover_on_the_demo_with_keys_only() {
    let t = Tmux::start("wizard", 120, 36, "demo --scenario primary-crash");
    t.wait_for("acct-1003 to crash", |s| {
        s.contains("acct-1003") && s.contains("✖ CRITICAL")
    });
    t.keys(&["n", "f"]);
    t.wait_for("the runbook chooser", |s| {
        s.contains("Start on acct-1003 with") && s.contains("Pair failover (seed 000)")
    });
    t.keys(&["Enter"]);
    t.wait_for("the wizard", |s| {
        s.contains("Pair failover (seed 000) · acct-1003") && s.contains("now   HOLDS")
    });
    t.keys(&["Enter"]);
    t.wait_for("the standby gate", |s| {
        s.contains("▶ The standby can take over")
    });
    t.keys(&["Enter"]);
    t.wait_for("the reason", |s| s.contains("▶ Record the reason"));
    t.keys(&["Enter", "gw-1003-a crashed, INC-9", "Enter"]);
    t.wait_for("the promote step", |s| {
        s.contains("▶ Promote the standby") && s.contains("POST http://127.0.0.1:")
    });
    t.keys(&["Enter"]);
    t.wait_for("the pair id prompt", |s| {
        s.contains("type the pair id to confirm")
    });
    t.keys(&["acct-1003", "Enter"]);
    t.wait_for("the promotion", |s| s.contains("succeeded: HTTP 200"));
    t.keys(&["Enter"]);
    // The wait step finishes by itself once the new primary is ACTIVE.
    t.wait_for("the post phase", |s| {
        s.contains("▶ Notify the Commander") && s.contains("deadline due in")
    });
    // The notify step: the failover_complete message opens in the editor,
    // the operator adds to it and sends it to the demo Commander's webhook.
    t.keys(&["Enter"]);
    t.wait_for("the message editor", |s| {
        s.contains("message due in") && s.contains("\"type\": \"failover_complete\"")
    });
    t.keys(&["End", "Left", ", \"by\": \"tester\"", "C-s"]);
    t.wait_for("the message sent within its deadline", |s| {
        s.contains("before its deadline") && s.contains("▶ Queue reprovision")
    });
    // The reprovision is queued on the control plane: a new standby.
    t.keys(&["Enter"]);
    t.wait_for("the reprovision queued", |s| {
        s.contains("succeeded: HTTP 200") && s.contains("\"new_standby\":\"gw-1003-c\"")
    });
    t.keys(&["Enter"]);
    t.wait_for("every step done", |s| s.contains("every step done"));
    t.keys(&["c"]);
    // Closing shows the report, inside the console.
    t.wait_for("the report", |s| {
        s.contains("Report · INC-") && s.contains("| Outcome | completed |")
    });
    t.keys(&["Escape"]);
    t.wait_for("the closed incident", |s| s.contains("CLOSED"));
    t.keys(&["Escape"]);
    t.wait_for("the new primary in the Pairs pane", |s| {
        let row = s
            .lines()
            .find(|l| l.contains("┃acct-1003"))
            .unwrap_or_default();
        // The new primary, then the new standby the reprovision made.
        row.contains("gw-1003-b")
            && row.contains("gw-1003-c")
            && row.find("gw-1003-b") < row.find("gw-1003-c")
    });
    let lines = journal_lines(&t.dir.join("state/baton/demo-journal"));

    let ev = events(&lines);
    let intent = ev
        .iter()
        .position(|e| e == "action_intent")
        .expect("intent journaled");
    let result = ev
        .iter()
        .position(|e| e == "action_result")
        .expect("result journaled");
    assert!(intent < result, "{ev:?}");
    assert_eq!(lines[result]["details"]["ok"], true);
    let sent = &lines[ev.iter().position(|e| e == "notified").expect("notified")];
    assert_eq!(sent["details"]["channel"], "commander");
    assert_eq!(sent["details"]["late"], false);
    assert!(
        sent["details"]["text"]
            .as_str()
            .is_some_and(|t| t.contains("\"failed_instance\": \"gw-1003-a\"")
                && t.contains("\"by\": \"tester\"")),
        "the edited text, exactly: {sent}"
    );
    assert!(
        sent["details"]["response"]
            .as_str()
            .is_some_and(|r| r.starts_with("HTTP 200")),
        "{sent}"
    );
    assert_eq!(ev.first().map(String::as_str), Some("started"));
    assert_eq!(ev.last().map(String::as_str), Some("closed"));
    assert!(
        lines
            .iter()
            .all(|l| l["operator"]["user"] == "tester" && l["pair"] == "acct-1003")
    );
    t.keys(&["q"]);
    assert_eq!(t.exit_code(), "EXIT=0");
}

#[test]
fn a_second_console_cannot_fail_over_a_locked_pair() {
    let t = Tmux::start("locked", 120, 36, "demo --scenario primary-crash");
    t.wait_for("acct-1003 to crash", |s| {
        s.contains("acct-1003") && s.contains("✖ CRITICAL")
    });
    // Another process (this test) holds the pair's lock, as another baton would.
    let held = baton::effects::lock::take(&t.dir.join("state/baton/demo-journal"), "acct-1003")
        .expect("take the lock");
    t.keys(&["n", "f", "Enter"]);
    t.wait_for("the refusal", |s| {
        s.contains("failover not started: pair acct-1003 is already being failed over")
    });
    drop(held);
    t.keys(&["f", "Enter"]);
    t.wait_for("the wizard once the lock is free", |s| {
        s.contains("Pair failover (seed 000) · acct-1003")
    });
}

const SLOW_RUNBOOK: &str = r#"
id = "slow"
title = "Slow action"
rto = "10m"

[[phase]]
id = "during"

[[phase.step]]
id = "promote"
kind = "action"
title = "Run the slow thing"
command = ["sleep", "29.5"]
timeout = "60s"
settle = "primary.id == \"gw-1-b\""

[[phase.step]]
id = "after"
kind = "check"
title = "Look around"
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_during_an_action_then_resume_shows_outcome_unknown() {
    let fleet = serve(Router::new().route(
        "/api/pairs",
        get(|| async {
            axum::Json(json!({"pairs": [{"id": "acct-1", "primary": {"id": "gw-1-a", "status": "ACTIVE", "health_score": 90, "region": "eu-west-1"},
                "standby": {"id": "gw-1-b", "status": "STANDBY", "health_score": 85, "region": "eu-central-1"}, "replication_lag_seconds": 0.5}]}))
        }),
    ))
    .await;
    let dir = temp("crash");
    std::fs::create_dir_all(dir.join("runbooks")).expect("dir");
    std::fs::write(dir.join("runbooks/slow.toml"), SLOW_RUNBOOK).expect("runbook");
    std::fs::write(
        dir.join("baton.toml"),
        format!(
            "[console]\ntitle = \"crash-test\"\njournal_dir = \"{}/journal\"\nrunbooks = [\"runbooks/\"]\n\n[[source]]\nname = \"fleet\"\nkind = \"fleet\"\nurl = \"http://{fleet}/api/pairs\"\ninterval = \"500ms\"\ntimeout = \"400ms\"\n\n[[pair]]\nid = \"acct-1\"\nrunbook = \"slow\"\nprimary = {{ id = \"gw-1-a\", region = \"eu-west-1\" }}\nstandby = {{ id = \"gw-1-b\", region = \"eu-central-1\" }}\n",
            dir.display()
        ),
    )
    .expect("config");
    let dir2 = dir.clone();
    let journal = dir.join("journal");
    let first = tokio::task::spawn_blocking(move || {
        let t = Tmux::start_in("crash", dir2, 120, 36, "");
        t.wait_for("the pair", |s| s.contains("acct-1") && s.contains("● OK"));
        t.keys(&["f"]);
        t.wait_for("the wizard", |s| s.contains("Slow action · acct-1"));
        t.keys(&["Enter"]);
        // Two seconds of it, as the console counts them: the resumed clocks
        // must then show time gone by.
        t.wait_for("the action running for 2 s", |s| {
            s.split("running for ")
                .nth(1)
                .and_then(|r| r.split('s').next())
                .and_then(|n| n.parse::<u32>().ok())
                .is_some_and(|n| n >= 2)
        });
        let pid = t.baton_pid();
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

    let lines = journal_lines(&journal);
    assert_eq!(
        events(&lines).last().map(String::as_str),
        Some("action_intent"),
        "the intent is on disk, no result"
    );

    let resumed = tokio::task::spawn_blocking(move || {
        let t = Tmux::start_in("crash2", first, 120, 36, "");
        // Timers continue from the journal: the RTO clock does not restart at 0.
        t.wait_for(
            "the resumed incident, outcome unknown, timers going on",
            |s| {
                s.contains("OUTCOME UNKNOWN")
                    && s.contains("Slow action · acct-1")
                    && s.contains("the session ended while the action ran")
                    && s.contains("RTO 0:0")
                    && !s.contains("RTO 0:00 ")
            },
        );
        // Never re-run silently: enter refuses until the operator verifies.
        t.keys(&["Enter"]);
        t.wait_for("the refusal", |s| {
            s.contains("the outcome is unknown: check the live state")
        });
        t.keys(&["v"]);
        t.wait_for("the verified action", |s| {
            s.contains("succeeded: verified by operator")
        });
        t.keys(&["Enter"]);
        t.wait_for("the next step", |s| s.contains("▶ Look around"));
        t.keys(&["q"]);
        let code = t.exit_code();
        t.stop_keep();
        code
    })
    .await
    .expect("second run");
    assert_eq!(resumed, "EXIT=0");
    let ev = events(&journal_lines(&journal));
    assert!(
        ev.ends_with(&[
            "action_intent".into(),
            "action_verified".into(),
            "step_done".into()
        ]),
        "{ev:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn an_action_whose_intent_cannot_be_journaled_does_not_run() {
    use baton::wizard::decide::{ActionPlan, Run};
    let dir = temp("nojournal");
    // A journal "folder" that is a file: no entry can be written (this holds
    // even for root, unlike a read-only folder).
    let blocked = dir.join("journal");
    std::fs::write(&blocked, "not a folder").expect("file");
    let marker = dir.join("ran");
    let mut h = Harness::builder("nojournal")
        .in_dir(dir.clone())
        .journal_dir(blocked)
        .operator("tester@host")
        .build();
    let plan = ActionPlan {
        incident: "INC-1".into(),
        step: "promote".into(),
        display: "touch ran".into(),
        run: Run::Program(vec!["touch".into(), marker.display().to_string()]),
        timeout: Duration::from_secs(5),
        settle: None,
    };
    let inc = baton::wizard::incident::Entry {
        at: chrono::Utc::now(),
        operator: baton::wizard::incident::Operator::default(),
        incident: "INC-1".into(),
        runbook: "x".into(),
        pair: Some("acct-1".into()),
        phase: None,
        step: Some("promote".into()),
        event: baton::wizard::incident::Event::ActionIntent {
            command: "touch ran".into(),
            cutover: false,
            lag_bytes: None,
            lag: None,
            settle: None,
        },
    };
    let err = h.exec.run_action(plan, &inc).expect_err("refused");
    assert!(err.starts_with("action not run: cannot"), "{err}");
    // Every effect the executor started has ended (an action started
    // anyway would have touched the marker and reported back).
    let reports = h.finish_effects().await;
    assert!(reports.is_empty(), "{reports:?}");
    assert!(
        !marker.exists(),
        "the action ran without its intent on disk"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn watch_mode_cannot_start_journal_lock_or_act() {
    use baton::keymap::Action;
    let mut h = Harness::builder("watch")
        .demo(48, "primary-crash", 30)
        .mode(Mode::Watch)
        .shipped_runbooks()
        .operator("watcher@host")
        .build();
    h.app.update(Action::NextCritical);
    assert!(
        h.app.update(Action::Failover).is_empty(),
        "watch mode produced an effect"
    );
    assert!(
        h.app
            .notice
            .as_ref()
            .is_some_and(|n| n.text.contains("read-only"))
    );

    // The executor itself refuses, whatever asks it.
    let entry = baton::wizard::incident::Entry {
        at: chrono::Utc::now(),
        operator: baton::wizard::incident::Operator::default(),
        incident: "INC-W".into(),
        runbook: "pair-failover".into(),
        pair: Some("acct-1003".into()),
        phase: None,
        step: None,
        event: baton::wizard::incident::Event::Closed,
    };
    assert!(
        h.exec
            .start(&["acct-1003".to_string()], &entry)
            .expect_err("start")
            .contains("read-only")
    );
    assert!(
        h.exec
            .journal(std::slice::from_ref(&entry))
            .expect_err("journal")
            .contains("read-only")
    );
    assert!(
        !h.journal_dir().exists(),
        "a read-only console wrote to the journal folder"
    );
    let _ = std::fs::remove_dir_all(&h.dir);
}

#[test]
fn with_several_runbooks_the_operator_chooses() {
    use baton::keymap::Action;
    let mut h = Harness::builder("chooser")
        .demo(48, "primary-crash", 30)
        .shipped_runbooks()
        .build();
    let shipped = (*h.loaded()[0]).clone();
    let mut other = shipped.clone();
    other.id = "pair-failover-db".into();
    other.title = "Database pair failover".into();
    h.set_runbooks(vec![Arc::new(shipped), Arc::new(other)]);
    h.app.update(Action::NextCritical);
    assert!(h.app.update(Action::Failover).is_empty());
    assert_eq!(
        h.chooser().cloned(),
        Some((baton::wizard::Target::Pair("acct-1003".to_string()), 0))
    );
    h.app.handle_key(KeyEvent::from(KeyCode::Down));
    let fx = h.app.handle_key(KeyEvent::from(KeyCode::Enter));
    let Some(Effect::Start { incident, .. }) = fx.first() else {
        panic!("{fx:?}")
    };
    assert_eq!(incident.runbook.id, "pair-failover-db");
    assert!(h.chooser().is_none());
}

#[tokio::test]
async fn a_journal_that_fails_under_a_finished_wait_does_not_hang_the_console() {
    use baton::wizard::incident::{Event, Incident, Operator};
    // The new primary is ACTIVE (calm fleet) and the wait step began before
    // the last poll: the wait would finish by itself, but nothing can be
    // journaled.
    let dir = temp("stuckwait");
    let journal = dir.join("journal-is-a-file");
    std::fs::write(&journal, "x").expect("file");
    let mut h = Harness::builder("stuckwait")
        .demo(48, "calm", 30)
        .in_dir(dir.clone())
        .journal_dir(journal)
        .operator("tester@host")
        .build();
    let rb = Arc::new(
        baton::config::runbooks::load_shipped(&h.app.model.config)
            .0
            .remove(0),
    );
    let earlier = h.app.model.now - chrono::Duration::seconds(10);
    let mut inc = Incident::new(
        "INC-W",
        rb,
        Some("acct-1003".into()),
        Operator::default(),
        false,
        earlier,
    );
    for _ in 0..4 {
        let e = inc.entry(
            earlier,
            Event::StepDone {
                outcome: "done".into(),
            },
        );
        inc.apply(&e);
    }
    assert_eq!(
        inc.current().map(|s| s.id.as_str()),
        Some("confirm-new-primary")
    );
    h.push_incident(inc);
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    std::thread::scope(|s| {
        s.spawn(|| {
            h.try_perform(Vec::new());
            let _ = done_tx.send(());
        });
        assert!(
            done_rx.recv_timeout(Duration::from_secs(5)).is_ok(),
            "perform never returned"
        );
    });
    assert!(
        h.app
            .notice
            .as_ref()
            .is_some_and(|n| n.text.starts_with("not recorded, so not done")),
        "{:?}",
        h.app.notice
    );
    assert_eq!(
        h.incidents()[0].current().map(|s| s.id.as_str()),
        Some("confirm-new-primary"),
        "nothing unjournaled happened"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_chooser_highlights_the_runbook_that_fits_the_pair_whatever_the_load_order() {
    use baton::keymap::Action;
    let mut h = Harness::builder("chooser-order")
        .demo(48, "primary-crash", 30)
        .shipped_runbooks()
        .build();
    let mut shipped: Vec<_> = h.loaded().iter().map(|r| (**r).clone()).collect();
    // A user copy of the pair failover is loaded after every shipped one.
    let pos = shipped
        .iter()
        .position(|r| r.id == "pair-failover")
        .expect("shipped");
    let mut copy = shipped.remove(pos);
    copy.purpose = None;
    shipped.push(copy);
    h.set_runbooks(shipped.into_iter().map(Arc::new).collect());
    h.app.update(Action::NextCritical);
    assert!(h.app.update(Action::Failover).is_empty());
    let fx = h.app.handle_key(KeyEvent::from(KeyCode::Enter));
    let Some(Effect::Start { incident, .. }) = fx.first() else {
        panic!("{fx:?}")
    };
    assert_eq!(
        incident.runbook.id, "pair-failover",
        "f enter on a CRITICAL pair starts its failover, never a failback"
    );
}

#[test]
fn a_wrong_pair_id_is_cleared_and_said_under_the_prompt() {
    use baton::keymap::Action;
    let mut h = Harness::builder("wrong-id")
        .demo(48, "primary-crash", 30)
        .shipped_runbooks()
        .build();
    let rb = h.runbook("pair-failover");
    let (pi, si, _) = rb.steps().find(|(_, _, s)| s.promote).expect("promote");
    let mut inc = baton::wizard::incident::Incident::new(
        "INC-P",
        rb,
        Some("acct-1003".into()),
        baton::wizard::incident::Operator::default(),
        false,
        h.app.model.now,
    );
    inc.phase = pi;
    inc.step = si;
    h.push_incident(inc);
    h.app.view.wizard = true;
    h.wizard_action(Action::Confirm);
    assert!(h.prompt().is_some(), "the pair id is asked");
    for c in "acct-1030".chars() {
        h.app.handle_key(KeyEvent::from(KeyCode::Char(c)));
    }
    assert!(h.app.handle_key(KeyEvent::from(KeyCode::Enter)).is_empty());
    let p = h.prompt().expect("still open");
    assert_eq!(p.text.lines().join(""), "", "the wrong id is cleared");
    assert_eq!(
        p.error.as_deref(),
        Some("`acct-1030` is not acct-1003: type it exactly")
    );
    let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(120, 40)).expect("term");
    t.draw(|f| baton::ui::draw(f, &h.app)).expect("draw");
    let screen: String = t
        .backend()
        .buffer()
        .content()
        .iter()
        .map(ratatui::buffer::Cell::symbol)
        .collect();
    assert_eq!(
        screen.matches("type the pair id to confirm").count(),
        1,
        "one title"
    );
    assert!(
        screen.contains("enter submit · esc cancel"),
        "the key hint stays"
    );
    assert!(screen.contains("`acct-1030` is not acct-1003: type it exactly"));
}
