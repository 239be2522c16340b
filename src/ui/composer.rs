//! A notify step in the wizard: its channel, its deadline counting down,
//! a preview of the text (also what a watcher reads), and the editor.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::{muted, styled};
use crate::app::App;
use crate::keymap::{Action, Layer};
use crate::theme::Role;
use crate::wizard::incident::{Event, Incident};
use crate::wizard::notify;

/// "due in 0:42" or "OVERDUE by 0:12", styled by urgency.
pub fn deadline(app: &App, inc: &Incident) -> Option<Span<'static>> {
    let due = notify::due(inc)?;
    let left = (due - app.model.now).num_seconds();
    let total = inc
        .current()
        .and_then(|s| s.deadline)
        .map_or(1, |d| d.0.as_secs().max(1) as i64);
    let clock = |s: i64| format!("{}:{:02}", s / 60, s % 60);
    Some(if left < 0 {
        styled(
            format!(
                "OVERDUE by {} (sending is still allowed: it is marked late)",
                clock(-left)
            ),
            app.theme.style(Role::Critical),
        )
    } else {
        let role = if left * 5 <= total {
            Role::Warn
        } else {
            Role::Timer
        };
        styled(format!("due in {}", clock(left)), app.theme.style(role))
    })
}

fn channel_line(app: &App, inc: &Incident) -> Line<'static> {
    let chosen = if let Some((n, c)) = app.wizard.draft().and_then(|d| d.channel()) {
        Some((n.clone(), c.clone()))
    } else {
        let cfg = &app.model.config;
        let name = inc
            .current()
            .map(|s| notify::default_channel(s, cfg))
            .unwrap_or_default();
        notify::channels(cfg).into_iter().find(|(n, _)| *n == name)
    };
    let Some((name, cfg)) = chosen else {
        return Line::from(muted(app, " to (no channel)"));
    };
    Line::from(vec![
        muted(app, " to "),
        styled(name, app.theme.style(Role::Title)),
        muted(app, format!("  {}", notify::target(&cfg))),
    ])
}

/// The current-step panel of a notify step (editor closed).
pub fn step_lines(app: &App, inc: &Incident, l: &mut Vec<Line<'static>>) {
    let t = &app.theme;
    l.push(channel_line(app, inc));
    if let Some(d) = deadline(app, inc) {
        l.push(Line::from(vec![muted(app, " deadline "), d]));
    }
    if let Some(Event::NotifyFailed { error, channel, .. }) = notify::last_send(inc) {
        l.push(Line::from(styled(
            format!(" last send to {channel} failed: {error}"),
            t.style(Role::Critical),
        )));
    }
    l.push(Line::default());
    let text = match (app.wizard.draft(), inc.current()) {
        (Some(d), _) => Ok(d.body()),
        (None, Some(step)) => {
            notify::render(&app.wizard.templates, &app.model, inc, step, app.model.now)
        }
        (None, None) => Ok(String::new()),
    };
    match text {
        Ok(text) => {
            for line in text.lines().take(8) {
                l.push(Line::from(styled(
                    format!("   │ {line}"),
                    t.style(Role::Text),
                )));
            }
            if text.lines().count() > 8 {
                l.push(Line::from(muted(app, "   │ …")));
            }
        }
        Err(e) => l.push(Line::from(styled(
            format!(" the template does not render: {e}"),
            t.style(Role::Warn),
        ))),
    }
    l.push(Line::default());
    let hint = |a: Action, what: &str| {
        let k = app.keymap.hint(Layer::Wizard, a);
        Line::from(vec![
            styled(format!(" {k} "), t.style(Role::Key)),
            muted(app, what.to_string()),
        ])
    };
    if !app.read_only {
        l.push(hint(
            Action::Confirm,
            "open the text: edit, pick the channel, send",
        ));
        l.push(hint(
            Action::Override,
            "skip with a reason (told by phone, ...)",
        ));
    }
}

/// The editor, over the current-step panel.
pub fn draw(f: &mut Frame, area: Rect, app: &App) {
    let (Some(inc), Some(c)) = (app.wizard.focused(), app.wizard.draft()) else {
        return;
    };
    let t = &app.theme;
    let mut title = vec![styled(" message ", t.style(Role::Key))];
    if let Some(d) = deadline(app, inc) {
        title.push(d);
        title.push(Span::raw(" "));
    }
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.style(Role::BorderFocus))
        .title(Line::from(title))
        .title_bottom(Line::from(
            [
                (Action::Send, "send "),
                (Action::NextChannel, "channel "),
                (Action::Rerender, "re-render "),
                (Action::Cancel, "close (text kept) "),
            ]
            .into_iter()
            .flat_map(|(a, what)| {
                [
                    styled(
                        format!(" {} ", app.keymap.hint(Layer::Composer, a)),
                        t.style(Role::Key),
                    ),
                    muted(app, what),
                ]
            })
            .collect::<Vec<_>>(),
        ));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let status_rows = if c.error.is_some() || c.sending { 2 } else { 1 };
    let [head, body, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(status_rows),
    ])
    .areas(inner);
    f.render_widget(Paragraph::new(channel_line(app, inc)), head);
    f.render_widget(&c.text, body);
    let line = if c.sending {
        Line::from(styled(" sending…", t.style(Role::Timer)))
    } else if let Some(e) = &c.error {
        Line::from(styled(format!(" {e}"), t.style(Role::Critical)))
    } else {
        Line::from(muted(
            app,
            format!(
                " {} channel(s): {}",
                c.channels.len(),
                c.channels
                    .iter()
                    .map(|(n, _)| n.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ))
    };
    f.render_widget(Paragraph::new(line).wrap(Wrap { trim: false }), status);
}
