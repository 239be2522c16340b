//! The sources view: every source with its health, last success, last
//! error, latency and next poll.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

use super::fmt::age;
use super::{muted, overlay_frame, scrolled, styled};
use crate::app::App;
use crate::state::SourceHealth;
use crate::theme::Role;

pub fn draw(f: &mut Frame, area: Rect, app: &App) {
    let inner = overlay_frame(f, area, app, "Sources", &super::overlay_keys(app));
    let t = &app.theme;
    let now = app.model.now;
    let mut lines = Vec::new();
    if app.model.sources.is_empty() {
        lines.push(Line::from(muted(app, "no [[source]] configured")));
    }
    for s in &app.model.sources {
        let h = s.health(now);
        let role = match h {
            SourceHealth::Ok => Role::Ok,
            SourceHealth::Waiting => Role::Muted,
            SourceHealth::Degraded => Role::Warn,
            SourceHealth::Failing => Role::Critical,
            SourceHealth::Stale => Role::Stale,
        };
        lines.push(Line::from(vec![
            styled(format!("{} ", s.name), t.style(Role::Title)),
            muted(app, format!("{} · {} ", s.kind.name(), s.target)),
            styled(h.label(), t.style(role)),
        ]));
        let last_ok = s
            .last_success
            .map_or("never".into(), |at| format!("{} ago", age(now, at)));
        let latency = s
            .latency
            .map_or("—".into(), |d| format!("{} ms", d.as_millis()));
        let next = s.last_attempt.map_or("now".into(), |at| {
            let due = crate::clock::after(at, s.interval);
            if due > now {
                format!("in {}", age(due, now))
            } else {
                "due".into()
            }
        });
        lines.push(Line::from(muted(app, format!(
            "  last success {last_ok} · latency {latency} · next poll {next} · every {} · timeout {} · down after {} failures, up after {} successes · failures in a row {}",
            humantime::format_duration(s.interval), humantime::format_duration(s.timeout), s.threshold, s.success_threshold, s.failures
        ))));
        if s.targets > 1 {
            lines.push(Line::from(muted(
                app,
                format!(
                    "  targets {} · failed in last round {}",
                    s.targets, s.failed_targets
                ),
            )));
        }
        if let Some(e) = &s.last_error {
            lines.push(Line::from(vec![
                muted(app, "  last error "),
                styled(e.clone(), t.style(Role::Critical)),
            ]));
        }
        for w in s.warnings.iter().take(5) {
            lines.push(Line::from(vec![
                muted(app, "  skipped "),
                styled(w.clone(), t.style(Role::Warn)),
            ]));
        }
        lines.push(Line::default());
    }
    f.render_widget(
        Paragraph::new(scrolled(lines, app.view.overlay_scroll, inner.height))
            .wrap(Wrap { trim: false }),
        inner,
    );
}
