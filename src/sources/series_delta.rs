//! A Prometheus answer read against the last one sent whole, so that only
//! the values that changed cross to the state owner. At 100 000 series a
//! whole answer is 100 000 values with their labels copied on a parsing
//! thread, each then found by its label on the owner's thread (about
//! 20 ms there, which a key press waits behind). Read against the last
//! one it is the few values that moved, named by their place in the last
//! whole answer: the owner keeps which pair each place reached.
//!
//! The owner asks for the next answer whole (`Resync`) when it can no
//! longer trust those places: pairs added, gone or moved, an instance
//! that is not where it was. The source sends it whole by itself when the
//! series are not the same ones as last time (one more, one less, one
//! renamed) or two series share a label value.

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use xxhash_rust::xxh3::Xxh3;

use super::report::{Measured, Payload};
use crate::config::Measure;

/// The owner's way to ask a source for its next answer whole, by source
/// index. Shared by the state owner and the source tasks.
#[derive(Clone, Debug, Default)]
pub struct Resync(Arc<[AtomicBool]>);

impl Resync {
    pub fn new(sources: usize) -> Self {
        Self((0..sources).map(|_| AtomicBool::new(false)).collect())
    }

    pub fn ask(&self, source: usize) {
        if let Some(f) = self.0.get(source) {
            f.store(true, Ordering::Relaxed);
        }
    }

    pub fn ask_all(&self) {
        for f in self.0.iter() {
            f.store(true, Ordering::Relaxed);
        }
    }

    /// Whether the owner asked since the last call (and forgets it).
    pub fn take(&self, source: usize) -> bool {
        self.0
            .get(source)
            .is_some_and(|f| f.swap(false, Ordering::Relaxed))
    }
}

/// One series of an answer: the labels the source maps by, borrowed from
/// the body where they hold no escape, and its value.
#[derive(Debug)]
pub struct Row<'a> {
    pub pair: Option<Cow<'a, str>>,
    pub instance: Option<Cow<'a, str>>,
    pub value: f64,
}

impl Row<'_> {
    fn key(&self) -> u64 {
        let mut h = Xxh3::new();
        for label in [&self.pair, &self.instance] {
            match label {
                // The length first: ("ab", "c") and ("a", "bc") differ.
                Some(v) => {
                    h.update(&(v.len() as u64 + 1).to_le_bytes());
                    h.update(v.as_bytes());
                }
                None => h.update(&0u64.to_le_bytes()),
            }
        }
        h.digest()
    }

    fn measured(self, measure: Measure) -> Measured {
        Measured {
            pair: self.pair.map(Cow::into_owned),
            instance: self.instance.map(Cow::into_owned),
            measure,
            value: self.value,
        }
    }
}

/// The keys are already hashes (XXH3).
#[derive(Default)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

#[derive(Debug, Clone, Copy)]
struct Place {
    /// Its place in the last whole answer.
    at: u32,
    /// Its value as the owner last received it.
    bits: u64,
    /// The answer that last named it, so a series named twice is caught.
    answer: u32,
}

/// Each series of the last whole answer, by the hash of its labels.
#[derive(Default, Clone)]
pub struct Seen {
    places: HashMap<u64, Place, BuildHasherDefault<KeyHasher>>,
    answer: u32,
}

impl Seen {
    /// `None` when two series share their labels (or, at odds of about
    /// one in 2^64 per pair of series, their hash): places would not say
    /// which is which, so every answer is sent whole.
    fn of(rows: &[Row]) -> Option<Self> {
        let mut places =
            HashMap::with_capacity_and_hasher(rows.len(), BuildHasherDefault::default());
        for (i, row) in rows.iter().enumerate() {
            let place = Place {
                at: u32::try_from(i).ok()?,
                bits: row.value.to_bits(),
                answer: 0,
            };
            if places.insert(row.key(), place).is_some() {
                return None;
            }
        }
        Some(Self { places, answer: 0 })
    }

    /// The values that changed, by place, or `None` when this answer does
    /// not name exactly the same series.
    fn changes(&mut self, rows: &[Row]) -> Option<Vec<(u32, f64)>> {
        if rows.len() != self.places.len() {
            return None;
        }
        self.answer = self.answer.wrapping_add(1);
        let mut changed = Vec::new();
        for row in rows {
            let place = self.places.get_mut(&row.key())?;
            if place.answer == self.answer {
                return None;
            }
            place.answer = self.answer;
            let bits = row.value.to_bits();
            if place.bits != bits {
                place.bits = bits;
                changed.push((place.at, row.value));
            }
        }
        Some(changed)
    }
}

/// What to send for an answer's series: only what changed when they are
/// the ones `seen` holds and the owner did not ask for it whole. `seen`
/// is left holding what the owner will have.
pub fn payload(rows: Vec<Row>, measure: Measure, seen: &mut Option<Seen>, whole: bool) -> Payload {
    if !whole
        && let Some(s) = seen.as_mut()
        && let Some(changed) = s.changes(&rows)
    {
        return Payload::MeasuresDelta {
            changed,
            total: rows.len(),
        };
    }
    *seen = Seen::of(&rows);
    Payload::Measures(rows.into_iter().map(|r| r.measured(measure)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(values: &[(&'static str, f64)]) -> Vec<Row<'static>> {
        values
            .iter()
            .map(|&(p, value)| Row {
                pair: Some(Cow::Borrowed(p)),
                instance: None,
                value,
            })
            .collect()
    }

    fn kind(p: &Payload) -> String {
        match p {
            Payload::Measures(m) => format!("whole {}", m.len()),
            Payload::MeasuresDelta { changed, total } => format!("{changed:?} of {total}"),
            _ => "other".into(),
        }
    }

    #[test]
    fn only_changed_values_cross_while_the_series_are_the_same() {
        let mut seen = None;
        let first = payload(
            rows(&[("a", 1.0), ("b", 2.0)]),
            Measure::Lag,
            &mut seen,
            false,
        );
        assert_eq!(kind(&first), "whole 2");
        // Another order, one value moved: named by its first place.
        let p = payload(
            rows(&[("b", 3.0), ("a", 1.0)]),
            Measure::Lag,
            &mut seen,
            false,
        );
        assert_eq!(kind(&p), "[(1, 3.0)] of 2");
        let p = payload(
            rows(&[("a", 1.0), ("b", 3.0)]),
            Measure::Lag,
            &mut seen,
            false,
        );
        assert_eq!(kind(&p), "[] of 2");
        // Asked for whole, one series more, one renamed, one named twice.
        let p = payload(
            rows(&[("a", 1.0), ("b", 3.0)]),
            Measure::Lag,
            &mut seen,
            true,
        );
        assert_eq!(kind(&p), "whole 2");
        let p = payload(
            rows(&[("a", 1.0), ("b", 3.0), ("c", 0.0)]),
            Measure::Lag,
            &mut seen,
            false,
        );
        assert_eq!(kind(&p), "whole 3");
        let p = payload(
            rows(&[("a", 1.0), ("b", 3.0), ("d", 0.0)]),
            Measure::Lag,
            &mut seen,
            false,
        );
        assert_eq!(kind(&p), "whole 3");
        let p = payload(
            rows(&[("a", 1.0), ("a", 3.0), ("d", 0.0)]),
            Measure::Lag,
            &mut seen,
            false,
        );
        assert_eq!(kind(&p), "whole 3");
        assert!(
            seen.is_none(),
            "a label value named twice is never read by place"
        );
        let p = payload(
            rows(&[("a", 1.0), ("a", 3.0), ("d", 0.0)]),
            Measure::Lag,
            &mut seen,
            false,
        );
        assert_eq!(kind(&p), "whole 3");
    }

    #[test]
    fn labels_are_told_apart_by_length_and_presence() {
        let row = |p: Option<&'static str>, i: Option<&'static str>| Row {
            pair: p.map(Cow::Borrowed),
            instance: i.map(Cow::Borrowed),
            value: 0.0,
        };
        assert_ne!(
            row(Some("ab"), Some("c")).key(),
            row(Some("a"), Some("bc")).key()
        );
        assert_ne!(row(Some("a"), None).key(), row(None, Some("a")).key());
        assert_ne!(row(Some(""), None).key(), row(None, None).key());
    }

    #[test]
    fn resync_is_taken_once() {
        let r = Resync::new(2);
        assert!(!r.take(1));
        r.ask(1);
        r.ask(7);
        assert!(!r.take(0));
        assert!(r.take(1));
        assert!(!r.take(1));
        r.ask_all();
        assert!(r.take(0) && r.take(1));
    }
}
