//! The console without a terminal or an executor: the demo fleet stepped
//! by the test's fake clock, keys and clock advances from the fuzzer, and
//! an in-memory executor that applies what the real one would journal and
//! answers actions, notifications and silences with made-up outcomes.

use std::sync::{Arc, OnceLock};

use baton::app::{App, Effect, Mode};

use crate::common::wizard;
use baton::config::Config;
use baton::demo::Sim;
use baton::effects::Feedback;
use baton::keymap::{Action, Keymap};

use baton::state::Model;
use baton::theme::Theme;
use baton::wizard::Input;
use baton::wizard::incident::{ActionState, Event};
use baton::wizard::runbook::Runbook;
use baton::wizard::templates::Templates;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use proptest::prelude::*;
use proptest::sample::select;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

/// The demo config, runbooks and templates: loaded once, shared by cases.
pub struct Shipped {
    pub config: Arc<Config>,
    pub templates: Arc<Templates>,
    pub runbooks: Vec<Arc<Runbook>>,
}

pub fn shipped() -> &'static Shipped {
    static S: OnceLock<Shipped> = OnceLock::new();
    S.get_or_init(|| {
        // Port 1 on loopback: nothing is ever sent (no real executor).
        let config = baton::demo::config(std::net::SocketAddr::from(([127, 0, 0, 1], 1)));
        let (templates, _) = baton::config::templates::load_all(&config, None);
        let (runbooks, _) = baton::config::runbooks::load_all(&config, None, &templates);
        Shipped {
            config: Arc::new(config),
            templates: Arc::new(templates),
            runbooks: runbooks.into_iter().map(Arc::new).collect(),
        }
    })
}

/// Shipped keymaps and theme, parsed once: parsing them per case would
/// cost more than the case.
pub struct Looks {
    default: Keymap,
    vim: Keymap,
    pub theme: Theme,
}

impl Looks {
    pub fn keymap(&self, name: &str) -> Keymap {
        if name == "vim" {
            self.vim.clone()
        } else {
            self.default.clone()
        }
    }
}

pub fn looks() -> &'static Looks {
    static L: OnceLock<Looks> = OnceLock::new();
    L.get_or_init(|| Looks {
        default: Keymap::builtin("default").unwrap_or_default(),
        vim: Keymap::builtin("vim").unwrap_or_default(),
        theme: Theme::builtin("default").unwrap_or_else(Theme::plain),
    })
}

/// A console on a simulated fleet, with the sim kept to step it.
pub struct Console {
    pub app: App,
    pub sim: Sim,
    /// Effects that report back later: answered by `Op::Answer`.
    pending: Vec<Effect>,
}

pub const SCENARIOS: &[&str] = &[
    "mixed",
    "primary-crash",
    "standby-degraded",
    "lag-spike",
    "provider-outage",
    "flapping",
    "calm",
];

impl Console {
    pub fn new(pairs: usize, scenario: &str, steps: u64, mode: Mode, keymap: &str) -> Self {
        let s = shipped();
        let start = baton::demo::fixture::clock() - chrono::Duration::seconds(steps as i64);
        let mut model = Model::new(Arc::clone(&s.config), start);
        let mut sim = Sim::new(pairs, scenario, 0x5eed_ba70);
        for _ in 0..steps {
            sim.step();
            model.now += chrono::Duration::seconds(1);
            feed(&mut model, &sim);
        }
        let mut app = crate::common::Harness::builder("fuzz")
            .model(model)
            .keymap(looks().keymap(keymap))
            .theme(looks().theme.clone())
            .mode(mode)
            .operator("fuzz@bastion")
            .runbooks(s.runbooks.clone())
            .templates(Arc::clone(&s.templates))
            .app();
        app.refresh();
        Self {
            app,
            sim,
            pending: Vec::new(),
        }
    }

    /// The fake clock moves on; the fleet is polled as the source would.
    pub fn advance(&mut self, secs: i64) {
        for _ in 0..secs.clamp(0, 30) {
            self.sim.step();
        }
        if let Some(t) = self
            .app
            .model
            .now
            .checked_add_signed(chrono::Duration::seconds(secs))
        {
            self.app.model.now = t;
        }
        feed(&mut self.app.model, &self.sim);
        self.app.refresh();
        let fx = self.app.wizard_input(baton::wizard::Input::Tick);
        self.perform(fx);
    }

    pub fn key(&mut self, ev: KeyEvent) {
        let fx = self.app.handle_key(ev);
        self.perform(fx);
    }

    pub fn text(&mut self, s: &str) {
        for c in s.chars() {
            self.key(KeyEvent::from(KeyCode::Char(c)));
        }
    }

    /// The name a confirmation prompt asks for: the pair id, or the area.
    pub fn target_name(&self) -> String {
        let Some(inc) = self.app.wizard.focused() else {
            return self
                .app
                .view
                .selected_pair(&self.app.model)
                .map(|p| p.id.clone())
                .unwrap_or_default();
        };
        inc.pair.clone().unwrap_or_else(|| {
            inc.area
                .as_ref()
                .and_then(|a| a.region.clone().or_else(|| a.provider.clone()))
                .unwrap_or_default()
        })
    }

    /// What the executor would do, without any IO: journaled effects are
    /// applied, the others wait for an answer.
    pub fn perform(&mut self, effects: Vec<Effect>) {
        let mut queue = effects;
        for _ in 0..64 {
            if queue.is_empty() {
                break;
            }
            let mut next = Vec::new();
            for e in std::mem::take(&mut queue) {
                // Whatever path asked for it (a key, a clock tick, an
                // answer), a read-only console never gets this far.
                assert!(
                    !self.app.read_only || !mutating(&e),
                    "a read-only console asked for {e:?}"
                );
                let done = match e {
                    Effect::Start { incident, entry } => Some(Input::Started {
                        incident,
                        entry,
                        keep_focus: self.app.view.overlay.is_some(),
                    }),
                    Effect::Journal { entries } => Some(Input::Journaled(entries)),
                    Effect::TakeOver {
                        incident, entry, ..
                    } => Some(Input::Started {
                        incident,
                        entry,
                        keep_focus: false,
                    }),
                    Effect::RunAction { ref intent, .. } => {
                        let done = Input::Journaled(vec![intent.clone()]);
                        self.pending.push(e);
                        Some(done)
                    }
                    Effect::RunBulk { ref intents, .. } => {
                        let done = Input::Journaled(intents.clone());
                        self.pending.push(e);
                        Some(done)
                    }
                    Effect::Notify(_) | Effect::SilenceStep { .. } => {
                        self.pending.push(e);
                        None
                    }
                    Effect::Quit
                    | Effect::Silence(_)
                    | Effect::Probe { .. }
                    | Effect::Release { .. }
                    | Effect::Copy(_)
                    | Effect::Schedule(_)
                    | Effect::Notice { .. }
                    | Effect::ShowWizard(_)
                    | Effect::ShowReport => None,
                };
                if let Some(input) = done {
                    next.extend(self.app.wizard_input(input));
                }
            }
            queue = next;
            queue.extend(self.app.wizard_input(Input::Tick));
        }
    }

    /// The oldest pending effect reports back, `ok` or not.
    pub fn answer(&mut self, ok: bool) {
        if self.pending.is_empty() {
            return;
        }
        let e = self.pending.remove(0);
        let now = self.app.model.now;
        let fx = match e {
            Effect::RunAction { plan, .. } => {
                if ok {
                    self.control_plane(&plan.run);
                }
                self.app.feedback(Feedback::ActionDone {
                    incident: plan.incident.clone(),
                    step: plan.step.clone(),
                    event: if ok {
                        Event::ActionResult {
                            ok: true,
                            status: "HTTP 200".into(),
                            output: "{\"status\":\"ok\"}".into(),
                            millis: 120,
                        }
                    } else {
                        Event::ActionUnknown {
                            reason: "timed out after 30s".into(),
                        }
                    },
                })
            }
            Effect::RunBulk { plans, .. } => {
                let mut fx = Vec::new();
                for (pair, plan) in plans {
                    if ok {
                        self.control_plane(&plan.run);
                    }
                    fx.extend(self.app.feedback(Feedback::BulkDone {
                        incident: plan.incident.clone(),
                        pair: pair.clone(),
                        event: Event::BulkResult {
                            pair,
                            ok,
                            status: if ok { "HTTP 200" } else { "HTTP 409" }.into(),
                            millis: 80,
                        },
                    }));
                }
                fx
            }
            Effect::Notify(send) => {
                let result = if ok {
                    Ok("HTTP 200".to_string())
                } else {
                    Err("HTTP 500".to_string())
                };
                let event =
                    baton::effects::notify::outcome(&send, std::time::Instant::now(), result);
                self.app.feedback(Feedback::NotifyDone {
                    incident: send.incident.clone(),
                    step: send.step.clone(),
                    event,
                })
            }
            Effect::SilenceStep {
                incident,
                step,
                request,
            } => self.app.feedback(Feedback::SilenceDone {
                incident,
                step,
                source: "alertmanager".into(),
                request,
                result: if ok {
                    Ok(format!("silence-{}", now.timestamp()))
                } else {
                    Err("HTTP 400".into())
                },
            }),
            _ => Vec::new(),
        };
        self.perform(fx);
    }

    /// What the demo's control plane does for a request that succeeded
    /// (the routes of `baton::demo`): the fleet changes as it would.
    fn control_plane(&mut self, run: &baton::wizard::decide::Run) {
        let baton::wizard::decide::Run::Http { url, .. } = run else {
            return;
        };
        let parts: Vec<&str> = url.trim_end_matches('/').rsplit('/').take(3).collect();
        match parts.as_slice() {
            ["failover", id, "pairs"] => {
                let _ = self.sim.failover(id);
            }
            ["reprovision", id, "pairs"] => {
                let _ = self.sim.reprovision(id);
            }
            ["failover", id, "regions"] => {
                let _ = self.sim.failover_region(id);
            }
            _ => {}
        }
    }

    pub fn draw(&self, w: u16, h: u16) -> String {
        let Ok(mut term) = Terminal::new(TestBackend::new(w, h));
        if let Err(e) = term.draw(|f| baton::ui::draw(f, &self.app)) {
            panic!("draw {w}x{h}: {e}");
        }
        term.backend().to_string()
    }

    /// Does the right thing for the focused incident's current step (the
    /// way an operator would), to reach deep states and write a journal.
    pub fn drive(&mut self) {
        if wizard::prompt(&self.app).is_some() {
            let name = self.target_name();
            let typed = match wizard::prompt(&self.app).map(|p| p.purpose) {
                Some(
                    baton::wizard::machine::Purpose::TypePairId
                    | baton::wizard::machine::Purpose::TypeArea,
                ) => name,
                _ => "fuzzing the console".into(),
            };
            self.text(&typed);
            self.key(KeyEvent::from(KeyCode::Enter));
            return;
        }
        if wizard::composing(&self.app) {
            self.key(KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL));
            self.answer(true);
            return;
        }
        let running = self
            .app
            .wizard
            .focused()
            .is_some_and(|i| matches!(i.action, ActionState::Running { .. }));
        if running || !self.pending.is_empty() {
            self.answer(true);
            return;
        }
        if wizard::chooser(&self.app).is_some() || self.app.view.overlay.is_some() {
            self.key(KeyEvent::from(KeyCode::Enter));
            if self.app.view.overlay.is_some() {
                self.key(KeyEvent::from(KeyCode::Esc));
            }
            return;
        }
        let finished = self
            .app
            .wizard
            .focused()
            .is_some_and(|i| i.is_open() && i.finished());
        if finished {
            self.key(KeyEvent::from(KeyCode::Char('c')));
        } else {
            self.key(KeyEvent::from(KeyCode::Enter));
        }
        self.advance(1);
    }
}

/// Effects that change something outside the console.
pub fn mutating(e: &Effect) -> bool {
    !e.is_view() && !matches!(e, Effect::Quit | Effect::Copy(_) | Effect::Probe { .. })
}

/// One poll of the demo fleet and its Alertmanager, at the model's time.
pub fn feed(model: &mut Model, sim: &Sim) {
    let at = model.now;
    baton::demo::fixture::feed(model, sim, at);
}

/// What the fuzzer does to a console.
#[derive(Debug, Clone)]
pub enum Op {
    Key(KeyCode, KeyModifiers),
    /// A named action, straight into `update` or the wizard: past the
    /// keymap, as a stray binding would.
    Action(usize, bool),
    /// Types the pair id (or area) a confirmation asks for.
    TypeTarget,
    Text(&'static str),
    Advance(i64),
    Answer(bool),
    Drive(u8),
    Draw(u16, u16),
    Resize,
}

const TEXTS: &[&str] = &[
    "acct-1003",
    "eu-west-1",
    "aws",
    "a reason given by the operator",
    "x",
    "",
    "\u{1b}[2J\u{1b}]52;c;aGk=\u{7}",
    "é🙂\u{202e}",
    "\t\r\n",
];

const CODES: &[KeyCode] = &[
    KeyCode::Enter,
    KeyCode::Esc,
    KeyCode::Tab,
    KeyCode::BackTab,
    KeyCode::Backspace,
    KeyCode::Delete,
    KeyCode::Up,
    KeyCode::Down,
    KeyCode::Left,
    KeyCode::Right,
    KeyCode::PageUp,
    KeyCode::PageDown,
    KeyCode::Home,
    KeyCode::End,
    KeyCode::F(1),
    KeyCode::F(5),
    KeyCode::Null,
];

fn key_code() -> impl Strategy<Value = KeyCode> {
    prop_oneof![
        3 => select(CODES),
        // The keys the shipped keymaps bind, and then some.
        6 => select("fn/?qjkgGhlcaoxyrtswvXSpPu:1234 ".chars().collect::<Vec<_>>())
            .prop_map(KeyCode::Char),
        1 => any::<char>().prop_map(KeyCode::Char),
    ]
}

fn modifiers() -> impl Strategy<Value = KeyModifiers> {
    prop_oneof![
        8 => Just(KeyModifiers::NONE),
        1 => Just(KeyModifiers::CONTROL),
        1 => Just(KeyModifiers::SHIFT),
        1 => Just(KeyModifiers::ALT),
    ]
}

pub fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        12 => (key_code(), modifiers()).prop_map(|(c, m)| Op::Key(c, m)),
        2 => (0..Action::ALL.len(), any::<bool>()).prop_map(|(a, w)| Op::Action(a, w)),
        2 => Just(Op::TypeTarget),
        1 => select(TEXTS).prop_map(Op::Text),
        3 => prop_oneof![
            4 => 0i64..5,
            2 => 5i64..3_600,
            1 => Just(7 * 24 * 3_600i64),
            1 => Just(-3_600i64),
        ]
        .prop_map(Op::Advance),
        2 => any::<bool>().prop_map(Op::Answer),
        4 => (1u8..12).prop_map(Op::Drive),
        1 => prop_oneof![
            Just((1u16, 1u16)),
            Just((20, 5)),
            Just((80, 24)),
            Just((120, 36)),
            (1u16..260, 1u16..80),
        ]
        .prop_map(|(w, h)| Op::Draw(w, h)),
        1 => Just(Op::Resize),
    ]
}

/// What a console of a kind starts on.
#[derive(Debug, Clone)]
pub struct Start {
    pub pairs: usize,
    pub scenario: &'static str,
    pub steps: u64,
    pub keymap: &'static str,
}

pub fn start() -> impl Strategy<Value = Start> {
    (
        prop_oneof![Just(8usize), Just(48), 1usize..64],
        select(SCENARIOS),
        0u64..40,
        select(&["default", "vim"][..]),
    )
        .prop_map(|(pairs, scenario, steps, keymap)| Start {
            pairs,
            scenario,
            steps,
            keymap,
        })
}

/// Runs `ops` on `c`; `check` after every step sees the effects returned.
pub fn run(c: &mut Console, ops: &[Op], mut check: impl FnMut(&Console, &[Effect])) {
    for op in ops {
        let fx = match op {
            Op::Key(code, mods) => c.app.handle_key(KeyEvent::new(*code, *mods)),
            Op::Action(i, wizard) => {
                let a = Action::ALL[*i % Action::ALL.len()];
                if *wizard {
                    c.app.wizard_input(baton::wizard::Input::Action(a))
                } else {
                    c.app.update(a)
                }
            }
            Op::TypeTarget => {
                let name = c.target_name();
                let mut fx = Vec::new();
                for ch in name.chars() {
                    fx.extend(c.app.handle_key(KeyEvent::from(KeyCode::Char(ch))));
                }
                fx
            }
            Op::Text(t) => {
                let mut fx = Vec::new();
                for ch in t.chars() {
                    fx.extend(c.app.handle_key(KeyEvent::from(KeyCode::Char(ch))));
                }
                fx
            }
            Op::Advance(s) => {
                c.advance(*s);
                Vec::new()
            }
            Op::Answer(ok) => {
                c.answer(*ok);
                Vec::new()
            }
            Op::Drive(n) => {
                for _ in 0..*n {
                    c.drive();
                }
                Vec::new()
            }
            Op::Draw(w, h) => {
                c.draw(*w, *h);
                Vec::new()
            }
            Op::Resize => {
                c.draw(80, 24);
                c.draw(250, 70);
                Vec::new()
            }
        };
        check(c, &fx);
        c.perform(fx);
    }
}
