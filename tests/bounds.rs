//! Bounds on what comes from outside: a program's output, a control
//! plane's answers put into the report, probe rounds of a runbook.

mod common;

use std::sync::Arc;

use baton::demo::fixture;
use baton::wizard::incident::{Incident, Operator};

#[test]
fn a_sub_second_probe_every_is_kept_not_cut_to_zero() {
    let mut app = fixture::app(8, "primary-crash", 30, "default");
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
    app.incidents.push(inc);
    assert!(
        app.probe_rounds().is_empty(),
        "a round 600 ms ago is fresh with every = 900ms"
    );
    app.incidents[0].probe = Some(round(950));
    assert_eq!(app.probe_rounds().len(), 1, "due again after 900 ms");
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
