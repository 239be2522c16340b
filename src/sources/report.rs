//! What sources send to the state owner: plain data, no IO.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One poll of one source.
#[derive(Debug, Clone)]
pub struct SourceUpdate {
    /// Index of the source in the config's `[[source]]` list.
    pub source: usize,
    pub at: DateTime<Utc>,
    pub latency: Duration,
    pub result: Result<Payload, String>,
    /// When the source polls next (later than one interval while backing off).
    pub next_poll: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone)]
pub enum Payload {
    /// Every pair a fleet endpoint knows; pairs it no longer lists go away.
    /// `skipped` lists entries that could not be read.
    Fleet {
        pairs: Vec<PairReport>,
        skipped: Vec<String>,
    },
    /// A fleet poll read against the previous one: the entries that
    /// changed; the `unchanged` others said exactly what they said last
    /// time (the same pairs: membership changes come as `Fleet`).
    FleetDelta {
        changed: Vec<PairReport>,
        unchanged: usize,
    },
    /// One probe per instance health endpoint.
    Instances(Vec<Probe>),
    /// Values of a Prometheus query, by pair or instance.
    Measures(Vec<Measured>),
    /// A Prometheus answer naming the same series as the last one sent
    /// whole: the values that changed, by their place in that answer, and
    /// how many series it holds (`sources::series_delta`).
    MeasuresDelta {
        changed: Vec<(u32, f64)>,
        total: usize,
    },
    /// Alerts from Alertmanager (the whole current list).
    Alerts(Vec<ExternalAlert>),
    /// A named service check passed; `detail` is what it found ("pid
    /// 4242", "answered 1", the status an endpoint reported).
    Checked { detail: String },
}

/// One Prometheus series mapped to a pair or an instance.
#[derive(Debug, Clone, PartialEq)]
pub struct Measured {
    pub pair: Option<String>,
    pub instance: Option<String>,
    pub measure: crate::config::Measure,
    pub value: f64,
}

/// An alert as Alertmanager reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct ExternalAlert {
    pub fingerprint: String,
    pub name: String,
    pub severity: String,
    pub labels: std::collections::BTreeMap<String, String>,
    pub summary: String,
    pub starts_at: Option<DateTime<Utc>>,
    pub silenced: bool,
    pub inhibited: bool,
}

/// Default fleet shape of the spec: `{"pairs": [...]}`.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Default)]
pub struct PairReport {
    pub id: String,
    pub primary: InstanceReport,
    #[serde(default)]
    pub standby: Option<InstanceReport>,
    #[serde(default, alias = "lag_seconds")]
    pub replication_lag_seconds: Option<f64>,
    /// Replication lag in bytes (WAL or replication offset not yet
    /// replayed): what a lag gate should trust where time misleads.
    #[serde(default, alias = "lag_bytes")]
    pub replication_lag_bytes: Option<f64>,
}

/// Keeps the first entry of each pair id and names every id listed more
/// than once: a control plane that repeats a pair is reported, not merged
/// silently (which entry was right is unknown).
pub fn drop_duplicate_pairs(pairs: &mut Vec<PairReport>, skipped: &mut Vec<String>) {
    let mut times: std::collections::HashMap<String, usize> =
        std::collections::HashMap::with_capacity(pairs.len());
    pairs.retain(|p| {
        let n = times.entry(p.id.clone()).or_insert(0);
        *n += 1;
        *n == 1
    });
    let mut repeated: Vec<(&String, &usize)> = times.iter().filter(|(_, n)| **n > 1).collect();
    repeated.sort();
    skipped.extend(
        repeated.into_iter().map(|(id, n)| {
            format!("pair \"{id}\" is listed {n} times: only the first entry is used")
        }),
    );
}

/// Default instance shape of the spec.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Default)]
pub struct InstanceReport {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub role: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub health_score: Option<f64>,
    #[serde(default)]
    pub region: Option<String>,
    #[serde(default)]
    pub provider: Option<String>,
    #[serde(default)]
    pub replication_lag_seconds: Option<f64>,
    #[serde(default, alias = "lag_bytes")]
    pub replication_lag_bytes: Option<f64>,
    /// Whether the instance itself says it takes writes (a database that
    /// answered `pg_is_in_recovery()` and `transaction_read_only`): set
    /// only by sources that ask the instance, never guessed from `role`.
    #[serde(default)]
    pub writable: Option<bool>,
}

/// The result of probing one instance's health endpoint.
#[derive(Debug, Clone)]
pub struct Probe {
    pub instance: String,
    pub latency: Duration,
    pub result: Result<InstanceReport, String>,
}

impl InstanceReport {
    /// Statuses that mean the instance is not serving.
    pub fn is_down(&self) -> bool {
        self.status.as_deref().is_some_and(status_is_down)
    }
}

/// Roles that mean "the primary", whatever the system calls it
/// (PostgreSQL and the spec: PRIMARY, Redis: master, Patroni: leader).
pub fn role_is_primary(role: &str) -> bool {
    ["PRIMARY", "MASTER", "LEADER"]
        .iter()
        .any(|r| role.eq_ignore_ascii_case(r))
}

/// The role as baton shows it: PRIMARY, STANDBY, or what the source said
/// (FENCED, …) in capitals.
pub fn normal_role(role: &str) -> String {
    let r = role.trim().to_uppercase();
    if role_is_primary(&r) {
        return "PRIMARY".into();
    }
    match r.as_str() {
        "REPLICA" | "SLAVE" | "SYNC_STANDBY" | "STANDBY_LEADER" => "STANDBY".into(),
        _ => r,
    }
}

pub fn status_is_down(status: &str) -> bool {
    [
        "DOWN",
        "FAILED",
        "UNREACHABLE",
        "ERROR",
        "OFFLINE",
        "UNHEALTHY",
    ]
    .iter()
    .any(|s| status.eq_ignore_ascii_case(s))
}
