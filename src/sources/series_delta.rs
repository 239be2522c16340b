//! A Prometheus answer read against the last one, so that only the values
//! that changed cross to the state owner. At 100 000 series a whole
//! answer is 100 000 values with their labels, read by a JSON parser on a
//! blocking thread (about 40 ms) and each found by its label on the
//! owner's thread (about 20 ms there, which a key press waits behind).
//! Read against the last one, as the fleet source does
//! (`fleet_delta`), it is a walk over the bytes: each series' `metric`
//! object, as written, has the same hash as last time at the same place
//! in the list, and only its value is read; the few that moved cross,
//! named by their place in the last answer sent whole. The owner keeps
//! which pair each place reached.
//!
//! Anything else is read whole by the parser, with its errors: an answer
//! not written as Prometheus writes one, a series more or less, one
//! renamed or moved, a value that became NaN or came back. So is the
//! answer after the owner asked for it (`Resync`): pairs added, gone or
//! moved, an instance no longer where it was. A hash collision would
//! leave a pair with the value of the series that was at its place a
//! second before, at odds of about one in 2^64 per series.

use std::borrow::Cow;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use xxhash_rust::xxh3::xxh3_64;

use super::fleet_delta::{object_end, skip_ws};
use super::report::Measured;
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

/// One series of an answer read whole: the labels the source maps by,
/// borrowed from the body where they hold no escape, and its value.
#[derive(Debug)]
pub struct Row<'a> {
    pub pair: Option<Cow<'a, str>>,
    pub instance: Option<Cow<'a, str>>,
    pub value: f64,
}

impl Row<'_> {
    pub fn measured(self, measure: Measure) -> Measured {
        Measured {
            pair: self.pair.map(Cow::into_owned),
            instance: self.instance.map(Cow::into_owned),
            measure,
            value: self.value,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Series {
    /// The hash of its `metric` object as written.
    metric: u64,
    /// Its place in what was sent whole; `None` for a value left out
    /// (NaN, infinite, not a number).
    place: Option<u32>,
    /// Its value as the owner last received it.
    bits: u64,
}

/// Each series of the last answer, in the answer's order.
#[derive(Debug, Default, Clone)]
pub struct Seen {
    series: Vec<Series>,
    places: usize,
}

/// The start of every successful instant-vector answer of Prometheus.
const HEAD: &[u8] = br#"{"status":"success","data":{"resultType":"vector","result":["#;

/// Walks the series of an answer written as Prometheus writes one, with
/// each one's `metric` object and value text; `None` as soon as the body
/// is written otherwise (then it is read whole).
fn walk<'b>(body: &'b [u8], mut each: impl FnMut(&'b [u8], &'b [u8]) -> Option<()>) -> Option<()> {
    let expect = |at: usize, what: &[u8]| {
        body.get(at..at + what.len())
            .filter(|b| *b == what)
            .map(|_| at + what.len())
    };
    let mut at = expect(0, HEAD)?;
    let mut first = true;
    loop {
        at = skip_ws(body, at);
        if body.get(at) == Some(&b']') {
            at += 1;
            break;
        }
        if !first {
            at = skip_ws(body, expect(at, b",")?);
        }
        first = false;
        at = expect(at, br#"{"metric":"#)?;
        let end = object_end(body, at)?;
        let metric = body.get(at..end)?;
        at = expect(end, br#","value":["#)?;
        // The timestamp, then the value as a string without escapes.
        at += body.get(at..)?.iter().position(|&b| b == b',')? + 1;
        at = expect(at, b"\"")?;
        let len = body.get(at..)?.iter().position(|&b| b == b'"')?;
        let text = body.get(at..at + len)?;
        if text.contains(&b'\\') {
            return None;
        }
        at = expect(at + len, b"\"]}")?;
        each(metric, text)?;
    }
    // Only the data and the answer close after the list.
    (body.get(at..)?.trim_ascii() == b"}}").then_some(())
}

/// A value as a whole read takes it: NaN and infinities are left out.
fn value(text: &[u8]) -> Option<f64> {
    std::str::from_utf8(text)
        .ok()?
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
}

impl Seen {
    /// What an answer read whole leaves, `sent` its values in order;
    /// `None` when the body is not written as the walk reads.
    pub fn of(body: &[u8], sent: usize) -> Option<Self> {
        let mut seen = Self::default();
        walk(body, |metric, text| {
            let v = value(text);
            let place = match v {
                Some(_) => {
                    seen.places += 1;
                    Some(u32::try_from(seen.places - 1).ok()?)
                }
                None => None,
            };
            seen.series.push(Series {
                metric: xxh3_64(metric),
                place,
                bits: v.unwrap_or_default().to_bits(),
            });
            Some(())
        })?;
        (seen.places == sent).then_some(seen)
    }

    /// How many values were sent whole.
    pub fn places(&self) -> usize {
        self.places
    }

    /// The values that changed, by place, or `None` when this answer does
    /// not hold the same series in the same order (or is written
    /// otherwise). Left as it is only when it answers.
    pub fn changes(&mut self, body: &[u8]) -> Option<Vec<(u32, f64)>> {
        let mut changed = Vec::new();
        let mut i = 0;
        walk(body, |metric, text| {
            let s = self.series.get_mut(i)?;
            i += 1;
            if s.metric != xxh3_64(metric) {
                return None;
            }
            match (value(text), s.place) {
                (Some(v), Some(place)) => {
                    if v.to_bits() != s.bits {
                        s.bits = v.to_bits();
                        changed.push((place, v));
                    }
                    Some(())
                }
                (None, None) => Some(()),
                // Left out now and not before, or the other way round.
                _ => None,
            }
        })?;
        (i == self.series.len()).then_some(changed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(series: &[(&str, &str)]) -> Vec<u8> {
        let list: Vec<String> = series
            .iter()
            .map(|(p, v)| {
                format!(
                    r#"{{"metric":{{"__name__":"m","pair":"{p}"}},"value":[1733150000.5,"{v}"]}}"#
                )
            })
            .collect();
        format!(
            r#"{{"status":"success","data":{{"resultType":"vector","result":[{}]}}}}"#,
            list.join(",")
        )
        .into_bytes()
    }

    #[test]
    fn only_changed_values_cross_while_the_series_are_the_same() {
        let first = answer(&[("a", "1"), ("b", "NaN"), ("c", "2")]);
        // Two values sent whole (NaN left out).
        let mut seen = Seen::of(&first, 2).expect("walks");
        assert_eq!(seen.places(), 2);
        assert!(Seen::of(&first, 3).is_none(), "not what the parser sent");
        assert_eq!(seen.changes(&first), Some(vec![]));
        let moved = answer(&[("a", "1"), ("b", "NaN"), ("c", "5")]);
        assert_eq!(seen.changes(&moved), Some(vec![(1, 5.0)]));
        assert_eq!(seen.changes(&moved), Some(vec![]));
        // Not the same series, or a value left out that comes back: whole.
        for other in [
            answer(&[("a", "1"), ("b", "NaN")]),
            answer(&[("a", "1"), ("b", "NaN"), ("c", "5"), ("d", "1")]),
            answer(&[("c", "5"), ("b", "NaN"), ("a", "1")]),
            answer(&[("a", "1"), ("b", "3"), ("c", "5")]),
            answer(&[("a", "+Inf"), ("b", "NaN"), ("c", "5")]),
            answer(&[("a", "1\\u0030"), ("b", "NaN"), ("c", "5")]),
        ] {
            assert_eq!(
                seen.clone().changes(&other),
                None,
                "{}",
                String::from_utf8_lossy(&other)
            );
        }
        // Written otherwise: with warnings, an error, spaces.
        let mut warned = moved.clone();
        warned.truncate(warned.len() - 1);
        warned.extend_from_slice(br#","warnings":["w"]}"#);
        assert_eq!(seen.clone().changes(&warned), None);
        assert_eq!(
            seen.clone()
                .changes(br#"{"status":"error","errorType":"x","error":"y"}"#),
            None
        );
        let spaced = String::from_utf8_lossy(&moved).replace("\"metric\":", "\"metric\": ");
        assert_eq!(seen.clone().changes(spaced.as_bytes()), None);
        // A label value with a brace or an escaped quote is read as written.
        let odd = answer(&[("a}{", "1"), ("b\\\"", "2")]);
        let mut s = Seen::of(&odd, 2).expect("walks");
        assert_eq!(
            s.changes(&answer(&[("a}{", "1"), ("b\\\"", "3")])),
            Some(vec![(1, 3.0)])
        );
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
