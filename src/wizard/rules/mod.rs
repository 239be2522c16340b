//! The safety rules of a failover, in one place. Every rule is judged as a
//! fact ("score 60 < standby_min 70") with a level: hard rules are never
//! overridable, soft rules pass only with a typed reason that is journaled
//! and reported (a bulk step escalates or skips instead), warnings inform.
//! The pair wizard, failback, bulk steps and the wizard's drawing all call
//! these functions, so what is drawn is what is enforced.

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
    if let Some(b) = p.lag_bytes {
        let abort = t.lag_bytes_abort as f64;
        let (shown, limit) = (crate::text::bytes(b), crate::text::bytes(abort));
        out.push(if b > abort {
            Check::new(
                "lag_bytes_abort",
                Level::Soft,
                format!("lag {shown} > lag_bytes_abort {limit}"),
            )
        } else {
            Check::new(
                "lag_bytes_abort",
                Level::Holds,
                format!("lag {shown} ≤ lag_bytes_abort {limit}"),
            )
        });
    }
    if p.primary.writable == Some(true) && !p.primary.down {
        out.push(Check::new(
            "fenced",
            Level::Soft,
            format!(
                "primary {} is up and takes writes: fence it first (read-only or stopped), or two primaries take writes",
                p.primary.id
            ),
        ));
    } else if p.primary.down {
        // Unreachable from here is not proven fenced: clients in its
        // region may still write to it.
        out.push(Check::new(
            "fenced",
            Level::Warning,
            format!(
                "primary {} is down from here: not proven fenced (clients near it may still write to it)",
                p.primary.id
            ),
        ));
    } else if p.primary.writable == Some(false) {
        out.push(Check::new(
            "fenced",
            Level::Holds,
            format!("primary {} takes no writes (read-only)", p.primary.id),
        ));
    }
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

mod incidents;

pub use incidents::{Ctx, history, others, promotion, promotions};

#[cfg(test)]
mod tests;
