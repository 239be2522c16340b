//! The Pairs pane: one row per pair. Only the visible rows are built, so a
//! fleet of 10 000 pairs costs what one screenful costs.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::Span;
use ratatui::widgets::{Cell, Row, Table, TableState};

use super::fmt::{lag, state_role, state_text};
use super::{muted, pane_block, styled, title_span};
use crate::app::{App, Pane};
use crate::state::{Instance, Pair, PairState};
use crate::theme::{Role, Theme};

pub fn draw(f: &mut Frame, area: Rect, app: &App) {
    let v = &app.view;
    let t = &app.theme;
    let total = app.model.pairs.len();
    let mut title = vec![title_span(app, format!("Pairs ({})", group(v.rows.len())))];
    if v.rows.len() != total {
        title.push(muted(app, format!(" of {}", group(total))));
    }
    if !v.filter.is_empty() || v.filter_input.is_some() {
        title.push(styled(format!("  /{}", v.filter), t.style(Role::Key)));
    }
    let arrow = if v.reverse { "↑" } else { "↓" };
    title.push(muted(app, format!("  sort {} {arrow}", v.sort.label())));
    let block = pane_block(app, Pane::Pairs, title);
    let inner = block.inner(area);
    f.render_widget(block, area);

    let height = inner.height.saturating_sub(1) as usize; // header row
    v.pairs_rows.set(ratatui::layout::Rect {
        y: inner.y + 1,
        height: inner.height.saturating_sub(1),
        ..inner
    });
    v.page_rows.set(height.max(1));
    let mut offset = v.pairs_offset.get();
    if v.selected < offset {
        offset = v.selected;
    } else if height > 0 && v.selected >= offset + height {
        offset = v.selected + 1 - height;
    }
    offset = offset.min(v.rows.len().saturating_sub(height));
    v.pairs_offset.set(offset);

    let wide = inner.width >= 96;
    let header_cells: Vec<&str> = if wide {
        vec![
            "PAIR", "PRIMARY", "REGION", "SCORE", "STANDBY", "REGION", "SCORE", "LAG", "STATE",
        ]
    } else {
        vec!["PAIR", "PRIMARY", "SC", "STANDBY", "SC", "LAG", "STATE"]
    };
    let header = Row::new(header_cells).style(t.style(Role::Header));
    let widths: Vec<Constraint> = if wide {
        vec![
            Constraint::Fill(3),
            Constraint::Fill(3),
            Constraint::Fill(3),
            Constraint::Length(5),
            Constraint::Fill(3),
            Constraint::Fill(3),
            Constraint::Length(5),
            Constraint::Length(6),
            Constraint::Length(14),
        ]
    } else {
        vec![
            Constraint::Fill(3),
            Constraint::Fill(3),
            Constraint::Length(4),
            Constraint::Fill(3),
            Constraint::Length(4),
            Constraint::Length(6),
            Constraint::Length(13),
        ]
    };
    let now = app.model.now;
    let th = &app.model.config.thresholds;
    let rows = v.rows.iter().skip(offset).take(height).map(|&i| {
        let p = &app.model.pairs[i];
        let stale = p.is_stale(now);
        row(p, stale, wide, t, th)
    });
    let focused = app.view.focus == Pane::Pairs || app.view.focus == Pane::Lag;
    let sel_style = if focused {
        t.style(Role::Selection)
    } else {
        Style::default()
    };
    let table = Table::new(rows, widths)
        .header(header)
        .column_spacing(1)
        .row_highlight_style(sel_style)
        .style(t.style(Role::Text));
    let mut state = TableState::default();
    if !v.rows.is_empty() {
        state.select(Some(v.selected - offset));
    }
    if v.rows.is_empty() {
        let msg = if app.model.pairs.is_empty() {
            "no pairs yet: waiting for sources"
        } else {
            "no pair matches the filter"
        };
        f.render_widget(table, inner);
        if inner.height > 2 {
            let r = Rect {
                y: inner.y + 1,
                height: 1,
                ..inner
            };
            f.render_widget(
                ratatui::widgets::Paragraph::new(muted(app, format!(" {msg}"))),
                r,
            );
        }
        return;
    }
    f.render_stateful_widget(table, inner, &mut state);
}

fn row<'a>(
    p: &'a Pair,
    stale: bool,
    wide: bool,
    t: &Theme,
    th: &crate::config::Thresholds,
) -> Row<'a> {
    let state_style = t.style(state_role(p.state));
    let dim = |s: Style| if stale { t.style(Role::Stale) } else { s };
    let score_cell = |i: Option<&Instance>, min: f64, bad: Role| -> Cell<'a> {
        match i {
            None => Cell::from(Span::styled("—", t.style(Role::Muted))),
            Some(i) if i.down => Cell::from(Span::styled("DOWN", dim(t.style(Role::Critical)))),
            Some(i) => match i.health_score {
                Some(s) if s < min => {
                    Cell::from(Span::styled(format!("{s:.0}{}", "⚠"), dim(t.style(bad))))
                }
                Some(s) => Cell::from(Span::styled(format!("{s:.0}"), dim(t.style(Role::Text)))),
                None => Cell::from(Span::styled("?", t.style(Role::Muted))),
            },
        }
    };
    let lag_cell = match (p.lag, p.lag_bytes) {
        // A source that measures bytes only (Redis): show those.
        (None, Some(b)) => {
            let role = if b > th.lag_bytes_abort as f64 {
                Role::Critical
            } else if b > th.lag_bytes_warn as f64 {
                Role::Warn
            } else {
                Role::Text
            };
            Cell::from(Span::styled(crate::text::bytes(b), dim(t.style(role))))
        }
        (None, None) => Cell::from(Span::styled("—", t.style(Role::Muted))),
        (Some(l), _) => {
            let role = if l > th.lag_abort.as_secs_f64() {
                Role::Critical
            } else if l > th.lag_warn.as_secs_f64() {
                Role::Warn
            } else {
                Role::Text
            };
            Cell::from(Span::styled(lag(l), dim(t.style(role))))
        }
    };
    let sb = p.standby.as_ref();
    let state_cell = Cell::from(Span::styled(state_text(p.state), state_style));
    let region = |i: &Instance| i.region.clone();
    let mut cells = vec![Cell::from(Span::styled(
        p.id.as_str(),
        dim(id_style(p.state, t)),
    ))];
    cells.push(Cell::from(p.primary.id.as_str()));
    if wide {
        cells.push(Cell::from(Span::styled(
            region(&p.primary),
            t.style(Role::Muted),
        )));
    }
    cells.push(score_cell(
        Some(&p.primary),
        th.critical_below,
        Role::Critical,
    ));
    cells.push(Cell::from(sb.map_or("—", |s| s.id.as_str())));
    if wide {
        cells.push(Cell::from(Span::styled(
            sb.map(region).unwrap_or_default(),
            t.style(Role::Muted),
        )));
    }
    cells.push(score_cell(sb, th.standby_min, Role::Warn));
    cells.push(lag_cell);
    cells.push(state_cell);
    Row::new(cells)
}

fn id_style(s: PairState, t: &Theme) -> Style {
    match s {
        PairState::Critical => t.style(Role::Critical),
        _ => t.style(Role::Text),
    }
}

/// `1 240`: thin grouping as in the spec's screen.
pub fn group(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(' ');
        }
        out.push(c);
    }
    out
}
