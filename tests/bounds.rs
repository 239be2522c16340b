//! Bounds on what comes from outside: a program's output, a control
//! plane's answers put into the report, probe rounds of a runbook.

mod common;

use std::sync::Arc;

use baton::wizard::incident::{Incident, Operator};

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
