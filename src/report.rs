//! `baton report JOURNAL`: an incident journal turned into the timeline a
//! post-mortem needs (Markdown, or JSON for tools). Works on a damaged
//! journal and says what was damaged.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::wizard::incident::{Entry, Event};
use crate::wizard::runbook::{Runbook, StepKind};

mod inspect;
mod read;

pub use read::from_file;

pub use markdown::recovery as recovery_text;
mod markdown;
pub use markdown::markdown;

#[derive(Debug, Serialize)]
pub struct Report {
    pub incident: String,
    pub runbook: String,
    pub runbook_title: Option<String>,
    pub pair: Option<String>,
    /// The region or provider of an area incident.
    pub area: Option<String>,
    pub operators: Vec<String>,
    pub started: Option<DateTime<Utc>>,
    pub ended: Option<DateTime<Utc>>,
    pub outcome: String,
    pub drill: bool,
    pub steps: Vec<StepReport>,
    /// Per phase: id, seconds from its first step's start to its last step's end, target.
    pub phases: Vec<(String, f64, Option<f64>)>,
    pub overrides: Vec<String>,
    pub inputs: Vec<(String, String)>,
    /// Seconds from the start to the recovery point, and what that point was.
    pub recovery: Option<(f64, String)>,
    pub rto: Option<f64>,
    /// Replication lag when the cutover action was started (data-loss window).
    pub lag_at_cutover: Option<f64>,
    /// Bytes not replayed on the standby at the cutover, where measured.
    pub lag_bytes_at_cutover: Option<f64>,
    pub rpo: Option<f64>,
    /// Every send of a notify step, failed ones included.
    pub notifications: Vec<NotificationReport>,
    /// Alertmanager silences the incident created: id, source, matchers, end.
    pub silences: Vec<(String, String, String, DateTime<Utc>)>,
    /// Bulk steps: pairs failed over, failed (with why), escalated.
    pub bulk: Vec<BulkReport>,
    pub damage: Vec<String>,
}

#[derive(Debug, Serialize, Default)]
pub struct BulkReport {
    pub step: String,
    /// Pairs whose intent was journaled.
    pub started: Vec<String>,
    /// Pairs with a result.
    #[serde(skip)]
    pub resulted: Vec<String>,
    pub planned: usize,
    pub ok: usize,
    pub failed: Vec<(String, String)>,
    pub escalated: Vec<(String, String)>,
    pub ineligible: Vec<(String, String)>,
}

#[derive(Debug, Serialize)]
pub struct NotificationReport {
    pub step: String,
    pub channel: String,
    /// Where it went, without secrets.
    pub target: String,
    pub at: DateTime<Utc>,
    pub ok: bool,
    pub due: Option<DateTime<Utc>>,
    pub late: bool,
    /// The channel's answer, or the error.
    pub response: String,
    /// Exactly what was sent.
    pub text: String,
}

#[derive(Debug, Serialize)]
pub struct StepReport {
    pub phase: String,
    pub step: String,
    pub title: String,
    pub started: DateTime<Utc>,
    pub ended: Option<DateTime<Utc>>,
    pub seconds: Option<f64>,
    pub target: Option<f64>,
    pub outcome: String,
    pub details: Vec<String>,
}

/// Builds the report from the entries of one journal. `runbook` supplies
/// titles and targets when it is known; `damage` lists unreadable lines.
pub fn build(entries: &[Entry], runbook: Option<&Arc<Runbook>>, damage: Vec<String>) -> Report {
    let (sorted, mut damage) = inspect::inspect(entries, damage);
    let entries = &sorted[..];
    let first = entries.first();
    let mut r = Report {
        incident: first.map(|e| e.incident.clone()).unwrap_or_default(),
        runbook: first.map(|e| e.runbook.clone()).unwrap_or_default(),
        runbook_title: runbook.map(|rb| rb.title.clone()),
        pair: first.and_then(|e| e.pair.clone()),
        area: None,
        operators: Vec::new(),
        started: first.map(|e| e.at),
        ended: None,
        outcome: "still open (no close in the journal)".into(),
        drill: false,
        steps: Vec::new(),
        phases: Vec::new(),
        overrides: Vec::new(),
        inputs: Vec::new(),
        recovery: None,
        rto: runbook.and_then(|rb| rb.rto.map(crate::config::Dur::as_secs_f64)),
        lag_at_cutover: None,
        lag_bytes_at_cutover: None,
        rpo: runbook.and_then(|rb| rb.rpo.map(crate::config::Dur::as_secs_f64)),
        notifications: Vec::new(),
        silences: Vec::new(),
        bulk: Vec::new(),
        damage: Vec::new(),
    };
    r.damage.append(&mut damage);
    let mut step_start = r.started;
    let mut cutover_steps: Vec<String> = runbook
        .map(|rb| {
            rb.steps()
                .filter(|(_, _, s)| s.promote || s.cutover || s.kind == StepKind::Bulk)
                .map(|(_, _, s)| s.id.clone())
                .collect()
        })
        .unwrap_or_default();
    if cutover_steps.is_empty() {
        cutover_steps.push("promote".into());
    }
    for e in entries {
        let who = match &e.operator.ssh_client {
            Some(c) => format!("{}@{} (from {c})", e.operator.user, e.operator.host),
            None => format!("{}@{}", e.operator.user, e.operator.host),
        };
        if !r.operators.contains(&who) {
            r.operators.push(who);
        }
        let step_id = e.step.clone().unwrap_or_default();
        let needs_new = r
            .steps
            .last()
            .is_none_or(|s| s.step != step_id || s.ended.is_some());
        if needs_new
            && !matches!(
                e.event,
                Event::Started { .. }
                    | Event::Closed
                    | Event::Aborted { .. }
                    | Event::JournalRepaired { .. }
            )
        {
            let (title, target) = describe(runbook, &step_id);
            r.steps.push(StepReport {
                phase: e.phase.clone().unwrap_or_default(),
                step: step_id.clone(),
                title,
                started: step_start.unwrap_or(e.at),
                ended: None,
                seconds: None,
                target,
                outcome: "not finished".into(),
                details: Vec::new(),
            });
        }
        let cur = r.steps.last_mut();
        match (&e.event, cur) {
            (
                Event::Started {
                    drill,
                    region,
                    provider,
                    ..
                },
                _,
            ) => {
                r.drill = *drill;
                if region.is_some() || provider.is_some() {
                    r.area = Some(
                        crate::wizard::area::Area {
                            region: region.clone(),
                            provider: provider.clone(),
                        }
                        .label(),
                    );
                }
            }
            (Event::Closed, _) => {
                r.ended = Some(e.at);
                r.outcome = "completed".into();
            }
            (Event::Aborted { reason }, _) => {
                r.ended = Some(e.at);
                r.outcome = format!("aborted: {reason}");
            }
            (Event::StepDone { outcome }, Some(s)) => {
                s.ended = Some(e.at);
                s.seconds = Some((e.at - s.started).num_milliseconds() as f64 / 1000.0);
                s.outcome.clone_from(outcome);
                step_start = Some(e.at);
                // A bulk step recovers when its last pair has a result.
                let bulk = r.bulk.last().is_some_and(|b| b.step == s.step);
                if bulk && cutover_steps.contains(&s.step) && r.recovery.is_none() {
                    r.recovery = r.started.map(|st| {
                        (
                            (e.at - st).num_milliseconds() as f64 / 1000.0,
                            format!("`{}` done", s.step),
                        )
                    });
                }
            }
            (Event::GatePassed { values }, Some(s)) => {
                s.details.push(format!("gate held: {values}"));
            }
            (Event::GateOverridden { reason, values }, Some(s)) => {
                s.details
                    .push(format!("**overridden**: {reason} (values: {values})"));
                r.overrides
                    .push(format!("{}: {reason} (values: {values})", s.step));
            }
            (Event::InputRecorded { text }, Some(s)) => {
                s.details.push(format!("answer: {text}"));
                r.inputs.push((s.title.clone(), text.clone()));
            }
            (Event::WaitDone { how }, Some(s)) => s.details.push(format!("wait: {how}")),
            (Event::CheckConfirmed, Some(s)) => {
                s.details.push(format!("confirmed by {}", e.operator.user));
            }
            (
                Event::ActionIntent {
                    command,
                    lag,
                    lag_bytes,
                    cutover,
                    ..
                },
                Some(s),
            ) => {
                if *cutover && !cutover_steps.contains(&s.step) {
                    cutover_steps.push(s.step.clone());
                }
                s.details
                    .push(format!("intent (journaled before running): `{command}`"));
                // Until a result says otherwise, nobody saw it finish.
                s.outcome = UNKNOWN.into();
                if cutover_steps.contains(&s.step) {
                    // A lag no source can have (an older baton kept it) is no
                    // data-loss window, and no RPO is judged on it.
                    // The worst of several cutovers is the data-loss window.
                    r.lag_at_cutover = worst(r.lag_at_cutover, lag.filter(|l| possible(*l)));
                    r.lag_bytes_at_cutover =
                        worst(r.lag_bytes_at_cutover, lag_bytes.filter(|b| possible(*b)));
                    if let Some(l) = lag.filter(|l| !(l.is_finite() && *l >= 0.0)) {
                        r.damage.push(format!(
                            "the lag journaled with `{}` is {l}, not a possible lag",
                            s.step
                        ));
                    }
                }
            }
            (
                Event::ActionResult {
                    ok,
                    status,
                    output,
                    millis,
                },
                Some(s),
            ) => {
                s.details.push(format!(
                    "{}: {status} in {millis} ms",
                    if *ok { "succeeded" } else { "FAILED" }
                ));
                s.outcome = if *ok { "succeeded" } else { "failed" }.into();
                let excerpt: Vec<&str> = output
                    .lines()
                    .filter(|l| !l.trim().is_empty())
                    .take(5)
                    .collect();
                if !excerpt.is_empty() {
                    s.details.push(format!("output: {}", excerpt.join(" / ")));
                }
                // Several cutovers (a regional runbook: the database, then
                // the cache, then DNS): recovered when the last succeeded.
                if *ok && cutover_steps.contains(&s.step) {
                    r.recovery = r.started.map(|st| {
                        (
                            (e.at - st).num_milliseconds() as f64 / 1000.0,
                            format!("`{}` succeeded", s.step),
                        )
                    });
                }
            }
            (
                Event::Notified {
                    channel,
                    target,
                    text,
                    response,
                    sent,
                    due,
                    late,
                    ..
                },
                Some(s),
            ) => {
                let when = match due {
                    Some(d) if *late => format!(
                        ", **LATE** by {}s (due {})",
                        (*sent - *d).num_seconds(),
                        d.format("%H:%M:%SZ")
                    ),
                    Some(d) => format!(" within its deadline (due {})", d.format("%H:%M:%SZ")),
                    None => String::new(),
                };
                s.details
                    .push(format!("sent to {channel} ({target}){when}: {response}"));
                r.notifications.push(NotificationReport {
                    step: s.step.clone(),
                    channel: channel.clone(),
                    target: target.clone(),
                    at: *sent,
                    ok: true,
                    due: *due,
                    late: *late,
                    response: response.clone(),
                    text: text.clone(),
                });
            }
            (
                Event::NotifyFailed {
                    channel,
                    target,
                    text,
                    error,
                },
                Some(s),
            ) => {
                s.details
                    .push(format!("**not sent** to {channel} ({target}): {error}"));
                r.notifications.push(NotificationReport {
                    step: s.step.clone(),
                    channel: channel.clone(),
                    target: target.clone(),
                    at: e.at,
                    ok: false,
                    due: None,
                    late: false,
                    response: error.clone(),
                    text: text.clone(),
                });
            }
            (
                Event::Silenced {
                    source,
                    id,
                    matchers,
                    until,
                },
                Some(s),
            ) => {
                let m: Vec<String> = matchers.iter().map(|(k, v)| format!("{k}={v}")).collect();
                s.details.push(format!(
                    "silence {id} in {source} for {} until {}",
                    m.join(", "),
                    until.format("%Y-%m-%d %H:%M:%SZ")
                ));
                r.silences
                    .push((id.clone(), source.clone(), m.join(", "), *until));
            }
            (
                Event::BulkPlan {
                    pairs,
                    escalated,
                    ineligible,
                },
                Some(s),
            ) => {
                s.details.push(format!(
                    "plan: {} to fail over, {} escalated, {} not eligible",
                    pairs.len(),
                    escalated.len(),
                    ineligible.len()
                ));
                r.bulk.push(BulkReport {
                    step: s.step.clone(),
                    planned: pairs.len(),
                    escalated: escalated.clone(),
                    ineligible: ineligible.clone(),
                    ..BulkReport::default()
                });
            }
            (Event::BulkIntent { pair, lag, .. }, Some(s)) => {
                if let Some(b) = r.bulk.last_mut() {
                    b.started.push(pair.clone());
                }
                // The worst pair's lag is the bulk step's data-loss window.
                if let Some(l) = lag
                    && cutover_steps.contains(&s.step)
                {
                    r.lag_at_cutover = Some(r.lag_at_cutover.map_or(*l, |x: f64| x.max(*l)));
                }
            }
            (
                Event::BulkResult {
                    pair, ok, status, ..
                },
                Some(_),
            ) => {
                if let Some(b) = r.bulk.last_mut() {
                    b.resulted.push(pair.clone());
                    if *ok {
                        b.ok += 1;
                    } else {
                        b.failed.push((pair.clone(), status.clone()));
                    }
                }
            }
            (Event::BulkSkipped { pair, reason }, Some(_)) => {
                if let Some(b) = r.bulk.last_mut() {
                    b.failed.push((pair.clone(), format!("not run: {reason}")));
                }
            }
            (ev, Some(s)) if let Some(d) = read::coordination(ev) => s.details.push(d),
            (Event::ActionUnknown { reason }, Some(s)) => {
                s.details.push(format!("**OUTCOME UNKNOWN**: {reason}"));
                s.outcome = UNKNOWN.into();
            }
            (Event::Torn { line, .. }, Some(s)) => {
                s.details.push(format!(
                    "**journal line {line} is torn**: it may be an intent; what it did is unknown"
                ));
                if s.outcome == "not finished" {
                    s.outcome = UNKNOWN.into();
                }
            }
            (Event::ActionRefused { fact, hard, .. }, Some(s)) => {
                s.details.push(format!(
                    "**refused by the safety rules**: {fact}{}",
                    if *hard { " (no override)" } else { "" }
                ));
            }
            (Event::RulesOverridden { facts, reason, .. }, Some(s)) => {
                s.details.push(format!(
                    "**safety rules overridden**: {} — reason: {reason}",
                    facts.join("; ")
                ));
                r.overrides
                    .push(format!("{}: rules {} — {reason}", s.step, facts.join("; ")));
            }
            (Event::ActionVerified { ok, note }, Some(s)) => {
                s.outcome = if *ok {
                    "verified ok"
                } else {
                    "verified failed"
                }
                .into();
                s.details.push(format!(
                    "verified by the operator: {} ({note})",
                    if *ok {
                        "it happened"
                    } else {
                        "it did not happen"
                    }
                ));
                if *ok && cutover_steps.contains(&s.step) {
                    r.recovery = r.started.map(|st| {
                        (
                            (e.at - st).num_milliseconds() as f64 / 1000.0,
                            format!("`{}` verified", s.step),
                        )
                    });
                }
            }
            _ => {}
        }
    }
    // An intent with no result: the session ended while it ran.
    for b in &mut r.bulk {
        let unknown: Vec<String> = b
            .started
            .iter()
            .filter(|p| !b.resulted.contains(p))
            .cloned()
            .collect();
        for p in unknown {
            b.failed.push((
                p,
                "OUTCOME UNKNOWN: intent journaled, no result; check it".into(),
            ));
        }
    }
    for s in &r.steps {
        let Some(end) = s.ended else { continue };
        let target = runbook
            .and_then(|rb| rb.phases.iter().find(|p| p.id == s.phase))
            .and_then(|p| p.target.map(crate::config::Dur::as_secs_f64));
        match r.phases.iter_mut().find(|(id, _, _)| *id == s.phase) {
            Some(p) => {
                p.1 = (end
                    - r.steps
                        .iter()
                        .find(|x| x.phase == s.phase)
                        .map_or(end, |x| x.started))
                .num_milliseconds() as f64
                    / 1000.0;
            }
            None => r.phases.push((
                s.phase.clone(),
                (end - s.started).num_milliseconds() as f64 / 1000.0,
                target,
            )),
        }
    }
    if r.recovery.is_none()
        && r.outcome == "completed"
        && let (Some(st), Some(en)) = (r.started, r.ended)
    {
        r.recovery = Some((
            (en - st).num_milliseconds() as f64 / 1000.0,
            "the incident closed (no cutover step)".into(),
        ));
    }
    r
}

const UNKNOWN: &str = "OUTCOME UNKNOWN: intent journaled, no result";

impl Report {
    /// The RTO verdict, only on a whole journal and a reached recovery.
    pub fn rto_met(&self) -> Option<bool> {
        let (secs, _) = self.recovery.as_ref()?;
        (self.damage.is_empty()).then_some(*secs <= self.rto?)
    }

    /// The RPO verdict: only once the cutover succeeded, on a whole journal.
    pub fn rpo_met(&self) -> Option<bool> {
        self.recovery.as_ref()?;
        (self.damage.is_empty()).then_some(self.lag_at_cutover? <= self.rpo?)
    }
}

fn describe(runbook: Option<&Arc<Runbook>>, step: &str) -> (String, Option<f64>) {
    let Some(s) =
        runbook.and_then(|rb| rb.steps().find(|(_, _, s)| s.id == step).map(|(_, _, s)| s))
    else {
        return (step.to_string(), None);
    };
    let target = match s.kind {
        StepKind::Wait => s.duration.or(s.timeout).or(s.deadline),
        _ => s.deadline,
    };
    (s.title.clone(), target.map(crate::config::Dur::as_secs_f64))
}

/// A lag a source can have: finite, not negative.
fn possible(l: f64) -> bool {
    l.is_finite() && l >= 0.0
}

fn worst(old: Option<f64>, new: Option<f64>) -> Option<f64> {
    match (old, new) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => b.or(a),
    }
}
