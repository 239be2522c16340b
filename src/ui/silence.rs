//! The silence form overlay.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::{muted, overlay_frame, styled};
use crate::app::App;
use crate::app::silence_form::SilenceForm;
use crate::keymap::{Action, Layer};
use crate::theme::Role;

pub fn draw(f: &mut Frame, area: Rect, app: &App, form: &SilenceForm) {
    let inner = overlay_frame(
        f,
        area,
        app,
        &format!("Silence {}", form.alert),
        &format!(
            "{} next field · {} create · {} cancel",
            app.keymap.hint(Layer::Form, Action::NextField),
            app.keymap.hint(Layer::Form, Action::Submit),
            app.keymap.hint(Layer::Form, Action::Cancel)
        ),
    );
    let t = &app.theme;
    let matchers: Vec<String> = form
        .labels
        .iter()
        .map(|(k, v)| format!("{k}=\"{v}\""))
        .collect();
    let [m, d, c, e] = Layout::vertical([
        Constraint::Length(3),
        Constraint::Length(3),
        Constraint::Length(3),
        Constraint::Min(1),
    ])
    .areas(inner);
    let head = vec![
        Line::from(vec![
            muted(app, "matchers (exact) "),
            styled(matchers.join(", "), t.style(Role::Text)),
        ]),
        Line::from(muted(app, format!("created by {}", app.operator))),
    ];
    f.render_widget(Paragraph::new(head).wrap(Wrap { trim: true }), m);
    for (i, (area, label, ta)) in [
        (d, "duration", &form.duration),
        (c, "comment", &form.comment),
    ]
    .into_iter()
    .enumerate()
    {
        let style = if form.field == i {
            t.style(Role::BorderFocus)
        } else {
            t.style(Role::Border)
        };
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(style)
            .title(format!(" {label} "));
        let inside = block.inner(area);
        f.render_widget(block, area);
        f.render_widget(ta, inside);
    }
    if let Some(err) = &form.error {
        f.render_widget(
            Paragraph::new(styled(err.clone(), t.style(Role::Critical))),
            e,
        );
    }
}
