//! Per region and provider: instances up and down, failing primaries, and
//! the provider-outage declaration of seed 000.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::pair::{Instance, Pair};

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

/// A region being counted and the times its instances went down.
type Tally = (RegionSummary, Vec<DateTime<Utc>>);
type RegionKey<'a> = (&'a str, &'a str);

/// Summaries sorted by region then provider; `declared` lists the regions
/// of the config so that a region with no data still shows.
pub fn summarize(pairs: &[Pair], declared: &[(String, String)]) -> Vec<RegionSummary> {
    // Keys borrow from the pairs: no allocation per instance.
    let mut map: BTreeMap<RegionKey<'_>, Tally> = BTreeMap::new();
    for (r, p) in declared {
        map.entry((r.as_str(), p.as_str()))
            .or_insert_with(|| (empty(r, p), Vec::new()));
    }
    for pair in pairs {
        let members =
            std::iter::once((&pair.primary, true)).chain(pair.standby.as_ref().map(|s| (s, false)));
        for (inst, is_primary) in members {
            let key = (inst.region.as_str(), inst.provider.as_str());
            let (s, downs) = map
                .entry(key)
                .or_insert_with(|| (empty(&inst.region, &inst.provider), Vec::new()));
            count(s, downs, inst, is_primary);
        }
    }
    map.into_values()
        .map(|(mut s, mut downs)| {
            downs.sort_unstable();
            s.outage = outage_in(&downs);
            s
        })
        .collect()
}

fn empty(region: &str, provider: &str) -> RegionSummary {
    RegionSummary {
        region: region.to_string(),
        provider: provider.to_string(),
        total: 0,
        up: 0,
        down: 0,
        primaries: 0,
        failing_primaries: 0,
        outage: false,
    }
}

fn count(s: &mut RegionSummary, downs: &mut Vec<DateTime<Utc>>, inst: &Instance, is_primary: bool) {
    s.total += 1;
    if inst.down {
        s.down += 1;
        if let Some(at) = inst.down_since {
            downs.push(at);
        }
    } else if inst.last_ok.is_some() {
        s.up += 1;
    }
    if is_primary {
        s.primaries += 1;
        if inst.down {
            s.failing_primaries += 1;
        }
    }
}

/// True when more than `OUTAGE_MORE_THAN` of the sorted times fall in one
/// window of `OUTAGE_WINDOW`.
fn outage_in(sorted: &[DateTime<Utc>]) -> bool {
    let n = OUTAGE_MORE_THAN + 1;
    sorted
        .windows(n)
        .any(|w| (w[n - 1] - w[0]).to_std().unwrap_or_default() <= OUTAGE_WINDOW)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + s, 0).unwrap_or_default()
    }

    #[test]
    fn six_within_five_minutes_is_an_outage() {
        assert!(!outage_in(&[t(0), t(10), t(20), t(30), t(40)]));
        assert!(outage_in(&[t(0), t(10), t(20), t(30), t(40), t(299)]));
        assert!(!outage_in(&[t(0), t(100), t(200), t(300), t(400), t(500)]));
    }
}
