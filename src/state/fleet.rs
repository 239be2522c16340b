//! A fleet source's poll applied to the model: the whole list (pairs
//! added and gone), or what changed since the last poll, the others
//! observed again as they were at no cost of parsing or copying.

use std::collections::HashSet;

use chrono::{DateTime, Utc};

use super::{Hysteresis, Model, Pair, digest, follow_roles, instance_from};
use crate::config::Config;
use crate::sources::report::PairReport;

/// One pair's report, as every fleet poll observes it.
fn observe(pair: &mut Pair, r: &PairReport, at: DateTime<Utc>, h: Hysteresis, config: &Config) {
    follow_roles(pair, r, config);
    pair.primary.observe(at, Ok(&r.primary), h, None);
    if let (Some(sb), Some(rep)) = (pair.standby.as_mut(), r.standby.as_ref()) {
        sb.observe(at, Ok(rep), h, None);
    }
    let lag = r
        .replication_lag_seconds
        .or_else(|| r.standby.as_ref().and_then(|s| s.replication_lag_seconds));
    pair.record_lag(lag);
    let bytes = r
        .replication_lag_bytes
        .or_else(|| r.standby.as_ref().and_then(|s| s.replication_lag_bytes));
    pair.fleet_lag_bytes = bytes;
    pair.record_lag_bytes(bytes, at, false);
    pair.updated = Some(at);
}

impl Model {
    pub(super) fn apply_fleet(
        &mut self,
        source: usize,
        at: DateTime<Utc>,
        reports: Vec<PairReport>,
        h: Hysteresis,
        stale_after: std::time::Duration,
    ) {
        let mut seen = HashSet::with_capacity(reports.len());
        // Exactly what the list needs: a vector doubled past 100 000
        // pairs of 800 bytes leaves 25 MB unused.
        self.pairs
            .reserve_exact(reports.len().saturating_sub(self.pairs.len()));
        let mut added = false;
        for r in reports {
            seen.insert(r.id.clone());
            let idx = if let Some(i) = self.by_pair.get(&self.pairs, &r.id) {
                i
            } else {
                added = true;
                let p = Pair::new(&r.id, instance_from(&r.primary, &self.config), None);
                self.pairs.push(p);
                self.by_pair
                    .insert(&self.pairs, &r.id, self.pairs.len() - 1);
                self.pairs.len() - 1
            };
            let config = &self.config;
            let pair = &mut self.pairs[idx];
            observe(pair, &r, at, h, config);
            pair.source = Some(source);
            pair.stale_after = stale_after;
        }
        // Discovered pairs the fleet no longer lists are gone; pairs from the
        // config file stay (they go STALE instead).
        let before = self.pairs.len();
        self.pairs
            .retain(|p| p.configured || p.source != Some(source) || seen.contains(&p.id));
        if added || self.pairs.len() != before {
            self.reindex();
        } else {
            self.reindex_instances_if_needed();
        }
    }

    /// What changed since the last poll; every other pair of the source
    /// said the same again (its streaks, last seen and lag go on).
    pub(super) fn apply_fleet_delta(
        &mut self,
        source: usize,
        at: DateTime<Utc>,
        changed: Vec<PairReport>,
        h: Hysteresis,
        stale_after: std::time::Duration,
    ) {
        let mut touched = vec![false; self.pairs.len()];
        let mut judge = Vec::with_capacity(changed.len());
        for r in changed {
            let Some(idx) = self.by_pair.get(&self.pairs, &r.id) else {
                continue;
            };
            let config = &self.config;
            if let (Some(pair), Some(t)) = (self.pairs.get_mut(idx), touched.get_mut(idx)) {
                observe(pair, &r, at, h, config);
                pair.stale_after = stale_after;
                *t = true;
                judge.push(idx);
            }
        }
        // A report that names other instances: the index follows.
        let pairs = &self.pairs;
        let moved = judge.iter().any(|&idx| {
            pairs.get(idx).is_some_and(|pair| {
                self.by_instance.get(pairs, &pair.primary.id) != Some(idx)
                    || pair
                        .standby
                        .as_ref()
                        .is_some_and(|s| self.by_instance.get(pairs, &s.id) != Some(idx))
            })
        });
        let at_ms = at.timestamp_millis();
        for (idx, (pair, touched)) in self.pairs.iter_mut().zip(touched).enumerate() {
            if touched || pair.source != Some(source) {
                continue;
            }
            if pair.again(at, h) {
                judge.push(idx);
            } else if let Some(d) = self.digests.get_mut(idx) {
                // Judged as before; only the time it goes stale moves.
                d.due = digest::due_seen(pair, at, at_ms);
            }
        }
        self.dirty.add(judge);
        if moved {
            self.reindex();
        }
    }
}
