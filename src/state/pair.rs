//! Pairs and instances as baton sees them, and how a pair's state is judged.

use std::collections::VecDeque;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::ring::Ring;
use crate::sources::report::InstanceReport;

/// Samples of lag kept per pair (one per poll).
pub const LAG_HISTORY: usize = 240;
/// State changes kept per pair for the detail view.
pub const STATE_HISTORY: usize = 32;

/// The state column of the Pairs pane, worst first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PairState {
    Critical,
    FailingOver,
    NoStandby,
    Stale,
    AtRisk,
    FailedOver,
    Ok,
}

impl PairState {
    pub fn label(self) -> &'static str {
        match self {
            Self::Ok => "OK",
            Self::AtRisk => "AT RISK",
            Self::Critical => "CRITICAL",
            Self::FailingOver => "FAILING OVER",
            Self::FailedOver => "FAILED OVER",
            Self::NoStandby => "NO STANDBY",
            Self::Stale => "STALE",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Primary,
    Standby,
}

/// Consecutive failures before down, consecutive successes before up again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hysteresis {
    pub fail: u32,
    pub recover: u32,
}

impl Hysteresis {
    pub const fn new(fail: u32, recover: u32) -> Self {
        Self { fail, recover }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Instance {
    pub id: String,
    pub region: String,
    pub provider: String,
    pub status: String,
    pub health_score: Option<f64>,
    /// Consecutive failed observations (unreachable or a down status).
    pub fail_streak: u32,
    /// Consecutive good observations while down (recovery hysteresis).
    pub ok_streak: u32,
    /// Failed for at least the source's `failure_threshold` observations.
    pub down: bool,
    pub down_since: Option<DateTime<Utc>>,
    pub last_seen: Option<DateTime<Utc>>,
    pub last_ok: Option<DateTime<Utc>>,
    pub error: Option<String>,
    /// A value the source sent that cannot be true (a score outside
    /// 0–100): shown, and the value is not kept, so no gate passes on it.
    pub invalid: Option<String>,
    pub response: Option<Duration>,
    /// The role the instance's own source last reported (PRIMARY,
    /// STANDBY, FENCED…), normalised; `None` until one says.
    pub role: Option<String>,
    /// Whether the instance says it takes writes (see
    /// `InstanceReport::writable`); `None` when no source asks it.
    pub writable: Option<bool>,
}

/// A health score as a source sent it: 0–100, or why it cannot be one.
pub fn checked_score(s: f64) -> Result<f64, String> {
    if (0.0..=100.0).contains(&s) {
        Ok(s)
    } else {
        Err(format!(
            "the source sent a health score of {s}, outside 0–100: not used"
        ))
    }
}

impl Instance {
    pub fn new(id: &str, region: &str, provider: &str) -> Self {
        Self {
            id: id.to_string(),
            region: region.to_string(),
            provider: provider.to_string(),
            status: "UNKNOWN".into(),
            ..Self::default()
        }
    }

    /// Records one observation; `h.fail` consecutive failures mark the
    /// instance down, `h.recover` consecutive successes bring it back.
    pub fn observe(
        &mut self,
        at: DateTime<Utc>,
        result: Result<&InstanceReport, &str>,
        h: Hysteresis,
        response: Option<Duration>,
    ) {
        self.last_seen = Some(at);
        self.response = response;
        let failed = match result {
            Ok(r) => {
                if let Some(s) = &r.status {
                    self.status.clone_from(s);
                }
                // A failing report's score (often 0) only counts once the
                // failure threshold is reached, through `down`.
                if let Some(s) = r.health_score {
                    match checked_score(s) {
                        Err(why) => {
                            self.health_score = None;
                            self.invalid = Some(why);
                        }
                        Ok(s) if !r.is_down() => {
                            self.health_score = Some(s);
                            self.invalid = None;
                        }
                        Ok(_) => {}
                    }
                }
                if let Some(region) = r.region.as_ref().filter(|s| !s.is_empty()) {
                    self.region.clone_from(region);
                }
                if let Some(p) = r.provider.as_ref().filter(|s| !s.is_empty()) {
                    self.provider.clone_from(p);
                }
                if let Some(role) = r.role.as_deref().filter(|s| !s.is_empty()) {
                    self.role = Some(crate::sources::report::normal_role(role));
                }
                if r.writable.is_some() {
                    self.writable = r.writable;
                }
                if r.is_down() {
                    self.error = Some(format!("reported status {}", self.status));
                    true
                } else {
                    self.error = None;
                    false
                }
            }
            Err(e) => {
                self.error = Some(e.to_string());
                // What it said about its role and writes is no longer known:
                // a swap or a fence must not be judged on an old word.
                self.writable = None;
                self.role = None;
                true
            }
        };
        self.streak(failed, at, h);
    }

    /// The same report as last time, observed again: only time moves
    /// (last seen, the streaks toward down or up).
    /// Returns whether anything a judgement reads changed.
    pub fn again(&mut self, at: DateTime<Utc>, h: Hysteresis) -> bool {
        self.last_seen = Some(at);
        self.response = None;
        let was = self.judged();
        // Judged as the report itself would be: on the status it gave,
        // not on an error another source (Prometheus `up`) left since.
        let failed = crate::sources::report::status_is_down(&self.status);
        self.error = failed.then(|| format!("reported status {}", self.status));
        self.streak(failed, at, h);
        was != self.judged()
    }

    /// What a judgement reads of the streaks.
    pub(super) fn judged(&self) -> (bool, u32, u32, bool) {
        (
            self.down,
            self.fail_streak,
            self.ok_streak,
            self.last_ok.is_some(),
        )
    }

    fn streak(&mut self, failed: bool, at: DateTime<Utc>, h: Hysteresis) {
        if failed {
            self.fail_streak = self.fail_streak.saturating_add(1);
            self.ok_streak = 0;
            if self.fail_streak >= h.fail.max(1) && !self.down {
                self.down = true;
                self.down_since = Some(at);
            }
        } else {
            self.fail_streak = 0;
            self.last_ok = Some(at);
            if self.down {
                self.ok_streak = self.ok_streak.saturating_add(1);
                if self.ok_streak >= h.recover.max(1) {
                    self.down = false;
                    self.down_since = None;
                    self.ok_streak = 0;
                }
            }
        }
    }

    /// A score from a source that sends only scores (Prometheus).
    pub fn set_score(&mut self, s: f64) {
        match checked_score(s) {
            Ok(s) => {
                self.health_score = Some(s);
                self.invalid = None;
            }
            Err(why) => {
                self.health_score = None;
                self.invalid = Some(why);
            }
        }
    }

    /// The score shown; a down instance counts as 0 whatever it last said.
    pub fn effective_score(&self) -> Option<f64> {
        if self.down {
            Some(0.0)
        } else {
            self.health_score
        }
    }
}

#[derive(Debug, Clone)]
pub struct Pair {
    pub id: String,
    pub runbook: Option<String>,
    pub primary: Instance,
    pub standby: Option<Instance>,
    /// Replication lag in seconds, latest sample.
    pub lag: Option<f64>,
    /// The latest lag sent could not be true (negative, NaN, infinite): it
    /// is not kept, so no gate or RPO is met on it.
    pub lag_invalid: Option<String>,
    /// Replication lag in bytes, latest sample (where the source has it);
    /// dropped once older than `stale_after`, so no gate passes on it.
    pub lag_bytes: Option<f64>,
    pub lag_bytes_at: Option<DateTime<Utc>>,
    /// When the primary last measured it (PostgreSQL's pg_stat_replication,
    /// Redis's INFO): the primary sees WAL not yet sent, the standby only
    /// what it received, so the primary's word wins while it is fresh.
    pub lag_bytes_by_primary_at: Option<DateTime<Utc>>,
    /// The byte lag a fleet source last sent, observed again while it
    /// says the same.
    pub fleet_lag_bytes: Option<f64>,
    pub lag_history: Ring<f32>,
    pub state: PairState,
    /// Why the state is what it is, for the detail view.
    pub reason: std::borrow::Cow<'static, str>,
    pub changes: VecDeque<(DateTime<Utc>, PairState)>,
    /// Source that last updated the pair, and when.
    pub source: Option<usize>,
    pub updated: Option<DateTime<Utc>>,
    /// Data older than this is STALE.
    pub stale_after: Duration,
    /// Listed in the config file: kept even when no source reports it.
    pub configured: bool,
}

impl Pair {
    pub fn new(id: &str, primary: Instance, standby: Option<Instance>) -> Self {
        Self {
            id: id.to_string(),
            runbook: None,
            primary,
            standby,
            lag: None,
            lag_invalid: None,
            lag_bytes: None,
            lag_bytes_at: None,
            lag_bytes_by_primary_at: None,
            fleet_lag_bytes: None,
            lag_history: Ring::new(LAG_HISTORY),
            state: PairState::Stale,
            reason: std::borrow::Cow::Borrowed("no data yet"),
            changes: VecDeque::new(),
            source: None,
            updated: None,
            stale_after: Duration::from_secs(6),
            configured: false,
        }
    }

    pub fn record_lag(&mut self, lag: Option<f64>) {
        if let Some(l) = lag.filter(|l| !(l.is_finite() && *l >= 0.0)) {
            self.lag = None;
            self.lag_invalid = Some(format!(
                "the source sent a replication lag of {l}s, which cannot be: not used"
            ));
            return;
        }
        self.lag = lag;
        self.lag_invalid = None;
        if let Some(l) = lag {
            self.lag_history.push(l as f32);
        }
    }

    /// A fleet poll in which this pair said exactly what it said last time.
    /// Returns whether it needs judging again (a streak moved, the byte
    /// lag came back): a healthy pair saying the same does not.
    pub fn again(&mut self, at: DateTime<Utc>, h: Hysteresis) -> bool {
        let mut moved = self.primary.again(at, h);
        if let Some(s) = self.standby.as_mut() {
            moved |= s.again(at, h);
        }
        if let Some(l) = self.lag {
            self.lag_history.push(l as f32);
        }
        let bytes = (self.lag_bytes, self.lag_invalid.is_some());
        self.record_lag_bytes(self.fleet_lag_bytes, at, false);
        self.updated = Some(at);
        moved || bytes != (self.lag_bytes, self.lag_invalid.is_some())
    }

    /// In whole milliseconds: asked of every pair several times a second,
    /// where a calendar subtraction would cost more than the rest.
    pub fn is_stale(&self, now: DateTime<Utc>) -> bool {
        match self.updated {
            None => true,
            Some(at) => older_than(now, at, self.stale_after),
        }
    }
}

/// `at` is more than `age` before `now` (a time in the future is not old).
pub(super) fn older_than(now: DateTime<Utc>, at: DateTime<Utc>, age: Duration) -> bool {
    let ms = now.timestamp_millis().saturating_sub(at.timestamp_millis());
    ms > 0 && ms as u128 > age.as_millis()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Thresholds;

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap_or_default()
    }

    fn pair() -> Pair {
        let mut p = Pair::new(
            "acct-1",
            Instance::new("a", "eu-west-1", "aws"),
            Some(Instance::new("b", "eu-central-1", "hetzner")),
        );
        p.updated = Some(now());
        p.primary.health_score = Some(90.0);
        if let Some(s) = p.standby.as_mut() {
            s.health_score = Some(88.0);
        }
        p
    }

    #[test]
    fn states_follow_thresholds() {
        let t = Thresholds::default();
        let mut p = pair();
        p.evaluate(&t, now());
        assert_eq!(p.state, PairState::Ok);
        p.primary.health_score = Some(31.0);
        p.evaluate(&t, now());
        assert_eq!(p.state, PairState::Critical);
        assert!(p.reason.contains("below critical_below 50"), "{}", p.reason);
        p.primary.health_score = Some(90.0);
        p.lag = Some(12.0);
        p.evaluate(&t, now());
        assert_eq!(p.state, PairState::AtRisk);
        p.standby = None;
        p.evaluate(&t, now());
        assert_eq!(p.state, PairState::NoStandby);
        assert_eq!(p.changes.len(), 4);
    }

    #[test]
    fn old_data_is_stale_never_fresh() {
        let t = Thresholds::default();
        let mut p = pair();
        p.evaluate(&t, now() + chrono::Duration::seconds(7));
        assert_eq!(p.state, PairState::Stale);
    }

    const H: Hysteresis = Hysteresis::new(3, 2);

    #[test]
    fn down_needs_threshold_consecutive_failures() {
        let mut i = Instance::new("a", "r", "p");
        i.observe(now(), Err("connection refused"), H, None);
        i.observe(now(), Err("connection refused"), H, None);
        assert!(!i.down);
        i.observe(now(), Err("connection refused"), H, None);
        assert!(i.down);
        let good = InstanceReport {
            status: Some("ACTIVE".into()),
            ..Default::default()
        };
        i.observe(now(), Ok(&good), H, None);
        assert!(
            i.down,
            "one success is not enough to recover with recover = 2"
        );
        i.observe(now(), Ok(&good), H, None);
        assert!(!i.down && i.fail_streak == 0);
    }

    #[test]
    fn impossible_values_are_errors_on_the_instance_never_ok() {
        let t = Thresholds::default();
        let mut p = pair();
        let huge = InstanceReport {
            status: Some("ACTIVE".into()),
            health_score: Some(1e12),
            ..Default::default()
        };
        if let Some(s) = p.standby.as_mut() {
            s.observe(now(), Ok(&huge), H, None);
            assert_eq!(s.health_score, None, "not kept: no gate passes on it");
        }
        p.evaluate(&t, now());
        assert_eq!(p.state, PairState::AtRisk);
        assert!(
            p.reason.contains("health score of 1000000000000"),
            "{}",
            p.reason
        );

        let mut p = pair();
        p.record_lag(Some(-5.0));
        assert_eq!(p.lag, None, "a negative lag is no lag: no RPO is met on it");
        p.evaluate(&t, now());
        assert_eq!(p.state, PairState::AtRisk);
        assert!(p.reason.contains("lag of -5s"), "{}", p.reason);
        for bad in [f64::NAN, f64::INFINITY] {
            p.record_lag(Some(bad));
            assert_eq!(p.lag, None);
        }
        p.record_lag(Some(1.5));
        p.evaluate(&t, now());
        assert_eq!((p.lag, p.state), (Some(1.5), PairState::Ok));

        let mut i = Instance::new("a", "r", "p");
        i.set_score(f64::NAN);
        assert!(i.health_score.is_none() && i.invalid.is_some());
        i.set_score(88.0);
        assert!(i.health_score == Some(88.0) && i.invalid.is_none());
    }
}
