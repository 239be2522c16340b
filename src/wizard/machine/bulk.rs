//! Steps that run by themselves once started: bulk steps (the next
//! batches as results come back, each pair's result journaled, progress
//! every `progress_every` completions, sent to the step's channel when it
//! has one), a `silence` step's silence, and a probe wait's rounds.

use chrono::{DateTime, Utc};

use super::Wizard;
use crate::state::Model;
use crate::wizard::effect::{Effect, SilenceRequest};
use crate::wizard::incident::Event;
use crate::wizard::runbook::StepKind;
use crate::wizard::{decide, rules};

impl Wizard {
    /// The next batches of every running bulk step (and the planned pairs
    /// that must be skipped now). Called with the other automatic progress.
    pub(super) fn bulk_progress(&self, model: &Model, now: DateTime<Utc>) -> Vec<Effect> {
        if self.read_only {
            return Vec::new();
        }
        let mut out = Vec::new();
        for inc in self.incidents.iter().filter(|i| i.is_open()) {
            if inc.current().is_none_or(|s| s.kind != StepKind::Bulk)
                || inc.current_bulk().is_none()
            {
                continue;
            }
            let ctx = self.rules_ctx(model);
            let refused = |pair: &str| {
                let mut checks = rules::others(&ctx, pair, Some(&inc.id));
                // The step counts max_concurrent itself, with its pairs in flight.
                checks.retain(|c| c.rule != "max_concurrent");
                checks.extend(rules::history(&ctx, pair));
                checks
                    .into_iter()
                    .find(rules::Check::blocks)
                    .map(|c| c.fact)
            };
            let others_open = self
                .incidents
                .iter()
                .filter(|i| i.is_open() && i.runbook.lock && i.id != inc.id)
                .count();
            let (plans, skipped) = decide::bulk_next(inc, model, others_open, &refused);
            if !skipped.is_empty() {
                out.push(Effect::Journal {
                    entries: skipped.into_iter().map(|e| inc.entry(now, e)).collect(),
                });
            }
            if !plans.is_empty() {
                let intents = plans
                    .iter()
                    .map(|(pair, plan)| {
                        inc.entry(
                            now,
                            Event::BulkIntent {
                                pair: pair.clone(),
                                command: plan.display.clone(),
                                lag: model.pair(pair).and_then(|p| p.lag),
                            },
                        )
                    })
                    .collect();
                out.push(Effect::RunBulk { plans, intents });
            }
        }
        out
    }

    /// Confirm on a `silence` step.
    pub(super) fn start_silence(&self, model: &Model, now: DateTime<Utc>) -> Vec<Effect> {
        let Some(inc) = self.focused() else {
            return Vec::new();
        };
        match decide::plan_silence(inc, model, now) {
            Ok((_, name, request)) => {
                let labels: Vec<String> = request
                    .labels
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect();
                let text = format!("creating the silence in {name} for {}…", labels.join(", "));
                vec![
                    Effect::notice(text, false),
                    Effect::SilenceStep {
                        incident: inc.id.clone(),
                        step: inc.current().map(|s| s.id.clone()).unwrap_or_default(),
                        request,
                    },
                ]
            }
            Err(e) => vec![Effect::notice(e, true)],
        }
    }

    /// A `silence` step's silence was created: journal it with its end.
    pub(super) fn silence_done(
        &self,
        incident: &str,
        step: &str,
        source: String,
        request: &SilenceRequest,
        result: Result<String, String>,
        now: DateTime<Utc>,
    ) -> Vec<Effect> {
        let Some(inc) = self.incident(incident) else {
            return Vec::new();
        };
        match result {
            Ok(id) => {
                let until = crate::clock::after(now, request.duration);
                let mut entries = vec![inc.entry(
                    now,
                    Event::Silenced {
                        source,
                        id: id.clone(),
                        matchers: request.labels.clone(),
                        until,
                    },
                )];
                if inc.current().is_some_and(|s| s.id == step) {
                    entries.push(inc.entry(
                        now,
                        Event::StepDone {
                            outcome: format!("silenced until {}", until.format("%H:%M UTC")),
                        },
                    ));
                }
                vec![
                    Effect::notice(
                        format!(
                            "silence {id} created; it ends by itself at {}",
                            until.format("%H:%M UTC")
                        ),
                        false,
                    ),
                    Effect::Journal { entries },
                ]
            }
            Err(e) => vec![Effect::notice(
                format!("silence not created in {source}: {e}"),
                true,
            )],
        }
    }

    /// Probe waits due for another round (every `every`, one at a time).
    pub(super) fn probe_rounds(&mut self, model: &Model, now: DateTime<Utc>) -> Vec<Effect> {
        if self.read_only {
            return Vec::new();
        }
        let mut out = Vec::new();
        for inc in self.incidents.iter().filter(|i| i.is_open()) {
            let Some(step) = inc.current() else { continue };
            let Some(probe) = &step.probe else { continue };
            if step.kind != StepKind::Wait
                || self.probing.contains(&inc.id)
                || !crate::wizard::decide::phase_open(inc, now)
            {
                continue;
            }
            let every = chrono::Duration::from_std(crate::wizard::probe::every(probe))
                .unwrap_or(chrono::Duration::MAX);
            let fresh = inc
                .probe
                .as_ref()
                .is_some_and(|r| r.step == step.id && now - r.at < every);
            if fresh {
                continue;
            }
            let ctx = crate::wizard::notify::context(model, inc, now);
            match crate::wizard::probe::urls(inc, &ctx) {
                Ok(urls) => out.push(Effect::Probe {
                    incident: inc.id.clone(),
                    step: step.id.clone(),
                    urls,
                }),
                Err(e) => tracing::warn!("{}: {e}", inc.id),
            }
        }
        // Asked now, so the next tick does not ask again before the answer.
        for e in &out {
            if let Effect::Probe { incident, .. } = e {
                self.probing.insert(incident.clone());
            }
        }
        out
    }

    /// A probe round came back: kept on the incident; the wait ends (and
    /// is journaled) by the usual automatic progress.
    pub(super) fn probe_done(&mut self, incident: &str, round: crate::wizard::probe::Round) {
        self.probing.remove(incident);
        if let Some(inc) = self.incidents.iter_mut().find(|i| i.id == incident)
            && inc.current().is_some_and(|s| s.id == round.step)
        {
            inc.probe = Some(round);
        }
    }

    /// Pairs whose lock another console holds: skipped, with the reason.
    pub(super) fn bulk_locked_out(
        &self,
        incident: &str,
        locked: Vec<(String, String)>,
        now: DateTime<Utc>,
    ) -> Vec<Effect> {
        let Some(inc) = self.incident(incident) else {
            return Vec::new();
        };
        if locked.is_empty() {
            return Vec::new();
        }
        vec![Effect::Journal {
            entries: locked
                .into_iter()
                .map(|(pair, reason)| inc.entry(now, Event::BulkSkipped { pair, reason }))
                .collect(),
        }]
    }

    /// One pair's action ended: journal the result, release its lock, and
    /// report progress every `progress_every` completions.
    pub(super) fn bulk_done(
        &self,
        incident: &str,
        pair: &str,
        event: Event,
        model: &Model,
        now: DateTime<Utc>,
    ) -> Vec<Effect> {
        let Some(inc) = self.incident(incident) else {
            return Vec::new();
        };
        let (ok, status, millis) = match event {
            Event::ActionResult {
                ok, status, millis, ..
            } => (ok, status, millis),
            Event::ActionUnknown { reason } => (false, format!("OUTCOME UNKNOWN: {reason}"), 0),
            Event::ActionNotRun { reason } => (false, format!("not run: {reason}"), 0),
            other => (false, format!("{other:?}"), 0),
        };
        let mut entries = vec![inc.entry(
            now,
            Event::BulkResult {
                pair: pair.to_string(),
                ok,
                status,
                millis,
            },
        )];
        let mut fx = Vec::new();
        let mut say = None;
        if let (Some(b), Some(step)) = (inc.current_bulk(), inc.current()) {
            let every = step.progress_every.unwrap_or(10).max(1) as usize;
            let done = b.finished.len() + 1;
            let total = b.planned.len();
            if done % every == 0 || done == total {
                let ok_count = b.ok() + usize::from(ok);
                let failed = done - ok_count;
                entries.push(inc.entry(
                    now,
                    Event::BulkProgress {
                        done,
                        ok: ok_count,
                        failed,
                        total,
                    },
                ));
                let mut text = format!(
                    "[PROGRESS] {} {}: {done}/{total} failovers done, {ok_count} ok, {failed} failed ({})",
                    inc.runbook.title,
                    inc.target(),
                    inc.id
                );
                if inc.drill {
                    text = crate::wizard::notify::drill_marked(&text);
                }
                say = Some((text.clone(), failed > 0));
                // The step's channel, else the first configured one (never
                // the clipboard: nobody is there to paste every 10).
                let name = step
                    .channel
                    .clone()
                    .or_else(|| model.config.notify.keys().next().cloned());
                if let Some(name) = &name
                    && let Some((_, cfg)) = crate::wizard::notify::channels(&model.config)
                        .into_iter()
                        .find(|(n, c)| n == name && c.kind != crate::config::NotifyKind::Clipboard)
                {
                    fx.push(Effect::Notify(Box::new(crate::wizard::effect::Send {
                        incident: inc.id.clone(),
                        step: step.id.clone(),
                        channel: name.clone(),
                        cfg,
                        text,
                        resolve: false,
                        operator: inc.operator.label(),
                        severity: "warning".into(),
                        sent: now,
                        due: None,
                    })));
                }
            }
        }
        let mut out: Vec<Effect> = say
            .map(|(text, error)| Effect::notice(text, error))
            .into_iter()
            .collect();
        out.push(Effect::Journal { entries });
        out.push(Effect::Release {
            incident: format!("{incident}/{pair}"),
        });
        out.extend(fx);
        out
    }
}
