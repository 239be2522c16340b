//! Runbooks: phases and steps, with an RTO, phase targets and step
//! deadlines, as their TOML files spell them. `check` finds everything a
//! run would trip on later; `config::runbooks` reads the files.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Deserialize;

use crate::cond::Cond;
use crate::config::Dur;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Runbook {
    pub id: String,
    pub title: String,
    /// What it is started on.
    #[serde(default)]
    pub applies_to: AppliesTo,
    /// The scenario of seed 001's table, shown with the targets.
    pub scenario: Option<String>,
    /// Recovery time objective for the whole run.
    #[serde(default, deserialize_with = "crate::config::nonzero_duration")]
    pub rto: Option<Dur>,
    /// Recovery point objective (data-loss window), compared with lag at cutover.
    pub rpo: Option<Dur>,
    /// Takes the pair's (or area's) lock and counts toward max_concurrent;
    /// a follow-up checklist does not.
    #[serde(default = "yes")]
    pub lock: bool,
    /// Always runs in drill mode: actions run their `dry_run`, marked DRILL.
    #[serde(default)]
    pub drill: bool,
    /// Started on the same target when this one closes (a follow-up).
    pub then: Option<String>,
    /// What it is for, so the chooser highlights the one that fits the
    /// pair's state whatever the load order; see `Runbook::purpose`.
    #[serde(default)]
    pub purpose: Option<Purpose>,
    #[serde(rename = "phase")]
    pub phases: Vec<Phase>,
    /// Where it was loaded from, for messages.
    #[serde(skip)]
    pub file: PathBuf,
}

/// What a runbook is for.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Purpose {
    /// Moves a failing primary's role to its standby.
    Failover,
    /// Moves it back after a failover.
    Failback,
    /// Works an incident without necessarily failing over.
    Incident,
    /// A follow-up checklist.
    Checklist,
}

impl Runbook {
    /// The pairs its steps name with `pair`, in order, once each.
    pub fn named_pairs(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for (_, _, s) in self.steps() {
            if let Some(p) = &s.pair
                && !out.contains(p)
            {
                out.push(p.clone());
            }
        }
        out
    }

    /// The declared purpose; without one, a runbook without a lock is a
    /// checklist, one whose id or title says failback or rollback is a
    /// failback (copies of older runbooks), and any other a failover.
    pub fn purpose(&self) -> Purpose {
        if let Some(p) = self.purpose {
            return p;
        }
        let named = format!("{} {}", self.id, self.title).to_lowercase();
        if !self.lock {
            Purpose::Checklist
        } else if named.contains("failback") || named.contains("rollback") {
            Purpose::Failback
        } else {
            Purpose::Failover
        }
    }
}

#[derive(Debug, Clone, Copy, Deserialize, Default, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum AppliesTo {
    #[default]
    Pair,
    /// Started from the Regions pane on one region (all its primaries).
    Region,
    /// Started from the Regions pane on the row's provider (all its primaries).
    Provider,
    Estate,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Phase {
    pub id: String,
    pub title: Option<String>,
    /// Time target for the phase.
    #[serde(default, deserialize_with = "crate::config::nonzero_duration")]
    pub target: Option<Dur>,
    /// Not before this long after the incident started (follow-up horizons:
    /// "15m", "1h", "24h", "1w"); in a maintenance window, after the window.
    pub due: Option<Dur>,
    /// In a maintenance window: due this long before the window opens
    /// (seed 004: announce "48h", lower DNS TTLs "24h"). Without a window
    /// the phase is due at once.
    #[serde(default, deserialize_with = "crate::config::nonzero_duration")]
    pub before: Option<Dur>,
    #[serde(rename = "step")]
    pub steps: Vec<Step>,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum StepKind {
    Check,
    Gate,
    Action,
    Wait,
    Input,
    Notify,
    /// The step's action run on every eligible pair of the area, in batches.
    Bulk,
    /// A scoped, self-expiring Alertmanager silence (alert hygiene).
    Silence,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub id: String,
    pub kind: StepKind,
    pub title: String,
    /// Longer guidance shown under the title.
    pub help: Option<String>,
    /// Time allowed for this step from the moment it becomes current.
    #[serde(default, deserialize_with = "crate::config::nonzero_duration")]
    pub deadline: Option<Dur>,
    /// `gate`: must hold to go on; `wait`: wait until it holds.
    pub expr: Option<Cond>,
    /// Any step: the configured pair it acts on instead of the incident's
    /// (a region runbook's PostgreSQL promote, then its Sentinel failover):
    /// its gates, waits, templates and safety rules see that pair.
    pub pair: Option<String>,
    /// Any step: when this holds, `enter` marks the step done as skipped,
    /// the values journaled (fencing a primary that is already down).
    pub skip_when: Option<Cond>,
    /// `action`: program and arguments, each a template, never a shell.
    pub command: Option<Vec<String>>,
    /// `action`: an HTTP request instead of a program.
    pub http: Option<HttpAction>,
    /// `action`: run this instead in drill mode (`--drill`); without it a
    /// drill only shows the command.
    pub dry_run: Option<Vec<String>>,
    /// `action`: the operator types the pair id to confirm.
    #[serde(default)]
    pub destructive: bool,
    /// `action`: waits for a second, different operator to approve the
    /// rendered command (`baton approve`), as `[coordination] approval =
    /// "destructive"` makes every destructive step do.
    #[serde(default)]
    pub approve: bool,
    /// `action`: promotes the standby; refused below `standby_min`, no override.
    #[serde(default)]
    pub promote: bool,
    /// `action`: its success is the recovery point (RTO) and its intent's
    /// lag the data-loss window (RPO); implied by `promote`.
    #[serde(default)]
    pub cutover: bool,
    /// `action`: killed after this (default 30s); `wait`: gives up after this.
    #[serde(default, deserialize_with = "crate::config::nonzero_duration")]
    pub timeout: Option<Dur>,
    /// `action`: expression that shows the action took effect; watched
    /// when its outcome is unknown.
    pub settle: Option<Cond>,
    /// `wait`: a countdown.
    #[serde(default, deserialize_with = "crate::config::nonzero_duration")]
    pub duration: Option<Dur>,
    /// `input`: the question.
    pub prompt: Option<String>,
    /// `notify`: name of a template (file stem in `templates/`).
    pub template: Option<String>,
    /// `notify`: the template written here instead of in a file.
    pub text: Option<String>,
    /// `notify`: a `[notify.NAME]` channel (or `clipboard`); without it the
    /// first configured channel, else the clipboard.
    pub channel: Option<String>,
    /// `notify`: the deadline counts from the end of this step instead of
    /// the start of the phase.
    pub after: Option<String>,
    /// `notify` to PagerDuty: resolve the incident's alert instead of
    /// triggering it.
    #[serde(default)]
    pub resolve: bool,
    /// `notify`: extra template variables (`vars.level = "L3"`).
    #[serde(default)]
    pub vars: BTreeMap<String, String>,
    /// `bulk`: pairs per batch (default `limits.batch_size`); at most
    /// `limits.max_concurrent` actions are in flight.
    #[serde(default, deserialize_with = "crate::config::nonzero_count")]
    pub batch_size: Option<u32>,
    /// `bulk`: a progress report every this many completions (default 10),
    /// sent to `channel` when set.
    #[serde(default, deserialize_with = "crate::config::nonzero_count")]
    pub progress_every: Option<u32>,
    /// `silence`: exact label matchers, each a template
    /// (`{ instance = "{{ failover.failed_instance }}" }`).
    #[serde(default)]
    pub matchers: BTreeMap<String, String>,
    /// `silence`: the Alertmanager source (default: the first one).
    pub source: Option<String>,
    /// `silence`: why, a template (default names the incident).
    pub comment: Option<String>,
    /// `wait`: poll this until `expect` holds for every item.
    pub probe: Option<Probe>,
    /// `wait` with `probe`, `action` over HTTP: an expression over the JSON
    /// answer's top-level fields (and `status`) that must hold.
    pub expect: Option<Cond>,
}

/// A request a wait step repeats: once per item of `each` (`{{ item }}`),
/// every `every` (default 5s).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Probe {
    pub url: String,
    #[serde(default)]
    pub each: Vec<String>,
    #[serde(default, deserialize_with = "crate::config::nonzero_duration")]
    pub every: Option<Dur>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpAction {
    #[serde(default = "default_method")]
    pub method: String,
    pub url: String,
    pub body: Option<String>,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
}

fn yes() -> bool {
    true
}

fn default_method() -> String {
    "POST".into()
}

impl Runbook {
    /// An empty runbook, for checking templates outside any runbook.
    pub fn placeholder() -> Self {
        Self {
            id: "runbook".into(),
            title: "Runbook".into(),
            applies_to: AppliesTo::Pair,
            scenario: None,
            rto: None,
            rpo: None,
            lock: true,
            drill: false,
            then: None,
            purpose: None,
            phases: Vec::new(),
            file: PathBuf::new(),
        }
    }

    pub fn steps(&self) -> impl Iterator<Item = (usize, usize, &Step)> {
        self.phases
            .iter()
            .enumerate()
            .flat_map(|(pi, p)| p.steps.iter().enumerate().map(move |(si, s)| (pi, si, s)))
    }

    pub fn step(&self, phase: usize, step: usize) -> Option<&Step> {
        self.phases.get(phase).and_then(|p| p.steps.get(step))
    }
}

pub mod check;
pub mod needs;
