//! Drawing only: every function here is a pure function of `App` (and the
//! frame size). Nothing here does IO or changes the model.

mod alerts;
mod bars;
mod checks;
mod chooser;
mod composer;
mod detail;
pub mod fmt;
mod help;
mod lag;
mod pairs;
mod regions;
mod report;
mod silence;
mod sources;
pub mod timeline;
mod wizard;
mod wizard_bulk;
mod wizard_checks;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph};

use crate::app::{App, Overlay, Pane};
use crate::theme::Role;

/// Below this the panes become tabs.
pub const WIDE_MIN: (u16, u16) = (100, 30);
/// Below this nothing but a notice is drawn.
pub const TOO_SMALL: (u16, u16) = (40, 10);

pub fn draw(f: &mut Frame, app: &App) {
    let area = f.area();
    if area.width < TOO_SMALL.0 || area.height < TOO_SMALL.1 {
        let msg = format!(
            "terminal too small ({}×{}); baton needs {}×{}",
            area.width, area.height, TOO_SMALL.0, TOO_SMALL.1
        );
        f.render_widget(
            Paragraph::new(msg).wrap(ratatui::widgets::Wrap { trim: true }),
            area,
        );
        return;
    }
    let banner = bars::banner_line(app);
    let [title, banner_area, body, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(u16::from(banner.is_some())),
        Constraint::Min(0),
        Constraint::Length(1),
    ])
    .areas(area);
    bars::title(f, title, app);
    if let Some(b) = banner {
        f.render_widget(
            Paragraph::new(b).style(app.theme.style(Role::Banner)),
            banner_area,
        );
    }
    body_panes(f, body, app);
    bars::status(f, status, app);
    match &app.view.overlay {
        Some(Overlay::Help) => help::draw(f, popup(area, 76, 90), app),
        Some(Overlay::Detail(id)) => detail::draw(f, popup(area, 90, 90), app, id),
        Some(Overlay::Sources) => sources::draw(f, popup(area, 96, 80), app),
        Some(Overlay::Checks) => checks::draw(f, popup(area, 96, 80), app),
        Some(Overlay::Timeline) => timeline::draw(f, popup(area, 96, 90), app),
        Some(Overlay::Report) => report::draw(f, popup(area, 96, 94), app),
        None => {}
    }
    if let Some((target, pos)) = &app.wizard.chooser {
        let r = popup(area, 70, 50);
        chooser::draw(f, r, app, target, *pos);
    }
    if let Some(form) = &app.silence_form {
        let r = popup(area, 80, 100);
        let h = 14.min(r.height);
        silence::draw(
            f,
            Rect {
                y: r.y + (r.height - h) / 2,
                height: h,
                ..r
            },
            app,
            form,
        );
    }
}

fn body_panes(f: &mut Frame, area: Rect, app: &App) {
    let v = &app.view;
    // A prompt with no incident to hold it (a takeover's reason): under
    // the panes.
    let area = if app.wizard.prompt.is_some() && app.wizard.incidents.is_empty() {
        let [rest, p] = Layout::vertical([Constraint::Min(0), Constraint::Length(4)]).areas(area);
        wizard::prompt_box(f, p, app);
        rest
    } else {
        area
    };
    if v.wizard && !app.wizard.incidents.is_empty() {
        wizard::draw(f, area, app);
        return;
    }
    let wide = area.width >= WIDE_MIN.0 && area.height + 2 >= WIDE_MIN.1;
    if v.zoomed || !wide {
        let [tabs, rest] =
            Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(area);
        bars::tabs(f, tabs, app);
        pane(f, rest, app, v.focus);
        return;
    }
    let [top, bottom] =
        Layout::vertical([Constraint::Percentage(62), Constraint::Percentage(38)]).areas(area);
    let [p, r] =
        Layout::horizontal([Constraint::Percentage(62), Constraint::Percentage(38)]).areas(top);
    let [l, a] =
        Layout::horizontal([Constraint::Percentage(62), Constraint::Percentage(38)]).areas(bottom);
    pane(f, p, app, Pane::Pairs);
    pane(f, r, app, Pane::Regions);
    pane(f, l, app, Pane::Lag);
    pane(f, a, app, Pane::Alerts);
}

fn pane(f: &mut Frame, area: Rect, app: &App, which: Pane) {
    match which {
        Pane::Pairs => pairs::draw(f, area, app),
        Pane::Regions => regions::draw(f, area, app),
        Pane::Lag => lag::draw(f, area, app),
        Pane::Alerts => alerts::draw(f, area, app),
    }
}

/// A bordered block for a pane; the focused pane gets the focus border.
pub fn pane_block<'a>(app: &App, which: Pane, title: Vec<Span<'a>>) -> Block<'a> {
    let focused = app.view.focus == which;
    let mut border = if focused {
        app.theme.style(Role::BorderFocus)
    } else {
        app.theme.style(Role::Border)
    };
    // A read-only console has frames of its own colour (the WATCH badge's).
    if app.read_only
        && let Some(c) = app.theme.style(Role::Watch).bg
    {
        border = border.fg(c);
    }
    let mut spans = vec![Span::styled(" ", border)];
    spans.extend(title);
    spans.push(Span::styled(" ", border));
    Block::default()
        .borders(Borders::ALL)
        .border_type(if focused {
            BorderType::Thick
        } else {
            BorderType::Plain
        })
        .border_style(border)
        .title(Line::from(spans))
}

pub fn title_span(app: &App, text: impl Into<String>) -> Span<'static> {
    Span::styled(text.into(), app.theme.style(Role::Title))
}

fn popup(area: Rect, pct_w: u16, pct_h: u16) -> Rect {
    let w = (area.width * pct_w / 100).max(20).min(area.width);
    let h = (area.height * pct_h / 100).max(5).min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

/// Clears an overlay area and draws its frame; returns the inner area.
pub fn overlay_frame(f: &mut Frame, area: Rect, app: &App, title: &str, hint: &str) -> Rect {
    f.render_widget(Clear, area);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Double)
        .border_style(app.theme.style(Role::BorderFocus))
        .title(Line::from(Span::styled(
            format!(" {title} "),
            app.theme.style(Role::Title),
        )))
        .title_bottom(Line::from(Span::styled(
            format!(" {hint} "),
            app.theme.style(Role::Muted),
        )));
    let inner = block.inner(area);
    f.render_widget(block.style(app.theme.style(Role::Text)), area);
    inner
}

/// Applies a vertical scroll to lines, clamped so the end stays reachable.
pub fn scrolled(lines: Vec<Line<'static>>, scroll: usize, height: u16) -> Vec<Line<'static>> {
    let max = lines.len().saturating_sub(height as usize);
    lines.into_iter().skip(scroll.min(max)).collect()
}

pub fn muted(app: &App, text: impl Into<String>) -> Span<'static> {
    Span::styled(text.into(), app.theme.style(Role::Muted))
}

/// The key of an action for a hint, a named key (an arrow) before a
/// letter bound to the same action (`k`).
pub fn named_hint(app: &App, layer: crate::keymap::Layer, action: crate::keymap::Action) -> String {
    let keys = app.keymap.keys_for(layer, action);
    keys.iter()
        .find(|k| !k.is_typed())
        .or(keys.first())
        .map_or_else(|| action.name().to_string(), ToString::to_string)
}

/// The keys of an overlay's frame, from the keymap: close and scroll.
pub fn overlay_keys(app: &App) -> String {
    use crate::keymap::{Action, Layer};
    format!(
        "{} close · {}{} scroll",
        named_hint(app, Layer::Overlay, Action::Close),
        named_hint(app, Layer::Overlay, Action::Up),
        named_hint(app, Layer::Overlay, Action::Down)
    )
}

pub fn styled(text: impl Into<String>, style: Style) -> Span<'static> {
    Span::styled(text.into(), style)
}
