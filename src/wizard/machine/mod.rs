//! The wizard as one state machine: `Wizard::handle(input, &model, now)`
//! turns an operator's action, a text edit, or what the executor reports
//! back into the effects to carry out. It owns the incidents, the prompt,
//! the runbook chooser, the notification drafts and the probe rounds, and
//! never does IO: the app routes keys here and hands the effects to the
//! executor, which journals before it acts.

mod bulk;
mod composer;
mod coordination;
mod progress;
mod prompt;
mod start;
mod steps;
#[cfg(test)]
mod tests;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use crossterm::event::KeyEvent;

pub use composer::Composer;
pub use coordination::Orphan;
pub use prompt::{Prompt, Purpose};
pub use start::{Target, due_reminder, mark_started, unfinished};

use super::effect::{Effect, Feedback};
use super::incident::{Entry, Event, Incident, Operator};
use super::rules;
use super::runbook::Runbook;
use super::templates::Templates;
use crate::keymap::Action;
use crate::state::Model;

/// Something the wizard reacts to.
#[derive(Debug)]
pub enum Input {
    /// An action: a wizard key, or a key of the open prompt, chooser or
    /// notification editor (`submit`, `cancel`, `send`, …).
    Action(Action),
    /// A key that edits the open prompt or notification draft.
    Edit(KeyEvent),
    /// `failover` on the dashboard: the target selected there and the
    /// runbook its config names, if any (`None`: nothing is selected).
    Failover(Option<(Target, Option<String>)>),
    /// Start this runbook on this target (the chooser's choice, a test).
    StartWith(Target, String),
    /// The executor took the lock and journaled the start. `keep_focus`:
    /// a report is on screen, so the new incident does not take the focus.
    Started {
        incident: Box<Incident>,
        entry: Entry,
        keep_focus: bool,
    },
    /// The executor journaled (flushed) these entries: now they happen.
    Journaled(Vec<Entry>),
    /// Pairs of a bulk batch whose lock another console holds.
    LockedOut {
        incident: String,
        pairs: Vec<(String, String)>,
    },
    /// The executor refused to send a notification.
    NotifyRefused(String),
    /// An effect that finished later reported back.
    Feedback(Feedback),
    /// Time passed or the sources changed: what is now due (a wait that
    /// holds, a bulk batch, a probe round).
    Tick,
}

/// The wizard's state.
pub struct Wizard {
    pub runbooks: Vec<Arc<Runbook>>,
    pub templates: Arc<Templates>,
    pub incidents: Vec<Incident>,
    /// The incident the wizard screen shows.
    pub focus: usize,
    pub prompt: Option<Prompt>,
    /// Notification drafts by (incident, step): kept until sent, so a
    /// failed send or a closed editor loses nothing.
    pub drafts: HashMap<(String, String), Composer>,
    /// The draft of the focused incident's current step is open.
    pub composing: bool,
    /// Probe rounds asked and not yet answered, by incident.
    pub probing: HashSet<String>,
    /// Choosing a runbook for a target: (target, highlighted row).
    pub chooser: Option<(Target, usize)>,
    /// Drill mode: actions run their `dry_run` variant; marked DRILL.
    pub drill: bool,
    /// Journal entries of every incident (cooldown, per-day limits).
    pub history: Vec<Entry>,
    /// Watch mode or `--read-only`: the wizard shows, never acts.
    pub read_only: bool,
    /// Who is at this console, journaled with every start.
    pub operator: Operator,
    /// The label of the first key bound to each action, for messages
    /// ("o goes on with a typed reason"); set from the loaded keymap.
    pub keys: HashMap<Action, String>,
    /// Incidents on etcd whose console's lease expired, to take over.
    pub orphans: Vec<Orphan>,
    /// Open failovers other consoles hold (etcd): the rules count them.
    pub elsewhere: Vec<Incident>,
    /// Maintenance windows of the journal folder (`baton schedule`).
    pub windows: Vec<crate::wizard::window::Window>,
}

impl Wizard {
    pub fn new(operator: Operator) -> Self {
        Self {
            runbooks: Vec::new(),
            templates: Arc::default(),
            incidents: Vec::new(),
            focus: 0,
            prompt: None,
            drafts: HashMap::new(),
            composing: false,
            probing: HashSet::new(),
            chooser: None,
            drill: false,
            history: Vec::new(),
            read_only: false,
            operator,
            keys: HashMap::new(),
            orphans: Vec::new(),
            elsewhere: Vec::new(),
            windows: Vec::new(),
        }
    }

    /// The one entry point: what `input` changes, and the effects it asks for.
    pub fn handle(&mut self, input: Input, model: &Model, now: DateTime<Utc>) -> Vec<Effect> {
        let mut fx = self.dispatch(input, model, now);
        // Messages from `decide` name actions (`{override}`): say the keys.
        for e in &mut fx {
            if let Effect::Notice { text, .. } = e
                && text.contains('{')
            {
                *text = self.keyed(text);
            }
        }
        fx
    }

    /// `{confirm}`, `{override}`, … replaced by the first key of each.
    pub fn keyed(&self, text: &str) -> String {
        let mut out = text.to_string();
        for a in [
            Action::Confirm,
            Action::Override,
            Action::Abort,
            Action::VerifyOk,
        ] {
            out = out.replace(&format!("{{{}}}", a.name()), &self.key_for(a));
        }
        out
    }

    fn dispatch(&mut self, input: Input, model: &Model, now: DateTime<Utc>) -> Vec<Effect> {
        match input {
            Input::Action(Action::TakeOver) if self.prompt.is_none() => self.ask_take_over(),
            Input::Action(a) => {
                if self.prompt.is_some() {
                    self.prompt_action(a, model, now)
                } else if self.composing {
                    self.composer_action(a, model, now)
                } else if self.chooser.is_some() {
                    self.chooser_action(a, model, now)
                } else {
                    self.step_action(a, model, now)
                }
            }
            Input::Edit(ev) => {
                self.edit(ev);
                Vec::new()
            }
            Input::Failover(target) => self.failover(target, model, now),
            Input::StartWith(target, id) => {
                match self.runbooks.iter().find(|r| r.id == id).cloned() {
                    Some(rb) => self.start_with(&target, &rb, model, now),
                    None => vec![Effect::notice(format!("no runbook `{id}`"), true)],
                }
            }
            Input::Started {
                incident,
                entry,
                keep_focus,
            } => self.started(*incident, &entry, keep_focus),
            Input::Journaled(entries) => self.applied(entries),
            Input::LockedOut { incident, pairs } => self.bulk_locked_out(&incident, pairs, now),
            Input::NotifyRefused(why) => {
                for c in self.drafts.values_mut() {
                    c.sending = false;
                }
                vec![Effect::notice(why, true)]
            }
            Input::Feedback(f) => self.feedback(f, model, now),
            Input::Tick => self.auto_progress(model, now),
        }
    }

    /// After resuming: the focus on the first open failover (an incident
    /// that holds a lock), not on a follow-up checklist that runs for days.
    pub fn focus_failover(&mut self) {
        self.focus = self
            .incidents
            .iter()
            .position(|i| i.is_open() && i.runbook.lock)
            .unwrap_or(0);
    }

    pub fn focused(&self) -> Option<&Incident> {
        self.incidents.get(self.focus)
    }

    /// What the safety rules read: the model, the open incidents and the
    /// journal history.
    pub fn rules_ctx<'a>(&'a self, model: &'a Model) -> rules::Ctx<'a> {
        rules::Ctx {
            model,
            incidents: &self.incidents,
            elsewhere: &self.elsewhere,
            history: &self.history,
            runbooks: &self.runbooks,
        }
    }

    /// The first key bound to an action, for messages and hints.
    pub fn key_for(&self, action: Action) -> String {
        self.keys
            .get(&action)
            .cloned()
            .unwrap_or_else(|| action.name().to_string())
    }

    fn incident(&self, id: &str) -> Option<&Incident> {
        self.incidents.iter().find(|i| i.id == id)
    }
}

/// Journals `events` of `inc`, all at `now`.
fn journal(inc: &Incident, now: DateTime<Utc>, events: Vec<Event>) -> Vec<Effect> {
    vec![Effect::Journal {
        entries: events.into_iter().map(|e| inc.entry(now, e)).collect(),
    }]
}

/// The region (or provider) an area incident's operator types to confirm.
fn area_name(inc: &Incident) -> String {
    inc.area
        .as_ref()
        .and_then(|a| a.region.clone().or_else(|| a.provider.clone()))
        .unwrap_or_default()
}
