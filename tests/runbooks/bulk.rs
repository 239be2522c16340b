//! A bulk step: a provider's 240 primaries within `max_concurrent`, and a
//! session cut short in the middle of a batch.

use std::sync::Arc;

use baton::wizard::incident::{Event, Incident};
use crossterm::event::KeyCode;

use super::{count, fleet, up_to_the_bulk_step};

#[tokio::test]
async fn bulk_failover_of_a_provider_over_120_pairs_never_exceeds_max_concurrent() {
    // 360 pairs: aws runs the primaries of eu-west-1 and us-east-1 (240);
    // eu-west-1's standbys are on hetzner (fail over), us-east-1's are on
    // aws in eu-west-1 (escalate: same provider).
    let mut h = fleet("rb-bulk", 360, "provider-outage", 60).await;
    up_to_the_bulk_step(&mut h, "bulk-failover-provider").await;
    // The whole provider: typed to confirm; a wrong name does nothing.
    h.code(KeyCode::Enter);
    h.text("hetzner");
    h.code(KeyCode::Enter);
    assert!(
        h.focused().current_bulk().is_none(),
        "nothing planned on a wrong name"
    );
    assert!(
        h.prompt()
            .and_then(|p| p.error.clone())
            .is_some_and(|e| e.contains("type `aws`")),
        "the prompt says what to type"
    );
    h.code(KeyCode::Esc);
    h.code(KeyCode::Enter);
    h.text("aws");
    h.code(KeyCode::Enter);
    let (planned, escalated) = {
        let b = h.focused().current_bulk().expect("planned");
        (b.planned.clone(), b.escalated.len())
    };
    assert!(planned.len() >= 110, "{} planned", planned.len());
    assert_eq!(escalated, 120, "us-east-1's standbys share aws");
    // One standby dies after the plan: its promotion fails (409) and the
    // others go on.
    let victim = planned[57].clone();
    let standby = h
        .app
        .model
        .pair(&victim)
        .and_then(|p| p.standby.as_ref().map(|s| s.id.clone()))
        .expect("standby");
    h.sim().take_down(&standby);
    h.bulk_to_completion().await;
    let b = h.focused().current_bulk().expect("bulk").clone();
    assert!(b.complete());
    assert_eq!(b.ok(), planned.len() - 1);
    assert_eq!(
        b.failed()
            .first()
            .map(|(p, why)| (p.as_str(), why.contains("409"))),
        Some((victim.as_str(), true)),
        "{:?}",
        b.failed()
    );
    let max = h.app.model.config.limits.max_concurrent as usize;
    assert!(
        h.max_in_flight <= max && h.max_in_flight >= 40,
        "{} in flight at most (max_concurrent {max}, batches of 20)",
        h.max_in_flight
    );
    h.code(KeyCode::Enter);
    let r = baton::report::build(&h.focused().entries, Some(&h.focused().runbook), Vec::new());
    assert!(r.recovery.is_some(), "the bulk step is the recovery point");
    assert!(
        r.lag_at_cutover.is_some(),
        "the worst pair's lag at its intent"
    );
    let rest = h.run_to_end().await;
    assert_eq!(rest, ["escalate-design-flaws", "summary", "follow-up-list"]);
    let j = h.journal(&h.focused().id.clone());
    assert_eq!(count(&j, "bulk_intent"), planned.len());
    assert_eq!(count(&j, "bulk_result"), planned.len());
    assert!(count(&j, "bulk_progress") >= planned.len() / 10);
    // Every intent is on disk before its result.
    for p in &planned {
        let i = j
            .iter()
            .position(|l| l["event"] == "bulk_intent" && l["details"]["pair"] == **p);
        let r = j
            .iter()
            .position(|l| l["event"] == "bulk_result" && l["details"]["pair"] == **p);
        assert!(i < r && i.is_some(), "{p}");
    }
    // Progress went to the Commander (the demo's webhook) every 10.
    let progress = h
        .sim()
        .messages
        .iter()
        .filter(|m| {
            m["text"]
                .as_str()
                .is_some_and(|t| t.starts_with("[PROGRESS]"))
        })
        .count();
    assert_eq!(
        progress,
        planned.len().div_ceil(10),
        "one report per 10 completions and at the end"
    );
    let summary = j
        .iter()
        .rfind(|l| l["event"] == "notified")
        .and_then(|l| l["details"]["text"].as_str().map(str::to_string))
        .unwrap_or_default();
    assert!(
        summary.contains(&format!("{} of {}", planned.len() - 1, planned.len()))
            && summary.contains(&victim),
        "{summary}"
    );
    let _ = std::fs::remove_dir_all(&h.dir);
}

#[tokio::test]
async fn a_bulk_step_cut_short_resumes_paused_and_never_reruns_what_ran() {
    let mut h = fleet("rb-bulk-cut", 360, "provider-outage", 60).await;
    up_to_the_bulk_step(&mut h, "bulk-failover-region").await;
    // Plan and launch the first batch; the session "ends" before any result.
    h.code(KeyCode::Enter);
    h.text("eu-west-1");
    h.code(KeyCode::Enter);
    let id = h.focused().id.clone();
    let (entries, _) =
        baton::effects::journal::read(&baton::effects::journal::path_of(h.journal_dir(), &id))
            .expect("journal");
    let started: Vec<String> = entries
        .iter()
        .filter_map(|e| match &e.event {
            Event::BulkIntent { pair, .. } => Some(pair.clone()),
            _ => None,
        })
        .collect();
    assert!(!started.is_empty(), "a batch was launched");
    let rb = Arc::clone(&h.focused().runbook);
    // A watcher following the journal sees them running, not lost.
    let watched = Incident::fold(&entries, Arc::clone(&rb)).expect("fold");
    let w = watched.current_bulk().expect("bulk");
    assert!(!w.paused && w.in_flight().count() == started.len());
    let resumed = Incident::replay(&entries, rb).expect("replay");
    let b = resumed.current_bulk().expect("bulk");
    assert!(b.paused, "nothing starts again by itself");
    assert!(b.waiting().count() > 0, "pairs not started yet");
    assert!(
        started.iter().all(|p| b
            .finished
            .get(p)
            .is_some_and(|(ok, why)| !ok && why.contains("OUTCOME UNKNOWN"))),
        "what was running is unknown, not re-run: {:?}",
        b.finished
    );
    let none = |_: &str| None;
    assert!(
        baton::wizard::decide::bulk_next(&resumed, &h.app.model, 0, &none)
            .0
            .is_empty()
    );
    let ev = baton::wizard::decide::confirm(&resumed, &h.app.model, h.app.model.now, "")
        .expect("enter resumes");
    assert!(matches!(ev.as_slice(), [Event::BulkResumed]));
    // The report lists them for follow-up.
    let r = baton::report::build(&entries, Some(&resumed.runbook), Vec::new());
    assert_eq!(r.bulk[0].failed.len(), started.len());
    assert!(r.bulk[0].failed[0].1.contains("OUTCOME UNKNOWN"));
    h.settle().await;
}
