//! A fleet poll read against the previous one, so that only what changed
//! is parsed and crosses to the state owner. At 100 000 pairs a fleet body
//! is about 46 MB; parsing it all takes about 250 ms, comparing it with the
//! last one takes a few: an entry with the same length and hash as last
//! time, at the same place in the list, is the same pair, unchanged.
//!
//! What is kept of the last body is each entry's length and 128-bit hash
//! (XXH3), 3 MB at 100 000 pairs rather than the body's 46. A collision
//! would only leave a pair showing what the same endpoint said of it a
//! second before, at odds of about one in 2^128 per entry.
//!
//! Anything unexpected (the list's length or order changed, an entry that
//! cannot be read, a duplicate id, a body of another shape) falls back to
//! reading the whole body, which says what is wrong as before.

use xxhash_rust::xxh3::xxh3_128;

use super::parse;
use super::report::{PairReport, Payload};

/// Where each entry of the list lies in its body.
type Spans = Vec<(usize, usize)>;

/// Each entry's length and hash, in list order.
type Entries = Vec<(usize, u128)>;

/// What the last body read whole or compared left: each entry's length
/// and hash, and the hash of its pair id, in list order. Hashes, not
/// copies: the strings would be 100 000 small allocations made on a
/// parsing thread, which keep that thread's heap from being returned.
#[derive(Clone)]
pub struct Last {
    entries: Entries,
    ids: Vec<u128>,
}

impl Last {
    fn new(body: &[u8], spans: &Spans, ids: Vec<u128>) -> Self {
        let entries = spans
            .iter()
            .map(|&(s, e)| (e - s, body.get(s..e).map_or(0, xxh3_128)))
            .collect();
        Self { entries, ids }
    }
}

/// Reads a fleet body of the default shape. `last` is what the previous
/// poll left; it is replaced by what this one leaves.
pub fn read(body: &[u8], last: &mut Option<Last>) -> Result<Payload, String> {
    if let Some(prev) = last.take()
        && let Some((entries, changed)) = compare(body, &prev)
    {
        let unchanged = entries.len() - changed.len();
        *last = Some(Last {
            entries,
            ids: prev.ids,
        });
        return Ok(Payload::FleetDelta { changed, unchanged });
    }
    // What is kept is made before the parse: what the parse allocates
    // is then freed from the top of this thread's heap, which returns it
    // (kept allocations above it would pin 30 MB at 100 000 pairs).
    let kept = entries(body).map(|spans| {
        let ids = Vec::with_capacity(spans.len());
        Last::new(body, &spans, ids)
    });
    let (pairs, skipped) = parse::fleet(body)?;
    // A list with skipped or repeated entries is read whole every time:
    // positions no longer say which pair is which.
    *last = match (skipped.is_empty(), kept) {
        (true, Some(mut kept)) if kept.entries.len() == pairs.len() => {
            kept.ids
                .extend(pairs.iter().map(|p| xxh3_128(p.id.as_bytes())));
            Some(kept)
        }
        _ => None,
    };
    Ok(Payload::Fleet { pairs, skipped })
}

/// The entries that changed since `prev`, with what this body leaves;
/// `None` when the body cannot be read against it (then it is read whole).
fn compare(body: &[u8], prev: &Last) -> Option<(Entries, Vec<PairReport>)> {
    let mut at = array_start(body)?;
    let mut entries = Vec::with_capacity(prev.entries.len());
    let mut changed = Vec::new();
    for (i, &(len, hash)) in prev.entries.iter().enumerate() {
        at = skip_ws(body, at);
        if i > 0 {
            if body.get(at) != Some(&b',') {
                return None;
            }
            at = skip_ws(body, at + 1);
        }
        // The same bytes end where the entry ends: followed by the list's
        // next comma or its end.
        let same = body.get(at..at + len).map(xxh3_128) == Some(hash)
            && matches!(body.get(skip_ws(body, at + len)), Some(b',' | b']'));
        if same {
            entries.push((len, hash));
            at += len;
            continue;
        }
        let end = object_end(body, at)?;
        let entry = body.get(at..end)?;
        let report: PairReport = serde_json::from_slice(entry).ok()?;
        // Another pair here: the list changed order or members.
        if prev.ids.get(i) != Some(&xxh3_128(report.id.as_bytes())) || report.primary.id.is_empty()
        {
            return None;
        }
        changed.push(report);
        entries.push((entry.len(), xxh3_128(entry)));
        at = end;
    }
    // The list must end where the last one did: no pair added.
    (body.get(skip_ws(body, at)) == Some(&b']')).then_some((entries, changed))
}

/// Where each entry of the `pairs` list lies.
fn entries(body: &[u8]) -> Option<Spans> {
    let mut at = skip_ws(body, array_start(body)?);
    let mut spans = Vec::new();
    if body.get(at) == Some(&b']') {
        return Some(spans);
    }
    loop {
        at = skip_ws(body, at);
        let end = object_end(body, at)?;
        spans.push((at, end));
        at = skip_ws(body, end);
        match body.get(at) {
            Some(b',') => at += 1,
            Some(b']') => return Some(spans),
            _ => return None,
        }
    }
}

pub(super) fn skip_ws(body: &[u8], mut at: usize) -> usize {
    while body.get(at).is_some_and(u8::is_ascii_whitespace) {
        at += 1;
    }
    at
}

/// The index after the string that opens at `at` (a `"`).
pub(super) fn string_end(body: &[u8], mut at: usize) -> Option<usize> {
    at += 1;
    loop {
        let rest = body.get(at..)?;
        let i = memchr::memchr2(b'"', b'\\', rest)?;
        match rest.get(i) {
            Some(b'\\') => at += i + 2,
            _ => return Some(at + i + 1),
        }
    }
}

/// The index after the object or array that opens at `at`.
pub(super) fn object_end(body: &[u8], at: usize) -> Option<usize> {
    if !matches!(body.get(at), Some(b'{' | b'[')) {
        return None;
    }
    let mut depth = 0usize;
    let mut i = at;
    loop {
        match body.get(i)? {
            b'"' => {
                i = string_end(body, i)?;
                continue;
            }
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
        i += 1;
    }
}

/// The index just inside `[` of the top-level `pairs` list.
fn array_start(body: &[u8]) -> Option<usize> {
    let mut at = skip_ws(body, 0);
    if body.get(at) != Some(&b'{') {
        return None;
    }
    at += 1;
    loop {
        at = skip_ws(body, at);
        if body.get(at) != Some(&b'"') {
            return None;
        }
        let key_end = string_end(body, at)?;
        let key = body.get(at + 1..key_end - 1)?;
        at = skip_ws(body, key_end);
        if body.get(at) != Some(&b':') {
            return None;
        }
        at = skip_ws(body, at + 1);
        if key == b"pairs" {
            return (body.get(at) == Some(&b'[')).then_some(at + 1);
        }
        // Another member: stepped over.
        at = match body.get(at)? {
            b'"' => string_end(body, at)?,
            b'{' | b'[' => object_end(body, at)?,
            _ => {
                at + body
                    .get(at..)?
                    .iter()
                    .position(|b| matches!(b, b',' | b'}'))?
            }
        };
        at = skip_ws(body, at);
        if body.get(at) != Some(&b',') {
            return None;
        }
        at += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(pairs: &[(&str, &str, f64)]) -> Vec<u8> {
        let list: Vec<String> = pairs
            .iter()
            .map(|(id, status, lag)| {
                format!(
                    r#"{{"id":"{id}","primary":{{"id":"{id}-a","status":"{status}","note":"a \"quoted\" }} brace"}},"replication_lag_seconds":{lag}}}"#
                )
            })
            .collect();
        format!(
            r#"{{"generated":"now", "pairs": [ {} ] }}"#,
            list.join(" , ")
        )
        .into_bytes()
    }

    #[test]
    fn only_what_changed_crosses_and_anything_else_is_read_whole() {
        let mut last = None;
        let first = read(
            &body(&[
                ("a", "ACTIVE", 0.5),
                ("b", "ACTIVE", 1.0),
                ("c", "DOWN", 2.0),
            ]),
            &mut last,
        );
        assert!(matches!(first, Ok(Payload::Fleet { ref pairs, .. }) if pairs.len() == 3));
        // One entry changed, and grew: the others are compared, not read.
        let second = read(
            &body(&[
                ("a", "ACTIVE", 0.5),
                ("b", "ACTIVE", 12.25),
                ("c", "DOWN", 2.0),
            ]),
            &mut last,
        );
        match second {
            Ok(Payload::FleetDelta { changed, unchanged }) => {
                assert_eq!(unchanged, 2);
                assert_eq!(changed.len(), 1);
                assert_eq!(changed[0].id, "b");
                assert_eq!(changed[0].replication_lag_seconds, Some(12.25));
            }
            other => panic!("{other:?}"),
        }
        // Nothing changed: nothing to parse.
        let same = read(
            &body(&[
                ("a", "ACTIVE", 0.5),
                ("b", "ACTIVE", 12.25),
                ("c", "DOWN", 2.0),
            ]),
            &mut last,
        );
        assert!(
            matches!(same, Ok(Payload::FleetDelta { ref changed, unchanged: 3 }) if changed.is_empty())
        );
        // Reordered, added, removed: read whole.
        for other in [
            body(&[
                ("b", "ACTIVE", 12.25),
                ("a", "ACTIVE", 0.5),
                ("c", "DOWN", 2.0),
            ]),
            body(&[
                ("a", "ACTIVE", 0.5),
                ("b", "ACTIVE", 12.25),
                ("c", "DOWN", 2.0),
                ("d", "UP", 0.0),
            ]),
            body(&[("a", "ACTIVE", 0.5), ("c", "DOWN", 2.0)]),
        ] {
            let mut l = None;
            read(
                &body(&[
                    ("a", "ACTIVE", 0.5),
                    ("b", "ACTIVE", 12.25),
                    ("c", "DOWN", 2.0),
                ]),
                &mut l,
            )
            .expect("first");
            assert!(matches!(read(&other, &mut l), Ok(Payload::Fleet { .. })));
        }
    }

    #[test]
    fn a_broken_body_after_a_good_one_is_the_same_error_as_ever() {
        let mut last = None;
        read(&body(&[("a", "ACTIVE", 0.5)]), &mut last).expect("first");
        let cut = body(&[("a", "ACTIVE", 0.75)]);
        let torn = cut.get(..cut.len() - 9).unwrap_or_default().to_vec();
        assert!(read(&torn, &mut last).is_err_and(|e| e.starts_with("malformed JSON")));
        let junk: [&[u8]; 6] = [
            b"",
            b"{",
            br#"{"pairs""#,
            b"[]",
            br#"{"x":"\"#,
            br#"{"pairs":[{"id":"\"] "#,
        ];
        for junk in junk {
            let _ = read(junk, &mut last);
            assert!(entries(junk).is_none());
        }
    }
}
