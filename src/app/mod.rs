//! The application: one owner of state, keys turned into actions through
//! the keymap, `update` returning effects, and the event loop.

pub mod command;
pub mod coordination;
pub mod follow;
mod perform;
mod run;
pub mod silence_form;

pub use perform::perform;
pub mod tui;
pub mod view;
pub mod windows;

use crossterm::event::KeyEvent;

pub use crate::wizard::Effect;
pub use run::{RunOptions, run};
pub use view::{Overlay, Pane, SortKey, View};

use crate::keymap::{Action, Key, Keymap, Layer};
use crate::state::{Model, PairState};
use crate::theme::Theme;
use crate::wizard::incident::Operator;
use crate::wizard::{Input, Target, Wizard};

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
    /// The failover wizard: incidents, prompt, chooser, drafts.
    pub wizard: Wizard,
    /// With `[coordination] kind = "etcd"`: whether this console can act
    /// through it, and what the title bar says.
    pub coord_status: Option<(bool, String)>,
    /// The `:` command line, while it is open.
    pub command: Option<command::CommandLine>,
    /// Commands run, oldest first, and the file they are kept in (none in
    /// tests and fixtures).
    pub command_history: Vec<String>,
    pub command_history_file: Option<std::path::PathBuf>,
    /// When the windows journal was last read (reloaded when it changes).
    pub windows_read: Option<std::time::SystemTime>,
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
        let operator = operator_from_env();
        let mut wizard = Wizard::new(operator.clone());
        wizard.read_only = mode == Mode::Watch;
        wizard.keys = key_hints(&keymap);
        Self {
            model,
            view,
            keymap,
            theme,
            read_only: mode == Mode::Watch,
            mode,
            operator: operator.label(),
            scenario: None,
            notice: None,
            silence_form: None,
            wizard,
            coord_status: None,
            command: None,
            command_history: Vec::new(),
            command_history_file: None,
            windows_read: None,
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
        self.wizard.read_only = true;
        let keymap = std::mem::take(&mut self.keymap).read_only();
        self.set_keymap(keymap);
    }

    /// Loads another keymap: the wizard's messages name its keys too.
    pub fn set_keymap(&mut self, keymap: Keymap) {
        self.wizard.keys = key_hints(&keymap);
        self.keymap = keymap;
    }

    /// Hands an input to the wizard; what it asks of the view happens
    /// here and now, the rest is returned for the executor.
    pub fn wizard_input(&mut self, input: Input) -> Vec<Effect> {
        let fx = self.wizard.handle(input, &self.model, self.model.now);
        self.apply_view(fx)
    }

    /// An effect that finished later reported back.
    pub fn feedback(&mut self, f: crate::effects::Feedback) -> Vec<Effect> {
        self.wizard_input(Input::Feedback(f))
    }

    pub(crate) fn apply_view(&mut self, fx: Vec<Effect>) -> Vec<Effect> {
        let mut out = Vec::new();
        for e in fx {
            match e {
                Effect::Notice { text, error } => self.say(text, error),
                Effect::ShowWizard(on) => self.view.wizard = on,
                Effect::ShowReport => self.open(Overlay::Report),
                other => out.push(other),
            }
        }
        out
    }

    /// Re-derives view rows after the model changed.
    pub fn refresh(&mut self) {
        self.view.refresh(&self.model, false);
    }

    /// The layer that receives keys now (text fields aside).
    pub fn layer(&self) -> Layer {
        if self.view.overlay.is_some() {
            Layer::Overlay
        } else if self.view.wizard && !self.wizard.incidents.is_empty() {
            Layer::Wizard
        } else {
            Layer::Dashboard
        }
    }

    /// The text field or chooser that has the keys, if one is open: its
    /// layer alone applies, and unbound keys are typed.
    pub fn field_layer(&self) -> Option<Layer> {
        if self.wizard.prompt.is_some() {
            Some(Layer::Prompt)
        } else if self.wizard.composing && self.view.overlay.is_none() {
            Some(Layer::Composer)
        } else if self.wizard.chooser.is_some() {
            Some(Layer::Chooser)
        } else if self.silence_form.is_some() {
            Some(Layer::Form)
        } else if self.view.filter_input.is_some() || self.command.is_some() {
            Some(Layer::Prompt)
        } else {
            None
        }
    }

    /// A key press: an open text field gets it first (through its own
    /// layer), then the keymap of the current layer, then the global one.
    pub fn handle_key(&mut self, ev: KeyEvent) -> Vec<Effect> {
        let key = Key::from_event(&ev);
        if let Some(layer) = self.field_layer() {
            // ctrl-c (or whatever quits globally) works even inside a form.
            if self.keymap.lookup(Layer::Global, key) == Some(Action::Quit) {
                return vec![Effect::Quit];
            }
            return self.field_key(layer, ev);
        }
        let layer = self.layer();
        match self.keymap.lookup(layer, key) {
            Some(Action::Quit) => vec![Effect::Quit],
            Some(
                a @ (Action::Help
                | Action::Timeline
                | Action::Report
                | Action::Sources
                | Action::Checks),
            ) if layer == Layer::Wizard => self.update(a),
            Some(action) if layer == Layer::Wizard => self.wizard_input(Input::Action(action)),
            Some(action) => self.update(action),
            None => Vec::new(),
        }
    }

    fn field_key(&mut self, layer: Layer, ev: KeyEvent) -> Vec<Effect> {
        let action = self.keymap.lookup_only(layer, Key::from_event(&ev));
        if layer == Layer::Form
            && let Some(form) = self.silence_form.as_mut()
        {
            let Some(a) = action else {
                form.edit(ev);
                return Vec::new();
            };
            return match form.action(a) {
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
        if layer == Layer::Prompt && self.wizard.prompt.is_none() && self.command.is_some() {
            return self.command_key(action, ev);
        }
        if layer == Layer::Prompt
            && self.wizard.prompt.is_none()
            && let Some(input) = self.view.filter_input.as_mut()
        {
            match action {
                Some(Action::Cancel) => self.view.cancel_filter(),
                Some(Action::Submit) => self.view.filter_input = None,
                Some(_) => {}
                None => {
                    input.input(ev);
                }
            }
            self.view.sync_filter();
            self.view.refresh(&self.model, true);
            return Vec::new();
        }
        match action {
            Some(a) => self.wizard_input(Input::Action(a)),
            // The chooser types nothing.
            None if layer == Layer::Chooser => Vec::new(),
            None => self.wizard_input(Input::Edit(ev)),
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
            Action::Checks => self.open(Overlay::Checks),
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
            Action::Command => self.command = Some(command::CommandLine::default()),
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
            Action::Failover => {
                let target = self.failover_target();
                return self.wizard_input(Input::Failover(target));
            }
            Action::TakeOver => return self.wizard_input(Input::Action(Action::TakeOver)),
            Action::Copy => {
                if let Some(p) = self.view.selected_pair(&self.model) {
                    let id = p.id.clone();
                    self.say(format!("copied {id} to the clipboard (OSC 52)"), false);
                    return vec![Effect::Copy(id)];
                }
            }
            Action::Report => {
                if self.wizard.incidents.is_empty() {
                    self.say("no incident to report on", true);
                } else {
                    self.open(Overlay::Report);
                }
            }
            Action::Timeline => {
                if self.wizard.incidents.is_empty() {
                    self.say("no incident to show", true);
                } else {
                    self.open(Overlay::Timeline);
                }
            }
            Action::Wizard => {
                if self.wizard.incidents.is_empty() {
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
            | Action::NextIncident
            | Action::Submit
            | Action::Cancel
            | Action::Send
            | Action::NextChannel
            | Action::PrevChannel
            | Action::Rerender
            | Action::NextField
            | Action::PrevField => {}
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
                let ack = self.keymap.hint(Layer::Dashboard, Action::Acknowledge);
                match silence_form::SilenceForm::new(alert, &ack) {
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

    /// What `failover` starts on: the selected row of the Regions pane, or
    /// the selected pair with the runbook its config names.
    fn failover_target(&self) -> Option<(Target, Option<String>)> {
        if self.view.focus == Pane::Regions {
            let r = self.model.regions.get(self.view.region_selected)?;
            Some((
                Target::Area {
                    region: r.region.clone(),
                    provider: r.provider.clone(),
                },
                None,
            ))
        } else {
            let p = self.view.selected_pair(&self.model)?;
            Some((Target::Pair(p.id.clone()), p.runbook.clone()))
        }
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

/// Who is at this console, from the environment: `$USER` (or
/// `$LOGNAME`), the host name, and the `$SSH_CLIENT` address.
pub fn operator_from_env() -> Operator {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(user_of_process);
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map_or_else(|_| "localhost".into(), |h| h.trim().to_string());
    let ssh_client = std::env::var("SSH_CLIENT")
        .ok()
        .and_then(|s| s.split_whitespace().next().map(str::to_string));
    Operator {
        user,
        host,
        ssh_client,
    }
}

/// Without `$USER` or `$LOGNAME` (cron, `env -i`, some containers): the
/// name of this process's uid in /etc/passwd, else `uid N`.
fn user_of_process() -> String {
    use std::os::unix::fs::MetadataExt;
    let Ok(uid) = std::fs::metadata("/proc/self").map(|m| m.uid()) else {
        return "unknown".into();
    };
    let passwd =
        crate::config::files::read_text(std::path::Path::new("/etc/passwd")).unwrap_or_default();
    user_of_uid(&passwd, uid).unwrap_or_else(|| format!("uid {uid}"))
}

/// The name of `uid` in a passwd file's text.
fn user_of_uid(passwd: &str, uid: u32) -> Option<String> {
    passwd.lines().find_map(|l| {
        let mut f = l.split(':');
        let name = f.next()?;
        let id = f.nth(1)?.parse::<u32>().ok()?;
        (id == uid && !name.is_empty()).then(|| name.to_string())
    })
}

/// The first key of each action, for the wizard's messages: the wizard
/// layer's, else a text field's.
fn key_hints(keymap: &Keymap) -> std::collections::HashMap<Action, String> {
    Action::ALL
        .iter()
        .filter_map(|a| {
            [Layer::Wizard, Layer::Composer, Layer::Prompt]
                .iter()
                .find_map(|l| keymap.keys_for(*l, *a).first().map(ToString::to_string))
                .map(|k| (*a, k))
        })
        .collect()
}

#[cfg(test)]
mod operator_tests {
    #[test]
    fn a_user_is_found_by_uid_when_the_environment_has_none() {
        let passwd = "root:x:0:0:root:/root:/bin/bash\n# comment\nbroken\nalice:x:1000:1000::/home/alice:/bin/sh\n";
        assert_eq!(super::user_of_uid(passwd, 1000).as_deref(), Some("alice"));
        assert_eq!(super::user_of_uid(passwd, 0).as_deref(), Some("root"));
        assert_eq!(super::user_of_uid(passwd, 42), None);
        // This process: a name from /etc/passwd or `uid N`, never "unknown".
        let me = super::user_of_process();
        assert!(!me.is_empty() && me != "unknown", "{me}");
    }
}
