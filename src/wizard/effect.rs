//! What the wizard asks the outside world to do (`Effect`), the requests
//! those effects carry, and what comes back from the ones that finish
//! later (`Feedback`). Only the executor carries effects out; the wizard
//! never does IO.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::incident::{Entry, Event, Incident};
use crate::config::NotifyCfg;

// A handful of effects per key press, each moved once: boxing the large
// variants would buy nothing measurable.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum Effect {
    Quit,
    Silence(SilenceRequest),
    /// Take the pair's lock and journal the start; then the incident opens.
    Start {
        incident: Box<Incident>,
        entry: Entry,
    },
    /// Take an orphaned incident over: its locks, its journal of record
    /// copied here, then `entry` (`taken_over`) journaled.
    TakeOver {
        incident: Box<Incident>,
        entries: Vec<Entry>,
        entry: Entry,
    },
    /// Journal (fsync) these entries; then they are applied.
    Journal {
        entries: Vec<Entry>,
    },
    /// Journal the intent, then run the action.
    RunAction {
        plan: ActionPlan,
        intent: Entry,
    },
    /// Lock, journal the intents, then run one batch of a bulk step.
    RunBulk {
        plans: Vec<(String, ActionPlan)>,
        intents: Vec<Entry>,
    },
    /// Create the silence of a `silence` step.
    SilenceStep {
        incident: String,
        step: String,
        request: SilenceRequest,
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
    /// Journal a maintenance window's record (`:schedule`).
    Schedule(Box<crate::wizard::window::Record>),
    /// Put text on the user's clipboard through the terminal (OSC 52).
    Copy(String),
    /// Send a notification; its outcome is journaled when it comes back.
    Notify(Box<Send>),
    /// For the view: a message in the status bar.
    Notice {
        text: String,
        error: bool,
    },
    /// For the view: show the wizard screen (`false`: back to the panes).
    ShowWizard(bool),
    /// For the view: show the report of the focused incident.
    ShowReport,
}

impl Effect {
    pub fn notice(text: impl Into<String>, error: bool) -> Self {
        Self::Notice {
            text: text.into(),
            error,
        }
    }

    /// Effects the view applies itself; the others go to the executor.
    pub fn is_view(&self) -> bool {
        matches!(
            self,
            Self::Notice { .. } | Self::ShowWizard(_) | Self::ShowReport
        )
    }
}

/// A silence to create in Alertmanager.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SilenceRequest {
    /// Index of the `alertmanager` source.
    pub source: usize,
    /// Exact matchers: the alert's labels.
    pub labels: BTreeMap<String, String>,
    pub duration: Duration,
    pub comment: String,
}

/// One message on its way, as the operator confirmed it.
#[derive(Debug, Clone, PartialEq)]
pub struct Send {
    pub incident: String,
    pub step: String,
    pub channel: String,
    pub cfg: NotifyCfg,
    /// Exactly what the operator saw and confirmed.
    pub text: String,
    /// PagerDuty: resolve the incident's alert instead of triggering it.
    pub resolve: bool,
    /// PagerDuty `source` and the generic webhook's `operator`.
    pub operator: String,
    /// PagerDuty severity: critical, error, warning or info.
    pub severity: String,
    pub sent: DateTime<Utc>,
    pub due: Option<DateTime<Utc>>,
}

/// What came of an effect, shown to the operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub ok: bool,
    pub text: String,
}

/// What comes back from effects that finish later.
#[derive(Debug, Clone, PartialEq)]
pub enum Feedback {
    Notice(Outcome),
    /// An action ended (or timed out): journal this event for the incident.
    ActionDone {
        incident: String,
        /// The step that ran it: the result is journaled there, whatever
        /// step is current when it comes back.
        step: String,
        event: Event,
    },
    /// One pair's action of a bulk step ended.
    BulkDone {
        incident: String,
        pair: String,
        event: Event,
    },
    /// The silence of a `silence` step was created (its id) or not.
    SilenceDone {
        incident: String,
        step: String,
        source: String,
        request: SilenceRequest,
        result: Result<String, String>,
    },
    /// A round of a probe wait came back.
    ProbeDone {
        incident: String,
        round: super::probe::Round,
    },
    /// A notification was sent (or failed): journal this event.
    NotifyDone {
        incident: String,
        step: String,
        event: Event,
    },
}

/// An action ready to run, rendered with the incident's variables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionPlan {
    pub incident: String,
    pub step: String,
    /// Exactly what will run, shown before confirmation and journaled.
    pub display: String,
    pub run: Run,
    pub timeout: Duration,
    /// Rendered settle expression, watched if the outcome is unknown.
    pub settle: Option<crate::cond::Cond>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Run {
    Program(Vec<String>),
    Http {
        method: String,
        url: String,
        body: Option<String>,
        headers: Vec<(String, String)>,
    },
    /// Drill mode without a `dry_run` command: shown, not run.
    Nothing,
}
