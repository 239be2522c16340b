//! Following the operators' wizards from the journal folder: every console
//! on the host (or on shared storage) reads the same files, so any number
//! of watchers see exactly where each failover is.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::SystemTime;

use crate::effects::journal;
use crate::wizard::incident::{Entry, Event, Incident};
use crate::wizard::runbook::Runbook;

/// Closed incidents stay on screen this long, so the room sees the end.
const KEEP_CLOSED_SECS: i64 = 15 * 60;

pub struct Follower {
    dir: PathBuf,
    /// Modification time and length of each journal when last read.
    seen: HashMap<PathBuf, (SystemTime, u64)>,
    entries: HashMap<PathBuf, Vec<Entry>>,
}

impl Follower {
    pub fn new(dir: PathBuf) -> Self {
        Self {
            dir,
            seen: HashMap::new(),
            entries: HashMap::new(),
        }
    }

    /// Re-reads the journals that changed; true when any did.
    pub fn poll(&mut self) -> bool {
        let Ok(rd) = std::fs::read_dir(&self.dir) else {
            return false;
        };
        let mut changed = false;
        for path in rd
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        {
            let Ok(meta) = std::fs::metadata(&path) else {
                continue;
            };
            let stamp = (
                meta.modified().unwrap_or(SystemTime::UNIX_EPOCH),
                meta.len(),
            );
            if self.seen.get(&path) == Some(&stamp) {
                continue;
            }
            if let Ok((entries, _bad)) = journal::read(&path) {
                self.entries.insert(path.clone(), entries);
                self.seen.insert(path, stamp);
                changed = true;
            }
        }
        changed
    }

    /// Open incidents, and those closed in the last minutes, oldest first.
    pub fn incidents(
        &self,
        runbooks: &[Arc<Runbook>],
        now: chrono::DateTime<chrono::Utc>,
    ) -> Vec<Incident> {
        let all: Vec<Vec<Entry>> = self.entries.values().cloned().collect();
        fold_all(&all, runbooks, now)
    }

    pub fn history(&self) -> Vec<Entry> {
        self.entries.values().flatten().cloned().collect()
    }
}

/// The incidents of these journals a watcher shows: open ones, and
/// those closed in the last minutes, oldest first.
pub fn fold_all(
    journals: &[Vec<Entry>],
    runbooks: &[Arc<Runbook>],
    now: chrono::DateTime<chrono::Utc>,
) -> Vec<Incident> {
    let mut out: Vec<Incident> = journals
        .iter()
        .filter(|e| {
            e.last().is_some_and(|last| {
                !matches!(last.event, Event::Closed | Event::Aborted { .. })
                    || (now - last.at).num_seconds() < KEEP_CLOSED_SECS
            })
        })
        .filter_map(|e| {
            let rb = runbooks
                .iter()
                .find(|r| Some(&r.id) == e.first().map(|x| &x.runbook))?;
            // A watcher cannot know that a running action was lost: it
            // shows it running until the operator's console says more.
            Incident::fold(e, Arc::clone(rb))
        })
        .collect();
    out.sort_by_key(|i| i.started);
    out
}

impl super::App {
    /// New state from the journals; a new incident is brought to the front.
    pub fn follow_update(&mut self, incidents: Vec<Incident>, history: Vec<Entry>) {
        let w = &mut self.wizard;
        let focused = w.focused().map(|i| i.id.clone());
        let known: Vec<String> = w.incidents.iter().map(|i| i.id.clone()).collect();
        let fresh = incidents.iter().position(|i| !known.contains(&i.id));
        w.incidents = incidents;
        w.history = history;
        w.focus = match (fresh, focused) {
            (Some(pos), _) => {
                self.view.wizard = true;
                pos
            }
            (None, Some(id)) => w.incidents.iter().position(|i| i.id == id).unwrap_or(0),
            (None, None) => 0,
        };
    }
}
