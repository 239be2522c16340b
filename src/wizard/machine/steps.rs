//! The wizard's actions on the focused incident's current step: confirm,
//! override, verify, abort, close; and the safety rules that refuse a
//! promote, judged here and drawn from the same judgement.

use chrono::{DateTime, Utc};

use super::prompt::{Prompt, Purpose};
use super::start::Target;
use super::{Wizard, area_name, journal};
use crate::keymap::Action;
use crate::state::Model;
use crate::wizard::decide;
use crate::wizard::effect::Effect;
use crate::wizard::incident::{ActionState, Event, Incident};
use crate::wizard::rules;
use crate::wizard::runbook::StepKind;

impl Wizard {
    /// The safety rules of the incident's current step when it promotes a
    /// pair's standby; `None` for any other step.
    pub fn step_rules(&self, inc: &Incident, model: &Model) -> Option<Vec<rules::Check>> {
        let step = inc.current()?;
        if step.kind != StepKind::Action || !step.promote {
            return None;
        }
        let pair = inc.subject()?;
        Some(rules::promotion(
            &self.rules_ctx(model),
            pair,
            Some(&inc.id),
        ))
    }

    /// The rules drawn on the current step (and printed by `baton plan`):
    /// on a promote not yet run, and on a gate about the standby. Judged
    /// for the step's own pair, as `step_rules` enforces them.
    pub fn shown_rules(&self, inc: &Incident, model: &Model) -> Option<Vec<rules::Check>> {
        let step = inc.current()?;
        let before = matches!(inc.action, ActionState::Idle | ActionState::Failed { .. });
        let promote = step.kind == StepKind::Action && step.promote && before;
        let standby_gate = step.kind == StepKind::Gate
            && step
                .expr
                .as_ref()
                .is_some_and(|e| e.as_str().contains("standby."));
        if !(promote || standby_gate) {
            return None;
        }
        Some(rules::promotion(
            &self.rules_ctx(model),
            inc.subject()?,
            Some(&inc.id),
        ))
    }

    /// Why the current promote may not run now: the text for the operator
    /// and the refusal to journal. Soft rules passed with a reason
    /// (`RulesOverridden`) no longer block.
    pub fn action_refusal(&self, inc: &Incident, model: &Model) -> Option<(String, Event)> {
        self.refusal_of(inc, &self.step_rules(inc, model)?)
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

    /// An action of the wizard screen on the focused incident.
    pub(super) fn step_action(
        &mut self,
        action: Action,
        model: &Model,
        now: DateTime<Utc>,
    ) -> Vec<Effect> {
        let Some(inc) = self.incidents.get(self.focus) else {
            return vec![Effect::ShowWizard(false)];
        };
        if action == Action::Copy {
            return self.copy(model, now);
        }
        if self.read_only && !matches!(action, Action::Close | Action::NextIncident) {
            return vec![Effect::notice("read-only console: watching only", true)];
        }
        let kind = inc.current().map(|s| s.kind);
        match action {
            Action::Close => return vec![Effect::ShowWizard(false)],
            Action::NextIncident if !self.incidents.is_empty() => {
                self.focus = (self.focus + 1) % self.incidents.len();
            }
            Action::Confirm if !inc.is_open() => {
                return vec![Effect::notice("this incident is closed", true)];
            }
            Action::Confirm => {
                if let Some(outcome) = decide::skip(inc, model, now) {
                    return journal(inc, now, vec![Event::StepDone { outcome }]);
                }
                return self.confirm(kind, model, now);
            }
            Action::Override => return self.ask_override(kind, model),
            Action::VerifyOk | Action::VerifyFailed => {
                return match decide::verify(
                    inc,
                    action == Action::VerifyOk,
                    "checked by the operator",
                ) {
                    Ok(ev) => journal(inc, now, ev),
                    Err(e) => vec![Effect::notice(e, true)],
                };
            }
            Action::Abort if inc.is_open() => {
                self.prompt = Some(Prompt::new(Purpose::Abort, "why the failover stops here"));
            }
            Action::CloseIncident => return self.close_incident(model, now),
            _ => {}
        }
        Vec::new()
    }

    fn confirm(
        &mut self,
        kind: Option<StepKind>,
        model: &Model,
        now: DateTime<Utc>,
    ) -> Vec<Effect> {
        let Some(inc) = self.incidents.get(self.focus) else {
            return Vec::new();
        };
        match kind {
            Some(StepKind::Bulk) if inc.current_bulk().is_none() => {
                // Many failovers at once: the area is typed, like a pair id.
                let name = area_name(inc);
                self.prompt = Some(Prompt::new(Purpose::TypeArea, &name));
            }
            Some(StepKind::Notify) => self.open_composer(model, now),
            Some(StepKind::Silence) => return self.start_silence(model, now),
            Some(StepKind::Input) => {
                let question = inc
                    .current()
                    .and_then(|s| s.prompt.clone())
                    .unwrap_or_default();
                self.prompt = Some(Prompt::new(Purpose::Input, &question));
            }
            Some(StepKind::Action)
                if matches!(inc.action, ActionState::Idle | ActionState::Failed { .. }) =>
            {
                // Refused before anything is asked: no pair id to type.
                if let Some((text, event)) = self.action_refusal(inc, model) {
                    return refuse(inc, now, text, event);
                }
                if inc.current().is_some_and(|s| s.destructive) {
                    let pair = inc.subject().unwrap_or_default().to_string();
                    self.prompt = Some(Prompt::new(Purpose::TypePairId, &pair));
                } else {
                    return self
                        .run_current("", model, now)
                        .unwrap_or_else(|e| vec![Effect::notice(e, true)]);
                }
            }
            _ => {
                return match decide::confirm(inc, model, now, "") {
                    Ok(ev) => journal(inc, now, ev),
                    Err(e) => vec![Effect::notice(e, true)],
                };
            }
        }
        Vec::new()
    }

    fn ask_override(&mut self, kind: Option<StepKind>, model: &Model) -> Vec<Effect> {
        let Some(inc) = self.incidents.get(self.focus) else {
            return Vec::new();
        };
        let (purpose, placeholder) = match kind {
            Some(StepKind::Action)
                if self.action_refusal(inc, model).is_some_and(|(_, e)| {
                    matches!(e, Event::ActionRefused { hard: false, .. })
                }) =>
            {
                (Purpose::OverrideRules, "why it is safe to promote anyway")
            }
            Some(StepKind::Gate | StepKind::Wait) => (Purpose::Override, "why it is safe to go on"),
            Some(StepKind::Notify | StepKind::Silence) => (
                Purpose::Override,
                "why it is not done from here (told by phone, no Alertmanager, ...)",
            ),
            _ => {
                return vec![Effect::notice(
                    "only gates, waits, notifications, silences and soft safety rules can be overridden",
                    true,
                )];
            }
        };
        self.prompt = Some(Prompt::new(purpose, placeholder));
        Vec::new()
    }

    /// Closes a finished incident, releases its lock, and starts its
    /// follow-up checklist (by horizon) on the same target.
    fn close_incident(&self, model: &Model, now: DateTime<Utc>) -> Vec<Effect> {
        let Some(inc) = self.incidents.get(self.focus) else {
            return Vec::new();
        };
        if !inc.is_open() {
            return vec![Effect::notice("already closed", true)];
        }
        if !inc.finished() {
            return vec![Effect::notice(
                "steps remain: finish them, or abort with a reason",
                true,
            )];
        }
        let origin = crate::wizard::notify::started_with(inc);
        let target = match (&inc.pair, &inc.area) {
            (Some(p), _) => Some(Target::Pair(p.clone())),
            (None, Some(a)) => Some(Target::Area {
                region: a.region.clone().unwrap_or_default(),
                provider: a.provider.clone().unwrap_or_default(),
            }),
            _ => None,
        };
        let mut fx = journal(inc, now, vec![Event::Closed]);
        fx.push(Effect::Release {
            incident: inc.id.clone(),
        });
        if let (Some(next), Some(target)) = (inc.runbook.then.clone(), target) {
            match self.runbooks.iter().find(|r| r.id == next) {
                Some(rb) => fx.extend(self.start_following(
                    &target,
                    rb,
                    Some(origin),
                    Some(&inc.id),
                    model,
                    now,
                )),
                None => fx.push(Effect::notice(
                    format!("follow-up runbook `{next}` is not loaded"),
                    true,
                )),
            }
        }
        fx
    }

    /// `copy` in the wizard: the current action's command, else the pair id.
    fn copy(&self, model: &Model, now: DateTime<Utc>) -> Vec<Effect> {
        let Some(inc) = self.incidents.get(self.focus) else {
            return Vec::new();
        };
        let typed = inc.subject().unwrap_or_default().to_string();
        let text = decide::plan_action(inc, model, now, &typed)
            .map(|p| p.display)
            .unwrap_or(typed);
        vec![
            Effect::notice(format!("copied to the clipboard (OSC 52): {text}"), false),
            Effect::Copy(text),
        ]
    }

    /// Plans the current action and asks to journal its intent and run it;
    /// the refusal or the planning error otherwise.
    pub(super) fn run_current(
        &self,
        typed: &str,
        model: &Model,
        now: DateTime<Utc>,
    ) -> Result<Vec<Effect>, String> {
        let Some(inc) = self.incidents.get(self.focus) else {
            return Ok(Vec::new());
        };
        // Judged again: the fleet may have changed while the id was typed.
        if let Some((text, event)) = self.action_refusal(inc, model) {
            return Ok(refuse(inc, now, text, event));
        }
        let plan = decide::plan_action(inc, model, now, typed)?;
        if let Some(asked) = super::coordination::approval_gate(inc, &plan.display, model, now) {
            return asked;
        }
        let intent = inc.entry(
            now,
            Event::ActionIntent {
                command: plan.display.clone(),
                settle: plan.settle.clone(),
                // A pair's lag, or the worst of an area's pairs.
                lag: match (inc.subject(), &inc.area) {
                    (Some(p), _) => model.pair(p).and_then(|p| p.lag),
                    (None, Some(a)) => Some(a.stats(model).max_lag),
                    _ => None,
                },
                cutover: inc.current().is_some_and(|s| s.promote || s.cutover),
                lag_bytes: inc
                    .subject()
                    .and_then(|p| model.pair(p))
                    .and_then(|p| p.lag_bytes),
            },
        );
        Ok(vec![Effect::RunAction { plan, intent }])
    }
}

/// Says the refusal and journals it, so the report shows it.
fn refuse(inc: &Incident, now: DateTime<Utc>, text: String, event: Event) -> Vec<Effect> {
    let mut fx = vec![Effect::notice(text, true)];
    fx.extend(journal(inc, now, vec![event]));
    fx
}
