//! The named service checks as expression variables (`check.NAME.ok`,
//! `checks.failing`) and as template values (`check.NAME`, `checks`).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use crate::cond::Value;
use crate::config::Config;
use crate::state::{Model, SourceStatus};

/// The fields of `check.NAME.`.
pub const FIELDS: [&str; 4] = ["ok", "latency", "failures", "successes"];
/// The fleet-wide counts of `checks.`.
pub const TOTALS: [&str; 3] = ["failing", "passing", "total"];

/// Every `check.` variable the config's checks give.
pub fn known(config: &Config) -> Vec<String> {
    config
        .sources
        .iter()
        .filter(|s| s.is_check())
        .flat_map(|s| FIELDS.iter().map(move |f| format!("check.{}.{f}", s.name)))
        .collect()
}

/// The value of a `check.` or `checks.` variable; `None` for another name.
/// `since`: only a poll after it counts (a wait after an action).
pub fn value(model: &Model, name: &str, since: Option<DateTime<Utc>>) -> Option<Value> {
    let now = model.now;
    let checks = || model.sources.iter().filter(|s| s.check.is_some());
    if let Some(total) = name.strip_prefix("checks.") {
        let count = |want: bool| checks().filter(|s| s.passing(now) == Some(want)).count();
        return Some(match total {
            "failing" => Value::Num(failing(model) as f64),
            "passing" => Value::Num(count(true) as f64),
            "total" => Value::Num(checks().count() as f64),
            _ => return None,
        });
    }
    let (check, field) = name.strip_prefix("check.")?.rsplit_once('.')?;
    let s = checks().find(|s| s.name == check)?;
    if let Some(since) = since
        && s.last_attempt.is_none_or(|at| at <= since)
    {
        return Some(Value::Missing(format!(
            "{name} (no poll since the step began)"
        )));
    }
    Some(match field {
        "ok" => s.passing(now).map_or_else(
            || {
                let why = if stale(s, now) {
                    "data is STALE"
                } else {
                    "no verdict yet"
                };
                Value::Missing(format!("{name} ({why})"))
            },
            Value::Bool,
        ),
        "latency" => s.latency.map_or_else(
            || Value::Missing(format!("{name} (not polled yet)")),
            |d| Value::Num(d.as_secs_f64()),
        ),
        "failures" => Value::Num(f64::from(s.failures)),
        "successes" => Value::Num(f64::from(s.check.as_ref().map_or(0, |c| c.successes))),
        _ => return None,
    })
}

fn stale(s: &SourceStatus, now: DateTime<Utc>) -> bool {
    s.health(now) == crate::state::SourceHealth::Stale
}

/// How many checks are FAILING now (title bar, Checks view, expressions).
pub fn failing(model: &Model) -> usize {
    model
        .sources
        .iter()
        .filter(|s| s.passing(model.now) == Some(false))
        .count()
}

/// `check.NAME` and `checks` for templates: a message can name what fails.
pub fn template_values(model: &Model) -> (minijinja::Value, minijinja::Value) {
    let now = model.now;
    let mut by_name = BTreeMap::new();
    let mut failing = Vec::new();
    for s in model.sources.iter().filter(|s| s.check.is_some()) {
        let passing = s.passing(now);
        if passing == Some(false) {
            failing.push(s.name.clone());
        }
        let c = s.check.clone().unwrap_or_default();
        by_name.insert(
            s.name.clone(),
            minijinja::context! {
                ok => passing.unwrap_or(false),
                state => state_label(s, now),
                latency_ms => s.latency.map_or(0, |d| d.as_millis() as u64),
                failures => s.failures,
                error => s.last_error.clone().unwrap_or_default(),
                detail => c.detail.unwrap_or_default(),
                target => s.target.clone(),
            },
        );
    }
    let totals = minijinja::context! {
        total => by_name.len(),
        failing => failing.len(),
        failing_names => failing,
    };
    (minijinja::Value::from(by_name), totals)
}

/// PASSING, FAILING, waiting or STALE, as the Checks view shows it.
pub fn state_label(s: &SourceStatus, now: DateTime<Utc>) -> &'static str {
    match s.passing(now) {
        Some(true) => "PASSING",
        Some(false) => "FAILING",
        None if stale(s, now) => "STALE",
        None => "waiting",
    }
}
