//! Driving a runbook through its steps with the console's own keys, on
//! the harness's fake clock: what every runbook scenario shares.

use baton::app::Overlay;
use baton::wizard::incident::{ActionState, Bulk};
use baton::wizard::runbook::StepKind;
use crossterm::event::KeyCode;

use super::harness::Harness;

impl Harness {
    /// Drives the focused incident through every step with its keys, then
    /// closes it. Returns the step ids in the order they were done.
    pub async fn run_to_end(&mut self) -> Vec<String> {
        let mut done = Vec::new();
        for _ in 0..100 {
            let Some(step) = self.focused().current().cloned() else {
                break;
            };
            // A follow-up horizon: the clock moves on to when it is due.
            if let Some(due) = baton::wizard::decide::phase_due(self.focused())
                && due > self.app.model.now
            {
                let secs = (due - self.app.model.now).num_seconds() + 1;
                self.advance(secs);
            }
            let before = self.position();
            match step.kind {
                StepKind::Gate | StepKind::Check => self.code(KeyCode::Enter),
                StepKind::Input => {
                    self.code(KeyCode::Enter);
                    self.text(&format!("answer to {}", step.id));
                    self.code(KeyCode::Enter);
                }
                StepKind::Action => {
                    self.code(KeyCode::Enter);
                    if step.destructive {
                        let pair = self.focused().pair.clone().unwrap_or_default();
                        self.text(&pair);
                        self.code(KeyCode::Enter);
                    }
                    self.settle().await;
                    assert!(
                        matches!(self.focused().action, ActionState::Succeeded { .. }),
                        "{}: {}",
                        step.id,
                        self.describe()
                    );
                    self.code(KeyCode::Enter);
                }
                StepKind::Wait => {
                    for _ in 0..200 {
                        self.perform(Vec::new());
                        self.settle().await;
                        if self.position() != before {
                            break;
                        }
                        self.advance(1);
                    }
                }
                StepKind::Notify => {
                    self.code(KeyCode::Enter);
                    self.ctrl('s');
                    self.settle().await;
                }
                StepKind::Silence => {
                    self.code(KeyCode::Enter);
                    let f = self.next_feedback("the silence to come back").await;
                    self.feed(f);
                }
                StepKind::Bulk => {
                    self.code(KeyCode::Enter);
                    let area = self.focused().area.clone().expect("area");
                    self.text(&area.region.or(area.provider).unwrap_or_default());
                    self.code(KeyCode::Enter);
                    self.bulk_to_completion().await;
                    self.code(KeyCode::Enter);
                }
            }
            assert_ne!(
                self.position(),
                before,
                "stuck at {} ({:?}): {}",
                step.id,
                step.kind,
                self.describe()
            );
            done.push(step.id.clone());
            self.advance(1);
        }
        self.code(KeyCode::Char('c'));
        assert!(!self.focused().is_open(), "not closed: {}", self.describe());
        // The report opens at the close; esc returns to the wizard.
        assert_eq!(self.app.view.overlay, Some(Overlay::Report));
        self.code(KeyCode::Esc);
        done
    }

    /// Feeds a bulk step's batches and results back until it is complete.
    pub async fn bulk_to_completion(&mut self) {
        for _ in 0..100 {
            self.perform(Vec::new());
            self.settle().await;
            if self.focused().current_bulk().is_some_and(Bulk::complete) {
                break;
            }
        }
    }
}
