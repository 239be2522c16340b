//! The model of the fleet: pairs, instances, sources, regions, alerts.
//! No IO: sources send updates in, the UI reads it out.

pub mod alerts;
mod fleet;
mod judge;
pub mod pair;
pub mod regions;
pub mod ring;
mod roles;
pub mod source;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::{DateTime, Utc};

pub use alerts::{Alert, AlertState, Severity};
pub use pair::{Hysteresis, Instance, Pair, PairState, Role};
pub use regions::RegionSummary;
pub use source::{SourceHealth, SourceStatus};

use crate::config::Measure;
use crate::config::{Config, InstanceCfg, SourceKind};
use crate::sources::report::{
    ExternalAlert, InstanceReport, Measured, PairReport, Payload, Probe, SourceUpdate,
};

/// How many of the worst lags are kept for the Lag pane.
pub const WORST_LAGS: usize = 64;

pub struct Model {
    pub config: Arc<Config>,
    pub now: DateTime<Utc>,
    pub pairs: Vec<Pair>,
    by_pair: HashMap<String, usize>,
    by_instance: HashMap<String, usize>,
    pub sources: Vec<SourceStatus>,
    pub regions: Vec<RegionSummary>,
    pub alerts: Vec<Alert>,
    alert_since: HashMap<String, DateTime<Utc>>,
    acked: HashSet<String>,
    /// The latest alert list of each Alertmanager source, by source index.
    pub external: HashMap<usize, Vec<ExternalAlert>>,
    /// Pairs per state, counted once per update for the title bar.
    counts: HashMap<PairState, usize>,
    /// New data since regions were last summarised.
    regions_dirty: bool,
    /// Worst lags of the fleet, largest first, kept once per update.
    worst: Vec<(String, f64)>,
    /// Bumped whenever pairs are added, removed or change data, so views
    /// can tell when to re-sort.
    pub generation: u64,
    /// Bumped only when a pair's state or the set of pairs changes: rows
    /// sorted by state or id need no new sort for new values.
    pub states_generation: u64,
    /// When pair states were last judged.
    judged_at: Option<DateTime<Utc>>,
}

impl Model {
    pub fn new(config: Arc<Config>, now: DateTime<Utc>) -> Self {
        let sources = config
            .sources
            .iter()
            .map(|s| SourceStatus::new(s, now))
            .collect();
        let mut m = Self {
            config,
            now,
            pairs: Vec::new(),
            by_pair: HashMap::new(),
            by_instance: HashMap::new(),
            sources,
            regions: Vec::new(),
            alerts: Vec::new(),
            alert_since: HashMap::new(),
            acked: HashSet::new(),
            external: HashMap::new(),
            counts: HashMap::new(),
            regions_dirty: true,
            worst: Vec::new(),
            generation: 0,
            states_generation: 0,
            judged_at: None,
        };
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

    fn reindex(&mut self) {
        self.states_generation += 1;
        self.by_pair.clear();
        self.by_instance.clear();
        for (i, p) in self.pairs.iter().enumerate() {
            self.by_pair.insert(p.id.clone(), i);
            self.by_instance.insert(p.primary.id.clone(), i);
            if let Some(s) = &p.standby {
                self.by_instance.insert(s.id.clone(), i);
            }
        }
    }

    pub fn pair(&self, id: &str) -> Option<&Pair> {
        self.by_pair.get(id).map(|&i| &self.pairs[i])
    }

    /// Applies one source update, then re-judges everything.
    pub fn apply(&mut self, u: SourceUpdate) {
        self.take(u);
        self.recompute();
    }

    /// Applies one source update and leaves the judgement to `recompute`:
    /// the event loop answers a key that came meanwhile first.
    pub fn take(&mut self, u: SourceUpdate) {
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
                        self.apply_probes(u.source, u.at, &probes, h, stale_after);
                    }
                    Payload::Measures(values) => {
                        status.failures = 0;
                        status.last_success = Some(u.at);
                        status.targets = values.len();
                        status.failed_targets = 0;
                        let unmatched =
                            self.apply_measures(u.source, u.at, &values, h, stale_after);
                        if unmatched > 0
                            && let Some(s) = self.sources.get_mut(u.source)
                        {
                            s.warnings.push(format!(
                                "{unmatched} of {} series match no known pair or instance",
                                values.len()
                            ));
                        }
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
            }
        }
        self.generation += 1;
        self.regions_dirty = true;
        // Judged before anything reads it: `apply`, or the event loop.
        self.judged_at = None;
    }

    pub(super) fn reindex_instances_if_needed(&mut self) {
        let stale = self.pairs.iter().enumerate().any(|(i, p)| {
            self.by_instance.get(&p.primary.id) != Some(&i)
                || p.standby
                    .as_ref()
                    .is_some_and(|s| self.by_instance.get(&s.id) != Some(&i))
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
    ) {
        for probe in probes {
            let Some(&idx) = self.by_instance.get(&probe.instance) else {
                continue;
            };
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
    }

    /// Applies Prometheus values; returns how many matched nothing known.
    fn apply_measures(
        &mut self,
        source: usize,
        at: DateTime<Utc>,
        values: &[Measured],
        h: Hysteresis,
        stale_after: std::time::Duration,
    ) -> usize {
        let mut unmatched = 0;
        for m in values {
            let idx = m
                .pair
                .as_ref()
                .and_then(|p| self.by_pair.get(p))
                .or_else(|| m.instance.as_ref().and_then(|i| self.by_instance.get(i)))
                .copied();
            let Some(idx) = idx else {
                unmatched += 1;
                continue;
            };
            let pair = &mut self.pairs[idx];
            let inst = match &m.instance {
                Some(id) if pair.primary.id == *id => Some(&mut pair.primary),
                Some(id) => pair.standby.as_mut().filter(|s| s.id == *id),
                None => None,
            };
            match (m.measure, inst) {
                (Measure::Lag, _) => pair.record_lag(Some(m.value)),
                (Measure::LagBytes, _) => pair.record_lag_bytes(Some(m.value), at, false),
                (Measure::HealthScore, Some(i)) => i.set_score(m.value),
                (Measure::Up, Some(i)) => {
                    let up = InstanceReport::default();
                    let result = if m.value >= 1.0 {
                        Ok(&up)
                    } else {
                        Err("up == 0 in Prometheus")
                    };
                    i.observe(at, result, h, None);
                }
                (_, None) => {
                    unmatched += 1;
                    continue;
                }
            }
            pair.updated = Some(at);
            pair.source.get_or_insert(source);
            pair.stale_after = pair.stale_after.max(stale_after);
        }
        unmatched
    }

    /// Moves the clock; states that depend on age (STALE) are re-judged.
    /// Data that came in less than half a second ago was judged then: at
    /// 100 000 pairs a second judgement in the same second is 20 ms of the
    /// owner's thread for nothing.
    pub fn tick(&mut self, now: DateTime<Utc>) {
        self.now = now;
        let fresh = self
            .judged_at
            .is_some_and(|t| (now - t).num_milliseconds().abs() < 500);
        if !fresh {
            self.judge();
        }
    }

    /// Re-judges pair states, regions and alerts from the current data.
    pub fn recompute(&mut self) {
        self.regions_dirty = true;
        self.judge();
    }

    /// Pair states and alerts, every time (they age); regions only after
    /// new data (no clock in them).
    fn judge(&mut self) {
        self.judged_at = Some(self.now);
        let t = &self.config.thresholds;
        let now = self.now;
        let mut changed = false;
        for p in &mut self.pairs {
            changed |= p.evaluate(t, now);
        }
        if changed {
            self.generation += 1;
            self.states_generation += 1;
        }
        // A handful of states: counted in a list, not hashed per pair.
        let mut counts: Vec<(PairState, usize)> = Vec::new();
        for p in &self.pairs {
            match counts.iter_mut().find(|(s, _)| *s == p.state) {
                Some((_, n)) => *n += 1,
                None => counts.push((p.state, 1)),
            }
        }
        self.counts = counts.into_iter().collect();
        self.worst = self.compute_worst_lags(WORST_LAGS);
        let declared: Vec<(String, String)> = self
            .config
            .regions
            .iter()
            .map(|r| (r.id.clone(), r.provider.clone()))
            .collect();
        if std::mem::take(&mut self.regions_dirty) {
            self.regions = regions::summarize(&self.pairs, &declared);
        }
        let firing = alerts::evaluate(&self.pairs, &self.sources, &self.regions, t, now);
        let mut keys = HashSet::with_capacity(firing.len());
        let mut list = Vec::with_capacity(firing.len());
        for f in firing {
            let key = f.key();
            let since = *self.alert_since.entry(key.clone()).or_insert(now);
            keys.insert(key.clone());
            let acked = self.acked.contains(&key);
            list.push(Alert {
                acked,
                key,
                severity: f.severity,
                name: f.name.to_string(),
                subject: f.subject,
                summary: f.summary,
                since,
                state: if acked {
                    AlertState::Acked
                } else {
                    AlertState::Firing
                },
                source: None,
                labels: std::collections::BTreeMap::new(),
            });
        }
        self.external_alerts(&mut keys, &mut list);
        // Resolved alerts forget their age and acknowledgement: if one fires
        // again it is new.
        self.alert_since.retain(|k, _| keys.contains(k));
        self.acked.retain(|k| keys.contains(k));
        list.sort_by(|a, b| {
            (a.state, a.severity, std::cmp::Reverse(a.since), &a.key).cmp(&(
                b.state,
                b.severity,
                std::cmp::Reverse(b.since),
                &b.key,
            ))
        });
        self.alerts = list;
    }

    /// Alertmanager's alerts, marked STALE when their source is.
    fn external_alerts(&mut self, keys: &mut HashSet<String>, list: &mut Vec<Alert>) {
        let now = self.now;
        for (&src, alerts) in &self.external {
            let source_old = self.sources.get(src).is_some_and(|s| {
                matches!(s.health(now), SourceHealth::Stale | SourceHealth::Failing)
            });
            for a in alerts {
                let key = format!("am/{src}/{}", a.fingerprint);
                let since = a
                    .starts_at
                    .unwrap_or_else(|| *self.alert_since.entry(key.clone()).or_insert(now));
                self.alert_since.entry(key.clone()).or_insert(since);
                keys.insert(key.clone());
                let is_acked = self.acked.contains(&key);
                let state = if source_old {
                    AlertState::Stale
                } else if a.silenced {
                    AlertState::Silenced
                } else if a.inhibited {
                    AlertState::Inhibited
                } else if is_acked {
                    AlertState::Acked
                } else {
                    AlertState::Firing
                };
                let subject = ["instance", "pair", "service", "job"]
                    .iter()
                    .find_map(|l| a.labels.get(*l))
                    .cloned()
                    .unwrap_or_default();
                list.push(Alert {
                    key,
                    severity: Severity::from_label(&a.severity),
                    name: a.name.clone(),
                    subject,
                    summary: a.summary.clone(),
                    since,
                    acked: is_acked,
                    state,
                    source: Some(src),
                    labels: a.labels.clone(),
                });
            }
        }
    }

    /// Acknowledges an alert locally (this console only).
    pub fn acknowledge(&mut self, key: &str) {
        if self.alert_since.contains_key(key) {
            self.acked.insert(key.to_string());
            self.recompute();
        }
    }

    pub fn count_state(&self, state: PairState) -> usize {
        self.counts.get(&state).copied().unwrap_or(0)
    }

    /// Worst lags of the fleet, largest first (at most `WORST_LAGS`).
    pub fn worst_lags(&self, n: usize) -> impl Iterator<Item = (&str, f64)> {
        self.worst.iter().take(n).map(|(id, l)| (id.as_str(), *l))
    }

    fn compute_worst_lags(&self, n: usize) -> Vec<(String, f64)> {
        let mut v: Vec<(&str, f64)> = self
            .pairs
            .iter()
            .filter(|p| !p.is_stale(self.now))
            .filter_map(|p| p.lag.map(|l| (p.id.as_str(), l)))
            .collect();
        let by_lag =
            |a: &(&str, f64), b: &(&str, f64)| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(b.0));
        if v.len() > n {
            // By lag alone: many pairs share a lag, and comparing their ids
            // over 100 000 rows costs more than the selection.
            v.select_nth_unstable_by(n, |a, b| b.1.total_cmp(&a.1));
            v.truncate(n);
        }
        v.sort_by(by_lag);
        v.into_iter().map(|(id, l)| (id.to_string(), l)).collect()
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
