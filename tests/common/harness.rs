//! The console without a terminal: `App` built by one builder, a fake
//! clock (the model's `now`, moved by the test), the real executor on a
//! temp journal folder and, where asked, the demo fleet served on
//! 127.0.0.1 and stepped with the clock.
//!
//! Tests reach the wizard's state only through the accessors of
//! `wizard.rs` (`incidents`, `prompt`, `chooser`, `draft`, …), so that
//! when those fields move only that file changes.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use baton::app::{App, Effect, perform};
use baton::demo::{DemoFleet, Sim};
use baton::effects::{Executor, Feedback};
use baton::keymap::Action;
use baton::sources::report::{Payload, SourceUpdate};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tokio::sync::mpsc;

use super::builder::Builder;
use super::wizard::{chooser, focused_incident, incidents, pending, prompt};

/// How long any wait of the harness may take before it fails the test:
/// generous, so a loaded machine passes, and never a hang.
pub const DEADLINE: Duration = Duration::from_secs(30);

pub struct Harness {
    pub app: App,
    pub exec: Executor,
    pub(super) rx: mpsc::Receiver<Feedback>,
    /// The served demo fleet, when the builder asked for one.
    pub fleet: Option<DemoFleet>,
    /// The test's own folder.
    pub dir: PathBuf,
    pub(super) journal: PathBuf,
    /// The most bulk actions seen in flight at once.
    pub max_in_flight: usize,
}

impl Harness {
    pub fn builder(name: &str) -> Builder {
        Builder::new(name)
    }

    /// The served demo fleet's simulation.
    pub fn sim(&self) -> std::sync::MutexGuard<'_, Sim> {
        self.fleet
            .as_ref()
            .expect("no demo fleet served")
            .sim
            .lock()
            .expect("sim")
    }

    pub fn journal_dir(&self) -> &Path {
        &self.journal
    }

    /// One poll of the served fleet at the console's (fake) time, or a
    /// tick of the clock when nothing is served.
    pub fn refresh(&mut self) {
        let now = self.app.model.now;
        if let Some(f) = &self.fleet {
            let pairs = f.sim.lock().expect("sim").report();
            self.app.model.apply(SourceUpdate {
                source: 0,
                at: now,
                latency: Duration::from_millis(1),
                result: Ok(Payload::Fleet {
                    pairs,
                    skipped: Vec::new(),
                }),
                next_poll: None,
            });
        }
        self.app.model.tick(now);
        self.app.refresh();
    }

    /// The fake clock: `secs` pass for the console; a served fleet is
    /// stepped for at most two minutes of them (long jumps are horizons).
    pub fn advance(&mut self, secs: i64) {
        if let Some(f) = &self.fleet {
            let mut sim = f.sim.lock().expect("sim");
            for _ in 0..secs.min(120) {
                sim.step();
            }
        }
        self.app.model.now += chrono::Duration::seconds(secs);
        self.refresh();
    }

    /// Carries the effects out with the real executor (and what they make
    /// due), as the event loop does.
    pub fn perform(&mut self, fx: Vec<Effect>) {
        assert!(self.try_perform(fx), "quit");
    }

    /// As [`Harness::perform`], for tests whose keys may quit: false then.
    pub fn try_perform(&mut self, fx: Vec<Effect>) -> bool {
        let go_on = perform(&mut self.app, &mut self.exec, fx);
        for inc in incidents(&self.app) {
            if let Some(b) = inc.current_bulk() {
                self.max_in_flight = self.max_in_flight.max(b.in_flight().count());
            }
        }
        go_on
    }

    /// An action of the keymap, as its key would give it.
    pub fn press(&mut self, action: Action) {
        let fx = self.app.update(action);
        self.perform(fx);
    }

    pub fn key(&mut self, ev: KeyEvent) {
        let fx = self.app.handle_key(ev);
        self.perform(fx);
    }

    /// A key that may quit the console: false when it did.
    pub fn try_key(&mut self, ev: KeyEvent) -> bool {
        let fx = self.app.handle_key(ev);
        self.try_perform(fx)
    }

    pub fn code(&mut self, c: KeyCode) {
        self.key(KeyEvent::from(c));
    }

    pub fn ctrl(&mut self, c: char) {
        self.key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL));
    }

    pub fn text(&mut self, s: &str) {
        for c in s.chars() {
            self.code(KeyCode::Char(c));
        }
    }

    /// The next report of the executor, or a failure naming `what`.
    pub async fn next_feedback(&mut self, what: &str) -> Feedback {
        match tokio::time::timeout(DEADLINE, self.rx.recv()).await {
            Ok(Some(f)) => f,
            _ => panic!("waited for {what}; {}", self.describe()),
        }
    }

    /// A report of the executor if one has come, without waiting.
    pub fn try_feedback(&mut self) -> Option<Feedback> {
        self.rx.try_recv().ok()
    }

    /// Hands a report of the executor to the console, then carries out
    /// what it calls for.
    pub fn feed(&mut self, f: Feedback) {
        let fx = self.app.feedback(f);
        self.perform(fx);
    }

    /// Hands every report of the executor to the console until nothing
    /// started is still to report back.
    pub async fn settle(&mut self) {
        loop {
            let f = if pending(&self.app) {
                self.next_feedback("a started effect to report back").await
            } else {
                match self.rx.try_recv() {
                    Ok(f) => f,
                    Err(_) => return,
                }
            };
            self.feed(f);
        }
    }

    /// Drives effects and their reports until `done` holds; fails after
    /// [`DEADLINE`] saying what was awaited and what the console shows.
    pub async fn drive_until(&mut self, what: &str, done: impl FnMut(&Self) -> bool) {
        self.drive_until_within(what, DEADLINE, done).await;
    }

    /// [`Harness::drive_until`] with a deadline of its own.
    pub async fn drive_until_within(
        &mut self,
        what: &str,
        within: Duration,
        mut done: impl FnMut(&Self) -> bool,
    ) {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            self.perform(Vec::new());
            if done(self) {
                return;
            }
            match tokio::time::timeout_at(deadline, self.rx.recv()).await {
                Ok(Some(f)) => self.feed(f),
                _ => panic!("waited for {what}; {}", self.describe()),
            }
        }
    }

    /// Waits until every effect the executor started has ended, and
    /// returns their reports: the executor is replaced, and the report
    /// channel closes once no background task holds it. This proves that
    /// whatever was (wrongly) started has had its moment.
    pub async fn finish_effects(&mut self) -> Vec<Feedback> {
        let (tx, rx) = mpsc::channel(1024);
        let fresh = Executor::new(
            Arc::clone(&self.app.model.config),
            self.app.read_only,
            self.app.operator.clone(),
            tx,
        );
        drop(std::mem::replace(&mut self.exec, fresh));
        let mut old = std::mem::replace(&mut self.rx, rx);
        let mut got = Vec::new();
        let deadline = tokio::time::Instant::now() + DEADLINE;
        loop {
            match tokio::time::timeout_at(deadline, old.recv()).await {
                Ok(Some(f)) => got.push(f),
                Ok(None) => return got,
                Err(elapsed) => {
                    panic!("an effect still running ({elapsed}); reports so far: {got:?}")
                }
            }
        }
    }

    /// What the console shows, for failure messages.
    pub fn describe(&self) -> String {
        let inc = focused_incident(&self.app).map(|i| {
            format!(
                "{} at {:?}, action {:?}",
                i.id,
                i.current().map(|s| s.id.clone()),
                i.action
            )
        });
        format!(
            "notice: {:?}; incident: {inc:?}; prompt: {:?}; chooser: {:?}; pending: {}; now: {}",
            self.app.notice.as_ref().map(|n| &n.text),
            prompt(&self.app).map(|p| (&p.error, p.text.lines().join(""))),
            chooser(&self.app),
            pending(&self.app),
            self.app.model.now,
        )
    }

    /// The journal of an incident, as written, one JSON value a line.
    pub fn journal(&self, id: &str) -> Vec<serde_json::Value> {
        let path = baton::effects::journal::path_of(&self.journal, id);
        std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
            .lines()
            .map(|l| serde_json::from_str(l).expect("json line"))
            .collect()
    }

    /// The console drawn on a `w`×`h` test terminal, as text.
    pub fn screen(&self, w: u16, h: u16) -> String {
        screen(&self.app, w, h)
    }
}

/// `app` drawn on a `w`×`h` test terminal, as text.
pub fn screen(app: &App, w: u16, h: u16) -> String {
    let mut term = ratatui::Terminal::new(ratatui::backend::TestBackend::new(w, h)).expect("term");
    term.draw(|f| baton::ui::draw(f, app)).expect("draw");
    term.backend().to_string()
}
