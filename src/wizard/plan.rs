//! `baton plan`: every step of a runbook for a target, judged against the
//! model now, by the same functions the wizard calls, so what the plan
//! says is what the wizard would enforce. It builds an incident in memory
//! only: nothing is journaled, locked, sent or run.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::decide::{self, WaitState};
use super::effect::{Effect, Run};
use super::incident::{ActionState, Incident};
use super::runbook::{AppliesTo, Runbook, StepKind};
use super::{Target, Wizard, approval, notify, rules};
use crate::state::Model;

/// The plan of one runbook on one target.
#[derive(Debug, Serialize)]
pub struct Plan {
    pub runbook: String,
    pub title: String,
    pub target: String,
    pub at: DateTime<Utc>,
    pub drill: bool,
    pub rto: Option<String>,
    pub rpo: Option<String>,
    /// Why the wizard would not even start it (another failover open).
    pub refused: Option<String>,
    pub phases: Vec<PhasePlan>,
}

#[derive(Debug, Serialize)]
pub struct PhasePlan {
    pub id: String,
    pub title: String,
    /// The phase's target time and the earliest it may start.
    pub target: Option<String>,
    pub due: Option<String>,
    pub steps: Vec<StepPlan>,
}

#[derive(Debug, Serialize)]
pub struct StepPlan {
    pub id: String,
    pub kind: String,
    pub title: String,
    pub verdict: Verdict,
    /// What the step would do, line by line (label, text).
    pub lines: Vec<Line>,
}

#[derive(Debug, Serialize)]
pub struct Line {
    pub label: String,
    pub text: String,
}

/// How a step stands now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// A gate or wait that holds now.
    Holds,
    /// A gate that would stop the wizard now.
    Blocks,
    /// A wait that would wait.
    Waits,
    /// `skip_when` holds: the wizard would pass over it.
    Skipped,
    /// A step the operator does (a check, an input) or one that would run.
    Ready,
}

impl Verdict {
    pub fn label(self) -> &'static str {
        match self {
            Self::Holds => "HOLDS",
            Self::Blocks => "BLOCKS",
            Self::Waits => "WAITS",
            Self::Skipped => "SKIPPED",
            Self::Ready => "READY",
        }
    }
}

impl Plan {
    /// Whether a gate, a rule or a rendering error would stop the wizard.
    pub fn blocked(&self) -> bool {
        self.refused.is_some()
            || self
                .phases
                .iter()
                .flat_map(|p| &p.steps)
                .any(|s| s.verdict == Verdict::Blocks)
    }
}

/// A pair id, a region or a provider, as the runbook applies to it.
pub fn target(model: &Model, rb: &Runbook, text: &str) -> Result<Target, String> {
    let regions = || {
        model
            .regions
            .iter()
            .map(|r| (r.region.as_str(), r.provider.as_str()))
            .chain(
                model
                    .config
                    .regions
                    .iter()
                    .map(|r| (r.id.as_str(), r.provider.as_str())),
            )
    };
    let area = |by_provider: bool| {
        regions()
            .find(|(r, p)| text == if by_provider { *p } else { *r })
            .map(|(r, p)| Target::Area {
                region: r.to_string(),
                provider: p.to_string(),
            })
    };
    let found = match rb.applies_to {
        AppliesTo::Pair => model.pair(text).map(|_| Target::Pair(text.to_string())),
        AppliesTo::Region => area(false),
        AppliesTo::Provider => area(true),
        AppliesTo::Estate => None,
    };
    found.ok_or_else(|| {
        let what = match rb.applies_to {
            AppliesTo::Pair => "pair",
            AppliesTo::Region => "region",
            AppliesTo::Provider => "provider",
            AppliesTo::Estate => "estate (not planned)",
        };
        format!(
            "runbook `{}` applies to a {what}; no {what} `{text}` is known to the sources or the config",
            rb.id
        )
    })
}

fn line(label: &str, text: impl Into<String>) -> Line {
    Line {
        label: label.into(),
        text: text.into(),
    }
}

/// Plans `rb` on `target`. `since` is when the data began to be read:
/// waits count what arrived since then, as from their own start.
pub fn make(
    wizard: &mut Wizard,
    rb: &Arc<Runbook>,
    target: &Target,
    model: &Model,
    since: DateTime<Utc>,
) -> Result<Plan, String> {
    let now = model.now;
    let mut plan = Plan {
        runbook: rb.id.clone(),
        title: rb.title.clone(),
        target: target.label(),
        at: now,
        drill: wizard.drill,
        rto: rb.rto.map(|d| d.to_string()),
        rpo: rb.rpo.map(|d| d.to_string()),
        refused: None,
        phases: Vec::new(),
    };
    let mut inc = match wizard.start_with(target, rb, model, now).into_iter().next() {
        Some(Effect::Start { incident, entry }) => {
            let mut inc = *incident;
            inc.apply(&entry);
            inc
        }
        Some(Effect::Notice { text, .. }) => {
            plan.refused = Some(text.clone());
            // The steps are still worth reading: planned as if it started.
            let pair = match target {
                Target::Pair(p) => Some(p.clone()),
                Target::Area { .. } => None,
            };
            Incident::new(
                "INC-PLAN",
                Arc::clone(rb),
                pair,
                wizard.operator.clone(),
                wizard.drill,
                now,
            )
        }
        _ => return Err("the wizard did not start the runbook".into()),
    };
    for (pi, phase) in rb.phases.iter().enumerate() {
        let mut steps = Vec::new();
        for si in 0..phase.steps.len() {
            inc.phase = pi;
            inc.step = si;
            inc.phase_started = since;
            inc.step_started = since;
            inc.action = ActionState::Idle;
            steps.push(step(wizard, &inc, model, now));
        }
        plan.phases.push(PhasePlan {
            id: phase.id.clone(),
            title: phase.title.clone().unwrap_or_else(|| phase.id.clone()),
            target: phase.target.map(|d| d.to_string()),
            due: match (&inc.window, phase.before) {
                // In a window: the time itself, and how it follows.
                (Some(w), before) => super::decide::phase_due_at(&inc, pi).map(|at| {
                    let how = before.map_or_else(
                        || format!("the window {}", w.id),
                        |b| format!("{} before the window {}", super::window::span(b.0), w.id),
                    );
                    format!("{} ({how})", at.format("%Y-%m-%d %H:%M UTC"))
                }),
                (None, _) => phase.due.map(|d| format!("{d} after the start")),
            },
            steps,
        });
    }
    Ok(plan)
}

fn step(wizard: &Wizard, inc: &Incident, model: &Model, now: DateTime<Utc>) -> StepPlan {
    let Some(step) = inc.current() else {
        return StepPlan {
            id: String::new(),
            kind: String::new(),
            title: String::new(),
            verdict: Verdict::Blocks,
            lines: vec![line("error", "no such step")],
        };
    };
    let mut lines = Vec::new();
    if let Some(p) = &step.pair {
        lines.push(line("pair", p.clone()));
    }
    let verdict = if let Some(why) = decide::skip(inc, model, now) {
        lines.push(line("skip", why));
        Verdict::Skipped
    } else {
        judge(wizard, inc, model, now, &mut lines).unwrap_or(Verdict::Ready)
    };
    if let Some(d) = step.deadline {
        lines.push(line("deadline", format!("{d}")));
    }
    if let Some(h) = &step.help {
        lines.push(line("help", h.trim().to_string()));
    }
    StepPlan {
        id: step.id.clone(),
        kind: format!("{:?}", step.kind).to_lowercase(),
        title: step.title.clone(),
        verdict,
        lines,
    }
}

/// The step's own judgement, and what it would do.
fn judge(
    wizard: &Wizard,
    inc: &Incident,
    model: &Model,
    now: DateTime<Utc>,
    lines: &mut Vec<Line>,
) -> Option<Verdict> {
    let step = inc.current()?;
    match step.kind {
        StepKind::Gate => {
            let (result, values) = decide::evaluate(inc, model, now)?;
            if let Some(expr) = &step.expr {
                lines.push(line("expr", expr.to_string()));
            }
            lines.push(line("now", values));
            if let Some(checks) = wizard.shown_rules(inc, model) {
                rule_lines(&checks, lines);
            }
            Some(match result {
                Ok(true) => Verdict::Holds,
                Ok(false) => Verdict::Blocks,
                Err(e) => {
                    lines.push(line("undecided", e));
                    Verdict::Blocks
                }
            })
        }
        StepKind::Wait => {
            if let Some(expr) = &step.expr {
                lines.push(line("until", expr.to_string()));
            }
            for (label, d) in [("duration", step.duration), ("timeout", step.timeout)] {
                if let Some(d) = d {
                    lines.push(line(label, d.to_string()));
                }
            }
            Some(match decide::wait_state(inc, model, now) {
                WaitState::Done(why) => {
                    lines.push(line("now", why));
                    Verdict::Holds
                }
                WaitState::Waiting(why) => {
                    lines.push(line("now", why));
                    Verdict::Waits
                }
                WaitState::TimedOut => Verdict::Waits,
            })
        }
        StepKind::Action => Some(action(wizard, inc, model, now, lines)),
        StepKind::Notify => {
            let channel = notify::default_channel(step, &model.config);
            let to = notify::channels(&model.config)
                .into_iter()
                .find(|(name, _)| *name == channel)
                .map_or_else(|| "not configured".to_string(), |(_, c)| notify::target(&c));
            lines.push(line("channel", format!("{channel} ({to})")));
            if let Some(d) = notify::due(inc) {
                lines.push(line("due", format!("{}", d.format("%H:%M:%S UTC"))));
            }
            match notify::render(&wizard.templates, model, inc, step, now) {
                Ok(text) => {
                    lines.push(line("message", text));
                    None
                }
                Err(e) => {
                    lines.push(line("error", e));
                    Some(Verdict::Blocks)
                }
            }
        }
        StepKind::Silence => {
            match decide::plan_silence(inc, model, now) {
                Ok((_, source, req)) => {
                    let m: Vec<String> = req
                        .labels
                        .iter()
                        .map(|(k, v)| format!("{k}=\"{v}\""))
                        .collect();
                    lines.push(line(
                        "silence",
                        format!(
                            "{} for {} on {source}",
                            m.join(", "),
                            humantime::format_duration(req.duration)
                        ),
                    ));
                    lines.push(line("comment", req.comment));
                }
                Err(e) => lines.push(line("silence", e)),
            }
            None
        }
        StepKind::Bulk => {
            match decide::bulk_plan(inc, model) {
                Ok(events) => {
                    for e in events {
                        if let super::event::Event::BulkPlan {
                            pairs,
                            escalated,
                            ineligible,
                        } = e
                        {
                            lines.push(line("pairs", format!("{} would fail over", pairs.len())));
                            for (label, list) in
                                [("escalate", escalated), ("ineligible", ineligible)]
                            {
                                for (id, why) in list {
                                    lines.push(line(label, format!("{id}: {why}")));
                                }
                            }
                        }
                    }
                }
                Err(e) => {
                    lines.push(line("error", e));
                    return Some(Verdict::Blocks);
                }
            }
            action_text(inc, model, now, lines);
            None
        }
        StepKind::Input => {
            if let Some(p) = &step.prompt {
                lines.push(line("asks", p.clone()));
            }
            None
        }
        StepKind::Check => None,
    }
}

fn action(
    wizard: &Wizard,
    inc: &Incident,
    model: &Model,
    now: DateTime<Utc>,
    lines: &mut Vec<Line>,
) -> Verdict {
    let mut verdict = Verdict::Ready;
    if let Some(step) = inc.current() {
        if step.destructive {
            lines.push(line(
                "confirm",
                format!("typed confirmation: {}", inc.subject().unwrap_or_default()),
            ));
        }
        if approval::needed(step, &model.config.coordination) {
            lines.push(line(
                "approval",
                "a second person approves it (baton approve)",
            ));
        }
    }
    if let Some(checks) = wizard.step_rules(inc, model) {
        rule_lines(&checks, lines);
        if checks.iter().any(rules::Check::blocks) {
            verdict = Verdict::Blocks;
        }
    }
    if !action_text(inc, model, now, lines) {
        verdict = Verdict::Blocks;
    }
    verdict
}

/// The exact command or request; false if it cannot be rendered.
fn action_text(inc: &Incident, model: &Model, now: DateTime<Utc>, lines: &mut Vec<Line>) -> bool {
    let Some(step) = inc.current() else {
        return false;
    };
    if step.kind == StepKind::Bulk {
        // A bulk step renders per pair as it runs: the template is shown.
        if let Some(c) = &step.command {
            lines.push(line("each pair", c.join(" ")));
        } else if let Some(h) = &step.http {
            lines.push(line("each pair", format!("{} {}", h.method, h.url)));
        }
        return true;
    }
    match decide::plan_action(inc, model, now, inc.subject().unwrap_or_default()) {
        Ok(p) => {
            let label = if matches!(p.run, Run::Nothing) {
                "drill"
            } else {
                "runs"
            };
            lines.push(line(label, p.display));
            if let Run::Http { body: Some(b), .. } = &p.run {
                lines.push(line("body", b.clone()));
            }
            lines.push(line(
                "timeout",
                humantime::format_duration(p.timeout).to_string(),
            ));
            if let Some(s) = p.settle {
                lines.push(line("settle", s.to_string()));
            }
            true
        }
        Err(e) => {
            lines.push(line("error", e));
            false
        }
    }
}

fn rule_lines(checks: &[rules::Check], lines: &mut Vec<Line>) {
    for c in checks {
        let level = match c.level {
            rules::Level::Holds => "holds",
            rules::Level::Warning => "warning",
            rules::Level::Soft => "blocks (a typed reason overrides)",
            rules::Level::Hard => "blocks",
        };
        lines.push(line("rule", format!("{}: {level}: {}", c.rule, c.fact)));
    }
}
