//! End to end: the real binary in tmux, as a user runs it.

mod common;

use common::tmux::Tmux;

#[test]
fn demo_shows_the_panes_filters_and_quits_cleanly() {
    let t = Tmux::start("wide", 160, 48, "demo");
    // A frame can be captured half written: wait for the whole of it.
    let titles = [
        "Pairs (48)",
        "Regions (3)",
        "Lag (",
        "Alerts (",
        "DEMO",
        "● OK",
    ];
    t.wait_for("the four panes and DEMO", |s| {
        titles.iter().all(|x| s.contains(x))
    });
    t.keys(&["/", "acct-1001", "Enter"]);
    t.wait_for("the filtered table", |s| {
        s.contains("Pairs (1) of 48") && s.contains("┃acct-1001") && !s.contains("acct-1002")
    });
    t.keys(&["?"]);
    t.wait_for("help", |s| s.contains("Help · keymap default"));
    t.keys(&["Escape", "q"]);
    assert_eq!(t.exit_code(), "EXIT=0");
    assert!(
        t.dir().join("state/baton/baton.log").exists(),
        "logs go to the log file"
    );
}

#[test]
fn demo_at_80x24_uses_tabs_and_every_pane_is_reachable() {
    let t = Tmux::start("small", 80, 24, "demo --scenario calm --pairs 200");
    let want = [
        "1 Pairs (200)",
        "2 Regions",
        "3 Lag",
        "4 Alerts",
        "DEMO",
        "● OK",
    ];
    t.wait_for("the tabs and DEMO", |s| want.iter().all(|x| s.contains(x)));
    t.keys(&["Tab"]);
    t.wait_for("the Regions pane", |s| {
        s.contains("REGION") && s.contains("eu-central-1") && s.contains("hetzner")
    });
    t.keys(&["Tab"]);
    t.wait_for("the Lag pane", |s| s.contains("worst lags of the fleet"));
    t.keys(&["q"]);
    assert_eq!(t.exit_code(), "EXIT=0");
}
