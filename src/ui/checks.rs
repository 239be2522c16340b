//! The Checks view: every named service check with its state and since
//! when, latency, streak, what it found and its last error; failing first.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

use super::fmt::age;
use super::{muted, overlay_frame, scrolled, styled};
use crate::app::App;
use crate::state::SourceStatus;
use crate::theme::Role;
use crate::wizard::service_checks::state_label;

pub fn draw(f: &mut Frame, area: Rect, app: &App) {
    let now = app.model.now;
    let mut checks: Vec<&SourceStatus> = app
        .model
        .sources
        .iter()
        .filter(|s| s.check.is_some())
        .collect();
    // Failing first, then undecided, then passing; config order within.
    checks.sort_by_key(|s| match s.passing(now) {
        Some(false) => 0,
        None => 1,
        Some(true) => 2,
    });
    let failing = crate::wizard::service_checks::failing(&app.model);
    let title = format!("Checks · {failing} of {} failing", checks.len());
    let inner = overlay_frame(f, area, app, &title, &super::overlay_keys(app));
    let t = &app.theme;
    let mut lines = Vec::new();
    if checks.is_empty() {
        lines.push(Line::from(muted(
            app,
            "no service checks: a [[source]] with no `instance` (http with url, tcp, process, database, …) is one",
        )));
    }
    let name_width = checks.iter().map(|s| s.name.len()).max().unwrap_or(0);
    for s in checks {
        let state = state_label(s, now);
        let role = match state {
            "PASSING" => Role::Ok,
            "FAILING" => Role::Critical,
            "STALE" => Role::Stale,
            _ => Role::Muted,
        };
        let c = s.check.clone().unwrap_or_default();
        let since = c
            .since
            .map_or(String::new(), |at| format!(" for {}", age(now, at)));
        let latency = s
            .latency
            .map_or("—".into(), |d| format!("{} ms", d.as_millis()));
        let streak = if s.failures > 0 {
            format!("{} failed in a row", s.failures)
        } else {
            format!("{} ok in a row", c.successes)
        };
        lines.push(Line::from(vec![
            styled(format!("{:<name_width$}  ", s.name), t.style(Role::Title)),
            styled(format!("{state:<7}"), t.style(role)),
            muted(app, format!("{since} · {latency} · {streak}")),
        ]));
        // What a failing check found before it failed says nothing now.
        let found = match (s.passing(now), c.detail) {
            (Some(true), Some(d)) => format!(" · found: {d}"),
            _ => String::new(),
        };
        lines.push(Line::from(muted(
            app,
            format!("  {} {}{found}", s.kind.name(), s.target),
        )));
        if let Some(e) = &s.last_error {
            lines.push(Line::from(vec![
                muted(app, "  last error "),
                styled(e.clone(), t.style(Role::Critical)),
            ]));
        }
    }
    f.render_widget(
        Paragraph::new(scrolled(lines, app.view.overlay_scroll, inner.height))
            .wrap(Wrap { trim: false }),
        inner,
    );
}
