//! The failover wizard inside the app: starting an incident on a pair,
//! the wizard's keys, and applying what the executor journaled. Every
//! change of an incident goes through `Effect::Journal` first.

use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent};
use ratatui_textarea::TextArea;

use super::{App, Effect};
use crate::keymap::Action;
use crate::wizard::incident::{ActionState, Entry, Event, Incident, Operator};
use crate::wizard::runbook::{AppliesTo, Purpose as RunbookPurpose, Runbook, StepKind};
use crate::wizard::{decide, rules};

/// What a text prompt of the wizard is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Input,
    Override,
    /// Passing the soft safety rules of a promotion.
    OverrideRules,
    TypePairId,
    /// Before a bulk step fails over a whole region or provider.
    TypeArea,
    Abort,
}

impl Purpose {
    pub fn label(self) -> &'static str {
        match self {
            Self::Input => "answer",
            Self::Override => "reason for the override",
            Self::OverrideRules => "reason for promoting against the rules above",
            Self::TypePairId => "type the pair id to confirm",
            Self::TypeArea => "type the region (or provider) to fail over every pair in it",
            Self::Abort => "reason for aborting",
        }
    }
}

pub struct Prompt {
    pub purpose: Purpose,
    pub text: TextArea<'static>,
    pub error: Option<String>,
    placeholder: String,
}

impl Prompt {
    fn new(purpose: Purpose, placeholder: &str) -> Self {
        let mut text = TextArea::default();
        text.set_placeholder_text(placeholder);
        Self {
            purpose,
            text,
            error: None,
            placeholder: placeholder.to_string(),
        }
    }
}

/// What a runbook is started on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Pair(String),
    /// A row of the Regions pane: a region and its provider.
    Area {
        region: String,
        provider: String,
    },
}

impl Target {
    pub fn label(&self) -> String {
        match self {
            Self::Pair(p) => p.clone(),
            Self::Area { region, provider } => format!("{region} ({provider})"),
        }
    }
}

/// Starting a failover of a pair: refused by the hard rules about other
/// failovers (one per pair, an instance in one failover, max_concurrent).
/// The standby and flapping rules are judged at the promote step.
pub fn start_refusal(app: &App, pair: &str) -> Option<String> {
    let checks = rules::others(&app.rules_ctx(), pair, None);
    rules::hard(&checks).map(|c| c.fact.clone())
}

impl App {
    pub fn focused_incident(&self) -> Option<&Incident> {
        self.incidents.get(self.incident_focus)
    }

    /// What the safety rules read: the model, the open incidents and the
    /// journal history.
    pub fn rules_ctx(&self) -> rules::Ctx<'_> {
        rules::Ctx {
            model: &self.model,
            incidents: &self.incidents,
            history: &self.history,
            runbooks: &self.runbooks,
        }
    }

    /// The first key bound to a wizard action, for messages and hints.
    pub fn key_for(&self, action: Action) -> String {
        self.keymap
            .keys_for(crate::keymap::Layer::Wizard, action)
            .first()
            .map_or_else(|| action.name().to_string(), ToString::to_string)
    }

    /// The safety rules of the incident's current step when it promotes a
    /// pair's standby; `None` for any other step.
    pub fn step_rules(&self, inc: &Incident) -> Option<Vec<rules::Check>> {
        let step = inc.current()?;
        if step.kind != StepKind::Action || !step.promote {
            return None;
        }
        let pair = inc.pair.as_deref()?;
        Some(rules::promotion(&self.rules_ctx(), pair, Some(&inc.id)))
    }

    /// Why the current promote may not run now: the text for the operator
    /// and the refusal to journal. Soft rules passed with a reason
    /// (`RulesOverridden`) no longer block.
    pub fn action_refusal(&self, inc: &Incident) -> Option<(String, Event)> {
        self.refusal_of(inc, &self.step_rules(inc)?)
    }

    /// The refusal that `checks` (the current promote step's rules, judged
    /// once by the caller) make: what the wizard draws and enforcement says.
    pub fn refusal_of(&self, inc: &Incident, checks: &[rules::Check]) -> Option<(String, Event)> {
        if let Some(h) = rules::hard(checks) {
            return Some((
                format!("refused: {}; this rule has no override", h.fact),
                Event::ActionRefused {
                    rule: h.rule.into(),
                    fact: h.fact.clone(),
                    hard: true,
                },
            ));
        }
        let soft = rules::soft(checks, &inc.overridden);
        let first = soft.first()?;
        let facts: Vec<&str> = soft.iter().map(|c| c.fact.as_str()).collect();
        Some((
            format!(
                "refused: {}; {} goes on with a typed reason (journaled), {} aborts",
                facts.join("; "),
                self.key_for(Action::Override),
                self.key_for(Action::Abort)
            ),
            Event::ActionRefused {
                rule: first.rule.into(),
                fact: facts.join("; "),
                hard: false,
            },
        ))
    }

    /// Says the refusal and journals it, so the report shows it.
    fn refuse(&mut self, text: String, event: Event) -> Vec<Effect> {
        let Some(inc) = self.incidents.get(self.incident_focus) else {
            return Vec::new();
        };
        let fx = self.journal_events(inc, vec![event]);
        self.say(text, true);
        fx
    }

    /// `f`: on the selected pair, or on the selected row of the Regions
    /// pane (a region or provider runbook).
    pub fn start_failover(&mut self) -> Vec<Effect> {
        if self.read_only {
            self.say(
                "read-only console: failovers are started from an operator console",
                true,
            );
            return Vec::new();
        }
        let target = if self.view.focus == super::Pane::Regions {
            let Some(r) = self.model.regions.get(self.view.region_selected) else {
                return Vec::new();
            };
            Target::Area {
                region: r.region.clone(),
                provider: r.provider.clone(),
            }
        } else {
            let Some(pair) = self.view.selected_pair(&self.model) else {
                return Vec::new();
            };
            // The pair names its runbook in the config: no question.
            if let Some(id) = pair.runbook.clone() {
                let pair_id = pair.id.clone();
                let Some(rb) = self.runbooks.iter().find(|r| r.id == id).cloned() else {
                    self.say(
                        format!(
                            "the pair names runbook `{id}`, which is not loaded: see `baton check`"
                        ),
                        true,
                    );
                    return Vec::new();
                };
                return self.start_with(&Target::Pair(pair_id), &rb);
            }
            Target::Pair(pair.id.clone())
        };
        let choices = self.runbooks_for(&target);
        match choices.len() {
            0 => {
                self.say(
                    format!(
                        "no runbook applies to {}: see `baton check`",
                        target.label()
                    ),
                    true,
                );
                Vec::new()
            }
            1 => self.start_with(&target, &choices[0]),
            _ => {
                self.chooser = Some((target, 0));
                Vec::new()
            }
        }
    }

    /// Runbooks that can be started on a target.
    pub fn runbooks_for(&self, target: &Target) -> Vec<Arc<Runbook>> {
        let mut list: Vec<Arc<Runbook>> = self
            .runbooks
            .iter()
            .filter(|r| match target {
                Target::Pair(_) => r.applies_to == AppliesTo::Pair,
                Target::Area { .. } => {
                    matches!(r.applies_to, AppliesTo::Region | AppliesTo::Provider)
                }
            })
            .cloned()
            .collect();
        // The runbook that fits the pair's state first, whatever the load
        // order: a failover for a failing pair, a failback for one failed
        // over; checklists last, so one arrow key too many never lands on one.
        let failed_over = match target {
            Target::Pair(p) => self
                .model
                .pair(p)
                .is_some_and(|p| p.state == crate::state::PairState::FailedOver),
            Target::Area { .. } => false,
        };
        list.sort_by_key(|r| match (r.purpose(), failed_over) {
            (RunbookPurpose::Failover, false) | (RunbookPurpose::Failback, true) => 0,
            (RunbookPurpose::Incident, _) => 1,
            (RunbookPurpose::Failover, true) | (RunbookPurpose::Failback, false) => 2,
            (RunbookPurpose::Checklist, _) => 3,
        });
        list
    }

    /// Runbooks that can be started on a pair.
    pub fn pair_runbooks(&self) -> Vec<Arc<Runbook>> {
        self.runbooks_for(&Target::Pair(String::new()))
    }

    /// Keys while choosing a runbook: arrows (or j/k) move, enter starts, esc cancels.
    pub fn chooser_key(&mut self, ev: KeyEvent) -> Vec<Effect> {
        let Some((target, pos)) = self.chooser.clone() else {
            return Vec::new();
        };
        let n = self.runbooks_for(&target).len();
        match ev.code {
            KeyCode::Esc => self.chooser = None,
            KeyCode::Up | KeyCode::Char('k') => {
                self.chooser = Some((target, pos.saturating_sub(1)));
            }
            KeyCode::Down | KeyCode::Char('j') => {
                self.chooser = Some((target, (pos + 1).min(n.saturating_sub(1))));
            }
            KeyCode::Enter => {
                self.chooser = None;
                if let Some(rb) = self.runbooks_for(&target).get(pos).cloned() {
                    return self.start_with(&target, &rb);
                }
            }
            _ => {}
        }
        Vec::new()
    }

    /// Starts `rb` on a target after the safety checks.
    pub fn start_with(&mut self, target: &Target, rb: &Arc<Runbook>) -> Vec<Effect> {
        self.start_following(target, rb, None)
    }

    /// As `start_with`; a follow-up names the failed primary and the
    /// promoted standby of the failover it follows (`origin`), not the
    /// pair's members now.
    fn start_following(
        &mut self,
        target: &Target,
        rb: &Arc<Runbook>,
        origin: Option<(String, String)>,
    ) -> Vec<Effect> {
        let now = self.model.now;
        let (pair, area) = match target {
            Target::Pair(p) => (Some(p.clone()), None),
            Target::Area { region, provider } => (
                None,
                Some(crate::wizard::area::Area {
                    region: (rb.applies_to != AppliesTo::Provider).then(|| region.clone()),
                    provider: (rb.applies_to == AppliesTo::Provider).then(|| provider.clone()),
                }),
            ),
        };
        if rb.lock {
            if let Some(p) = &pair
                && let Some(why) = start_refusal(self, p)
            {
                self.say(format!("failover refused: {why}"), true);
                return Vec::new();
            }
            if let Some(a) = &area
                && self
                    .incidents
                    .iter()
                    .any(|i| i.is_open() && i.area.as_ref() == Some(a) && i.runbook.lock)
            {
                self.say(
                    format!("refused: an incident on {} is already open here", a.label()),
                    true,
                );
                return Vec::new();
            }
        }
        let name = pair
            .clone()
            .or_else(|| {
                area.as_ref()
                    .and_then(|a| a.region.clone().or_else(|| a.provider.clone()))
            })
            .unwrap_or_default();
        // A follow-up checklist is not an incident of its own.
        let prefix = if rb.lock { "INC" } else { "FUP" };
        let id = format!("{prefix}-{}-{name}", now.format("%Y%m%dT%H%M%SZ"));
        let live = pair.as_deref().and_then(|p| self.model.pair(p));
        let (primary, standby) = match origin {
            Some((p, s)) => (
                Some(p).filter(|x| !x.is_empty()),
                Some(s).filter(|x| !x.is_empty()),
            ),
            None => (
                live.map(|p| p.primary.id.clone()),
                live.and_then(|p| p.standby.as_ref().map(|s| s.id.clone())),
            ),
        };
        let drill = self.drill || rb.drill;
        let mut inc = Incident::new(&id, Arc::clone(rb), pair, Operator::from_env(), drill, now);
        inc.area.clone_from(&area);
        let entry = inc.entry(
            now,
            Event::Started {
                title: rb.title.clone(),
                drill,
                primary,
                standby,
                region: area.as_ref().and_then(|a| a.region.clone()),
                provider: area.as_ref().and_then(|a| a.provider.clone()),
            },
        );
        vec![Effect::Start {
            incident: Box::new(inc),
            entry,
        }]
    }

    /// The executor took the lock and journaled the start.
    pub fn started(&mut self, mut inc: Incident, entry: &Entry) {
        inc.apply(entry);
        self.incidents.push(inc);
        // A follow-up started at a close must not take the focus from the
        // report of the incident that closed.
        if self.view.overlay.is_none() {
            self.incident_focus = self.incidents.len() - 1;
        }
        self.view.wizard = true;
    }

    /// The executor journaled these: now they happen. A closed or aborted
    /// incident shows its report.
    pub fn applied(&mut self, entries: &[Entry]) {
        for e in entries {
            if let Some(inc) = self.incidents.iter_mut().find(|i| i.id == e.incident) {
                inc.apply(e);
            }
            if matches!(e.event, Event::Closed | Event::Aborted { .. }) {
                self.view.overlay = Some(super::Overlay::Report);
                self.view.overlay_scroll = 0;
            }
        }
    }

    /// An action finished: journal its result (and, with the result, the
    /// step is not done yet: the operator confirms).
    pub fn action_done(&mut self, incident: &str, event: Event) -> Vec<Effect> {
        let Some(inc) = self.incidents.iter().find(|i| i.id == incident) else {
            return Vec::new();
        };
        vec![Effect::Journal {
            entries: vec![inc.entry(self.model.now, event)],
        }]
    }

    /// Wait steps whose condition now holds finish by themselves; bulk
    /// steps launch their next batches.
    pub fn auto_progress(&mut self) -> Vec<Effect> {
        if self.read_only {
            return Vec::new();
        }
        let now = self.model.now;
        let mut out = self.bulk_progress();
        out.extend(self.probe_rounds());
        for inc in self.incidents.iter().filter(|i| i.is_open()) {
            if inc
                .current()
                .is_some_and(|s| s.kind == crate::wizard::runbook::StepKind::Wait)
                && let decide::WaitState::Done(how) = decide::wait_state(inc, &self.model, now)
            {
                let entries = vec![
                    inc.entry(now, Event::WaitDone { how }),
                    inc.entry(
                        now,
                        Event::StepDone {
                            outcome: "waited".into(),
                        },
                    ),
                ];
                out.push(Effect::Journal { entries });
            }
        }
        out
    }

    fn journal_events(&self, inc: &Incident, events: Vec<Event>) -> Vec<Effect> {
        let now = self.model.now;
        vec![Effect::Journal {
            entries: events.into_iter().map(|e| inc.entry(now, e)).collect(),
        }]
    }

    /// A key in the wizard layer.
    pub fn wizard_action(&mut self, action: Action) -> Vec<Effect> {
        let Some(inc) = self.incidents.get(self.incident_focus) else {
            self.view.wizard = false;
            return Vec::new();
        };
        if self.read_only && !matches!(action, Action::Close | Action::NextIncident) {
            self.say("read-only console: watching only", true);
            return Vec::new();
        }
        let now = self.model.now;
        let kind = inc.current().map(|s| s.kind);
        match action {
            Action::Close => self.view.wizard = false,
            Action::NextIncident if !self.incidents.is_empty() => {
                self.incident_focus = (self.incident_focus + 1) % self.incidents.len();
            }
            Action::Confirm if !inc.is_open() => self.say("this incident is closed", true),
            Action::Confirm => match kind {
                Some(StepKind::Bulk) if inc.current_bulk().is_none() => {
                    // Many failovers at once: the area is typed, like a pair id.
                    let name = inc
                        .area
                        .as_ref()
                        .and_then(|a| a.region.clone().or_else(|| a.provider.clone()))
                        .unwrap_or_default();
                    self.prompt = Some(Prompt::new(Purpose::TypeArea, &name));
                }
                Some(StepKind::Notify) => self.open_composer(),
                Some(StepKind::Silence) => return self.start_silence(),
                Some(StepKind::Input) => {
                    self.prompt = Some(Prompt::new(
                        Purpose::Input,
                        inc.current()
                            .and_then(|s| s.prompt.as_deref())
                            .unwrap_or(""),
                    ));
                }
                Some(StepKind::Action)
                    if matches!(inc.action, ActionState::Idle | ActionState::Failed { .. }) =>
                {
                    // Refused before anything is asked: no pair id to type.
                    if let Some((text, event)) = self.action_refusal(inc) {
                        return self.refuse(text, event);
                    }
                    if inc.current().is_some_and(|s| s.destructive) {
                        self.prompt = Some(Prompt::new(
                            Purpose::TypePairId,
                            inc.pair.as_deref().unwrap_or(""),
                        ));
                    } else {
                        return self.run_current("");
                    }
                }
                _ => match decide::confirm(inc, &self.model, now, "") {
                    Ok(ev) => return self.journal_events(inc, ev),
                    Err(e) => self.say(e, true),
                },
            },
            Action::Override => match kind {
                Some(StepKind::Action)
                    if self
                        .action_refusal(inc)
                        .is_some_and(|(_, e)| matches!(e, Event::ActionRefused { hard: false, .. })) =>
                {
                    self.prompt = Some(Prompt::new(
                        Purpose::OverrideRules,
                        "why it is safe to promote anyway",
                    ));
                }
                Some(StepKind::Gate | StepKind::Wait) => {
                    self.prompt = Some(Prompt::new(Purpose::Override, "why it is safe to go on"));
                }
                Some(StepKind::Notify | StepKind::Silence) => {
                    self.prompt = Some(Prompt::new(
                        Purpose::Override,
                        "why it is not done from here (told by phone, no Alertmanager, ...)",
                    ));
                }
                _ => self.say(
                    "only gates, waits, notifications, silences and soft safety rules can be overridden",
                    true,
                ),
            },
            Action::VerifyOk | Action::VerifyFailed => {
                match decide::verify(inc, action == Action::VerifyOk, "checked by the operator") {
                    Ok(ev) => return self.journal_events(inc, ev),
                    Err(e) => self.say(e, true),
                }
            }
            Action::Abort if inc.is_open() => {
                self.prompt = Some(Prompt::new(Purpose::Abort, "why the failover stops here"));
            }
            Action::CloseIncident => {
                if !inc.is_open() {
                    self.say("already closed", true);
                } else if inc.finished() {
                    let id = inc.id.clone();
                    let follow_up = inc.runbook.then.clone();
                    let origin = crate::wizard::notify::started_with(inc);
                    let target = match (&inc.pair, &inc.area) {
                        (Some(p), _) => Some(Target::Pair(p.clone())),
                        (None, Some(a)) => Some(Target::Area {
                            region: a.region.clone().unwrap_or_default(),
                            provider: a.provider.clone().unwrap_or_default(),
                        }),
                        _ => None,
                    };
                    let mut fx = self.journal_events(inc, vec![Event::Closed]);
                    fx.push(Effect::Release { incident: id });
                    // The follow-up checklist (by horizon) starts now.
                    if let (Some(next), Some(target)) = (follow_up, target) {
                        match self.runbooks.iter().find(|r| r.id == next).cloned() {
                            Some(rb) => fx.extend(self.start_following(&target, &rb, Some(origin))),
                            None => {
                                self.say(format!("follow-up runbook `{next}` is not loaded"), true);
                            }
                        }
                    }
                    return fx;
                } else {
                    self.say("steps remain: finish them, or abort with a reason", true);
                }
            }
            _ => {}
        }
        Vec::new()
    }

    /// `y` in the wizard: the current action's command, else the pair id.
    pub fn copy_from_wizard(&mut self) -> Vec<Effect> {
        let Some(inc) = self.incidents.get(self.incident_focus) else {
            return Vec::new();
        };
        let typed = inc.pair.clone().unwrap_or_default();
        let text = decide::plan_action(inc, &self.model, self.model.now, &typed)
            .map(|p| p.display)
            .unwrap_or(typed);
        self.say(format!("copied to the clipboard (OSC 52): {text}"), false);
        vec![Effect::Copy(text)]
    }

    fn run_current(&mut self, typed: &str) -> Vec<Effect> {
        let Some(inc) = self.incidents.get(self.incident_focus) else {
            return Vec::new();
        };
        // Judged again: the fleet may have changed while the id was typed.
        if let Some((text, event)) = self.action_refusal(inc) {
            return self.refuse(text, event);
        }
        match decide::plan_action(inc, &self.model, self.model.now, typed) {
            Ok(plan) => {
                let intent = inc.entry(
                    self.model.now,
                    Event::ActionIntent {
                        command: plan.display.clone(),
                        settle: plan.settle.clone(),
                        // A pair's lag, or the worst of an area's pairs.
                        lag: match (&inc.pair, &inc.area) {
                            (Some(p), _) => self.model.pair(p).and_then(|p| p.lag),
                            (None, Some(a)) => Some(a.stats(&self.model).max_lag),
                            _ => None,
                        },
                    },
                );
                vec![Effect::RunAction { plan, intent }]
            }
            Err(e) => {
                self.say(e, true);
                Vec::new()
            }
        }
    }

    /// Keys while a wizard prompt is open.
    pub fn prompt_key(&mut self, ev: KeyEvent) -> Vec<Effect> {
        let Some(p) = self.prompt.as_mut() else {
            return Vec::new();
        };
        match ev.code {
            KeyCode::Esc => self.prompt = None,
            KeyCode::Enter => {
                let text = p.text.lines().join(" ").trim().to_string();
                let purpose = p.purpose;
                let Some(inc) = self.incidents.get(self.incident_focus) else {
                    return Vec::new();
                };
                let now = self.model.now;
                let result = match purpose {
                    Purpose::Input => decide::confirm(inc, &self.model, now, &text)
                        .map(|ev| self.journal_events(inc, ev)),
                    Purpose::Override => decide::override_step(inc, &self.model, now, &text)
                        .map(|ev| self.journal_events(inc, ev)),
                    Purpose::OverrideRules => {
                        let checks = self.step_rules(inc).unwrap_or_default();
                        decide::override_rules(inc, &checks, &text)
                            .map(|ev| self.journal_events(inc, ev))
                    }
                    Purpose::Abort if text.len() >= 3 => {
                        let id = inc.id.clone();
                        let mut fx = self.journal_events(
                            inc,
                            vec![Event::Aborted {
                                reason: text.clone(),
                            }],
                        );
                        fx.push(Effect::Release { incident: id });
                        Ok(fx)
                    }
                    Purpose::Abort => Err("an abort needs a reason".into()),
                    Purpose::TypeArea => {
                        let name = inc
                            .area
                            .as_ref()
                            .and_then(|a| a.region.clone().or_else(|| a.provider.clone()))
                            .unwrap_or_default();
                        if text == name {
                            decide::confirm(inc, &self.model, now, "")
                                .map(|ev| self.journal_events(inc, ev))
                        } else {
                            Err(format!("type `{name}` to confirm"))
                        }
                    }
                    Purpose::TypePairId if Some(text.as_str()) != inc.pair.as_deref() => {
                        Err(format!(
                            "`{text}` is not {}: type it exactly",
                            inc.pair.as_deref().unwrap_or_default()
                        ))
                    }
                    Purpose::TypePairId => {
                        let fx = self.run_current(&text);
                        if fx.is_empty() {
                            Err(self
                                .notice
                                .as_ref()
                                .map(|n| n.text.clone())
                                .unwrap_or_default())
                        } else {
                            Ok(fx)
                        }
                    }
                };
                match result {
                    Ok(fx) => {
                        self.prompt = None;
                        return fx;
                    }
                    Err(e) => {
                        if let Some(p) = self.prompt.as_mut() {
                            // A wrong name is cleared: it is typed again, not edited.
                            if matches!(p.purpose, Purpose::TypePairId | Purpose::TypeArea) {
                                *p = Prompt::new(p.purpose, &p.placeholder.clone());
                            }
                            p.error = Some(e);
                        }
                    }
                }
            }
            _ => {
                p.text.input(ev);
                p.error = None;
            }
        }
        Vec::new()
    }
}

/// "follow-up … is due" for open incidents whose current phase has a
/// horizon that has begun.
pub fn due_reminder(app: &App) -> Option<String> {
    let now = app.model.now;
    let due: Vec<String> = app
        .incidents
        .iter()
        .filter(|i| i.is_open())
        .filter_map(|i| {
            let at = decide::phase_due(i)?;
            let phase = i.runbook.phases.get(i.phase)?;
            (at <= now).then(|| {
                format!(
                    "{} on {}: \"{}\" due since {}",
                    i.runbook.title,
                    i.target(),
                    phase.title.as_deref().unwrap_or(&phase.id),
                    at.format("%Y-%m-%d %H:%M UTC")
                )
            })
        })
        .collect();
    (!due.is_empty()).then(|| format!("follow-up due: {}", due.join("; ")))
}

/// Open incidents of the journal folder, replayed, for resuming on start.
pub fn unfinished(
    history: &[(std::path::PathBuf, Vec<Entry>)],
    runbooks: &[Arc<Runbook>],
) -> Vec<Incident> {
    history
        .iter()
        .filter(|(_, e)| {
            !e.iter()
                .any(|x| matches!(x.event, Event::Closed | Event::Aborted { .. }))
        })
        .filter_map(|(_, entries)| {
            let rb = runbooks
                .iter()
                .find(|r| Some(&r.id) == entries.first().map(|e| &e.runbook))?;
            Incident::replay(entries, Arc::clone(rb))
        })
        .collect()
}
