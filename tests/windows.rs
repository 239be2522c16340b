//! Maintenance windows (seeds 004 and 001): `baton schedule` journals a
//! window, lists what comes due when, moves and cancels it with a reason;
//! the console shows it, and the runbook started in it comes due phase by
//! phase relative to the window.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use baton::wizard::Target;
use common::Harness;
use crossterm::event::KeyCode;

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("baton-windows-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(d.join("runbooks")).expect("dir");
    d
}

/// A config on `d` (its own journal folder), the region eu-west-1, the
/// shipped runbooks and one of the test's own.
fn config(d: &Path) -> PathBuf {
    std::fs::write(
        d.join("runbooks/windowed.toml"),
        r#"id = "windowed"
title = "A planned switch"
applies_to = "region"
rto = "10m"

[[phase]]
id = "announce"
title = "Announce"
before = "48h"

[[phase.step]]
id = "announced"
kind = "check"
title = "Stakeholders told"

[[phase]]
id = "ttl"
title = "Lower TTLs"
before = "24h"

[[phase.step]]
id = "ttl-lowered"
kind = "check"
title = "TTLs at 60 s"

[[phase]]
id = "switch"
title = "Switch"

[[phase.step]]
id = "switched"
kind = "check"
title = "Switched"
"#,
    )
    .expect("runbook");
    let path = d.join("baton.toml");
    std::fs::write(
        &path,
        format!(
            "[console]\njournal_dir = \"{j}\"\nrunbooks = [\"{r}\"]\n\n[[region]]\nid = \"eu-west-1\"\nprovider = \"aws\"\n",
            j = d.join("journal").display(),
            r = d.join("runbooks").display()
        ),
    )
    .expect("config");
    path
}

/// A console on `cfg` sharing the windows journal under `d`, on the real
/// clock; `read_only` for a watching console.
fn console(d: &Path, cfg: &Path, name: &str, read_only: bool) -> Harness {
    let config = baton::config::load_file(cfg).unwrap_or_else(|e| panic!("{e}"));
    let b = Harness::builder(name)
        .in_dir(d.join(name))
        .journal_dir(d.join("journal"))
        .config(config)
        .loaded_runbooks();
    let mut h = if read_only {
        b.read_only().build()
    } else {
        b.build()
    };
    h.app.model.now = chrono::Utc::now();
    h
}

/// A runbook `id` of one phase ahead of its window (`first`, its steps
/// included), then the window's own phase.
fn runbook_ahead(d: &Path, id: &str, title: &str, first: &str) {
    let text = format!(
        "id = \"{id}\"\ntitle = \"{title}\"\napplies_to = \"region\"\n\n{first}\n[[phase]]\nid = \"go\"\n[[phase.step]]\nid = \"switched\"\nkind = \"check\"\ntitle = \"Switched\"\n"
    );
    std::fs::write(d.join(format!("runbooks/{id}.toml")), text).expect("runbook");
}

fn schedule(config: &Path, args: &[&str]) -> (Output, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_baton"))
        .arg("--config")
        .arg(config)
        .arg("schedule")
        .args(args)
        .env("USER", "alice")
        .output()
        .expect("run baton schedule");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out, text)
}

fn window_id(text: &str) -> String {
    text.split_whitespace()
        .find(|w| w.starts_with("WIN-"))
        .unwrap_or_else(|| panic!("no window id in:\n{text}"))
        .to_string()
}

#[test]
fn schedule_lists_moves_and_cancels_with_reasons_all_journaled() {
    let d = dir("cli");
    let cfg = config(&d);
    let (out, text) = schedule(
        &cfg,
        &[
            "regional-failover-planned",
            "eu-west-1",
            "+72h",
            "--reason",
            "kernel upgrade",
        ],
    );
    assert!(out.status.success(), "{text}");
    let id = window_id(&text);
    assert!(id.ends_with("-eu-west-1"), "{id}");
    assert!(
        text.contains("regional-failover-planned on eu-west-1 (aws)"),
        "{text}"
    );
    assert!(text.contains("· scheduled"), "{text}");
    // The shipped planned runbook's preparation, due relative to the window.
    assert!(
        text.contains(
            "prepare: Announce the window (seed 004: at least 48 hours ahead) (48h before) due"
        ),
        "{text}"
    );
    assert!(text.contains("(24h before) due"), "{text}");
    assert!(!text.contains("late:"), "72 h is enough for both:\n{text}");
    let (_, short) = schedule(&cfg, &["windowed", "eu-west-1", "+30h"]);
    assert!(
        short.contains("Announce (48h before) due")
            && short.contains("(due now; late: the window was 1d 6h away when scheduled)"),
        "{short}"
    );
    assert!(
        text.contains("scheduled: kernel upgrade by alice@"),
        "{text}"
    );

    // baton plan reads the window: due times by it, and the notice names it.
    let out = Command::new(env!("CARGO_BIN_EXE_baton"))
        .args(["--config"])
        .arg(&cfg)
        .args([
            "plan",
            "regional-failover-planned",
            "eu-west-1",
            "--wait",
            "1s",
        ])
        .output()
        .expect("baton plan");
    let plan = String::from_utf8_lossy(&out.stdout);
    assert!(
        plan.contains(&format!("(48h before the window {id}))")),
        "{plan}"
    );
    assert!(
        plan.contains(&format!("(maintenance window {id})")),
        "{plan}"
    );
    assert!(!plan.contains("Started: "), "{plan}");

    // The same window twice, a time past, an unknown runbook: refused.
    let (out, text) = schedule(&cfg, &["regional-failover-planned", "eu-west-1", "+80h"]);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(text.contains("already schedules"), "{text}");
    let (out, text) = schedule(&cfg, &["windowed", "eu-west-1", "2020-01-01 02:00"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text.contains("is in the past"), "{text}");
    let (out, text) = schedule(&cfg, &["nope", "eu-west-1", "+1h"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text.contains("no runbook `nope`"), "{text}");

    // A move needs a reason; with one it is journaled.
    let (out, text) = schedule(&cfg, &["--move", &id, "--to", "+96h"]);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(text.contains("--reason"), "{text}");
    let (out, text) = schedule(
        &cfg,
        &["--move", &id, "--to", "+96h", "--reason", "vendor asked"],
    );
    assert!(out.status.success(), "{text}");
    assert!(text.contains(": vendor asked by alice@"), "{text}");
    assert!(text.contains("moved from "), "{text}");

    // A torn last line (a crash mid-write) is named, and nothing is lost.
    let journal = d.join("journal/windows/windows.jsonl");
    let mut raw = std::fs::read(&journal).expect("windows journal");
    assert_eq!(
        String::from_utf8_lossy(&raw).lines().count(),
        3,
        "one line per change"
    );
    raw.extend_from_slice(b"{\"at\": \"2026-12");
    std::fs::write(&journal, &raw).expect("tear");
    let (out, text) = schedule(&cfg, &["--cancel", &id, "--reason", "freeze extended"]);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("windows.jsonl:4: skipped"), "{text}");
    assert!(text.contains("cancelled: freeze extended"), "{text}");
    let (out, text) = schedule(&cfg, &["--list"]);
    assert!(out.status.success(), "{text}");
    for want in [
        "kernel upgrade",
        "vendor asked",
        "cancelled: freeze extended",
    ] {
        assert!(text.contains(want), "{want} in:\n{text}");
    }
    // A cancelled window no longer moves.
    let (out, text) = schedule(&cfg, &["--move", &id, "--to", "+100h", "--reason", "x"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text.contains("was cancelled"), "{text}");
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn a_runbook_started_in_its_window_comes_due_phase_by_phase() {
    let d = dir("console");
    let cfg = config(&d);
    let (out, text) = schedule(&cfg, &["windowed", "eu-west-1", "+72h"]);
    assert!(out.status.success(), "{text}");
    let id = window_id(&text);
    let mut h = console(&d, &cfg, "windows-console", false);
    assert!(h.app.reload_windows(&d.join("journal")));
    let screen = h.screen(100, 24);
    assert!(screen.contains("⏲ eu-west-1 (aws) in 2d 23h"), "{screen}");
    // Nothing due yet, and the window is more than a day away.
    assert_eq!(
        baton::app::windows::reminder(&h.app.wizard, h.app.model.now),
        None
    );

    let area = Target::Area {
        region: "eu-west-1".into(),
        provider: "aws".into(),
    };
    h.start("windowed", &area);
    let inc = h.focused().clone();
    assert_eq!(
        inc.window.as_ref().map(|w| w.id.as_str()),
        Some(id.as_str())
    );
    let started = h.journal(&inc.id);
    assert_eq!(
        started[0]["details"]["window"]["id"],
        id.as_str(),
        "{started:?}"
    );
    // The announcement is due 48 h ahead of the window: not yet.
    h.code(KeyCode::Enter);
    assert_eq!(h.position().as_deref(), Some("announced"));
    let notice = h
        .app
        .notice
        .as_ref()
        .map(|n| n.text.clone())
        .unwrap_or_default();
    assert!(notice.contains(&format!("by the window {id}")), "{notice}");
    let screen = h.screen(100, 24);
    assert!(screen.contains("⏲ eu-west-1 window in 2d 23h"), "{screen}");
    // After a restart only the journal says the window was used: it is
    // not offered again, even once its incident is closed or aborted.
    let mut later = baton::wizard::Wizard::new(baton::wizard::incident::Operator::default());
    later.history = h.app.wizard.history.clone();
    later.set_windows(baton::effects::windows::load(&d.join("journal")).0);
    assert!(later.window_started(&id));
    assert!(baton::app::windows::upcoming(&later).is_empty());
    // The window moves no more once its incident has started.
    let (out, text) = schedule(&cfg, &["--move", &id, "--to", "+90h", "--reason", "x"]);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(
        text.contains(&format!("has started as {}", inc.id)),
        "{text}"
    );

    // 24 h later the announcement is due; the TTL phase is not.
    h.advance(24 * 3600 + 60);
    assert!(
        baton::app::windows::reminder(&h.app.wizard, h.app.model.now).is_none(),
        "a started window is the incident's to remind"
    );
    h.code(KeyCode::Enter);
    assert_eq!(h.position().as_deref(), Some("ttl-lowered"));
    h.code(KeyCode::Enter);
    assert_eq!(
        h.position().as_deref(),
        Some("ttl-lowered"),
        "due 24 h ahead"
    );
    h.advance(24 * 3600);
    h.code(KeyCode::Enter);
    assert_eq!(h.position().as_deref(), Some("switched"));
    h.code(KeyCode::Enter);
    assert_eq!(
        h.position().as_deref(),
        Some("switched"),
        "due at the window"
    );
    // The recovery clock has not started: it runs from the window.
    let rto = h.focused().timers(h.app.model.now)[0].elapsed;
    assert!(rto < 1.0, "RTO elapsed {rto}");
    h.advance(24 * 3600);
    h.code(KeyCode::Enter);
    assert_eq!(h.position(), None, "every step done");
    let rto = h.focused().timers(h.app.model.now)[0].elapsed;
    assert!(rto < 120.0, "RTO elapsed {rto} s since the window");
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn baton_check_names_window_phases_out_of_order() {
    let d = dir("check");
    let cfg = config(&d);
    std::fs::write(
        d.join("runbooks/windowed.toml"),
        r#"id = "windowed"
title = "Out of order"
applies_to = "region"

[[phase]]
id = "ttl"
before = "24h"
[[phase.step]]
id = "a"
kind = "check"
title = "a"

[[phase]]
id = "announce"
before = "48h"
due = "1h"
[[phase.step]]
id = "b"
kind = "check"
title = "b"

[[phase]]
id = "switch"
[[phase.step]]
id = "c"
kind = "check"
title = "c"

[[phase]]
id = "late"
before = "1h"
[[phase.step]]
id = "d"
kind = "check"
title = "d"
"#,
    )
    .expect("runbook");
    let out = Command::new(env!("CARGO_BIN_EXE_baton"))
        .arg("check")
        .arg("--config")
        .arg(&cfg)
        .output()
        .expect("baton check");
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(!out.status.success(), "{text}");
    for want in [
        "windowed.toml:15:1: key `phase[1].before`: a phase is due either `before` the window or `due` after the start, not both",
        "windowed.toml:15:1: key `phase[1].before`: is further ahead than the phase before it",
        "windowed.toml:31:1: key `phase[3].before`: phases with `before` come first",
    ] {
        assert!(text.contains(want), "{want} in:\n{text}");
    }
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn the_command_line_schedules_a_window_a_read_only_console_does_not() {
    let d = dir("command");
    let cfg = config(&d);
    let mut h = console(&d, &cfg, "windows-command", false);
    h.code(KeyCode::Char(':'));
    h.text("schedule windowed eu-west-1 +50h");
    h.code(KeyCode::Enter);
    let notice = h
        .app
        .notice
        .as_ref()
        .map(|n| n.text.clone())
        .unwrap_or_default();
    assert!(notice.contains("scheduled for"), "{notice}");
    let (windows, problems) = baton::effects::windows::load(&d.join("journal"));
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(windows.len(), 1);
    assert_eq!(windows[0].runbook, "windowed");
    // Announce is due 48 h ahead of a window 50 h away: in 2 h.
    let screen = h.screen(100, 24);
    assert!(screen.contains("⏲ eu-west-1 (aws) in 2d 2h"), "{screen}");
    h.advance(2 * 3600 + 60);
    let screen = h.screen(100, 24);
    assert!(
        screen.contains("⏲ eu-west-1 (aws) in 1d 23h · prepare due"),
        "{screen}"
    );
    let reminder = baton::app::windows::reminder(&h.app.wizard, h.app.model.now);
    assert!(
        reminder
            .as_deref()
            .is_some_and(|r| r.contains("due now: Announce")),
        "{reminder:?}"
    );

    let mut ro = console(&d, &cfg, "windows-command-ro", true);
    ro.code(KeyCode::Char(':'));
    ro.text("schedule windowed eu-west-1 +60h");
    ro.code(KeyCode::Enter);
    let notice = ro
        .app
        .notice
        .as_ref()
        .map(|n| n.text.clone())
        .unwrap_or_default();
    assert!(notice.contains("read-only"), "{notice}");
    assert_eq!(baton::effects::windows::load(&d.join("journal")).0.len(), 1);
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn a_wait_ahead_of_its_window_time_does_not_go_on_by_itself() {
    let d = dir("wait");
    let cfg = config(&d);
    runbook_ahead(
        &d,
        "waited",
        "A wait before the window",
        "[[phase]]\nid = \"prep\"\nbefore = \"24h\"\n[[phase.step]]\nid = \"quiet\"\nkind = \"wait\"\ntitle = \"Always true, once due\"\nexpr = \"elapsed >= 0\"\ntimeout = \"100h\"\n",
    );
    let (out, text) = schedule(&cfg, &["waited", "eu-west-1", "+30h"]);
    assert!(out.status.success(), "{text}");
    let mut h = console(&d, &cfg, "windows-wait", false);
    assert!(h.app.reload_windows(&d.join("journal")));
    assert!(
        !h.app.reload_windows(&d.join("journal")),
        "read again only when changed"
    );
    h.start(
        "waited",
        &Target::Area {
            region: "eu-west-1".into(),
            provider: "aws".into(),
        },
    );
    h.perform(Vec::new());
    assert_eq!(
        h.position().as_deref(),
        Some("quiet"),
        "due in 6 h: it waits"
    );
    h.advance(6 * 3600 + 60);
    h.perform(Vec::new());
    assert_eq!(
        h.position().as_deref(),
        Some("switched"),
        "due: the wait holds"
    );
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn a_notification_of_a_phase_not_yet_due_is_not_sent() {
    let d = dir("notify");
    let cfg = config(&d);
    runbook_ahead(
        &d,
        "announced",
        "An announcement before the window",
        "[[phase]]\nid = \"announce\"\nbefore = \"48h\"\n[[phase.step]]\nid = \"tell\"\nkind = \"notify\"\ntitle = \"Tell the stakeholders\"\nchannel = \"clipboard\"\ntext = \"The window opens at {{ incident.window_opens }}\"\n",
    );
    let (out, text) = schedule(&cfg, &["announced", "eu-west-1", "+50h"]);
    assert!(out.status.success(), "{text}");
    let mut h = console(&d, &cfg, "windows-notify", false);
    h.app.reload_windows(&d.join("journal"));
    let area = Target::Area {
        region: "eu-west-1".into(),
        provider: "aws".into(),
    };
    h.start("announced", &area);
    let send = |h: &mut Harness| {
        h.app
            .wizard_input(baton::wizard::Input::Action(baton::keymap::Action::Send))
    };
    let sends = |fx: &[baton::app::Effect]| {
        fx.iter()
            .any(|e| matches!(e, baton::app::Effect::Notify(_)))
    };
    // The draft may be read and edited early; it is not sent before 48 h ahead.
    h.code(KeyCode::Enter);
    assert!(
        h.app.wizard.composing,
        "Enter opens the draft: {:?}",
        h.app.notice
    );
    let fx = send(&mut h);
    assert!(!sends(&fx), "{fx:?}");
    let notice = h
        .app
        .notice
        .as_ref()
        .map(|n| n.text.clone())
        .unwrap_or_default();
    assert!(notice.contains("by the window"), "{notice}");
    h.advance(2 * 3600 + 60);
    let fx = send(&mut h);
    assert!(sends(&fx), "sent once due: {fx:?}");
    let _ = std::fs::remove_dir_all(&d);
}
