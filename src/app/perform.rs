//! Carrying out effects with the executor and handing what it reports back
//! to the wizard. Shared by the event loop and headless tests.

use std::collections::VecDeque;

use super::{App, Effect};
use crate::effects::Executor;
use crate::wizard::Input;

/// Carries out `effects` and everything they lead to, then what the new
/// state makes due (a wait that now holds), once: a journal that keeps
/// failing must not loop here; the next clock tick tries again. Returns
/// false when the app should quit.
pub fn perform(app: &mut App, exec: &mut Executor, effects: Vec<Effect>) -> bool {
    if !drain(app, exec, effects) {
        return false;
    }
    let due = app.wizard_input(Input::Tick);
    drain(app, exec, due);
    true
}

fn drain(app: &mut App, exec: &mut Executor, effects: Vec<Effect>) -> bool {
    let mut queue: VecDeque<Effect> = effects.into();
    while let Some(e) = queue.pop_front() {
        match run(app, exec, e) {
            None => return false,
            Some(next) => queue.extend(next),
        }
    }
    true
}

/// One effect; the wizard's answer to its outcome (`None`: quit).
fn run(app: &mut App, exec: &mut Executor, e: Effect) -> Option<Vec<Effect>> {
    let input = match e {
        Effect::Quit => return None,
        Effect::Silence(req) => {
            exec.silence(req);
            None
        }
        Effect::Start { incident, entry } => match exec.start(&incident.lock_names(), &entry) {
            Ok(()) => Some(Input::Started {
                incident,
                entry,
                keep_focus: app.view.overlay.is_some(),
            }),
            Err(e) => {
                app.say(format!("failover not started: {e}"), true);
                None
            }
        },
        Effect::TakeOver {
            incident,
            entries,
            entry,
        } => match exec.take_over(&incident.lock_names(), &entries, &entry) {
            Ok(()) => Some(Input::Started {
                incident,
                entry,
                keep_focus: false,
            }),
            Err(e) => {
                app.say(format!("not taken over: {e}"), true);
                None
            }
        },
        Effect::Journal { entries } => match exec.journal(&entries) {
            Ok(()) => Some(Input::Journaled(entries)),
            Err(e) => {
                app.say(format!("not recorded, so not done: {e}"), true);
                None
            }
        },
        Effect::RunAction { plan, intent } => match exec.run_action(plan, &intent) {
            Ok(()) => Some(Input::Journaled(vec![intent])),
            Err(e) => {
                app.say(e, true);
                None
            }
        },
        Effect::RunBulk { plans, intents } => {
            let incident = plans
                .first()
                .map(|(_, p)| p.incident.clone())
                .unwrap_or_default();
            match exec.run_bulk(plans, &intents) {
                Ok(locked_out) => {
                    let started: Vec<_> = intents
                        .into_iter()
                        .filter(|e| {
                            !matches!(&e.event, crate::wizard::incident::Event::BulkIntent { pair, .. }
                                if locked_out.iter().any(|(p, _)| p == pair))
                        })
                        .collect();
                    let mut fx = app.wizard_input(Input::Journaled(started));
                    fx.extend(app.wizard_input(Input::LockedOut {
                        incident,
                        pairs: locked_out,
                    }));
                    return Some(fx);
                }
                Err(e) => {
                    app.say(e, true);
                    None
                }
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
            None
        }
        Effect::Probe {
            incident,
            step,
            urls,
        } => {
            exec.probe(
                incident,
                step,
                urls,
                std::time::Duration::from_secs(5),
                app.model.now,
            );
            None
        }
        Effect::Release { incident } => {
            exec.release(&incident);
            None
        }
        Effect::Schedule(record) => {
            match exec.schedule(&record) {
                Ok(()) => {
                    app.reload_windows(exec.journal_dir());
                    let opens = match &record.change {
                        crate::wizard::window::Change::Scheduled { opens, .. } => {
                            opens.format("%Y-%m-%d %H:%M UTC").to_string()
                        }
                        _ => String::new(),
                    };
                    app.say(
                        format!("{} scheduled for {opens}: baton schedule --list shows what comes due when; --move and --cancel change it", record.window),
                        false,
                    );
                }
                Err(e) => app.say(format!("not scheduled: {e}"), true),
            }
            None
        }
        Effect::Copy(text) => {
            crate::effects::notify::copy(&text);
            None
        }
        Effect::Notify(send) => exec.notify(*send).err().map(Input::NotifyRefused),
        view => return Some(app.apply_view(vec![view])),
    };
    Some(input.map(|i| app.wizard_input(i)).unwrap_or_default())
}
