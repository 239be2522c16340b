//! What the operator's keys mean for the current step: pure functions from
//! (incident, live model, time) to the events to journal, or a refusal
//! saying why. The safety rules of the spec live here as code.

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::area::Verdict;
use super::incident::{ActionState, Event, Incident};
use super::runbook::Step;
use super::runbook::StepKind;
use super::vars::{PairScope, template_context};
use crate::cond::Cond;
use crate::state::Model;

pub use super::effect::{ActionPlan, Run};

fn scope<'a>(inc: &'a Incident, model: &'a Model, now: DateTime<Utc>) -> PairScope<'a> {
    let waiting = inc.current().is_some_and(|s| s.kind == StepKind::Wait);
    PairScope {
        model,
        pair: inc.subject().and_then(|p| model.pair(p)),
        area: inc.area.as_ref(),
        area_stats: std::cell::OnceCell::new(),
        elapsed: (now - inc.started).num_milliseconds() as f64 / 1000.0,
        since: waiting.then_some(inc.step_started),
    }
}

/// The gate (or wait) expression of the current step, evaluated now, with
/// the values of its variables: `Ok(true)` holds.
pub fn evaluate(
    inc: &Incident,
    model: &Model,
    now: DateTime<Utc>,
) -> Option<(Result<bool, String>, String)> {
    let cond = rendered(inc.current()?.expr.as_ref()?, inc, model, now);
    let s = scope(inc, model, now);
    Some((cond.eval(&s), cond.values(&s)))
}

/// An expression with its templates in quotes rendered
/// (`primary.id == "{{ failover.new_primary }}"`, the instances named at
/// the start, which a role swap does not change).
fn rendered<'a>(
    x: &'a Cond,
    inc: &Incident,
    model: &Model,
    now: DateTime<Utc>,
) -> std::borrow::Cow<'a, Cond> {
    if x.templates().is_empty() {
        return std::borrow::Cow::Borrowed(x);
    }
    let ctx = super::notify::context(model, inc, now);
    std::borrow::Cow::Owned(x.render_strict(&|t| super::templates::render_str(t, ctx.clone())))
}

/// Why the current step cannot be done yet: its phase is not due (a
/// follow-up horizon, or a maintenance window's time). Every way of doing
/// a step asks this: Enter, and sending a notification.
pub fn not_yet_due(inc: &Incident, now: DateTime<Utc>) -> Option<String> {
    let due = phase_due(inc).filter(|d| now < *d)?;
    let left = humantime::format_duration(std::time::Duration::from_secs(
        (due - now).num_seconds().max(0) as u64,
    ));
    let at = due.format("%Y-%m-%d %H:%M UTC");
    Some(match &inc.window {
        Some(w) => format!(
            "this phase is due at {at} (in {left}), by the window {} at {}: come back then, or move the window with baton schedule --move",
            w.id,
            w.opens.format("%Y-%m-%d %H:%M UTC")
        ),
        None => format!("these checks are due at {at} (in {left}): come back then"),
    })
}

/// Enter on the current step.
pub fn confirm(
    inc: &Incident,
    model: &Model,
    now: DateTime<Utc>,
    text: &str,
) -> Result<Vec<Event>, String> {
    let step = inc
        .current()
        .ok_or("every step is done: close the incident")?;
    if let Some(why) = not_yet_due(inc, now) {
        return Err(why);
    }
    let done = |outcome: &str| Event::StepDone {
        outcome: outcome.into(),
    };
    match step.kind {
        StepKind::Check => Ok(vec![Event::CheckConfirmed, done("confirmed")]),
        // Done only when sent (or skipped with a reason): see the composer.
        StepKind::Notify => Err("send the message first: {confirm} opens it".into()),
        StepKind::Silence => Err(
            "{confirm} creates the silence; without Alertmanager, skip it with {override} and a reason".into(),
        ),
        StepKind::Bulk => match inc.current_bulk() {
            None => bulk_plan(inc, model),
            Some(b) if b.complete() => Ok(vec![done(&format!(
                "{} failed over, {} failed or skipped, {} escalated",
                b.ok(),
                b.failed().len(),
                b.escalated.len()
            ))]),
            Some(b) if b.paused => Ok(vec![Event::BulkResumed]),
            Some(b) => Err(format!(
                "{} pair(s) still to go: the step ends when every one has a result",
                b.planned.len() - b.finished.len()
            )),
        },
        StepKind::Gate => match evaluate(inc, model, now) {
            Some((Ok(true), values)) => Ok(vec![Event::GatePassed { values }, done("passed")]),
            Some((Ok(false), values)) => Err(format!(
                "the gate does not hold ({values}); override it with a reason, or abort"
            )),
            Some((Err(e), _)) => Err(format!("the gate cannot be decided: {e}")),
            None => Err("this gate has no expression".into()),
        },
        StepKind::Input => {
            let t = text.trim();
            if t.is_empty() {
                Err("type an answer first".into())
            } else {
                Ok(vec![
                    Event::InputRecorded { text: t.into() },
                    done("recorded"),
                ])
            }
        }
        StepKind::Wait => match wait_state(inc, model, now) {
            WaitState::Done(how) => Ok(vec![Event::WaitDone { how }, done("waited")]),
            WaitState::Waiting(why) => Err(why),
            WaitState::TimedOut => {
                Err("the wait timed out: override with a reason to go on, or abort".into())
            }
        },
        StepKind::Action => match &inc.action {
            ActionState::Succeeded { .. } => Ok(vec![done("succeeded")]),
            ActionState::Idle => Err("run the action first".into()),
            ActionState::Running { .. } => Err("the action is running".into()),
            ActionState::Failed { status, .. } => Err(format!(
                "the action failed ({status}): run it again, or abort"
            )),
            ActionState::Unknown { .. } => Err(
                "the outcome is unknown: check the live state, then mark it verified ok or failed"
                    .into(),
            ),
        },
    }
}

/// The silence the current `silence` step asks for: its Alertmanager
/// source (index, name) and the request, matchers rendered.
pub fn plan_silence(
    inc: &Incident,
    model: &Model,
    now: DateTime<Utc>,
) -> Result<(usize, String, super::effect::SilenceRequest), String> {
    let step = inc.current().ok_or("no current step")?;
    let (idx, src) = model
        .config
        .sources
        .iter()
        .enumerate()
        .find(|(_, s)| {
            s.kind == crate::config::SourceKind::Alertmanager
                && step.source.as_ref().is_none_or(|n| *n == s.name)
        })
        .ok_or(
            "no Alertmanager source in the config: skip this step with {override} and a reason",
        )?;
    let ctx = super::notify::context(model, inc, now);
    let mut labels = std::collections::BTreeMap::new();
    for (k, t) in &step.matchers {
        let v = render(t, &ctx)?;
        if v.is_empty() {
            return Err(format!("matcher {k} is empty: nothing to silence"));
        }
        labels.insert(k.clone(), v);
    }
    let comment = match &step.comment {
        Some(c) => render(c, &ctx)?,
        None => format!(
            "baton {}: {} ({})",
            inc.id,
            step.title,
            inc.operator.label()
        ),
    };
    let duration = step.duration.map_or(Duration::from_hours(4), |d| d.0);
    Ok((
        idx,
        src.name.clone(),
        super::effect::SilenceRequest {
            source: idx,
            labels,
            duration,
            comment,
        },
    ))
}

/// When the current phase's horizon begins: `due` after the start; in a
/// maintenance window, `before` ahead of the window, `due` after it, and
/// any other phase at the window.
pub fn phase_due(inc: &Incident) -> Option<DateTime<Utc>> {
    phase_due_at(inc, inc.phase)
}

/// When phase `index` of the incident comes due (see `phase_due`).
pub fn phase_due_at(inc: &Incident, index: usize) -> Option<DateTime<Utc>> {
    let p = inc.runbook.phases.get(index)?;
    let Some(w) = &inc.window else {
        return p.due.map(|d| crate::clock::after(inc.started, d.0));
    };
    Some(match (p.before, p.due) {
        (Some(b), _) => crate::clock::before(w.opens, b.0),
        (None, Some(d)) => crate::clock::after(w.opens, d.0),
        (None, None) => w.opens,
    })
}

/// Whether the current phase may be worked on now: nothing is done, and
/// no wait goes on by itself, ahead of its time.
pub fn phase_open(inc: &Incident, now: DateTime<Utc>) -> bool {
    phase_due(inc).is_none_or(|d| d <= now)
}

pub enum WaitState {
    Done(String),
    Waiting(String),
    TimedOut,
}

pub fn wait_state(inc: &Incident, model: &Model, now: DateTime<Utc>) -> WaitState {
    let Some(step) = inc.current() else {
        return WaitState::Waiting("no step".into());
    };
    let waited = (now - inc.step_started).to_std().unwrap_or_default();
    if let Some(probe) = &step.probe {
        // `expect` may hold templates in quotes (`"{{ area.region }}"`).
        let expect = rendered(
            step.expect
                .as_ref()
                .unwrap_or(super::probe::default_expect()),
            inc,
            model,
            now,
        );
        let expect = expect.as_ref();
        let every = humantime::format_duration(super::probe::every(probe));
        let round = inc.probe.as_ref().filter(|r| r.step == step.id);
        return match round.map(|r| super::probe::judge(expect, r)) {
            Some(Ok(how)) => WaitState::Done(how),
            _ if step.timeout.is_some_and(|t| waited >= t.0) => WaitState::TimedOut,
            Some(Err(why)) => WaitState::Waiting(format!("{why} (asked every {every})")),
            None => WaitState::Waiting("asking…".into()),
        };
    }
    if let Some(d) = step.duration {
        return if waited >= d.0 {
            WaitState::Done(format!("{d} elapsed"))
        } else {
            WaitState::Waiting(format!("{}s left", d.0.saturating_sub(waited).as_secs()))
        };
    }
    match evaluate(inc, model, now) {
        Some((Ok(true), values)) => WaitState::Done(format!("condition held: {values}")),
        _ if step.timeout.is_some_and(|t| waited >= t.0) => WaitState::TimedOut,
        Some((_, values)) => WaitState::Waiting(format!(
            "waiting for {} ({values})",
            step.expr.as_ref().map(Cond::as_str).unwrap_or_default()
        )),
        None => WaitState::Waiting("nothing to wait for".into()),
    }
}

/// Going past a failing gate or a timed-out wait, with a typed reason
/// that the journal and the report keep.
pub fn override_step(
    inc: &Incident,
    model: &Model,
    now: DateTime<Utc>,
    reason: &str,
) -> Result<Vec<Event>, String> {
    let step = inc.current().ok_or("no current step")?;
    if !matches!(
        step.kind,
        StepKind::Gate | StepKind::Wait | StepKind::Notify | StepKind::Silence
    ) {
        return Err("only gates, waits, notifications and silences can be overridden".into());
    }
    if reason.trim().len() < 3 {
        return Err("an override needs a reason".into());
    }
    let values = evaluate(inc, model, now)
        .map(|(_, v)| v)
        .unwrap_or_default();
    Ok(vec![
        Event::GateOverridden {
            reason: reason.trim().into(),
            values,
        },
        Event::StepDone {
            outcome: "overridden".into(),
        },
    ])
}

/// Passing the soft safety rules that block the current promotion, with a
/// typed reason; hard rules have no override.
pub fn override_rules(
    inc: &Incident,
    checks: &[super::rules::Check],
    reason: &str,
) -> Result<Vec<Event>, String> {
    if reason.trim().len() < 3 {
        return Err("an override needs a reason".into());
    }
    if let Some(h) = super::rules::hard(checks) {
        return Err(format!("refused: {}; this rule has no override", h.fact));
    }
    let soft = super::rules::soft(checks, &inc.overridden);
    if soft.is_empty() {
        return Err("no safety rule blocks this action: it can run".into());
    }
    Ok(vec![Event::RulesOverridden {
        rules: soft.iter().map(|c| c.rule.to_string()).collect(),
        facts: soft.iter().map(|c| c.fact.clone()).collect(),
        reason: reason.trim().into(),
    }])
}

/// Prepares the current action. `typed` is what the operator typed to
/// confirm a destructive one (the pair id). The safety rules of a
/// promotion are judged by `rules`, before this is asked.
pub fn plan_action(
    inc: &Incident,
    model: &Model,
    now: DateTime<Utc>,
    typed: &str,
) -> Result<ActionPlan, String> {
    let step = inc.current().ok_or("no current step")?;
    if step.kind != StepKind::Action {
        return Err("the current step is not an action".into());
    }
    match &inc.action {
        ActionState::Running { .. } => return Err("the action is already running".into()),
        ActionState::Succeeded { .. } => return Err("the action already succeeded".into()),
        ActionState::Unknown { .. } => {
            return Err(
                "the outcome of the last run is unknown: verify it before anything runs again"
                    .into(),
            );
        }
        ActionState::Idle | ActionState::Failed { .. } => {}
    }
    let pair_id = inc.subject().unwrap_or_default().to_string();
    if step.destructive && typed.trim() != pair_id {
        return Err(format!("type the pair id `{pair_id}` to confirm"));
    }
    let ctx = super::notify::context(model, inc, now);
    let (run, display) = render_run(step, inc.drill, &ctx)?;
    Ok(ActionPlan {
        incident: inc.id.clone(),
        step: step.id.clone(),
        display,
        run,
        timeout: step.timeout.map_or(Duration::from_secs(30), |d| d.0),
        settle: step
            .settle
            .as_ref()
            .map(|t| render(t.as_str(), &ctx).map(Cond::new))
            .transpose()?,
    })
}

fn render(t: &str, ctx: &minijinja::Value) -> Result<String, String> {
    super::templates::render_str(t, ctx).map_err(|e| format!("template `{t}`: {e}"))
}

/// The program or request of an action (or bulk) step rendered for a
/// context, and how it is shown: `dry_run` in drill mode (or nothing).
fn render_run(step: &Step, drill: bool, ctx: &minijinja::Value) -> Result<(Run, String), String> {
    let program = if drill {
        step.dry_run.as_ref()
    } else {
        step.command.as_ref()
    };
    let run = match (program, &step.http) {
        (Some(argv), _) => Run::Program(
            argv.iter()
                .map(|a| render(a, ctx))
                .collect::<Result<_, _>>()?,
        ),
        (None, Some(h)) if !drill => Run::Http {
            method: h.method.to_uppercase(),
            url: render(&h.url, ctx)?,
            body: h.body.as_deref().map(|b| render(b, ctx)).transpose()?,
            headers: h
                .headers
                .iter()
                .map(|(k, v)| Ok((k.clone(), render(v, ctx)?)))
                .collect::<Result<_, String>>()?,
        },
        _ => Run::Nothing,
    };
    let display = match &run {
        Run::Program(argv) => argv
            .iter()
            .map(|a| {
                if a.contains(' ') {
                    format!("'{a}'")
                } else {
                    a.clone()
                }
            })
            .collect::<Vec<_>>()
            .join(" "),
        Run::Http { method, url, .. } => format!("{method} {url}"),
        Run::Nothing => format!(
            "DRILL: not run: {}",
            step.command
                .as_ref()
                .map(|c| c.join(" "))
                .or(step
                    .http
                    .as_ref()
                    .map(|h| format!("{} {}", h.method, h.url)))
                .unwrap_or_default()
        ),
    };
    Ok((run, display))
}

/// Enter on a bulk step that has no plan: every affected pair judged now,
/// in fleet order.
pub fn bulk_plan(inc: &Incident, model: &Model) -> Result<Vec<Event>, String> {
    let area = inc
        .area
        .as_ref()
        .ok_or("a bulk step runs on a region or provider incident")?;
    let mut pairs = Vec::new();
    let mut escalated = Vec::new();
    let mut ineligible = Vec::new();
    for p in area.affected(model) {
        match area.verdict(model, p) {
            Verdict::Eligible => pairs.push(p.id.clone()),
            Verdict::Escalate(why) => escalated.push((p.id.clone(), why)),
            Verdict::Ineligible(why) => ineligible.push((p.id.clone(), why)),
        }
    }
    if pairs.is_empty() && escalated.is_empty() && ineligible.is_empty() {
        return Err(format!("no pair has its primary in {}", area.label()));
    }
    Ok(vec![Event::BulkPlan {
        pairs,
        escalated,
        ineligible,
    }])
}

/// The next batches of a running bulk step: never more than
/// `max_concurrent` in flight (with `others_open` failovers open besides),
/// batches of `batch_size`. A planned pair that is no longer eligible, or
/// that `refused` names a reason for (the safety rules about other
/// failovers and flapping), is skipped with the reason: a bulk step never
/// overrides a rule.
pub fn bulk_next(
    inc: &Incident,
    model: &Model,
    others_open: usize,
    refused: &dyn Fn(&str) -> Option<String>,
) -> (Vec<(String, ActionPlan)>, Vec<Event>) {
    let (Some(step), Some(bulk), Some(area)) = (inc.current(), inc.current_bulk(), &inc.area)
    else {
        return (Vec::new(), Vec::new());
    };
    if bulk.paused {
        return (Vec::new(), Vec::new());
    }
    let limits = &model.config.limits;
    let batch = step
        .batch_size
        .unwrap_or(limits.batch_size)
        .clamp(1, limits.max_concurrent.max(1)) as usize;
    // max_concurrent counts this step's pairs in flight and every other
    // failover open on this console.
    let room = (limits.max_concurrent as usize)
        .saturating_sub(bulk.in_flight().count())
        .saturating_sub(others_open);
    let mut plans = Vec::new();
    let mut skipped = Vec::new();
    let waiting: Vec<&String> = bulk.waiting().collect();
    // Whole batches only: a batch starts when it fits under max_concurrent.
    let take = (room / batch) * batch;
    for id in waiting {
        if plans.len() >= take {
            break;
        }
        let Some(p) = model.pair(id) else {
            skipped.push(Event::BulkSkipped {
                pair: id.clone(),
                reason: "no longer reported by any source".into(),
            });
            continue;
        };
        let why = match area.verdict(model, p) {
            Verdict::Eligible => refused(id),
            Verdict::Escalate(w) | Verdict::Ineligible(w) => Some(w),
        };
        if let Some(reason) = why {
            skipped.push(Event::BulkSkipped {
                pair: id.clone(),
                reason,
            });
            continue;
        }
        let ctx = minijinja::value::merge_maps([
            template_context(model, Some(p), &inc.id, &inc.operator.label()),
            minijinja::context! { area => area.label() },
        ]);
        match render_run(step, inc.drill, &ctx) {
            Ok((run, display)) => plans.push((
                id.clone(),
                ActionPlan {
                    incident: inc.id.clone(),
                    step: step.id.clone(),
                    display,
                    run,
                    timeout: step.timeout.map_or(Duration::from_secs(30), |d| d.0),
                    settle: None,
                },
            )),
            Err(reason) => skipped.push(Event::BulkSkipped {
                pair: id.clone(),
                reason,
            }),
        }
    }
    (plans, skipped)
}

/// After an unknown outcome the operator says what they saw.
pub fn verify(inc: &Incident, ok: bool, note: &str) -> Result<Vec<Event>, String> {
    if !matches!(inc.action, ActionState::Unknown { .. }) {
        return Err("there is no action of unknown outcome to verify".into());
    }
    Ok(vec![Event::ActionVerified {
        ok,
        note: note.into(),
    }])
}

/// Whether the settle expression of an unknown action holds now: shown to
/// the operator as evidence, never taken as success on its own.
/// The step's `skip_when`, when it holds now: the outcome to journal.
/// Never once its action has started: a running or unknown action is not
/// skipped (its result would land on the next step), it is waited for or
/// verified.
pub fn skip(inc: &Incident, model: &Model, now: DateTime<Utc>) -> Option<String> {
    if !matches!(inc.action, ActionState::Idle | ActionState::Failed { .. }) {
        return None;
    }
    let cond = rendered(inc.current()?.skip_when.as_ref()?, inc, model, now);
    let s = scope(inc, model, now);
    matches!(cond.eval(&s), Ok(true))
        .then(|| format!("skipped: {} holds ({})", cond.as_str(), cond.values(&s)))
}

pub fn settled(
    inc: &Incident,
    model: &Model,
    now: DateTime<Utc>,
    settle: &Cond,
) -> Result<bool, String> {
    settle.eval(&scope(inc, model, now))
}
