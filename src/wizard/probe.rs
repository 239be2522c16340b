//! Probe waits: a request repeated for each item (resolvers, endpoints)
//! until an expression over every JSON answer holds (DNS propagation,
//! automation resumed). The requests are the executor's; this is the
//! judging, without IO.

use super::incident::Incident;
use crate::cond::{Cond, Scope, Value};

pub use super::incident::{Answer, Round};

/// `status`, `item`, and the answer's fields by dotted path.
struct AnswerScope<'a> {
    item: &'a str,
    status: u16,
    json: &'a serde_json::Value,
}

impl Scope for AnswerScope<'_> {
    fn get(&self, name: &str) -> Value {
        match name {
            "status" => return Value::Num(f64::from(self.status)),
            "item" => return Value::Str(self.item.to_string()),
            _ => {}
        }
        crate::cond::json_at(self.json, name).map_or_else(
            || Value::Missing(name.to_string()),
            |v| crate::cond::from_json(name, v),
        )
    }
}

/// Between two rounds when the runbook does not say.
pub const DEFAULT_EVERY: std::time::Duration = std::time::Duration::from_secs(5);
/// The shortest time between two rounds: each round asks every item, so a
/// tiny `every` would hammer the endpoints in the middle of an incident.
pub const MIN_EVERY: std::time::Duration = std::time::Duration::from_millis(500);

/// Time between two rounds of a probe wait, sub-second values kept.
pub fn every(probe: &super::runbook::Probe) -> std::time::Duration {
    probe.every.map_or(DEFAULT_EVERY, |d| d.0).max(MIN_EVERY)
}

/// The rendered URL of each item (`{{ item }}`), or one URL without items.
pub fn urls(inc: &Incident, ctx: &minijinja::Value) -> Result<Vec<(String, String)>, String> {
    let probe = inc
        .current()
        .and_then(|s| s.probe.as_ref())
        .ok_or("no probe")?;
    // An item may be a template (`"{{ pair.vars.resolvers }}"`); what it
    // renders to is split on spaces, so one config value lists several.
    let mut items = Vec::new();
    for item in &probe.each {
        let text = super::templates::render_str(item, ctx.clone())
            .map_err(|e| format!("probe each: {e}"))?;
        items.extend(text.split_whitespace().map(str::to_string));
    }
    if items.is_empty() {
        items.push(String::new());
    }
    items
        .into_iter()
        .map(|item| {
            let c = minijinja::value::merge_maps([
                ctx.clone(),
                minijinja::context! { item => item.clone() },
            ]);
            super::templates::render_str(&probe.url, c)
                .map(|u| (item, u))
                .map_err(|e| format!("probe url: {e}"))
        })
        .collect()
}

/// What a probe expects without `expect`.
pub fn default_expect() -> &'static Cond {
    static DEFAULT: std::sync::LazyLock<Cond> =
        std::sync::LazyLock::new(|| Cond::new("status < 400"));
    &DEFAULT
}

/// Whether `expect` holds for every answer: `Ok(summary)` when it does,
/// `Err(what is still missing)` otherwise.
pub fn judge(e: &Cond, round: &Round) -> Result<String, String> {
    if let Some(err) = e.error() {
        return Err(err.to_string());
    }
    let mut missing = Vec::new();
    for a in &round.answers {
        let label = if a.item.is_empty() {
            "the endpoint".to_string()
        } else {
            a.item.clone()
        };
        match &a.result {
            Ok((status, json)) => {
                let scope = AnswerScope {
                    item: &a.item,
                    status: *status,
                    json,
                };
                if e.eval(&scope) != Ok(true) {
                    missing.push(format!("{label}: {}", e.values(&scope)));
                }
            }
            Err(err) => missing.push(format!("{label}: {err}")),
        }
    }
    if missing.is_empty() {
        Ok(format!(
            "{e} holds for all {} answer(s)",
            round.answers.len()
        ))
    } else {
        Err(format!(
            "{}/{} hold; {}",
            round.answers.len() - missing.len(),
            round.answers.len(),
            missing.join("; ")
        ))
    }
}
