//! Maintenance windows (seeds 004 and 001): a planned runbook scheduled
//! on a target for a time. A window is a journaled record, not an
//! incident: it takes no lock and counts toward no limit, so it never
//! stands in the way of an emergency. Its runbook's phases with `before`
//! come due that long ahead of the window, the others at the window.
//! Pure: the file is read and written in `effects::windows`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::Target;
use super::runbook::Runbook;

/// One line of the windows journal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// When it was written.
    pub at: DateTime<Utc>,
    pub window: String,
    /// Who wrote it (`user@host`).
    pub by: String,
    #[serde(flatten)]
    pub change: Change,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Change {
    Scheduled {
        runbook: String,
        target: TargetRef,
        opens: DateTime<Utc>,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        reason: String,
    },
    Moved {
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        reason: String,
    },
    Cancelled {
        reason: String,
    },
}

/// A target as written in the journal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetRef {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pair: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
}

impl TargetRef {
    pub fn of(t: &Target) -> Self {
        match t {
            Target::Pair(p) => Self {
                pair: Some(p.clone()),
                region: None,
                provider: None,
            },
            Target::Area { region, provider } => Self {
                pair: None,
                region: Some(region.clone()),
                provider: Some(provider.clone()),
            },
        }
    }

    pub fn target(&self) -> Target {
        match &self.pair {
            Some(p) => Target::Pair(p.clone()),
            None => Target::Area {
                region: self.region.clone().unwrap_or_default(),
                provider: self.provider.clone().unwrap_or_default(),
            },
        }
    }
}

/// What an incident started in a window keeps of it (journaled with its
/// start): the window cannot move once its incident has started.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WindowRef {
    pub id: String,
    pub opens: DateTime<Utc>,
}

/// A window as its records leave it.
#[derive(Debug, Clone, PartialEq)]
pub struct Window {
    pub id: String,
    pub runbook: String,
    pub target: Target,
    pub opens: DateTime<Utc>,
    /// The reason, once cancelled.
    pub cancelled: Option<String>,
    /// The incident started in it, from the journal (`mark_started`).
    pub started: Option<String>,
    pub history: Vec<Record>,
}

impl Window {
    pub fn is_open(&self) -> bool {
        self.cancelled.is_none()
    }
}

/// The windows the records describe, in the order they were scheduled. A
/// record for an unknown window (its first line torn) is left out and
/// named in the second list.
pub fn fold(records: &[Record]) -> (Vec<Window>, Vec<String>) {
    let mut out: Vec<Window> = Vec::new();
    let mut orphans = Vec::new();
    for r in records {
        if let Change::Scheduled {
            runbook,
            target,
            opens,
            ..
        } = &r.change
        {
            if out.iter().any(|w| w.id == r.window) {
                orphans.push(format!(
                    "{} is scheduled twice: the first is kept",
                    r.window
                ));
                continue;
            }
            out.push(Window {
                id: r.window.clone(),
                runbook: runbook.clone(),
                target: target.target(),
                opens: *opens,
                cancelled: None,
                started: None,
                history: vec![r.clone()],
            });
            continue;
        }
        let Some(w) = out.iter_mut().find(|w| w.id == r.window) else {
            orphans.push(format!(
                "{}: a change to a window never scheduled",
                r.window
            ));
            continue;
        };
        match &r.change {
            Change::Moved { to, .. } => w.opens = *to,
            Change::Cancelled { reason } => w.cancelled = Some(reason.clone()),
            Change::Scheduled { .. } => {}
        }
        w.history.push(r.clone());
    }
    (out, orphans)
}

/// `WIN-20261205T0200Z-eu-west-1`: the window's time and target.
pub fn new_id(target: &Target, opens: DateTime<Utc>, taken: &[Window]) -> String {
    let name = match target {
        Target::Pair(p) => p.clone(),
        Target::Area { region, .. } => region.clone(),
    };
    let base = format!("WIN-{}-{name}", opens.format("%Y%m%dT%H%MZ"));
    let mut id = base.clone();
    let mut n = 1;
    while taken.iter().any(|w| w.id == id) {
        n += 1;
        id = format!("{base}-{n}");
    }
    id
}

/// A phase that comes due before its window.
#[derive(Debug, Clone, PartialEq)]
pub struct Prep {
    pub phase: String,
    pub title: String,
    pub before: std::time::Duration,
    pub due: DateTime<Utc>,
}

/// The phases of `rb` with `before`, each with when it comes due.
pub fn preparation(rb: &Runbook, opens: DateTime<Utc>) -> Vec<Prep> {
    rb.phases
        .iter()
        .filter_map(|p| {
            let before = p.before?.0;
            Some(Prep {
                phase: p.id.clone(),
                title: p.title.clone().unwrap_or_else(|| p.id.clone()),
                before,
                due: crate::clock::before(opens, before),
            })
        })
        .collect()
}

/// The longest a window may be scheduled ahead: a typo in the year is not
/// a plan.
pub const FURTHEST: std::time::Duration = std::time::Duration::from_hours(366 * 24);

/// A window's time: RFC 3339 (`2026-12-05T02:00:00Z`, any offset),
/// `2026-12-05 02:00` (UTC), or `+48h` / `in 48h` from now. It must be
/// ahead of `now`, and at most a year ahead.
pub fn parse_time(text: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    let t = text.trim();
    let relative = t.strip_prefix('+').or_else(|| t.strip_prefix("in "));
    let at = if let Some(d) = relative {
        let d = humantime::parse_duration(d.trim()).map_err(|e| format!("`{t}`: {e}"))?;
        crate::clock::after(now, d)
    } else if let Ok(x) = DateTime::parse_from_rfc3339(t) {
        x.with_timezone(&Utc)
    } else {
        let naive = ["%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M"]
            .iter()
            .find_map(|f| chrono::NaiveDateTime::parse_from_str(t, f).ok())
            .ok_or_else(|| {
                format!(
                    "`{t}` is not a time: write 2026-12-05T02:00:00Z, \"2026-12-05 02:00\" (UTC) or +48h"
                )
            })?;
        naive.and_utc()
    };
    if at <= now {
        return Err(format!(
            "{} is in the past (now {})",
            at.format("%Y-%m-%d %H:%M UTC"),
            now.format("%Y-%m-%d %H:%M UTC")
        ));
    }
    if (at - now).to_std().unwrap_or_default() > FURTHEST {
        return Err(format!(
            "{} is more than a year ahead",
            at.format("%Y-%m-%d %H:%M UTC")
        ));
    }
    Ok(at)
}

/// `48h`, `90m`, `30s`: a lead time as a runbook would write it.
pub fn span(d: std::time::Duration) -> String {
    let s = d.as_secs();
    match s {
        _ if s >= 3600 && s.is_multiple_of(3600) => format!("{}h", s / 3600),
        _ if s >= 60 && s.is_multiple_of(60) => format!("{}m", s / 60),
        _ => humantime::format_duration(d).to_string(),
    }
}

/// "2d 3h", "5h 10m", "12m": how far ahead, for the title bar and lists.
pub fn until(now: DateTime<Utc>, then: DateTime<Utc>) -> String {
    let s = (then - now).num_seconds().max(0);
    let (d, h, m) = (s / 86_400, (s % 86_400) / 3600, (s % 3600) / 60);
    match (d, h) {
        (0, 0) => format!("{}m", m.max(1)),
        (0, _) => format!("{h}h {m}m"),
        _ => format!("{d}d {h}h"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 2, 17, 0, 0)
            .single()
            .unwrap_or_default()
    }

    #[test]
    fn times_are_absolute_or_relative_ahead_and_within_a_year() {
        let n = now();
        let at = |h, m| {
            Utc.with_ymd_and_hms(2026, 12, 5, h, m, 0)
                .single()
                .unwrap_or_default()
        };
        assert_eq!(parse_time("2026-12-05T02:00:00Z", n), Ok(at(2, 0)));
        assert_eq!(parse_time("2026-12-05T03:00:00+01:00", n), Ok(at(2, 0)));
        assert_eq!(parse_time("2026-12-05 02:30", n), Ok(at(2, 30)));
        assert_eq!(parse_time("+48h", n), Ok(n + chrono::Duration::hours(48)));
        assert_eq!(parse_time("in 2days", n), Ok(n + chrono::Duration::days(2)));
        assert!(parse_time("2026-12-01 02:00", n).is_err_and(|e| e.contains("in the past")));
        assert!(parse_time("2028-12-05 02:00", n).is_err_and(|e| e.contains("a year")));
        assert!(parse_time("next tuesday", n).is_err_and(|e| e.contains("not a time")));
    }

    #[test]
    fn records_fold_into_windows_moved_and_cancelled() {
        let t = Target::Area {
            region: "eu-west-1".into(),
            provider: "aws".into(),
        };
        let opens = now() + chrono::Duration::days(3);
        let id = new_id(&t, opens, &[]);
        assert_eq!(id, "WIN-20261205T1700Z-eu-west-1");
        let rec = |change| Record {
            at: now(),
            window: id.clone(),
            by: "alice@bastion".into(),
            change,
        };
        let later = opens + chrono::Duration::hours(2);
        let records = vec![
            rec(Change::Scheduled {
                runbook: "regional-failover-planned".into(),
                target: TargetRef::of(&t),
                opens,
                reason: String::new(),
            }),
            rec(Change::Moved {
                from: opens,
                to: later,
                reason: "vendor asked".into(),
            }),
            Record {
                window: "WIN-x".into(),
                ..rec(Change::Cancelled { reason: "r".into() })
            },
        ];
        let (windows, orphans) = fold(&records);
        assert_eq!(windows.len(), 1);
        assert_eq!(windows[0].opens, later);
        assert_eq!(windows[0].target, t);
        assert_eq!(windows[0].history.len(), 2);
        assert_eq!(orphans, ["WIN-x: a change to a window never scheduled"]);
        assert_eq!(new_id(&t, opens, &windows), format!("{id}-2"));
        let mut cancelled = records;
        cancelled.push(rec(Change::Cancelled {
            reason: "freeze".into(),
        }));
        let (windows, _) = fold(&cancelled);
        assert_eq!(windows[0].cancelled.as_deref(), Some("freeze"));
        assert!(!windows[0].is_open());
    }
}
