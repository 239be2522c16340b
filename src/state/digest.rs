//! What the fleet-wide figures need of each pair, kept in one compact
//! array beside the pairs. Counting states, finding the worst lags and
//! summing the regions then read a few megabytes rather than every pair's
//! kilobyte and a half, and a poll re-judges only the pairs it changed,
//! plus those that age alone changes (`due`).

use chrono::{DateTime, Utc};

use super::pair::{Instance, Pair, PairState};
use super::regions::{Places, RegionSummary, outage_in};

/// A member of a pair, as the region summaries count it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Member {
    pub place: u32,
    pub down: bool,
    /// Seen healthy at least once.
    pub up: bool,
    /// When it went down, in ms, for the provider-outage window.
    pub down_since: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Digest {
    pub state: PairState,
    /// The lag, while the data is fresh.
    pub lag: Option<f64>,
    pub primary: Member,
    pub standby: Option<Member>,
    /// From this instant (ms) age alone changes the judgement: the data
    /// goes STALE or the byte lag expires. A STALE pair is always due:
    /// its reason says how old the data is.
    pub due: Option<i64>,
}

impl Digest {
    /// Of a pair just judged; `was` is its last digest (for the places).
    pub fn of(p: &Pair, places: &mut Places, was: Option<&Digest>) -> Self {
        let stale = p.state == PairState::Stale;
        Self {
            state: p.state,
            lag: if stale { None } else { p.lag },
            primary: member(&p.primary, places, was.map(|d| d.primary.place)),
            standby: p
                .standby
                .as_ref()
                .map(|s| member(s, places, was.and_then(|d| d.standby.map(|m| m.place)))),
            due: due(p),
        }
    }
}

fn member(i: &Instance, places: &mut Places, hint: Option<u32>) -> Member {
    Member {
        place: places.of(i, hint),
        down: i.down,
        up: i.last_ok.is_some(),
        down_since: i.down_since.map(|t| t.timestamp_millis()),
    }
}

/// When age alone next changes the pair's judgement (see `older_than`:
/// data is old once more than `stale_after` has passed).
pub(super) fn due(p: &Pair) -> Option<i64> {
    if p.state == PairState::Stale {
        return Some(i64::MIN);
    }
    let age = i64::try_from(p.stale_after.as_millis()).unwrap_or(i64::MAX);
    let at = |t: DateTime<Utc>| t.timestamp_millis().saturating_add(age).saturating_add(1);
    match (p.updated.map(at), p.lag_bytes_at.map(at)) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// `due` of a pair just seen again at `at` (`at_ms`, its milliseconds,
/// worked out once per poll: a calendar conversion per pair is most of
/// what seeing 100 000 pairs again costs).
pub(super) fn due_seen(p: &Pair, at: DateTime<Utc>, at_ms: i64) -> Option<i64> {
    if p.state == PairState::Stale || p.updated != Some(at) {
        return due(p);
    }
    let age = i64::try_from(p.stale_after.as_millis()).unwrap_or(i64::MAX);
    let seen = at_ms.saturating_add(age).saturating_add(1);
    match p.lag_bytes_at {
        Some(t) if t != at => due(p),
        _ => Some(seen),
    }
}

/// The figures of the whole fleet, from one pass over the digests.
pub(super) struct Summary {
    pub counts: Vec<(PairState, usize)>,
    /// The `k` worst lags as (pair index, lag), in no order.
    pub worst: Vec<(usize, f64)>,
    pub regions: Vec<RegionSummary>,
    /// The earliest `due` of any pair.
    pub next_due: Option<i64>,
}

pub(super) fn summarise(digests: &[Digest], places: &Places, k: usize) -> Summary {
    // A handful of states: counted in a list, not hashed per pair.
    let mut counts: Vec<(PairState, usize)> = Vec::new();
    let mut worst: Vec<(usize, f64)> = Vec::with_capacity(4 * k + 1);
    let mut regions = Counter::default();
    let mut next_due: Option<i64> = None;
    let by_lag = |a: &(usize, f64), b: &(usize, f64)| b.1.total_cmp(&a.1);
    for (i, d) in digests.iter().enumerate() {
        match counts.iter_mut().find(|(s, _)| *s == d.state) {
            Some((_, n)) => *n += 1,
            None => counts.push((d.state, 1)),
        }
        if let Some(l) = d.lag {
            worst.push((i, l));
            // Kept short as it goes: no list of every pair's lag.
            if worst.len() > 4 * k {
                worst.select_nth_unstable_by(k, by_lag);
                worst.truncate(k);
            }
        }
        regions.add(d);
        if let Some(due) = d.due {
            next_due = Some(next_due.map_or(due, |n| n.min(due)));
        }
    }
    if worst.len() > k {
        worst.select_nth_unstable_by(k, by_lag);
        worst.truncate(k);
    }
    Summary {
        counts,
        worst,
        regions: regions.summaries(places),
        next_due,
    }
}

/// What a judgement reads of a member that a measure can change.
#[derive(Debug, PartialEq)]
struct Seen {
    score: Option<f64>,
    invalid: bool,
    streaks: (bool, u32, u32, bool),
    error: Option<String>,
    role: bool,
    writable: Option<bool>,
}

impl Seen {
    fn of(i: &Instance) -> Self {
        Self {
            score: i.health_score,
            invalid: i.invalid.is_some(),
            streaks: i.judged(),
            // Cloned only when there is one: a failing member.
            error: i.error.clone(),
            role: i.role.is_some(),
            writable: i.writable,
        }
    }
}

/// What a judgement reads of a pair that new values can change: a value
/// that leaves it the same needs no new judgement, only a new `due`.
#[derive(Debug, PartialEq)]
pub(super) struct Reading {
    lag: Option<f64>,
    lag_bytes: Option<f64>,
    lag_invalid: bool,
    primary: Seen,
    standby: Option<Seen>,
    stale_after: std::time::Duration,
}

impl Reading {
    pub fn of(p: &Pair) -> Self {
        Self {
            lag: p.lag,
            lag_bytes: p.lag_bytes,
            lag_invalid: p.lag_invalid.is_some(),
            primary: Seen::of(&p.primary),
            standby: p.standby.as_ref().map(Seen::of),
            stale_after: p.stale_after,
        }
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
