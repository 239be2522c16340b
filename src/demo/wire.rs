//! The demo fleet's `/api/pairs` body, each pair serialised again only
//! when what it reports changed. At 100 000 pairs, building the whole
//! list as JSON values every second cost the demo most of a core and a
//! gigabyte, more than the console it feeds.

use std::hash::{DefaultHasher, Hash, Hasher};

use crate::sources::report::PairReport;

/// Each pair's last entry and the fingerprint of what it was made from.
#[derive(Clone, Default)]
pub struct Wire {
    entries: Vec<(u64, Vec<u8>)>,
}

impl std::fmt::Debug for Wire {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Wire({} entries)", self.entries.len())
    }
}

/// The fingerprint of what an entry is made from.
pub fn fingerprint(parts: impl Hash) -> u64 {
    let mut h = DefaultHasher::new();
    parts.hash(&mut h);
    h.finish()
}

impl Wire {
    /// `{"pairs":[…]}` for the pairs given as (fingerprint, report maker):
    /// a report is made and serialised only when its fingerprint moved.
    pub fn body<F: FnOnce() -> PairReport>(
        &mut self,
        pairs: impl ExactSizeIterator<Item = (u64, F)>,
    ) -> Vec<u8> {
        let n = pairs.len();
        self.entries.truncate(n);
        for (i, (key, report)) in pairs.enumerate() {
            match self.entries.get_mut(i) {
                Some((k, _)) if *k == key => {}
                slot => {
                    let bytes = serde_json::to_vec(&report()).unwrap_or_default();
                    match slot {
                        Some(s) => *s = (key, bytes),
                        None => self.entries.push((key, bytes)),
                    }
                }
            }
        }
        let size: usize = self.entries.iter().map(|(_, b)| b.len() + 1).sum();
        let mut body = Vec::with_capacity(size + 16);
        body.extend_from_slice(b"{\"pairs\":[");
        for (i, (_, entry)) in self.entries.iter().enumerate() {
            if i > 0 {
                body.push(b',');
            }
            body.extend_from_slice(entry);
        }
        body.extend_from_slice(b"]}");
        body
    }
}
