//! Carrying out effects with the executor and feeding the results back to
//! the app. Shared by the event loop and headless tests.

use super::{App, Effect};
use crate::effects::Executor;

/// Carries out `effects`, then what the new state makes due (a wait that
/// now holds), once: a journal that keeps failing must not loop here; the
/// next clock tick tries again. Returns false when the app should quit.
pub fn perform(app: &mut App, exec: &mut Executor, effects: Vec<Effect>) -> bool {
    for e in effects {
        if !run(app, exec, e) {
            return false;
        }
    }
    for e in app.auto_progress() {
        run(app, exec, e);
    }
    true
}

impl App {
    /// What an effect that finished later reported: the effects it calls
    /// for (journal the result, next batch, …).
    pub fn feedback(&mut self, f: crate::effects::Feedback) -> Vec<Effect> {
        use crate::effects::Feedback;
        match f {
            Feedback::Notice(o) => {
                self.say(o.text, !o.ok);
                Vec::new()
            }
            Feedback::ActionDone { incident, event } => self.action_done(&incident, event),
            Feedback::SilenceDone {
                incident,
                step,
                source,
                request,
                result,
            } => self.silence_done(&incident, &step, source, &request, result),
            Feedback::ProbeDone { incident, round } => {
                self.probe_done(&incident, round);
                Vec::new()
            }
            Feedback::BulkDone {
                incident,
                pair,
                event,
            } => self.bulk_done(&incident, &pair, event),
            Feedback::NotifyDone {
                incident,
                step,
                event,
            } => self.notify_done(&incident, &step, event),
        }
    }
}

fn run(app: &mut App, exec: &mut Executor, e: Effect) -> bool {
    match e {
        Effect::Quit => return false,
        Effect::Silence(req) => exec.silence(req),
        Effect::Start { incident, entry } => {
            match exec.start(incident.lock_name().as_deref(), &entry) {
                Ok(()) => {
                    app.say(
                        format!("{} started on {}", incident.id, incident.target()),
                        false,
                    );
                    app.history.push(entry.clone());
                    app.started(*incident, &entry);
                }
                Err(e) => app.say(format!("failover not started: {e}"), true),
            }
        }
        Effect::Journal { entries } => match exec.journal(&entries) {
            Ok(()) => {
                app.history.extend(entries.iter().cloned());
                app.applied(&entries);
            }
            Err(e) => app.say(format!("not recorded, so not done: {e}"), true),
        },
        Effect::RunAction { plan, intent } => match exec.run_action(plan, &intent) {
            Ok(()) => {
                app.history.push(intent.clone());
                app.applied(std::slice::from_ref(&intent));
            }
            Err(e) => app.say(e, true),
        },
        Effect::RunBulk { plans, intents } => {
            let incident = plans.first().map(|(_, p)| p.incident.clone());
            match exec.run_bulk(plans, &intents) {
                Ok(locked_out) => {
                    let started: Vec<_> = intents
                        .into_iter()
                        .filter(|e| {
                            !matches!(&e.event, crate::wizard::incident::Event::BulkIntent { pair, .. }
                                if locked_out.iter().any(|(p, _)| p == pair))
                        })
                        .collect();
                    app.history.extend(started.iter().cloned());
                    app.applied(&started);
                    if let Some(inc) = incident {
                        let fx = app.bulk_locked_out(&inc, locked_out);
                        for e in fx {
                            run(app, exec, e);
                        }
                    }
                }
                Err(e) => app.say(e, true),
            }
        }
        Effect::SilenceStep {
            incident,
            step,
            request,
        } => {
            if let Err(e) = exec.silence_step(incident, step, request) {
                app.say(e, true);
            }
        }
        Effect::Probe {
            incident,
            step,
            urls,
        } => {
            app.probing.insert(incident.clone());
            exec.probe(
                incident,
                step,
                urls,
                std::time::Duration::from_secs(5),
                app.model.now,
            );
        }
        Effect::Release { incident } => exec.release(&incident),
        Effect::Copy(text) => crate::effects::notify::copy(&text),
        Effect::Notify(send) => {
            if let Err(e) = exec.notify(*send) {
                app.notify_refused(e);
            }
        }
    }
    true
}
