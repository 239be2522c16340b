//! The failover wizard of the focused incident: timers, the steps by phase,
//! the current step with its live values, and the prompt.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::{muted, styled};
use crate::app::App;
use crate::keymap::{Action, Layer};
use crate::theme::Role;
use crate::wizard::decide::{self, WaitState};
use crate::wizard::incident::{ActionState, Event, Incident, Timer};
use crate::wizard::rules;
use crate::wizard::runbook::StepKind;

fn clock(secs: f64) -> String {
    let s = secs.max(0.0) as u64;
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, (s % 3600) / 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}

fn timer_span(app: &App, t: &Timer) -> Span<'static> {
    let role = match t.level() {
        2 => Role::Critical,
        1 => Role::Warn,
        _ => Role::Timer,
    };
    let text = match t.target {
        Some(target) => format!("{} {} / {}", t.label, clock(t.elapsed), clock(target)),
        None => format!("{} {}", t.label, clock(t.elapsed)),
    };
    styled(text, app.theme.style(role))
}

pub fn draw(f: &mut Frame, area: Rect, app: &App) {
    let Some(inc) = app.wizard.focused() else {
        return;
    };
    let t = &app.theme;
    let now = app.model.now;
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.style(Role::BorderFocus))
        .title(Line::from(vec![
            styled(format!(" {} ", inc.runbook.title), t.style(Role::Title)),
            muted(app, format!("· {} · {} ", inc.target(), inc.id)),
            if inc.drill {
                styled(" DRILL ", t.style(Role::Drill))
            } else {
                Span::raw("")
            },
        ]));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let [head, body] = Layout::vertical([Constraint::Length(3), Constraint::Min(0)]).areas(inner);

    let mut timers = vec![];
    for tm in inc.timers(now) {
        timers.push(timer_span(app, &tm));
        timers.push(Span::raw("   "));
    }
    let status = match (&inc.aborted, inc.closed, inc.finished()) {
        (Some(r), _, _) => styled(format!("ABORTED: {r}"), t.style(Role::Critical)),
        (None, Some(_), _) => styled("CLOSED", t.style(Role::Ok)),
        (None, None, true) => styled("every step done: c closes the incident", t.style(Role::Ok)),
        _ => muted(
            app,
            format!(
                "driven by {}{}{}",
                inc.operator.label(),
                inc.operator
                    .ssh_client
                    .as_ref()
                    .map(|c| format!(" from {c}"))
                    .unwrap_or_default(),
                inc.window
                    .as_ref()
                    .map(|w| format!(
                        " · window {} opens {}",
                        w.id,
                        w.opens.format("%a %Y-%m-%d %H:%M UTC")
                    ))
                    .unwrap_or_default()
            ),
        ),
    };
    let others = app.wizard.incidents.len().saturating_sub(1);
    let mut second = vec![status];
    // Silences this incident made, counting down to their end.
    for (id, matchers, until) in inc.silences() {
        let left = (until - now).num_seconds();
        let what: Vec<&String> = matchers.values().collect();
        second.push(muted(
            app,
            if left > 0 {
                format!(
                    "   silence {} ({}) ends in {}",
                    id.chars().take(8).collect::<String>(),
                    what.iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(","),
                    clock(left as f64)
                )
            } else {
                format!(
                    "   silence {} ended",
                    id.chars().take(8).collect::<String>()
                )
            },
        ));
    }
    if others > 0 {
        second.push(muted(app, format!("   {others} other incident(s): ] next")));
    }
    f.render_widget(
        Paragraph::new(vec![
            Line::from(timers),
            Line::from(second),
            targets(app, inc),
        ]),
        head,
    );

    let composing = app.wizard.composing && app.wizard.draft().is_some();
    // On a narrow terminal the message gets the whole width.
    if composing && body.width < 100 {
        super::composer::draw(f, body, app);
        return;
    }
    let [steps, detail] =
        Layout::horizontal([Constraint::Percentage(38), Constraint::Percentage(62)]).areas(body);
    // Titles wrap, to be read whole at 80 columns; the list scrolls to
    // keep the current step in sight.
    let (lines, here) = step_list(app, inc);
    let width = usize::from(steps.width.max(1));
    let rows_before: usize = lines
        .iter()
        .take(here.unwrap_or(0))
        .map(|l| l.width().div_ceil(width).max(1))
        .sum();
    let half = usize::from(steps.height / 2);
    let scroll = u16::try_from(rows_before.saturating_sub(half)).unwrap_or(u16::MAX);
    f.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((scroll, 0)),
        steps,
    );
    let [d, p] = Layout::vertical([
        Constraint::Min(0),
        Constraint::Length(if app.wizard.prompt.is_some() { 4 } else { 0 }),
    ])
    .areas(detail);
    if composing {
        super::composer::draw(f, d, app);
    } else {
        f.render_widget(
            Paragraph::new(current(app, inc))
                .wrap(Wrap { trim: false })
                .block(
                    Block::default()
                        .borders(Borders::LEFT)
                        .border_style(t.style(Role::Border)),
                ),
            d,
        );
    }
    prompt_box(f, p, app);
}

/// The open prompt with its purpose and keys on top, an error on the
/// bottom edge; also drawn over the panes when no incident is open (the
/// reason for taking one over).
pub fn prompt_box(f: &mut Frame, p: Rect, app: &App) {
    let t = &app.theme;
    let Some(prompt) = &app.wizard.prompt else {
        return;
    };
    let title = Line::from(styled(
        format!(
            " {} · {} submit · {} cancel ",
            prompt.purpose.label(),
            app.keymap.hint(Layer::Prompt, Action::Submit),
            app.keymap.hint(Layer::Prompt, Action::Cancel)
        ),
        t.style(Role::Key),
    ));
    let mut pb = Block::default()
        .borders(Borders::ALL)
        .border_style(t.style(Role::BorderFocus))
        .title(title);
    if let Some(e) = &prompt.error {
        pb = pb.title_bottom(Line::from(styled(
            format!(" {e} "),
            t.style(Role::Critical),
        )));
    }
    let pi = pb.inner(p);
    f.render_widget(pb, p);
    f.render_widget(&prompt.text, pi);
}

/// Seed 001's scenario table for this run: the scenario, and the RTO and
/// RPO achieved so far against their targets.
fn targets(app: &App, inc: &Incident) -> Line<'static> {
    let t = &app.theme;
    let r = crate::report::build(&inc.entries, Some(&inc.runbook), Vec::new());
    let mut spans = vec![muted(
        app,
        format!(
            "{} · ",
            inc.runbook
                .scenario
                .as_deref()
                .unwrap_or("no scenario stated")
        ),
    )];
    let judge = |actual: f64, target: f64| {
        if actual <= target {
            ("met", Role::Ok)
        } else {
            ("MISSED", Role::Critical)
        }
    };
    match (inc.runbook.rto, r.recovery.clone()) {
        (Some(rto), Some((secs, _))) => {
            let (word, role) = judge(secs, rto.as_secs_f64());
            spans.push(styled(
                format!(
                    "RTO {rto}: recovered in {} ({word})",
                    if secs < 10.0 {
                        crate::report::recovery_text(secs)
                    } else {
                        clock(secs)
                    }
                ),
                t.style(role),
            ));
        }
        (Some(rto), None) => spans.push(muted(app, format!("RTO {rto}: not recovered yet"))),
        (None, _) => spans.push(muted(app, "no RTO")),
    }
    spans.push(muted(app, " · "));
    match (inc.runbook.rpo, r.lag_at_cutover) {
        // No verdict before the cutover succeeded: it may not happen at all.
        (Some(rpo), Some(lag)) if r.recovery.is_none() => spans.push(muted(
            app,
            format!("RPO {rpo}: lag {lag:.1}s when the cutover started (judged once it succeeds)"),
        )),
        (Some(rpo), Some(lag)) => {
            let (word, role) = judge(lag, rpo.as_secs_f64());
            spans.push(styled(
                format!("RPO {rpo}: lag {lag:.1}s at cutover ({word})"),
                t.style(role),
            ));
        }
        (Some(rpo), None) => spans.push(muted(app, format!("RPO {rpo}: no cutover yet"))),
        (None, _) => spans.push(muted(app, "no RPO")),
    }
    Line::from(spans)
}

/// The phases and steps, then the journal's last entries; with the index
/// of the current step's line.
fn step_list(app: &App, inc: &Incident) -> (Vec<Line<'static>>, Option<usize>) {
    let t = &app.theme;
    let mut lines = Vec::new();
    let mut at = None;
    for (pi, phase) in inc.runbook.phases.iter().enumerate() {
        let mut target = phase
            .target
            .map(|d| format!(" (target {d})"))
            .unwrap_or_default();
        // A follow-up horizon or a window's phase: when it is (or was) due.
        if let Some(at) = crate::wizard::decide::phase_due_at(inc, pi) {
            let when = if at > app.model.now {
                format!(" (due {})", at.format("%a %H:%M UTC"))
            } else {
                " (due now)".to_string()
            };
            target.push_str(&when);
        }
        lines.push(Line::from(styled(
            format!(
                "{}{target}",
                phase.title.clone().unwrap_or_else(|| phase.id.clone())
            ),
            t.style(Role::Header),
        )));
        for (si, step) in phase.steps.iter().enumerate() {
            let outcome = inc.entries.iter().rev().find_map(|e| match &e.event {
                Event::StepDone { outcome } if e.step.as_deref() == Some(&step.id) => {
                    Some(outcome.clone())
                }
                _ => None,
            });
            let here = (pi, si) == (inc.phase, inc.step) && inc.is_open();
            let (mark, role) = match (&outcome, here) {
                (Some(o), _) if o == "overridden" => ("⚠", Role::Warn),
                (Some(_), _) => ("✔", Role::Ok),
                (None, true) => ("▶", Role::Key),
                (None, false) => ("·", Role::Muted),
            };
            let mut spans = vec![
                styled(format!(" {mark} "), t.style(role)),
                styled(
                    step.title.clone(),
                    if here {
                        t.style(Role::Title)
                    } else {
                        t.style(Role::Text)
                    },
                ),
            ];
            if let Some(o) = outcome {
                spans.push(muted(app, format!("  {o}")));
            }
            if here {
                at = Some(lines.len());
            }
            lines.push(Line::from(spans));
        }
    }
    lines.push(Line::default());
    lines.push(Line::from(styled("journal", t.style(Role::Header))));
    for e in inc.entries.iter().rev().take(6) {
        let (what, role) = super::timeline::summary(e);
        lines.push(Line::from(vec![
            styled(
                format!(" {} ", e.at.format("%H:%M:%SZ")),
                t.style(Role::Timer),
            ),
            styled(what, t.style(role)),
        ]));
    }
    (lines, at)
}

fn current(app: &App, inc: &Incident) -> Vec<Line<'static>> {
    let t = &app.theme;
    let now = app.model.now;
    let Some(step) = inc.current() else {
        return vec![Line::from(muted(app, " nothing left to do"))];
    };
    let mut l = vec![Line::from(styled(
        format!(" {}", step.title),
        t.style(Role::Title),
    ))];
    if let Some(h) = &step.help {
        l.push(Line::from(muted(app, format!(" {h}"))));
    }
    l.push(Line::default());
    let hint = |a: Action, what: &str| {
        let k = app.keymap.hint(Layer::Wizard, a);
        Line::from(vec![
            styled(format!(" {k} "), t.style(Role::Key)),
            muted(app, what.to_string()),
        ])
    };
    if let Some(p) = &step.pair {
        l.push(Line::from(muted(app, format!(" on pair {p}"))));
    }
    if let Some(skip) = decide::skip(inc, &app.model, now) {
        l.push(Line::from(styled(format!(" {skip}"), t.style(Role::Warn))));
        l.push(hint(
            Action::Confirm,
            "skip this step (journaled with the values)",
        ));
    }
    // Judged once per draw for both the refusal and the list.
    let checks = app.wizard.shown_rules(inc, &app.model);
    match step.kind {
        StepKind::Check => l.push(hint(Action::Confirm, "when done")),
        StepKind::Notify => super::composer::step_lines(app, inc, &mut l),
        StepKind::Bulk => super::wizard_bulk::bulk(app, inc, &mut l),
        StepKind::Silence => {
            match decide::plan_silence(inc, &app.model, now) {
                Ok((_, name, req)) => {
                    let m: Vec<String> =
                        req.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
                    l.push(Line::from(styled(
                        format!(
                            " silence in {name}: {} for {}",
                            m.join(", "),
                            humantime::format_duration(req.duration)
                        ),
                        t.style(Role::Text),
                    )));
                    l.push(Line::from(muted(app, format!(" comment: {}", req.comment))));
                }
                Err(e) => l.push(Line::from(styled(
                    format!(" {}", app.wizard.keyed(&e)),
                    t.style(Role::Warn),
                ))),
            }
            l.push(Line::default());
            l.push(hint(Action::Confirm, "create it (it ends by itself)"));
            l.push(hint(Action::Override, "skip with a reason"));
        }
        StepKind::Gate => {
            l.push(Line::from(vec![
                muted(app, " gate  "),
                styled(
                    step.expr
                        .as_ref()
                        .map(ToString::to_string)
                        .unwrap_or_default(),
                    t.style(Role::Text),
                ),
            ]));
            if let Some((res, values)) = decide::evaluate(inc, &app.model, now) {
                let (word, role) = match &res {
                    Ok(true) => ("HOLDS".to_string(), Role::Ok),
                    Ok(false) => ("FAILS".to_string(), Role::Critical),
                    Err(e) => (format!("UNDECIDED: {e}"), Role::Warn),
                };
                l.push(Line::from(vec![
                    muted(app, " now   "),
                    styled(word, t.style(role)),
                ]));
                l.push(Line::from(muted(app, format!("       {values}"))));
            }
            l.push(Line::default());
            l.push(hint(Action::Confirm, "pass the gate (only when it holds)"));
            l.push(hint(
                Action::Override,
                "override with a typed reason (journaled, in the report)",
            ));
        }
        StepKind::Input => {
            l.push(Line::from(styled(
                format!(" {}", step.prompt.clone().unwrap_or_default()),
                t.style(Role::Text),
            )));
            l.push(hint(Action::Confirm, "answer"));
        }
        StepKind::Wait => {
            let (text, role) = match decide::wait_state(inc, &app.model, now) {
                WaitState::Done(h) => (format!("done: {h}"), Role::Ok),
                WaitState::Waiting(w) => (w, Role::Timer),
                WaitState::TimedOut => ("timed out".to_string(), Role::Critical),
            };
            l.push(Line::from(styled(format!(" {text}"), t.style(role))));
            l.push(hint(
                Action::Override,
                "override with a reason if it timed out",
            ));
        }
        StepKind::Action => action(app, inc, checks.as_deref(), &mut l),
    }
    if let Some(checks) = &checks {
        l.push(Line::default());
        super::wizard_checks::eligibility(app, inc, checks, &mut l);
    }
    l.push(Line::default());
    l.push(hint(Action::Abort, "abort with a reason"));
    l
}

fn action(app: &App, inc: &Incident, checks: Option<&[rules::Check]>, l: &mut Vec<Line<'static>>) {
    let t = &app.theme;
    let now = app.model.now;
    let hint = |a: Action, what: &str| {
        let k = app.keymap.hint(Layer::Wizard, a);
        Line::from(vec![
            styled(format!(" {k} "), t.style(Role::Key)),
            muted(app, what.to_string()),
        ])
    };
    let typed = inc.subject().unwrap_or_default().to_string();
    match decide::plan_action(inc, &app.model, now, &typed) {
        Ok(plan) => {
            l.push(Line::from(muted(app, " will run exactly:")));
            l.push(Line::from(styled(
                format!("   {}", plan.display),
                t.style(Role::Text),
            )));
            l.push(Line::from(muted(
                app,
                format!(" timeout {}", humantime::format_duration(plan.timeout)),
            )));
        }
        Err(e) if matches!(inc.action, ActionState::Idle | ActionState::Failed { .. }) => {
            l.push(Line::from(styled(format!(" {e}"), t.style(Role::Critical))));
        }
        Err(_) => {}
    }
    l.push(Line::default());
    let refusal = checks
        .filter(|_| inc.current().is_some_and(|s| s.promote))
        .and_then(|c| app.wizard.refusal_of(inc, c));
    match &inc.action {
        ActionState::Idle | ActionState::Failed { .. } if refusal.is_some() => {
            if let ActionState::Failed { status, .. } = &inc.action {
                l.push(Line::from(styled(
                    format!(" failed: {status}"),
                    t.style(Role::Critical),
                )));
            }
            if let Some((text, event)) = refusal {
                l.push(Line::from(styled(
                    format!(" {text}"),
                    t.style(Role::Critical),
                )));
                if matches!(event, Event::ActionRefused { hard: false, .. }) {
                    l.push(hint(
                        Action::Override,
                        "go on with a typed reason (journaled, in the report)",
                    ));
                }
            }
        }
        ActionState::Idle => {
            let (lines, waiting) = super::wizard_checks::approval(app, inc);
            l.extend(lines);
            let destructive = inc.current().is_some_and(|s| s.destructive);
            if !waiting {
                l.push(hint(
                    Action::Confirm,
                    if destructive {
                        "run it: you will type the pair id"
                    } else {
                        "run it"
                    },
                ));
            }
        }
        ActionState::Running { since, command } => {
            l.push(Line::from(styled(
                format!(" running for {}s: {command}", (now - *since).num_seconds()),
                t.style(Role::Timer),
            )));
        }
        ActionState::Succeeded { status, output } => {
            l.push(Line::from(styled(
                format!(" succeeded: {status}"),
                t.style(Role::Ok),
            )));
            for line in output.lines().take(4) {
                l.push(Line::from(muted(app, format!("   {line}"))));
            }
            l.push(hint(Action::Confirm, "go on"));
        }
        ActionState::Failed { status, output } => {
            l.push(Line::from(styled(
                format!(" failed: {status}"),
                t.style(Role::Critical),
            )));
            for line in output.lines().take(4) {
                l.push(Line::from(muted(app, format!("   {line}"))));
            }
            l.push(hint(Action::Confirm, "run it again"));
        }
        ActionState::Unknown { reason } => {
            l.push(Line::from(styled(
                format!(" OUTCOME UNKNOWN: {reason}"),
                t.style(Role::Critical),
            )));
            if let Some(settle) = inc.intent_settle() {
                let word = match decide::settled(inc, &app.model, now, settle) {
                    Ok(true) => "holds now: the live state says it happened",
                    Ok(false) => "does not hold now",
                    Err(_) => "cannot be decided now",
                };
                l.push(Line::from(muted(app, format!(" settle {settle}: {word}"))));
            }
            l.push(hint(Action::VerifyOk, "you checked: it happened"));
            l.push(hint(Action::VerifyFailed, "you checked: it did not happen"));
        }
    }
}
