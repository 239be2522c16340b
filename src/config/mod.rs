//! The config file (TOML): its shape, defaults, lookup and validation.

pub mod coordination;
mod duration;
pub mod files;
mod load;
pub mod runbooks;
mod source_rules;
mod starter;
pub mod templates;

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Deserialize;

pub use duration::{
    Dur, MAX as MAX_DURATION, nonzero as nonzero_duration, parse as parse_duration,
};
pub use load::{Lookup, find, home, load_file, validate, xdg_config_home};
pub use starter::STARTER;

/// The whole config file.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub console: Console,
    pub thresholds: Thresholds,
    pub limits: Limits,
    #[serde(rename = "region")]
    pub regions: Vec<RegionCfg>,
    #[serde(rename = "source")]
    pub sources: Vec<SourceCfg>,
    #[serde(rename = "pair")]
    pub pairs: Vec<PairCfg>,
    pub notify: BTreeMap<String, NotifyCfg>,
    pub coordination: coordination::Coordination,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Console {
    /// Shown in the title bar; name the environment (`prod-eu`).
    pub title: String,
    pub journal_dir: PathBuf,
    pub theme: String,
    pub keymap: String,
    pub runbooks: Vec<PathBuf>,
    /// Load the shipped (demo control-plane) runbooks beside `runbooks`;
    /// `false` for an estate whose runbooks are all its own, so the chooser
    /// offers nothing that acts on a control plane it does not have.
    pub shipped_runbooks: bool,
    /// Folders (or files) of notification templates, beside the shipped ones.
    pub templates: Vec<PathBuf>,
    /// Background of the title bar, so `prod` cannot be mistaken for
    /// `staging` (`"red"`, `"#8b0000"`, `"208"`).
    pub frame_color: Option<String>,
}

impl Default for Console {
    fn default() -> Self {
        Self {
            title: "baton".into(),
            journal_dir: PathBuf::from("~/.local/state/baton/journal"),
            theme: "default".into(),
            keymap: "default".into(),
            runbooks: vec![PathBuf::from("runbooks/")],
            shipped_runbooks: true,
            templates: vec![PathBuf::from("templates/")],
            frame_color: None,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Thresholds {
    /// A primary whose health score is below this is CRITICAL.
    pub critical_below: f64,
    /// A standby below this must not be promoted; the pair is AT RISK.
    pub standby_min: f64,
    pub lag_warn: Dur,
    pub lag_abort: Dur,
    /// Lag in bytes above this: AT RISK (where a source sends bytes).
    pub lag_bytes_warn: u64,
    /// Lag in bytes above this blocks a promotion without a typed reason:
    /// time-based lag misleads on an idle primary, bytes do not.
    pub lag_bytes_abort: u64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            critical_below: 50.0,
            standby_min: 70.0,
            lag_warn: Dur::secs(10),
            lag_abort: Dur::secs(60),
            lag_bytes_warn: 1024 * 1024,
            lag_bytes_abort: 16 * 1024 * 1024,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    pub cooldown: Dur,
    pub max_per_day: u32,
    pub max_concurrent: u32,
    pub batch_size: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            cooldown: Dur::secs(300),
            max_per_day: 5,
            max_concurrent: 50,
            batch_size: 20,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegionCfg {
    pub id: String,
    pub provider: String,
}

/// What a source reads.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    Fleet,
    Http,
    Prometheus,
    Alertmanager,
    Tcp,
    Command,
    /// A Redis server's own `INFO replication`: role and replica lag.
    Redis,
    /// A DNS server (a resolver) asked for a record: up when it answers.
    Dns,
    /// A process alive, by pid file or exact executable name.
    Process,
    /// A database that answers a query (PostgreSQL or an SQLite file).
    Database,
}

impl SourceKind {
    pub fn name(self) -> &'static str {
        match self {
            Self::Fleet => "fleet",
            Self::Http => "http",
            Self::Prometheus => "prometheus",
            Self::Alertmanager => "alertmanager",
            Self::Tcp => "tcp",
            Self::Command => "command",
            Self::Redis => "redis",
            Self::Dns => "dns",
            Self::Process => "process",
            Self::Database => "database",
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceCfg {
    pub name: String,
    pub kind: SourceKind,
    /// Endpoint. For `http` it may be left out: the source then probes the
    /// `health` URL of every instance in `[[pair]]`.
    pub url: Option<String>,
    #[serde(default = "default_interval")]
    pub interval: Dur,
    #[serde(default = "default_timeout")]
    pub timeout: Dur,
    /// Consecutive failures before a target counts as down.
    #[serde(default = "default_failure_threshold")]
    pub failure_threshold: u32,
    /// Requests in flight at once when probing many instances.
    #[serde(default = "default_max_in_flight")]
    pub max_in_flight: usize,
    /// HTTP headers; a value `"env:NAME"` is read from the environment.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// For an `http` source with `url`: the instance whose health it is.
    pub instance: Option<String>,
    /// Consecutive successes before a down target counts as up again
    /// (avoids flapping).
    #[serde(default = "default_success_threshold")]
    pub success_threshold: u32,
    /// After `failure_threshold` failed polls the interval doubles per
    /// failure, up to this.
    #[serde(default = "default_max_backoff")]
    pub max_backoff: Dur,
    /// Largest response body read, in MiB; a larger one is refused.
    pub max_body_mib: Option<u32>,
    /// Extra PEM CA certificate(s) trusted besides the system roots.
    pub ca_file: Option<PathBuf>,
    /// `http`: Gatus-style conditions, all of which must hold.
    #[serde(default, deserialize_with = "crate::cond::http_conditions")]
    pub conditions: Vec<crate::cond::Cond>,
    /// JSON pointers for responses not in the default shape.
    #[serde(default)]
    pub map: SourceMap,
    /// `prometheus`: the PromQL instant query.
    pub query: Option<String>,
    /// `prometheus`: label whose value is a pair id.
    pub pair_label: Option<String>,
    /// `prometheus`: label whose value is an instance id.
    pub instance_label: Option<String>,
    /// `prometheus`: what the value is.
    pub measure: Option<Measure>,
    /// `alertmanager`: label holding the severity.
    #[serde(default = "default_severity_label")]
    pub severity_label: String,
    /// `command`: program and arguments, run without a shell.
    pub command: Option<Vec<String>>,
    /// `command` without `instance`: a named service check (exit status 0
    /// is a pass) rather than a program that prints pairs or an instance.
    #[serde(default)]
    pub check: bool,
    /// `process`: a pid file naming the process that must be alive.
    pub pid_file: Option<PathBuf>,
    /// `process`: the exact executable name of a process that must run.
    pub process: Option<String>,
    /// `database` on PostgreSQL: the password, as `env:NAME` or `file:PATH`.
    pub password: Option<String>,
}

impl SourceCfg {
    /// A source with no instance that checks one target is a named
    /// service check (seed 002): shown in the Checks view, read in
    /// expressions as `check.NAME.ok`, raising `CheckFailing`.
    pub fn is_check(&self) -> bool {
        if self.instance.is_some() {
            return false;
        }
        match self.kind {
            SourceKind::Http => self.url.is_some(),
            SourceKind::Tcp
            | SourceKind::Redis
            | SourceKind::Dns
            | SourceKind::Process
            | SourceKind::Database => true,
            SourceKind::Command => self.check,
            SourceKind::Fleet | SourceKind::Prometheus | SourceKind::Alertmanager => false,
        }
    }
}

/// What a Prometheus series measures.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// Replication lag in seconds, per pair.
    Lag,
    /// Replication lag in bytes, per pair (PostgreSQL WAL, Redis offsets).
    LagBytes,
    /// Health score 0–100, per instance.
    HealthScore,
    /// 1 up, 0 down, per instance.
    Up,
}

/// JSON pointers (RFC 6901) into responses of another shape. Instance
/// fields are relative to an instance object; fleet fields to a pair entry.
#[derive(Debug, Clone, Deserialize, Default, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct SourceMap {
    /// Fleet: where the list of pairs is (default `/pairs`).
    pub pairs: Option<String>,
    /// Fleet: the pair id inside an entry (default `/id`).
    pub pair_id: Option<String>,
    /// Fleet: the primary instance object inside an entry (default `/primary`).
    pub primary: Option<String>,
    /// Fleet: the standby instance object inside an entry (default `/standby`).
    pub standby: Option<String>,
    /// Lag in seconds: of the pair entry (fleet) or of the instance (http).
    pub lag: Option<String>,
    /// Lag in bytes, read as `lag` is.
    pub lag_bytes: Option<String>,
    /// Of an instance: whether it takes writes (a boolean).
    pub writable: Option<String>,
    pub id: Option<String>,
    pub role: Option<String>,
    pub status: Option<String>,
    pub health_score: Option<String>,
    pub region: Option<String>,
    pub provider: Option<String>,
}

fn default_success_threshold() -> u32 {
    1
}
fn default_max_backoff() -> Dur {
    Dur::secs(60)
}
fn default_severity_label() -> String {
    "severity".into()
}

fn default_interval() -> Dur {
    Dur::secs(2)
}
fn default_timeout() -> Dur {
    Dur::secs(1)
}
fn default_failure_threshold() -> u32 {
    3
}
fn default_max_in_flight() -> usize {
    64
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PairCfg {
    pub id: String,
    pub runbook: Option<String>,
    pub primary: InstanceCfg,
    pub standby: Option<InstanceCfg>,
    /// What this pair's runbooks need (a Sentinel master name, a DNS
    /// record): `pair.vars.NAME` in templates. No secrets here: they are
    /// journaled with the rendered commands.
    #[serde(default)]
    pub vars: std::collections::BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InstanceCfg {
    pub id: String,
    pub region: String,
    pub provider: Option<String>,
    /// Health endpoint probed by an `http` source.
    pub health: Option<String>,
    /// What runbooks need to act on this instance (a connection string,
    /// an address): `primary.vars.NAME` / `standby.vars.NAME`, following
    /// the instance when the roles swap.
    #[serde(default)]
    pub vars: std::collections::BTreeMap<String, String>,
}

#[derive(Debug, Clone, Copy, Deserialize, serde::Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum NotifyKind {
    Webhook,
    Slack,
    Pagerduty,
    Command,
    File,
    Clipboard,
}

/// A channel notify steps send to. Secrets (`url`, `routing_key`, header
/// values) may be `"env:NAME"`, read from the environment when sending.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct NotifyCfg {
    pub kind: NotifyKind,
    /// `webhook`, `slack`: where to POST; `pagerduty`: the Events API v2
    /// endpoint (default `https://events.pagerduty.com/v2/enqueue`).
    pub url: Option<String>,
    /// `webhook` only: `json` (default), `slack` or `pagerduty` body.
    pub format: Option<String>,
    /// `pagerduty`: the integration's routing key.
    pub routing_key: Option<String>,
    /// `command`: program and arguments; the text goes to its stdin.
    pub command: Option<Vec<String>>,
    /// `file`: appended to, one message per block.
    pub path: Option<PathBuf>,
    /// `webhook`, `slack`, `pagerduty`: extra HTTP headers.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Give up after this (default 10s).
    #[serde(default, deserialize_with = "nonzero_duration")]
    pub timeout: Option<Dur>,
}

impl NotifyCfg {
    /// The kind, with `kind = "webhook", format = "slack" | "pagerduty"`
    /// read as that kind (the spec's spelling).
    pub fn effective_kind(&self) -> NotifyKind {
        match (self.kind, self.format.as_deref()) {
            (NotifyKind::Webhook, Some("slack")) => NotifyKind::Slack,
            (NotifyKind::Webhook, Some("pagerduty")) => NotifyKind::Pagerduty,
            (k, _) => k,
        }
    }

    /// A builtin channel: the operator's clipboard through OSC 52.
    pub fn clipboard() -> Self {
        Self {
            kind: NotifyKind::Clipboard,
            url: None,
            format: None,
            routing_key: None,
            command: None,
            path: None,
            headers: BTreeMap::new(),
            timeout: None,
        }
    }
}

/// For `#[serde(default, deserialize_with = "...")]` on counts where zero
/// means nothing (`batch_size`, `progress_every`).
pub fn nonzero_count<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    match u32::deserialize(d)? {
        0 => Err(serde::de::Error::custom("must be at least 1")),
        n => Ok(Some(n)),
    }
}

impl Config {
    /// Provider of a region from `[[region]]`, if declared.
    pub fn provider_of(&self, region: &str) -> Option<&str> {
        self.regions
            .iter()
            .find(|r| r.id == region)
            .map(|r| r.provider.as_str())
    }

    /// `[[pair]] vars` of a configured pair (empty for a discovered one).
    pub fn pair_vars(&self, pair: &str) -> std::collections::BTreeMap<String, String> {
        self.pairs
            .iter()
            .find(|p| p.id == pair)
            .map(|p| p.vars.clone())
            .unwrap_or_default()
    }

    /// `vars` of a configured instance, found by its id so that they follow
    /// it through a role swap.
    pub fn instance_vars(&self, instance: &str) -> std::collections::BTreeMap<String, String> {
        self.pairs
            .iter()
            .flat_map(|p| std::iter::once(&p.primary).chain(p.standby.as_ref()))
            .find(|i| i.id == instance)
            .map(|i| i.vars.clone())
            .unwrap_or_default()
    }
}
