//! One incident: a runbook being driven on a pair. Its state is a fold of
//! its journal entries (`apply`), so a resumed incident is the same state
//! machine replayed, and watchers can follow it from the journal.

use std::sync::Arc;

use chrono::{DateTime, Utc};

pub use super::event::{Entry, Event, Operator};
use super::runbook::{Runbook, Step, StepKind};

#[derive(Debug, Clone, PartialEq)]
pub enum ActionState {
    Idle,
    Running {
        since: DateTime<Utc>,
        command: String,
    },
    Succeeded {
        status: String,
        output: String,
    },
    Failed {
        status: String,
        output: String,
    },
    /// It may or may not have happened: verify, never re-run silently.
    Unknown {
        reason: String,
    },
}

/// A bulk step as the journal says it stands.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Bulk {
    /// The bulk step it belongs to.
    pub step: String,
    pub planned: Vec<String>,
    pub escalated: Vec<(String, String)>,
    pub ineligible: Vec<(String, String)>,
    /// Pairs whose intent is journaled, in order.
    pub started: Vec<String>,
    /// Pair → (ok, status): results and skips.
    pub finished: std::collections::BTreeMap<String, (bool, String)>,
    /// Resumed after the session ended: nothing more starts until the
    /// operator says so (`BulkResumed`).
    pub paused: bool,
}

impl Bulk {
    pub fn in_flight(&self) -> impl Iterator<Item = &String> {
        self.started
            .iter()
            .filter(|p| !self.finished.contains_key(*p))
    }

    /// Planned pairs not started yet (nor skipped).
    pub fn waiting(&self) -> impl Iterator<Item = &String> {
        self.planned
            .iter()
            .filter(|p| !self.started.contains(p) && !self.finished.contains_key(*p))
    }

    pub fn ok(&self) -> usize {
        self.finished.values().filter(|(ok, _)| *ok).count()
    }

    pub fn failed(&self) -> Vec<(&String, &String)> {
        self.finished
            .iter()
            .filter(|(_, (ok, _))| !ok)
            .map(|(p, (_, why))| (p, why))
            .collect()
    }

    pub fn complete(&self) -> bool {
        !self.planned.is_empty() && self.finished.len() >= self.planned.len()
            || self.planned.is_empty() && !self.escalated.is_empty()
    }
}

#[derive(Debug, Clone)]
pub struct Incident {
    pub id: String,
    pub runbook: Arc<Runbook>,
    pub pair: Option<String>,
    /// The region or provider of an area incident (bulk, regional).
    pub area: Option<super::area::Area>,
    pub operator: Operator,
    pub drill: bool,
    pub started: DateTime<Utc>,
    pub phase: usize,
    pub step: usize,
    pub phase_started: DateTime<Utc>,
    pub step_started: DateTime<Utc>,
    pub action: ActionState,
    pub closed: Option<DateTime<Utc>>,
    pub aborted: Option<String>,
    /// The current bulk step, once planned.
    pub bulk: Option<Bulk>,
    /// Soft safety rules passed with a reason for the current step.
    pub overridden: Vec<String>,
    /// The last round of the current probe wait (live, not journaled).
    pub probe: Option<Round>,
    /// The maintenance window it was started in, if any.
    pub window: Option<super::window::WindowRef>,
    pub entries: Vec<Entry>,
}

impl Incident {
    /// The pair the current step acts on: its own `pair` (a step of a
    /// region runbook naming one pair), else the incident's.
    pub fn subject(&self) -> Option<&str> {
        self.current()
            .and_then(|s| s.pair.as_deref())
            .or(self.pair.as_deref())
    }

    pub fn new(
        id: &str,
        runbook: Arc<Runbook>,
        pair: Option<String>,
        operator: Operator,
        drill: bool,
        at: DateTime<Utc>,
    ) -> Self {
        Self {
            id: id.to_string(),
            runbook,
            pair,
            area: None,
            operator,
            drill,
            started: at,
            phase: 0,
            step: 0,
            phase_started: at,
            step_started: at,
            action: ActionState::Idle,
            closed: None,
            aborted: None,
            bulk: None,
            overridden: Vec::new(),
            probe: None,
            entries: Vec::new(),
            window: None,
        }
    }

    /// The current step; `None` once every step is done.
    pub fn current(&self) -> Option<&Step> {
        self.runbook.step(self.phase, self.step)
    }

    pub fn finished(&self) -> bool {
        self.current().is_none()
    }

    pub fn is_open(&self) -> bool {
        self.closed.is_none()
    }

    /// Silences this incident created, with when each ends.
    pub fn silences(
        &self,
    ) -> impl Iterator<
        Item = (
            &String,
            &std::collections::BTreeMap<String, String>,
            DateTime<Utc>,
        ),
    > {
        self.entries.iter().filter_map(|e| match &e.event {
            Event::Silenced {
                id,
                matchers,
                until,
                ..
            } => Some((id, matchers, *until)),
            _ => None,
        })
    }

    /// The bulk state of the current step, once it is planned.
    pub fn current_bulk(&self) -> Option<&Bulk> {
        let step = self.current()?;
        self.bulk.as_ref().filter(|b| b.step == step.id)
    }

    /// The lock it holds on this host: its pair's or its area's; none for
    /// a runbook with `lock = false` (a follow-up checklist).
    fn lock_name(&self) -> Option<String> {
        if !self.runbook.lock {
            return None;
        }
        self.pair
            .clone()
            .or_else(|| self.area.as_ref().map(super::area::Area::lock_name))
    }

    /// Every lock it holds: its own, and each pair its steps name (`pair`),
    /// so no other console fails over a pair a region runbook acts on.
    pub fn lock_names(&self) -> Vec<String> {
        let Some(own) = self.lock_name() else {
            return Vec::new();
        };
        let mut names = vec![own];
        for p in self.runbook.named_pairs() {
            if !names.contains(&p) {
                names.push(p);
            }
        }
        names
    }

    /// What it runs on, for titles: the pair, the area, or the estate.
    pub fn target(&self) -> String {
        match (&self.pair, &self.area) {
            (Some(p), _) => p.clone(),
            (None, Some(a)) => a.label(),
            (None, None) => "the estate".into(),
        }
    }

    /// A journal entry for an event at the current position.
    pub fn entry(&self, at: DateTime<Utc>, event: Event) -> Entry {
        Entry {
            at,
            operator: self.operator.clone(),
            incident: self.id.clone(),
            runbook: self.runbook.id.clone(),
            // The pair the step acts on (a region runbook's `pair` step), so
            // cooldown and max_per_day count its promotions; the start
            // names the incident's own target, which a resume reads back.
            pair: if matches!(event, Event::Started { .. }) {
                self.pair.clone()
            } else {
                self.subject().map(str::to_string)
            },
            phase: self.runbook.phases.get(self.phase).map(|p| p.id.clone()),
            step: self.current().map(|s| s.id.clone()),
            event,
        }
    }

    /// The one state transition: every change goes through the journal.
    pub fn apply(&mut self, e: &Entry) {
        match &e.event {
            Event::Started {
                drill,
                region,
                provider,
                window,
                ..
            } => {
                self.window.clone_from(window);
                self.started = e.at;
                self.phase_started = e.at;
                self.step_started = e.at;
                self.drill = *drill;
                if region.is_some() || provider.is_some() {
                    self.area = Some(super::area::Area {
                        region: region.clone(),
                        provider: provider.clone(),
                    });
                }
            }
            Event::ActionIntent { command, .. } => {
                self.action = ActionState::Running {
                    since: e.at,
                    command: command.clone(),
                }
            }
            // A result for a step the incident has left (it came back late)
            // is kept in the journal and changes nothing here.
            Event::ActionResult { .. }
            | Event::ActionUnknown { .. }
            | Event::ActionNotRun { .. }
                if e.step.as_deref() != self.current().map(|s| s.id.as_str()) => {}
            Event::ActionResult {
                ok, status, output, ..
            } => {
                self.action = if *ok {
                    ActionState::Succeeded {
                        status: status.clone(),
                        output: output.clone(),
                    }
                } else {
                    ActionState::Failed {
                        status: status.clone(),
                        output: output.clone(),
                    }
                };
            }
            // Journaled, never started: the step is as it was.
            Event::ActionNotRun { .. } => {
                if matches!(self.action, ActionState::Running { .. }) {
                    self.action = ActionState::Idle;
                }
            }
            Event::ActionUnknown { reason } => {
                self.action = ActionState::Unknown {
                    reason: reason.clone(),
                }
            }
            Event::ActionVerified { ok, note } => {
                let status = format!("verified by operator: {note}");
                self.action = if *ok {
                    ActionState::Succeeded {
                        status,
                        output: String::new(),
                    }
                } else {
                    ActionState::Failed {
                        status,
                        output: String::new(),
                    }
                };
            }
            Event::BulkPlan {
                pairs,
                escalated,
                ineligible,
            } => {
                self.bulk = Some(Bulk {
                    step: e.step.clone().unwrap_or_default(),
                    planned: pairs.clone(),
                    escalated: escalated.clone(),
                    ineligible: ineligible.clone(),
                    ..Bulk::default()
                });
            }
            Event::BulkIntent { pair, .. } => {
                if let Some(b) = self.bulk.as_mut() {
                    b.started.push(pair.clone());
                }
            }
            Event::BulkResult {
                pair, ok, status, ..
            } => {
                if let Some(b) = self.bulk.as_mut() {
                    b.finished.insert(pair.clone(), (*ok, status.clone()));
                }
            }
            Event::BulkResumed => {
                if let Some(b) = self.bulk.as_mut() {
                    b.paused = false;
                }
            }
            Event::BulkSkipped { pair, reason } => {
                if let Some(b) = self.bulk.as_mut() {
                    b.finished
                        .insert(pair.clone(), (false, format!("not run: {reason}")));
                }
            }
            Event::RulesOverridden { rules, .. } => {
                self.overridden.extend(rules.iter().cloned());
            }
            Event::StepDone { .. } => {
                // The last bulk stays for the summary that follows it.
                self.probe = None;
                self.overridden.clear();
                self.advance(e.at);
            }
            Event::Aborted { reason } => {
                self.aborted = Some(reason.clone());
                self.closed = Some(e.at);
            }
            Event::Closed => self.closed = Some(e.at),
            Event::Torn {
                line, event, pair, ..
            } => self.apply_torn(e, *line, event.as_deref(), pair.as_deref()),
            Event::JournalRepaired { .. }
            | Event::ApprovalRequested { .. }
            | Event::Approved { .. }
            | Event::ApprovalRefused { .. }
            | Event::TakenOver { .. }
            | Event::ActionRefused { .. }
            | Event::CheckConfirmed
            | Event::GatePassed { .. }
            | Event::GateOverridden { .. }
            | Event::InputRecorded { .. }
            | Event::WaitDone { .. }
            | Event::Notified { .. }
            | Event::NotifyFailed { .. }
            | Event::BulkProgress { .. }
            | Event::Silenced { .. } => {}
        }
        self.entries.push(e.clone());
    }

    /// A torn line that may be an intent of the current step (its event
    /// is `action_intent`, or was cut before the event) makes the action's
    /// outcome unknown: checked by the operator, never re-run. A torn bulk
    /// intent that names its pair counts as started (unknown on resume).
    fn apply_torn(&mut self, e: &Entry, line: usize, event: Option<&str>, pair: Option<&str>) {
        let Some(step) = self.current() else { return };
        if e.step.as_deref().is_some_and(|s| s != step.id) {
            return;
        }
        match (step.kind, event) {
            (StepKind::Action, None | Some("action_intent"))
                if matches!(self.action, ActionState::Idle | ActionState::Failed { .. }) =>
            {
                self.action = ActionState::Unknown {
                    reason: format!(
                        "journal line {line} is torn and may be this action's intent: check whether it ran"
                    ),
                };
            }
            (StepKind::Bulk, Some("bulk_intent")) => {
                if let (Some(b), Some(p)) = (self.bulk.as_mut(), pair)
                    && !b.started.iter().any(|x| x == p)
                {
                    b.started.push(p.to_string());
                }
            }
            _ => {}
        }
    }

    fn advance(&mut self, at: DateTime<Utc>) {
        self.action = ActionState::Idle;
        self.step_started = at;
        let steps = self
            .runbook
            .phases
            .get(self.phase)
            .map_or(0, |p| p.steps.len());
        if self.step + 1 < steps {
            self.step += 1;
        } else {
            self.phase += 1;
            self.step = 0;
            self.phase_started = at;
        }
    }

    /// The settle expression journaled with the current step's last intent.
    pub fn intent_settle(&self) -> Option<&crate::cond::Cond> {
        let step = self.current()?.id.as_str();
        self.entries.iter().rev().find_map(|e| match &e.event {
            Event::ActionIntent { settle, .. } if e.step.as_deref() == Some(step) => {
                settle.as_ref()
            }
            _ => None,
        })
    }

    /// The incident as its journal says now, nothing assumed about what is
    /// still running (what a watcher shows).
    pub fn fold(entries: &[Entry], runbook: Arc<Runbook>) -> Option<Self> {
        let first = entries.first()?;
        let mut inc = Self::new(
            &first.incident,
            runbook,
            first.pair.clone(),
            first.operator.clone(),
            false,
            first.at,
        );
        for e in entries {
            inc.apply(e);
        }
        Some(inc)
    }

    /// Rebuilds an incident from its journal to resume it. An action whose intent has
    /// no result was running when the session ended: its outcome is
    /// unknown and it must be checked, never re-run.
    pub fn replay(entries: &[Entry], runbook: Arc<Runbook>) -> Option<Self> {
        let mut inc = Self::fold(entries, runbook)?;
        if matches!(inc.action, ActionState::Running { .. }) {
            inc.action = ActionState::Unknown {
                reason: "the session ended while the action ran".into(),
            };
        }
        // Bulk actions that were running: unknown, listed, never re-run;
        // the rest waits for the operator.
        if let Some(b) = inc.bulk.as_mut()
            && !b.complete()
        {
            b.paused = true;
            let running: Vec<String> = b.in_flight().cloned().collect();
            for p in running {
                b.finished.insert(
                    p,
                    (
                        false,
                        "OUTCOME UNKNOWN: the session ended while it ran; check it".into(),
                    ),
                );
            }
        }
        Some(inc)
    }

    /// Seconds since the incident, the phase and the step started, with
    /// their targets.
    pub fn timers(&self, now: DateTime<Utc>) -> Vec<Timer> {
        let secs = |from: DateTime<Utc>| (now - from).num_milliseconds().max(0) as f64 / 1000.0;
        let mut out = vec![Timer {
            // A checklist without an RTO just counts its time.
            label: if self.runbook.rto.is_some() {
                "RTO".into()
            } else {
                "elapsed".into()
            },
            // In a maintenance window the recovery clock runs from the
            // window, not from the announcements days ahead.
            elapsed: secs(
                self.window
                    .as_ref()
                    .map_or(self.started, |w| w.opens.max(self.started)),
            ),
            target: self.runbook.rto.map(crate::config::Dur::as_secs_f64),
        }];
        if let Some(p) = self.runbook.phases.get(self.phase) {
            out.push(Timer {
                label: format!("phase {}", p.id),
                elapsed: secs(self.phase_started),
                target: p.target.map(crate::config::Dur::as_secs_f64),
            });
        }
        if let Some(s) = self.current() {
            let target = match s.kind {
                StepKind::Wait => s.duration.or(s.timeout).or(s.deadline),
                _ => s.deadline,
            };
            // A notify deadline runs from its phase (or `after` step).
            let from = if s.kind == StepKind::Notify {
                deadline_start(self)
            } else {
                self.step_started
            };
            out.push(Timer {
                label: format!("step {}", s.id),
                elapsed: secs(from),
                target: target.map(crate::config::Dur::as_secs_f64),
            });
        }
        out
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Timer {
    pub label: String,
    pub elapsed: f64,
    pub target: Option<f64>,
}

impl Timer {
    /// 0 below 80 % of the target, 1 from 80 %, 2 when overdue.
    pub fn level(&self) -> u8 {
        match self.target {
            Some(t) if self.elapsed > t => 2,
            Some(t) if self.elapsed >= 0.8 * t => 1,
            _ => 0,
        }
    }
}

/// When the current step's deadline started: the end of the named `after`
/// step, else the start of its phase (the previous phase's completion).
pub fn deadline_start(inc: &Incident) -> DateTime<Utc> {
    let after = inc.current().and_then(|s| s.after.as_deref());
    after
        .and_then(|a| {
            inc.entries.iter().rev().find_map(|e| match e.event {
                Event::StepDone { .. } if e.step.as_deref() == Some(a) => Some(e.at),
                _ => None,
            })
        })
        .unwrap_or(inc.phase_started)
}

/// The answer of one item of the last round.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub item: String,
    /// HTTP status and JSON body, or why there is none.
    pub result: Result<(u16, serde_json::Value), String>,
}

/// The last round of a probe wait (not journaled: the wait's end is).
#[derive(Debug, Clone, PartialEq)]
pub struct Round {
    pub step: String,
    pub at: DateTime<Utc>,
    pub answers: Vec<Answer>,
}
