//! Starting an incident: the target, the runbooks that apply to it, the
//! chooser, the hard rules about other failovers, and resuming the
//! unfinished incidents of the journal.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::Wizard;
use crate::keymap::Action;
use crate::state::Model;
use crate::wizard::area::Area;
use crate::wizard::effect::Effect;
use crate::wizard::incident::{Entry, Event, Incident};
use crate::wizard::rules;
use crate::wizard::runbook::{AppliesTo, Purpose, Runbook};
use crate::wizard::window::{Window, WindowRef};

/// Marks each window with the incident `entries` say was started in it.
pub fn mark_started(windows: &mut [Window], entries: &[Entry]) {
    for e in entries {
        if let Event::Started {
            window: Some(r), ..
        } = &e.event
            && let Some(w) = windows.iter_mut().find(|w| w.id == r.id)
        {
            w.started.get_or_insert_with(|| e.incident.clone());
        }
    }
}

/// Whether two targets are the same for `rb`: the pair, the region or the
/// provider it applies to (a provider's runbook from any of its regions).
fn same_target(rb: &Runbook, a: &Target, b: &Target) -> bool {
    match (a, b) {
        (Target::Pair(x), Target::Pair(y)) => x == y,
        (
            Target::Area {
                region: r1,
                provider: p1,
            },
            Target::Area {
                region: r2,
                provider: p2,
            },
        ) => match rb.applies_to {
            AppliesTo::Provider => p1 == p2,
            _ => r1 == r2,
        },
        _ => false,
    }
}

/// What a runbook is started on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Pair(String),
    /// A row of the Regions pane: a region and its provider.
    Area {
        region: String,
        provider: String,
    },
}

impl Target {
    pub fn label(&self) -> String {
        match self {
            Self::Pair(p) => p.clone(),
            Self::Area { region, provider } => format!("{region} ({provider})"),
        }
    }
}

impl Wizard {
    /// Starting a failover of a pair: refused by the hard rules about
    /// other failovers (one per pair, an instance in one failover,
    /// max_concurrent). The standby and flapping rules are judged at the
    /// promote step. `closing`: the incident whose close starts this one.
    fn start_refusal(&self, model: &Model, pair: &str, closing: Option<&str>) -> Option<String> {
        let checks = rules::others(&self.rules_ctx(model), pair, closing);
        rules::hard(&checks).map(|c| c.fact.clone())
    }

    /// `failover` on the selected pair (which may name its runbook), or on
    /// the selected row of the Regions pane.
    pub(super) fn failover(
        &mut self,
        target: Option<(Target, Option<String>)>,
        model: &Model,
        now: DateTime<Utc>,
    ) -> Vec<Effect> {
        if self.read_only {
            return vec![Effect::notice(
                "read-only console: failovers are started from an operator console",
                true,
            )];
        }
        let Some((target, named)) = target else {
            return Vec::new();
        };
        // The pair names its runbook in the config: no question.
        if let Some(id) = named {
            let Some(rb) = self.runbooks.iter().find(|r| r.id == id).cloned() else {
                return vec![Effect::notice(
                    format!(
                        "the pair names runbook `{id}`, which is not loaded: see `baton check`"
                    ),
                    true,
                )];
            };
            return self.start_with(&target, &rb, model, now);
        }
        let choices = self.runbooks_for(&target, model);
        match choices.len() {
            0 => vec![Effect::notice(
                format!(
                    "no runbook applies to {}: see `baton check`",
                    target.label()
                ),
                true,
            )],
            1 => self.start_with(&target, &choices[0], model, now),
            _ => {
                self.chooser = Some((target, 0));
                Vec::new()
            }
        }
    }

    /// Runbooks that can be started on a target, the one that fits its
    /// state first.
    pub fn runbooks_for(&self, target: &Target, model: &Model) -> Vec<Arc<Runbook>> {
        let mut list: Vec<Arc<Runbook>> = self
            .runbooks
            .iter()
            .filter(|r| match target {
                Target::Pair(_) => r.applies_to == AppliesTo::Pair,
                Target::Area { .. } => {
                    matches!(r.applies_to, AppliesTo::Region | AppliesTo::Provider)
                }
            })
            .cloned()
            .collect();
        // Whatever the load order: a failover for a failing pair, a
        // failback for one failed over; checklists last, so one arrow key
        // too many never lands on one.
        let failed_over = match target {
            Target::Pair(p) => model
                .pair(p)
                .is_some_and(|p| p.state == crate::state::PairState::FailedOver),
            Target::Area { .. } => false,
        };
        list.sort_by_key(|r| match (r.purpose(), failed_over) {
            (Purpose::Failover, false) | (Purpose::Failback, true) => 0,
            (Purpose::Incident, _) => 1,
            (Purpose::Failover, true) | (Purpose::Failback, false) => 2,
            (Purpose::Checklist, _) => 3,
        });
        list
    }

    /// Keys while choosing a runbook: up and down move, confirm starts,
    /// close cancels.
    pub(super) fn chooser_action(
        &mut self,
        action: Action,
        model: &Model,
        now: DateTime<Utc>,
    ) -> Vec<Effect> {
        let Some((target, pos)) = self.chooser.clone() else {
            return Vec::new();
        };
        let n = self.runbooks_for(&target, model).len();
        match action {
            Action::Close | Action::Cancel => self.chooser = None,
            Action::Up => self.chooser = Some((target, pos.saturating_sub(1))),
            Action::Down => {
                self.chooser = Some((target, (pos + 1).min(n.saturating_sub(1))));
            }
            Action::Confirm | Action::Submit => {
                self.chooser = None;
                if let Some(rb) = self.runbooks_for(&target, model).get(pos).cloned() {
                    return self.start_with(&target, &rb, model, now);
                }
            }
            _ => {}
        }
        Vec::new()
    }

    /// Starts `rb` on a target after the safety checks; in the window
    /// scheduled for that runbook and target, if one is and its incident
    /// has not started yet.
    pub fn start_with(
        &mut self,
        target: &Target,
        rb: &Arc<Runbook>,
        model: &Model,
        now: DateTime<Utc>,
    ) -> Vec<Effect> {
        self.start_following(target, rb, None, None, model, now)
    }

    /// The open window of `rb` on `target` that no incident has started in.
    pub fn window_for(&self, target: &Target, rb: &Runbook) -> Option<&Window> {
        self.windows.iter().find(|w| {
            w.is_open()
                && w.runbook == rb.id
                && same_target(rb, &w.target, target)
                && !self.window_started(&w.id)
        })
    }

    /// Whether an incident was ever started in window `id`: open, closed or
    /// aborted (a spent window is scheduled anew, not reused).
    pub fn window_started(&self, id: &str) -> bool {
        self.windows
            .iter()
            .any(|w| w.id == id && w.started.is_some())
    }

    /// The windows of the journal folder, each marked with the incident
    /// the history says was started in it: read once here, not per frame.
    pub fn set_windows(&mut self, mut windows: Vec<Window>) {
        mark_started(&mut windows, &self.history);
        self.windows = windows;
    }

    /// As `start_with`; a follow-up names the failed primary and the
    /// promoted standby of the failover it follows (`origin`), not the
    /// pair's members now. `closing` is the incident whose close starts
    /// this one (its `then`): it no longer counts as open on the target.
    pub(super) fn start_following(
        &self,
        target: &Target,
        rb: &Arc<Runbook>,
        origin: Option<(String, String)>,
        closing: Option<&str>,
        model: &Model,
        now: DateTime<Utc>,
    ) -> Vec<Effect> {
        let (pair, area) = match target {
            Target::Pair(p) => (Some(p.clone()), None),
            Target::Area { region, provider } => (
                None,
                Some(Area {
                    region: (rb.applies_to != AppliesTo::Provider).then(|| region.clone()),
                    provider: (rb.applies_to == AppliesTo::Provider).then(|| provider.clone()),
                }),
            ),
        };
        if rb.lock {
            // Its own pair, and each pair a region runbook's steps name.
            for p in pair.iter().cloned().chain(rb.named_pairs()) {
                if let Some(why) = self.start_refusal(model, &p, closing) {
                    return vec![Effect::notice(format!("failover refused: {why}"), true)];
                }
            }
            if let Some(a) = &area
                && self.incidents.iter().any(|i| {
                    i.is_open()
                        && i.area.as_ref() == Some(a)
                        && i.runbook.lock
                        && Some(i.id.as_str()) != closing
                })
            {
                return vec![Effect::notice(
                    format!("refused: an incident on {} is already open here", a.label()),
                    true,
                )];
            }
        }
        let name = pair
            .clone()
            .or_else(|| {
                area.as_ref()
                    .and_then(|a| a.region.clone().or_else(|| a.provider.clone()))
            })
            .unwrap_or_default();
        // A follow-up checklist is not an incident of its own.
        let prefix = if rb.lock { "INC" } else { "FUP" };
        let base = format!("{prefix}-{}-{name}", now.format("%Y%m%dT%H%M%SZ"));
        // Two incidents of one target started within a second (a cutover
        // right after a promote) must not share a journal.
        let mut id = base.clone();
        let mut n = 1;
        while self.incidents.iter().any(|i| i.id == id) {
            n += 1;
            id = format!("{base}-{n}");
        }
        let live = pair.as_deref().and_then(|p| model.pair(p));
        let (primary, standby) = match origin {
            Some((p, s)) => (
                Some(p).filter(|x| !x.is_empty()),
                Some(s).filter(|x| !x.is_empty()),
            ),
            None => (
                live.map(|p| p.primary.id.clone()),
                live.and_then(|p| p.standby.as_ref().map(|s| s.id.clone())),
            ),
        };
        let drill = self.drill || rb.drill;
        let mut inc = Incident::new(&id, Arc::clone(rb), pair, self.operator.clone(), drill, now);
        inc.area.clone_from(&area);
        let entry = inc.entry(
            now,
            Event::Started {
                title: rb.title.clone(),
                drill,
                primary,
                standby,
                region: area.as_ref().and_then(|a| a.region.clone()),
                provider: area.as_ref().and_then(|a| a.provider.clone()),
                // In the window scheduled for this runbook and target.
                window: self.window_for(target, rb).map(|w| WindowRef {
                    id: w.id.clone(),
                    opens: w.opens,
                }),
            },
        );
        vec![Effect::Start {
            incident: Box::new(inc),
            entry,
        }]
    }

    /// The executor took the lock and journaled the start.
    pub(super) fn started(
        &mut self,
        mut inc: Incident,
        entry: &Entry,
        keep_focus: bool,
    ) -> Vec<Effect> {
        inc.apply(entry);
        self.history.push(entry.clone());
        mark_started(&mut self.windows, std::slice::from_ref(entry));
        let text = format!("{} started on {}", inc.id, inc.target());
        self.incidents.push(inc);
        // A follow-up started at a close must not take the focus from the
        // report of the incident that closed.
        if !keep_focus {
            self.focus = self.incidents.len() - 1;
        }
        vec![Effect::notice(text, false), Effect::ShowWizard(true)]
    }
}

/// "follow-up … is due" for open incidents whose current phase has a
/// horizon that has begun.
pub fn due_reminder(w: &Wizard, now: DateTime<Utc>) -> Option<String> {
    let due: Vec<String> = w
        .incidents
        .iter()
        .filter(|i| i.is_open())
        .filter_map(|i| {
            let at = crate::wizard::decide::phase_due(i)?;
            let phase = i.runbook.phases.get(i.phase)?;
            (at <= now).then(|| {
                format!(
                    "{} on {}: \"{}\" due since {}",
                    i.runbook.title,
                    i.target(),
                    phase.title.as_deref().unwrap_or(&phase.id),
                    at.format("%Y-%m-%d %H:%M UTC")
                )
            })
        })
        .collect();
    (!due.is_empty()).then(|| format!("follow-up due: {}", due.join("; ")))
}

/// Open incidents of the journal folder, replayed, for resuming on start.
pub fn unfinished(
    history: &[(std::path::PathBuf, Vec<Entry>)],
    runbooks: &[Arc<Runbook>],
) -> Vec<Incident> {
    history
        .iter()
        .filter(|(_, e)| {
            !e.iter()
                .any(|x| matches!(x.event, Event::Closed | Event::Aborted { .. }))
        })
        .filter_map(|(_, entries)| {
            let rb = runbooks
                .iter()
                .find(|r| Some(&r.id) == entries.first().map(|e| &e.runbook))?;
            Incident::replay(entries, Arc::clone(rb))
        })
        .collect()
}
