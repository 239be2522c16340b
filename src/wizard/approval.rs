//! Where the current step stands with two-person approval, read from the
//! journal: one rule used by the wizard's drawing, its `confirm` and the
//! executor's caller, so what is drawn is what is enforced. An approval
//! counts for one run of the exact command it was given for.

use super::incident::{Event, Incident, Operator};
use super::runbook::Step;
use crate::config::coordination::{Approval, Coordination};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Standing {
    /// Not asked yet (or the last approval was used, or refused).
    Needed {
        refused: Option<(Operator, String)>,
    },
    Waiting {
        request: u64,
        command: String,
    },
    Approved {
        by: Operator,
        command: String,
    },
}

/// Whether a step waits for a second operator.
pub fn needed(step: &Step, cfg: &Coordination) -> bool {
    step.approve || (cfg.approval == Approval::Destructive && step.destructive)
}

/// The current step's standing, from the entries since it began.
pub fn standing(inc: &Incident) -> Standing {
    let step = inc.current().map(|s| s.id.as_str());
    let mut out = Standing::Needed { refused: None };
    for e in inc
        .entries
        .iter()
        .skip_while(|e| e.at < inc.step_started)
        .filter(|e| e.step.as_deref() == step)
    {
        out = match (&e.event, &out) {
            (Event::ApprovalRequested { request, command }, _) => Standing::Waiting {
                request: *request,
                command: command.clone(),
            },
            (
                Event::Approved { request, by, .. },
                Standing::Waiting {
                    request: r,
                    command,
                },
            ) if request == r => Standing::Approved {
                by: by.clone(),
                command: command.clone(),
            },
            (
                Event::ApprovalRefused {
                    request,
                    by,
                    reason,
                },
                Standing::Waiting { request: r, .. },
            ) if request == r => Standing::Needed {
                refused: Some((by.clone(), reason.clone())),
            },
            // Used: a second run needs a second approval.
            (Event::ActionIntent { .. }, Standing::Approved { .. }) => {
                Standing::Needed { refused: None }
            }
            _ => continue,
        };
    }
    out
}

/// The number of the next request of an incident.
pub fn next_request(inc: &Incident) -> u64 {
    inc.entries
        .iter()
        .filter(|e| matches!(e.event, Event::ApprovalRequested { .. }))
        .count() as u64
        + 1
}
