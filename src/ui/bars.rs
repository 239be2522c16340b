//! Title bar, status bar, tab bar and the provider-outage banner.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{muted, styled};
use crate::app::{App, Mode, Pane};
use crate::keymap::{Action, Layer};
use crate::state::{PairState, SourceHealth};
use crate::theme::Role;

fn mode_role(mode: Mode) -> Role {
    match mode {
        Mode::Operator => Role::Operator,
        Mode::Watch => Role::Watch,
        Mode::Demo => Role::Demo,
    }
}

pub fn title(f: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let clock = app.model.now.format("%H:%M:%SZ").to_string();
    let mut left_spans = vec![
        styled(" baton", t.style(Role::Title)),
        muted(app, " · "),
        styled(app.model.config.console.title.clone(), t.style(Role::Title)),
        muted(app, " · "),
        styled(clock, t.style(Role::Timer)),
    ];
    // Open incidents with their RTO clocks, visible from every view.
    // Follow-up checklists (no lock) run for days: counted, not clocked.
    for inc in app
        .wizard
        .incidents
        .iter()
        .filter(|i| i.is_open() && i.runbook.lock)
        .take(2)
    {
        if let Some(w) = inc.window.as_ref().filter(|w| w.opens > app.model.now) {
            // Preparing a window: no recovery clock yet, the time to it.
            left_spans.push(muted(app, " · "));
            left_spans.push(styled(
                format!(
                    "⏲ {} window in {}",
                    inc.target(),
                    crate::wizard::window::until(app.model.now, w.opens)
                ),
                t.style(Role::Timer),
            ));
            continue;
        }
        if let Some(rto) = inc.timers(app.model.now).first() {
            let role = match rto.level() {
                2 => Role::Critical,
                1 => Role::Warn,
                _ => Role::Timer,
            };
            let secs = rto.elapsed as u64;
            let target = rto
                .target
                .map(|t| format!("/{}:{:02}", t as u64 / 60, t as u64 % 60))
                .unwrap_or_default();
            left_spans.push(muted(app, " · "));
            left_spans.push(styled(
                format!("⇄ {} {}:{:02}{target}", inc.target(), secs / 60, secs % 60),
                t.style(role),
            ));
        }
    }
    let follow_ups: Vec<_> = app
        .wizard
        .incidents
        .iter()
        .filter(|i| i.is_open() && !i.runbook.lock)
        .collect();
    if !follow_ups.is_empty() {
        let due = follow_ups
            .iter()
            .any(|i| crate::wizard::decide::phase_due(i).is_none_or(|d| d <= app.model.now));
        left_spans.push(muted(app, " · "));
        left_spans.push(styled(
            format!(
                "☐ {} follow-up{}",
                follow_ups.len(),
                if due { " due" } else { "" }
            ),
            t.style(if due { Role::Warn } else { Role::Muted }),
        ));
    }
    let left = Line::from(left_spans);
    let crit = app.model.count_state(PairState::Critical);
    let risk = app.model.count_state(PairState::AtRisk);
    let shown_mode = if app.read_only {
        Mode::Watch
    } else if app.mode == Mode::Demo {
        Mode::Operator
    } else {
        app.mode
    };
    // Most important first: parts that do not fit are dropped from the end,
    // never the clock on the left.
    let mut parts: Vec<(usize, Vec<Span<'static>>)> = Vec::new();
    // A console that cannot act through etcd says so before anything.
    if let Some((false, text)) = &app.coord_status {
        parts.push((
            2,
            vec![styled(format!("⚠ {text} "), t.style(Role::Critical))],
        ));
    }
    if app.mode == Mode::Demo {
        parts.push((
            0,
            vec![styled(" DEMO ", t.style(Role::Demo)), Span::raw(" ")],
        ));
    }
    parts.push((
        1,
        vec![styled(
            format!(" {} ", shown_mode.label()),
            t.style(mode_role(shown_mode)),
        )],
    ));
    if crit > 0 {
        parts.push((
            2,
            vec![styled(
                format!("✖ {crit} critical "),
                t.style(Role::Critical),
            )],
        ));
    }
    if risk > 0 {
        parts.push((
            3,
            vec![styled(format!("▲ {risk} at risk "), t.style(Role::Warn))],
        ));
    }
    let checks_failing = crate::wizard::service_checks::failing(&app.model);
    if checks_failing > 0 {
        let s = if checks_failing == 1 { "" } else { "s" };
        parts.push((
            3,
            vec![styled(
                format!("✖ {checks_failing} check{s} failing "),
                t.style(Role::Critical),
            )],
        ));
    }
    if let Some(win) = crate::app::windows::upcoming(&app.wizard).first() {
        let now = app.model.now;
        let due = !crate::app::windows::due_prep(&app.wizard, win, now).is_empty();
        let when = if win.opens <= now {
            "open now".to_string()
        } else {
            format!("in {}", crate::wizard::window::until(now, win.opens))
        };
        // After the counts: at 80 columns a critical pair matters more.
        parts.push((
            3,
            vec![styled(
                format!(
                    "⏲ {} {when}{} ",
                    win.target.label(),
                    if due { " · prepare due" } else { "" }
                ),
                t.style(if due || win.opens <= now {
                    Role::Warn
                } else {
                    Role::Muted
                }),
            )],
        ));
    }
    parts.push((
        4,
        vec![styled(format!(" {} ", app.operator), t.style(Role::Muted))],
    ));
    if let Some((true, text)) = &app.coord_status {
        parts.push((5, vec![styled(format!("{text} "), t.style(Role::Muted))]));
    }
    let room = (area.width as usize).saturating_sub(left.width() + 1);
    let mut used = 0;
    let mut keep: Vec<(usize, Vec<Span<'static>>)> = Vec::new();
    for (rank, spans) in parts {
        let w: usize = spans.iter().map(Span::width).sum();
        if used + w <= room {
            used += w;
            keep.push((rank, spans));
        }
    }
    // Display order: counts, then badges, then who.
    keep.sort_by_key(|(rank, _)| match rank {
        2 | 3 => *rank - 2,
        0 | 1 => *rank + 2,
        r => *r,
    });
    let right = Line::from(keep.into_iter().flat_map(|(_, s)| s).collect::<Vec<_>>());
    let rw = right.width() as u16;
    let [l, r] = Layout::horizontal([Constraint::Min(0), Constraint::Length(rw)]).areas(area);
    // The environment's colour behind the whole title bar.
    let frame = app
        .model
        .config
        .console
        .frame_color
        .as_deref()
        .and_then(|c| crate::theme::color(c).ok());
    let base = frame.map_or_else(ratatui::style::Style::default, |c| {
        ratatui::style::Style::default().bg(c)
    });
    f.render_widget(Paragraph::new(left).style(base), l);
    f.render_widget(Paragraph::new(right).style(base), r);
}

/// How long a notice stays in the status bar.
const NOTICE_SECS: i64 = 8;

/// First key bound to an action, as the user would type it.
pub fn key_hint(app: &App, layer: Layer, action: Action) -> Option<String> {
    app.keymap
        .keys_for(layer, action)
        .first()
        .map(ToString::to_string)
}

/// A text field on the status line: its label, the field, and its keys
/// (at most half the line).
fn field(
    f: &mut Frame,
    area: Rect,
    app: &App,
    label: &str,
    input: &ratatui_textarea::TextArea<'static>,
    keys: &str,
) {
    let width = |s: &str| u16::try_from(s.chars().count()).unwrap_or(u16::MAX);
    let [l, edit, hint] = Layout::horizontal([
        Constraint::Length(width(label)),
        Constraint::Min(10),
        Constraint::Length(width(keys).min(area.width / 2)),
    ])
    .areas(area);
    f.render_widget(
        Paragraph::new(styled(label.to_string(), app.theme.style(Role::Key))),
        l,
    );
    f.render_widget(input, edit);
    f.render_widget(Paragraph::new(muted(app, keys.to_string())), hint);
}

pub fn status(f: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    if let Some(line) = &app.command {
        let keys = line.fits.as_ref().map_or_else(
            || {
                format!(
                    " tab complete · {} run · {} cancel",
                    app.keymap.hint(Layer::Prompt, Action::Submit),
                    app.keymap.hint(Layer::Prompt, Action::Cancel)
                )
            },
            |fits| format!(" {fits}"),
        );
        field(f, area, app, " :", &line.input, &keys);
        return;
    }
    if let Some(input) = &app.view.filter_input {
        let keys = format!(
            " {} keep · {} cancel",
            app.keymap.hint(Layer::Prompt, Action::Submit),
            app.keymap.hint(Layer::Prompt, Action::Cancel)
        );
        field(f, area, app, " filter /", input, &keys);
        return;
    }
    if let Some(n) = app
        .notice
        .as_ref()
        .filter(|n| (app.model.now - n.at).num_seconds() < NOTICE_SECS)
    {
        let role = if n.error { Role::Critical } else { Role::Ok };
        f.render_widget(
            Paragraph::new(styled(format!(" {}", n.text), t.style(role))),
            area,
        );
        return;
    }
    let mut spans = Vec::new();
    if app.mode == Mode::Demo {
        let label = match &app.scenario {
            Some(s) => format!(" DEMO {s} "),
            None => " DEMO ".into(),
        };
        spans.push(styled(label, t.style(Role::Demo)));
        spans.push(Span::raw(" "));
    }
    // Service checks are counted in the title bar and listed in the Checks
    // view: the status line is for baton's own sources.
    for s in app.model.sources.iter().filter(|s| s.check.is_none()) {
        let h = s.health(app.model.now);
        let (sym, role) = match h {
            SourceHealth::Ok => ("✓", Role::Ok),
            SourceHealth::Waiting => ("…", Role::Muted),
            SourceHealth::Degraded => ("!", Role::Warn),
            SourceHealth::Failing => ("✖", Role::Critical),
            SourceHealth::Stale => ("⌛", Role::Stale),
        };
        spans.push(styled(format!("{} {sym}", s.name), t.style(role)));
        if h != SourceHealth::Ok {
            spans.push(styled(format!(" {}", h.label()), t.style(role)));
        }
        spans.push(Span::raw("  "));
    }
    let layer = app.layer();
    let hints: &[(Action, &str)] = if layer == Layer::Overlay {
        &[(Action::Close, "close"), (Action::Down, "scroll")]
    } else if layer == Layer::Wizard {
        &[
            (Action::Confirm, "do step"),
            (Action::Override, "override"),
            (Action::Abort, "abort"),
            (Action::CloseIncident, "close incident"),
            (Action::Close, "panes"),
            (Action::Help, "help"),
        ]
    } else {
        &[
            (Action::Help, "help"),
            (Action::Quit, "quit"),
            (Action::Failover, "failover"),
            (Action::NextPane, "pane"),
            (Action::Filter, "filter"),
            (Action::Open, "detail"),
            (Action::Sort, "sort"),
            (Action::Zoom, "zoom"),
            (Action::Sources, "sources"),
        ]
    };
    spans.push(muted(app, "│ "));
    for (a, label) in hints {
        if let Some(k) = key_hint(app, layer, *a) {
            spans.push(styled(k, t.style(Role::Key)));
            spans.push(muted(app, format!(" {label}  ")));
        }
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// Tabs for small terminals and zoom: every pane title stays visible.
pub fn tabs(f: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let mut spans = Vec::new();
    for (i, p) in Pane::ALL.iter().enumerate() {
        let label = match p {
            Pane::Pairs => format!("{} {} ({})", i + 1, p.title(), app.view.rows.len()),
            Pane::Alerts => format!("{} {} ({})", i + 1, p.title(), app.model.alerts.len()),
            _ => format!("{} {}", i + 1, p.title()),
        };
        let style = if *p == app.view.focus {
            t.style(Role::Selection)
        } else {
            t.style(Role::Muted)
        };
        spans.push(styled(format!(" {label} "), style));
        spans.push(muted(app, "│"));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The provider-outage declaration (seed 000), when any region has one.
pub fn banner_line(app: &App) -> Option<Line<'static>> {
    if let Some(o) = app.wizard.orphans.first() {
        let id = o.entries.first().map_or("", |e| e.incident.as_str());
        let key = app.wizard.key_for(Action::TakeOver);
        return Some(Line::from(format!(
            " ⚠ {id} of {}: lease expired · {key} takes it over",
            o.owner.label()
        )));
    }
    let out: Vec<String> = app
        .model
        .regions
        .iter()
        .filter(|r| r.outage)
        .map(|r| format!("{} ({}): {} unreachable", r.region, r.provider, r.down))
        .collect();
    if out.is_empty() {
        return None;
    }
    Some(Line::from(format!(
        " ⚠ PROVIDER OUTAGE · {} · more than 5 instances unreachable within 5 min",
        out.join(" · ")
    )))
}
