//! The Lag pane: replication lag history of the selected pair against
//! lag_warn and lag_abort, and the worst lags of the fleet.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Sparkline};

use super::fmt::{fit, lag};
use super::{muted, pane_block, styled, title_span};
use crate::app::{App, Pane};
use crate::theme::Role;

pub fn draw(f: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let th = &app.model.config.thresholds;
    let (warn, abort) = (th.lag_warn.as_secs_f64(), th.lag_abort.as_secs_f64());
    let pair = app.view.selected_pair(&app.model);
    let title = match pair {
        Some(p) => vec![title_span(app, format!("Lag ({})", p.id))],
        None => vec![title_span(app, "Lag")],
    };
    let block = pane_block(app, Pane::Lag, title);
    let inner = block.inner(area);
    f.render_widget(block, area);
    if inner.height == 0 {
        return;
    }
    let chart_h = if inner.height >= 8 {
        inner.height / 2
    } else {
        inner.height.saturating_sub(1).min(3)
    };
    let [stats, chart, worst] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(chart_h),
        Constraint::Min(0),
    ])
    .areas(inner);

    let Some(p) = pair else {
        f.render_widget(
            Paragraph::new(muted(app, " select a pair to see its lag")),
            stats,
        );
        return;
    };
    if p.lag_history.is_empty() {
        let msg = format!(
            " no lag reported for {} yet  (warn {}  abort {})",
            p.id, th.lag_warn, th.lag_abort
        );
        f.render_widget(Paragraph::new(muted(app, msg)), stats);
    }
    let hist: Vec<f32> = p.lag_history.iter().collect();
    let max = hist.iter().copied().fold(0.0_f32, f32::max);
    let p95 = percentile(&hist, 0.95);
    let now_role = |l: f64| {
        if l > abort {
            Role::Critical
        } else if l > warn {
            Role::Warn
        } else {
            Role::Ok
        }
    };
    let mut spans = vec![muted(app, " now ")];
    match p.lag {
        Some(l) => spans.push(styled(lag(l), t.style(now_role(l)))),
        None => spans.push(muted(app, "—")),
    }
    spans.push(muted(app, "  max "));
    spans.push(styled(
        lag(f64::from(max)),
        t.style(now_role(f64::from(max))),
    ));
    spans.push(muted(
        app,
        format!(
            "  p95 {}  warn {}  abort {}",
            lag(f64::from(p95)),
            th.lag_warn,
            th.lag_abort
        ),
    ));
    if !hist.is_empty() {
        f.render_widget(Paragraph::new(Line::from(spans)), stats);
    }

    // Scale to at least lag_warn so a calm pair looks calm, and show the
    // newest samples that fit the width.
    let width = chart.width as usize;
    let scale_top = f64::from(max).max(warn);
    let data: Vec<u64> = hist
        .iter()
        .skip(hist.len().saturating_sub(width))
        .map(|v| (f64::from(*v) * 100.0) as u64)
        .collect();
    let style = t.style(now_role(p.lag.unwrap_or(0.0)));
    f.render_widget(
        Sparkline::default()
            .data(&data)
            .max((scale_top * 100.0) as u64)
            .style(style),
        chart,
    );

    if worst.height == 0 {
        return;
    }
    let n = worst.height.saturating_sub(1) as usize;
    let mut lines = vec![Line::from(muted(app, " worst lags of the fleet"))];
    let name_w = (worst.width as usize).saturating_sub(12).min(24);
    for (id, l) in app.model.worst_lags(n) {
        lines.push(Line::from(vec![
            styled(
                format!(" {:<name_w$}", fit(id, name_w)),
                t.style(Role::Text),
            ),
            styled(format!("{:>7}", lag(l)), t.style(now_role(l))),
        ]));
    }
    f.render_widget(Paragraph::new(lines), worst);
}

fn percentile(v: &[f32], q: f64) -> f32 {
    if v.is_empty() {
        return 0.0;
    }
    let mut s = v.to_vec();
    s.sort_by(f32::total_cmp);
    let idx = ((s.len() - 1) as f64 * q).round() as usize;
    s[idx.min(s.len() - 1)]
}
