//! The wizard's side of the harness: starting runbooks and the accessors
//! of the wizard's state (`app.wizard`), the one place that knows where
//! its fields live.

use std::sync::Arc;

use baton::app::{App, Effect};
use baton::keymap::Action;
use baton::wizard::incident::{ActionState, Incident};
use baton::wizard::machine::{Prompt, Target};
use baton::wizard::runbook::Runbook;
use crossterm::event::{KeyCode, KeyEvent};

use super::harness::Harness;

impl Harness {
    pub fn runbook(&self, id: &str) -> Arc<Runbook> {
        self.loaded()
            .iter()
            .find(|r| r.id == id)
            .cloned()
            .unwrap_or_else(|| panic!("runbook {id}"))
    }

    /// Every step id of a runbook, in order.
    pub fn all_steps(&self, id: &str) -> Vec<String> {
        self.runbook(id)
            .steps()
            .map(|(_, _, s)| s.id.clone())
            .collect()
    }

    /// Starts `runbook` on `target` and opens the wizard.
    pub fn start(&mut self, runbook: &str, target: &Target) {
        let rb = self.runbook(runbook);
        let fx = self.app.wizard_input(baton::wizard::Input::StartWith(
            target.clone(),
            rb.id.clone(),
        ));
        assert!(!fx.is_empty(), "not started: {}", self.describe());
        self.perform(fx);
        self.app.view.wizard = true;
    }

    /// An action given to the wizard, as its keys in the wizard give it;
    /// the effects are returned, not carried out.
    pub fn wizard_action(&mut self, action: Action) -> Vec<Effect> {
        self.app.wizard_input(baton::wizard::Input::Action(action))
    }

    /// The runbooks loaded, in their load order.
    pub fn loaded(&self) -> &[Arc<Runbook>] {
        &self.app.wizard.runbooks
    }

    pub fn set_runbooks(&mut self, runbooks: Vec<Arc<Runbook>>) {
        self.app.wizard.runbooks = runbooks;
    }

    /// `f` on the selected pair, with the first runbook the chooser offers.
    pub fn start_failover(&mut self) {
        let fx = start_failover(&mut self.app);
        self.perform(fx);
    }

    // Accessors of the wizard's state: the one place that knows its fields.

    pub fn incidents(&self) -> &[Incident] {
        incidents(&self.app)
    }

    pub fn push_incident(&mut self, inc: Incident) {
        incidents_mut(&mut self.app).push(inc);
    }

    /// The focused incident; fails when there is none.
    pub fn focused(&self) -> &Incident {
        focused_incident(&self.app).unwrap_or_else(|| panic!("no incident; {}", self.describe()))
    }

    pub fn incident_mut(&mut self, index: usize) -> &mut Incident {
        &mut incidents_mut(&mut self.app)[index]
    }

    pub fn focus(&mut self, index: usize) {
        self.app.wizard.focus = index;
    }

    /// Focuses the open follow-up started at the last close.
    pub fn focus_follow_up(&mut self) {
        let pos = incidents(&self.app)
            .iter()
            .position(|i| i.is_open() && !i.runbook.lock)
            .expect("a follow-up was started at the close");
        self.focus(pos);
    }

    /// The step the focused incident is at.
    pub fn position(&self) -> Option<String> {
        self.focused().current().map(|s| s.id.clone())
    }

    pub fn prompt(&self) -> Option<&Prompt> {
        prompt(&self.app)
    }

    pub fn chooser(&self) -> Option<&(Target, usize)> {
        chooser(&self.app)
    }

    pub fn composing(&self) -> bool {
        composing(&self.app)
    }

    pub fn draft(&self) -> Option<&baton::wizard::machine::Composer> {
        self.app.wizard.draft()
    }

    /// Something started that will report back.
    pub fn pending(&self) -> bool {
        pending(&self.app)
    }

    pub fn rules_ctx(&self) -> baton::wizard::rules::Ctx<'_> {
        self.app.wizard.rules_ctx(&self.app.model)
    }

    /// The runbooks `f` offers for a target, in the chooser's order.
    pub fn runbooks_for(&self, target: &Target) -> Vec<Arc<Runbook>> {
        self.app.wizard.runbooks_for(target, &self.app.model)
    }

    pub fn due_reminder(&self) -> Option<String> {
        baton::wizard::machine::due_reminder(&self.app.wizard, self.app.model.now)
    }

    /// Closes any prompt, silence form or chooser left open.
    pub fn close_inputs(&mut self) {
        close_inputs(&mut self.app);
    }

    /// What a watcher's follower read from the journal folder, shown.
    pub fn follow(&mut self, follower: &mut baton::app::follow::Follower) {
        follower.poll();
        let list = follower.incidents(&self.app.wizard.runbooks, self.app.model.now);
        self.app.follow_update(list, follower.history());
    }
}

// The same accessors on a bare App, for tests with their own executor.

pub fn incidents(app: &App) -> &[Incident] {
    &app.wizard.incidents
}

pub fn incidents_mut(app: &mut App) -> &mut Vec<Incident> {
    &mut app.wizard.incidents
}

pub fn focused_incident(app: &App) -> Option<&Incident> {
    app.wizard.focused()
}

pub fn prompt(app: &App) -> Option<&Prompt> {
    app.wizard.prompt.as_ref()
}

pub fn chooser(app: &App) -> Option<&(Target, usize)> {
    app.wizard.chooser.as_ref()
}

pub fn pending(app: &App) -> bool {
    !app.wizard.probing.is_empty()
        || app.wizard.drafts.values().any(|d| d.sending)
        || app.wizard.incidents.iter().any(|i| {
            matches!(i.action, ActionState::Running { .. })
                || i.current_bulk().is_some_and(|b| b.in_flight().count() > 0)
        })
}

pub fn composing(app: &App) -> bool {
    app.wizard.composing
}

pub fn close_inputs(app: &mut App) {
    app.wizard.prompt = None;
    app.silence_form = None;
    app.wizard.chooser = None;
}

/// `f` on the selected pair; with several pair runbooks the chooser opens
/// and `enter` takes the first (the pair failover).
pub fn start_failover(app: &mut App) -> Vec<Effect> {
    let fx = app.update(Action::Failover);
    if fx.is_empty() && chooser(app).is_some() {
        return app.handle_key(KeyEvent::from(KeyCode::Enter));
    }
    fx
}
