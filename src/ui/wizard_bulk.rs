//! The wizard's lines for a bulk step: the plan over the area, then
//! progress, failures and escalations as the batches run.

use super::{muted, styled};
use crate::app::App;
use crate::keymap::{Action, Layer};
use crate::theme::Role;
use crate::wizard::incident::Incident;
use ratatui::text::Line;

/// A bulk step: the plan, then progress, failures and escalations.
pub(super) fn bulk(app: &App, inc: &Incident, l: &mut Vec<Line<'static>>) {
    let t = &app.theme;
    let limits = &app.model.config.limits;
    let batch = inc
        .current()
        .and_then(|s| s.batch_size)
        .unwrap_or(limits.batch_size);
    let hint = |a: Action, what: String| {
        let k = app.keymap.hint(Layer::Wizard, a);
        Line::from(vec![
            styled(format!(" {k} "), t.style(Role::Key)),
            muted(app, what),
        ])
    };
    let Some(b) = inc.current_bulk() else {
        if let Some(area) = &inc.area {
            let s = area.stats(&app.model);
            l.push(Line::from(styled(
                format!(
                    " {} pair(s) have their primary in {}: {} can fail over now, {} to escalate (standby on the same provider), {} not eligible",
                    s.pairs,
                    area.label(),
                    s.eligible,
                    s.escalate,
                    s.ineligible
                ),
                t.style(Role::Text),
            )));
        }
        l.push(Line::default());
        l.push(hint(Action::Confirm,
            format!(
                "type the region (or provider) to plan and start: batches of {batch}, at most {} in flight",
                limits.max_concurrent
            ),
        ));
        return;
    };
    let failed = b.failed();
    let in_flight = b.in_flight().count();
    let done = b.finished.len();
    let total = b.planned.len();
    let width = 30usize;
    // A journal can name results of pairs the plan never had: never more
    // than a full bar.
    let filled = (done * width)
        .checked_div(total)
        .unwrap_or(width)
        .min(width);
    l.push(Line::from(vec![
        styled(
            format!(" {}{} ", "█".repeat(filled), "░".repeat(width - filled)),
            t.style(Role::Ok),
        ),
        styled(
            format!(
                "{done}/{total} done · {} ok · {} failed · {in_flight} in flight",
                b.ok(),
                failed.len()
            ),
            t.style(Role::Text),
        ),
    ]));
    for (p, why) in failed.iter().take(5) {
        l.push(Line::from(styled(
            format!("   ✖ {p}: {why}"),
            t.style(Role::Critical),
        )));
    }
    if failed.len() > 5 {
        l.push(Line::from(muted(
            app,
            format!("   … {} more (timeline: t)", failed.len() - 5),
        )));
    }
    if !b.escalated.is_empty() {
        l.push(Line::from(styled(
            format!(
                " escalate to the Commander ({}): standby on the primary's provider",
                b.escalated.len()
            ),
            t.style(Role::Warn),
        )));
        for (p, why) in b.escalated.iter().take(3) {
            l.push(Line::from(muted(app, format!("   ▲ {p}: {why}"))));
        }
    }
    if !b.ineligible.is_empty() {
        l.push(Line::from(muted(
            app,
            format!(
                " {} not eligible now (listed in the report)",
                b.ineligible.len()
            ),
        )));
    }
    l.push(Line::default());
    if b.complete() {
        l.push(hint(Action::Confirm, "done: go on to the summary".into()));
    } else if b.paused {
        l.push(Line::from(styled(
            format!(
                " PAUSED: the session ended during this step; actions that were running are OUTCOME UNKNOWN (check them); {} pair(s) not started",
                b.waiting().count()
            ),
            t.style(Role::Critical),
        )));
        l.push(hint(Action::Confirm, "resume the pairs not started".into()));
    }
}
