//! Structured mutations of real inputs: a seed (a shipped runbook, a test
//! config, a real body or journal) edited a few times by byte flips,
//! truncations, extreme tokens, duplicated and reordered lines, control
//! characters and invalid UTF-8. Proptest shrinks the list of edits, so a
//! failure comes back as the fewest edits of the seed that still fail.

use std::fmt::Write as _;

use proptest::prelude::*;
use proptest::sample::{Index, select};

/// A mutated input: shown as escaped text in a failure, not as numbers.
#[derive(Clone, PartialEq, Eq)]
pub struct Bytes(pub Vec<u8>);

impl std::fmt::Debug for Bytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if f.alternate() {
            // The whole input, for a file to replay it from.
            write!(f, "{}", String::from_utf8_lossy(&self.0))
        } else {
            write!(f, "\"{}\"", excerpt(&self.0))
        }
    }
}

impl std::ops::Deref for Bytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.0
    }
}

/// One edit of a text.
#[derive(Debug, Clone)]
pub enum Edit {
    /// Flip one bit of one byte.
    Flip(Index, u8),
    /// Cut the text here.
    Truncate(Index),
    /// Insert a token.
    Insert(Index, &'static str),
    /// Replace the value of a `key = value` (or `"key": value`) line.
    Value(Index, &'static str),
    /// Remove a few bytes.
    Delete(Index, u8),
    /// Write a line twice.
    DuplicateLine(Index),
    /// Swap two lines.
    SwapLines(Index, Index),
    /// Insert a control character or a byte that is not UTF-8.
    Raw(Index, u8),
    /// The same token many times over (deep nesting, long values).
    Repeat(Index, &'static str, u16),
}

/// Control characters, terminal escapes and bytes that are not UTF-8.
const RAW: &[u8] = &[
    0x00, 0x07, 0x08, 0x0b, 0x0c, 0x0d, 0x1b, 0x7f, 0x80, 0xbf, 0xc0, 0xe9, 0xf5, 0xff,
];

/// Edits over `tokens`; `max_repeat` bounds `Repeat` (nesting depth).
pub fn edits(
    tokens: &'static [&'static str],
    max_edits: usize,
    max_repeat: u16,
) -> impl Strategy<Value = Vec<Edit>> {
    let edit = prop_oneof![
        2 => (any::<Index>(), 0u8..8).prop_map(|(i, b)| Edit::Flip(i, b)),
        1 => any::<Index>().prop_map(Edit::Truncate),
        4 => (any::<Index>(), select(tokens)).prop_map(|(i, t)| Edit::Insert(i, t)),
        5 => (any::<Index>(), select(tokens)).prop_map(|(i, t)| Edit::Value(i, t)),
        1 => (any::<Index>(), 1u8..16).prop_map(|(i, n)| Edit::Delete(i, n)),
        1 => any::<Index>().prop_map(Edit::DuplicateLine),
        1 => (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Edit::SwapLines(a, b)),
        1 => (any::<Index>(), select(RAW)).prop_map(|(i, b)| Edit::Raw(i, b)),
        1 => (any::<Index>(), select(tokens), 2..=max_repeat.max(2))
            .prop_map(|(i, t, n)| Edit::Repeat(i, t, n)),
    ];
    prop::collection::vec(edit, 0..=max_edits)
}

/// A seed from `seeds`, edited.
pub fn mutated(
    seeds: &'static [&'static str],
    tokens: &'static [&'static str],
    max_edits: usize,
    max_repeat: u16,
) -> impl Strategy<Value = Bytes> {
    (select(seeds), edits(tokens, max_edits, max_repeat))
        .prop_map(|(seed, edits)| Bytes(apply(seed.as_bytes(), &edits)))
}

/// Byte offsets of line starts, with the end.
fn lines(b: &[u8]) -> Vec<usize> {
    let mut v = vec![0];
    v.extend(
        b.iter()
            .enumerate()
            .filter(|(_, c)| **c == b'\n')
            .map(|(i, _)| i + 1),
    );
    if v.last() != Some(&b.len()) {
        v.push(b.len());
    }
    v
}

fn line_range(b: &[u8], i: Index) -> std::ops::Range<usize> {
    let starts = lines(b);
    let n = starts.len().saturating_sub(1).max(1);
    let k = i.index(n);
    let start = starts.get(k).copied().unwrap_or(0).min(b.len());
    let end = starts.get(k + 1).copied().unwrap_or(b.len()).max(start);
    start..end
}

pub fn apply(seed: &[u8], edits: &[Edit]) -> Vec<u8> {
    let mut b = seed.to_vec();
    for e in edits {
        let at = |i: &Index, len: usize| i.index(len + 1);
        match e {
            Edit::Flip(i, bit) => {
                if !b.is_empty() {
                    let k = i.index(b.len());
                    b[k] ^= 1 << bit;
                }
            }
            Edit::Truncate(i) => {
                let k = at(i, b.len());
                b.truncate(k);
            }
            Edit::Insert(i, t) => {
                let k = at(i, b.len());
                b.splice(k..k, t.bytes());
            }
            Edit::Value(i, t) => {
                let r = line_range(&b, *i);
                let line = &b[r.clone()];
                let sep = line
                    .iter()
                    .position(|c| *c == b'=' || *c == b':')
                    .map(|p| r.start + p + 1);
                let end = if line.ends_with(b"\n") {
                    r.end - 1
                } else {
                    r.end
                };
                // JSON: keep the comma that separates fields.
                let end = if b[..end].ends_with(b",") {
                    end - 1
                } else {
                    end
                };
                if let Some(s) = sep.filter(|s| *s <= end) {
                    let mut v = b" ".to_vec();
                    v.extend(t.bytes());
                    b.splice(s..end, v);
                }
            }
            Edit::Delete(i, n) => {
                let k = at(i, b.len()).min(b.len());
                let end = (k + usize::from(*n)).min(b.len());
                b.drain(k..end);
            }
            Edit::DuplicateLine(i) => {
                let r = line_range(&b, *i);
                let mut line = b[r.clone()].to_vec();
                if !line.ends_with(b"\n") {
                    line.insert(0, b'\n');
                }
                b.splice(r.end..r.end, line);
            }
            Edit::SwapLines(x, y) => {
                let (r1, r2) = (line_range(&b, *x), line_range(&b, *y));
                let (r1, r2) = if r1.start <= r2.start {
                    (r1, r2)
                } else {
                    (r2, r1)
                };
                if r1.end <= r2.start {
                    let a = b[r1.clone()].to_vec();
                    let c = b[r2.clone()].to_vec();
                    b.splice(r2, a);
                    b.splice(r1, c);
                }
            }
            Edit::Raw(i, byte) => {
                let k = at(i, b.len());
                b.insert(k, *byte);
            }
            Edit::Repeat(i, t, n) => {
                let k = at(i, b.len());
                b.splice(k..k, t.repeat(usize::from(*n)).into_bytes());
            }
        }
    }
    b
}

/// Shown for a failing input: the text with escapes, cut to a readable size.
pub fn excerpt(b: &[u8]) -> String {
    let s = String::from_utf8_lossy(b);
    let mut e: String = s.escape_debug().collect();
    if e.len() > 1500 {
        let mut cut = 1500;
        while !e.is_char_boundary(cut) {
            cut -= 1;
        }
        e.truncate(cut);
        let _ = write!(e, "… ({} bytes in all)", b.len());
    }
    e
}

/// Extreme and hostile values, as TOML values or inserted text.
pub const TOML_TOKENS: &[&str] = &[
    "\"99999999999h\"",
    "\"292277026597y\"",
    "\"18446744073709551615s\"",
    "\"0s\"",
    "\"0ms\"",
    "\"-5s\"",
    "\"1ns\"",
    "\"1w\"",
    "1e308",
    "-1e308",
    "-5",
    "0",
    "-0",
    "nan",
    "inf",
    "-inf",
    "9223372036854775807",
    "-9223372036854775808",
    "4294967295",
    "4294967296",
    "true",
    "[]",
    "{}",
    "\"\"",
    "\"\\u0000\"",
    "\"\\u001b]52;c;aGVsbG8=\\u0007\\u001b[2J\"",
    "\"x\\ny\"",
    "\"é🙂\u{202e}\"",
    "\"env:\"",
    "\"env:BATON_FUZZ_UNSET\"",
    "\"env:HOME\"",
    "\"http://127.0.0.1:1/\"",
    "\"ftp://x\"",
    "\"/dev/null\"",
    "\"../../../../etc/passwd\"",
    "\"pair-failover\"",
    "\"pair-followup\"",
    "\"post-failover-followup\"",
    "\"gate\"",
    "\"action\"",
    "\"wait\"",
    "\"notify\"",
    "\"bulk\"",
    "\"silence\"",
    "\"region\"",
    "\"provider\"",
    "\"estate\"",
    "\"clipboard\"",
    "\"standby.health_score >= 70 && lag < 10s\"",
    "\"primary.down || !standby.down\"",
    "\"lag < 99999999999h\"",
    "\"1e308 > -1e308\"",
    "\"((((((((((lag))))))))))\"",
    "\"!!!!!!!!!!!!!!!!primary.down\"",
    "\"check.nope.ok\"",
    "\"{{ pair.id }}\"",
    "\"{{ pair.id | upper }}{{ standby.id }}\"",
    "\"{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}\"",
    "\"{% macro m(s) %}{{ m(s ~ s) }}{% endmacro %}{{ m('x') }}\"",
    "\"{% set s = 'ab' %}{% for i in range(40) %}{% set s = s ~ s %}{% endfor %}{{ s }}\"",
    "\"{{ \"",
    "\"{% if %}\"",
    "\"{{ 1 / 0 }}\"",
    "\"{{ range(99999999999) }}\"",
    "\"{{ vars.level }}\"",
    "'''multi\nline'''",
    "\n[[phase]]\nid = \"p\"\n",
    "\n[[phase.step]]\nid = \"s\"\nkind = \"check\"\ntitle = \"t\"\n",
    "\n[[phase.step]]\nid = \"g\"\nkind = \"gate\"\ntitle = \"t\"\nexpr = \"lag < 1s\"\n",
    "\ndue = \"99999999999h\"\n",
    "\ndeadline = \"99999999999h\"\n",
    "\nthen = \"pair-failover\"\n",
    "\n[limits]\ncooldown = \"99999999999h\"\n",
    "\n[[source]]\nname = \"x\"\nkind = \"fleet\"\nurl = \"http://127.0.0.1:1/\"\ninterval = \"292277026597y\"\n",
    "\n[[pair]]\nid = \"p\"\nprimary = { id = \"a\", region = \"r\" }\n",
    "[",
    "]",
    "[[",
    "=",
    "\"",
    "#",
    "\\",
    ".",
    "((((",
    "))))",
    "{%",
    "%}",
    "{{",
];

/// Extreme and hostile values in JSON bodies and journal lines.
pub const JSON_TOKENS: &[&str] = &[
    "1e308",
    "-1e308",
    "1e309",
    "-5",
    "-0.0",
    "0",
    "1e12",
    "NaN",
    "18446744073709551616",
    "-9223372036854775809",
    "null",
    "true",
    "[]",
    "{}",
    "\"\"",
    "\"\\u0000\\u001b]52;c;aGk=\\u0007\\u001b[2J\"",
    "\"\\ud800\"",
    "\"é🙂\u{202e}\"",
    "\"DOWN\"",
    "\"ACTIVE\"",
    "\"PRIMARY\"",
    "\"STANDBY\"",
    "\"acct-1003\"",
    "\"gw-1003-a\"",
    "\"eu-west-1\"",
    "\"aws\"",
    "\"+275760-09-13T00:00:00Z\"",
    "\"-262143-01-01T00:00:00Z\"",
    "\"1970-01-01T00:00:00Z\"",
    "\"2027-01-15T12:04:31Z\"",
    "\"9999-12-31T23:59:59.999999999Z\"",
    "\"not a time\"",
    "{\"id\":\"acct-1003\",\"primary\":{\"id\":\"gw-1003-a\"}},",
    "{\"id\":\"\",\"primary\":{\"id\":\"\"}},",
    "{\"metric\":{\"pair\":\"acct-1003\"},\"value\":[1e308,\"-5\"]},",
    "\"event\":\"closed\"",
    "\"event\":\"action_intent\",\"details\":{\"command\":\"POST x\"}",
    "\"event\":\"started\",\"details\":{\"title\":\"t\",\"drill\":false}",
    "[[[[[[[[",
    "]]]]]]]]",
    "{\"a\":",
    "}",
    ",",
    ":",
    "\"",
    "\\",
    "\n",
];
