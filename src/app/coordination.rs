//! The console's side of coordination: what the etcd view says (other
//! consoles' incidents to follow or take over, approvals given), the
//! approvals file of one host, resuming an incident against its journal
//! of record, and the title bar's word on etcd.

use std::sync::Arc;

use super::App;
use crate::coord::Coord;
use crate::coord::approval;
use crate::coord::remote::View;
use crate::effects::Executor;
use crate::wizard::Effect;
use crate::wizard::incident::{Entry, Event};
use crate::wizard::machine::Orphan;

/// An incident's last entry older than this, and no lock held: its
/// console is gone (a closing console lets go only after its last entry
/// is on etcd, so this only bridges the view's own lag).
const ORPHAN_AFTER_SECS: i64 = 3;

impl App {
    /// A new view of the prefix: the incidents followed (watch mode), the
    /// orphans offered for takeover and the decisions on this console's
    /// approval requests (operator).
    pub fn coord_view(&mut self, view: &View, follow: bool) -> Vec<Effect> {
        // A watcher has no lease: its word on etcd is whether it follows.
        if self.read_only {
            self.coord_status = Some(match &view.error {
                Some(e) => {
                    tracing::warn!("not following etcd: {e}");
                    (false, "etcd: not following, reconnecting".into())
                }
                None => (view.synced, "etcd".into()),
            });
        }
        if follow {
            let journals: Vec<Vec<Entry>> = view
                .journals
                .values()
                .map(|j| j.values().cloned().collect())
                .collect();
            let list = super::follow::fold_all(&journals, &self.wizard.runbooks, self.model.now);
            let history = journals.into_iter().flatten().collect();
            self.follow_update(list, history);
            return Vec::new();
        }
        if self.read_only || !view.synced {
            return Vec::new();
        }
        let now = self.model.now;
        let mine: Vec<String> = self.wizard.incidents.iter().map(|i| i.id.clone()).collect();
        let locking = |runbook: &str| {
            self.wizard
                .runbooks
                .iter()
                .find(|r| r.id == runbook && r.lock)
                .cloned()
        };
        let mut orphans = Vec::new();
        let mut elsewhere = Vec::new();
        for (id, j) in &view.journals {
            let Some(last) = j.values().next_back() else {
                continue;
            };
            let open = !j
                .values()
                .any(|e| matches!(e.event, Event::Closed | Event::Aborted { .. }));
            let Some(rb) = locking(&last.runbook).filter(|_| open && !mine.contains(id)) else {
                continue;
            };
            let entries: Vec<Entry> = j.values().cloned().collect();
            if view.holder_of(id).is_some() {
                elsewhere.extend(crate::wizard::incident::Incident::fold(&entries, rb));
            } else if (now - last.at).num_seconds() >= ORPHAN_AFTER_SECS {
                orphans.push(Orphan {
                    owner: last.operator.clone(),
                    entries,
                });
            }
        }
        self.wizard.elsewhere = elsewhere;
        let fresh = orphans.iter().any(|o| {
            !self.wizard.orphans.iter().any(|k| {
                k.entries.first().map(|e| &e.incident) == o.entries.first().map(|e| &e.incident)
            })
        });
        self.wizard.orphans = orphans;
        if fresh && let Some(o) = self.wizard.orphans.first() {
            let id = o.entries.first().map_or("", |e| e.incident.as_str());
            let key = self.wizard.key_for(crate::keymap::Action::TakeOver);
            self.say(
                format!(
                    "{id} of {}: its console's lease expired, {key} takes it over",
                    o.owner.label()
                ),
                true,
            );
        }
        let mut fx = Vec::new();
        for (incident, request) in self.wizard.waiting_approvals() {
            if let Some(d) = view.approvals.get(&incident).and_then(|a| a.get(&request)) {
                fx.extend(self.wizard.decided(d, &incident, now));
            }
        }
        fx
    }

    /// On one host: decisions in the approvals files.
    pub fn local_approvals(&mut self, journal_dir: &std::path::Path) -> Vec<Effect> {
        let now = self.model.now;
        let mut fx = Vec::new();
        for (incident, request) in self.wizard.waiting_approvals() {
            if let Some(d) = approval::read_local(journal_dir, &incident, request) {
                fx.extend(self.wizard.decided(&d, &incident, now));
            }
        }
        fx
    }
}

/// Resumes this host's unfinished incidents against etcd: one whose
/// journal grew or changed elsewhere (another console took it over, even
/// where this host wrote an entry etcd never got) is not resumed;
/// entries this host wrote while etcd was unreachable are committed now.
pub fn resume_check(exec: &Executor, id: &str, local: &[Entry]) -> Result<(), String> {
    let Coord::Etcd(c) = exec.coord() else {
        return Ok(());
    };
    let remote = c.journal_of(id)?;
    let mine: Vec<&Entry> = local
        .iter()
        .filter(|e| crate::effects::is_recorded(e))
        .collect();
    // Longer, or another entry where this host has its own: a console
    // that wrote on after this one lost the incident (a takeover).
    let diverged = remote.iter().zip(&mine).any(|(r, m)| r != *m);
    if remote.len() > mine.len() || diverged {
        let by = remote
            .last()
            .map(|e| e.operator.label())
            .unwrap_or_default();
        return Err(format!(
            "continued on another console ({by}): etcd holds {} entries, this host {}",
            remote.len(),
            mine.len()
        ));
    }
    c.continue_at(id, remote.len() as u64);
    c.commit(&mine[remote.len()..]);
    Ok(())
}

/// The title bar's word on coordination, when it is etcd.
pub fn status(exec: &Executor) -> Option<(bool, String)> {
    match exec.coord() {
        Coord::Local => None,
        Coord::Etcd(c) => {
            let s = c.status();
            Some((s.ok, s.text))
        }
        Coord::Unavailable(e) => Some((false, format!("etcd unavailable: {e}"))),
    }
}

/// The view's receiver, for any console of an etcd config.
pub fn view_of(config: &crate::config::Config) -> Option<tokio::sync::watch::Receiver<Arc<View>>> {
    let c = &config.coordination;
    if c.kind != crate::config::coordination::Kind::Etcd {
        return None;
    }
    // The view is a background task of baton's runtime.
    tokio::runtime::Handle::try_current().ok()?;
    match crate::coord::cluster::client(c) {
        Ok(etcd) => Some(crate::coord::remote::spawn(etcd, c.prefix())),
        Err(e) => {
            tracing::error!("cannot follow etcd: {e}");
            None
        }
    }
}
