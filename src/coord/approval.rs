//! Two-person approval: a step that needs it journals a request with the
//! exact rendered command; a second, different operator decides from
//! another console (`baton approve`), and the decision is stored where the
//! requesting console reads it: `journal_dir/approvals/INCIDENT.jsonl` on
//! one host, `approvals/INCIDENT/REQUEST` on etcd (created only if absent:
//! the first decision is the one). The requesting console journals the
//! decision with both identities; the approval counts only for that
//! request's command, and never when given by the operator who asked.

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::wizard::incident::{Entry, Event, Operator};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Decision {
    /// The request it answers (`approval_requested`'s `request`).
    pub request: u64,
    /// The command the approver was shown.
    pub command: String,
    pub by: Operator,
    pub approve: bool,
    #[serde(default)]
    pub reason: String,
    pub at: DateTime<Utc>,
}

/// An open request: asked, not yet decided in the journal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub request: u64,
    pub command: String,
    pub step: Option<String>,
    pub by: Operator,
    pub at: DateTime<Utc>,
}

/// The incident's open request, from its journal.
pub fn open_request(entries: &[Entry]) -> Option<Request> {
    let mut open = None;
    for e in entries {
        match &e.event {
            Event::ApprovalRequested { request, command } => {
                open = Some(Request {
                    request: *request,
                    command: command.clone(),
                    step: e.step.clone(),
                    by: e.operator.clone(),
                    at: e.at,
                });
            }
            Event::Approved { request, .. } | Event::ApprovalRefused { request, .. }
                if open
                    .as_ref()
                    .is_some_and(|r: &Request| r.request == *request) =>
            {
                open = None;
            }
            Event::StepDone { .. } | Event::Closed | Event::Aborted { .. } => open = None,
            _ => {}
        }
    }
    open
}

/// Why `by` may not decide `req`, if so: nobody approves their own step.
pub fn refusal(req: &Request, by: &Operator) -> Option<String> {
    (req.by.user == by.user).then(|| {
        format!(
            "{} asked for this approval: a second, different operator must decide it",
            req.by.label()
        )
    })
}

pub fn local_path(journal_dir: &Path, incident: &str) -> PathBuf {
    journal_dir
        .join("approvals")
        .join(format!("{incident}.jsonl"))
}

/// Appends a decision to the host's approvals file, flushed.
pub fn write_local(journal_dir: &Path, incident: &str, d: &Decision) -> Result<(), String> {
    let path = local_path(journal_dir, incident);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let mut line = serde_json::to_string(d).map_err(|e| e.to_string())?;
    line.push('\n');
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .and_then(|mut f| f.write_all(line.as_bytes()).and_then(|()| f.sync_data()))
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// The first decision on `request` in the host's approvals file.
pub fn read_local(journal_dir: &Path, incident: &str, request: u64) -> Option<Decision> {
    let path = local_path(journal_dir, incident);
    let raw = crate::config::files::read_bytes(&path, 16 * 1024 * 1024).ok()?;
    String::from_utf8_lossy(&raw)
        .lines()
        .filter_map(|l| serde_json::from_str::<Decision>(l).ok())
        .find(|d| d.request == request)
}

/// The event the requesting console journals for a decision.
pub fn event_of(d: &Decision) -> Event {
    if d.approve {
        Event::Approved {
            request: d.request,
            command: d.command.clone(),
            by: d.by.clone(),
        }
    } else {
        Event::ApprovalRefused {
            request: d.request,
            by: d.by.clone(),
            reason: d.reason.clone(),
        }
    }
}
