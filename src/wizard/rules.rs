//! The safety rules of a failover, in one place. Every rule is judged as a
//! fact ("score 60 < standby_min 70") with a level: hard rules are never
//! overridable, soft rules pass only with a typed reason that is journaled
//! and reported (a bulk step escalates or skips instead), warnings inform.
//! The pair wizard, failback, bulk steps and the wizard's drawing all call
//! these functions, so what is drawn is what is enforced.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::incident::{Entry, Event, Incident};
use super::runbook::Runbook;
use crate::state::{Model, Pair};

/// How a rule stands now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Holds,
    /// Lag over lag_warn: said, not blocking.
    Warning,
    /// Blocks unless the operator gives a typed reason (journaled).
    Soft,
    /// Blocks, whatever anyone types.
    Hard,
}

/// One rule judged now, worded as the fact it found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// Stable id, journaled with a refusal or an override.
    pub rule: &'static str,
    pub level: Level,
    pub fact: String,
}

impl Check {
    fn new(rule: &'static str, level: Level, fact: String) -> Self {
        Self { rule, level, fact }
    }

    pub fn blocks(&self) -> bool {
        matches!(self.level, Level::Soft | Level::Hard)
    }
}

/// Statuses a standby may report and still be promoted (seed 000's
/// GatewayForge reports ACTIVE and STANDBY); a status never reported
/// leaves the decision to the score and the failure checks.
const READY: [&str; 2] = ["ACTIVE", "STANDBY"];

/// The standby against the rules that need only the live model: present,
/// up, a serving status, a fresh score ≥ standby_min, lag against
/// lag_abort and lag_warn, and its provider against the primary's.
pub fn standby(model: &Model, p: &Pair) -> Vec<Check> {
    let t = &model.config.thresholds;
    let mut out = Vec::new();
    let Some(sb) = &p.standby else {
        out.push(Check::new(
            "standby_present",
            Level::Hard,
            format!("{} has no standby", p.id),
        ));
        return out;
    };
    out.push(if sb.down {
        Check::new(
            "standby_up",
            Level::Hard,
            format!(
                "standby {} is down{}",
                sb.id,
                sb.error
                    .as_ref()
                    .map(|e| format!(" ({e})"))
                    .unwrap_or_default()
            ),
        )
    } else {
        Check::new(
            "standby_up",
            Level::Holds,
            format!("standby {} is up", sb.id),
        )
    });
    let status = sb.status.to_uppercase();
    out.push(if status == "UNKNOWN" || READY.contains(&status.as_str()) {
        Check::new(
            "standby_status",
            Level::Holds,
            format!("standby status {}", sb.status),
        )
    } else {
        Check::new(
            "standby_status",
            Level::Hard,
            format!("standby status {}, not ACTIVE or STANDBY", sb.status),
        )
    });
    let min = t.standby_min;
    out.push(match sb.effective_score() {
        Some(s) if s >= min => Check::new(
            "standby_min",
            Level::Holds,
            format!("score {s:.0} ≥ standby_min {min:.0}"),
        ),
        Some(s) => Check::new(
            "standby_min",
            Level::Hard,
            format!("score {s:.0} < standby_min {min:.0}"),
        ),
        None => Check::new(
            "standby_min",
            Level::Hard,
            format!("score unknown: a promotion needs a score ≥ standby_min {min:.0}"),
        ),
    });
    let (warn, abort) = (t.lag_warn.as_secs_f64(), t.lag_abort.as_secs_f64());
    out.push(match p.lag {
        Some(l) if l > abort => Check::new(
            "lag_abort",
            Level::Soft,
            format!("lag {l:.1}s > lag_abort {}", t.lag_abort),
        ),
        Some(l) if l > warn => Check::new(
            "lag_abort",
            Level::Warning,
            format!(
                "lag {l:.1}s > lag_warn {} (≤ lag_abort {})",
                t.lag_warn, t.lag_abort
            ),
        ),
        Some(l) => Check::new(
            "lag_abort",
            Level::Holds,
            format!("lag {l:.1}s ≤ lag_warn {}", t.lag_warn),
        ),
        None => Check::new(
            "lag_abort",
            Level::Warning,
            "lag unknown: the data-loss window cannot be told".into(),
        ),
    });
    let known = |x: &str| !x.is_empty() && x != "?";
    out.push(if !known(&sb.provider) || !known(&p.primary.provider) {
        Check::new(
            "provider",
            Level::Warning,
            format!(
                "provider unknown (standby on {}, primary on {}): a shared provider cannot be ruled out",
                show(&sb.provider),
                show(&p.primary.provider)
            ),
        )
    } else if sb.provider == p.primary.provider {
        Check::new(
            "provider",
            Level::Soft,
            format!(
                "standby {} is on {}, the primary's provider",
                sb.id, sb.provider
            ),
        )
    } else {
        Check::new(
            "provider",
            Level::Holds,
            format!("standby on {}, primary on {}", sb.provider, p.primary.provider),
        )
    });
    out
}

fn show(s: &str) -> &str {
    if s.is_empty() { "?" } else { s }
}

/// What the rules about other failovers and the pair's history need.
pub struct Ctx<'a> {
    pub model: &'a Model,
    pub incidents: &'a [Incident],
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
        .filter(move |i| i.is_open() && i.runbook.lock && Some(i.id.as_str()) != except)
}

/// The rules about other failovers: one failover of a pair at a time, an
/// instance in one failover at a time (never both members of a pair), at
/// most `max_concurrent` at once. All hard. `except` is the incident
/// asking, which does not count against itself.
pub fn others(ctx: &Ctx<'_>, pair: &str, except: Option<&str>) -> Vec<Check> {
    let mut out = Vec::new();
    let open: Vec<&Incident> = open_failovers(ctx, except).collect();
    out.push(
        match open.iter().find(|i| i.pair.as_deref() == Some(pair)) {
            Some(i) => Check::new(
                "one_failover_per_pair",
                Level::Hard,
                format!("{} is already failing over {pair}", i.id),
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

/// The first hard rule that fails, if any.
pub fn hard(checks: &[Check]) -> Option<&Check> {
    checks.iter().find(|c| c.level == Level::Hard)
}

/// Soft rules that fail and are not passed by `overridden` (rule ids).
pub fn soft<'a>(checks: &'a [Check], overridden: &[String]) -> Vec<&'a Check> {
    checks
        .iter()
        .filter(|c| c.level == Level::Soft && !overridden.iter().any(|o| o == c.rule))
        .collect()
}

#[cfg(test)]
mod tests;
