//! The wizard driven as a pure state machine: no terminal, no executor,
//! no journal on disk. The test plays the executor's part by handing back
//! `Started` and `Journaled` for the effects it would have carried out.

use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent};

use super::{Input, Target, Wizard};
use crate::keymap::Action;
use crate::state::Model;
use crate::wizard::effect::{Effect, Feedback};
use crate::wizard::incident::{ActionState, Event, Operator};

fn wizard(model: &Model) -> Wizard {
    let (templates, _) = crate::config::templates::load_all(&model.config, None);
    let (runbooks, _) = crate::config::runbooks::load_all(&model.config, None, &templates);
    let mut w = Wizard::new(Operator {
        user: "alice".into(),
        host: "bastion-1".into(),
        ssh_client: None,
    });
    w.runbooks = runbooks.into_iter().map(Arc::new).collect();
    w.templates = Arc::new(templates);
    w
}

/// What the executor would do with journal effects when the disk takes
/// them: hand the entries back as journaled.
fn journal_ok(w: &mut Wizard, model: &Model, fx: Vec<Effect>) -> Vec<Effect> {
    let mut rest = Vec::new();
    for e in fx {
        match e {
            Effect::Journal { entries } => {
                rest.extend(w.handle(Input::Journaled(entries), model, model.now));
            }
            other => rest.push(other),
        }
    }
    rest
}

/// Starts `runbook` on acct-1003 as the executor would: the start
/// journaled, the incident open and focused.
fn start_on_1003(w: &mut Wizard, model: &Model, runbook: &str) {
    let fx = w.handle(
        Input::StartWith(Target::Pair("acct-1003".into()), runbook.into()),
        model,
        model.now,
    );
    let Some(Effect::Start { incident, entry }) = fx.into_iter().next() else {
        panic!("{runbook} starts")
    };
    let started = Input::Started {
        incident,
        entry,
        keep_focus: false,
    };
    w.handle(started, model, model.now);
}

fn type_text(w: &mut Wizard, model: &Model, text: &str) {
    for c in text.chars() {
        w.handle(
            Input::Edit(KeyEvent::from(KeyCode::Char(c))),
            model,
            model.now,
        );
    }
}

#[test]
fn a_pair_failover_runs_to_the_promote_and_journals_before_it_acts() {
    let model = crate::demo::fixture::model(48, "primary-crash", 30);
    let mut w = wizard(&model);
    let now = model.now;
    let pair = Target::Pair("acct-1003".into());

    // Several runbooks apply to a pair: the chooser opens on the failover.
    let fx = w.handle(Input::Failover(Some((pair.clone(), None))), &model, now);
    assert!(fx.is_empty(), "{fx:?}");
    let first = w.runbooks_for(&pair, &model);
    assert_eq!(first.first().map(|r| r.id.as_str()), Some("pair-failover"));
    let fx = w.handle(Input::Action(Action::Submit), &model, now);
    let Some(Effect::Start { incident, entry }) = fx.into_iter().next() else {
        panic!("the chooser's choice starts an incident")
    };
    assert!(
        w.incidents.is_empty(),
        "nothing opens before the start is journaled"
    );
    let fx = w.handle(
        Input::Started {
            incident,
            entry,
            keep_focus: false,
        },
        &model,
        now,
    );
    assert!(fx.iter().any(|e| matches!(e, Effect::ShowWizard(true))));
    assert_eq!(
        w.focused().and_then(|i| i.current()).map(|s| s.id.as_str()),
        Some("verify-pair")
    );

    // Two gates that hold on a crashed primary with a healthy standby.
    for _ in 0..2 {
        let fx = w.handle(Input::Action(Action::Confirm), &model, now);
        assert!(journal_ok(&mut w, &model, fx).is_empty());
    }
    // The audit reason is asked in the prompt, typed, submitted.
    w.handle(Input::Action(Action::Confirm), &model, now);
    assert!(w.prompt.is_some(), "an input step asks");
    type_text(&mut w, &model, "primary crashed, paged by PagerDuty");
    let fx = w.handle(Input::Action(Action::Submit), &model, now);
    assert!(journal_ok(&mut w, &model, fx).is_empty());
    assert!(w.prompt.is_none());
    assert_eq!(
        w.focused().and_then(|i| i.current()).map(|s| s.id.as_str()),
        Some("promote")
    );

    // The destructive promote: a wrong pair id is refused and cleared.
    w.handle(Input::Action(Action::Confirm), &model, now);
    type_text(&mut w, &model, "acct-1004");
    let fx = w.handle(Input::Action(Action::Submit), &model, now);
    assert!(fx.is_empty(), "nothing runs on a wrong id: {fx:?}");
    let p = w
        .prompt
        .as_ref()
        .map(|p| (p.error.clone(), p.text.lines().join("")));
    assert!(
        matches!(&p, Some((Some(e), t)) if e.contains("acct-1004") && t.is_empty()),
        "{p:?}"
    );
    type_text(&mut w, &model, "acct-1003");
    let fx = w.handle(Input::Action(Action::Submit), &model, now);
    let [Effect::RunAction { plan, intent }] = fx.as_slice() else {
        panic!("the promote is asked of the executor: {fx:?}")
    };
    assert!(matches!(intent.event, Event::ActionIntent { .. }));
    assert_eq!(plan.incident, intent.incident);
    // The wizard changes nothing until the intent is journaled.
    assert!(matches!(
        w.focused().map(|i| &i.action),
        Some(ActionState::Idle)
    ));
    let id = intent.incident.clone();
    let step = plan.step.clone();
    w.handle(Input::Journaled(vec![intent.clone()]), &model, now);
    assert!(matches!(
        w.focused().map(|i| &i.action),
        Some(ActionState::Running { .. })
    ));

    // The result comes back later and is journaled in turn.
    let fx = w.handle(
        Input::Feedback(Feedback::ActionDone {
            incident: id,
            step,
            event: Event::ActionResult {
                ok: true,
                status: "HTTP 200".into(),
                output: String::new(),
                millis: 120,
            },
        }),
        &model,
        now,
    );
    let [Effect::Journal { entries }] = fx.as_slice() else {
        panic!("the result is journaled: {fx:?}")
    };
    assert!(matches!(
        entries[0].event,
        Event::ActionResult { ok: true, .. }
    ));
}

#[test]
fn a_read_only_wizard_asks_for_nothing() {
    let model = crate::demo::fixture::model(48, "primary-crash", 30);
    let mut w = wizard(&model);
    w.read_only = true;
    let fx = w.handle(
        Input::Failover(Some((Target::Pair("acct-1003".into()), None))),
        &model,
        model.now,
    );
    assert!(
        matches!(fx.as_slice(), [Effect::Notice { error: true, .. }]),
        "{fx:?}"
    );
    assert!(w.chooser.is_none() && w.incidents.is_empty());
    assert!(w.handle(Input::Tick, &model, model.now).is_empty());
}

#[test]
fn after_a_resume_the_open_failover_has_the_focus_not_its_follow_up() {
    let model = crate::demo::fixture::model(48, "primary-crash", 30);
    let mut w = wizard(&model);
    let rb = |id: &str| {
        w.runbooks
            .iter()
            .find(|r| r.id == id)
            .cloned()
            .unwrap_or_else(|| panic!("{id} is shipped"))
    };
    let (followup, failover) = (rb("pair-followup"), rb("pair-failover"));
    let op = w.operator.clone();
    let at = model.now;
    w.incidents.push(crate::wizard::incident::Incident::new(
        "FUP-1",
        followup,
        Some("acct-1001".into()),
        op.clone(),
        false,
        at,
    ));
    w.incidents.push(crate::wizard::incident::Incident::new(
        "INC-2",
        failover,
        Some("acct-1003".into()),
        op,
        false,
        at,
    ));
    w.focus_failover();
    assert_eq!(w.focused().map(|i| i.id.as_str()), Some("INC-2"));
}

#[test]
fn two_incidents_of_one_pair_in_one_second_get_their_own_ids() {
    let model = crate::demo::fixture::model(48, "calm", 30);
    let mut w = wizard(&model);
    let pair = Target::Pair("acct-1003".into());
    let mut ids = Vec::new();
    for _ in 0..2 {
        let fx = w.handle(
            Input::StartWith(pair.clone(), "pair-failover".into()),
            &model,
            model.now,
        );
        let Some(Effect::Start { incident, entry }) = fx.into_iter().next() else {
            panic!("pair-failover starts: {:?}", w.incidents.len())
        };
        ids.push(incident.id.clone());
        let started = Input::Started {
            incident,
            entry,
            keep_focus: false,
        };
        w.handle(started, &model, model.now);
        // Closed at once (aborted), so the pair is free again.
        let last = w.incidents.len() - 1;
        let closed = w.incidents[last].entry(model.now, Event::Closed);
        w.handle(Input::Journaled(vec![closed]), &model, model.now);
    }
    assert_eq!(ids[1], format!("{}-2", ids[0]), "one journal per incident");
}

#[test]
fn a_region_runbook_whose_steps_name_a_pair_holds_it_against_a_pair_failover() {
    let model = crate::demo::fixture::model(48, "calm", 30);
    let mut w = wizard(&model);
    let rb: crate::wizard::runbook::Runbook = toml::from_str(
        "id = \"regional\"\ntitle = \"R\"\napplies_to = \"region\"\n[[phase]]\nid = \"p\"\n[[phase.step]]\nid = \"s\"\nkind = \"check\"\ntitle = \"t\"\npair = \"acct-1003\"\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    w.runbooks.push(Arc::new(rb));
    let area = Target::Area {
        region: "eu-west-1".into(),
        provider: "aws".into(),
    };
    let fx = w.handle(Input::StartWith(area, "regional".into()), &model, model.now);
    let Some(Effect::Start { incident, entry }) = fx.into_iter().next() else {
        panic!("the region runbook starts")
    };
    assert!(
        incident.lock_names().contains(&"acct-1003".to_string()),
        "{:?}",
        incident.lock_names()
    );
    let started = Input::Started {
        incident,
        entry,
        keep_focus: false,
    };
    w.handle(started, &model, model.now);
    let fx = w.handle(
        Input::StartWith(Target::Pair("acct-1003".into()), "pair-failover".into()),
        &model,
        model.now,
    );
    assert!(
        fx.iter().any(|e| matches!(e, Effect::Notice { text, .. } if text.contains("is already failing over acct-1003"))),
        "{fx:?}"
    );
}

#[test]
fn a_result_for_a_step_the_incident_has_left_changes_nothing_at_the_current_one() {
    let model = crate::demo::fixture::model(48, "calm", 30);
    let mut w = wizard(&model);
    start_on_1003(&mut w, &model, "pair-failover");
    let Some(inc) = w.focused() else {
        panic!("focused")
    };
    assert_eq!(inc.current().map(|s| s.id.as_str()), Some("verify-pair"));
    let mut late = inc.entry(
        model.now,
        Event::ActionResult {
            ok: true,
            status: "exit status: 0".into(),
            output: String::new(),
            millis: 5,
        },
    );
    late.step = Some("promote".into());
    w.handle(Input::Journaled(vec![late]), &model, model.now);
    assert!(matches!(
        w.focused().map(|i| &i.action),
        Some(ActionState::Idle)
    ));
}

#[test]
fn skip_when_never_skips_an_action_that_has_started() {
    let model = crate::demo::fixture::model(48, "calm", 30);
    let mut w = wizard(&model);
    let rb: crate::wizard::runbook::Runbook = toml::from_str(
        "id = \"fence\"\ntitle = \"F\"\n[[phase]]\nid = \"p\"\n[[phase.step]]\nid = \"fence\"\nkind = \"action\"\ntitle = \"t\"\ncommand = [\"true\"]\nskip_when = \"elapsed >= 0\"\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    w.runbooks.push(Arc::new(rb));
    start_on_1003(&mut w, &model, "fence");
    let Some(inc) = w.focused() else {
        panic!("focused")
    };
    assert!(
        crate::wizard::decide::skip(inc, &model, model.now).is_some(),
        "before it runs, the step would be skipped"
    );
    // The action is running: enter does not skip it.
    let intent = inc.entry(
        model.now,
        Event::ActionIntent {
            command: "true".into(),
            lag: None,
            lag_bytes: None,
            cutover: false,
            settle: None,
        },
    );
    w.handle(Input::Journaled(vec![intent]), &model, model.now);
    let fx = w.handle(Input::Action(Action::Confirm), &model, model.now);
    assert!(
        !fx.iter().any(|e| matches!(e, Effect::Journal { entries } if entries.iter().any(|x| matches!(x.event, Event::StepDone { .. })))),
        "{fx:?}"
    );
    assert!(matches!(
        w.focused().map(|i| &i.action),
        Some(ActionState::Running { .. })
    ));
}
