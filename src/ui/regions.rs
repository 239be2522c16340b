//! The Regions pane: per region and provider, instances up and down,
//! failing primaries, and the provider-outage mark.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row, Table, TableState};

use super::{pane_block, styled, title_span};
use crate::app::{App, Pane};
use crate::theme::Role;

pub fn draw(f: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let regions = &app.model.regions;
    let outages = regions.iter().filter(|r| r.outage).count();
    let mut title = vec![title_span(app, format!("Regions ({})", regions.len()))];
    if outages > 0 {
        title.push(styled(
            format!("  ⚠ {outages} OUTAGE"),
            t.style(Role::Critical),
        ));
    }
    let block = pane_block(app, Pane::Regions, title);
    let header =
        Row::new(["REGION", "PROV", "UP", "DOWN", "PRIM ✖", ""]).style(t.style(Role::Header));
    let rows = regions.iter().map(|r| {
        let up = format!("{}/{}", r.up, r.total);
        let down_role = if r.down > 0 {
            Role::Critical
        } else {
            Role::Muted
        };
        let fail_role = if r.failing_primaries > 0 {
            Role::Critical
        } else {
            Role::Muted
        };
        let mark = if r.outage {
            Span::styled("OUTAGE", t.style(Role::Banner))
        } else if r.down > 0 {
            Span::styled("⚠", t.style(Role::Warn))
        } else {
            Span::styled("ok", t.style(Role::Ok))
        };
        Row::new(vec![
            Cell::from(r.region.clone()),
            Cell::from(Span::styled(r.provider.clone(), t.style(Role::Muted))),
            Cell::from(up),
            Cell::from(Span::styled(format!("▼{}", r.down), t.style(down_role))),
            Cell::from(Span::styled(
                format!("{}", r.failing_primaries),
                t.style(fail_role),
            )),
            Cell::from(Line::from(mark)),
        ])
    });
    // Wide enough for the largest counts: "66667/66667" must not be cut.
    let digits = |n: usize| n.checked_ilog10().map_or(1, |d| d as u16 + 1);
    let up_width = regions
        .iter()
        .map(|r| digits(r.up) + 1 + digits(r.total))
        .max()
        .unwrap_or(0)
        .max(9);
    let down_width = regions
        .iter()
        .map(|r| digits(r.down) + 1)
        .max()
        .unwrap_or(0)
        .max(5);
    let widths = [
        Constraint::Min(12),
        Constraint::Min(4),
        Constraint::Length(up_width),
        Constraint::Length(down_width),
        Constraint::Length(6),
        Constraint::Length(6),
    ];
    let table = Table::new(rows, widths)
        .header(header)
        .block(block)
        .style(t.style(Role::Text))
        .row_highlight_style(if app.view.focus == Pane::Regions {
            t.style(Role::Selection)
        } else {
            ratatui::style::Style::default()
        });
    let mut state = TableState::default();
    if !regions.is_empty() {
        state.select(Some(app.view.region_selected));
    }
    f.render_stateful_widget(table, area, &mut state);
}
