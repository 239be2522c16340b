//! Built for SSH: poor colours, NO_COLOR, dropped sessions.

mod common;

use common::temp;
use common::tmux::Tmux;

/// Every SGR parameter list of the screen.
fn sgr_params(screen: &str) -> Vec<Vec<u32>> {
    let mut out = Vec::new();
    let mut rest = screen;
    while let Some(i) = rest.find("\x1b[") {
        rest = &rest[i + 2..];
        let end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == ';'))
            .unwrap_or(rest.len());
        if rest[end..].starts_with('m') {
            out.push(
                rest[..end]
                    .split(';')
                    .filter_map(|p| p.parse().ok())
                    .collect(),
            );
        }
        rest = &rest[end..];
    }
    out
}

#[test]
fn term_screen_gets_sixteen_colours_and_no_color_gets_none() {
    // tmux started with no config sets TERM=screen inside the pane.
    let t = Tmux::start_env(
        "screen",
        temp("screen"),
        100,
        30,
        "TERM=screen COLORTERM=",
        "demo",
    );
    t.wait_for("the demo", |s| {
        s.contains("Pairs (48)") && s.contains("● OK")
    });
    let params = sgr_params(&t.capture_escapes());
    // tmux reports the 16 colours as `38;5;0`–`38;5;15` or `30`–`37`/`90`–`97`.
    let extended: Vec<&[u32]> = params
        .iter()
        .flat_map(|p| p.windows(3))
        .filter(|w| (w[0] == 38 || w[0] == 48) && ((w[1] == 5 && w[2] >= 16) || w[1] == 2))
        .collect();
    assert!(
        extended.is_empty(),
        "256 or true colour on TERM=screen: {extended:?}"
    );
    assert!(
        params.iter().any(|p| p
            .iter()
            .any(|x| (30..=38).contains(x) || (90..=97).contains(x))),
        "colour is used"
    );
    t.keys(&["q"]);
    assert_eq!(t.exit_code(), "EXIT=0");

    let t = Tmux::start_env(
        "nocolor",
        temp("nocolor"),
        100,
        30,
        "NO_COLOR=1",
        "demo --scenario primary-crash",
    );
    // States read without colour: symbols and words.
    t.wait_for("the crash", |s| {
        s.contains("✖ CRITICAL") && s.contains("● OK") && s.contains("DEMO")
    });
    let params = sgr_params(&t.capture_escapes());
    let coloured: Vec<_> = params
        .iter()
        .filter(|p| {
            p.iter()
                .any(|x| (30..=38).contains(x) || (40..=48).contains(x) || (90..=107).contains(x))
        })
        .collect();
    assert!(coloured.is_empty(), "colour with NO_COLOR: {coloured:?}");
    assert!(
        params.iter().any(|p| p.contains(&1) || p.contains(&7)),
        "attributes carry meaning instead"
    );
}

#[test]
fn sighup_restores_the_terminal_and_leaves_a_resumable_journal() {
    let t = Tmux::start("hup", 120, 36, "demo --scenario primary-crash");
    t.wait_for("the crash", |s| {
        s.contains("acct-1003") && s.contains("✖ CRITICAL")
    });
    t.keys(&["n", "f", "Enter"]);
    t.wait_for("the wizard", |s| {
        s.contains("Pair failover (seed 000) · acct-1003") && s.contains("now   HOLDS")
    });
    t.keys(&["Enter"]);
    t.wait_for("the next step", |s| {
        s.contains("▶ The standby can take over")
    });
    assert_eq!(
        t.pane_format("#{alternate_on}"),
        "1",
        "baton draws on the alternate screen"
    );
    let pid = t.baton_pid();
    let st = std::process::Command::new("kill")
        .args(["-HUP", &pid.to_string()])
        .status()
        .expect("kill");
    assert!(st.success());
    assert_eq!(t.exit_code(), "EXIT=0", "SIGHUP is a clean exit");
    assert_eq!(
        t.pane_format("#{alternate_on}"),
        "0",
        "the terminal was restored"
    );

    // Every line of the journal is whole, and the next start resumes there.
    let journal = t.dir.join("state/baton/demo-journal");
    let file = std::fs::read_dir(&journal)
        .expect("journal")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .expect("a journal");
    let text = std::fs::read_to_string(&file).expect("read");
    assert!(text.ends_with('\n'));
    for l in text.lines() {
        serde_json::from_str::<serde_json::Value>(l)
            .unwrap_or_else(|e| panic!("broken line {l}: {e}"));
    }
    let dir = t.stop_keep();
    let t = Tmux::start_in("hup2", dir, 120, 36, "demo --scenario primary-crash");
    t.wait_for("the resumed wizard", |s| {
        s.contains("resumed 1 unfinished incident")
            || (s.contains("▶ The standby can take over") && s.contains("acct-1003"))
    });
}
