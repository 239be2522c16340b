//! The form that creates an Alertmanager silence for the selected alert:
//! exact matchers on its labels, a duration and a required comment.

use std::collections::BTreeMap;

use crossterm::event::KeyEvent;
use ratatui_textarea::TextArea;

use crate::keymap::Action;
use crate::state::Alert;
use crate::wizard::effect::SilenceRequest;

pub struct SilenceForm {
    pub alert: String,
    pub source: usize,
    pub labels: BTreeMap<String, String>,
    pub duration: TextArea<'static>,
    pub comment: TextArea<'static>,
    /// 0: duration, 1: comment.
    pub field: usize,
    pub error: Option<String>,
}

pub enum FormResult {
    Continue,
    Cancel,
    Submit(SilenceRequest),
}

impl SilenceForm {
    /// Only alerts from Alertmanager can be silenced there.
    pub fn new(alert: &Alert, acknowledge_key: &str) -> Result<Self, String> {
        let source = alert.source.ok_or_else(|| {
            format!("this alert is baton's own: acknowledge it with `{acknowledge_key}`; silences are for Alertmanager alerts")
        })?;
        let mut duration = TextArea::new(vec!["2h".into()]);
        duration.move_cursor(ratatui_textarea::CursorMove::End);
        let mut comment = TextArea::default();
        comment.set_placeholder_text("why (required): incident, ticket, who to ask");
        Ok(Self {
            alert: alert.name.clone(),
            source,
            labels: alert.labels.clone(),
            duration,
            comment,
            field: 1,
            error: None,
        })
    }

    /// An action of the form's keymap layer.
    pub fn action(&mut self, action: Action) -> FormResult {
        match action {
            Action::Cancel | Action::Close => FormResult::Cancel,
            // Two fields: next and previous are the same move.
            Action::NextField | Action::PrevField => {
                self.field = 1 - self.field;
                FormResult::Continue
            }
            Action::Submit => match self.request() {
                Ok(r) => FormResult::Submit(r),
                Err(e) => {
                    self.error = Some(e);
                    FormResult::Continue
                }
            },
            _ => FormResult::Continue,
        }
    }

    /// A key that is not bound in the form's layer: typed in the field.
    pub fn edit(&mut self, ev: KeyEvent) {
        let area = if self.field == 0 {
            &mut self.duration
        } else {
            &mut self.comment
        };
        area.input(ev);
        self.error = None;
    }

    fn request(&self) -> Result<SilenceRequest, String> {
        let text = self.duration.lines().join("");
        let duration = crate::config::parse_duration(&text)?;
        if duration.is_zero() {
            return Err("the duration must be above zero".into());
        }
        let comment = self.comment.lines().join(" ").trim().to_string();
        if comment.is_empty() {
            return Err("a comment is required: say why, for whoever finds this silence".into());
        }
        Ok(SilenceRequest {
            source: self.source,
            labels: self.labels.clone(),
            duration,
            comment,
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::keymap::Action;

    #[test]
    fn a_baton_alert_is_refused_naming_the_acknowledge_key_of_the_keymap() {
        let mut app = crate::demo::fixture::app(48, "primary-crash", 30, "default");
        let Some(i) = app.model.alerts.iter().position(|a| a.source.is_none()) else {
            panic!("the crashed primary raises baton's own alert")
        };
        app.view.focus = crate::app::Pane::Alerts;
        app.view.alert_selected = i;
        app.update(Action::Silence);
        let said = app
            .notice
            .as_ref()
            .map(|n| n.text.clone())
            .unwrap_or_default();
        assert!(said.contains("acknowledge it with `a`"), "{said}");
        assert!(app.silence_form.is_none());
    }
}
