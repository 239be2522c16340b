//! `baton schedule`: maintenance windows. Schedules a runbook on a target
//! for a time, lists the windows with what comes due when, moves or
//! cancels one with a reason. Every change is a journaled record; a
//! window whose incident has started no longer moves.

use std::fmt::Write as _;
use std::process::ExitCode;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use color_eyre::eyre::Result;

use super::Cli;
use crate::config;
use crate::effects::{journal, windows};
use crate::state::Model;
use crate::text::escape_controls;
use crate::wizard::incident::{Entry, Event};
use crate::wizard::runbook::Runbook;
use crate::wizard::window::{self, Change, Record, TargetRef, Window};

/// What `baton schedule` was asked to do.
pub enum Ask<'a> {
    List,
    Add {
        runbook: &'a str,
        target: &'a str,
        at: &'a str,
    },
    Move {
        window: &'a str,
        to: &'a str,
    },
    Cancel {
        window: &'a str,
    },
}

pub fn run(
    cli: &Cli,
    ask: &Ask<'_>,
    reason: Option<&str>,
    wait: std::time::Duration,
) -> Result<ExitCode> {
    let (path, cfg) = match super::located_config(cli) {
        Ok(found) => found,
        Err(code) => return Ok(code),
    };
    let dir = journal::expand(&cfg.console.journal_dir);
    let (templates, _) = config::templates::load_all(&cfg, path.parent());
    let (runbooks, _) = config::runbooks::load_all(&cfg, path.parent(), &templates);
    // The journals, read once: which windows an incident was started in.
    let all = journal::all(&dir);
    let history: Vec<Entry> = all.iter().flat_map(|(_, e)| e.iter().cloned()).collect();
    let (mut existing, problems) = windows::load(&dir);
    crate::wizard::machine::mark_started(&mut existing, &history);
    for p in &problems {
        eprintln!("baton: warning: {}", escape_controls(p));
    }
    let now = Utc::now();
    let by = crate::app::operator_from_env().label();
    let fail = |why: String| {
        eprintln!("baton: {}", escape_controls(&why));
        Ok(ExitCode::from(2))
    };
    let needs_reason = || {
        reason
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(str::to_string)
            .ok_or_else(|| "say why with --reason: the change is journaled with it".to_string())
    };
    let record = match ask {
        Ask::List => {
            super::emit(&list(&existing, &runbooks, &history, now))?;
            return Ok(ExitCode::SUCCESS);
        }
        Ask::Add {
            runbook,
            target,
            at,
        } => {
            let Some(rb) = runbooks.iter().find(|r| r.id == *runbook) else {
                let ids: Vec<&str> = runbooks.iter().map(|r| r.id.as_str()).collect();
                return fail(format!(
                    "no runbook `{runbook}`; runbooks: {}",
                    ids.join(", ")
                ));
            };
            let opens = match window::parse_time(at, now) {
                Ok(t) => t,
                Err(e) => return fail(e),
            };
            let cfg = Arc::new(cfg.clone());
            // The config's pairs and regions first; the sources only when
            // the target is one they discover.
            let known = Model::new(Arc::clone(&cfg), now);
            let resolved = crate::wizard::plan::target(&known, rb, target).or_else(|_| {
                let model = super::runtime()
                    .map_err(|e| e.to_string())?
                    .block_on(super::plan::observe(&cfg, wait));
                crate::wizard::plan::target(&model, rb, target)
            });
            let t = match resolved {
                Ok(t) => t,
                Err(e) => return fail(e),
            };
            if let Some(w) = existing
                .iter()
                .find(|w| w.is_open() && w.runbook == rb.id && w.target == t && w.started.is_none())
            {
                return fail(format!(
                    "{} already schedules {} on {} at {}: move it with --move",
                    w.id,
                    rb.id,
                    t.label(),
                    w.opens.format("%Y-%m-%d %H:%M UTC")
                ));
            }
            Record {
                at: now,
                window: window::new_id(&t, opens, &existing),
                by,
                change: Change::Scheduled {
                    runbook: rb.id.clone(),
                    target: TargetRef::of(&t),
                    opens,
                    reason: reason.unwrap_or_default().trim().to_string(),
                },
            }
        }
        Ask::Move { window: id, .. } | Ask::Cancel { window: id } => {
            let Some(w) = existing.iter().find(|w| w.id == *id) else {
                let ids: Vec<&str> = existing.iter().map(|w| w.id.as_str()).collect();
                return fail(format!("no window `{id}`; windows: {}", ids.join(", ")));
            };
            if let Some(why) = &w.cancelled {
                return fail(format!("{id} was cancelled ({why})"));
            }
            if let Some(inc) = &w.started {
                return fail(format!(
                    "{id} has started as {inc}: go on or abort it in the console"
                ));
            }
            let reason = match needs_reason() {
                Ok(r) => r,
                Err(e) => return fail(e),
            };
            let change = match ask {
                Ask::Move { to, .. } => match window::parse_time(to, now) {
                    Ok(t) => Change::Moved {
                        from: w.opens,
                        to: t,
                        reason,
                    },
                    Err(e) => return fail(e),
                },
                _ => Change::Cancelled { reason },
            };
            Record {
                at: now,
                window: w.id.clone(),
                by,
                change,
            }
        }
    };
    if let Err(e) = windows::append(&dir, &record) {
        return fail(e);
    }
    let (mut after, _) = windows::load(&dir);
    crate::wizard::machine::mark_started(&mut after, &history);
    after.retain(|w| w.id == record.window);
    super::emit(&list(&after, &runbooks, &history, now))?;
    Ok(ExitCode::SUCCESS)
}

/// "INC-… (aborted: why)", "INC-… (closed)" or "INC-…": what became of it.
fn outcome(history: &[Entry], incident: &str) -> String {
    let end = history
        .iter()
        .filter(|e| e.incident == incident)
        .find_map(|e| match &e.event {
            Event::Aborted { reason } => Some(format!(" (aborted: {reason})")),
            Event::Closed => Some(" (closed)".to_string()),
            _ => None,
        });
    format!("{incident}{}", end.unwrap_or_default())
}

/// Each window: its runbook and target, when it opens, what comes due
/// when, what became of it.
pub fn list(
    windows: &[Window],
    runbooks: &[Runbook],
    history: &[Entry],
    now: DateTime<Utc>,
) -> String {
    let mut s = String::new();
    if windows.is_empty() {
        s.push_str("no maintenance windows scheduled\n");
    }
    let fmt = |t: DateTime<Utc>| t.format("%Y-%m-%d %H:%M UTC").to_string();
    let when = |t: DateTime<Utc>| {
        if t <= now {
            "due now".to_string()
        } else {
            format!("in {}", window::until(now, t))
        }
    };
    for w in windows {
        let _ = writeln!(s, "{}  {} on {}", w.id, w.runbook, w.target.label());
        let state = if let Some(why) = &w.cancelled {
            format!("cancelled: {why}")
        } else if let Some(inc) = &w.started {
            format!("started as {}", outcome(history, inc))
        } else {
            "scheduled".to_string()
        };
        let _ = writeln!(s, "  opens {} ({}) · {state}", fmt(w.opens), when(w.opens));
        match runbooks.iter().find(|r| r.id == w.runbook) {
            Some(rb) => {
                let scheduled = w.history.first().map_or(now, |r| r.at);
                for p in window::preparation(rb, w.opens) {
                    // Scheduled closer than the lead time the runbook asks.
                    let late = if p.due < scheduled {
                        format!(
                            "; late: the window was {} away when scheduled",
                            window::until(scheduled, w.opens)
                        )
                    } else {
                        String::new()
                    };
                    let _ = writeln!(
                        s,
                        "  prepare: {} ({} before) due {} ({}{late})",
                        p.title,
                        window::span(p.before),
                        fmt(p.due),
                        when(p.due)
                    );
                }
            }
            None => {
                let _ = writeln!(s, "  runbook {} is not loaded", w.runbook);
            }
        }
        for r in &w.history {
            let what = match &r.change {
                Change::Scheduled { reason, .. } if reason.is_empty() => "scheduled".to_string(),
                Change::Scheduled { reason, .. } => format!("scheduled: {reason}"),
                Change::Moved { from, to, reason } => {
                    format!("moved from {} to {}: {reason}", fmt(*from), fmt(*to))
                }
                Change::Cancelled { reason } => format!("cancelled: {reason}"),
            };
            let _ = writeln!(s, "  {} {} by {}", fmt(r.at), what, r.by);
        }
    }
    escape_controls(&s).into_owned()
}
