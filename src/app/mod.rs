//! The application: one owner of state, keys turned into actions through
//! the keymap, `update` returning effects, and the event loop.

pub mod bulk;
pub mod composer;
pub mod follow;
mod perform;
mod run;
pub mod silence_form;
pub mod wizard_ops;

pub use perform::perform;
pub mod tui;
pub mod view;

use crossterm::event::{KeyCode, KeyEvent};

pub use run::{RunOptions, run};
pub use view::{Overlay, Pane, SortKey, View};

use crate::keymap::{Action, Key, Keymap, Layer};
use crate::state::{Model, PairState};
use crate::theme::Theme;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Operator,
    Watch,
    Demo,
}

impl Mode {
    pub fn label(self) -> &'static str {
        match self {
            Self::Operator => "OPERATOR",
            Self::Watch => "WATCH",
            Self::Demo => "DEMO",
        }
    }
}

/// What `update` asks the outside world to do. Only the executor carries
/// them out (`perform`).
#[derive(Debug, Clone)]
pub enum Effect {
    Quit,
    Silence(crate::effects::SilenceRequest),
    /// Take the pair's lock and journal the start; then the incident opens.
    Start {
        incident: Box<crate::wizard::incident::Incident>,
        entry: crate::wizard::incident::Entry,
    },
    /// Journal (fsync) these entries; then they are applied.
    Journal {
        entries: Vec<crate::wizard::incident::Entry>,
    },
    /// Journal the intent, then run the action.
    RunAction {
        plan: crate::wizard::decide::ActionPlan,
        intent: crate::wizard::incident::Entry,
    },
    /// Lock, journal the intents, then run one batch of a bulk step.
    RunBulk {
        plans: Vec<(String, crate::wizard::decide::ActionPlan)>,
        intents: Vec<crate::wizard::incident::Entry>,
    },
    /// Create the silence of a `silence` step.
    SilenceStep {
        incident: String,
        step: String,
        request: crate::effects::SilenceRequest,
    },
    /// Ask a probe wait's endpoints once more (reading only).
    Probe {
        incident: String,
        step: String,
        urls: Vec<(String, String)>,
    },
    /// Release the pair lock of a closed or aborted incident.
    Release {
        incident: String,
    },
    /// Put text on the user's clipboard through the terminal (OSC 52).
    Copy(String),
    /// Send a notification; its outcome is journaled when it comes back.
    Notify(Box<crate::effects::notify::Send>),
}

/// A message for the operator in the status bar, for a few seconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub text: String,
    pub error: bool,
    pub at: chrono::DateTime<chrono::Utc>,
}

pub struct App {
    pub model: Model,
    pub view: View,
    pub keymap: Keymap,
    pub theme: Theme,
    pub mode: Mode,
    /// Watch mode or `--read-only`: this console can look, never act.
    pub read_only: bool,
    /// `user@host` of the person at this console.
    pub operator: String,
    /// Scenario name when running the demo.
    pub scenario: Option<String>,
    pub notice: Option<Notice>,
    pub silence_form: Option<silence_form::SilenceForm>,
    pub runbooks: Vec<std::sync::Arc<crate::wizard::runbook::Runbook>>,
    pub templates: std::sync::Arc<crate::wizard::templates::Templates>,
    pub incidents: Vec<crate::wizard::incident::Incident>,
    pub incident_focus: usize,
    pub prompt: Option<wizard_ops::Prompt>,
    /// Notification drafts by (incident, step): kept until sent, so a
    /// failed send or a closed editor loses nothing.
    pub drafts: std::collections::HashMap<(String, String), composer::Composer>,
    /// The draft of the focused incident's current step is open.
    pub composing: bool,
    /// Probe rounds asked and not yet answered, by incident.
    pub probing: std::collections::HashSet<String>,
    /// Choosing a runbook for a pair: (pair, highlighted row).
    pub chooser: Option<(wizard_ops::Target, usize)>,
    /// Drill mode: actions run their `dry_run` variant; marked DRILL.
    pub drill: bool,
    /// Journal entries of past incidents (cooldown, per-day limits).
    pub history: Vec<crate::wizard::incident::Entry>,
}

impl App {
    pub fn new(model: Model, keymap: Keymap, theme: Theme, mode: Mode) -> Self {
        let mut view = View::default();
        view.refresh(&model, true);
        let keymap = if mode == Mode::Watch {
            keymap.read_only()
        } else {
            keymap
        };
        Self {
            model,
            view,
            keymap,
            theme,
            read_only: mode == Mode::Watch,
            mode,
            operator: operator_name(),
            scenario: None,
            notice: None,
            silence_form: None,
            runbooks: Vec::new(),
            templates: std::sync::Arc::default(),
            incidents: Vec::new(),
            incident_focus: 0,
            prompt: None,
            drafts: std::collections::HashMap::new(),
            composing: false,
            probing: std::collections::HashSet::new(),
            chooser: None,
            drill: false,
            history: Vec::new(),
        }
    }

    /// The mouse, when enabled: the wheel moves like the arrows, a click on
    /// a Pairs row selects it.
    pub fn mouse(&mut self, m: crossterm::event::MouseEvent) {
        use crossterm::event::{MouseButton, MouseEventKind};
        match m.kind {
            MouseEventKind::ScrollDown => {
                self.update(Action::Down);
            }
            MouseEventKind::ScrollUp => {
                self.update(Action::Up);
            }
            MouseEventKind::Down(MouseButton::Left)
                if self.view.overlay.is_none() && !self.view.wizard =>
            {
                let r = self.view.pairs_rows.get();
                if m.column >= r.x
                    && m.column < r.x + r.width
                    && m.row >= r.y
                    && m.row < r.y + r.height
                {
                    let pos = self.view.pairs_offset.get() + usize::from(m.row - r.y);
                    if pos < self.view.rows.len() {
                        self.view.focus = Pane::Pairs;
                        self.view.select(pos, &self.model);
                    }
                }
            }
            _ => {}
        }
    }

    /// Makes this console read-only: the executor will refuse, and the
    /// bindings of actions that change things are dropped.
    pub fn set_read_only(&mut self) {
        self.read_only = true;
        self.keymap = std::mem::take(&mut self.keymap).read_only();
    }

    /// Re-derives view rows after the model changed.
    pub fn refresh(&mut self) {
        self.view.refresh(&self.model, false);
    }

    /// The layer that receives keys now.
    pub fn layer(&self) -> Layer {
        if self.view.overlay.is_some() {
            Layer::Overlay
        } else if self.view.wizard && !self.incidents.is_empty() {
            Layer::Wizard
        } else {
            Layer::Dashboard
        }
    }

    /// A key press: the filter editor gets raw keys first, then the
    /// keymap of the current layer, then the global keymap.
    pub fn handle_key(&mut self, ev: KeyEvent) -> Vec<Effect> {
        // ctrl-c (or whatever quits globally) works even inside a form.
        if self.keymap.lookup(Layer::Global, Key::from_event(&ev)) == Some(Action::Quit)
            && (self.silence_form.is_some()
                || self.view.filter_input.is_some()
                || self.prompt.is_some()
                || self.composing)
        {
            return vec![Effect::Quit];
        }
        if self.prompt.is_some() {
            return self.prompt_key(ev);
        }
        if self.composing && self.view.overlay.is_none() {
            return self.composer_key(ev);
        }
        if self.chooser.is_some() {
            return self.chooser_key(ev);
        }
        if let Some(form) = self.silence_form.as_mut() {
            return match form.key(ev) {
                silence_form::FormResult::Continue => Vec::new(),
                silence_form::FormResult::Cancel => {
                    self.silence_form = None;
                    Vec::new()
                }
                silence_form::FormResult::Submit(req) => {
                    self.silence_form = None;
                    self.say("creating the silence…", false);
                    vec![Effect::Silence(req)]
                }
            };
        }
        if let Some(input) = self.view.filter_input.as_mut() {
            match ev.code {
                KeyCode::Esc => self.view.cancel_filter(),
                KeyCode::Enter => self.view.filter_input = None,
                _ => {
                    input.input(ev);
                }
            }
            self.view.sync_filter();
            self.view.refresh(&self.model, true);
            return Vec::new();
        }
        let layer = self.layer();
        match self.keymap.lookup(layer, Key::from_event(&ev)) {
            Some(Action::Quit) => vec![Effect::Quit],
            Some(Action::Copy) if layer == Layer::Wizard => self.copy_from_wizard(),
            Some(a @ (Action::Help | Action::Timeline | Action::Report | Action::Sources))
                if layer == Layer::Wizard =>
            {
                self.update(a)
            }
            Some(action) if layer == Layer::Wizard => self.wizard_action(action),
            Some(action) => self.update(action),
            None => Vec::new(),
        }
    }

    /// Applies one action; pure apart from the returned effects.
    pub fn update(&mut self, action: Action) -> Vec<Effect> {
        let v = &mut self.view;
        let page = v.page_rows.get().max(1);
        if v.overlay.is_some() {
            match action {
                Action::Close => v.overlay = None,
                Action::Help => {
                    v.overlay = if v.overlay == Some(Overlay::Help) {
                        None
                    } else {
                        Some(Overlay::Help)
                    }
                }
                Action::Up => v.overlay_scroll = v.overlay_scroll.saturating_sub(1),
                Action::Down => v.overlay_scroll += 1,
                Action::PageUp => v.overlay_scroll = v.overlay_scroll.saturating_sub(page),
                Action::PageDown => v.overlay_scroll += page,
                Action::Quit => return vec![Effect::Quit],
                _ => {}
            }
            return Vec::new();
        }
        match action {
            Action::Quit => return vec![Effect::Quit],
            Action::Help => self.open(Overlay::Help),
            Action::Sources => self.open(Overlay::Sources),
            Action::Close => {}
            Action::NextPane => v.focus = v.focus.next(),
            Action::PrevPane => v.focus = v.focus.prev(),
            Action::PanePairs => v.focus = Pane::Pairs,
            Action::PaneRegions => v.focus = Pane::Regions,
            Action::PaneLag => v.focus = Pane::Lag,
            Action::PaneAlerts => v.focus = Pane::Alerts,
            Action::Zoom => v.zoomed = !v.zoomed,
            Action::Up => self.move_by(-1),
            Action::Down => self.move_by(1),
            Action::PageUp => self.move_by(-(page as isize)),
            Action::PageDown => self.move_by(page as isize),
            Action::Top => self.move_by(isize::MIN / 2),
            Action::Bottom => self.move_by(isize::MAX / 2),
            Action::Filter => {
                v.focus = Pane::Pairs;
                v.start_filter();
            }
            Action::ClearFilter => {
                if !v.filter.is_empty() {
                    v.filter.clear();
                    v.refresh(&self.model, true);
                }
            }
            Action::Sort => {
                v.sort = v.sort.next();
                v.refresh(&self.model, true);
            }
            Action::ReverseSort => {
                v.reverse = !v.reverse;
                v.refresh(&self.model, true);
            }
            Action::NextCritical => self.next_not_ok(),
            Action::Open => {
                if let Some(p) = self.view.selected_pair(&self.model) {
                    let id = p.id.clone();
                    self.open(Overlay::Detail(id));
                }
            }
            Action::Failover => return self.start_failover(),
            Action::Copy => {
                if let Some(p) = self.view.selected_pair(&self.model) {
                    let id = p.id.clone();
                    self.say(format!("copied {id} to the clipboard (OSC 52)"), false);
                    return vec![Effect::Copy(id)];
                }
            }
            Action::Report => {
                if self.incidents.is_empty() {
                    self.say("no incident to report on", true);
                } else {
                    self.open(Overlay::Report);
                }
            }
            Action::Timeline => {
                if self.incidents.is_empty() {
                    self.say("no incident to show", true);
                } else {
                    self.open(Overlay::Timeline);
                }
            }
            Action::Wizard => {
                if self.incidents.is_empty() {
                    self.say(
                        "no incident is open: select a pair and start a failover",
                        true,
                    );
                } else {
                    self.view.wizard = true;
                }
            }
            Action::Confirm
            | Action::Override
            | Action::VerifyOk
            | Action::VerifyFailed
            | Action::Abort
            | Action::CloseIncident
            | Action::NextIncident => {}
            Action::Silence | Action::Acknowledge if self.view.focus != Pane::Alerts => {
                self.say("select an alert in the Alerts pane first", true);
            }
            Action::Silence => {
                let Some(alert) = self.model.alerts.get(self.view.alert_selected) else {
                    return Vec::new();
                };
                if self.read_only {
                    self.say(
                        "read-only console: silences can only be created from an operator console",
                        true,
                    );
                    return Vec::new();
                }
                match silence_form::SilenceForm::new(alert) {
                    Ok(f) => self.silence_form = Some(f),
                    Err(e) => self.say(e, true),
                }
            }
            Action::Acknowledge => {
                if let Some(a) = self.model.alerts.get(self.view.alert_selected) {
                    let key = a.key.clone();
                    self.model.acknowledge(&key);
                }
            }
        }
        Vec::new()
    }

    /// Shows a message in the status bar for a few seconds.
    pub fn say(&mut self, text: impl Into<String>, error: bool) {
        self.notice = Some(Notice {
            text: text.into(),
            error,
            at: self.model.now,
        });
    }

    fn open(&mut self, o: Overlay) {
        self.view.overlay = Some(o);
        self.view.overlay_scroll = 0;
    }

    fn move_by(&mut self, delta: isize) {
        let v = &mut self.view;
        let step = |cur: usize, len: usize| -> usize {
            if len == 0 {
                return 0;
            }
            cur.saturating_add_signed(delta).min(len - 1)
        };
        match v.focus {
            Pane::Pairs | Pane::Lag => {
                let pos = step(v.selected, v.rows.len());
                v.select(pos, &self.model);
            }
            Pane::Alerts => v.alert_selected = step(v.alert_selected, self.model.alerts.len()),
            Pane::Regions => v.region_selected = step(v.region_selected, self.model.regions.len()),
        }
    }

    fn next_not_ok(&mut self) {
        let v = &mut self.view;
        let n = v.rows.len();
        let pairs = &self.model.pairs;
        if let Some(pos) = (1..=n).map(|k| (v.selected + k) % n.max(1)).find(|&i| {
            v.rows
                .get(i)
                .is_some_and(|&p| pairs[p].state != PairState::Ok)
        }) {
            v.focus = Pane::Pairs;
            v.select(pos, &self.model);
        }
    }
}

/// `user@host`, from the environment, for the title bar and (later) the journal.
pub fn operator_name() -> String {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "unknown".into());
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map_or_else(|_| "localhost".into(), |h| h.trim().to_string());
    format!("{user}@{host}")
}
