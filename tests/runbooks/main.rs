//! Every shipped runbook run to its end on the demo fleet, through the
//! console's own keys and executor, with a fake clock: the simulated fleet
//! is served on 127.0.0.1 and stepped by the test, the console's clock is
//! set by the test, actions, probes and notifications are real requests to
//! the demo's control plane, and the journal is written to a temp folder.
//! The scenarios are split by area: one pair, an area, a bulk step.

#[path = "../common/mod.rs"]
mod common;

mod area;
mod bulk;
mod harness;
mod pair;

use baton::wizard::Target;
use common::Harness;
use crossterm::event::KeyCode;

/// The shipped runbooks on a demo fleet of `pairs` in `scenario`, served
/// and stepped `steps` seconds.
async fn fleet(name: &str, pairs: usize, scenario: &str, steps: u64) -> Harness {
    Harness::builder(name)
        .serve_demo(pairs, scenario, steps)
        .loaded_runbooks()
        .start()
        .await
}

fn count(lines: &[serde_json::Value], event: &str) -> usize {
    lines.iter().filter(|l| l["event"] == event).count()
}

fn eu_west_aws() -> Target {
    Target::Area {
        region: "eu-west-1".into(),
        provider: "aws".into(),
    }
}

/// A bulk runbook on eu-west-1 (aws) through its declaration: the outage
/// gate, the status-page check, the initial alert sent.
async fn up_to_the_bulk_step(h: &mut Harness, runbook: &str) {
    h.start(runbook, &eu_west_aws());
    for _ in 0..3 {
        h.code(KeyCode::Enter);
    }
    h.ctrl('s');
    h.settle().await;
    assert_eq!(h.position().as_deref(), Some("failover-all"));
}
