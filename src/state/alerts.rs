//! baton's own alert rules over the live state: primary below critical,
//! standby below standby_min, lag over its limits, sources stale or failing,
//! service checks failing, provider outage.

use chrono::{DateTime, Utc};

use super::pair::Pair;
use super::regions::RegionSummary;
use super::source::{SourceHealth, SourceStatus};
use crate::config::Thresholds;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Crit,
    Warn,
    Info,
}

impl Severity {
    pub fn label(self) -> &'static str {
        match self {
            Self::Crit => "CRIT",
            Self::Warn => "WARN",
            Self::Info => "INFO",
        }
    }

    /// From an Alertmanager severity label.
    pub fn from_label(label: &str) -> Self {
        match label.to_ascii_lowercase().as_str() {
            "critical" | "crit" | "page" | "error" | "high" | "p1" => Self::Crit,
            "warning" | "warn" | "medium" | "p2" => Self::Warn,
            _ => Self::Info,
        }
    }
}

/// Where an alert stands, shown in the Alerts pane.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum AlertState {
    Firing,
    Acked,
    Silenced,
    Inhibited,
    /// From a source whose data is older than its staleness bound.
    Stale,
}

impl AlertState {
    pub fn label(self) -> &'static str {
        match self {
            Self::Firing => "firing",
            Self::Acked => "acked",
            Self::Silenced => "silenced",
            Self::Inhibited => "inhibited",
            Self::Stale => "STALE",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    /// Stable identity (rule + subject), so age and acknowledgement survive
    /// re-evaluation.
    pub key: String,
    pub severity: Severity,
    pub name: String,
    pub subject: String,
    pub summary: String,
    pub since: DateTime<Utc>,
    pub acked: bool,
    pub state: AlertState,
    /// The Alertmanager source it came from; `None` for baton's own rules.
    pub source: Option<usize>,
    /// Alertmanager labels (for silences); empty for baton's own rules.
    pub labels: std::collections::BTreeMap<String, String>,
}

/// A firing rule before age and acknowledgement are attached.
#[derive(Debug, Clone)]
pub struct Firing {
    pub severity: Severity,
    pub name: &'static str,
    pub subject: String,
    pub summary: String,
}

impl Firing {
    pub fn key(&self) -> String {
        format!("{}/{}", self.name, self.subject)
    }
}

/// The rules over the whole fleet: provider outages, sources.
pub fn fleet(
    sources: &[SourceStatus],
    regions: &[RegionSummary],
    now: DateTime<Utc>,
) -> Vec<Firing> {
    let mut out = Vec::new();
    for r in regions.iter().filter(|r| r.outage) {
        out.push(Firing {
            severity: Severity::Crit,
            name: "ProviderOutage",
            subject: format!("{}/{}", r.region, r.provider),
            summary: format!(
                "{} instances unreachable in {} ({})",
                r.down, r.region, r.provider
            ),
        });
    }
    for s in sources {
        if s.passing(now) == Some(false) {
            // A check that fails is the service failing, not baton's poller.
            out.push(Firing {
                severity: Severity::Crit,
                name: "CheckFailing",
                subject: s.name.clone(),
                summary: s.last_error.clone().unwrap_or_else(|| "failing".into()),
            });
            continue;
        }
        let (severity, name) = match s.health(now) {
            SourceHealth::Failing => (Severity::Crit, "SourceFailing"),
            SourceHealth::Stale => (Severity::Warn, "SourceStale"),
            _ => continue,
        };
        let summary = s.last_error.clone().unwrap_or_else(|| "no data".into());
        out.push(Firing {
            severity,
            name,
            subject: s.name.clone(),
            summary,
        });
    }
    out
}

/// The rules over one pair, judged when the pair is.
pub fn pair(p: &Pair, t: &Thresholds, now: DateTime<Utc>, out: &mut Vec<Firing>) {
    if p.is_stale(now) {
        return; // the source alert says why; do not judge old data
    }
    if p.primary.down {
        out.push(Firing {
            severity: Severity::Crit,
            name: "PrimaryDown",
            subject: p.primary.id.clone(),
            summary: format!("{}: {}", p.id, p.primary.error.as_deref().unwrap_or("down")),
        });
    } else if let Some(s) = p.primary.health_score.filter(|s| *s < t.critical_below) {
        out.push(Firing {
            severity: Severity::Crit,
            name: "PrimaryCritical",
            subject: p.primary.id.clone(),
            summary: format!("{}: score {s:.0} < {:.0}", p.id, t.critical_below),
        });
    }
    if let Some(sb) = &p.standby {
        if sb.down {
            out.push(Firing {
                severity: Severity::Warn,
                name: "StandbyDown",
                subject: sb.id.clone(),
                summary: format!("{}: {}", p.id, sb.error.as_deref().unwrap_or("down")),
            });
        } else if let Some(s) = sb.health_score.filter(|s| *s < t.standby_min) {
            out.push(Firing {
                severity: Severity::Warn,
                name: "StandbyBelowMin",
                subject: sb.id.clone(),
                summary: format!("{}: score {s:.0} < {:.0}", p.id, t.standby_min),
            });
        }
    }
    if let Some(l) = p.lag {
        let (sev, name, limit) = if l > t.lag_abort.as_secs_f64() {
            (Severity::Crit, "LagOverAbort", t.lag_abort)
        } else if l > t.lag_warn.as_secs_f64() {
            (Severity::Warn, "LagOverWarn", t.lag_warn)
        } else {
            return;
        };
        out.push(Firing {
            severity: sev,
            name,
            subject: p.id.clone(),
            summary: format!("lag {l:.1}s > {limit}"),
        });
    }
}
