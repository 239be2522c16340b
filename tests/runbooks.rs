//! Every shipped runbook run to its end on the demo fleet, through the
//! console's own keys and executor, with a fake clock: the simulated fleet
//! is served on 127.0.0.1 and stepped by the test, the console's clock is
//! set by the test, actions, probes and notifications are real requests to
//! the demo's control plane, and the journal is written to a temp folder.

mod common;

use std::sync::Arc;
use std::time::Duration;

use baton::app::{App, Effect, Mode, perform};
use baton::demo::{DemoFleet, Sim};
use baton::effects::{Executor, Feedback};
use baton::sources::report::{Payload, SourceUpdate};
use baton::wizard::Target;
use baton::wizard::incident::{ActionState, Incident};
use baton::wizard::runbook::StepKind;
use common::temp;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tokio::sync::mpsc;

struct Harness {
    app: App,
    exec: Executor,
    rx: mpsc::Receiver<Feedback>,
    fleet: DemoFleet,
    dir: std::path::PathBuf,
    /// The most bulk actions seen in flight at once.
    max_in_flight: usize,
}

impl Harness {
    /// A demo fleet of `pairs` in `scenario`, stepped `steps` seconds.
    async fn new(name: &str, pairs: usize, scenario: &str, steps: u64) -> Self {
        let mut sim = Sim::new(pairs, scenario, 0x5eed_ba70);
        for _ in 0..steps {
            sim.step();
        }
        let fleet = baton::demo::serve_sim(sim, false)
            .await
            .expect("serve the demo fleet");
        let dir = temp(name);
        let mut config = baton::demo::config(fleet.addr);
        config.console.journal_dir = dir.join("journal");
        let model = baton::state::Model::new(Arc::new(config), baton::demo::fixture::clock());
        let mut app = App::new(
            model,
            baton::keymap::Keymap::builtin("default").expect("keymap"),
            baton::theme::Theme::plain(),
            Mode::Operator,
        );
        let (templates, errs) = baton::config::templates::load_all(&app.model.config, None);
        assert!(errs.is_empty(), "{errs:?}");
        let (runbooks, errs) =
            baton::config::runbooks::load_all(&app.model.config, None, &templates);
        assert!(errs.is_empty(), "{errs:?}");
        app.wizard.runbooks = runbooks.into_iter().map(Arc::new).collect();
        app.wizard.templates = Arc::new(templates);
        let (tx, rx) = mpsc::channel(1024);
        let exec = Executor::new(
            Arc::clone(&app.model.config),
            false,
            "tester@bastion".into(),
            tx,
        );
        let mut h = Self {
            app,
            exec,
            rx,
            fleet,
            dir,
            max_in_flight: 0,
        };
        // Three polls: an instance is down after failure_threshold (3).
        for _ in 0..3 {
            h.advance(1);
        }
        h
    }

    /// One poll of the fleet source, at the console's (fake) time.
    fn refresh(&mut self) {
        let pairs = self.fleet.sim.lock().expect("sim").report();
        let now = self.app.model.now;
        self.app.model.apply(SourceUpdate {
            source: 0,
            at: now,
            latency: Duration::from_millis(1),
            result: Ok(Payload::Fleet {
                pairs,
                skipped: Vec::new(),
            }),
            next_poll: None,
        });
        self.app.model.tick(now);
        self.app.refresh();
    }

    /// The fake clock: `secs` pass for the console; the fleet is stepped
    /// for at most two minutes of them (long jumps are for horizons).
    fn advance(&mut self, secs: i64) {
        for _ in 0..secs.min(120) {
            self.fleet.sim.lock().expect("sim").step();
        }
        self.app.model.now += chrono::Duration::seconds(secs);
        self.refresh();
    }

    fn perform(&mut self, fx: Vec<Effect>) {
        assert!(perform(&mut self.app, &mut self.exec, fx), "quit");
        for inc in &self.app.wizard.incidents {
            if let Some(b) = inc.current_bulk() {
                self.max_in_flight = self.max_in_flight.max(b.in_flight().count());
            }
        }
    }

    fn inc(&self) -> &Incident {
        self.app.wizard.focused().expect("an incident")
    }

    /// Something started that will report back.
    fn pending(&self) -> bool {
        !self.app.wizard.probing.is_empty()
            || self.app.wizard.drafts.values().any(|d| d.sending)
            || self.app.wizard.incidents.iter().any(|i| {
                matches!(i.action, ActionState::Running { .. })
                    || i.current_bulk().is_some_and(|b| b.in_flight().count() > 0)
            })
    }

    /// Hands every report of the executor to the console until nothing
    /// is pending.
    async fn settle(&mut self) {
        loop {
            let f = if self.pending() {
                match tokio::time::timeout(Duration::from_secs(10), self.rx.recv()).await {
                    Ok(Some(f)) => f,
                    _ => panic!("nothing came back; notice: {:?}", self.app.notice),
                }
            } else {
                match self.rx.try_recv() {
                    Ok(f) => f,
                    Err(_) => return,
                }
            };
            let fx = self.app.feedback(f);
            self.perform(fx);
        }
    }

    fn key(&mut self, ev: KeyEvent) {
        let fx = self.app.handle_key(ev);
        self.perform(fx);
    }

    fn code(&mut self, c: KeyCode) {
        self.key(KeyEvent::from(c));
    }

    fn text(&mut self, s: &str) {
        for c in s.chars() {
            self.code(KeyCode::Char(c));
        }
    }

    fn start(&mut self, runbook: &str, target: &Target) {
        let rb = self
            .app
            .wizard
            .runbooks
            .iter()
            .find(|r| r.id == runbook)
            .cloned()
            .unwrap_or_else(|| panic!("runbook {runbook}"));
        let fx = self.app.wizard_input(baton::wizard::Input::StartWith(
            target.clone(),
            rb.id.clone(),
        ));
        assert!(!fx.is_empty(), "not started: {:?}", self.app.notice);
        self.perform(fx);
        self.app.view.wizard = true;
    }

    fn position(&self) -> Option<String> {
        self.inc().current().map(|s| s.id.clone())
    }

    /// Drives the focused incident through every step with its keys, then
    /// closes it. Returns the step ids in the order they were done.
    async fn run_to_end(&mut self) -> Vec<String> {
        let mut done = Vec::new();
        for _ in 0..100 {
            let Some(step) = self.inc().current().cloned() else {
                break;
            };
            // A follow-up horizon: the clock moves on to when it is due.
            if let Some(due) = baton::wizard::decide::phase_due(self.inc())
                && due > self.app.model.now
            {
                let secs = (due - self.app.model.now).num_seconds() + 1;
                self.advance(secs);
            }
            let before = self.position();
            match step.kind {
                StepKind::Gate | StepKind::Check => self.code(KeyCode::Enter),
                StepKind::Input => {
                    self.code(KeyCode::Enter);
                    self.text(&format!("answer to {}", step.id));
                    self.code(KeyCode::Enter);
                }
                StepKind::Action => {
                    self.code(KeyCode::Enter);
                    if step.destructive {
                        let pair = self.inc().pair.clone().unwrap_or_default();
                        self.text(&pair);
                        self.code(KeyCode::Enter);
                    }
                    self.settle().await;
                    assert!(
                        matches!(self.inc().action, ActionState::Succeeded { .. }),
                        "{}: {:?} {:?}",
                        step.id,
                        self.inc().action,
                        self.app.notice
                    );
                    self.code(KeyCode::Enter);
                }
                StepKind::Wait => {
                    for _ in 0..200 {
                        self.perform(Vec::new());
                        self.settle().await;
                        if self.position() != before {
                            break;
                        }
                        self.advance(1);
                    }
                }
                StepKind::Notify => {
                    self.code(KeyCode::Enter);
                    self.key(KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL));
                    self.settle().await;
                }
                StepKind::Silence => {
                    self.code(KeyCode::Enter);
                    let f = tokio::time::timeout(Duration::from_secs(10), self.rx.recv())
                        .await
                        .expect("the silence came back")
                        .expect("feedback");
                    let fx = self.app.feedback(f);
                    self.perform(fx);
                }
                StepKind::Bulk => {
                    self.code(KeyCode::Enter);
                    let area = self.inc().area.clone().expect("area");
                    self.text(&area.region.or(area.provider).unwrap_or_default());
                    self.code(KeyCode::Enter);
                    for _ in 0..100 {
                        self.perform(Vec::new());
                        self.settle().await;
                        if self
                            .inc()
                            .current_bulk()
                            .is_some_and(baton::wizard::incident::Bulk::complete)
                        {
                            break;
                        }
                    }
                    self.code(KeyCode::Enter);
                }
            }
            assert_ne!(
                self.position(),
                before,
                "stuck at {} ({:?}): {:?}",
                step.id,
                step.kind,
                self.app.notice
            );
            done.push(step.id.clone());
            self.advance(1);
        }
        self.code(KeyCode::Char('c'));
        assert!(!self.inc().is_open(), "not closed: {:?}", self.app.notice);
        // The report opens at the close; esc returns to the wizard.
        assert_eq!(self.app.view.overlay, Some(baton::app::Overlay::Report));
        self.code(KeyCode::Esc);
        done
    }

    /// The journal of an incident, as written.
    fn journal(&self, id: &str) -> Vec<serde_json::Value> {
        let path = baton::effects::journal::path_of(&self.dir.join("journal"), id);
        std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
            .lines()
            .map(|l| serde_json::from_str(l).expect("json line"))
            .collect()
    }

    /// A bulk runbook on eu-west-1 (aws) through its declaration: the
    /// outage gate, the status-page check, the initial alert sent.
    async fn up_to_the_bulk_step(&mut self, runbook: &str) {
        self.start(
            runbook,
            &Target::Area {
                region: "eu-west-1".into(),
                provider: "aws".into(),
            },
        );
        for _ in 0..3 {
            self.code(KeyCode::Enter);
        }
        self.key(KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL));
        self.settle().await;
        assert_eq!(self.position().as_deref(), Some("failover-all"));
    }

    /// The open follow-up started at the last close, focused.
    fn focus_follow_up(&mut self) {
        let pos = self
            .app
            .wizard
            .incidents
            .iter()
            .position(|i| i.is_open() && !i.runbook.lock)
            .expect("a follow-up was started at the close");
        self.app.wizard.focus = pos;
    }
}

fn count(lines: &[serde_json::Value], event: &str) -> usize {
    lines.iter().filter(|l| l["event"] == event).count()
}

fn all_steps(h: &Harness, id: &str) -> Vec<String> {
    h.app
        .wizard
        .runbooks
        .iter()
        .find(|r| r.id == id)
        .map(|r| r.steps().map(|(_, _, s)| s.id.clone()).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn pair_failover_then_its_follow_up_by_horizon() {
    // primary-crash: acct-1003's primary is down after 15 s.
    let mut h = Harness::new("rb-pair", 48, "primary-crash", 20).await;
    h.start("pair-failover", &Target::Pair("acct-1003".into()));
    let done = h.run_to_end().await;
    assert_eq!(done, all_steps(&h, "pair-failover"));
    let id = h.inc().id.clone();
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
    assert_eq!(h.inc().runbook.id, "pair-followup");
    assert!(h.inc().id.starts_with("FUP-"));
    let started = h.inc().started;
    let done = h.run_to_end().await;
    assert_eq!(done, all_steps(&h, "pair-followup"));
    let j = h.journal(&h.inc().id.clone());
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
    let made = h.fleet.sim.lock().expect("sim").silences.clone();
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
    let mut h = Harness::new("rb-failback", 48, "calm", 5).await;
    // The pair was failed over earlier (outside this console's history).
    h.fleet
        .sim
        .lock()
        .expect("sim")
        .failover("acct-1004")
        .expect("failover");
    h.refresh();
    h.start("pair-failback", &Target::Pair("acct-1004".into()));
    let done = h.run_to_end().await;
    assert_eq!(done, all_steps(&h, "pair-failback"));
    assert_eq!(
        h.app.model.pair("acct-1004").map(|p| p.primary.id.clone()),
        Some("gw-1004-a".into()),
        "back on the original primary"
    );
    assert!(
        !h.fleet.sim.lock().expect("sim").automation_paused,
        "automation resumed"
    );
    // Flapping protection: promoting the same pair right after is refused
    // by the cooldown rule, which only a typed reason passes.
    let checks =
        baton::wizard::rules::promotion(&h.app.wizard.rules_ctx(&h.app.model), "acct-1004", None);
    let cooldown = checks
        .iter()
        .find(|c| c.rule == "cooldown")
        .expect("cooldown rule");
    assert_eq!(cooldown.level, baton::wizard::rules::Level::Soft);
    assert!(cooldown.fact.contains("< cooldown 5m"), "{cooldown:?}");
    // ...and the pair's detail says so before anyone tries.
    h.app.view.overlay = Some(baton::app::Overlay::Detail("acct-1004".into()));
    let mut term =
        ratatui::Terminal::new(ratatui::backend::TestBackend::new(120, 36)).expect("term");
    term.draw(|f| baton::ui::draw(f, &h.app)).expect("draw");
    let screen = term.backend().to_string();
    assert!(
        screen.contains("cooldown until") && screen.contains("1 of 5 today"),
        "{screen}"
    );
    h.app.view.overlay = None;

    // Seed 003 on another pair, crashed for the occasion.
    h.fleet.sim.lock().expect("sim").take_down("gw-1007-a");
    h.advance(1);
    h.start("service-incident", &Target::Pair("acct-1007".into()));
    let done = h.run_to_end().await;
    assert_eq!(done, all_steps(&h, "service-incident"));
    let j = h.journal(&h.inc().id.clone());
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

#[tokio::test]
async fn bulk_failover_of_a_provider_over_120_pairs_never_exceeds_max_concurrent() {
    // 360 pairs: aws runs the primaries of eu-west-1 and us-east-1 (240);
    // eu-west-1's standbys are on hetzner (fail over), us-east-1's are on
    // aws in eu-west-1 (escalate: same provider).
    let mut h = Harness::new("rb-bulk", 360, "provider-outage", 60).await;
    h.up_to_the_bulk_step("bulk-failover-provider").await;
    // The whole provider: typed to confirm; a wrong name does nothing.
    h.code(KeyCode::Enter);
    h.text("hetzner");
    h.code(KeyCode::Enter);
    assert!(
        h.inc().current_bulk().is_none(),
        "nothing planned on a wrong name"
    );
    assert!(
        h.app
            .wizard
            .prompt
            .as_ref()
            .and_then(|p| p.error.clone())
            .is_some_and(|e| e.contains("type `aws`")),
        "the prompt says what to type"
    );
    h.code(KeyCode::Esc);
    h.code(KeyCode::Enter);
    h.text("aws");
    h.code(KeyCode::Enter);
    let (planned, escalated) = {
        let b = h.inc().current_bulk().expect("planned");
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
    h.fleet.sim.lock().expect("sim").take_down(&standby);
    for _ in 0..100 {
        h.perform(Vec::new());
        h.settle().await;
        if h.inc()
            .current_bulk()
            .is_some_and(baton::wizard::incident::Bulk::complete)
        {
            break;
        }
    }
    let b = h.inc().current_bulk().expect("bulk").clone();
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
    let r = baton::report::build(&h.inc().entries, Some(&h.inc().runbook), Vec::new());
    assert!(r.recovery.is_some(), "the bulk step is the recovery point");
    assert!(
        r.lag_at_cutover.is_some(),
        "the worst pair's lag at its intent"
    );
    let rest = h.run_to_end().await;
    assert_eq!(rest, ["escalate-design-flaws", "summary", "follow-up-list"]);
    let j = h.journal(&h.inc().id.clone());
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
        .fleet
        .sim
        .lock()
        .expect("sim")
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
async fn bulk_failover_of_a_region() {
    let mut h = Harness::new("rb-bulk-region", 48, "provider-outage", 60).await;
    h.start(
        "bulk-failover-region",
        &Target::Area {
            region: "eu-west-1".into(),
            provider: "aws".into(),
        },
    );
    let done = h.run_to_end().await;
    assert_eq!(done, all_steps(&h, "bulk-failover-region"));
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
    let mut h = Harness::new("rb-planned", 48, "calm", 5).await;
    let region = Target::Area {
        region: "eu-central-1".into(),
        provider: "hetzner".into(),
    };
    h.start("regional-failover-planned", &region);
    let done = h.run_to_end().await;
    assert_eq!(done, all_steps(&h, "regional-failover-planned"));
    assert!(
        h.app
            .model
            .pairs
            .iter()
            .all(|p| p.primary.region != "eu-central-1"),
        "no primary left in the region"
    );
    let j = h.journal(&h.inc().id.clone());
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
    assert_eq!(h.inc().runbook.id, "post-failover-followup");
    let t0 = h.inc().started;
    // Nothing is due at the start but the immediate horizon; after the
    // immediate checks, the 1-hour ones are due 15 min after the start,
    // and a console started then says so.
    assert_eq!(
        baton::wizard::machine::due_reminder(&h.app.wizard, h.app.model.now),
        None
    );
    let done = h.run_to_end().await;
    assert_eq!(done, all_steps(&h, "post-failover-followup"));
    assert!(h.app.model.now >= t0 + chrono::Duration::hours(24));
    let j = h.journal(&h.inc().id.clone());
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
    let mut h = Harness::new("rb-emergency", 48, "provider-outage", 60).await;
    h.start(
        "regional-failover-emergency",
        &Target::Area {
            region: "eu-west-1".into(),
            provider: "aws".into(),
        },
    );
    let done = h.run_to_end().await;
    assert_eq!(done, all_steps(&h, "regional-failover-emergency"));
    let j = h.journal(&h.inc().id.clone());
    let intent = j
        .iter()
        .find(|l| l["step"] == "promote-dr" && l["event"] == "action_intent")
        .expect("intent");
    assert!(
        intent["details"]["lag"].is_number(),
        "the area's lag at cutover"
    );
}

#[tokio::test]
async fn dr_drill_runs_nothing_real_and_says_drill() {
    let mut h = Harness::new("rb-drill", 48, "calm", 5).await;
    h.start(
        "dr-drill",
        &Target::Area {
            region: "eu-central-1".into(),
            provider: "hetzner".into(),
        },
    );
    assert!(h.inc().drill, "a drill runbook is always a drill");
    let done = h.run_to_end().await;
    assert_eq!(done, all_steps(&h, "dr-drill"));
    let j = h.journal(&h.inc().id.clone());
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
        &h.inc().entries,
        Some(&h.inc().runbook),
        Vec::new(),
    ));
    assert!(report.contains("DRILL"), "{report}");
    assert!(report.contains("| Area | eu-central-1 |"), "{report}");
}

#[test]
fn a_console_started_after_a_horizon_came_due_says_so() {
    let mut app = baton::demo::fixture::app(48, "calm", 5, "default");
    let rb = app
        .wizard
        .runbooks
        .iter()
        .find(|r| r.id == "post-failover-followup")
        .cloned()
        .expect("shipped");
    let t0 = app.model.now - chrono::Duration::minutes(20);
    let mut inc = Incident::new(
        "FUP-x",
        rb,
        None,
        baton::wizard::incident::Operator::default(),
        false,
        t0,
    );
    inc.phase = 1; // the immediate checks are done
    app.wizard.incidents.push(inc.clone());
    let text = baton::wizard::machine::due_reminder(&app.wizard, app.model.now).expect("due");
    assert!(
        text.contains("Short-term (within 1 hour)") && text.contains("due since"),
        "{text}"
    );
    // The title bar counts it (no RTO clock: it runs for days).
    let title = |app: &App| {
        let mut term =
            ratatui::Terminal::new(ratatui::backend::TestBackend::new(120, 36)).expect("term");
        term.draw(|f| baton::ui::draw(f, app)).expect("draw");
        term.backend()
            .to_string()
            .lines()
            .next()
            .unwrap_or_default()
            .to_string()
    };
    let line = title(&app);
    assert!(
        line.contains("☐ 1 follow-up due") && !line.contains('⇄'),
        "{line}"
    );
    assert_eq!(
        app.wizard.incidents[0].timers(app.model.now)[0].label,
        "elapsed",
        "no RTO to show"
    );
    // The 24-hour horizon is not due 20 minutes in.
    app.wizard.incidents[0].phase = 2;
    assert_eq!(
        baton::wizard::machine::due_reminder(&app.wizard, app.model.now),
        None
    );
    let line = title(&app);
    assert!(
        line.contains("☐ 1 follow-up") && !line.contains("due"),
        "{line}"
    );
}

#[tokio::test]
async fn a_bulk_step_cut_short_resumes_paused_and_never_reruns_what_ran() {
    let mut h = Harness::new("rb-bulk-cut", 360, "provider-outage", 60).await;
    h.up_to_the_bulk_step("bulk-failover-region").await;
    // Plan and launch the first batch; the session "ends" before any result.
    h.code(KeyCode::Enter);
    h.text("eu-west-1");
    h.code(KeyCode::Enter);
    let id = h.inc().id.clone();
    let (entries, _) = baton::effects::journal::read(&baton::effects::journal::path_of(
        &h.dir.join("journal"),
        &id,
    ))
    .expect("journal");
    let started: Vec<String> = entries
        .iter()
        .filter_map(|e| match &e.event {
            baton::wizard::incident::Event::BulkIntent { pair, .. } => Some(pair.clone()),
            _ => None,
        })
        .collect();
    assert!(!started.is_empty(), "a batch was launched");
    let rb = Arc::clone(&h.inc().runbook);
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
    assert!(matches!(
        ev.as_slice(),
        [baton::wizard::incident::Event::BulkResumed]
    ));
    // The report lists them for follow-up.
    let r = baton::report::build(&entries, Some(&resumed.runbook), Vec::new());
    assert_eq!(r.bulk[0].failed.len(), started.len());
    assert!(r.bulk[0].failed[0].1.contains("OUTCOME UNKNOWN"));
    h.settle().await;
}

#[test]
fn f_on_a_regions_row_offers_the_area_runbooks() {
    use baton::keymap::Action;
    let mut app = baton::demo::fixture::app(48, "provider-outage", 40, "default");
    app.update(Action::PaneRegions);
    let row = app
        .model
        .regions
        .iter()
        .position(|r| r.region == "eu-west-1")
        .expect("row");
    app.view.region_selected = row;
    assert!(app.update(Action::Failover).is_empty());
    let Some((target, _)) = app.wizard.chooser.clone() else {
        panic!("no chooser: {:?}", app.notice)
    };
    assert_eq!(
        target,
        Target::Area {
            region: "eu-west-1".into(),
            provider: "aws".into()
        }
    );
    let offered: Vec<String> = app
        .wizard
        .runbooks_for(&target, &app.model)
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
    let for_pair = app
        .wizard
        .runbooks_for(&Target::Pair("acct-1003".into()), &app.model);
    assert_eq!(for_pair[0].id, "pair-failover");
    assert_eq!(
        for_pair.last().map(|r| r.id.as_str()),
        Some("pair-followup")
    );
    let fx = app.handle_key(KeyEvent::from(KeyCode::Enter));
    let Some(Effect::Start { incident, entry }) = fx.first() else {
        panic!("{fx:?}")
    };
    assert_eq!(incident.runbook.id, offered[0]);
    assert!(incident.pair.is_none());
    assert_eq!(
        incident.area.as_ref().and_then(|a| a.region.as_deref()),
        Some("eu-west-1")
    );
    assert!(
        matches!(&entry.event, baton::wizard::incident::Event::Started { region: Some(r), .. } if r == "eu-west-1")
    );
}
