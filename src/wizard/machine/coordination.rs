//! The wizard's part in coordination: taking over an incident whose
//! console was lost (another host, its lease expired), and two-person
//! approval (asking, and journaling a second operator's decision).

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::{Prompt, Purpose, Wizard, journal};
use crate::coord::approval::{Decision, event_of};
use crate::state::Model;
use crate::wizard::approval::{Standing, needed, next_request, standing};
use crate::wizard::effect::Effect;
use crate::wizard::incident::{ActionState, Entry, Event, Incident};

/// An incident on etcd that no console holds: its owner's lease expired.
#[derive(Debug, Clone)]
pub struct Orphan {
    /// Its journal of record, as etcd holds it.
    pub entries: Vec<Entry>,
    /// Who ran it last.
    pub owner: crate::wizard::incident::Operator,
}

impl Wizard {
    /// `take_over`: asks for the reason, for the first orphan.
    pub(super) fn ask_take_over(&mut self) -> Vec<Effect> {
        if self.read_only {
            return vec![Effect::notice("read-only console: watching only", true)];
        }
        let Some(o) = self.orphans.first() else {
            return vec![Effect::notice(
                "no incident to take over: every open incident's console holds its lease",
                true,
            )];
        };
        let id = o.entries.first().map_or("", |e| e.incident.as_str());
        self.prompt = Some(Prompt::new(
            Purpose::TakeOver,
            &format!("why you take {id} over from {}", o.owner.label()),
        ));
        vec![Effect::ShowWizard(true)]
    }

    /// The takeover, once a reason is typed: the incident replayed from
    /// its journal of record (a step that was running: outcome unknown).
    pub(super) fn take_over(
        &self,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<Effect>, String> {
        if reason.len() < 3 {
            return Err("a takeover needs a reason".into());
        }
        let o = self
            .orphans
            .first()
            .ok_or("nothing to take over any more")?;
        let first = o.entries.first().ok_or("its journal is empty")?;
        let rb = self
            .runbooks
            .iter()
            .find(|r| r.id == first.runbook)
            .ok_or_else(|| format!("runbook `{}` is not loaded here", first.runbook))?;
        let mut inc = Incident::replay(&o.entries, Arc::clone(rb)).ok_or("its journal is empty")?;
        if let ActionState::Unknown { reason } = &mut inc.action {
            *reason = format!(
                "{}'s console was lost while the action ran: check whether it happened",
                o.owner.label()
            );
        }
        inc.operator = self.operator.clone();
        let entry = inc.entry(
            now,
            Event::TakenOver {
                from: o.owner.clone(),
                reason: reason.to_string(),
            },
        );
        Ok(vec![Effect::TakeOver {
            incident: Box::new(inc),
            entries: o.entries.clone(),
            entry,
        }])
    }

    /// A decision read from the approvals store: journaled when it answers
    /// the open request of one of this console's incidents, by someone else.
    pub fn decided(&self, d: &Decision, incident: &str, now: DateTime<Utc>) -> Vec<Effect> {
        let Some(inc) = self.incidents.iter().find(|i| i.id == incident) else {
            return Vec::new();
        };
        let Standing::Waiting { request, command } = standing(inc) else {
            return Vec::new();
        };
        if d.request != request || d.command != command {
            return Vec::new();
        }
        if let Some(req) = crate::coord::approval::open_request(&inc.entries)
            && let Some(why) = crate::coord::approval::refusal(&req, &d.by)
        {
            tracing::warn!("decision on {incident} ignored: {why}");
            return Vec::new();
        }
        let mut fx = journal(inc, now, vec![event_of(d)]);
        fx.push(Effect::notice(
            if d.approve {
                format!(
                    "{} approved the step: {} runs it",
                    d.by.label(),
                    self.key_for(crate::keymap::Action::Confirm)
                )
            } else {
                format!("{} refused the step: {}", d.by.label(), d.reason)
            },
            !d.approve,
        ));
        fx
    }

    /// Open requests of this console's incidents: (incident, request).
    pub fn waiting_approvals(&self) -> Vec<(String, u64)> {
        self.incidents
            .iter()
            .filter(|i| i.is_open())
            .filter_map(|i| match standing(i) {
                Standing::Waiting { request, .. } => Some((i.id.clone(), request)),
                _ => None,
            })
            .collect()
    }
}

/// Before the current action runs: `None` when it needs no approval
/// or has one for exactly this command; else what to do instead (ask,
/// or say that it waits).
pub(super) fn approval_gate(
    inc: &Incident,
    command: &str,
    model: &Model,
    now: DateTime<Utc>,
) -> Option<Result<Vec<Effect>, String>> {
    let step = inc.current()?;
    if !needed(step, &model.config.coordination) {
        return None;
    }
    match standing(inc) {
        Standing::Approved { command: c, .. } if c == command => None,
        Standing::Waiting {
            request,
            command: c,
        } if c == command => Some(Err(format!(
            "waiting for a second operator: `baton approve {}` on another console (request {request})",
            inc.id
        ))),
        _ => {
            let mut fx = journal(
                inc,
                now,
                vec![Event::ApprovalRequested {
                    request: next_request(inc),
                    command: command.to_string(),
                }],
            );
            fx.push(Effect::notice(
                format!(
                    "approval asked: a second operator runs `baton approve {}` on another console",
                    inc.id
                ),
                false,
            ));
            Some(Ok(fx))
        }
    }
}
