//! Notify steps without IO: the variables a message is rendered with, its
//! deadline, the channels it can go to and how a channel is shown (secrets
//! never in full).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use minijinja::Value;

use super::incident::{Event, Incident};
use super::runbook::Step;
use super::templates::Templates;
use super::vars::template_context;
use crate::config::{Config, NotifyCfg, NotifyKind};
use crate::state::{Instance, Model};

/// Seed 003's escalation matrix: level, trigger, who, response time.
pub const ESCALATION: [(&str, &str, &str, &str); 4] = [
    ("L1", "Single instance down", "On-call Engineer", "5 min"),
    ("L2", "Service completely down", "Senior Engineer", "10 min"),
    ("L3", "Multiple services down", "Tech Lead", "15 min"),
    ("L4", "Complete outage", "Engineering Manager", "Immediate"),
];

fn when(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

fn human(ms: i64) -> String {
    let s = ms.max(0) / 1000;
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m {:02}s", s / 60, s % 60),
        _ => format!("{}h {:02}m", s / 3600, (s % 3600) / 60),
    }
}

fn failing(i: &Instance, critical_below: f64) -> bool {
    i.down || i.effective_score().is_some_and(|s| s < critical_below)
}

/// Seed 003's levels read on the estate: L4 no pair has a working primary,
/// L3 several pairs have a failing primary, L2 this pair has no working
/// instance, L1 otherwise. `vars.level` in the step overrides it.
fn escalation_level(model: &Model, inc: &Incident) -> &'static str {
    let cb = model.config.thresholds.critical_below;
    let pairs = &model.pairs;
    let failing_primaries = pairs.iter().filter(|p| failing(&p.primary, cb)).count();
    let this = inc.pair.as_deref().and_then(|p| model.pair(p));
    if !pairs.is_empty() && failing_primaries == pairs.len() && pairs.len() > 1 {
        "L4"
    } else if failing_primaries > 1 {
        "L3"
    } else if this.is_some_and(|p| {
        failing(&p.primary, cb) && p.standby.as_ref().is_none_or(|s| failing(s, cb))
    }) {
        "L2"
    } else {
        "L1"
    }
}

/// The instances of the pair when the incident started, from the journal
/// (a follow-up carries those of the failover it follows).
pub fn started_with(inc: &Incident) -> (String, String) {
    inc.entries
        .iter()
        .find_map(|e| match &e.event {
            Event::Started {
                primary, standby, ..
            } => Some((primary.clone(), standby.clone())),
            _ => None,
        })
        .map(|(p, s)| (p.unwrap_or_default(), s.unwrap_or_default()))
        .unwrap_or_default()
}

/// From the start to the end of the phase holding the promotion (the new
/// primary confirmed), or to now while that phase runs.
fn failover_ms(inc: &Incident, now: DateTime<Utc>) -> i64 {
    let rb = &inc.runbook;
    let end = rb
        .phases
        .iter()
        .enumerate()
        .find(|(_, p)| p.steps.iter().any(|s| s.promote))
        .filter(|(pi, _)| inc.phase > *pi)
        .and_then(|(_, p)| p.steps.last())
        .and_then(|last| {
            inc.entries.iter().rev().find_map(|e| match e.event {
                Event::StepDone { .. } if e.step.as_deref() == Some(&last.id) => Some(e.at),
                _ => None,
            })
        })
        .unwrap_or(now);
    (end - inc.started).num_milliseconds()
}

/// Everything a notification template can name (see README), for the
/// incident now.
pub fn context(model: &Model, inc: &Incident, now: DateTime<Utc>) -> Value {
    let pair = inc.subject().and_then(|p| model.pair(p));
    let base = template_context(model, pair, &inc.id, &inc.operator.label());
    let step = inc.current();
    let mut regions: Vec<String> = Vec::new();
    let mut providers: Vec<String> = Vec::new();
    if let Some(p) = pair {
        for i in std::iter::once(&p.primary).chain(p.standby.iter()) {
            if !regions.contains(&i.region) {
                regions.push(i.region.clone());
            }
            if !providers.contains(&i.provider) {
                providers.push(i.provider.clone());
            }
        }
    }
    let mut steps: BTreeMap<String, String> = inc
        .runbook
        .steps()
        .map(|(_, _, s)| (s.id.clone(), "pending".to_string()))
        .collect();
    let mut inputs: BTreeMap<String, String> = BTreeMap::new();
    let mut lag_at_cutover = None;
    for e in &inc.entries {
        let id = e.step.clone().unwrap_or_default();
        match &e.event {
            Event::StepDone { outcome } => {
                steps.insert(id, outcome.clone());
            }
            Event::InputRecorded { text } => {
                inputs.insert(id, text.clone());
            }
            Event::ActionIntent { lag: Some(l), .. } => lag_at_cutover = Some(*l),
            _ => {}
        }
    }
    let reason = inc.entries.iter().find_map(|e| match &e.event {
        Event::InputRecorded { text } => Some(text.clone()),
        _ => None,
    });
    let vars: BTreeMap<String, String> = step.map(|s| s.vars.clone()).unwrap_or_default();
    let level = vars
        .get("level")
        .map_or(escalation_level(model, inc), String::as_str);
    let (level, trigger, who, response) = ESCALATION
        .iter()
        .find(|r| r.0 == level)
        .copied()
        .unwrap_or(("?", "unknown level", "the Commander", "as soon as possible"));
    let elapsed_ms = (now - inc.started).num_milliseconds().max(0);
    let (failed, new) = started_with(inc);
    // Only an area incident walks the fleet for its counts.
    let area = inc.area.clone().unwrap_or_default();
    let stats = inc
        .area
        .as_ref()
        .map(|a| a.stats(model))
        .unwrap_or_default();
    // An area is Critical once any of its primaries fails ("40 of 40
    // failing" is no warning); a pair by its own state.
    let severity = match pair.map(|p| p.state) {
        Some(crate::state::PairState::Critical) => "Critical",
        _ if pair.is_some_and(|p| failing(&p.primary, model.config.thresholds.critical_below)) => {
            "Critical"
        }
        _ if inc.area.is_some() && stats.failing > 0 => "Critical",
        _ => "Warning",
    };
    let bulk = inc.bulk.clone().unwrap_or_default();
    let pairs_of = |list: &[(String, String)]| -> Vec<String> {
        list.iter().map(|(p, why)| format!("{p} ({why})")).collect()
    };
    let bulk_failed: Vec<String> = bulk
        .failed()
        .into_iter()
        .map(|(p, why)| format!("{p} ({why})"))
        .collect();
    let phase = inc.runbook.phases.get(inc.phase);
    let mine = minijinja::context! {
        incident => minijinja::context! {
            id => inc.id.clone(),
            started_at => when(inc.started),
            // A maintenance window's id and time, empty outside one.
            window => inc.window.as_ref().map(|w| w.id.clone()).unwrap_or_default(),
            window_opens => inc.window.as_ref().map(|w| when(w.opens)).unwrap_or_default(),
            elapsed => elapsed_ms / 1000,
            duration => human(elapsed_ms),
            duration_ms => elapsed_ms,
            severity => severity,
            runbook => inc.runbook.id.clone(),
            runbook_title => inc.runbook.title.clone(),
            scenario => inc.runbook.scenario.clone(),
            phase => phase.map(|p| p.id.clone()),
            phase_title => phase.map(|p| p.title.clone().unwrap_or_else(|| p.id.clone())),
            drill => inc.drill,
            rto => inc.runbook.rto.map(|d| d.to_string()),
            rpo => inc.runbook.rpo.map(|d| d.to_string()),
            reason => reason,
            next_update => when(crate::clock::after(now, std::time::Duration::from_mins(30))),
        },
        now => when(now),
        failover => minijinja::context! {
            failed_instance => failed,
            new_primary => new,
            duration_ms => failover_ms(inc, now).max(0),
        },
        regions => regions,
        providers => providers,
        steps => steps,
        inputs => inputs,
        vars => vars,
        escalation => minijinja::context! { level, trigger, who, response },
        area => minijinja::context! {
            label => area.label(),
            region => area.region.clone().unwrap_or_default(),
            provider => area.provider.clone().unwrap_or_default(),
            pairs => stats.pairs,
            failing => stats.failing,
            eligible => stats.eligible,
            escalate => stats.escalate,
            ineligible => stats.ineligible,
            unreachable => stats.unreachable,
            max_lag => stats.max_lag,
            outage => stats.outage,
        },
        bulk => minijinja::context! {
            planned => bulk.planned.len(),
            ok => bulk.ok(),
            failed => bulk_failed,
            escalated => pairs_of(&bulk.escalated),
            ineligible => pairs_of(&bulk.ineligible),
        },
        lag_at_cutover => lag_at_cutover.map_or_else(|| "not measured".to_string(), |l| format!("{l:.1}s")),
    };
    // The last map wins: ours replaces the base's `incident`.
    minijinja::value::merge_maps([base, mine])
}

/// A context with every variable present, for checking templates.
pub fn sample_context(config: &Config) -> Value {
    let model = Model::new(std::sync::Arc::new(config.clone()), Utc::now());
    let inc = Incident::new(
        "INC-0",
        std::sync::Arc::new(super::runbook::Runbook::placeholder()),
        None,
        super::incident::Operator::default(),
        false,
        model.now,
    );
    let ctx = context(&model, &inc, model.now);
    // `vars` are set per pair in the config: here any name renders as a
    // placeholder (`baton check` names a pair that lacks one).
    let with_any_vars = |root: &str| {
        let mut m: std::collections::BTreeMap<String, Value> = std::collections::BTreeMap::new();
        if let Ok(v) = ctx.get_attr(root)
            && let Ok(keys) = v.try_iter()
        {
            for k in keys {
                let val = v.get_item(&k).unwrap_or_default();
                m.insert(k.to_string(), val);
            }
        }
        m.insert("vars".into(), Value::from_object(AnyVars));
        (root.to_string(), Value::from(m))
    };
    let mut over: std::collections::BTreeMap<String, Value> = ["pair", "primary", "standby"]
        .into_iter()
        .map(with_any_vars)
        .collect();
    over.insert("instances".into(), Value::from_object(AnyInstances));
    minijinja::value::merge_maps([ctx.clone(), Value::from(over)])
}

/// Answers any instance id with one whose `vars` are [`AnyVars`].
#[derive(Debug)]
struct AnyInstances;

impl minijinja::value::Object for AnyInstances {
    fn get_value(self: &std::sync::Arc<Self>, _key: &Value) -> Option<Value> {
        Some(Value::from(std::collections::BTreeMap::from([(
            "vars",
            Value::from_object(AnyVars),
        )])))
    }
}

/// Answers any attribute with `<vars.NAME>`: the sample of config vars.
#[derive(Debug)]
struct AnyVars;

impl minijinja::value::Object for AnyVars {
    fn get_value(self: &std::sync::Arc<Self>, key: &Value) -> Option<Value> {
        Some(Value::from(format!("<vars.{key}>")))
    }
}

/// The text of the current notify step, rendered now.
pub fn render(
    templates: &Templates,
    model: &Model,
    inc: &Incident,
    step: &Step,
    now: DateTime<Utc>,
) -> Result<String, String> {
    let ctx = context(model, inc, now);
    let text = match (&step.template, &step.text) {
        (Some(name), _) => templates.render(name, &ctx),
        (None, Some(src)) => templates.render_inline(src, &ctx),
        (None, None) => Err("this notify step has neither `template` nor `text`".into()),
    }?;
    Ok(if inc.drill { drill_marked(&text) } else { text })
}

/// A message of a drill says so, whatever its template: a JSON object
/// gets `"drill": true`, text a `[DRILL]` prefix (unless it names the
/// drill already). Nobody must take a drill's failover_complete for real.
pub fn drill_marked(text: &str) -> String {
    if let Ok(serde_json::Value::Object(mut o)) = serde_json::from_str(text) {
        o.insert("drill".into(), serde_json::Value::Bool(true));
        return serde_json::Value::Object(o).to_string();
    }
    if text.contains("DRILL") {
        text.to_string()
    } else {
        format!("[DRILL] {text}")
    }
}

/// When the current notify step must be sent by, if it has a deadline.
pub fn due(inc: &Incident) -> Option<DateTime<Utc>> {
    let d = inc.current()?.deadline?;
    Some(crate::clock::after(
        super::incident::deadline_start(inc),
        d.0,
    ))
}

/// The channels of the config, then the builtin clipboard.
pub fn channels(config: &Config) -> Vec<(String, NotifyCfg)> {
    let mut out: Vec<(String, NotifyCfg)> = config
        .notify
        .iter()
        .map(|(n, c)| (n.clone(), c.clone()))
        .collect();
    if !config.notify.contains_key("clipboard") {
        out.push(("clipboard".into(), NotifyCfg::clipboard()));
    }
    out
}

/// The step's channel, else the first configured one, else the clipboard.
pub fn default_channel(step: &Step, config: &Config) -> String {
    step.channel
        .clone()
        .or_else(|| config.notify.keys().next().cloned())
        .unwrap_or_else(|| "clipboard".into())
}

/// Where a channel sends, safe to show and journal: never a secret in
/// full (webhook paths and routing keys are credentials).
pub fn target(cfg: &NotifyCfg) -> String {
    let url = |u: &Option<String>| match u.as_deref() {
        Some(v) if v.starts_with("env:") => format!("URL from {v}"),
        Some(v) => match reqwest::Url::parse(v) {
            Ok(p) => {
                let port = p.port().map(|x| format!(":{x}")).unwrap_or_default();
                let rest = if p.path().len() > 1 { "/…" } else { "" };
                format!(
                    "{}://{}{port}{rest}",
                    p.scheme(),
                    p.host_str().unwrap_or("?")
                )
            }
            Err(_) => "an invalid URL".into(),
        },
        None => "https://events.pagerduty.com/…".into(),
    };
    match cfg.effective_kind() {
        NotifyKind::Webhook => format!("webhook {}", url(&cfg.url)),
        NotifyKind::Slack => format!("Slack {}", url(&cfg.url)),
        NotifyKind::Pagerduty => {
            let key = match cfg.routing_key.as_deref() {
                Some(k) if k.starts_with("env:") => format!("key from {k}"),
                Some(k) => format!(
                    "key …{}",
                    k.chars()
                        .rev()
                        .take(4)
                        .collect::<Vec<_>>()
                        .into_iter()
                        .rev()
                        .collect::<String>()
                ),
                None => "no key".into(),
            };
            format!("PagerDuty {} ({key})", url(&cfg.url))
        }
        NotifyKind::Command => format!(
            "command {}",
            cfg.command
                .as_ref()
                .map(|c| c.join(" "))
                .unwrap_or_default()
        ),
        NotifyKind::File => format!(
            "file {}",
            cfg.path
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_default()
        ),
        NotifyKind::Clipboard => "your clipboard (OSC 52): paste it into any chat".into(),
    }
}

/// How the current notify step stands: the last send that worked or failed.
pub fn last_send(inc: &Incident) -> Option<&Event> {
    let step = inc.current()?.id.as_str();
    inc.entries.iter().rev().find_map(|e| match &e.event {
        ev @ (Event::Notified { .. } | Event::NotifyFailed { .. })
            if e.step.as_deref() == Some(step) =>
        {
            Some(ev)
        }
        _ => None,
    })
}
