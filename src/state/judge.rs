//! A pair's state judged from its data and the thresholds, with the
//! reason shown beside it: the one place that says CRITICAL, AT RISK, OK.

use std::borrow::Cow;

use chrono::{DateTime, Utc};

use super::pair::{Pair, PairState, STATE_HISTORY, older_than};
use crate::config::Thresholds;

impl Pair {
    /// Judges the state from the data and thresholds; returns whether it
    /// changed, and records the change.
    pub fn evaluate(&mut self, t: &Thresholds, now: DateTime<Utc>) -> bool {
        if self
            .lag_bytes_at
            .is_some_and(|at| older_than(now, at, self.stale_after))
        {
            self.lag_bytes = None;
            self.lag_bytes_at = None;
        }
        let (state, reason) = judge(self, t, now);
        if self.reason != reason {
            self.reason = reason;
        }
        if state == self.state && !self.changes.is_empty() {
            return false;
        }
        let changed = state != self.state;
        self.state = state;
        if self.changes.len() == STATE_HISTORY {
            self.changes.pop_front();
        }
        self.changes.push_back((now, state));
        changed
    }
}

/// The state and why. A healthy pair's reason is borrowed: judging
/// 100 000 pairs a second allocates only for those that are not OK.
pub(super) fn judge(
    p: &Pair,
    t: &Thresholds,
    now: DateTime<Utc>,
) -> (PairState, Cow<'static, str>) {
    if p.is_stale(now) {
        let why = match p.updated {
            None => Cow::Borrowed("no data received yet"),
            Some(at) => Cow::Owned(format!("last data {}s ago", (now - at).num_seconds())),
        };
        return (PairState::Stale, why);
    }
    let primary = &p.primary;
    if p.two_writable() {
        let sb = p.standby.as_ref().map_or("?", |s| s.id.as_str());
        return (
            PairState::Critical,
            Cow::Owned(format!(
                "two writable primaries: {} and {sb} both take writes (split brain)",
                primary.id
            )),
        );
    }
    if primary.down {
        let err = primary.error.as_deref().unwrap_or("down");
        return (
            PairState::Critical,
            Cow::Owned(format!("primary {} down: {err}", primary.id)),
        );
    }
    if let Some(s) = primary.health_score
        && s < t.critical_below
    {
        return (
            PairState::Critical,
            Cow::Owned(format!(
                "primary score {s:.0} below critical_below {:.0}",
                t.critical_below
            )),
        );
    }
    if primary.fail_streak > 0 {
        let err = primary.error.as_deref().unwrap_or("check failed");
        return (
            PairState::AtRisk,
            Cow::Owned(format!(
                "primary {} failing: {} check(s) in a row ({err})",
                primary.id, primary.fail_streak
            )),
        );
    }
    if let Some(why) = &primary.invalid {
        return (
            PairState::AtRisk,
            Cow::Owned(format!("primary {}: {why}", primary.id)),
        );
    }
    // Fenced, mid-failover: the pair serves no writes until the standby
    // is promoted and the roles follow.
    if primary.writable == Some(false) || primary.role.as_deref() == Some("FENCED") {
        return (
            PairState::AtRisk,
            Cow::Owned(format!(
                "primary {} is read-only (fenced): no one takes writes",
                primary.id
            )),
        );
    }
    let Some(standby) = &p.standby else {
        return (PairState::NoStandby, Cow::Borrowed("pair has no standby"));
    };
    if standby.down {
        return (
            PairState::AtRisk,
            Cow::Owned(format!("standby {} down", standby.id)),
        );
    }
    if let Some(r) = standby.role.as_deref().filter(|r| *r != "STANDBY") {
        return (
            PairState::AtRisk,
            Cow::Owned(format!(
                "standby {} says {r}: not a replica (rebuild it)",
                standby.id
            )),
        );
    }
    if !serving(&standby.status) {
        return (
            PairState::AtRisk,
            Cow::Owned(format!("standby {} reports {}", standby.id, standby.status)),
        );
    }
    if let Some(why) = standby.invalid.as_ref().or(p.lag_invalid.as_ref()) {
        return (
            PairState::AtRisk,
            Cow::Owned(format!("standby {}: {why}", standby.id)),
        );
    }
    if let Some(s) = standby.health_score
        && s < t.standby_min
    {
        return (
            PairState::AtRisk,
            Cow::Owned(format!(
                "standby score {s:.0} below standby_min {:.0}",
                t.standby_min
            )),
        );
    }
    if let Some(l) = p.lag
        && l > t.lag_warn.as_secs_f64()
    {
        return (
            PairState::AtRisk,
            Cow::Owned(format!("lag {l:.1}s over lag_warn {}", t.lag_warn)),
        );
    }
    if let Some(b) = p.lag_bytes
        && b > t.lag_bytes_warn as f64
    {
        return (
            PairState::AtRisk,
            Cow::Owned(format!(
                "lag {} over lag_bytes_warn {}",
                crate::text::bytes(b),
                crate::text::bytes(t.lag_bytes_warn as f64)
            )),
        );
    }
    (PairState::Ok, Cow::Borrowed("healthy"))
}

/// Statuses of a serving replica: the spec's, a health endpoint's, and
/// Patroni's `state`. The usual ones first, exactly.
fn serving(status: &str) -> bool {
    matches!(status, "STANDBY" | "ACTIVE")
        || ["ACTIVE", "STANDBY", "UP", "UNKNOWN", "RUNNING", "STREAMING"]
            .iter()
            .any(|s| s.eq_ignore_ascii_case(status))
}
