//! The report of the focused incident, inside the console.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

use super::{overlay_frame, scrolled, styled};
use crate::app::App;
use crate::theme::Role;

pub fn draw(f: &mut Frame, area: Rect, app: &App) {
    let Some(inc) = app.wizard.focused() else {
        return;
    };
    let inner = overlay_frame(
        f,
        area,
        app,
        &format!("Report · {}", inc.id),
        &format!(
            "{} · baton report writes it to a file",
            super::overlay_keys(app)
        ),
    );
    let r = crate::report::build(&inc.entries, Some(&inc.runbook), Vec::new());
    let t = &app.theme;
    let lines: Vec<Line<'static>> = crate::report::markdown(&r)
        .lines()
        .map(|l| {
            let role = if l.starts_with('#') {
                Role::Header
            } else if l.contains("**") {
                Role::Warn
            } else {
                Role::Text
            };
            Line::from(styled(l.to_string(), t.style(role)))
        })
        .collect();
    f.render_widget(
        Paragraph::new(scrolled(lines, app.view.overlay_scroll, inner.height))
            .wrap(Wrap { trim: false }),
        inner,
    );
}
