//! The event loop: one `select!` over terminal events, source updates, a
//! 1 s clock and signals. Draws only when something changed, at most one
//! frame per 16 ms.

use std::time::Duration;

use chrono::Utc;
use color_eyre::eyre::Result;
use crossterm::event::{Event, EventStream, KeyEventKind};
use futures::StreamExt;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;
use tokio::time::{Instant, MissedTickBehavior};

use super::follow::Follower;
use super::{App, perform};
use crate::effects::{Executor, journal};
use crate::sources;

const FRAME: Duration = Duration::from_millis(16);

#[derive(Debug, Default, Clone)]
pub struct RunOptions {
    /// Mirror the incidents of the journal folder live (watch mode).
    pub follow: bool,
    /// Mouse: wheel scrolls, a click selects.
    pub mouse: bool,
}

pub async fn run(mut app: App, opts: RunOptions) -> Result<()> {
    // A file-size limit (SIGXFSZ, 25 on Linux) must be a refused journal
    // write, handled as any other, not a console killed mid-incident.
    let mut sigxfsz = signal(SignalKind::from_raw(25))?;
    let (tx, mut rx) = mpsc::channel(256);
    let _tasks = sources::spawn_all(&app.model.config, &tx, app.model.resync());
    drop(tx);
    let (feedback_tx, mut feedback) = mpsc::channel(16);
    let mut executor = Executor::new(
        std::sync::Arc::clone(&app.model.config),
        app.read_only,
        app.operator.clone(),
        feedback_tx,
    );
    resume(&mut app, &mut executor);
    // On etcd, every console follows the prefix (watch mode reads no
    // local folder); on one host a watcher reads the journal folder.
    let mut view = super::coordination::view_of(&app.model.config);
    let mut follower = (opts.follow && view.is_none())
        .then(|| Follower::new(executor.journal_dir().to_path_buf()));
    app.coord_status = super::coordination::status(&executor);
    if let Some(f) = follower.as_mut() {
        f.poll();
        let list = f.incidents(&app.wizard.runbooks, app.model.now);
        app.follow_update(list, f.history());
    }

    let (mut terminal, _guard) = super::tui::init(opts.mouse);
    let mut events = EventStream::new();
    let mut clock = tokio::time::interval(Duration::from_secs(1));
    clock.set_missed_tick_behavior(MissedTickBehavior::Skip);
    let mut sigterm = signal(SignalKind::terminate())?;
    let mut sighup = signal(SignalKind::hangup())?;

    let mut dirty = true;
    let mut judge_due = false;
    let mut last_draw = Instant::now() - FRAME;
    loop {
        if dirty && last_draw.elapsed() >= FRAME {
            terminal.draw(|f| crate::ui::draw(f, &app))?;
            last_draw = Instant::now();
            dirty = false;
        }
        let frame_due = last_draw + FRAME;
        tokio::select! {
            biased;
            ev = events.next() => match ev {
                Some(Ok(Event::Key(k))) if k.kind != KeyEventKind::Release => {
                    // Journal entries a key writes carry the time of the key.
                    app.model.now = Utc::now();
                    let fx = app.handle_key(k);
                    if !perform(&mut app, &mut executor, fx) {
                        break;
                    }
                    dirty = true;
                }
                Some(Ok(Event::Resize(..))) => dirty = true,
                Some(Ok(Event::Mouse(m))) => {
                    app.mouse(m);
                    dirty = true;
                }
                Some(Ok(_)) => {}
                Some(Err(e)) => {
                    tracing::error!("terminal event stream failed: {e}");
                    break;
                }
                None => break,
            },
            // An answer over many series is applied a slice at a time, and
            // new data judged once no key waits (`biased`: keys first): a
            // poll that changed many pairs takes milliseconds to judge.
            () = std::future::ready(()), if app.model.busy() => {
                app.model.work(crate::state::APPLY_SLICE);
            }
            () = std::future::ready(()), if judge_due && !app.model.busy() => {
                judge_due = false;
                app.model.settle();
                app.refresh();
                perform(&mut app, &mut executor, Vec::new());
                dirty = true;
            }
            Some(update) = rx.recv() => {
                // Drain everything pending, then judge and redraw once.
                app.model.take(update);
                while let Ok(u) = rx.try_recv() {
                    app.model.take(u);
                }
                judge_due = true;
            }
            Ok(()) = async { match view.as_mut() { Some(v) => v.changed().await, None => std::future::pending().await } } => {
                app.model.now = Utc::now();
                let latest = view.as_ref().map(|v| std::sync::Arc::clone(&v.borrow()));
                if let Some(v) = latest {
                    let fx = app.coord_view(&v, opts.follow);
                    perform(&mut app, &mut executor, fx);
                }
                dirty = true;
            }
            Some(f) = feedback.recv() => {
                // What the feedback journals carries the time it came back.
                app.model.now = Utc::now();
                let fx = app.feedback(f);
                perform(&mut app, &mut executor, fx);
                dirty = true;
            }
            _ = clock.tick() => {
                app.model.tick(Utc::now());
                app.refresh();
                // `baton schedule` from another shell shows at once.
                if app.reload_windows(executor.journal_dir())
                    && let Some(text) = super::windows::reminder(&app.wizard, app.model.now)
                {
                    app.say(text, false);
                }
                if let Some(f) = follower.as_mut()
                    && f.poll()
                {
                    let list = f.incidents(&app.wizard.runbooks, app.model.now);
                    app.follow_update(list, f.history());
                }
                // A watcher's word comes from the view it follows.
                if let Some(s) = super::coordination::status(&executor) {
                    app.coord_status = Some(s);
                }
                let fx = if view.is_none() && !app.read_only {
                    app.local_approvals(executor.journal_dir())
                } else {
                    Vec::new()
                };
                perform(&mut app, &mut executor, fx);
                dirty = true;
            }
            () = tokio::time::sleep_until(frame_due), if dirty => {}
            _ = sigterm.recv() => {
                tracing::info!("SIGTERM: restoring the terminal and exiting");
                break;
            }
            _ = sigxfsz.recv() => {
                tracing::warn!("SIGXFSZ: a write went past the file-size limit; it fails and is refused");
            }
            _ = sighup.recv() => {
                tracing::info!("SIGHUP (session dropped): restoring the terminal and exiting");
                break;
            }
        }
    }
    Ok(())
}

/// A demo's incidents idle this long are an earlier try, not a dropped
/// session: the demo starts on the panes and offers them.
const STALE_DEMO: chrono::Duration = chrono::Duration::minutes(5);

/// Whether resumed incidents last touched at `last` wait on the panes
/// rather than open the wizard. Never on a real console: an unfinished
/// failover comes first.
fn stale_demo(
    mode: super::Mode,
    last: chrono::DateTime<chrono::Utc>,
    now: chrono::DateTime<chrono::Utc>,
) -> bool {
    mode == super::Mode::Demo && now - last >= STALE_DEMO
}

/// Reads the journal folder: past incidents feed cooldown and per-day
/// limits; unfinished ones are resumed where they stopped (their pair
/// locks taken again).
fn resume(app: &mut App, executor: &mut Executor) {
    let all = journal::all(executor.journal_dir());
    app.wizard.history = all.iter().flat_map(|(_, e)| e.iter().cloned()).collect();
    app.reload_windows(executor.journal_dir());
    if app.read_only {
        return;
    }
    let open = crate::wizard::machine::unfinished(&all, &app.wizard.runbooks);
    let mut resumed = 0;
    for inc in open {
        let local = all
            .iter()
            .find(|(_, e)| e.first().is_some_and(|x| x.incident == inc.id))
            .map(|(_, e)| e.as_slice())
            .unwrap_or_default();
        if let Err(e) = super::coordination::resume_check(executor, &inc.id, local) {
            app.say(format!("{} not resumed: {e}", inc.id), true);
            continue;
        }
        if let Err(e) = executor.relock(&inc.id, &inc.lock_names()) {
            app.say(format!("{} not resumed: {e}", inc.id), true);
            continue;
        }
        app.wizard.incidents.push(inc);
        resumed += 1;
    }
    if resumed > 0 {
        app.wizard.focus_failover();
        let last = app
            .wizard
            .incidents
            .iter()
            .filter_map(|i| i.entries.last().map(|e| e.at))
            .max();
        if let Some(idle) = last.filter(|&t| stale_demo(app.mode, t, app.model.now)) {
            let key = app.keymap.hint(
                crate::keymap::Layer::Dashboard,
                crate::keymap::Action::Wizard,
            );
            app.say(format!("resumed {resumed} unfinished incident(s) from an earlier demo, idle since {}; {key} shows them (resume or abort)", idle.format("%H:%M UTC")), false);
        } else {
            app.view.wizard = true;
            app.say(format!("resumed {resumed} unfinished incident(s) from the journal; steps that were running show outcome unknown"), false);
        }
    }
    // Follow-up horizons that came due while baton was not running.
    if let Some(text) = crate::wizard::machine::due_reminder(&app.wizard, app.model.now) {
        app.say(text, true);
    }
    if let Some(text) = super::windows::reminder(&app.wizard, app.model.now) {
        app.say(text, true);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stale_demo_incident_waits_on_the_panes_a_real_one_never_does() {
        let now = chrono::Utc::now();
        let old = now - chrono::Duration::minutes(25);
        let recent = now - chrono::Duration::seconds(30);
        assert!(stale_demo(super::super::Mode::Demo, old, now));
        assert!(!stale_demo(super::super::Mode::Demo, recent, now));
        assert!(!stale_demo(super::super::Mode::Operator, old, now));
    }
}
