//! An operator console on etcd: one lease, kept alive in the background
//! and proven alive before every action; the locks it holds on that
//! lease; and the outbox that commits journal entries to etcd in order
//! (one key per entry), an action's intent acknowledged before it runs.
//!
//! Losing the lease (etcd unreachable for longer than `lease`) loses the
//! locks: actions are refused, said on screen, until the console has a
//! lease and its locks again, or learns that another console took them.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use chrono::Utc;
use tokio::sync::{Notify, oneshot};

use super::etcd::Etcd;
use super::{Holder, block};
use crate::config::coordination::Coordination;
use crate::wizard::incident::Entry;

/// An entry on its way to etcd.
struct Pending {
    key: String,
    value: Vec<u8>,
    ack: Option<oneshot::Sender<Result<(), String>>>,
    queued: Instant,
}

#[derive(Default)]
struct State {
    lease: i64,
    /// Until when the lease is known to be alive (a keepalive's answer).
    valid_until: Option<Instant>,
    /// The last thing that went wrong talking to etcd, while it lasts.
    error: Option<String>,
    /// Lock key → (incident, the value written).
    held: BTreeMap<String, (String, Vec<u8>)>,
    /// Incidents whose lock went to another console, with who has it.
    lost: BTreeMap<String, String>,
    outbox: VecDeque<Pending>,
    /// Next journal sequence number per incident.
    seq: HashMap<String, u64>,
}

pub struct Cluster {
    /// The background task's client; `sync` answers the owner's thread.
    etcd: Arc<Etcd>,
    sync: Etcd,
    pub prefix: String,
    ttl: Duration,
    pub timeout: Duration,
    operator: String,
    console: String,
    max_concurrent: u32,
    state: Mutex<State>,
    wake: Notify,
}

/// What the title bar says about coordination.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub ok: bool,
    pub text: String,
}

/// The etcd client of a config (for every console kind: watchers too).
pub fn client(cfg: &Coordination) -> Result<Etcd, String> {
    let secret = |v: &Option<String>, key: &str| {
        v.as_deref()
            .map(|v| crate::secret::resolve(v, &format!("coordination.{key}")))
            .transpose()
    };
    let user = match (
        secret(&cfg.username, "username")?,
        secret(&cfg.password, "password")?,
    ) {
        (Some(u), Some(p)) => Some((u, p)),
        _ => None,
    };
    Etcd::new(
        cfg.endpoints.clone(),
        cfg.timeout.0,
        user,
        cfg.ca_file.as_deref(),
    )
}

impl State {
    /// The lease is provably alive, with a second to spare for the
    /// action that asks: the one test the title bar and actions share.
    fn lease_alive(&self) -> bool {
        self.lease != 0
            && self
                .valid_until
                .is_some_and(|t| Instant::now() + Duration::from_secs(1) < t)
    }

    /// Entries waiting longer than `timeout`: etcd is not taking writes.
    fn behind(&self, timeout: Duration) -> bool {
        self.outbox
            .front()
            .is_some_and(|p| p.queued.elapsed() > timeout)
            || (self.error.is_some() && !self.outbox.is_empty())
    }
}

impl Cluster {
    /// A console's coordination; the lease is granted by the background
    /// task (started here), so an unreachable cluster never stops the
    /// console from starting: it only cannot act until it has a lease.
    pub fn start(
        cfg: &Coordination,
        operator: &str,
        max_concurrent: u32,
    ) -> Result<Arc<Self>, String> {
        let rt = tokio::runtime::Handle::try_current()
            .map_err(|_| "coordination needs baton's runtime (internal error)".to_string())?;
        let c = Arc::new(Self {
            etcd: Arc::new(client(cfg)?),
            sync: client(cfg)?,
            prefix: cfg.prefix(),
            ttl: cfg.lease.0,
            timeout: cfg.timeout.0,
            operator: operator.to_string(),
            console: super::console_id(),
            max_concurrent,
            state: Mutex::new(State::default()),
            wake: Notify::new(),
        });
        // The first lease before the console draws, when etcd answers:
        // a console started on a healthy cluster can act at once.
        if let Err(e) = c.renew_sync() {
            tracing::warn!("no lease on etcd yet: {e}");
            c.state().error = Some(e);
        }
        let bg = Arc::clone(&c);
        rt.spawn(async move { bg.run().await });
        Ok(c)
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn renew_sync(&self) -> Result<(), String> {
        let sent = Instant::now();
        let lease = block::on(self.sync.grant(self.ttl))?;
        let mut s = self.state();
        s.lease = lease;
        s.valid_until = Some(sent + self.ttl);
        s.error = None;
        Ok(())
    }

    /// The lease while it is provably alive, with a second to spare for
    /// the action that asks.
    fn live_lease(&self) -> Result<i64, String> {
        let s = self.state();
        if s.lease_alive() {
            return Ok(s.lease);
        }
        Err(format!(
            "this console has no live lease on etcd{}",
            s.error
                .as_ref()
                .map(|e| format!(" ({e})"))
                .unwrap_or_default()
        ))
    }

    /// Takes each named lock for `incident`, and a `max_concurrent` slot
    /// with the first; all or none. Refused naming who holds it.
    pub fn take(&self, incident: &str, names: &[String], slot: bool) -> Result<(), String> {
        let lease = self.live_lease()?;
        let mut taken = Vec::new();
        let result = (|| {
            for name in names {
                let key = super::lock_key(&self.prefix, name);
                let holder = Holder {
                    operator: self.operator.clone(),
                    incident: incident.to_string(),
                    since: Utc::now(),
                    console: self.console.clone(),
                };
                let value = serde_json::to_vec(&holder).map_err(|e| e.to_string())?;
                match block::on(self.sync.create(&key, &value, lease))? {
                    None => {}
                    // Already ours (taken again on resume).
                    Some(kv) if kv.lease == lease => {}
                    Some(kv) => {
                        let who = serde_json::from_slice::<Holder>(&kv.value).map_or_else(
                            |_| format!("{name} is held by another console"),
                            |h| h.describe(name),
                        );
                        return Err(format!("{who} (etcd lock {key})"));
                    }
                }
                taken.push(key.clone());
                self.state().held.insert(key, (incident.to_string(), value));
            }
            if slot {
                let key = self.take_slot(incident, lease)?;
                taken.push(key.clone());
                self.state()
                    .held
                    .insert(key, (incident.to_string(), Vec::new()));
            }
            Ok(())
        })();
        if result.is_err() {
            self.forget(&taken);
        }
        result
    }

    /// One of `max_concurrent` slots, counted across every console.
    fn take_slot(&self, incident: &str, lease: i64) -> Result<String, String> {
        let dir = format!("{}/slots/", self.prefix);
        let (used, _) = block::on(self.sync.range(&dir))?;
        let value = serde_json::to_vec(&Holder {
            operator: self.operator.clone(),
            incident: incident.to_string(),
            since: Utc::now(),
            console: self.console.clone(),
        })
        .map_err(|e| e.to_string())?;
        for n in 0..self.max_concurrent {
            let key = format!("{dir}{n:04}");
            if used.iter().any(|kv| kv.key == key) {
                continue;
            }
            if block::on(self.sync.create(&key, &value, lease))?.is_none() {
                return Ok(key);
            }
        }
        let who: Vec<String> = used
            .iter()
            .filter_map(|kv| serde_json::from_slice::<Holder>(&kv.value).ok())
            .map(|h| format!("{} ({})", h.incident, h.operator))
            .collect();
        Err(format!(
            "max_concurrent {} failovers are in flight across the consoles of {}: {}",
            self.max_concurrent,
            self.prefix,
            who.join(", ")
        ))
    }

    fn forget(&self, keys: &[String]) {
        let lease = {
            let mut s = self.state();
            for k in keys {
                s.held.remove(k);
            }
            s.lease
        };
        // Not waited for: a key not deleted expires with the lease.
        if let Ok(rt) = tokio::runtime::Handle::try_current() {
            let c = Arc::clone(&self.etcd);
            let keys = keys.to_vec();
            rt.spawn(async move {
                for k in keys {
                    let _ = c.delete_own(&k, lease).await;
                }
            });
        }
    }

    /// Lets go of an incident's locks and slot once its last entries are
    /// on etcd (so no console sees it open and unlocked, an orphan), or
    /// with the lease if etcd does not answer.
    pub fn release(self: &Arc<Self>, incident: &str) {
        let keys: Vec<String> = self
            .state()
            .held
            .iter()
            .filter(|(_, (i, _))| i == incident)
            .map(|(k, _)| k.clone())
            .collect();
        self.state().lost.remove(incident);
        let Ok(rt) = tokio::runtime::Handle::try_current() else {
            return self.forget(&keys);
        };
        let me = Arc::clone(self);
        let journal = super::journal_prefix(&self.prefix, incident);
        rt.spawn(async move {
            let deadline = Instant::now() + me.ttl;
            while Instant::now() < deadline
                && me
                    .state()
                    .outbox
                    .iter()
                    .any(|p| p.key.starts_with(&journal))
            {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            me.forget(&keys);
        });
    }

    /// Whether this console may act on `incident` now: a live lease, its
    /// locks still its own, and the journal caught up on etcd.
    pub fn may_act(&self, incident: &str) -> Result<(), String> {
        self.live_lease()?;
        let s = self.state();
        if let Some(who) = s.lost.get(incident) {
            return Err(format!("{incident}'s lock was taken over: {who}"));
        }
        if s.behind(self.timeout) {
            return Err(format!(
                "{} journal entries are not yet committed to etcd ({})",
                s.outbox.len(),
                s.error.as_deref().unwrap_or("no answer yet")
            ));
        }
        Ok(())
    }

    /// Sets where an incident's journal continues on etcd (its entries
    /// there so far).
    pub fn continue_at(&self, incident: &str, seq: u64) {
        self.state().seq.insert(incident.to_string(), seq);
    }

    /// Queues entries for etcd, in order; the receiver answers when the
    /// last is committed (or it cannot be).
    pub fn commit(&self, entries: &[&Entry]) -> Option<oneshot::Receiver<Result<(), String>>> {
        let (tx, rx) = oneshot::channel();
        let mut tx = Some(tx);
        {
            let mut s = self.state();
            let n = entries.len();
            for (i, e) in entries.iter().enumerate() {
                let seq = s.seq.entry(e.incident.clone()).or_insert(0);
                let key = super::journal_key(&self.prefix, &e.incident, *seq);
                *seq += 1;
                let value = serde_json::to_vec(e).unwrap_or_default();
                let ack = if i + 1 == n { tx.take() } else { None };
                s.outbox.push_back(Pending {
                    key,
                    value,
                    ack,
                    queued: Instant::now(),
                });
            }
        }
        self.wake.notify_one();
        tx.is_none().then_some(rx)
    }

    /// Entries of `incident` on etcd, in order (the journal of record).
    pub fn journal_of(&self, incident: &str) -> Result<Vec<Entry>, String> {
        let (kvs, _) = block::on(
            self.sync
                .range(&super::journal_prefix(&self.prefix, incident)),
        )?;
        Ok(kvs
            .iter()
            .filter_map(|kv| serde_json::from_slice(&kv.value).ok())
            .collect())
    }

    /// A few words for the title bar (the errors go to the log).
    pub fn status(&self) -> Status {
        let s = self.state();
        let mut parts = Vec::new();
        if !s.lease_alive() {
            parts.push("no lease, actions refused".to_string());
        }
        if s.behind(self.timeout) {
            parts.push(format!("{} entries not on etcd yet", s.outbox.len()));
        }
        if let Some((i, who)) = s.lost.iter().next() {
            parts.push(format!("{i} taken over by {who}"));
        }
        Status {
            ok: parts.is_empty(),
            text: if parts.is_empty() {
                "etcd".into()
            } else {
                format!("etcd: {}", parts.join(", "))
            },
        }
    }

    /// The background: keep the lease, regain the locks after losing it,
    /// commit the outbox.
    async fn run(self: Arc<Self>) {
        let beat = (self.ttl / 3).clamp(Duration::from_millis(500), Duration::from_secs(5));
        let mut last_beat = Instant::now();
        loop {
            if last_beat.elapsed() >= beat || self.state().lease == 0 {
                last_beat = Instant::now();
                self.beat().await;
            }
            let more = self.flush().await;
            let wait = if more {
                Duration::from_millis(250)
            } else {
                beat
            };
            tokio::select! {
                () = self.wake.notified() => {}
                () = tokio::time::sleep(wait) => {}
            }
        }
    }

    async fn beat(&self) {
        let lease = self.state().lease;
        let sent = Instant::now();
        if lease != 0 {
            match self.etcd.keepalive(lease).await {
                Ok(ttl) if ttl > 0 => {
                    let mut s = self.state();
                    s.valid_until = Some(sent + Duration::from_secs(ttl as u64));
                    if s.outbox.is_empty() {
                        s.error = None;
                    }
                    return;
                }
                Ok(_) => {
                    tracing::warn!("etcd lease {lease} expired: taking the locks again");
                    let mut s = self.state();
                    s.lease = 0;
                    s.valid_until = None;
                    s.error = Some("the lease expired: taking the locks again".into());
                }
                Err(e) => {
                    self.state().error = Some(e);
                    return;
                }
            }
        }
        match self.etcd.grant(self.ttl).await {
            Ok(id) => {
                {
                    let mut s = self.state();
                    s.lease = id;
                    s.valid_until = Some(sent + self.ttl);
                }
                self.regain(id).await;
            }
            Err(e) => self.state().error = Some(e),
        }
    }

    /// After a new lease: every lock this console held, created again on
    /// it, unless another console has it now.
    async fn regain(&self, lease: i64) {
        let held: Vec<(String, (String, Vec<u8>))> = self
            .state()
            .held
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        for (key, (incident, value)) in held {
            match self.etcd.create(&key, &value, lease).await {
                Ok(None) => {}
                Ok(Some(kv)) if kv.lease == lease => {}
                Ok(Some(kv)) => {
                    let who = serde_json::from_slice::<Holder>(&kv.value)
                        .map_or_else(|_| "another console".to_string(), |h| h.operator);
                    tracing::warn!("{key} was taken by {who} while this console had no lease");
                    let mut s = self.state();
                    s.held.remove(&key);
                    s.lost.insert(incident, who);
                }
                Err(e) => {
                    let mut s = self.state();
                    s.error = Some(e);
                    s.valid_until = None;
                    s.lease = 0;
                    return;
                }
            }
        }
        let mut s = self.state();
        if s.error
            .as_deref()
            .is_some_and(|e| e.contains("lease expired"))
        {
            s.error = None;
        }
    }

    /// Commits the oldest queued entries; true when more are waiting.
    async fn flush(&self) -> bool {
        let batch: Vec<(String, Vec<u8>)> = {
            let s = self.state();
            // Well under etcd's 128 operations per transaction.
            s.outbox
                .iter()
                .take(40)
                .map(|p| (p.key.clone(), p.value.clone()))
                .collect()
        };
        if batch.is_empty() {
            return false;
        }
        match self.etcd.create_all(&batch).await {
            Ok(existing) => {
                let mut s = self.state();
                for (key, value) in &batch {
                    let Some(p) = s.outbox.pop_front() else { break };
                    // A retried write that had landed is the same bytes;
                    // other bytes mean another console wrote this incident.
                    let clash = existing
                        .iter()
                        .find(|kv| &kv.key == key && &kv.value != value);
                    let answer = match clash {
                        None => Ok(()),
                        Some(_) => Err(format!(
                            "{key} already holds another entry: another console continued this incident"
                        )),
                    };
                    if let Err(e) = &answer {
                        tracing::error!("{e}");
                    }
                    if let Some(ack) = p.ack {
                        let _ = ack.send(answer);
                    }
                }
                if s.outbox.is_empty() {
                    s.error = None;
                }
                !s.outbox.is_empty()
            }
            Err(e) => {
                tracing::warn!("journal entries not committed to etcd: {e}");
                self.state().error = Some(format!("journal not committed: {e}"));
                true
            }
        }
    }
}
