//! Every console's view of the prefix on etcd: the journals of every
//! incident, who holds which lock, the approvals given. One range, then a
//! watch from the revision after it; on any failure, a second later, a
//! range again (the watch may have missed nothing or anything).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::watch;

use super::Holder;
use super::approval::Decision;
use super::etcd::{Change, Etcd, Kv};
use crate::wizard::incident::Entry;

#[derive(Debug, Default, Clone)]
pub struct View {
    /// Incident → its entries by sequence number; shared with earlier
    /// snapshots until it changes (a snapshot costs a map of pointers).
    pub journals: BTreeMap<String, Arc<BTreeMap<u64, Entry>>>,
    /// Lock name → holder and lease.
    pub locks: BTreeMap<String, (Holder, i64)>,
    /// Incident → request → the decision given.
    pub approvals: BTreeMap<String, BTreeMap<u64, Decision>>,
    /// Why the view may be behind, while it is.
    pub error: Option<String>,
    /// Whether a range has ever answered.
    pub synced: bool,
}

impl View {
    /// Who holds a lock of `incident` now, if anyone.
    pub fn holder_of(&self, incident: &str) -> Option<&Holder> {
        self.locks
            .values()
            .map(|(h, _)| h)
            .find(|h| h.incident == incident)
    }

    pub fn entries(&self, incident: &str) -> Vec<Entry> {
        self.journals
            .get(incident)
            .map(|j| j.values().cloned().collect())
            .unwrap_or_default()
    }

    fn put(&mut self, prefix: &str, kv: &Kv) {
        let Some(rest) = kv
            .key
            .strip_prefix(prefix)
            .and_then(|r| r.strip_prefix('/'))
        else {
            return;
        };
        let parts: Vec<&str> = rest.splitn(3, '/').collect();
        match parts.as_slice() {
            ["journal", incident, seq] => {
                if let (Ok(seq), Ok(e)) = (seq.parse(), serde_json::from_slice::<Entry>(&kv.value))
                {
                    Arc::make_mut(self.journals.entry((*incident).to_string()).or_default())
                        .insert(seq, e);
                }
            }
            ["locks", name] => {
                if let Ok(h) = serde_json::from_slice::<Holder>(&kv.value) {
                    self.locks.insert((*name).to_string(), (h, kv.lease));
                }
            }
            ["approvals", incident, request] => {
                if let (Ok(r), Ok(d)) = (
                    request.parse(),
                    serde_json::from_slice::<Decision>(&kv.value),
                ) {
                    self.approvals
                        .entry((*incident).to_string())
                        .or_default()
                        .entry(r)
                        .or_insert(d);
                }
            }
            _ => {}
        }
    }

    fn delete(&mut self, prefix: &str, key: &str) {
        let Some(rest) = key.strip_prefix(prefix).and_then(|r| r.strip_prefix('/')) else {
            return;
        };
        if let Some(name) = rest.strip_prefix("locks/") {
            self.locks.remove(name);
        }
    }
}

/// Snapshots go out at most this often: a bulk failover commits
/// thousands of entries, and each snapshot is folded by the console.
const SNAPSHOT_EVERY: Duration = Duration::from_millis(100);

/// Follows the prefix in the background; the receiver always holds the
/// latest view (at most `SNAPSHOT_EVERY` behind).
pub fn spawn(etcd: Etcd, prefix: String) -> watch::Receiver<Arc<View>> {
    let (tx, rx) = watch::channel(Arc::new(View::default()));
    let shared = Arc::new(Mutex::new((View::default(), false)));
    let out = Arc::clone(&shared);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(SNAPSHOT_EVERY);
        loop {
            tick.tick().await;
            let snapshot = {
                let mut g = out
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                let (view, dirty) = &mut *g;
                std::mem::take(dirty).then(|| Arc::new(view.clone()))
            };
            if let Some(v) = snapshot
                && tx.send(v).is_err()
            {
                return;
            }
        }
    });
    tokio::spawn(async move {
        let lock = || {
            shared
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
        };
        loop {
            match etcd.range(&format!("{prefix}/")).await {
                Ok((kvs, rev)) => {
                    {
                        let mut fresh = View {
                            synced: true,
                            ..View::default()
                        };
                        for kv in &kvs {
                            fresh.put(&prefix, kv);
                        }
                        *lock() = (fresh, true);
                    }
                    let result = etcd
                        .watch(&format!("{prefix}/"), rev + 1, |changes| {
                            let mut g = lock();
                            let (view, dirty) = &mut *g;
                            for c in changes {
                                match c {
                                    Change::Put(kv) => view.put(&prefix, &kv),
                                    Change::Delete(k) => view.delete(&prefix, &k),
                                }
                            }
                            view.error = None;
                            *dirty = true;
                        })
                        .await;
                    if let Err(e) = result {
                        tracing::warn!("etcd watch of {prefix}: {e}");
                        let mut g = lock();
                        g.0.error = Some(e);
                        g.1 = true;
                    }
                }
                Err(e) => {
                    let mut g = lock();
                    g.0.error = Some(e);
                    g.1 = true;
                }
            }
            if Arc::strong_count(&shared) < 2 {
                return;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    });
    rx
}
