//! The detail view of one pair: both instances, last checks, errors,
//! history of state changes.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use super::fmt::{age, lag, state_role, state_text};
use super::{muted, overlay_frame, scrolled, styled};
use crate::app::App;
use crate::state::Instance;
use crate::theme::Role;

pub fn draw(f: &mut Frame, area: Rect, app: &App, id: &str) {
    let inner = overlay_frame(
        f,
        area,
        app,
        &format!("Pair {id}"),
        &super::overlay_keys(app),
    );
    let Some(p) = app.model.pair(id) else {
        f.render_widget(
            Paragraph::new(muted(app, "this pair is no longer reported by any source")),
            inner,
        );
        return;
    };
    let t = &app.theme;
    let now = app.model.now;
    // Flapping protection (seed 002): cooldown and the daily limit.
    let limits = &app.model.config.limits;
    let (last, today) = crate::wizard::rules::promotions(&app.wizard.rules_ctx(&app.model), id);
    let cooling = last.and_then(|l| {
        let until = crate::clock::after(l, limits.cooldown.0);
        (until > now).then_some(until)
    });
    let flapping = match (cooling, last) {
        (Some(until), _) => styled(
            format!(
                "failed over {} ago: cooldown until {} · {today} of {} today",
                last.map_or(String::new(), |l| age(now, l)),
                until.format("%H:%M:%SZ"),
                limits.max_per_day
            ),
            t.style(Role::Warn),
        ),
        (None, Some(l)) => styled(
            format!(
                "last failover {} ago · {today} of {} today",
                age(now, l),
                limits.max_per_day
            ),
            t.style(if today >= limits.max_per_day as usize {
                Role::Critical
            } else {
                Role::Text
            }),
        ),
        (None, None) => muted(
            app,
            format!(
                "no failover in the journal · cooldown {}, at most {} a day",
                limits.cooldown, limits.max_per_day
            ),
        ),
    };
    let mut lines = vec![
        Line::from(vec![muted(app, "failover "), flapping]),
        Line::from(vec![
            muted(app, "state   "),
            styled(state_text(p.state), t.style(state_role(p.state))),
            muted(app, format!("  — {}", p.reason)),
        ]),
        Line::from(vec![
            muted(app, "lag     "),
            styled(p.lag.map_or("—".into(), lag), t.style(Role::Text)),
            muted(
                app,
                p.lag_bytes
                    .map(|b| format!("  {} behind", crate::text::bytes(b)))
                    .unwrap_or_default(),
            ),
            muted(
                app,
                format!(
                    "   updated {}",
                    p.updated
                        .map_or("never".into(), |u| format!("{} ago", age(now, u)))
                ),
            ),
            muted(
                app,
                format!(
                    "   source {}",
                    p.source
                        .and_then(|s| app.model.sources.get(s))
                        .map_or("config", |s| s.name.as_str())
                ),
            ),
        ]),
        Line::from(vec![
            muted(app, "runbook "),
            styled(
                p.runbook.clone().unwrap_or_else(|| "—".into()),
                t.style(Role::Text),
            ),
        ]),
        Line::default(),
    ];
    instance(&mut lines, app, "PRIMARY", Some(&p.primary));
    instance(&mut lines, app, "STANDBY", p.standby.as_ref());
    lines.push(Line::from(styled("state changes", t.style(Role::Header))));
    for (at, s) in p.changes.iter().rev() {
        lines.push(Line::from(vec![
            styled(
                format!("  {} ", at.format("%H:%M:%SZ")),
                t.style(Role::Timer),
            ),
            styled(state_text(*s), t.style(state_role(*s))),
            muted(app, format!("  {} ago", age(now, *at))),
        ]));
    }
    lines.push(Line::default());
    lines.push(Line::from(muted(app, "open incidents: none")));
    f.render_widget(
        Paragraph::new(scrolled(lines, app.view.overlay_scroll, inner.height)),
        inner,
    );
}

fn instance(lines: &mut Vec<Line<'static>>, app: &App, role: &str, i: Option<&Instance>) {
    let t = &app.theme;
    let now = app.model.now;
    let Some(i) = i else {
        lines.push(Line::from(vec![
            styled(format!("{role:<8}"), t.style(Role::Header)),
            styled("none", t.style(Role::Warn)),
        ]));
        lines.push(Line::default());
        return;
    };
    let status_role = if i.down { Role::Critical } else { Role::Ok };
    lines.push(Line::from(vec![
        styled(format!("{role:<8}"), t.style(Role::Header)),
        styled(i.id.clone(), t.style(Role::Title)),
        muted(app, format!("  {} · {}", i.region, i.provider)),
    ]));
    lines.push(Line::from(vec![
        muted(app, "  status "),
        styled(
            if i.down {
                format!("{} (DOWN)", i.status)
            } else {
                i.status.clone()
            },
            t.style(status_role),
        ),
        muted(app, "  score "),
        styled(
            i.health_score.map_or("—".into(), |s| format!("{s:.0}")),
            t.style(Role::Text),
        ),
        muted(app, format!("  failed checks in a row {}", i.fail_streak)),
        muted(
            app,
            // What the instance itself says, when it says more than its
            // slot: whether it takes writes, or a role other than the slot's.
            match (&i.role, i.writable) {
                (Some(r), Some(w)) => {
                    format!(
                        "  says {r}, {}",
                        if w { "takes writes" } else { "read-only" }
                    )
                }
                (Some(r), None) if !role.eq_ignore_ascii_case(r) => format!("  says {r}"),
                _ => String::new(),
            },
        ),
    ]));
    let seen = i
        .last_seen
        .map_or("never".into(), |s| format!("{} ago", age(now, s)));
    let ok = i
        .last_ok
        .map_or("never".into(), |s| format!("{} ago", age(now, s)));
    let resp = i.response.map_or(String::new(), |d| {
        format!("  response {} ms", d.as_millis())
    });
    lines.push(Line::from(muted(
        app,
        format!("  last check {seen}  last ok {ok}{resp}"),
    )));
    if let Some(e) = i.error.as_ref().or(i.invalid.as_ref()) {
        lines.push(Line::from(vec![
            muted(app, "  error "),
            styled(e.clone(), t.style(Role::Critical)),
        ]));
    }
    lines.push(Line::default());
}
