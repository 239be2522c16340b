//! What happens once the executor has done its part: journaled entries
//! applied to their incidents, results of actions, sends, silences and
//! probes journaled in turn, and the steps that progress by themselves.

use chrono::{DateTime, Utc};

use super::Wizard;
use crate::state::Model;
use crate::wizard::decide;
use crate::wizard::effect::{Effect, Feedback};
use crate::wizard::incident::{Entry, Event};
use crate::wizard::runbook::StepKind;

impl Wizard {
    /// The executor journaled these: now they happen. A closed or aborted
    /// incident shows its report.
    pub(super) fn applied(&mut self, entries: Vec<Entry>) -> Vec<Effect> {
        let mut fx = Vec::new();
        for e in &entries {
            if let Some(inc) = self.incidents.iter_mut().find(|i| i.id == e.incident) {
                inc.apply(e);
            }
            if matches!(e.event, Event::Closed | Event::Aborted { .. }) {
                fx.push(Effect::ShowReport);
            }
        }
        self.history.extend(entries);
        fx
    }

    /// What an effect that finished later reported: the effects it calls
    /// for (journal the result, the next batch, …).
    pub(super) fn feedback(
        &mut self,
        f: Feedback,
        model: &Model,
        now: DateTime<Utc>,
    ) -> Vec<Effect> {
        match f {
            Feedback::Notice(o) => vec![Effect::notice(o.text, !o.ok)],
            // With the result the step is not done yet: the operator confirms.
            Feedback::ActionDone {
                incident,
                step,
                event,
            } => self
                .incident(&incident)
                .map(|inc| {
                    let mut entry = inc.entry(now, event);
                    if entry.step.as_deref() != Some(step.as_str()) {
                        // The incident moved on while it ran (aborted): the
                        // result is recorded at the step that ran it, and
                        // changes nothing at the current one.
                        entry.phase = inc
                            .runbook
                            .steps()
                            .find(|(_, _, s)| s.id == step)
                            .and_then(|(pi, _, _)| inc.runbook.phases.get(pi))
                            .map(|p| p.id.clone());
                        entry.step = Some(step);
                    }
                    vec![Effect::Journal {
                        entries: vec![entry],
                    }]
                })
                .unwrap_or_default(),
            Feedback::SilenceDone {
                incident,
                step,
                source,
                request,
                result,
            } => self.silence_done(&incident, &step, source, &request, result, now),
            Feedback::ProbeDone { incident, round } => {
                self.probe_done(&incident, round);
                Vec::new()
            }
            Feedback::BulkDone {
                incident,
                pair,
                event,
            } => self.bulk_done(&incident, &pair, event, model, now),
            Feedback::NotifyDone {
                incident,
                step,
                event,
            } => self.notify_done(&incident, &step, event, now),
        }
    }

    /// Wait steps whose condition now holds finish by themselves; bulk
    /// steps launch their next batches; probe waits ask again.
    pub(super) fn auto_progress(&mut self, model: &Model, now: DateTime<Utc>) -> Vec<Effect> {
        if self.read_only {
            return Vec::new();
        }
        let mut out = self.bulk_progress(model, now);
        out.extend(self.probe_rounds(model, now));
        for inc in self.incidents.iter().filter(|i| i.is_open()) {
            if inc.current().is_some_and(|s| s.kind == StepKind::Wait)
                && decide::phase_open(inc, now)
                && let decide::WaitState::Done(how) = decide::wait_state(inc, model, now)
            {
                let entries = vec![
                    inc.entry(now, Event::WaitDone { how }),
                    inc.entry(
                        now,
                        Event::StepDone {
                            outcome: "waited".into(),
                        },
                    ),
                ];
                out.push(Effect::Journal { entries });
            }
        }
        out
    }
}
