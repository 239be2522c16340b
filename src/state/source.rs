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
            (None, None) => "health URLs of [[pair]]".into(),
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
        }
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
