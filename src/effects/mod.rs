//! The only place that acts on the outside world for the console: the
//! journal, pair locks, actions, notifications, Alertmanager silences. A read-only console's executor refuses every
//! effect here, whatever key or path asked for it.

pub mod action;
mod coordinated;
pub mod journal;
pub mod lock;
pub mod notify;
mod silence;
pub mod windows;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;

use crate::config::Config;
use crate::coord::Coord;
use crate::wizard::effect::ActionPlan;
use crate::wizard::incident::{Entry, Event};

pub use crate::wizard::effect::{Feedback, Outcome, SilenceRequest};
pub use coordinated::is_recorded;

pub struct Executor {
    config: Arc<Config>,
    read_only: bool,
    operator: String,
    /// Where effects that finish later report (silences, actions).
    feedback: mpsc::Sender<Feedback>,
    journal_dir: PathBuf,
    locks: HashMap<String, lock::PairLock>,
    /// Locks, journal of record and approvals shared with other consoles.
    coord: Coord,
}

/// An action run in a background task; a panic there is an outcome
/// nobody saw: unknown, to be checked, never re-run.
async fn contained_action(plan: &ActionPlan) -> Event {
    crate::panics::contain(action::run(plan))
        .await
        .unwrap_or_else(|why| Event::ActionUnknown {
            reason: format!("baton's action task panicked ({why}): check whether it ran"),
        })
}

const READ_ONLY: &str = "read-only console: it cannot act, journal or lock";

impl Executor {
    pub fn new(
        config: Arc<Config>,
        read_only: bool,
        operator: String,
        feedback: mpsc::Sender<Feedback>,
    ) -> Self {
        let journal_dir = journal::expand(&config.console.journal_dir);
        let coord = coordinated::connect(&config, read_only, &operator);
        Self {
            config,
            read_only,
            operator,
            feedback,
            journal_dir,
            locks: HashMap::new(),
            coord,
        }
    }

    pub fn coord(&self) -> &Coord {
        &self.coord
    }

    pub fn journal_dir(&self) -> &std::path::Path {
        &self.journal_dir
    }

    /// Journals a maintenance window's record (`:schedule`).
    pub fn schedule(&self, record: &crate::wizard::window::Record) -> Result<(), String> {
        if self.read_only {
            return Err(READ_ONLY.into());
        }
        windows::append(&self.journal_dir, record)
    }

    /// Takes the pair's lock and journals the start. Either both happen
    /// or neither.
    pub fn start(&mut self, locks: &[String], entry: &Entry) -> Result<(), String> {
        if self.read_only {
            return Err(READ_ONLY.into());
        }
        self.take_locks(&entry.incident, locks)?;
        // A new incident never appends to another's journal.
        journal::create(&self.journal_dir, &entry.incident)?;
        self.journal(std::slice::from_ref(entry)).inspect_err(|_| {
            self.release(&entry.incident);
            // Not started: no empty journal is left behind to read as one.
            let path = journal::path_of(&self.journal_dir, &entry.incident);
            if std::fs::metadata(&path).is_ok_and(|m| m.len() == 0) {
                let _ = std::fs::remove_file(&path);
            }
        })
    }

    /// All of an incident's locks or none: the first under its id, the
    /// pairs its steps name under `incident/pair`, as bulk pairs are.
    fn take_locks(&mut self, incident: &str, names: &[String]) -> Result<(), String> {
        if let Some(c) = self.cluster()? {
            return c.take(incident, names, !names.is_empty());
        }
        for (i, name) in names.iter().enumerate() {
            let key = if i == 0 {
                incident.to_string()
            } else {
                format!("{incident}/{name}")
            };
            match lock::take(&self.journal_dir, name) {
                Ok(l) => {
                    self.locks.insert(key, l);
                }
                Err(e) => {
                    self.release(incident);
                    return Err(e);
                }
            }
        }
        Ok(())
    }

    /// Takes the lock of a resumed incident.
    pub fn relock(&mut self, incident: &str, locks: &[String]) -> Result<(), String> {
        if self.read_only {
            return Err(READ_ONLY.into());
        }
        self.take_locks(incident, locks)
    }

    /// Appends and fsyncs; refused in read-only mode.
    pub fn journal(&self, entries: &[Entry]) -> Result<(), String> {
        if self.read_only {
            return Err(READ_ONLY.into());
        }
        journal::append(&self.journal_dir, entries)?;
        // On disk first: the etcd copy follows in order, in the background.
        if let Coord::Etcd(c) = &self.coord {
            c.commit(&entries.iter().collect::<Vec<_>>());
        }
        Ok(())
    }

    /// Releases the pair lock of a closed incident.
    pub fn release(&mut self, incident: &str) {
        let mine = format!("{incident}/");
        self.locks
            .retain(|k, _| k != incident && !k.starts_with(&mine));
        if let Coord::Etcd(c) = &self.coord {
            c.release(incident);
        }
    }

    /// Writes the intent, flushed, then runs the action in the background;
    /// if the intent cannot be written the action does not run.
    pub fn run_action(&self, plan: ActionPlan, intent: &Entry) -> Result<(), String> {
        if self.read_only {
            return Err(READ_ONLY.into());
        }
        self.may_act(&plan.incident)
            .map_err(|e| format!("action not run: {e}"))?;
        journal::append(&self.journal_dir, std::slice::from_ref(intent))
            .map_err(|e| format!("action not run: {e}"))?;
        let committed = self.committed(std::slice::from_ref(intent));
        let tx = self.feedback.clone();
        tokio::spawn(async move {
            let event = match committed.await {
                Ok(()) => contained_action(&plan).await,
                Err(reason) => Event::ActionNotRun { reason },
            };
            tracing::info!("action {} of {}: {event:?}", plan.step, plan.incident);
            let _ = tx
                .send(Feedback::ActionDone {
                    incident: plan.incident.clone(),
                    step: plan.step.clone(),
                    event,
                })
                .await;
        });
        Ok(())
    }

    /// A batch of a bulk step: takes each pair's lock (a pair locked by
    /// another console is returned with the reason, not run), journals the
    /// intents of the others in one flushed write, then runs them. If the
    /// intents cannot be written nothing runs.
    pub fn run_bulk(
        &mut self,
        plans: Vec<(String, ActionPlan)>,
        intents: &[Entry],
    ) -> Result<Vec<(String, String)>, String> {
        if self.read_only {
            return Err(READ_ONLY.into());
        }
        if let Some((_, p)) = plans.first() {
            self.may_act(&p.incident)
                .map_err(|e| format!("bulk batch not run: {e}"))?;
        }
        let mut locked_out = Vec::new();
        let mut go = Vec::new();
        for (pair, plan) in plans {
            let key = format!("{}/{pair}", plan.incident);
            match self.take_one(&plan.incident, &pair) {
                Ok(l) => {
                    if let Some(l) = l {
                        self.locks.insert(key, l);
                    }
                    go.push((pair, plan));
                }
                Err(e) => locked_out.push((pair, e)),
            }
        }
        let writing: Vec<Entry> = intents
            .iter()
            .filter(|e| {
                matches!(&e.event, Event::BulkIntent { pair, .. } if go.iter().any(|(p, _)| p == pair))
            })
            .cloned()
            .collect();
        if let Err(e) = journal::append(&self.journal_dir, &writing) {
            for (pair, plan) in &go {
                self.locks.remove(&format!("{}/{pair}", plan.incident));
            }
            return Err(format!("bulk batch not run: {e}"));
        }
        let committed = futures::FutureExt::shared(self.committed(&writing));
        for (pair, plan) in go {
            let tx = self.feedback.clone();
            let committed = committed.clone();
            tokio::spawn(async move {
                let event = match committed.await {
                    Ok(()) => contained_action(&plan).await,
                    Err(reason) => Event::ActionNotRun { reason },
                };
                let _ = tx
                    .send(Feedback::BulkDone {
                        incident: plan.incident.clone(),
                        pair,
                        event,
                    })
                    .await;
            });
        }
        Ok(locked_out)
    }

    /// One round of a probe wait: a GET per item, in parallel, each
    /// bounded by `timeout`. Reading only, so it is not journaled.
    pub fn probe(
        &self,
        incident: String,
        step: String,
        urls: Vec<(String, String)>,
        timeout: Duration,
        at: chrono::DateTime<chrono::Utc>,
    ) {
        let tx = self.feedback.clone();
        tokio::spawn(async move {
            let client = crate::sources::client::build(timeout, urls.len().max(1), None);
            let asks = urls.into_iter().map(|(item, url)| {
                let client = client.clone();
                async move {
                    let result = match client {
                        // A DNS question of one server, not an HTTP GET.
                        _ if url.starts_with("dns://") => match crate::sources::dns::parse(&url) {
                            Err(e) => Err(e),
                            Ok(q) => {
                                tokio::time::timeout(timeout, crate::sources::dns::ask(&q, timeout))
                                    .await
                                    .unwrap_or_else(|_| {
                                        Err(format!(
                                            "no answer within {}",
                                            humantime::format_duration(timeout)
                                        ))
                                    })
                            }
                        },
                        Err(e) => Err(e),
                        Ok(c) => tokio::time::timeout(
                            timeout,
                            crate::sources::client::get_bounded(
                                &c,
                                &url,
                                &reqwest::header::HeaderMap::new(),
                                crate::sources::client::MAX_HEALTH_BODY,
                            ),
                        )
                        .await
                        .unwrap_or_else(|_| {
                            Err(format!(
                                "no answer within {}",
                                humantime::format_duration(timeout)
                            ))
                        })
                        .and_then(|(status, body)| {
                            serde_json::from_slice::<serde_json::Value>(&body)
                                .map(|j| (status, j))
                                .map_err(|e| format!("HTTP {status}, not JSON: {e}"))
                        }),
                    };
                    crate::wizard::probe::Answer { item, result }
                }
            });
            let answers = crate::panics::contain(futures::future::join_all(asks))
                .await
                .unwrap_or_else(|why| {
                    vec![crate::wizard::probe::Answer {
                        item: "baton".into(),
                        result: Err(format!("baton's probe task panicked ({why})")),
                    }]
                });
            let _ = tx
                .send(Feedback::ProbeDone {
                    incident,
                    round: crate::wizard::probe::Round { step, at, answers },
                })
                .await;
        });
    }

    /// Sends a notification in the background; how it ended comes back as
    /// `Feedback::NotifyDone`. A read-only console cannot send.
    pub fn notify(&self, send: notify::Send) -> Result<(), String> {
        if self.read_only {
            return Err("read-only console: it cannot send notifications".into());
        }
        let tx = self.feedback.clone();
        tokio::spawn(async move {
            let started = std::time::Instant::now();
            let result = crate::panics::contain(notify::send(&send))
                .await
                .unwrap_or_else(|why| Err(format!("baton's send task panicked ({why})")));
            // The channel name and outcome only: URLs and keys stay out of logs.
            tracing::info!(
                "notify {} of {} to {}: {}",
                send.step,
                send.incident,
                send.channel,
                if result.is_ok() { "sent" } else { "failed" }
            );
            let event = notify::outcome(&send, started, result);
            let _ = tx
                .send(Feedback::NotifyDone {
                    incident: send.incident.clone(),
                    step: send.step.clone(),
                    event,
                })
                .await;
        });
        Ok(())
    }

    /// The silence of a runbook step; the outcome comes back as
    /// `Feedback::SilenceDone` to be journaled.
    pub fn silence_step(
        &self,
        incident: String,
        step: String,
        req: SilenceRequest,
    ) -> Result<(), String> {
        if self.read_only {
            return Err(READ_ONLY.into());
        }
        let src = self
            .config
            .sources
            .get(req.source)
            .cloned()
            .ok_or("no such Alertmanager source")?;
        let operator = self.operator.clone();
        let tx = self.feedback.clone();
        tokio::spawn(async move {
            let result = crate::panics::contain(silence::create(&src, &req, &operator))
                .await
                .unwrap_or_else(|why| Err(format!("baton's silence task panicked ({why})")));
            let _ = tx
                .send(Feedback::SilenceDone {
                    incident,
                    step,
                    source: src.name.clone(),
                    request: req,
                    result,
                })
                .await;
        });
        Ok(())
    }

    /// Creates a silence in the background; the outcome arrives as a
    /// notice. Refused outright in read-only mode.
    pub fn silence(&self, req: SilenceRequest) {
        let tx = self.feedback.clone();
        let notice = |ok: bool, text: String| Feedback::Notice(Outcome { ok, text });
        if self.read_only {
            let _ = tx.try_send(notice(
                false,
                "read-only console: silences can only be created from an operator console".into(),
            ));
            return;
        }
        let Some(src) = self.config.sources.get(req.source).cloned() else {
            let _ = tx.try_send(notice(false, "no such Alertmanager source".into()));
            return;
        };
        let operator = self.operator.clone();
        tokio::spawn(async move {
            let created = crate::panics::contain(silence::create(&src, &req, &operator))
                .await
                .unwrap_or_else(|why| Err(format!("baton's silence task panicked ({why})")));
            let outcome = match created {
                Ok(id) => Outcome {
                    ok: true,
                    text: format!(
                        "silence {id} created in {} for {}",
                        src.name,
                        humantime::format_duration(req.duration)
                    ),
                },
                Err(e) => Outcome {
                    ok: false,
                    text: format!("silence not created in {}: {e}", src.name),
                },
            };
            tracing::info!("silence: {}", outcome.text);
            let _ = tx.send(Feedback::Notice(outcome)).await;
        });
    }
}
