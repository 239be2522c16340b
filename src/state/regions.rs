//! Per region and provider: instances up and down, failing primaries, and
//! the provider-outage declaration of seed 000. Summed from the pairs'
//! digests (`digest::Counter`), where each member names its place by
//! number.

use std::collections::HashMap;
use std::time::Duration;

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
    pub list: Vec<(String, String, bool)>,
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

/// True when more than `OUTAGE_MORE_THAN` of the sorted times (ms) fall
/// in one window of `OUTAGE_WINDOW`.
pub(super) fn outage_in(sorted: &[i64]) -> bool {
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
