//! The executor's side of `[coordination]`: which locks to take where,
//! and the rule that an action runs only once its intent is committed to
//! the journal of record (etcd), within `coordination.timeout`.

use std::future::Future;
use std::sync::Arc;

use super::{Executor, lock};
use crate::config::Config;
use crate::config::coordination::Kind;
use crate::coord::{Cluster, Coord};
use crate::wizard::incident::Entry;

/// The coordination of a console: etcd for an operator console of a
/// config that says so; a read-only console never takes a lease.
pub fn connect(config: &Config, read_only: bool, operator: &str) -> Coord {
    let c = &config.coordination;
    if c.kind == Kind::Local || read_only {
        return Coord::Local;
    }
    match Cluster::start(c, operator, config.limits.max_concurrent) {
        Ok(cluster) => Coord::Etcd(cluster),
        Err(e) => {
            tracing::error!("coordination on etcd unavailable: {e}");
            Coord::Unavailable(e)
        }
    }
}

impl Executor {
    /// The cluster when coordinating on etcd; an error when etcd was asked
    /// for and cannot be used.
    pub(super) fn cluster(&self) -> Result<Option<&Arc<Cluster>>, String> {
        match &self.coord {
            Coord::Local => Ok(None),
            Coord::Etcd(c) => Ok(Some(c)),
            Coord::Unavailable(e) => Err(format!("coordination on etcd is unavailable: {e}")),
        }
    }

    /// One bulk pair's lock: a file here, a key on etcd.
    pub(super) fn take_one(
        &self,
        incident: &str,
        pair: &str,
    ) -> Result<Option<lock::PairLock>, String> {
        match self.cluster()? {
            Some(c) => c
                .take(incident, std::slice::from_ref(&pair.to_string()), false)
                .map(|()| None),
            None => lock::take(&self.journal_dir, pair).map(Some),
        }
    }

    /// Whether an action of `incident` may start now (etcd: a live lease,
    /// its locks its own, the journal caught up).
    pub(super) fn may_act(&self, incident: &str) -> Result<(), String> {
        match self.cluster()? {
            Some(c) => c.may_act(incident),
            None => Ok(()),
        }
    }

    /// Resolves once `entries` (already on disk) are in the journal of
    /// record: at once here; on etcd when committed, or an error when not
    /// within the timeout (the action then does not run).
    pub(super) fn committed(
        &self,
        entries: &[Entry],
    ) -> impl Future<Output = Result<(), String>> + Send + 'static {
        let wait = match &self.coord {
            Coord::Etcd(c) => c
                .commit(&entries.iter().collect::<Vec<_>>())
                .map(|rx| (rx, c.timeout)),
            _ => None,
        };
        async move {
            let Some((rx, timeout)) = wait else {
                return Ok(());
            };
            match tokio::time::timeout(timeout, rx).await {
                Ok(Ok(Ok(()))) => Ok(()),
                Ok(Ok(Err(e))) => Err(format!("its intent was not committed to etcd: {e}")),
                Ok(Err(_)) => {
                    Err("its intent was not committed to etcd (the outbox stopped)".into())
                }
                Err(_) => Err(format!(
                    "its intent was not committed to etcd within {} (no quorum, or unreachable)",
                    humantime::format_duration(timeout)
                )),
            }
        }
    }
}

impl Executor {
    /// Takes over an incident another console lost: its locks here, its
    /// journal of record (etcd) copied to this host's folder, then the
    /// `taken_over` entry journaled on both. Refused if its journal grew
    /// meanwhile (its console is back).
    pub fn take_over(
        &mut self,
        locks: &[String],
        entries: &[Entry],
        entry: &Entry,
    ) -> Result<(), String> {
        if self.read_only {
            return Err(super::READ_ONLY.into());
        }
        let Some(c) = self.cluster()?.cloned() else {
            return Err("taking over needs [coordination] kind = \"etcd\"; on one host, restart baton to resume".into());
        };
        let id = entry.incident.as_str();
        self.take_locks(id, locks)?;
        let undo = |me: &mut Self, e: String| {
            me.release(id);
            Err(e)
        };
        let now = match c.journal_of(id) {
            Ok(v) => v,
            Err(e) => return undo(self, e),
        };
        if now.len() != entries.len() {
            return undo(
                self,
                format!("{id}'s journal changed on etcd while you typed: look again"),
            );
        }
        // This host's copy: what it lacks of the journal of record.
        let path = super::journal::path_of(&self.journal_dir, id);
        let have = if path.exists() {
            super::journal::read(&path)
                .map_or(0, |(e, _)| e.iter().filter(|x| is_recorded(x)).count())
        } else {
            if let Err(e) = super::journal::create(&self.journal_dir, id) {
                return undo(self, e);
            }
            0
        };
        if let Err(e) =
            super::journal::append(&self.journal_dir, &entries[have.min(entries.len())..])
        {
            return undo(self, e);
        }
        c.continue_at(id, entries.len() as u64);
        self.journal(std::slice::from_ref(entry))
    }
}

/// An entry of the journal of record (not a local repair mark).
pub fn is_recorded(e: &Entry) -> bool {
    !matches!(
        e.event,
        crate::wizard::incident::Event::JournalRepaired { .. }
            | crate::wizard::incident::Event::Torn { .. }
    )
}
