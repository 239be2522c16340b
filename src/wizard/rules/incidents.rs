//! The safety rules that read other incidents and the journal: one
//! failover per pair, an instance in one failover, `max_concurrent`,
//! cooldown and the per-day limit; and the whole judgement of a promote.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::{Check, Level, standby};
use crate::state::Model;
use crate::wizard::incident::{Entry, Event, Incident};
use crate::wizard::runbook::Runbook;

/// What the rules about other failovers and the pair's history need.
pub struct Ctx<'a> {
    pub model: &'a Model,
    pub incidents: &'a [Incident],
    /// Open failovers of other consoles (coordination on etcd).
    pub elsewhere: &'a [Incident],
    /// Journal entries of past and present incidents.
    pub history: &'a [Entry],
    pub runbooks: &'a [Arc<Runbook>],
}

/// Open failovers (follow-up checklists hold no lock and do not count),
/// other than `except`.
fn open_failovers<'a>(
    ctx: &'a Ctx<'_>,
    except: Option<&'a str>,
) -> impl Iterator<Item = &'a Incident> + 'a {
    ctx.incidents
        .iter()
        .chain(ctx.elsewhere)
        .filter(move |i| i.is_open() && i.runbook.lock && Some(i.id.as_str()) != except)
}

/// An incident's id, and the console it runs on when that is another.
fn named(ctx: &Ctx<'_>, i: &Incident) -> String {
    if ctx.elsewhere.iter().any(|e| e.id == i.id) {
        format!("{} ({} on another console)", i.id, i.operator.label())
    } else {
        i.id.clone()
    }
}

/// The rules about other failovers: one failover of a pair at a time, an
/// instance in one failover at a time (never both members of a pair), at
/// most `max_concurrent` at once. All hard. `except` is the incident
/// asking, which does not count against itself.
pub fn others(ctx: &Ctx<'_>, pair: &str, except: Option<&str>) -> Vec<Check> {
    let mut out = Vec::new();
    let open: Vec<&Incident> = open_failovers(ctx, except).collect();
    out.push(
        // A region runbook's `pair` steps hold their pair as a pair
        // incident does.
        match open.iter().find(|i| {
            i.pair.as_deref() == Some(pair) || i.runbook.named_pairs().iter().any(|p| p == pair)
        }) {
            Some(i) => Check::new(
                "one_failover_per_pair",
                Level::Hard,
                format!("{} is already failing over {pair}", named(ctx, i)),
            ),
            None => Check::new(
                "one_failover_per_pair",
                Level::Holds,
                format!("no other failover of {pair} is open"),
            ),
        },
    );
    let members = |id: &str| {
        ctx.model.pair(id).map(|p| {
            std::iter::once(p.primary.id.clone())
                .chain(p.standby.iter().map(|s| s.id.clone()))
                .collect::<Vec<_>>()
        })
    };
    let mine = members(pair).unwrap_or_default();
    let shared = open.iter().find_map(|i| {
        let other = i.pair.as_deref().filter(|p| *p != pair)?;
        let theirs = members(other)?;
        mine.iter()
            .find(|m| theirs.contains(m))
            .map(|m| (i.id.clone(), other.to_string(), m.clone()))
    });
    if let Some((id, other, inst)) = shared {
        out.push(Check::new(
            "instance_in_one_failover",
            Level::Hard,
            format!("{inst} is also a member of {other}, which {id} is failing over"),
        ));
    }
    let limit = ctx.model.config.limits.max_concurrent as usize;
    let n = open.len();
    out.push(if n >= limit {
        Check::new(
            "max_concurrent",
            Level::Hard,
            format!("{n} failovers open ≥ max_concurrent {limit}"),
        )
    } else {
        Check::new(
            "max_concurrent",
            Level::Holds,
            format!("{n} other failovers open < max_concurrent {limit}"),
        )
    });
    out
}

/// The pair's promotions in the journal: the last one, and how many today
/// (UTC). A promotion is a successful (or verified) `promote` action of any
/// runbook, or a bulk step's success for the pair.
pub fn promotions(ctx: &Ctx<'_>, pair: &str) -> (Option<DateTime<Utc>>, usize) {
    let now = ctx.model.now;
    let promotes = |e: &Entry| {
        let step = e.step.as_deref().unwrap_or_default();
        ctx.runbooks
            .iter()
            .find(|r| r.id == e.runbook)
            .and_then(|r| r.steps().find(|(_, _, s)| s.id == step))
            .map_or(step == "promote", |(_, _, s)| s.promote)
    };
    let times: Vec<DateTime<Utc>> = ctx
        .history
        .iter()
        .filter(|e| match &e.event {
            Event::ActionResult { ok: true, .. } | Event::ActionVerified { ok: true, .. } => {
                e.pair.as_deref() == Some(pair) && promotes(e)
            }
            Event::BulkResult {
                pair: p, ok: true, ..
            } => p == pair,
            _ => false,
        })
        .map(|e| e.at)
        .collect();
    let today = times
        .iter()
        .filter(|t| t.date_naive() == now.date_naive())
        .count();
    (times.into_iter().max(), today)
}

/// Flapping protection (seed 002): `cooldown` since the pair's last
/// promotion and `max_per_day` promotions. Soft: a typed reason passes.
pub fn history(ctx: &Ctx<'_>, pair: &str) -> Vec<Check> {
    let limits = &ctx.model.config.limits;
    let (last, today) = promotions(ctx, pair);
    let mut out = Vec::new();
    let since = last.map(|l| (ctx.model.now - l).to_std().unwrap_or_default());
    out.push(match since {
        Some(s) if s < limits.cooldown.0 => Check::new(
            "cooldown",
            Level::Soft,
            format!(
                "{pair} was failed over {} ago < cooldown {}",
                humantime::format_duration(std::time::Duration::from_secs(s.as_secs())),
                limits.cooldown
            ),
        ),
        Some(s) => Check::new(
            "cooldown",
            Level::Holds,
            format!(
                "last failover {} ago ≥ cooldown {}",
                humantime::format_duration(std::time::Duration::from_secs(s.as_secs())),
                limits.cooldown
            ),
        ),
        None => Check::new(
            "cooldown",
            Level::Holds,
            format!("no failover of {pair} in the journal"),
        ),
    });
    let max = limits.max_per_day as usize;
    out.push(if today >= max {
        Check::new(
            "max_per_day",
            Level::Soft,
            format!("{today} failovers of {pair} today ≥ max_per_day {max}"),
        )
    } else {
        Check::new(
            "max_per_day",
            Level::Holds,
            format!("{today} failovers of {pair} today < max_per_day {max}"),
        )
    });
    out
}

/// Every rule for promoting the pair's standby now, asked by `incident`.
pub fn promotion(ctx: &Ctx<'_>, pair: &str, incident: Option<&str>) -> Vec<Check> {
    let mut out = match ctx.model.pair(pair) {
        Some(p) => standby(ctx.model, p),
        None => vec![Check::new(
            "standby_present",
            Level::Hard,
            format!("{pair} is not reported by any source"),
        )],
    };
    out.extend(others(ctx, pair, incident));
    out.extend(history(ctx, pair));
    out
}
