//! The Alerts pane: baton's own rules (and, later, Alertmanager), with
//! severity, age and state.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Cell, Row, Table, TableState};

use super::fmt::{age, severity_style};
use super::{muted, pane_block, title_span};
use crate::app::{App, Pane};
use crate::state::AlertState;
use crate::theme::Role;

pub fn draw(f: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let alerts = &app.model.alerts;
    let crit = alerts
        .iter()
        .filter(|a| a.severity == crate::state::Severity::Crit && a.state == AlertState::Firing)
        .count();
    let mut title = vec![title_span(app, format!("Alerts ({})", alerts.len()))];
    if crit > 0 {
        title.push(Span::styled(
            format!("  {crit} CRIT"),
            t.style(Role::Critical),
        ));
    }
    let block = pane_block(app, Pane::Alerts, title);
    if alerts.is_empty() {
        let inner = block.inner(area);
        f.render_widget(block, area);
        f.render_widget(
            ratatui::widgets::Paragraph::new(muted(app, " no alerts firing")),
            inner,
        );
        return;
    }
    let now = app.model.now;
    let rows = alerts.iter().map(|a| {
        let sev = match a.state {
            AlertState::Firing => severity_style(t, a.severity),
            AlertState::Stale => t.style(Role::Stale),
            _ => t.style(Role::Muted),
        };
        Row::new(vec![
            Cell::from(Span::styled(a.severity.label(), sev)),
            Cell::from(a.name.as_str()),
            Cell::from(a.subject.as_str()),
            Cell::from(Span::styled(age(now, a.since), t.style(Role::Timer))),
            Cell::from(Span::styled(a.state.label(), sev)),
            Cell::from(Span::styled(a.summary.as_str(), t.style(Role::Muted))),
        ])
    });
    let widths = [
        Constraint::Length(4),
        Constraint::Length(15),
        Constraint::Min(10),
        Constraint::Length(4),
        Constraint::Length(9),
        Constraint::Fill(3),
    ];
    let table = Table::new(rows, widths)
        .block(block)
        .style(t.style(Role::Text))
        .row_highlight_style(if app.view.focus == Pane::Alerts {
            t.style(Role::Selection)
        } else {
            ratatui::style::Style::default()
        });
    let mut state = TableState::default().with_selected(Some(app.view.alert_selected));
    f.render_stateful_widget(table, area, &mut state);
}
