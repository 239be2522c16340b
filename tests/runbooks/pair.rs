//! One pair: failover and its follow-up, failback, a service incident.

use baton::wizard::Target;
use baton::wizard::incident::{Incident, Operator};

use super::common::Harness;
use super::{count, fleet};

#[tokio::test]
async fn pair_failover_then_its_follow_up_by_horizon() {
    // primary-crash: acct-1003's primary is down after 15 s.
    let mut h = fleet("rb-pair", 48, "primary-crash", 20).await;
    h.start("pair-failover", &Target::Pair("acct-1003".into()));
    let done = h.run_to_end().await;
    assert_eq!(done, h.all_steps("pair-failover"));
    let id = h.focused().id.clone();
    let j = h.journal(&id);
    assert_eq!(count(&j, "notified"), 1);
    let p = h.app.model.pair("acct-1003").expect("pair");
    assert_eq!(p.primary.id, "gw-1003-b", "promoted");
    assert_eq!(
        p.standby.as_ref().map(|s| s.id.as_str()),
        Some("gw-1003-c"),
        "a new standby was reprovisioned"
    );

    // The follow-up of seed 000 started by itself, without a lock; its
    // 24-hour horizon opens an hour after the start.
    h.focus_follow_up();
    assert_eq!(h.focused().runbook.id, "pair-followup");
    assert!(h.focused().id.starts_with("FUP-"));
    let started = h.focused().started;
    let done = h.run_to_end().await;
    assert_eq!(done, h.all_steps("pair-followup"));
    let j = h.journal(&h.focused().id.clone());
    // Alert hygiene: a silence scoped to the failed primary, self-expiring.
    let silence = j
        .iter()
        .find(|l| l["event"] == "silenced")
        .expect("silence journaled");
    assert_eq!(silence["details"]["matchers"]["instance"], "gw-1003-a");
    let until: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(silence["details"]["until"].clone()).expect("until");
    let at: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(silence["at"].clone()).expect("at");
    assert_eq!(until - at, chrono::Duration::hours(4), "it ends by itself");
    let made = h.sim().silences.clone();
    assert_eq!(made.len(), 1, "the demo's Alertmanager holds it");
    assert_eq!(
        made[0].1.get("instance").map(String::as_str),
        Some("gw-1003-a")
    );
    let gate = j
        .iter()
        .find(|l| l["step"] == "standby-active" && l["event"] == "gate_passed")
        .expect("the 24-hour gate held");
    let at: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(gate["at"].clone()).expect("time");
    assert!(
        at >= started + chrono::Duration::hours(1),
        "not before its horizon"
    );
}

#[tokio::test]
async fn failback_and_service_incident() {
    let mut h = fleet("rb-failback", 48, "calm", 5).await;
    // The pair was failed over earlier (outside this console's history).
    h.sim().failover("acct-1004").expect("failover");
    h.refresh();
    h.start("pair-failback", &Target::Pair("acct-1004".into()));
    let done = h.run_to_end().await;
    assert_eq!(done, h.all_steps("pair-failback"));
    assert_eq!(
        h.app.model.pair("acct-1004").map(|p| p.primary.id.clone()),
        Some("gw-1004-a".into()),
        "back on the original primary"
    );
    assert!(!h.sim().automation_paused, "automation resumed");
    // Flapping protection: promoting the same pair right after is refused
    // by the cooldown rule, which only a typed reason passes.
    let checks = baton::wizard::rules::promotion(&h.rules_ctx(), "acct-1004", None);
    let cooldown = checks
        .iter()
        .find(|c| c.rule == "cooldown")
        .expect("cooldown rule");
    assert_eq!(cooldown.level, baton::wizard::rules::Level::Soft);
    assert!(cooldown.fact.contains("< cooldown 5m"), "{cooldown:?}");
    // ...and the pair's detail says so before anyone tries.
    h.app.view.overlay = Some(baton::app::Overlay::Detail("acct-1004".into()));
    let screen = h.screen(120, 36);
    assert!(
        screen.contains("cooldown until") && screen.contains("1 of 5 today"),
        "{screen}"
    );
    h.app.view.overlay = None;

    // Seed 003 on another pair, crashed for the occasion.
    h.sim().take_down("gw-1007-a");
    h.advance(1);
    h.start("service-incident", &Target::Pair("acct-1007".into()));
    let done = h.run_to_end().await;
    assert_eq!(done, h.all_steps("service-incident"));
    let j = h.journal(&h.focused().id.clone());
    let texts: Vec<&str> = j
        .iter()
        .filter(|l| l["event"] == "notified")
        .filter_map(|l| l["details"]["text"].as_str())
        .collect();
    assert!(texts[0].starts_with("[INCIDENT] acct-1007"), "{texts:?}");
    assert!(
        texts[1].starts_with("[ESCALATION L1] acct-1007"),
        "{texts:?}"
    );
    assert!(texts[2].starts_with("[RESOLVED] acct-1007"), "{texts:?}");
}

#[test]
fn a_console_started_after_a_horizon_came_due_says_so() {
    let mut h = Harness::builder("rb-due")
        .demo_console(48, "calm", 5, "default")
        .build();
    let rb = h.runbook("post-failover-followup");
    let t0 = h.app.model.now - chrono::Duration::minutes(20);
    let mut inc = Incident::new("FUP-x", rb, None, Operator::default(), false, t0);
    inc.phase = 1; // the immediate checks are done
    h.push_incident(inc);
    let text = h.due_reminder().expect("due");
    assert!(
        text.contains("Short-term (within 1 hour)") && text.contains("due since"),
        "{text}"
    );
    // The title bar counts it (no RTO clock: it runs for days).
    let title = |h: &Harness| {
        h.screen(120, 36)
            .lines()
            .next()
            .unwrap_or_default()
            .to_string()
    };
    let line = title(&h);
    assert!(
        line.contains("☐ 1 follow-up due") && !line.contains('⇄'),
        "{line}"
    );
    assert_eq!(
        h.incidents()[0].timers(h.app.model.now)[0].label,
        "elapsed",
        "no RTO to show"
    );
    // The 24-hour horizon is not due 20 minutes in.
    h.incident_mut(0).phase = 2;
    assert_eq!(h.due_reminder(), None);
    let line = title(&h);
    assert!(
        line.contains("☐ 1 follow-up") && !line.contains("due"),
        "{line}"
    );
}
