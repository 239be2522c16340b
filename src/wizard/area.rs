//! A region or provider an incident is started on: which pairs it affects
//! (their primary is in it), which of them can be failed over, and which
//! must be escalated because their standby shares the primary's provider
//! (seed 000: "design flaw").

use crate::state::{Instance, Model, Pair};

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Area {
    pub region: Option<String>,
    pub provider: Option<String>,
}

/// Why an affected pair is not failed over by a bulk step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Its standby can take over.
    Eligible,
    /// The standby is on the primary's provider, or in the area: escalate.
    Escalate(String),
    /// The standby cannot take over now (down, below standby_min, lag).
    Ineligible(String),
}

/// Counts over the affected pairs, for gates and messages.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Stats {
    pub pairs: usize,
    pub failing: usize,
    pub eligible: usize,
    pub escalate: usize,
    pub ineligible: usize,
    pub standby_down: usize,
    pub unreachable: usize,
    pub max_lag: f64,
    pub outage: bool,
}

impl Area {
    pub fn label(&self) -> String {
        match (&self.region, &self.provider) {
            (Some(r), Some(p)) => format!("{r} ({p})"),
            (Some(r), None) => r.clone(),
            (None, Some(p)) => format!("provider {p}"),
            (None, None) => "the estate".into(),
        }
    }

    /// The lock name: one incident per area on a host.
    pub fn lock_name(&self) -> String {
        format!(
            "area-{}-{}",
            self.region.as_deref().unwrap_or("all"),
            self.provider.as_deref().unwrap_or("all")
        )
    }

    pub fn contains(&self, i: &Instance) -> bool {
        self.region.as_ref().is_none_or(|r| *r == i.region)
            && self.provider.as_ref().is_none_or(|p| *p == i.provider)
    }

    /// Pairs whose primary is in the area, in fleet order.
    pub fn affected<'a>(&'a self, model: &'a Model) -> impl Iterator<Item = &'a Pair> + 'a {
        model.pairs.iter().filter(|p| self.contains(&p.primary))
    }

    /// Whether one affected pair can be failed over now, by the safety
    /// rules of `rules::standby`: a bulk step never overrides, so a standby
    /// on the primary's provider (or in the area) is escalated and any
    /// other rule that blocks makes the pair not eligible.
    pub fn verdict(&self, model: &Model, p: &Pair) -> Verdict {
        let Some(sb) = &p.standby else {
            return Verdict::Escalate("no standby".into());
        };
        if self.contains(sb) {
            return Verdict::Escalate(format!(
                "standby {} is on {} in {}, like the primary",
                sb.id, sb.provider, sb.region
            ));
        }
        let checks = super::rules::standby(model, p);
        if let Some(c) = checks.iter().find(|c| c.rule == "provider" && c.blocks()) {
            return Verdict::Escalate(c.fact.clone());
        }
        match checks.iter().find(|c| c.blocks()) {
            Some(c) => Verdict::Ineligible(c.fact.clone()),
            None => Verdict::Eligible,
        }
    }

    pub fn stats(&self, model: &Model) -> Stats {
        let cb = model.config.thresholds.critical_below;
        let mut s = Stats::default();
        for p in self.affected(model) {
            s.pairs += 1;
            if p.primary.down || p.primary.effective_score().is_some_and(|x| x < cb) {
                s.failing += 1;
            }
            match self.verdict(model, p) {
                Verdict::Eligible => s.eligible += 1,
                Verdict::Escalate(_) => s.escalate += 1,
                Verdict::Ineligible(_) => s.ineligible += 1,
            }
            if p.standby.as_ref().is_none_or(|x| x.down) {
                s.standby_down += 1;
            }
            s.max_lag = s.max_lag.max(p.lag.unwrap_or(0.0));
        }
        for p in &model.pairs {
            for i in std::iter::once(&p.primary).chain(p.standby.iter()) {
                if i.down && self.contains(i) {
                    s.unreachable += 1;
                }
            }
        }
        s.outage = model.regions.iter().any(|r| {
            r.outage
                && self.region.as_ref().is_none_or(|x| *x == r.region)
                && self.provider.as_ref().is_none_or(|x| *x == r.provider)
        });
        s
    }
}
