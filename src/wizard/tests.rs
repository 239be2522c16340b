//! The engine driven through every step kind of the shipped seed 000
//! runbook, on the demo fleet, with a fake clock: no IO.

use std::sync::Arc;

use chrono::Duration;

use super::decide::{self, Run};
use super::incident::{ActionState, Event, Incident, Operator};
use super::notify;
use crate::config::runbooks::load_all;
use crate::demo::fixture;

fn journal(inc: &mut Incident, at: chrono::DateTime<chrono::Utc>, events: Vec<Event>) {
    for e in events {
        let entry = inc.entry(at, e);
        inc.apply(&entry);
    }
}

fn templates(model: &crate::state::Model) -> super::templates::Templates {
    let (templates, errs) = crate::config::templates::load_all(&model.config, None);
    assert!(errs.is_empty(), "{errs:?}");
    templates
}

/// A `Notified` event for the current step, sent at `at`, as the executor
/// makes it.
fn sent(inc: &Incident, at: chrono::DateTime<chrono::Utc>) -> Event {
    let s = crate::effects::notify::Send {
        incident: inc.id.clone(),
        step: inc.current().map(|s| s.id.clone()).unwrap_or_default(),
        channel: "commander".into(),
        cfg: crate::config::NotifyCfg::clipboard(),
        text: "{}".into(),
        resolve: false,
        operator: "alice@bastion".into(),
        severity: "critical".into(),
        sent: at,
        due: notify::due(inc),
    };
    crate::effects::notify::outcome(&s, std::time::Instant::now(), Ok("HTTP 200".into()))
}

/// An incident of `rb` on acct-1003 whose current step is `step`, its
/// phase and step begun at `t`.
fn at_step(
    rb: &Arc<super::runbook::Runbook>,
    id: &str,
    step: &str,
    t: chrono::DateTime<chrono::Utc>,
) -> Incident {
    let Some((pi, si, _)) = rb.steps().find(|(_, _, s)| s.id == step) else {
        panic!("no step {step}")
    };
    let mut inc = Incident::new(
        id,
        Arc::clone(rb),
        Some("acct-1003".into()),
        Operator::default(),
        false,
        t,
    );
    inc.phase = pi;
    inc.step = si;
    inc.phase_started = t;
    inc.step_started = t;
    inc
}

/// The shipped pair failover on acct-1003 (crashed), its three pre-failover
/// steps passed: the promote action is current.
fn at_promote(
    model: &crate::state::Model,
    rb: Arc<super::runbook::Runbook>,
    id: &str,
    drill: bool,
) -> Incident {
    let t = model.now;
    let mut inc = Incident::new(
        id,
        rb,
        Some("acct-1003".into()),
        Operator::default(),
        drill,
        t,
    );
    for text in ["", "", "why"] {
        let ev = decide::confirm(&inc, model, t, text).expect("pre-failover step");
        journal(&mut inc, t, ev);
    }
    assert_eq!(inc.current().map(|s| s.id.as_str()), Some("promote"));
    inc
}

/// The shipped seed 000 runbook, checked clean against the model's config.
fn shipped(model: &crate::state::Model) -> Arc<super::runbook::Runbook> {
    let (runbooks, errs) = load_all(&model.config, None, &templates(model));
    assert!(errs.is_empty(), "{errs:?}");
    Arc::new(
        runbooks
            .into_iter()
            .find(|r| r.id == "pair-failover")
            .expect("shipped"),
    )
}

#[test]
fn seed_000_pair_failover_through_every_step() {
    // primary-crash: acct-1003's primary is down after ~18 s.
    let mut model = fixture::model(48, "primary-crash", 30);
    let rb = shipped(&model);
    let op = Operator {
        user: "alice".into(),
        host: "bastion".into(),
        ssh_client: None,
    };
    let mut t = model.now;
    let mut inc = Incident::new("INC-1", rb, Some("acct-1003".into()), op, false, t);
    journal(
        &mut inc,
        t,
        vec![Event::Started {
            title: "x".into(),
            drill: false,
            primary: Some("gw-1003-a".into()),
            standby: Some("gw-1003-b".into()),
            region: None,
            provider: None,
            window: None,
        }],
    );

    // 1. gate: the primary is failing.
    let ev = decide::confirm(&inc, &model, t, "").expect("primary is down");
    assert!(
        matches!(&ev[0], Event::GatePassed { values } if values.contains("primary.down = true")),
        "{ev:?}"
    );
    journal(&mut inc, t, ev);

    // 2. gate: standby ready. A healthy pair's standby passes here too.
    t += Duration::seconds(5);
    let ev = decide::confirm(&inc, &model, t, "").expect("standby ok");
    journal(&mut inc, t, ev);

    // 3. input: empty is refused, text is recorded.
    assert!(decide::confirm(&inc, &model, t, "  ").is_err());
    let ev = decide::confirm(&inc, &model, t, "INC-1: gw-1003-a down").expect("input");
    journal(&mut inc, t, ev);

    // 4. action: destructive, typed pair id required; renders the fleet URL.
    assert!(
        decide::plan_action(&inc, &model, t, "acct-1004")
            .expect_err("wrong id")
            .contains("type the pair id")
    );
    let plan = decide::plan_action(&inc, &model, t, "acct-1003").expect("plan");
    assert_eq!(
        plan.display,
        "POST http://127.0.0.1:18080/api/pairs/acct-1003/failover"
    );
    assert!(matches!(plan.run, Run::Http { .. }));
    assert_eq!(
        plan.settle.as_ref().map(crate::cond::Cond::as_str),
        Some("primary.id == \"gw-1003-b\"")
    );
    assert!(
        decide::confirm(&inc, &model, t, "").is_err(),
        "an action must run before the step is done"
    );
    journal(
        &mut inc,
        t,
        vec![Event::ActionIntent {
            command: plan.display.clone(),
            cutover: false,
            lag_bytes: None,
            lag: None,
            settle: None,
        }],
    );
    assert!(
        decide::plan_action(&inc, &model, t, "acct-1003").is_err(),
        "no second run while running"
    );
    journal(
        &mut inc,
        t,
        vec![Event::ActionResult {
            ok: true,
            status: "HTTP 200".into(),
            output: String::new(),
            millis: 40,
        }],
    );
    let ev = decide::confirm(&inc, &model, t, "").expect("done");
    // A wait only counts data received after it began: one that began
    // after the last poll cannot be satisfied by what was seen before.
    let mut early = inc.clone();
    journal(
        &mut early,
        fixture::clock() + Duration::seconds(1),
        ev.clone(),
    );
    // The action's step ends before the next poll arrives.
    journal(&mut inc, fixture::clock() - Duration::seconds(1), ev);

    // 5. wait: until the new primary is ACTIVE; the demo swap is what makes it hold.
    assert_eq!(
        inc.current().map(|s| s.id.as_str()),
        Some("confirm-new-primary")
    );
    let mut sim_model = fixture::model(48, "calm", 30);
    std::mem::swap(&mut model, &mut sim_model);
    let err = decide::confirm(&early, &model, t, "").expect_err("old data");
    assert!(err.contains("no data since the step began"), "{err}");
    let ev = decide::confirm(&inc, &model, t, "").expect("new primary active");
    journal(&mut inc, t, ev);

    // 6. notify: done only when sent; the failover_complete message names
    // the failed instance and the new primary, due 60 s after the post
    // phase began (the new primary confirmed).
    let post_began = t;
    t += Duration::seconds(20);
    assert!(
        decide::confirm(&inc, &model, t, "").is_err(),
        "a notify step is done when its message is sent"
    );
    let step = inc.current().expect("notify step").clone();
    let text = notify::render(&templates(&model), &model, &inc, &step, t).expect("renders");
    let msg: serde_json::Value = serde_json::from_str(&text).expect("failover_complete is JSON");
    assert_eq!(msg["type"], "failover_complete");
    assert_eq!(msg["failed_instance"], "gw-1003-a");
    assert_eq!(msg["new_primary"], "gw-1003-b");
    assert!(msg["duration_ms"].as_i64().is_some_and(|d| d > 0), "{msg}");
    assert_eq!(notify::due(&inc), Some(post_began + Duration::seconds(60)));
    let ev = vec![
        sent(&inc, t),
        Event::StepDone {
            outcome: "sent".into(),
        },
    ];
    journal(&mut inc, t, ev);

    // 7. action: queue the reprovision of a new standby on the control plane.
    let plan = decide::plan_action(&inc, &model, t, "").expect("reprovision plan");
    assert_eq!(
        plan.display,
        "POST http://127.0.0.1:18080/api/pairs/acct-1003/reprovision"
    );
    journal(
        &mut inc,
        t,
        vec![
            Event::ActionIntent {
                command: plan.display,
                cutover: false,
                lag_bytes: None,
                lag: None,
                settle: None,
            },
            Event::ActionResult {
                ok: true,
                status: "HTTP 200".into(),
                output: String::new(),
                millis: 3,
            },
        ],
    );
    let ev = decide::confirm(&inc, &model, t, "").expect("reprovision");
    journal(&mut inc, t, ev);
    assert!(inc.finished());
    assert!(
        inc.entries
            .iter()
            .any(|e| matches!(e.event, Event::InputRecorded { .. }))
    );
}

#[test]
fn safety_rules_have_no_override() {
    // standby-degraded: acct-1007's standby is at 55, below standby_min 70.
    let model = fixture::model(48, "standby-degraded", 30);
    let rb = shipped(&model);
    let t = model.now;
    let mut inc = Incident::new(
        "INC-2",
        rb,
        Some("acct-1007".into()),
        Operator::default(),
        false,
        t,
    );
    let ev = decide::confirm(&inc, &model, t, "").expect("primary down");
    journal(&mut inc, t, ev);
    let err = decide::confirm(&inc, &model, t, "").expect_err("standby gate fails");
    assert!(err.contains("standby.health_score = 55"), "{err}");
    // The gate may be overridden with a reason...
    assert!(decide::override_step(&inc, &model, t, "").is_err());
    let ev = decide::override_step(&inc, &model, t, "commander says go").expect("override");
    journal(&mut inc, t, ev);
    let ev = decide::confirm(&inc, &model, t, "why").expect("input");
    journal(&mut inc, t, ev);
    // ...but the promotion itself is refused below standby_min, whatever was typed.
    let incidents = [inc.clone()];
    let ctx = super::rules::Ctx {
        model: &model,
        incidents: &incidents,
        elsewhere: &[],
        history: &[],
        runbooks: &[],
    };
    let checks = super::rules::promotion(&ctx, "acct-1007", Some("INC-2"));
    assert_eq!(
        super::rules::hard(&checks).map(|c| c.fact.as_str()),
        Some("score 55 < standby_min 70")
    );
    let refused = decide::override_rules(&inc, &checks, "commander says go").expect_err("hard");
    assert!(refused.contains("no override"), "{refused}");
}

#[test]
fn a_resumed_incident_shows_the_running_action_as_unknown() {
    let model = fixture::model(48, "primary-crash", 30);
    let rb = shipped(&model);
    let t = model.now;
    let mut inc = Incident::new(
        "INC-3",
        Arc::clone(&rb),
        Some("acct-1003".into()),
        Operator::default(),
        false,
        t,
    );
    journal(
        &mut inc,
        t,
        vec![Event::Started {
            title: "x".into(),
            drill: false,
            primary: None,
            standby: None,
            region: None,
            provider: None,
            window: None,
        }],
    );
    for _ in 0..2 {
        let ev = decide::confirm(&inc, &model, t, "").expect("gate");
        journal(&mut inc, t, ev);
    }
    let ev = decide::confirm(&inc, &model, t, "reason").expect("input");
    journal(&mut inc, t, ev);
    journal(
        &mut inc,
        t + Duration::seconds(3),
        vec![Event::ActionIntent {
            command: "POST x".into(),
            cutover: false,
            lag_bytes: None,
            lag: None,
            settle: None,
        }],
    );

    // The session drops here; the journal is all that is left.
    let resumed = Incident::replay(&inc.entries, rb).expect("replay");
    assert_eq!(resumed.current().map(|s| s.id.as_str()), Some("promote"));
    assert!(matches!(resumed.action, ActionState::Unknown { .. }));
    assert_eq!(
        resumed.step_started, t,
        "timers continue from the journal's times"
    );
    let later = t + Duration::seconds(100);
    assert!(
        decide::plan_action(&resumed, &model, later, "acct-1003")
            .expect_err("no re-run")
            .contains("verify")
    );
    let rto = &resumed.timers(later)[0];
    assert_eq!((rto.elapsed, rto.level()), (100.0, 0));
    let ev = decide::verify(&resumed, true, "new primary seen ACTIVE").expect("verify");
    assert!(matches!(ev[0], Event::ActionVerified { ok: true, .. }));
}

#[test]
fn drill_mode_shows_the_action_without_running_it() {
    let model = fixture::model(48, "primary-crash", 30);
    let rb = shipped(&model);
    let t = model.now;
    let inc = at_promote(&model, rb, "INC-D", true);
    let plan = decide::plan_action(&inc, &model, t, "acct-1003").expect("plan");
    assert_eq!(plan.run, Run::Nothing);
    assert!(
        plan.display.starts_with("DRILL: not run: POST"),
        "{}",
        plan.display
    );
}

#[test]
fn the_settle_check_uses_what_was_journaled_when_the_action_started() {
    use crate::sources::report::{InstanceReport, PairReport, Payload, SourceUpdate};
    let model = fixture::model(48, "primary-crash", 30);
    let rb = shipped(&model);
    let t = model.now;
    let mut inc = at_promote(&model, rb, "INC-S", false);
    let plan = decide::plan_action(&inc, &model, t, "acct-1003").expect("plan");
    journal(
        &mut inc,
        t,
        vec![
            Event::ActionIntent {
                command: plan.display.clone(),
                cutover: false,
                lag_bytes: None,
                lag: None,
                settle: plan.settle.clone(),
            },
            Event::ActionUnknown {
                reason: "timed out".into(),
            },
        ],
    );
    // After the failover the old primary is the standby: rendering the
    // settle template now would name the wrong instance.
    let mut after = fixture::model(48, "calm", 30);
    let inst = |id: &str, status: &str| InstanceReport {
        id: id.into(),
        status: Some(status.into()),
        health_score: Some(80.0),
        ..InstanceReport::default()
    };
    after.apply(SourceUpdate {
        source: 0,
        at: after.now,
        latency: std::time::Duration::ZERO,
        next_poll: None,
        result: Ok(Payload::Fleet {
            pairs: vec![PairReport {
                id: "acct-1003".into(),
                primary: inst("gw-1003-b", "ACTIVE"),
                standby: Some(inst("gw-1003-a", "DOWN")),
                replication_lag_seconds: Some(0.0),
                ..PairReport::default()
            }],
            skipped: Vec::new(),
        }),
    });
    let settle = inc.intent_settle().expect("journaled with the intent");
    assert_eq!(settle, "primary.id == \"gw-1003-b\"");
    assert_eq!(decide::settled(&inc, &after, after.now, settle), Ok(true));
}

#[test]
fn a_notification_deadline_met_or_missed_is_journaled() {
    // The notify step of the shipped runbook: 60 s from the start of the
    // post phase. Fake clock: the phase begins at t.
    let model = fixture::model(48, "primary-crash", 30);
    let rb = shipped(&model);
    let t = model.now;
    let mut on_time = at_step(&rb, "INC-5", "notify-commander", t);
    let ev = sent(&on_time, t + Duration::seconds(59));
    assert!(
        matches!(&ev, Event::Notified { late: false, due: Some(d), .. } if *d == t + Duration::seconds(60)),
        "{ev:?}"
    );
    journal(&mut on_time, t + Duration::seconds(59), vec![ev]);

    let late = at_step(&rb, "INC-6", "notify-commander", t);
    let ev = sent(&late, t + Duration::seconds(61));
    assert!(matches!(&ev, Event::Notified { late: true, .. }), "{ev:?}");
    // As the journal keeps it.
    let line = serde_json::to_value(late.entry(t + Duration::seconds(61), ev)).expect("json");
    assert_eq!(line["event"], "notified");
    assert_eq!(line["details"]["late"], true);
    assert_eq!(line["details"]["due"], "2027-01-15T12:05:31Z");
    // The step timer shows the deadline counting from the phase start.
    let timers = late.timers(t + Duration::seconds(61));
    let step = timers.last().expect("step timer");
    assert_eq!((step.elapsed, step.target), (61.0, Some(60.0)));
    assert_eq!(step.level(), 2, "overdue");
}

#[test]
fn a_silence_step_without_alertmanager_says_how_to_go_on() {
    let mut model = fixture::model(48, "primary-crash", 30);
    let rb = Arc::new(
        load_all(&model.config, None, &templates(&model))
            .0
            .into_iter()
            .find(|r| r.id == "pair-followup")
            .expect("shipped"),
    );
    let mut inc = at_step(&rb, "FUP-1", "suppress-alerts", model.now);
    let started = inc.entry(
        model.now,
        Event::Started {
            title: "x".into(),
            drill: false,
            primary: Some("gw-1003-a".into()),
            standby: Some("gw-1003-b".into()),
            region: None,
            provider: None,
            window: None,
        },
    );
    inc.apply(&started);
    let (_, source, req) = decide::plan_silence(&inc, &model, model.now).expect("planned");
    assert_eq!(source, "alertmanager");
    assert_eq!(
        req.labels.get("instance").map(String::as_str),
        Some("gw-1003-a")
    );
    assert_eq!(req.duration, std::time::Duration::from_hours(4));
    std::sync::Arc::make_mut(&mut model.config)
        .sources
        .retain(|s| s.kind != crate::config::SourceKind::Alertmanager);
    let err = decide::plan_silence(&inc, &model, model.now).expect_err("no source");
    // The wizard names the loaded keymap's key in place of `{override}`.
    assert!(err.contains("skip this step with {override}"), "{err}");
    // ...and skipping it takes a reason, journaled as an override.
    assert!(decide::override_step(&inc, &model, model.now, "no Alertmanager here").is_ok());
}

#[test]
fn a_drill_says_so_in_every_message() {
    assert_eq!(
        notify::drill_marked(r#"{"type": "failover_complete", "duration_ms": 5}"#),
        r#"{"drill":true,"duration_ms":5,"type":"failover_complete"}"#
    );
    assert_eq!(notify::drill_marked("[INCIDENT] x"), "[DRILL] [INCIDENT] x");
    assert_eq!(
        notify::drill_marked("[DR DRILL] starts"),
        "[DR DRILL] starts"
    );
}

#[test]
fn a_torn_intent_on_disk_resumes_as_outcome_unknown_never_as_ready_to_run() {
    let model = fixture::model(48, "primary-crash", 30);
    let rb = shipped(&model);
    let t = model.now;
    let inc = at_promote(&model, Arc::clone(&rb), "INC-T", false);
    let dir = std::env::temp_dir().join(format!("baton-torn-resume-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let intent = inc.entry(
        t,
        Event::ActionIntent {
            command: "POST http://127.0.0.1:9/failover".into(),
            cutover: false,
            lag_bytes: None,
            lag: None,
            settle: None,
        },
    );
    // The entries that brought it to the promote step, then a torn intent.
    let mut entries: Vec<_> = inc.entries.clone();
    entries.insert(
        0,
        inc.entry(
            t,
            Event::Started {
                title: "x".into(),
                drill: false,
                primary: None,
                standby: None,
                region: None,
                provider: None,
                window: None,
            },
        ),
    );
    crate::effects::journal::append(&dir, &entries).expect("journal");
    let path = crate::effects::journal::path_of(&dir, "INC-T");
    let line = serde_json::to_string(&intent).expect("json");
    let mut text = std::fs::read_to_string(&path).expect("read");
    text.push_str(&line[..120]);
    std::fs::write(&path, &text).expect("tear");
    let (read, bad) = crate::effects::journal::read(&path).expect("read");
    assert_eq!(bad, 1);
    let resumed = Incident::replay(&read, Arc::clone(&rb)).expect("replay");
    assert_eq!(resumed.current().map(|s| s.id.as_str()), Some("promote"));
    assert!(
        matches!(&resumed.action, ActionState::Unknown { reason } if reason.contains("torn")),
        "{:?}",
        resumed.action
    );
    assert!(
        decide::plan_action(&resumed, &model, t, "acct-1003").is_err(),
        "nothing can run before the operator verifies"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
