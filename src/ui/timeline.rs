//! The incident timeline: every journal entry with its time, the time since
//! the previous one, where it happened and what it says.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use super::{muted, overlay_frame, scrolled, styled};
use crate::app::App;
use crate::theme::Role;
use crate::wizard::incident::{Entry, Event};

/// One line of text for an event's details.
pub fn summary(e: &Entry) -> (String, Role) {
    match &e.event {
        Event::Started { title, drill, .. } => (
            format!("started {title}{}", if *drill { " (DRILL)" } else { "" }),
            Role::Info,
        ),
        Event::CheckConfirmed => ("confirmed".into(), Role::Ok),
        Event::GatePassed { values } => (format!("gate passed: {values}"), Role::Ok),
        Event::GateOverridden { reason, values } => {
            (format!("OVERRIDDEN: {reason} ({values})"), Role::Warn)
        }
        Event::InputRecorded { text } => (format!("answer: {text}"), Role::Text),
        Event::WaitDone { how } => (format!("wait done: {how}"), Role::Ok),
        Event::ActionIntent { command, lag, .. } => (
            format!(
                "intent: {command}{}",
                lag.map(|l| format!(" (lag {l:.1}s)")).unwrap_or_default()
            ),
            Role::Info,
        ),
        Event::ActionResult {
            ok: true,
            status,
            millis,
            ..
        } => (format!("succeeded: {status} in {millis} ms"), Role::Ok),
        Event::ActionResult { status, millis, .. } => (
            format!("FAILED: {status} after {millis} ms"),
            Role::Critical,
        ),
        Event::ActionRefused { fact, hard, .. } => (
            format!(
                "REFUSED: {fact}{}",
                if *hard { " (no override)" } else { "" }
            ),
            Role::Critical,
        ),
        Event::RulesOverridden { facts, reason, .. } => (
            format!("RULES OVERRIDDEN: {} — {reason}", facts.join("; ")),
            Role::Warn,
        ),
        Event::ActionUnknown { reason } => (format!("OUTCOME UNKNOWN: {reason}"), Role::Critical),
        Event::ActionVerified { ok, note } => (
            format!("verified {}: {note}", if *ok { "ok" } else { "FAILED" }),
            if *ok { Role::Ok } else { Role::Critical },
        ),
        Event::Notified {
            channel,
            late,
            due,
            sent,
            ..
        } => {
            let when = match due {
                Some(d) if *late => format!(", LATE by {}s", (*sent - *d).num_seconds()),
                Some(d) => format!(", {}s before its deadline", (*d - *sent).num_seconds()),
                None => String::new(),
            };
            (
                format!("sent to {channel}{when}"),
                if *late { Role::Warn } else { Role::Ok },
            )
        }
        Event::NotifyFailed { channel, error, .. } => {
            (format!("NOT SENT to {channel}: {error}"), Role::Critical)
        }
        Event::BulkPlan {
            pairs,
            escalated,
            ineligible,
        } => (
            format!(
                "bulk plan: {} to fail over, {} to escalate, {} not eligible",
                pairs.len(),
                escalated.len(),
                ineligible.len()
            ),
            Role::Info,
        ),
        Event::BulkIntent { pair, command, .. } => {
            (format!("{pair}: intent {command}"), Role::Info)
        }
        Event::BulkResult {
            pair,
            ok: true,
            status,
            ..
        } => (format!("{pair}: succeeded ({status})"), Role::Ok),
        Event::BulkResult { pair, status, .. } => {
            (format!("{pair}: FAILED ({status})"), Role::Critical)
        }
        Event::BulkResumed => ("bulk step resumed by the operator".into(), Role::Warn),
        Event::BulkSkipped { pair, reason } => (format!("{pair}: skipped: {reason}"), Role::Warn),
        Event::BulkProgress {
            done,
            ok,
            failed,
            total,
        } => (
            format!("progress: {done}/{total} done, {ok} ok, {failed} failed"),
            Role::Info,
        ),
        Event::Silenced {
            source,
            id,
            matchers,
            until,
        } => (
            format!(
                "silence {id} in {source} for {} until {}",
                matchers
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join(", "),
                until.format("%H:%M:%SZ")
            ),
            Role::Info,
        ),
        Event::StepDone { outcome } => (format!("step done: {outcome}"), Role::Muted),
        Event::JournalRepaired { torn_bytes } => (
            format!("journal repaired: a torn line of {torn_bytes} bytes was ended"),
            Role::Warn,
        ),
        Event::Torn { line, event, .. } => (
            format!(
                "TORN journal line {line}{}",
                event
                    .as_ref()
                    .map(|e| format!(" ({e})"))
                    .unwrap_or_default()
            ),
            Role::Critical,
        ),
        Event::Aborted { reason } => (format!("ABORTED: {reason}"), Role::Critical),
        Event::Closed => ("closed".into(), Role::Ok),
        Event::ActionNotRun { reason } => (format!("NOT RUN: {reason}"), Role::Critical),
        Event::ApprovalRequested { request, command } => (
            format!("approval {request} asked of a second operator: {command}"),
            Role::Warn,
        ),
        Event::Approved { request, by, .. } => (
            format!("approval {request} given by {}", by.label()),
            Role::Ok,
        ),
        Event::ApprovalRefused {
            request,
            by,
            reason,
        } => (
            format!("approval {request} REFUSED by {}: {reason}", by.label()),
            Role::Critical,
        ),
        Event::TakenOver { from, reason } => (
            format!("taken over from {}: {reason}", from.label()),
            Role::Warn,
        ),
    }
}

pub fn draw(f: &mut Frame, area: Rect, app: &App) {
    let Some(inc) = app.wizard.focused() else {
        return;
    };
    let inner = overlay_frame(
        f,
        area,
        app,
        &format!("Timeline · {}", inc.id),
        &super::overlay_keys(app),
    );
    let t = &app.theme;
    let mut prev = inc.started;
    let lines: Vec<Line<'static>> = inc
        .entries
        .iter()
        .map(|e| {
            let gap = (e.at - prev).num_milliseconds().max(0) as f64 / 1000.0;
            prev = e.at;
            let since = (e.at - inc.started).num_seconds().max(0);
            let (text, role) = summary(e);
            Line::from(vec![
                styled(
                    format!("{} ", e.at.format("%H:%M:%SZ")),
                    t.style(Role::Timer),
                ),
                muted(
                    app,
                    format!("T+{}:{:02} (+{gap:.1}s) ", since / 60, since % 60),
                ),
                styled(
                    format!(
                        "{:<22}",
                        format!(
                            "{}/{}",
                            e.phase.clone().unwrap_or_default(),
                            e.step.clone().unwrap_or_default()
                        )
                    ),
                    t.style(Role::Text),
                ),
                styled(text, t.style(role)),
                muted(app, format!("  — {}", e.operator.user)),
            ])
        })
        .collect();
    f.render_widget(
        Paragraph::new(scrolled(lines, app.view.overlay_scroll, inner.height)),
        inner,
    );
}
