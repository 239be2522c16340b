//! Prometheus values applied to pairs. A whole answer is applied series by
//! series, each found by its label; what each series reached is kept by
//! its place in the answer, so that a later answer read against it (only
//! the values that changed, `sources::series_delta`) is applied by place
//! with no lookup and no label crossing threads. Every series is applied
//! again at each answer either way (streaks, history and freshness go on
//! exactly as for a whole answer).

use chrono::{DateTime, Utc};
use xxhash_rust::xxh3::xxh3_64;

use super::{Hysteresis, Model, Pair, digest};
use crate::config::Measure;
use crate::sources::report::{InstanceReport, Measured};

/// What a source's last whole answer reached, by place.
#[derive(Debug, Default)]
pub(super) struct Reach {
    places: Vec<Place>,
    unmatched: usize,
    measure: Option<Measure>,
}

#[derive(Debug, Clone, Copy)]
struct Place {
    /// The pair's position, or `None` for a series that matched nothing.
    pair: Option<u32>,
    /// The hash of the instance id it was matched to: an instance that
    /// moves (a failover swaps the roles) is found again by it.
    instance: Option<u64>,
    value: f64,
}

/// Which instance of a pair a value is for.
#[derive(Debug, Clone, Copy)]
enum Slot {
    Primary,
    Standby,
}

/// How a value applied to a pair: it changed what is judged, or not.
enum Applied {
    Touched,
    Same,
    /// An instance's measure for a series that names no instance.
    Unmatched,
}

/// The update settings of one answer.
struct Poll {
    source: usize,
    at: DateTime<Utc>,
    at_ms: i64,
    h: Hysteresis,
    stale_after: std::time::Duration,
}

impl Poll {
    fn new(
        source: usize,
        at: DateTime<Utc>,
        h: Hysteresis,
        stale_after: std::time::Duration,
    ) -> Self {
        Self {
            source,
            at,
            at_ms: at.timestamp_millis(),
            h,
            stale_after,
        }
    }
}

/// Series applied per slice: about 1 ms read by place, 4 ms read whole
/// (`cargo bench --bench scale -- prometheus`, scaled to a slice).
pub const SLICE: usize = 16_384;

/// An answer taken but not applied in full yet. Applied a slice at a time
/// (`Model::work`): at 200 000 series one takes 10 ms or more on the
/// state owner's thread, and a key that comes meanwhile is answered
/// between slices rather than after the whole.
pub(super) struct Pending {
    poll: Poll,
    series: Series,
    reach: Reach,
    /// The next series (whole) or place (by place) to apply.
    next: usize,
    touched: Vec<usize>,
    total: usize,
}

/// How an answer came: whole (each series found by its label), or read
/// against the last whole one (its values already in the places).
enum Series {
    Whole(Vec<Measured>),
    ByPlace,
}

impl Model {
    /// Takes a whole answer, to be applied by `work`.
    pub(super) fn take_measures(
        &mut self,
        source: usize,
        at: DateTime<Utc>,
        values: Vec<Measured>,
        h: Hysteresis,
        stale_after: std::time::Duration,
    ) {
        let reach = Reach {
            places: Vec::with_capacity(values.len()),
            unmatched: 0,
            measure: values.first().map(|m| m.measure),
        };
        self.pending = Some(Box::new(Pending {
            poll: Poll::new(source, at, h, stale_after),
            total: values.len(),
            series: Series::Whole(values),
            reach,
            next: 0,
            touched: Vec::new(),
        }));
    }

    /// Takes an answer read against the last whole one, to be applied by
    /// `work`. With no whole answer to read it against (the pairs were
    /// moved since) it is dropped and the source asked for its next
    /// answer whole.
    pub(super) fn take_measures_delta(
        &mut self,
        source: usize,
        at: DateTime<Utc>,
        changed: &[(u32, f64)],
        h: Hysteresis,
        stale_after: std::time::Duration,
        total: usize,
    ) {
        let Some(mut reach) = self.reach.get_mut(source).and_then(Option::take) else {
            self.resync.ask(source);
            return;
        };
        for &(at, value) in changed {
            match reach.places.get_mut(at as usize) {
                Some(p) => p.value = value,
                None => self.resync.ask(source),
            }
        }
        self.pending = Some(Box::new(Pending {
            poll: Poll::new(source, at, h, stale_after),
            series: Series::ByPlace,
            reach,
            next: 0,
            touched: Vec::new(),
            total,
        }));
    }

    /// Whether an answer taken waits to be applied in full.
    pub fn busy(&self) -> bool {
        self.pending.is_some()
    }

    /// Applies up to `budget` more series of the answer taken; returns
    /// whether some are left. Judging (`settle`, `tick`) applies the rest
    /// first, so nothing is judged on half an answer.
    pub fn work(&mut self, budget: usize) -> bool {
        let Some(mut p) = self.pending.take() else {
            return false;
        };
        let end = p.next.saturating_add(budget);
        let done = match p.series {
            Series::Whole(_) => self.whole_slice(&mut p, end),
            Series::ByPlace => self.delta_slice(&mut p, end),
        };
        if !done {
            self.pending = Some(p);
            return true;
        }
        let unmatched = p.reach.unmatched;
        let source = p.poll.source;
        if let Some(r) = self.reach.get_mut(source) {
            *r = Some(p.reach);
        }
        self.dirty.add(p.touched);
        self.unmatched_warning(source, unmatched, p.total);
        // A view re-sorted by a key meanwhile saw half the answer.
        self.generation += 1;
        false
    }

    pub(super) fn finish_pending(&mut self) {
        while self.work(usize::MAX) {}
    }

    /// Series of a whole answer, each found by its label; returns whether
    /// the answer is done.
    fn whole_slice(&mut self, p: &mut Pending, end: usize) -> bool {
        let Series::Whole(values) = &p.series else {
            return true;
        };
        let end = end.min(values.len());
        for m in values.get(p.next..end).unwrap_or_default() {
            let idx = m
                .pair
                .as_ref()
                .and_then(|id| self.by_pair.get(&self.pairs, id))
                .or_else(|| {
                    m.instance
                        .as_ref()
                        .and_then(|i| self.by_instance.get(&self.pairs, i))
                });
            let slot = idx.and_then(|i| self.pairs.get(i)).and_then(|pair| {
                let id = m.instance.as_deref()?;
                slot_of(pair, |inst| inst == id)
            });
            p.reach.places.push(Place {
                pair: idx.and_then(|i| u32::try_from(i).ok()),
                instance: slot
                    .and(m.instance.as_deref())
                    .map(|i| xxh3_64(i.as_bytes())),
                value: m.value,
            });
            match idx.map(|i| self.apply_value(i, slot, m.measure, m.value, &p.poll)) {
                Some(Applied::Touched) => p.touched.extend(idx),
                Some(Applied::Same) => {}
                Some(Applied::Unmatched) | None => p.reach.unmatched += 1,
            }
        }
        p.next = end;
        end >= values.len()
    }

    /// Places of an answer read by place, each applied again; returns
    /// whether the answer is done.
    fn delta_slice(&mut self, p: &mut Pending, end: usize) -> bool {
        let measure = p.reach.measure.unwrap_or(Measure::Lag);
        let end = end.min(p.reach.places.len());
        let source = p.poll.source;
        for place in p.reach.places.get(p.next..end).unwrap_or_default() {
            let Some(idx) = place.pair.map(|i| i as usize) else {
                continue;
            };
            let Some(pair) = self.pairs.get(idx) else {
                self.resync.ask(source);
                continue;
            };
            let slot = match place.instance {
                Some(h) => {
                    let Some(s) = slot_of(pair, |id| xxh3_64(id.as_bytes()) == h) else {
                        // No longer an instance of this pair.
                        self.resync.ask(source);
                        continue;
                    };
                    Some(s)
                }
                None => None,
            };
            if let Applied::Touched = self.apply_value(idx, slot, measure, place.value, &p.poll) {
                p.touched.push(idx);
            }
        }
        p.next = end;
        end >= p.reach.places.len()
    }

    /// One value applied to one pair (the same for a whole answer and
    /// for one read by place).
    fn apply_value(
        &mut self,
        idx: usize,
        slot: Option<Slot>,
        measure: Measure,
        value: f64,
        poll: &Poll,
    ) -> Applied {
        let Some(pair) = self.pairs.get_mut(idx) else {
            return Applied::Unmatched;
        };
        // The value it already holds, the common case: nothing a judgement
        // reads changes, so it is not read before and after.
        let held = |v: Option<f64>, invalid: bool| {
            !invalid && v.map(f64::to_bits) == Some(value.to_bits())
        };
        let same = pair.stale_after >= poll.stale_after
            && match (measure, slot) {
                (Measure::Lag, _) => held(pair.lag, pair.lag_invalid.is_some()),
                (Measure::HealthScore, Some(Slot::Primary)) => {
                    held(pair.primary.health_score, pair.primary.invalid.is_some())
                }
                (Measure::HealthScore, Some(Slot::Standby)) => pair
                    .standby
                    .as_ref()
                    .is_some_and(|s| held(s.health_score, s.invalid.is_some())),
                _ => false,
            };
        if same {
            if measure == Measure::Lag {
                pair.lag_history.push(value as f32);
            }
            pair.updated = Some(poll.at);
            pair.source.get_or_insert(poll.source);
            if let Some(d) = self.digests.get_mut(idx) {
                d.due = digest::due_seen(pair, poll.at, poll.at_ms);
            }
            return Applied::Same;
        }
        let before = digest::Reading::of(pair);
        let inst = match slot {
            Some(Slot::Primary) => Some(&mut pair.primary),
            Some(Slot::Standby) => pair.standby.as_mut(),
            None => None,
        };
        match (measure, inst) {
            (Measure::Lag, _) => pair.record_lag(Some(value)),
            (Measure::LagBytes, _) => pair.record_lag_bytes(Some(value), poll.at, false),
            (Measure::HealthScore, Some(i)) => i.set_score(value),
            (Measure::Up, Some(i)) => {
                let up = InstanceReport::default();
                let result = if value >= 1.0 {
                    Ok(&up)
                } else {
                    Err("up == 0 in Prometheus")
                };
                i.observe(poll.at, result, poll.h, None);
            }
            (_, None) => return Applied::Unmatched,
        }
        pair.updated = Some(poll.at);
        pair.source.get_or_insert(poll.source);
        pair.stale_after = pair.stale_after.max(poll.stale_after);
        if before == digest::Reading::of(pair) {
            if let Some(d) = self.digests.get_mut(idx) {
                // The same values again: only the time it goes stale moves.
                d.due = digest::due_seen(pair, poll.at, poll.at_ms);
            }
            Applied::Same
        } else {
            Applied::Touched
        }
    }
}

fn slot_of(pair: &Pair, is: impl Fn(&str) -> bool) -> Option<Slot> {
    if is(&pair.primary.id) {
        Some(Slot::Primary)
    } else if pair.standby.as_ref().is_some_and(|s| is(&s.id)) {
        Some(Slot::Standby)
    } else {
        None
    }
}
