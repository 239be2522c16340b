//! An area: regional failovers planned and in an emergency, a DR drill,
//! and what `f` offers on a region's row.

use baton::app::Effect;
use baton::keymap::Action;
use baton::wizard::Target;
use baton::wizard::incident::Event;
use crossterm::event::{KeyCode, KeyEvent};

use super::common::Harness;
use super::{eu_west_aws, fleet};

fn eu_central_hetzner() -> Target {
    Target::Area {
        region: "eu-central-1".into(),
        provider: "hetzner".into(),
    }
}

#[tokio::test]
async fn bulk_failover_of_a_region() {
    let mut h = fleet("rb-bulk-region", 48, "provider-outage", 60).await;
    h.start("bulk-failover-region", &eu_west_aws());
    let done = h.run_to_end().await;
    assert_eq!(done, h.all_steps("bulk-failover-region"));
    assert!(
        h.app
            .model
            .pairs
            .iter()
            .all(|p| p.primary.region != "eu-west-1" || p.standby.as_ref().is_none_or(|s| s.down)),
        "every primary that could move left eu-west-1"
    );
}

#[tokio::test]
async fn planned_regional_failover_then_the_follow_up_by_horizon() {
    let mut h = fleet("rb-planned", 48, "calm", 5).await;
    h.start("regional-failover-planned", &eu_central_hetzner());
    let done = h.run_to_end().await;
    assert_eq!(done, h.all_steps("regional-failover-planned"));
    assert!(
        h.app
            .model
            .pairs
            .iter()
            .all(|p| p.primary.region != "eu-central-1"),
        "no primary left in the region"
    );
    let j = h.journal(&h.focused().id.clone());
    let dns = j
        .iter()
        .find(|l| l["step"] == "dns-propagation" && l["event"] == "wait_done")
        .expect("propagation journaled");
    assert!(
        dns["details"]["how"]
            .as_str()
            .is_some_and(|h| h.contains("holds for all 3 answer(s)")),
        "{dns}"
    );
    // The follow-up by horizon: 15 min, 1 h, 24 h, 1 week.
    h.focus_follow_up();
    assert_eq!(h.focused().runbook.id, "post-failover-followup");
    let t0 = h.focused().started;
    // Nothing is due at the start but the immediate horizon; after the
    // immediate checks, the 1-hour ones are due 15 min after the start,
    // and a console started then says so.
    assert_eq!(h.due_reminder(), None);
    let done = h.run_to_end().await;
    assert_eq!(done, h.all_steps("post-failover-followup"));
    assert!(h.app.model.now >= t0 + chrono::Duration::hours(24));
    let j = h.journal(&h.focused().id.clone());
    let at = |step: &str| -> chrono::DateTime<chrono::Utc> {
        let l = j
            .iter()
            .find(|l| l["step"] == step && l["event"] == "step_done")
            .unwrap_or_else(|| panic!("{step} done"));
        serde_json::from_value(l["at"].clone()).expect("time")
    };
    assert!(at("error-latency") >= t0 + chrono::Duration::minutes(15));
    assert!(at("post-mortem") >= t0 + chrono::Duration::hours(1));
    assert!(at("restored") >= t0 + chrono::Duration::hours(24));
}

#[tokio::test]
async fn emergency_regional_failover_in_a_provider_outage() {
    let mut h = fleet("rb-emergency", 48, "provider-outage", 60).await;
    h.start("regional-failover-emergency", &eu_west_aws());
    let done = h.run_to_end().await;
    assert_eq!(done, h.all_steps("regional-failover-emergency"));
    let j = h.journal(&h.focused().id.clone());
    let intent = j
        .iter()
        .find(|l| l["step"] == "promote-dr" && l["event"] == "action_intent")
        .expect("intent");
    assert!(
        intent["details"]["lag"].is_number(),
        "the area's lag at cutover"
    );
    // A provider outage is no warning: the initial alert says Critical.
    let alert = j
        .iter()
        .filter(|l| l["event"] == "notified")
        .filter_map(|l| l["details"]["text"].as_str())
        .find(|t| t.contains("Severity:"))
        .expect("the initial alert was sent");
    assert!(alert.contains("Severity: Critical"), "{alert}");
}

#[tokio::test]
async fn dr_drill_runs_nothing_real_and_says_drill() {
    let mut h = fleet("rb-drill", 48, "calm", 5).await;
    h.start("dr-drill", &eu_central_hetzner());
    assert!(h.focused().drill, "a drill runbook is always a drill");
    let done = h.run_to_end().await;
    assert_eq!(done, h.all_steps("dr-drill"));
    let j = h.journal(&h.focused().id.clone());
    assert_eq!(j[0]["details"]["drill"], true);
    let commands: Vec<&str> = j
        .iter()
        .filter(|l| l["event"] == "action_intent")
        .filter_map(|l| l["details"]["command"].as_str())
        .collect();
    assert!(
        commands.iter().all(|c| c.starts_with("echo ")),
        "only dry runs: {commands:?}"
    );
    assert!(
        h.app
            .model
            .pairs
            .iter()
            .any(|p| p.primary.region == "eu-central-1"),
        "nothing moved"
    );
    let report = baton::report::markdown(&baton::report::build(
        &h.focused().entries,
        Some(&h.focused().runbook),
        Vec::new(),
    ));
    assert!(report.contains("DRILL"), "{report}");
    assert!(report.contains("| Area | eu-central-1 |"), "{report}");
}

#[test]
fn f_on_a_regions_row_offers_the_area_runbooks() {
    let mut h = Harness::builder("rb-regions-row")
        .demo_console(48, "provider-outage", 40, "default")
        .build();
    h.app.update(Action::PaneRegions);
    let row = h
        .app
        .model
        .regions
        .iter()
        .position(|r| r.region == "eu-west-1")
        .expect("row");
    h.app.view.region_selected = row;
    assert!(h.app.update(Action::Failover).is_empty());
    let Some((target, _)) = h.chooser().cloned() else {
        panic!("no chooser: {}", h.describe())
    };
    assert_eq!(target, eu_west_aws());
    let offered: Vec<String> = h
        .runbooks_for(&target)
        .iter()
        .map(|r| r.id.clone())
        .collect();
    assert!(
        offered.contains(&"bulk-failover-region".to_string())
            && offered.contains(&"regional-failover-emergency".to_string())
            && !offered.contains(&"pair-failover".to_string()),
        "{offered:?}"
    );
    // Follow-up checklists come last, after every failover runbook.
    assert_eq!(
        offered.last().map(String::as_str),
        Some("post-failover-followup")
    );
    let for_pair = h.runbooks_for(&Target::Pair("acct-1003".into()));
    assert_eq!(for_pair[0].id, "pair-failover");
    assert_eq!(
        for_pair.last().map(|r| r.id.as_str()),
        Some("pair-followup")
    );
    let fx = h.app.handle_key(KeyEvent::from(KeyCode::Enter));
    let Some(Effect::Start { incident, entry }) = fx.first() else {
        panic!("{fx:?}")
    };
    assert_eq!(incident.runbook.id, offered[0]);
    assert!(incident.pair.is_none());
    assert_eq!(
        incident.area.as_ref().and_then(|a| a.region.as_deref()),
        Some("eu-west-1")
    );
    assert!(matches!(&entry.event, Event::Started { region: Some(r), .. } if r == "eu-west-1"));
}
