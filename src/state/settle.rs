//! Judging the model: each pair's state, then the fleet's figures (counts,
//! worst lags, regions) and the alerts. A poll marks the pairs it changed;
//! only those, and those age alone changes, are judged again, so the cost
//! follows what changes rather than the size of the fleet.

use std::collections::HashSet;

use chrono::{DateTime, Utc};

use super::alerts::{self, Alert, AlertState, Severity};
use super::digest::{self, Digest};
use super::source::SourceHealth;
use super::{Model, WORST_LAGS};

/// The pairs waiting to be judged.
#[derive(Debug)]
pub(super) enum Dirty {
    /// Every pair (the list of pairs changed, or a caller changed them).
    All,
    /// These pair indices (repeats allowed).
    Pairs(Vec<usize>),
}

impl Dirty {
    pub fn add(&mut self, idx: Vec<usize>) {
        match self {
            Self::All => {}
            Self::Pairs(v) if v.is_empty() => *v = idx,
            Self::Pairs(v) => v.extend(idx),
        }
    }
}

impl Model {
    /// Moves the clock; pairs that age into another state (STALE) are
    /// judged again.
    pub fn tick(&mut self, now: DateTime<Utc>) {
        self.now = now;
        self.judge();
    }

    /// Judges every pair again, for a caller that changed them.
    pub fn recompute(&mut self) {
        self.dirty = Dirty::All;
        self.judge();
    }

    /// Judges what updates changed since the last judgement.
    pub fn settle(&mut self) {
        self.judge();
    }

    fn judge(&mut self) {
        self.finish_pending();
        let now_ms = self.now.timestamp_millis();
        let n = self.pairs.len();
        let dirty = std::mem::replace(&mut self.dirty, Dirty::Pairs(Vec::new()));
        let mut changed = false;
        match dirty {
            Dirty::Pairs(mut list) if self.digests.len() == n => {
                if self.next_due.is_some_and(|d| now_ms >= d) {
                    list.extend(
                        self.digests
                            .iter()
                            .enumerate()
                            .filter(|(_, d)| d.due.is_some_and(|due| now_ms >= due))
                            .map(|(i, _)| i),
                    );
                }
                list.sort_unstable();
                list.dedup();
                for i in list {
                    changed |= self.judge_pair(i);
                }
            }
            _ => {
                self.digests.clear();
                self.firing.clear();
                for i in 0..n {
                    changed |= self.judge_pair(i);
                }
            }
        }
        if changed {
            self.generation += 1;
            self.states_generation += 1;
        }
        let s = digest::summarise(&self.digests, &self.places, WORST_LAGS);
        self.counts = s.counts.into_iter().collect();
        self.next_due = s.next_due;
        self.regions = s.regions;
        let mut worst: Vec<(String, f64)> = s
            .worst
            .into_iter()
            .filter_map(|(i, l)| self.pairs.get(i).map(|p| (p.id.clone(), l)))
            .collect();
        worst.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        self.worst = worst;
        self.alert_list();
    }

    /// Judges one pair and keeps its digest and alerts; returns whether
    /// its state changed.
    fn judge_pair(&mut self, i: usize) -> bool {
        let t = &self.config.thresholds;
        let Some(p) = self.pairs.get_mut(i) else {
            return false;
        };
        let changed = p.evaluate(t, self.now);
        let d = Digest::of(p, &mut self.places, self.digests.get(i));
        match self.digests.get_mut(i) {
            Some(slot) => *slot = d,
            None => self.digests.push(d),
        }
        let mut firing = Vec::new();
        alerts::pair(p, t, self.now, &mut firing);
        if firing.is_empty() {
            self.firing.remove(&i);
        } else {
            self.firing.insert(i, firing);
        }
        changed
    }

    /// The Alerts pane's list: baton's rules over the fleet and each pair,
    /// then Alertmanager's, each with its age and acknowledgement.
    fn alert_list(&mut self) {
        let now = self.now;
        let fleet = alerts::fleet(&self.sources, &self.regions, now);
        let mut keys = HashSet::with_capacity(fleet.len() + self.firing.len());
        let mut list = Vec::with_capacity(keys.capacity());
        for f in fleet.iter().chain(self.firing.values().flatten()) {
            let key = f.key();
            let since = *self.alert_since.entry(key.clone()).or_insert(now);
            keys.insert(key.clone());
            let acked = self.acked.contains(&key);
            list.push(Alert {
                acked,
                key,
                severity: f.severity,
                name: f.name.to_string(),
                subject: f.subject.clone(),
                summary: f.summary.clone(),
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
}
