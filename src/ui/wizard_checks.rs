//! What the wizard draws of the rules that stand between the operator and
//! the current action: the safety rules of a promotion, and where the step
//! stands with two-person approval. Each is read from the function that
//! enforces it.

use ratatui::text::Line;

use super::{muted, styled};
use crate::app::App;
use crate::theme::Role;
use crate::wizard::approval::{Standing, needed, standing};
use crate::wizard::incident::Incident;
use crate::wizard::rules::{self, Level};

/// The current step's approval, when it needs one, and whether it waits
/// (then running it only says so again: no key to offer).
pub fn approval(app: &App, inc: &Incident) -> (Vec<Line<'static>>, bool) {
    let t = &app.theme;
    let Some(step) = inc.current() else {
        return (Vec::new(), false);
    };
    if !needed(step, &app.model.config.coordination) {
        return (Vec::new(), false);
    }
    let state = standing(inc);
    let waiting = matches!(state, Standing::Waiting { .. });
    let cmd = format!("baton approve {}", inc.id);
    let (text, role) = match state {
        Standing::Needed { refused: None } => (
            format!(
                " needs a second operator: running it asks for approval ({cmd} on another console)"
            ),
            Role::Warn,
        ),
        Standing::Needed {
            refused: Some((by, reason)),
        } => (
            format!(
                " REFUSED by {}: {reason} · running it asks again",
                by.label()
            ),
            Role::Critical,
        ),
        Standing::Waiting { request, .. } => (
            format!(" waiting for a second operator (request {request}): {cmd} on another console"),
            Role::Warn,
        ),
        Standing::Approved { by, .. } => (
            format!(
                " approved by {}: it runs once, this command only",
                by.label()
            ),
            Role::Ok,
        ),
    };
    (vec![Line::from(styled(text, t.style(role)))], waiting)
}

/// The safety rules of promoting the pair's standby, as `rules` judges
/// them for the promote step: exactly what enforcement will say.
pub fn eligibility(app: &App, inc: &Incident, checks: &[rules::Check], l: &mut Vec<Line<'static>>) {
    let t = &app.theme;
    let now = app.model.now;
    let Some(pair) = inc.subject() else {
        return;
    };
    let age = app
        .model
        .pair(pair)
        .and_then(|p| p.standby.as_ref())
        .and_then(|s| s.last_seen)
        .map_or("standby never seen".to_string(), |s| {
            format!("standby seen {}s ago", (now - s).num_seconds())
        });
    l.push(Line::from(vec![
        styled(" safety rules", t.style(Role::Header)),
        muted(app, format!(" ({age}) · ✖ hard · ▲ soft · ! warning")),
    ]));
    let mut checks = checks.to_vec();
    // What blocks first: on a small screen the list is cut from the end.
    checks.sort_by_key(|c| std::cmp::Reverse(c.level));
    for c in checks {
        let passed = inc.overridden.iter().any(|o| o == c.rule);
        let (mark, role) = match c.level {
            Level::Holds => ("✔", Role::Ok),
            Level::Warning => ("!", Role::Warn),
            Level::Soft if passed => ("▲", Role::Warn),
            Level::Soft => ("▲", Role::Critical),
            Level::Hard => ("✖", Role::Critical),
        };
        let note = if c.level == Level::Soft && passed {
            " (passed with a reason)"
        } else {
            ""
        };
        l.push(Line::from(vec![
            styled(format!("   {mark} "), t.style(role)),
            muted(app, format!("{}{note}", c.fact)),
        ]));
    }
}
