//! One incident: a runbook being driven on a pair. Its state is a fold of
//! its journal entries (`apply`), so a resumed incident is the same state
//! machine replayed, and watchers can follow it from the journal.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::runbook::{Runbook, Step, StepKind};

/// Who acted, from where.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
pub struct Operator {
    pub user: String,
    pub host: String,
    /// `$SSH_CLIENT` address, when on SSH.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ssh_client: Option<String>,
}

impl Operator {
    pub fn from_env() -> Self {
        let user = std::env::var("USER")
            .or_else(|_| std::env::var("LOGNAME"))
            .unwrap_or_else(|_| "unknown".into());
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .map_or_else(|_| "localhost".into(), |h| h.trim().to_string());
        let ssh_client = std::env::var("SSH_CLIENT")
            .ok()
            .and_then(|s| s.split_whitespace().next().map(str::to_string));
        Self {
            user,
            host,
            ssh_client,
        }
    }

    pub fn label(&self) -> String {
        format!("{}@{}", self.user, self.host)
    }
}

/// What happened, as written to the journal.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "event", content = "details", rename_all = "snake_case")]
pub enum Event {
    Started {
        title: String,
        drill: bool,
        /// The pair's instances at the start (the failed primary and the
        /// standby to promote), for messages and the report.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        primary: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        standby: Option<String>,
    },
    CheckConfirmed,
    GatePassed {
        values: String,
    },
    GateOverridden {
        reason: String,
        values: String,
    },
    InputRecorded {
        text: String,
    },
    WaitDone {
        how: String,
    },
    /// Written and flushed before the action runs; `lag` is the pair's
    /// replication lag at that moment (the data-loss window of a cutover).
    ActionIntent {
        command: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        lag: Option<f64>,
        /// The settle expression rendered when the action started (after a
        /// failover `{{ standby.id }}` names another instance).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        settle: Option<String>,
    },
    ActionResult {
        ok: bool,
        status: String,
        output: String,
        millis: u64,
    },
    /// Timed out or lost: nobody saw it finish.
    ActionUnknown {
        reason: String,
    },
    ActionVerified {
        ok: bool,
        note: String,
    },
    /// A notification went out: the exact text, where, and what the
    /// channel answered. `late` when sent after `due`.
    Notified {
        channel: String,
        target: String,
        text: String,
        response: String,
        sent: DateTime<Utc>,
        millis: u64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        due: Option<DateTime<Utc>>,
        #[serde(default)]
        late: bool,
    },
    /// A send failed; the text is kept for a retry or another channel.
    NotifyFailed {
        channel: String,
        target: String,
        text: String,
        error: String,
    },
    StepDone {
        outcome: String,
    },
    Aborted {
        reason: String,
    },
    Closed,
}

/// One line of the journal.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Entry {
    pub at: DateTime<Utc>,
    pub operator: Operator,
    pub incident: String,
    pub runbook: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pair: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
    #[serde(flatten)]
    pub event: Event,
}

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

#[derive(Debug, Clone)]
pub struct Incident {
    pub id: String,
    pub runbook: Arc<Runbook>,
    pub pair: Option<String>,
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
    pub entries: Vec<Entry>,
}

impl Incident {
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
            entries: Vec::new(),
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

    /// A journal entry for an event at the current position.
    pub fn entry(&self, at: DateTime<Utc>, event: Event) -> Entry {
        Entry {
            at,
            operator: self.operator.clone(),
            incident: self.id.clone(),
            runbook: self.runbook.id.clone(),
            pair: self.pair.clone(),
            phase: self.runbook.phases.get(self.phase).map(|p| p.id.clone()),
            step: self.current().map(|s| s.id.clone()),
            event,
        }
    }

    /// The one state transition: every change goes through the journal.
    pub fn apply(&mut self, e: &Entry) {
        match &e.event {
            Event::Started { drill, .. } => {
                self.started = e.at;
                self.phase_started = e.at;
                self.step_started = e.at;
                self.drill = *drill;
            }
            Event::ActionIntent { command, .. } => {
                self.action = ActionState::Running {
                    since: e.at,
                    command: command.clone(),
                }
            }
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
            Event::StepDone { .. } => self.advance(e.at),
            Event::Aborted { reason } => {
                self.aborted = Some(reason.clone());
                self.closed = Some(e.at);
            }
            Event::Closed => self.closed = Some(e.at),
            Event::CheckConfirmed
            | Event::GatePassed { .. }
            | Event::GateOverridden { .. }
            | Event::InputRecorded { .. }
            | Event::WaitDone { .. }
            | Event::Notified { .. }
            | Event::NotifyFailed { .. } => {}
        }
        self.entries.push(e.clone());
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
    pub fn intent_settle(&self) -> Option<&str> {
        let step = self.current()?.id.as_str();
        self.entries.iter().rev().find_map(|e| match &e.event {
            Event::ActionIntent { settle, .. } if e.step.as_deref() == Some(step) => {
                settle.as_deref()
            }
            _ => None,
        })
    }

    /// Rebuilds an incident from its journal. An action whose intent has
    /// no result was running when the session ended: its outcome is
    /// unknown and it must be checked, never re-run.
    pub fn replay(entries: &[Entry], runbook: Arc<Runbook>) -> Option<Self> {
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
        if matches!(inc.action, ActionState::Running { .. }) {
            inc.action = ActionState::Unknown {
                reason: "the session ended while the action ran".into(),
            };
        }
        Some(inc)
    }

    /// Seconds since the incident, the phase and the step started, with
    /// their targets.
    pub fn timers(&self, now: DateTime<Utc>) -> Vec<Timer> {
        let secs = |from: DateTime<Utc>| (now - from).num_milliseconds().max(0) as f64 / 1000.0;
        let mut out = vec![Timer {
            label: "RTO".into(),
            elapsed: secs(self.started),
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
                super::notify::deadline_start(self)
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
