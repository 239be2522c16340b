//! The wizard's one-line prompt: an answer, a typed reason, the pair id
//! or area typed to confirm. Submitting journals (or runs) what it asked
//! for; a wrong name is cleared and asked again.

use chrono::{DateTime, Utc};
use crossterm::event::KeyEvent;
use ratatui_textarea::TextArea;

use super::{Wizard, area_name, journal};
use crate::keymap::Action;
use crate::state::Model;
use crate::wizard::decide;
use crate::wizard::effect::Effect;
use crate::wizard::incident::Event;

/// What a text prompt of the wizard is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Input,
    Override,
    /// Passing the soft safety rules of a promotion.
    OverrideRules,
    TypePairId,
    /// Before a bulk step fails over a whole region or provider.
    TypeArea,
    Abort,
    /// Taking over an incident whose console was lost.
    TakeOver,
}

impl Purpose {
    pub fn label(self) -> &'static str {
        match self {
            Self::Input => "answer",
            Self::Override => "reason for the override",
            Self::OverrideRules => "reason for promoting against the rules above",
            Self::TypePairId => "type the pair id to confirm",
            Self::TypeArea => "type the region (or provider) to fail over every pair in it",
            Self::Abort => "reason for aborting",
            Self::TakeOver => "reason for taking the incident over",
        }
    }
}

pub struct Prompt {
    pub purpose: Purpose,
    pub text: TextArea<'static>,
    pub error: Option<String>,
    placeholder: String,
}

impl Prompt {
    pub fn new(purpose: Purpose, placeholder: &str) -> Self {
        let mut text = TextArea::default();
        text.set_placeholder_text(placeholder);
        Self {
            purpose,
            text,
            error: None,
            placeholder: placeholder.to_string(),
        }
    }
}

impl Wizard {
    /// A key that edits the open prompt or the open draft.
    pub(super) fn edit(&mut self, ev: KeyEvent) {
        if let Some(p) = self.prompt.as_mut() {
            p.text.input(ev);
            p.error = None;
        } else if self.composing {
            self.edit_draft(ev);
        }
    }

    /// `submit` or `cancel` while the prompt is open.
    pub(super) fn prompt_action(
        &mut self,
        action: Action,
        model: &Model,
        now: DateTime<Utc>,
    ) -> Vec<Effect> {
        match action {
            Action::Cancel | Action::Close => {
                self.prompt = None;
                Vec::new()
            }
            Action::Submit | Action::Confirm => match self.submit(model, now) {
                Ok(fx) => {
                    self.prompt = None;
                    fx
                }
                Err(e) => {
                    if let Some(p) = self.prompt.as_mut() {
                        // A wrong name is cleared: it is typed again, not edited.
                        if matches!(p.purpose, Purpose::TypePairId | Purpose::TypeArea) {
                            *p = Prompt::new(p.purpose, &p.placeholder.clone());
                        }
                        p.error = Some(e);
                    }
                    Vec::new()
                }
            },
            _ => Vec::new(),
        }
    }

    fn submit(&self, model: &Model, now: DateTime<Utc>) -> Result<Vec<Effect>, String> {
        let Some(p) = self.prompt.as_ref() else {
            return Ok(Vec::new());
        };
        let text = p.text.lines().join(" ").trim().to_string();
        if p.purpose == Purpose::TakeOver {
            return self.take_over(&text, now);
        }
        let Some(inc) = self.incidents.get(self.focus) else {
            return Ok(Vec::new());
        };
        match p.purpose {
            Purpose::Input => {
                decide::confirm(inc, model, now, &text).map(|ev| journal(inc, now, ev))
            }
            Purpose::Override => {
                decide::override_step(inc, model, now, &text).map(|ev| journal(inc, now, ev))
            }
            Purpose::OverrideRules => {
                let checks = self.step_rules(inc, model).unwrap_or_default();
                decide::override_rules(inc, &checks, &text).map(|ev| journal(inc, now, ev))
            }
            Purpose::Abort if text.len() >= 3 => {
                let mut fx = journal(
                    inc,
                    now,
                    vec![Event::Aborted {
                        reason: text.clone(),
                    }],
                );
                fx.push(Effect::Release {
                    incident: inc.id.clone(),
                });
                Ok(fx)
            }
            Purpose::Abort => Err("an abort needs a reason".into()),
            Purpose::TypeArea => {
                let name = area_name(inc);
                if text == name {
                    decide::confirm(inc, model, now, "").map(|ev| journal(inc, now, ev))
                } else {
                    Err(format!("type `{name}` to confirm"))
                }
            }
            Purpose::TypePairId if Some(text.as_str()) != inc.subject() => Err(format!(
                "`{text}` is not {}: type it exactly",
                inc.subject().unwrap_or_default()
            )),
            Purpose::TypePairId => self.run_current(&text, model, now),
            Purpose::TakeOver => Ok(Vec::new()),
        }
    }
}
