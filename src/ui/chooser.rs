//! The runbook chooser for a pair or an area.

use super::{muted, styled};
use crate::app::App;
use crate::keymap::{Action, Layer};
use crate::theme::Role;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

pub fn draw(f: &mut Frame, area: Rect, app: &App, target: &crate::wizard::Target, pos: usize) {
    let inner = super::overlay_frame(
        f,
        area,
        app,
        &format!("Start on {} with", target.label()),
        &format!(
            "{}{} choose · {} start · {} cancel",
            super::named_hint(app, Layer::Chooser, Action::Up),
            super::named_hint(app, Layer::Chooser, Action::Down),
            app.keymap.hint(Layer::Chooser, Action::Submit),
            app.keymap.hint(Layer::Chooser, Action::Cancel)
        ),
    );
    let t = &app.theme;
    let lines: Vec<Line<'static>> = app
        .wizard
        .runbooks_for(target, &app.model)
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let style = if i == pos {
                t.style(Role::Selection)
            } else {
                t.style(Role::Text)
            };
            let rto = r.rto.map(|d| format!("  RTO {d}")).unwrap_or_default();
            Line::from(vec![
                styled(format!(" {} ", r.title), style),
                muted(app, format!(" {}{rto}", r.id)),
            ])
        })
        .collect();
    f.render_widget(Paragraph::new(lines), inner);
}
