//! Bounds on what comes from outside: a program's output, a control
//! plane's answers put into the report, probe rounds of a runbook.

mod common;

use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use baton::demo::fixture;
use baton::wizard::decide::{ActionPlan, Run};
use baton::wizard::incident::{Event, Incident, Operator};
use common::temp;

fn plan(script: &str, timeout: Duration) -> ActionPlan {
    ActionPlan {
        incident: "INC-1".into(),
        step: "promote".into(),
        display: script.into(),
        run: Run::Program(vec!["sh".into(), "-c".into(), script.into()]),
        timeout,
        settle: None,
    }
}

#[tokio::test]
async fn an_action_writing_past_the_output_cap_ends_with_its_result_not_unknown() {
    // 1 MiB on stdout and on stderr, far over the 64 KiB kept of each.
    let script = "head -c 1048576 /dev/zero | tr '\\0' o; head -c 1048576 /dev/zero | tr '\\0' e >&2; exit 0";
    let start = std::time::Instant::now();
    let ev = baton::effects::action::run(&plan(script, Duration::from_secs(20))).await;
    match ev {
        Event::ActionResult { ok, output, .. } => {
            assert!(ok, "exit 0 is a success");
            assert!(output.starts_with("ooo") && output.contains("[stderr]\neee"));
            assert!(
                output.len() <= 2 * 64 * 1024 + 16,
                "{} bytes kept",
                output.len()
            );
        }
        other => panic!("the program ended: its result counts, got {other:?}"),
    }
    assert!(
        start.elapsed() < Duration::from_secs(15),
        "not held until the timeout"
    );
}

#[test]
fn the_report_shows_terminal_sequences_from_outside_and_never_emits_them() {
    let dir = temp("report-controls");
    let model = fixture::model(8, "primary-crash", 30);
    let rb = Arc::new(
        baton::config::runbooks::load_shipped(&model.config)
            .0
            .remove(0),
    );
    let inc = Incident::new(
        "INC-20270115T120431Z-ctl",
        rb,
        Some("acct-1003".into()),
        Operator::default(),
        false,
        model.now,
    );
    let hostile = "promoted\x1b]52;c;cm0gLXJmIH4=\x07\x1b]0;owned\x07\x1b[2J\u{9b}31mred";
    let entries: Vec<_> = [
        Event::Started {
            title: "Pair failover".into(),
            drill: false,
            primary: None,
            standby: None,
            region: None,
            provider: None,
            window: None,
        },
        Event::ActionIntent {
            command: "POST http://127.0.0.1:1/failover".into(),
            cutover: false,
            lag_bytes: None,
            lag: Some(0.5),
            settle: None,
        },
        Event::ActionResult {
            ok: true,
            status: "HTTP 200".into(),
            output: hostile.into(),
            millis: 10,
        },
    ]
    .into_iter()
    .map(|e| inc.entry(model.now, e))
    .collect();
    baton::effects::journal::append(&dir, &entries).expect("journal");
    let path = baton::effects::journal::path_of(&dir, &inc.id);
    for format in ["markdown", "json"] {
        let out = Command::new(env!("CARGO_BIN_EXE_baton"))
            .args(["report", "--format", format])
            .arg(&path)
            .current_dir(&dir)
            .env("HOME", &dir)
            .env("XDG_CONFIG_HOME", dir.join("cfg"))
            .env_remove("BATON_CONFIG")
            .output()
            .expect("run baton report");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8(out.stdout).expect("utf-8");
        let raw: Vec<char> = text
            .chars()
            .filter(|c| c.is_control() && *c != '\n' && *c != '\t')
            .collect();
        assert!(raw.is_empty(), "{format}: raw control characters {raw:?}");
        if format == "json" {
            let v: serde_json::Value = serde_json::from_str(&text).expect("still JSON");
            assert!(v.to_string().contains("\\u001b]52;c;"), "{v}");
        } else {
            assert!(
                text.contains("promoted\\x1b]52;c;cm0gLXJmIH4=\\x07"),
                "{text}"
            );
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_sub_second_probe_every_is_kept_not_cut_to_zero() {
    let mut app = common::Harness::builder("bounds-probe")
        .demo_console(8, "primary-crash", 30, "default")
        .app();
    app.read_only = false;
    let src = "id = \"p\"\ntitle = \"P\"\n[[phase]]\nid = \"dns\"\n[[phase.step]]\nid = \"w\"\nkind = \"wait\"\ntitle = \"DNS\"\nprobe = { url = \"http://127.0.0.1:1/dns\", every = \"900ms\" }\ntimeout = \"5m\"\n";
    let rb: baton::wizard::runbook::Runbook = toml::from_str(src).expect("runbook");
    let now = app.model.now;
    let mut inc = Incident::new("INC-p", Arc::new(rb), None, Operator::default(), false, now);
    let round = |ago_ms: i64| baton::wizard::probe::Round {
        step: "w".into(),
        at: now - chrono::Duration::milliseconds(ago_ms),
        answers: Vec::new(),
    };
    inc.probe = Some(round(600));
    common::wizard::incidents_mut(&mut app).push(inc);
    let probes = |app: &mut baton::app::App| {
        app.wizard_input(baton::wizard::Input::Tick)
            .into_iter()
            .filter(|e| matches!(e, baton::app::Effect::Probe { .. }))
            .count()
    };
    assert_eq!(
        probes(&mut app),
        0,
        "a round 600 ms ago is fresh with every = 900ms"
    );
    app.wizard.incidents[0].probe = Some(round(950));
    assert_eq!(probes(&mut app), 1, "due again after 900 ms");
}

#[test]
fn deadlines_near_the_end_of_time_saturate_instead_of_panicking() {
    // A resumed journal can carry any time; adding a horizon or a deadline
    // to it must never crash the console (and crash it again on restart).
    let src = "id = \"f\"\ntitle = \"F\"\n[[phase]]\nid = \"later\"\ndue = \"1w\"\n[[phase.step]]\nid = \"n\"\nkind = \"notify\"\ntitle = \"Tell\"\ntext = \"x\"\ndeadline = \"366d\"\n";
    let rb: baton::wizard::runbook::Runbook = toml::from_str(src).expect("runbook");
    let end = chrono::DateTime::<chrono::Utc>::MAX_UTC - chrono::Duration::hours(1);
    let inc = Incident::new(
        "INC-end",
        Arc::new(rb),
        None,
        Operator::default(),
        false,
        end,
    );
    assert_eq!(
        baton::wizard::decide::phase_due(&inc),
        Some(chrono::DateTime::<chrono::Utc>::MAX_UTC)
    );
    assert_eq!(
        baton::wizard::notify::due(&inc),
        Some(chrono::DateTime::<chrono::Utc>::MAX_UTC)
    );
}
