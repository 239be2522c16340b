//! Per region and provider: instances up and down, failing primaries, and
//! the provider-outage declaration of seed 000. Summed from the pairs'
//! digests, where each member names its place by number.

use std::collections::HashMap;
use std::time::Duration;

use super::digest::{Digest, Member};
use super::pair::Instance;

/// Seed 000: more than 5 instances unreachable in one region within 5 minutes.
pub const OUTAGE_MORE_THAN: usize = 5;
pub const OUTAGE_WINDOW: Duration = Duration::from_mins(5);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionSummary {
    pub region: String,
    pub provider: String,
    pub total: usize,
    pub up: usize,
    pub down: usize,
    pub primaries: usize,
    pub failing_primaries: usize,
    /// Provider outage declared for this region.
    pub outage: bool,
}

/// Every (region, provider) seen, numbered in order of first sight; a
/// declared one is listed even with no instance in it.
#[derive(Debug, Default)]
pub(super) struct Places {
    list: Vec<(String, String, bool)>,
    index: HashMap<String, HashMap<String, u32>>,
}

impl Places {
    pub fn declare(&mut self, region: &str, provider: &str) {
        let i = self.number(region, provider);
        if let Some(p) = self.list.get_mut(i as usize) {
            p.2 = true;
        }
    }

    /// The number of an instance's place; `hint` is the one it had, which
    /// is checked first (an instance seldom moves).
    pub fn of(&mut self, inst: &Instance, hint: Option<u32>) -> u32 {
        if let Some(h) = hint
            && self
                .list
                .get(h as usize)
                .is_some_and(|(r, p, _)| *r == inst.region && *p == inst.provider)
        {
            return h;
        }
        self.number(&inst.region, &inst.provider)
    }

    fn number(&mut self, region: &str, provider: &str) -> u32 {
        if let Some(&i) = self.index.get(region).and_then(|m| m.get(provider)) {
            return i;
        }
        let i = u32::try_from(self.list.len()).unwrap_or(u32::MAX);
        self.list
            .push((region.to_string(), provider.to_string(), false));
        self.index
            .entry(region.to_string())
            .or_default()
            .insert(provider.to_string(), i);
        i
    }
}

/// A place being counted and when its down instances went down (ms).
#[derive(Default, Clone)]
struct Tally {
    total: usize,
    up: usize,
    down: usize,
    primaries: usize,
    failing_primaries: usize,
    downs: Vec<i64>,
}

/// Adds up the places of every pair's members.
#[derive(Default)]
pub(super) struct Counter {
    tallies: Vec<Tally>,
}

impl Counter {
    pub fn add(&mut self, d: &Digest) {
        self.member(&d.primary, true);
        if let Some(s) = &d.standby {
            self.member(s, false);
        }
    }

    fn member(&mut self, m: &Member, is_primary: bool) {
        let i = m.place as usize;
        if self.tallies.len() <= i {
            self.tallies.resize(i + 1, Tally::default());
        }
        let Some(t) = self.tallies.get_mut(i) else {
            return;
        };
        t.total += 1;
        if m.down {
            t.down += 1;
            if let Some(at) = m.down_since {
                t.downs.push(at);
            }
        } else if m.up {
            t.up += 1;
        }
        if is_primary {
            t.primaries += 1;
            if m.down {
                t.failing_primaries += 1;
            }
        }
    }

    /// The summaries, by region then provider: the places with an
    /// instance, and the declared ones.
    pub fn summaries(self, places: &Places) -> Vec<RegionSummary> {
        let mut out: Vec<RegionSummary> = places
            .list
            .iter()
            .enumerate()
            .filter_map(|(i, (region, provider, declared))| {
                let mut t = self.tallies.get(i).cloned().unwrap_or_default();
                if t.total == 0 && !declared {
                    return None;
                }
                t.downs.sort_unstable();
                Some(RegionSummary {
                    region: region.clone(),
                    provider: provider.clone(),
                    total: t.total,
                    up: t.up,
                    down: t.down,
                    primaries: t.primaries,
                    failing_primaries: t.failing_primaries,
                    outage: outage_in(&t.downs),
                })
            })
            .collect();
        out.sort_by(|a, b| (&a.region, &a.provider).cmp(&(&b.region, &b.provider)));
        out
    }
}

/// True when more than `OUTAGE_MORE_THAN` of the sorted times (ms) fall
/// in one window of `OUTAGE_WINDOW`.
fn outage_in(sorted: &[i64]) -> bool {
    let n = OUTAGE_MORE_THAN + 1;
    let window = i64::try_from(OUTAGE_WINDOW.as_millis()).unwrap_or(i64::MAX);
    sorted.windows(n).any(|w| w[n - 1] - w[0] <= window)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: i64) -> i64 {
        (1_800_000_000 + s) * 1000
    }

    #[test]
    fn six_within_five_minutes_is_an_outage() {
        assert!(!outage_in(&[t(0), t(10), t(20), t(30), t(40)]));
        assert!(outage_in(&[t(0), t(10), t(20), t(30), t(40), t(299)]));
        assert!(!outage_in(&[t(0), t(100), t(200), t(300), t(400), t(500)]));
    }
}
