//! The notification editor of a notify step: the rendered template in a
//! text area the operator amends, the channel it goes to, send, and what
//! came back. The text survives a failed send, closing the editor, and
//! (through the journal) a restart.

use chrono::{DateTime, Utc};
use crossterm::event::KeyEvent;
use ratatui_textarea::TextArea;

use super::Wizard;
use crate::config::NotifyCfg;
use crate::keymap::Action;
use crate::state::Model;
use crate::wizard::effect::{Effect, Send};
use crate::wizard::incident::{Event, Incident};
use crate::wizard::notify;
use crate::wizard::runbook::StepKind;

pub struct Composer {
    pub text: TextArea<'static>,
    /// Every channel (configured, then the clipboard), and the chosen one.
    pub channels: Vec<(String, NotifyCfg)>,
    pub channel: usize,
    /// Why the last send did not go out (or could not be rendered).
    pub error: Option<String>,
    pub sending: bool,
}

impl Composer {
    pub fn channel(&self) -> Option<&(String, NotifyCfg)> {
        self.channels.get(self.channel)
    }

    pub fn body(&self) -> String {
        self.text.lines().join("\n")
    }

    fn set_text(&mut self, text: &str) {
        let mut area = TextArea::new(text.lines().map(str::to_string).collect());
        area.set_cursor_line_style(ratatui::style::Style::default());
        // A one-line JSON message must be readable whole before it is sent.
        area.set_wrap_mode(ratatui_textarea::WrapMode::WordOrGlyph);
        self.text = area;
    }
}

fn key_of(inc: &Incident) -> Option<(String, String)> {
    Some((inc.id.clone(), inc.current()?.id.clone()))
}

impl Wizard {
    /// The draft of the focused incident's current notify step, if any.
    pub fn draft(&self) -> Option<&Composer> {
        let inc = self.focused()?;
        self.drafts.get(&key_of(inc)?)
    }

    /// The text as it would be sent now: the draft, else the last text
    /// that failed to go out, else the template rendered now.
    fn initial_text(
        &self,
        inc: &Incident,
        model: &Model,
        now: DateTime<Utc>,
    ) -> (String, Option<String>) {
        if let Some(Event::NotifyFailed { text, error, .. }) = notify::last_send(inc) {
            return (text.clone(), Some(format!("last send failed: {error}")));
        }
        let Some(step) = inc.current() else {
            return (String::new(), None);
        };
        match notify::render(&self.templates, model, inc, step, now) {
            Ok(t) => (t, None),
            // Never a blank editor: the operator can still write the message.
            Err(e) => (
                step.template
                    .as_deref()
                    .and_then(|n| self.templates.source(n))
                    .or_else(|| step.text.clone())
                    .unwrap_or_default(),
                Some(format!(
                    "the template did not render ({e}): edit the text by hand"
                )),
            ),
        }
    }

    /// Confirm on a notify step: opens its draft (made on first open).
    pub(super) fn open_composer(&mut self, model: &Model, now: DateTime<Utc>) {
        let Some(inc) = self.focused() else {
            return;
        };
        let (Some(k), Some(step)) = (key_of(inc), inc.current()) else {
            return;
        };
        if step.kind != StepKind::Notify {
            return;
        }
        if !self.drafts.contains_key(&k) {
            let channels = notify::channels(&model.config);
            let wanted = notify::default_channel(step, &model.config);
            let channel = channels.iter().position(|(n, _)| *n == wanted).unwrap_or(0);
            let (text, error) = self.initial_text(inc, model, now);
            let mut c = Composer {
                text: TextArea::default(),
                channels,
                channel,
                error,
                sending: false,
            };
            c.set_text(&text);
            self.drafts.insert(k, c);
        }
        self.composing = true;
    }

    /// A key that edits the open draft (not while it is being sent).
    pub(super) fn edit_draft(&mut self, ev: KeyEvent) {
        if let Some(k) = self.focused().and_then(key_of)
            && let Some(c) = self.drafts.get_mut(&k)
            && !c.sending
        {
            c.text.input(ev);
        }
    }

    /// While the editor is open: send, the next or previous channel,
    /// render the template again, close (the text stays).
    pub(super) fn composer_action(
        &mut self,
        action: Action,
        model: &Model,
        now: DateTime<Utc>,
    ) -> Vec<Effect> {
        let Some(k) = self.focused().and_then(key_of) else {
            self.composing = false;
            return Vec::new();
        };
        match action {
            Action::Close | Action::Cancel => self.composing = false,
            Action::Send => return self.send_draft(model, now),
            Action::NextChannel | Action::PrevChannel => {
                if let Some(c) = self.drafts.get_mut(&k)
                    && !c.channels.is_empty()
                {
                    let n = c.channels.len();
                    c.channel = if action == Action::NextChannel {
                        (c.channel + 1) % n
                    } else {
                        (c.channel + n - 1) % n
                    };
                }
            }
            Action::Rerender => {
                let fresh = self.focused().and_then(|inc| {
                    inc.current()
                        .map(|s| notify::render(&self.templates, model, inc, s, now))
                });
                if let (Some(r), Some(c)) = (fresh, self.drafts.get_mut(&k)) {
                    match r {
                        Ok(t) => {
                            c.set_text(&t);
                            c.error = None;
                        }
                        Err(e) => c.error = Some(format!("the template did not render: {e}")),
                    }
                }
            }
            _ => {}
        }
        Vec::new()
    }

    /// Sends the open draft to its channel.
    fn send_draft(&mut self, model: &Model, now: DateTime<Utc>) -> Vec<Effect> {
        if self.read_only {
            return vec![Effect::notice(
                "read-only console: it cannot send notifications",
                true,
            )];
        }
        let Some(inc) = self.focused() else {
            return Vec::new();
        };
        let (Some(k), Some(step)) = (key_of(inc), inc.current()) else {
            return Vec::new();
        };
        if let Some(why) = crate::wizard::decide::not_yet_due(inc, now) {
            return vec![Effect::notice(why, true)];
        }
        let due = notify::due(inc);
        let resolve = step.resolve;
        let severity = match notify::context(model, inc, now)
            .get_attr("incident")
            .and_then(|i| i.get_attr("severity"))
            .map(|v| v.to_string())
        {
            Ok(s) if s == "Critical" => "critical",
            _ => "warning",
        };
        let operator = inc.operator.label();
        let Some(c) = self.drafts.get_mut(&k) else {
            return Vec::new();
        };
        if c.sending {
            return Vec::new();
        }
        let body = c.body();
        if body.trim().is_empty() {
            c.error = Some("the message is empty".into());
            return Vec::new();
        }
        let Some((name, cfg)) = c.channel().cloned() else {
            return Vec::new();
        };
        c.sending = true;
        c.error = None;
        vec![Effect::Notify(Box::new(Send {
            incident: k.0,
            step: k.1,
            channel: name,
            cfg,
            text: body,
            resolve,
            operator,
            severity: severity.into(),
            sent: now,
            due,
        }))]
    }

    /// A send ended: journal it; when it went out the step is done and the
    /// draft is dropped, when it failed the draft stays open with the error.
    pub(super) fn notify_done(
        &mut self,
        incident: &str,
        step: &str,
        event: Event,
        now: DateTime<Utc>,
    ) -> Vec<Effect> {
        let k = (incident.to_string(), step.to_string());
        let Some(inc) = self.incident(incident) else {
            return Vec::new();
        };
        // A bulk step's automatic progress report does not end the step.
        let still_current = inc
            .current()
            .is_some_and(|s| s.id == step && s.kind == StepKind::Notify);
        // What the outcome says and does, judged before it is journaled.
        let (sent, notice) = match &event {
            Event::Notified {
                late,
                channel,
                due,
                sent,
                response,
                ..
            } => {
                let when = match due {
                    Some(d) if *late => format!(", LATE by {}s", (*sent - *d).num_seconds()),
                    Some(d) => format!(", {}s before its deadline", (*d - *sent).num_seconds()),
                    None => String::new(),
                };
                let outcome = if *late { "sent late" } else { "sent" };
                (
                    Ok(outcome),
                    Effect::notice(format!("sent to {channel}{when}: {response}"), *late),
                )
            }
            Event::NotifyFailed { error, channel, .. } => (
                Err(format!(
                    "not sent to {channel}: {error} · {} retries, {} picks another channel",
                    self.key_for(Action::Send),
                    self.key_for(Action::NextChannel),
                )),
                Effect::notice(format!("not sent to {channel}: {error}"), true),
            ),
            _ => {
                return vec![Effect::Journal {
                    entries: vec![inc.entry(now, event)],
                }];
            }
        };
        let mut entries = vec![inc.entry(now, event)];
        match sent {
            Ok(outcome) => {
                if still_current {
                    entries.push(inc.entry(
                        now,
                        Event::StepDone {
                            outcome: outcome.into(),
                        },
                    ));
                }
                self.drafts.remove(&k);
                if self.focused().is_some_and(|i| i.id == incident) {
                    self.composing = false;
                }
            }
            Err(why) => {
                if let Some(c) = self.drafts.get_mut(&k) {
                    c.sending = false;
                    c.error = Some(why);
                }
            }
        }
        vec![notice, Effect::Journal { entries }]
    }
}
