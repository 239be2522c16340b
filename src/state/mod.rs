//! The model of the fleet: pairs, instances, sources, regions, alerts.
//! No IO: sources send updates in, the UI reads it out.

pub mod alerts;
mod digest;
mod fleet;
mod index;
mod judge;
mod measures;
pub mod pair;
pub mod regions;
pub mod ring;
mod roles;
mod settle;
pub mod source;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::{DateTime, Utc};

pub use alerts::{Alert, AlertState, Severity};
pub use measures::SLICE as APPLY_SLICE;
pub use pair::{Hysteresis, Instance, Pair, PairState, Role};
pub use regions::RegionSummary;
pub use source::{CheckState, SourceHealth, SourceStatus};

use crate::config::{Config, InstanceCfg, SourceKind};
use crate::sources::report::{
    ExternalAlert, InstanceReport, PairReport, Payload, Probe, SourceUpdate,
};
use crate::sources::series_delta::Resync;

/// How many of the worst lags are kept for the Lag pane.
pub const WORST_LAGS: usize = 64;

pub struct Model {
    pub config: Arc<Config>,
    pub now: DateTime<Utc>,
    pub pairs: Vec<Pair>,
    by_pair: index::Index,
    by_instance: index::Index,
    pub sources: Vec<SourceStatus>,
    pub regions: Vec<RegionSummary>,
    pub alerts: Vec<Alert>,
    alert_since: HashMap<String, DateTime<Utc>>,
    acked: HashSet<String>,
    /// The latest alert list of each Alertmanager source, by source index.
    pub external: HashMap<usize, Vec<ExternalAlert>>,
    /// Pairs per state, counted once per update for the title bar.
    counts: HashMap<PairState, usize>,
    /// Worst lags of the fleet, largest first, kept once per update.
    worst: Vec<(String, f64)>,
    /// Bumped whenever pairs are added, removed or change data, so views
    /// can tell when to re-sort.
    pub generation: u64,
    /// Bumped only when a pair's state or the set of pairs changes: rows
    /// sorted by state or id need no new sort for new values.
    pub states_generation: u64,
    /// What each pair's judgement left for the fleet-wide figures.
    digests: Vec<digest::Digest>,
    places: regions::Places,
    /// baton's own alerts on each pair, by pair index.
    firing: HashMap<usize, Vec<alerts::Firing>>,
    /// The pairs to judge again.
    dirty: settle::Dirty,
    /// The earliest time age alone changes a pair's judgement (ms).
    next_due: Option<i64>,
    /// What each Prometheus source's last whole answer reached, by source.
    reach: Vec<Option<measures::Reach>>,
    /// Asks sources for their next answer whole.
    resync: Resync,
    /// A Prometheus answer taken and not yet applied in full.
    pending: Option<Box<measures::Pending>>,
}

impl Model {
    pub fn new(config: Arc<Config>, now: DateTime<Utc>) -> Self {
        let sources = config
            .sources
            .iter()
            .map(|s| SourceStatus::new(s, now))
            .collect();
        let n = config.sources.len();
        let mut m = Self {
            config,
            now,
            pairs: Vec::new(),
            by_pair: index::Index::new(index::Keys::Pair),
            by_instance: index::Index::new(index::Keys::Instances),
            sources,
            regions: Vec::new(),
            alerts: Vec::new(),
            alert_since: HashMap::new(),
            acked: HashSet::new(),
            external: HashMap::new(),
            counts: HashMap::new(),
            worst: Vec::new(),
            generation: 0,
            states_generation: 0,
            digests: Vec::new(),
            places: regions::Places::default(),
            firing: HashMap::new(),
            dirty: settle::Dirty::All,
            next_due: None,
            reach: (0..n).map(|_| None).collect(),
            resync: Resync::new(n),
            pending: None,
        };
        for r in &m.config.regions {
            m.places.declare(&r.id, &r.provider);
        }
        m.add_configured_pairs();
        m.recompute();
        m
    }

    fn add_configured_pairs(&mut self) {
        let health_source = self
            .config
            .sources
            .iter()
            .find(|s| s.kind == SourceKind::Http && s.url.is_none());
        let stale_after =
            health_source.map(|s| s.interval.0.saturating_mul(source::STALE_INTERVALS));
        let config = Arc::clone(&self.config);
        for pc in &config.pairs {
            let inst = |c: &InstanceCfg| {
                let provider = c
                    .provider
                    .clone()
                    .or_else(|| config.provider_of(&c.region).map(str::to_string))
                    .unwrap_or_else(|| "?".into());
                Instance::new(&c.id, &c.region, &provider)
            };
            let mut pair = Pair::new(&pc.id, inst(&pc.primary), pc.standby.as_ref().map(inst));
            pair.runbook.clone_from(&pc.runbook);
            pair.configured = true;
            if let Some(s) = stale_after {
                pair.stale_after = s;
            }
            self.pairs.push(pair);
        }
        self.reindex();
    }

    /// The handle sources are started with (`sources::spawn_all`), by
    /// which this model asks them for an answer whole.
    pub fn resync(&self) -> &Resync {
        &self.resync
    }

    fn reindex(&mut self) {
        self.states_generation += 1;
        // Places of answers no longer say which pair: the next are whole.
        self.reach.iter_mut().for_each(|r| *r = None);
        self.resync.ask_all();
        // Indices moved: every digest is judged again.
        self.dirty = settle::Dirty::All;
        self.by_pair.clear();
        self.by_instance.clear();
        for (i, p) in self.pairs.iter().enumerate() {
            self.by_pair.insert(&self.pairs, &p.id, i);
            self.by_instance.insert(&self.pairs, &p.primary.id, i);
            if let Some(s) = &p.standby {
                self.by_instance.insert(&self.pairs, &s.id, i);
            }
        }
    }

    pub fn pair(&self, id: &str) -> Option<&Pair> {
        self.by_pair
            .get(&self.pairs, id)
            .and_then(|i| self.pairs.get(i))
    }

    /// Applies one source update, then judges what it changed.
    /// A Prometheus answer is applied in full here; the event loop instead
    /// `take`s it and applies it a slice at a time (`work`).
    pub fn apply(&mut self, u: SourceUpdate) {
        self.take(u);
        self.settle();
    }

    /// Applies one source update and leaves the judgement to `settle`:
    /// the event loop answers a key that came meanwhile first.
    pub fn take(&mut self, u: SourceUpdate) {
        // Updates apply in the order they came: what is left of the last
        // answer first.
        self.finish_pending();
        let Some(status) = self.sources.get_mut(u.source) else {
            return;
        };
        status.last_attempt = Some(u.at);
        status.latency = Some(u.latency);
        status.next_poll = u.next_poll;
        let h = Hysteresis::new(status.threshold, status.success_threshold);
        let stale_after = status.stale_after();
        match u.result {
            Ok(payload) => {
                status.last_error = None;
                status.warnings.clear();
                match payload {
                    Payload::Fleet { pairs, skipped } => {
                        status.failures = 0;
                        status.last_success = Some(u.at);
                        status.warnings = skipped;
                        status.targets = pairs.len();
                        status.failed_targets = 0;
                        self.apply_fleet(u.source, u.at, pairs, h, stale_after);
                        self.dirty = settle::Dirty::All;
                    }
                    Payload::FleetDelta { changed, unchanged } => {
                        status.failures = 0;
                        status.last_success = Some(u.at);
                        status.targets = changed.len() + unchanged;
                        status.failed_targets = 0;
                        self.apply_fleet_delta(u.source, u.at, changed, h, stale_after);
                    }
                    Payload::Instances(probes) => {
                        let failed = probes.iter().filter(|p| p.result.is_err()).count();
                        status.targets = probes.len();
                        status.failed_targets = failed;
                        if let Some(e) = probes.iter().find_map(|p| p.result.as_ref().err()) {
                            status.last_error =
                                Some(format!("{failed} of {} failed; {e}", probes.len()));
                        }
                        // Every probe failing counts against the source itself.
                        if failed > 0 && failed == probes.len() {
                            status.failures = status.failures.saturating_add(1);
                        } else {
                            status.failures = 0;
                            status.last_success = Some(u.at);
                        }
                        let touched = self.apply_probes(u.source, u.at, &probes, h, stale_after);
                        self.dirty.add(touched);
                    }
                    Payload::Measures(values) => {
                        status.failures = 0;
                        status.last_success = Some(u.at);
                        status.targets = values.len();
                        status.failed_targets = 0;
                        self.take_measures(u.source, u.at, values, h, stale_after);
                    }
                    Payload::MeasuresDelta { changed, total } => {
                        status.failures = 0;
                        status.last_success = Some(u.at);
                        status.targets = total;
                        status.failed_targets = 0;
                        self.take_measures_delta(u.source, u.at, &changed, h, stale_after, total);
                    }
                    Payload::Checked { detail } => {
                        status.failures = 0;
                        status.last_success = Some(u.at);
                        status.targets = 1;
                        status.failed_targets = 0;
                        status.record_check(u.at, Some(detail));
                    }
                    Payload::Alerts(alerts) => {
                        status.failures = 0;
                        status.last_success = Some(u.at);
                        status.targets = alerts.len();
                        status.failed_targets = 0;
                        self.external.insert(u.source, alerts);
                    }
                }
            }
            Err(e) => {
                status.failures = status.failures.saturating_add(1);
                status.last_error = Some(e);
                status.record_check(u.at, None);
            }
        }
        self.generation += 1;
    }

    pub(super) fn reindex_instances_if_needed(&mut self) {
        let stale = self.pairs.iter().enumerate().any(|(i, p)| {
            self.by_instance.get(&self.pairs, &p.primary.id) != Some(i)
                || p.standby
                    .as_ref()
                    .is_some_and(|s| self.by_instance.get(&self.pairs, &s.id) != Some(i))
        });
        if stale {
            self.reindex();
        }
    }

    fn apply_probes(
        &mut self,
        source: usize,
        at: DateTime<Utc>,
        probes: &[Probe],
        h: Hysteresis,
        stale_after: std::time::Duration,
    ) -> Vec<usize> {
        let mut touched = Vec::with_capacity(probes.len());
        for probe in probes {
            let Some(idx) = self.by_instance.get(&self.pairs, &probe.instance) else {
                continue;
            };
            touched.push(idx);
            let pair = &mut self.pairs[idx];
            let result = probe.result.as_ref().map_err(String::as_str);
            let is_primary = pair.primary.id == probe.instance;
            let inst = if is_primary {
                &mut pair.primary
            } else if let Some(s) = pair.standby.as_mut() {
                s
            } else {
                continue;
            };
            inst.observe(at, result, h, Some(probe.latency));
            if let Ok(r) = &probe.result {
                // The standby knows its own lag; a primary may report the
                // lag of its replica (PostgreSQL's pg_stat_replication,
                // Redis's INFO replication), used when the standby is silent.
                if !is_primary || r.replication_lag_seconds.is_some() {
                    pair.record_lag(r.replication_lag_seconds);
                }
                pair.record_lag_bytes(r.replication_lag_bytes, at, is_primary);
            }
            pair.follow_reported_roles();
            pair.updated = Some(at);
            pair.source = Some(source);
            pair.stale_after = stale_after;
        }
        touched
    }

    fn unmatched_warning(&mut self, source: usize, unmatched: usize, total: usize) {
        if unmatched > 0
            && let Some(s) = self.sources.get_mut(source)
        {
            s.warnings.push(format!(
                "{unmatched} of {total} series match no known pair or instance"
            ));
        }
    }

    /// Acknowledges an alert locally (this console only).
    pub fn acknowledge(&mut self, key: &str) {
        if self.alert_since.contains_key(key) {
            self.acked.insert(key.to_string());
            self.settle();
        }
    }

    pub fn count_state(&self, state: PairState) -> usize {
        self.counts.get(&state).copied().unwrap_or(0)
    }

    /// Worst lags of the fleet, largest first (at most `WORST_LAGS`).
    pub fn worst_lags(&self, n: usize) -> impl Iterator<Item = (&str, f64)> {
        self.worst.iter().take(n).map(|(id, l)| (id.as_str(), *l))
    }
}

fn instance_from(r: &InstanceReport, config: &Config) -> Instance {
    let region = r.region.clone().unwrap_or_else(|| "?".into());
    let provider = r
        .provider
        .clone()
        .or_else(|| config.provider_of(&region).map(str::to_string))
        .unwrap_or_else(|| "?".into());
    Instance::new(&r.id, &region, &provider)
}

/// Keeps instance history across a role swap reported by the fleet (after a
/// failover the old standby is the primary).
fn follow_roles(pair: &mut Pair, r: &PairReport, config: &Config) {
    if pair.primary.id != r.primary.id {
        let standby_was = pair.standby.as_ref().is_some_and(|s| s.id == r.primary.id);
        if standby_was {
            if let Some(sb) = pair.standby.take() {
                let old = std::mem::replace(&mut pair.primary, sb);
                pair.standby = Some(old);
            }
        } else {
            pair.primary = instance_from(&r.primary, config);
        }
    }
    match (&r.standby, &pair.standby) {
        (None, _) => pair.standby = None,
        (Some(rs), Some(s)) if s.id == rs.id => {}
        (Some(rs), _) => pair.standby = Some(instance_from(rs, config)),
    }
}
