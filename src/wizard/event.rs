//! The journal's schema: one `Entry` per line, an `Event` in each, and
//! who acted. Every reader of the journal (the incident's fold, the report,
//! watch, the safety rules' history) reads these types; nothing else is
//! written to a journal.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

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
        /// A region or provider incident: the area it was started on.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        region: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        provider: Option<String>,
        /// The maintenance window it was started in: its phases come due
        /// relative to the window.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        window: Option<super::window::WindowRef>,
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
        /// The pair's lag in bytes, where a source measures it: the data
        /// the standby had not replayed when the action started.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        lag_bytes: Option<f64>,
        /// The action is the cutover (`promote` or `cutover`): the journal
        /// says so itself, so a report needs no runbook file to find the
        /// recovery point.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        cutover: bool,
        /// The settle expression rendered when the action started (after a
        /// failover `{{ standby.id }}` names another instance).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        settle: Option<crate::cond::Cond>,
    },
    ActionResult {
        ok: bool,
        status: String,
        output: String,
        millis: u64,
    },
    /// The safety rules refused the action; nothing ran.
    ActionRefused {
        rule: String,
        fact: String,
        /// Hard rules have no override; soft ones pass with a reason.
        hard: bool,
    },
    /// The operator passed soft safety rules with a typed reason.
    RulesOverridden {
        rules: Vec<String>,
        facts: Vec<String>,
        reason: String,
    },
    /// The intent is in the journal but the action never started: the
    /// intent could not be committed to etcd in time (no quorum).
    ActionNotRun {
        reason: String,
    },
    /// A step that needs a second operator asked for one; `command` is
    /// exactly what the approver is shown and approves.
    ApprovalRequested {
        request: u64,
        command: String,
    },
    /// A second operator approved request `request` (its command).
    Approved {
        request: u64,
        command: String,
        by: Operator,
    },
    ApprovalRefused {
        request: u64,
        by: Operator,
        reason: String,
    },
    /// This operator took the incident over from `from`, whose console's
    /// lease had expired (a lost bastion), with a typed reason.
    TakenOver {
        from: Operator,
        reason: String,
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
    /// A bulk step began: the pairs it will fail over, in order, and those
    /// it will not (escalated: standby on the primary's provider; or not
    /// eligible now), each with the reason.
    BulkPlan {
        pairs: Vec<String>,
        escalated: Vec<(String, String)>,
        ineligible: Vec<(String, String)>,
    },
    /// Written and flushed before this pair's action runs.
    BulkIntent {
        pair: String,
        command: String,
        /// The pair's replication lag at that moment (its data-loss window).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        lag: Option<f64>,
    },
    /// How one pair's action ended (`ok = false` includes unknown).
    BulkResult {
        pair: String,
        ok: bool,
        status: String,
        millis: u64,
    },
    /// A planned pair not run: no longer eligible, or locked elsewhere.
    BulkSkipped {
        pair: String,
        reason: String,
    },
    /// The operator resumed a bulk step that was interrupted.
    BulkResumed,
    /// Every `progress_every` completions.
    BulkProgress {
        done: usize,
        ok: usize,
        failed: usize,
        total: usize,
    },
    /// A silence was created in Alertmanager, ending by itself at `until`.
    Silenced {
        source: String,
        id: String,
        matchers: std::collections::BTreeMap<String, String>,
        until: DateTime<Utc>,
    },
    StepDone {
        outcome: String,
    },
    /// Appending found the file's last line torn (a crash mid-write): it
    /// was ended with a newline before this entry.
    JournalRepaired {
        torn_bytes: u64,
    },
    /// Never written: read back from a line that is not a whole entry,
    /// with what can still be read of it (its event, a bulk intent's pair).
    Torn {
        line: usize,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        event: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pair: Option<String>,
        fragment: String,
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
