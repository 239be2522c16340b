//! What consoles share: pair locks, the journal of record, approvals.
//! `Coord::Local` is one host (flock files, the journal folder); with
//! `[coordination] kind = "etcd"` a `Cluster` puts locks on leased etcd
//! keys and commits every journal entry to etcd, so consoles on several
//! hosts exclude each other, follow each other and take over from a lost
//! one. Keys, all under the prefix:
//!
//! - `locks/NAME`: who holds a pair or area (bound to the console's lease)
//! - `slots/N`: one of `max_concurrent` in-flight failovers (leased)
//! - `journal/INCIDENT/SEQ`: one entry each, in order (never leased)
//! - `approvals/INCIDENT/SEQ`: a second operator's decision on request SEQ

pub mod approval;
pub(crate) mod block;
pub mod cluster;
pub mod etcd;
pub mod remote;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use cluster::Cluster;

/// Who holds a lock: shown to the console that is refused.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Holder {
    pub operator: String,
    pub incident: String,
    pub since: DateTime<Utc>,
    /// One run of one console (host, pid, start), so a restarted console
    /// on the same host is not mistaken for the one that died.
    pub console: String,
}

impl Holder {
    pub fn describe(&self, name: &str) -> String {
        format!(
            "{name} is held by {} for {} since {} UTC",
            self.operator,
            self.incident,
            self.since.format("%H:%M:%S")
        )
    }
}

/// This console run's id.
pub fn console_id() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map_or_else(|_| "localhost".into(), |h| h.trim().to_string());
    format!(
        "{host}:{}:{}",
        std::process::id(),
        Utc::now().timestamp_millis()
    )
}

/// How this console coordinates with the others.
#[derive(Clone, Default)]
pub enum Coord {
    #[default]
    Local,
    Etcd(Arc<Cluster>),
    /// `kind = "etcd"` but the client could not be built (a secret not
    /// set): nothing is locked or acted on, rather than locally only.
    Unavailable(String),
}

/// Key names: the prefix, then one of the folders of the module doc.
pub fn lock_key(prefix: &str, name: &str) -> String {
    format!("{prefix}/locks/{}", safe(name))
}

pub fn journal_prefix(prefix: &str, incident: &str) -> String {
    format!("{prefix}/journal/{}/", safe(incident))
}

pub fn journal_key(prefix: &str, incident: &str, seq: u64) -> String {
    format!("{}{seq:08}", journal_prefix(prefix, incident))
}

pub fn approval_key(prefix: &str, incident: &str, request: u64) -> String {
    format!("{prefix}/approvals/{}/{request:08}", safe(incident))
}

/// A name as one key segment: no `/`, nothing unprintable.
fn safe(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | ':' | '@') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_keep_one_segment_per_name_and_sort_in_journal_order() {
        assert_eq!(lock_key("/b", "region:eu/x"), "/b/locks/region:eu_x");
        assert!(journal_key("/b", "INC-1", 9) < journal_key("/b", "INC-1", 10));
        assert!(journal_key("/b", "INC-1", 3).starts_with(&journal_prefix("/b", "INC-1")));
    }
}
