//! What baton knows about each of its sources: last success, last error,
//! consecutive failures, latency.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::config::{SourceCfg, SourceKind};

/// Data older than this many intervals is STALE.
pub const STALE_INTERVALS: u32 = 3;

#[derive(Debug, Clone)]
pub struct SourceStatus {
    pub name: String,
    pub kind: SourceKind,
    /// Where it reads from, for display (no credentials: those live in headers).
    pub target: String,
    pub interval: Duration,
    pub timeout: Duration,
    pub threshold: u32,
    pub success_threshold: u32,
    /// When the source polls next (later than one interval while backing off).
    pub next_poll: Option<DateTime<Utc>>,
    pub started: DateTime<Utc>,
    pub last_attempt: Option<DateTime<Utc>>,
    pub last_success: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    /// Consecutive failed polls.
    pub failures: u32,
    pub latency: Option<Duration>,
    /// Entries of the last response that could not be read.
    pub warnings: Vec<String>,
    /// Probes that failed in the last round (http sources).
    pub failed_targets: usize,
    pub targets: usize,
    /// Set for a named service check (`SourceCfg::is_check`).
    pub check: Option<CheckState>,
}

/// A service check's verdict, with the source's thresholds as hysteresis:
/// failing after `failure_threshold` failed polls in a row, passing again
/// after `success_threshold` good ones.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CheckState {
    /// `None` until the first verdict.
    pub passing: Option<bool>,
    /// Consecutive good polls.
    pub successes: u32,
    /// When the verdict last changed.
    pub since: Option<DateTime<Utc>>,
    /// What the last good poll found ("pid 4242", "answered 1").
    pub detail: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceHealth {
    Waiting,
    Ok,
    /// Failed recently but fewer times than the threshold.
    Degraded,
    Failing,
    Stale,
}

impl SourceHealth {
    pub fn label(self) -> &'static str {
        match self {
            Self::Waiting => "waiting",
            Self::Ok => "ok",
            Self::Degraded => "degraded",
            Self::Failing => "FAILING",
            Self::Stale => "STALE",
        }
    }
}

impl SourceStatus {
    pub fn new(cfg: &SourceCfg, started: DateTime<Utc>) -> Self {
        let target = match (&cfg.url, &cfg.command) {
            (Some(u), _) => u.clone(),
            (None, Some(c)) => c.join(" "),
            (None, None) => match (&cfg.pid_file, &cfg.process) {
                (Some(f), _) => format!("pid file {}", f.display()),
                (None, Some(n)) => format!("a process named {n}"),
                (None, None) => "health URLs of [[pair]]".into(),
            },
        };
        Self {
            name: cfg.name.clone(),
            kind: cfg.kind,
            target,
            interval: cfg.interval.0,
            timeout: cfg.timeout.0,
            threshold: cfg.failure_threshold,
            success_threshold: cfg.success_threshold,
            next_poll: None,
            started,
            last_attempt: None,
            last_success: None,
            last_error: None,
            failures: 0,
            latency: None,
            warnings: Vec::new(),
            failed_targets: 0,
            targets: 0,
            check: cfg.is_check().then(CheckState::default),
        }
    }

    /// Moves a check's verdict on after one poll (its failures already
    /// counted); a source that is not a check is left alone.
    pub fn record_check(&mut self, at: DateTime<Utc>, passed: Option<String>) {
        let (failures, threshold, recover) =
            (self.failures, self.threshold, self.success_threshold);
        let Some(c) = self.check.as_mut() else { return };
        let next = if let Some(detail) = passed {
            c.successes = c.successes.saturating_add(1);
            c.detail = Some(detail);
            match c.passing {
                Some(false) if c.successes < recover => Some(false),
                _ => Some(true),
            }
        } else {
            c.successes = 0;
            // Below the threshold the verdict stands: a first poll that
            // fails leaves the check undecided, not passing.
            if failures >= threshold {
                Some(false)
            } else {
                c.passing
            }
        };
        if next != c.passing {
            c.passing = next;
            c.since = Some(at);
        }
    }

    /// A check's verdict as of `now`: `None` while undecided or when its
    /// data is STALE (a poller that stopped answering proves nothing).
    pub fn passing(&self, now: DateTime<Utc>) -> Option<bool> {
        let c = self.check.as_ref()?;
        if self.health(now) == SourceHealth::Stale {
            return None;
        }
        c.passing
    }

    pub fn stale_after(&self) -> Duration {
        self.interval.saturating_mul(STALE_INTERVALS)
    }

    pub fn health(&self, now: DateTime<Utc>) -> SourceHealth {
        if self.failures >= self.threshold {
            return SourceHealth::Failing;
        }
        let since = self.last_success.unwrap_or(self.started);
        if (now - since).to_std().unwrap_or_default() > self.stale_after() {
            return SourceHealth::Stale;
        }
        match (self.last_success, self.failures) {
            (None, 0) => SourceHealth::Waiting,
            (_, 0) if self.failed_targets == 0 => SourceHealth::Ok,
            _ => SourceHealth::Degraded,
        }
    }
}
