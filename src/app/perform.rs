//! Carrying out effects with the executor and feeding the results back to
//! the app. Shared by the event loop and headless tests.

use super::{App, Effect};
use crate::effects::Executor;

/// Returns false when the app should quit.
pub fn perform(app: &mut App, exec: &mut Executor, effects: Vec<Effect>) -> bool {
    let mut queue = effects;
    while !queue.is_empty() {
        let mut next = Vec::new();
        for e in queue {
            match e {
                Effect::Quit => return false,
                Effect::Silence(req) => exec.silence(req),
                Effect::Start { incident, entry } => {
                    match exec.start(incident.pair.as_deref(), &entry) {
                        Ok(()) => {
                            app.say(
                                format!(
                                    "{} started on {}",
                                    incident.id,
                                    incident.pair.as_deref().unwrap_or("the estate")
                                ),
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
                Effect::Release { incident } => exec.release(&incident),
            }
        }
        next.extend(app.auto_progress());
        queue = next;
    }
    true
}
