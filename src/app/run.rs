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

use super::{App, Effect};
use crate::effects::Executor;
use crate::sources;

const FRAME: Duration = Duration::from_millis(16);

#[derive(Debug, Default, Clone)]
pub struct RunOptions {}

pub async fn run(mut app: App, _opts: RunOptions) -> Result<()> {
    let (tx, mut rx) = mpsc::channel(256);
    let _tasks = sources::spawn_all(&app.model.config, &tx);
    drop(tx);
    let (outcome_tx, mut outcomes) = mpsc::channel(16);
    let executor = Executor::new(
        std::sync::Arc::clone(&app.model.config),
        app.read_only,
        app.operator.clone(),
        outcome_tx,
    );

    let (mut terminal, _guard) = super::tui::init();
    let mut events = EventStream::new();
    let mut clock = tokio::time::interval(Duration::from_secs(1));
    clock.set_missed_tick_behavior(MissedTickBehavior::Skip);
    let mut sigterm = signal(SignalKind::terminate())?;
    let mut sighup = signal(SignalKind::hangup())?;

    let mut dirty = true;
    let mut last_draw = Instant::now() - FRAME;
    loop {
        if dirty && last_draw.elapsed() >= FRAME {
            terminal.draw(|f| crate::ui::draw(f, &app))?;
            last_draw = Instant::now();
            dirty = false;
        }
        let frame_due = last_draw + FRAME;
        tokio::select! {
            ev = events.next() => match ev {
                Some(Ok(Event::Key(k))) if k.kind != KeyEventKind::Release => {
                    if !execute(app.handle_key(k), &executor) {
                        break;
                    }
                    dirty = true;
                }
                Some(Ok(Event::Resize(..))) => dirty = true,
                Some(Ok(_)) => {}
                Some(Err(e)) => {
                    tracing::error!("terminal event stream failed: {e}");
                    break;
                }
                None => break,
            },
            Some(update) = rx.recv() => {
                // Drain everything pending, then redraw once.
                app.model.apply(update);
                while let Ok(u) = rx.try_recv() {
                    app.model.apply(u);
                }
                app.refresh();
                dirty = true;
            }
            Some(o) = outcomes.recv() => {
                app.say(o.text, !o.ok);
                dirty = true;
            }
            _ = clock.tick() => {
                app.model.tick(Utc::now());
                app.refresh();
                dirty = true;
            }
            () = tokio::time::sleep_until(frame_due), if dirty => {}
            _ = sigterm.recv() => {
                tracing::info!("SIGTERM: restoring the terminal and exiting");
                break;
            }
            _ = sighup.recv() => {
                tracing::info!("SIGHUP (session dropped): restoring the terminal and exiting");
                break;
            }
        }
    }
    Ok(())
}

/// Runs effects; returns false when the app should quit.
fn execute(effects: Vec<Effect>, executor: &Executor) -> bool {
    for e in effects {
        match e {
            Effect::Quit => return false,
            Effect::Silence(req) => executor.silence(req),
        }
    }
    true
}
