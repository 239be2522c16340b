//! The harness's own promises: a wait that fails says what it awaited
//! instead of hanging, and "every started effect has ended" really waits
//! for a started one (the proof that replaced the sleeps).

use std::time::Duration;

use baton::effects::Feedback;
use baton::wizard::decide::{ActionPlan, Run};
use baton::wizard::incident::{Entry, Event, Operator};

use super::common::Harness;

#[tokio::test]
#[should_panic(expected = "waited for a step that never comes; notice:")]
async fn a_wait_that_never_holds_fails_saying_what_it_waited_for() {
    let mut h = Harness::builder("harness-deadline")
        .demo(8, "calm", 3)
        .build();
    h.drive_until_within("a step that never comes", Duration::from_millis(50), |_| {
        false
    })
    .await;
}

#[tokio::test]
async fn finishing_effects_waits_for_an_action_that_was_started() {
    let mut h = Harness::builder("harness-finish").build();
    let marker = h.dir.join("ran");
    let plan = ActionPlan {
        incident: "INC-1".into(),
        step: "promote".into(),
        display: "sleep, then touch".into(),
        run: Run::Program(vec![
            "sh".into(),
            "-c".into(),
            format!("sleep 0.3 && touch {}", marker.display()),
        ]),
        timeout: Duration::from_secs(10),
        settle: None,
    };
    let intent = Entry {
        at: chrono::Utc::now(),
        operator: Operator::default(),
        incident: "INC-1".into(),
        runbook: "x".into(),
        pair: None,
        phase: None,
        step: Some("promote".into()),
        event: Event::ActionIntent {
            command: "sleep, then touch".into(),
            cutover: false,
            lag_bytes: None,
            lag: None,
            settle: None,
        },
    };
    h.exec.run_action(plan, &intent).expect("started");
    let reports = h.finish_effects().await;
    assert!(
        matches!(reports.as_slice(), [Feedback::ActionDone { incident, .. }] if incident == "INC-1"),
        "{reports:?}"
    );
    assert!(marker.exists(), "returned before the action ended");
    let _ = std::fs::remove_dir_all(&h.dir);
}
