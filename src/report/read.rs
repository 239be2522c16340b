//! A journal file read for a report.

use std::sync::Arc;

use super::{Report, build};
use crate::wizard::incident::Event;
use crate::wizard::runbook::Runbook;

/// Reads a journal as the console does (torn lines kept as such, an entry
/// glued after one recovered), and reports what was damaged.
pub fn from_file(path: &std::path::Path, runbooks: &[Arc<Runbook>]) -> Result<Report, String> {
    let (entries, bad) = crate::effects::journal::read(path)?;
    let whole = entries
        .iter()
        .filter(|e| !matches!(e.event, Event::Torn { .. }))
        .count();
    if whole == 0 {
        return Err(format!(
            "{} holds no journal entry{}",
            path.display(),
            if bad > 0 {
                format!(" ({bad} unreadable lines)")
            } else {
                String::new()
            }
        ));
    }
    let torn_kept = entries.len() - whole;
    let mut damage = Vec::new();
    if bad > torn_kept {
        damage.push(format!(
            "{} unreadable lines name no incident",
            bad - torn_kept
        ));
    }
    let rb = runbooks.iter().find(|r| r.id == entries[0].runbook);
    Ok(build(&entries, rb, damage))
}

/// The detail line of an approval, a takeover or an action not run.
pub fn coordination(ev: &Event) -> Option<String> {
    Some(match ev {
        Event::ApprovalRequested { request, command } => {
            format!("approval {request} asked of a second operator for `{command}`")
        }
        Event::Approved {
            request,
            command,
            by,
        } => format!(
            "**approved** (request {request}) by {} for `{command}`",
            by.label()
        ),
        Event::ApprovalRefused {
            request,
            by,
            reason,
        } => format!(
            "**approval refused** (request {request}) by {}: {reason}",
            by.label()
        ),
        Event::TakenOver { from, reason } => {
            format!("**taken over** from {}: {reason}", from.label())
        }
        Event::ActionNotRun { reason } => format!("**not run**: {reason}"),
        _ => return None,
    })
}
