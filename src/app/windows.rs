//! Maintenance windows in the console: read from the journal folder at
//! start and whenever `baton schedule` changes them, with a reminder of
//! what comes due.

use std::path::Path;

use chrono::{DateTime, Utc};

use super::App;
use crate::wizard::Wizard;
use crate::wizard::window::{self, Window};

impl App {
    /// Reads the windows journal if it changed since the last read;
    /// whether it did.
    pub fn reload_windows(&mut self, journal_dir: &Path) -> bool {
        let seen = crate::effects::windows::modified(journal_dir);
        if seen.is_some() && seen == self.windows_read {
            return false;
        }
        self.windows_read = seen;
        let (windows, problems) = crate::effects::windows::load(journal_dir);
        for p in problems {
            self.say(p, true);
        }
        let before = std::mem::take(&mut self.wizard.windows);
        self.wizard.set_windows(windows);
        before != self.wizard.windows
    }
}

/// The windows not yet started in, soonest first.
pub fn upcoming(w: &Wizard) -> Vec<&Window> {
    let mut v: Vec<&Window> = w
        .windows
        .iter()
        .filter(|x| x.is_open() && !w.window_started(&x.id))
        .collect();
    v.sort_by_key(|x| x.opens);
    v
}

/// The preparation phases of a window that are due at `now`.
pub fn due_prep(w: &Wizard, win: &Window, now: DateTime<Utc>) -> Vec<String> {
    w.runbooks
        .iter()
        .find(|r| r.id == win.runbook)
        .map(|rb| {
            window::preparation(rb, win.opens)
                .into_iter()
                .filter(|p| p.due <= now)
                .map(|p| p.title)
                .collect()
        })
        .unwrap_or_default()
}

/// "window WIN-… (… on eu-west-1) opens in 1d 22h; due now: …; :window
/// WIN-… starts it", for each window with something due or opening within
/// a day.
pub fn reminder(w: &Wizard, now: DateTime<Utc>) -> Option<String> {
    let parts: Vec<String> = upcoming(w)
        .into_iter()
        .filter_map(|win| {
            let due = due_prep(w, win, now);
            let soon = win.opens - now <= chrono::Duration::days(1);
            if due.is_empty() && !soon {
                return None;
            }
            let when = if win.opens <= now {
                "is open now".to_string()
            } else {
                format!("opens in {}", window::until(now, win.opens))
            };
            let due = if due.is_empty() {
                String::new()
            } else {
                format!("; due now: {}", due.join(", "))
            };
            Some(format!(
                "window {} ({} on {}) {when}{due}; :window {} starts it",
                win.id,
                win.runbook,
                win.target.label(),
                win.id
            ))
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join(" · "))
}
