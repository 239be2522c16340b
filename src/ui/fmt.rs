//! Small formatting helpers shared by the panes: ages, lags, states.

use chrono::{DateTime, Utc};
use ratatui::style::Style;

use crate::state::{PairState, Severity};
use crate::theme::{Role, Theme};

/// `45s`, `3m`, `2h`, `4d`: short ages for narrow columns.
pub fn age(now: DateTime<Utc>, then: DateTime<Utc>) -> String {
    let s = (now - then).num_seconds().max(0);
    match s {
        0..=59 => format!("{s}s"),
        60..=3599 => format!("{}m", s / 60),
        3600..=86_399 => format!("{}h", s / 3600),
        _ => format!("{}d", s / 86_400),
    }
}

pub fn lag(secs: f64) -> String {
    if secs < 10.0 {
        format!("{secs:.1}s")
    } else if secs < 3600.0 {
        format!("{secs:.0}s")
    } else {
        format!("{:.0}m", secs / 60.0)
    }
}

/// A state word with a symbol, so it reads without colour.
pub fn state_text(s: PairState) -> String {
    let sym = match s {
        PairState::Ok => "●",
        PairState::AtRisk => "▲",
        PairState::Critical => "✖",
        PairState::FailingOver => "⇄",
        PairState::FailedOver => "✔",
        PairState::NoStandby => "○",
        PairState::Stale => "…",
    };
    format!("{sym} {}", s.label())
}

pub fn state_role(s: PairState) -> Role {
    match s {
        PairState::Ok | PairState::FailedOver => Role::Ok,
        PairState::AtRisk | PairState::NoStandby | PairState::FailingOver => Role::Warn,
        PairState::Critical => Role::Critical,
        PairState::Stale => Role::Stale,
    }
}

pub fn severity_style(theme: &Theme, s: Severity) -> Style {
    match s {
        Severity::Crit => theme.style(Role::Critical),
        Severity::Warn => theme.style(Role::Warn),
        Severity::Info => theme.style(Role::Info),
    }
}

/// Truncates to `width` characters with an ellipsis.
pub fn fit(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        s.to_string()
    } else if width == 0 {
        String::new()
    } else {
        let mut out: String = s.chars().take(width - 1).collect();
        out.push('…');
        out
    }
}
