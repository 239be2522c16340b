//! The variables gates and templates can name, and their values for one
//! pair from the live model.

use std::collections::BTreeMap;

use crate::cond::{Scope, Value};
use crate::state::{Instance, Model, Pair};

const INSTANCE_FIELDS: [&str; 9] = [
    "id",
    "role",
    "writable",
    "status",
    "health_score",
    "region",
    "provider",
    "down",
    "fail_streak",
];

/// Every variable name a gate may use.
pub fn known() -> Vec<String> {
    let mut v: Vec<String> = ["pair.id", "pair.state", "lag", "lag_bytes", "elapsed"]
        .iter()
        .map(|s| (*s).to_string())
        .collect();
    for who in ["primary", "standby"] {
        for f in INSTANCE_FIELDS {
            v.push(format!("{who}.{f}"));
        }
    }
    for t in [
        "critical_below",
        "standby_min",
        "lag_warn",
        "lag_abort",
        "lag_bytes_warn",
        "lag_bytes_abort",
    ] {
        v.push(format!("thresholds.{t}"));
    }
    for a in AREA_FIELDS {
        v.push(format!("area.{a}"));
    }
    for t in super::service_checks::TOTALS {
        v.push(format!("checks.{t}"));
    }
    v
}

/// Every variable a gate may use with this config: `known` and the
/// `check.NAME.` variables of its service checks.
pub fn known_in(config: &crate::config::Config) -> Vec<String> {
    let mut v = known();
    v.extend(super::service_checks::known(config));
    v
}

/// Variables of a region or provider incident (see `area::Stats`).
const AREA_FIELDS: [&str; 11] = [
    "region",
    "provider",
    "pairs",
    "failing",
    "eligible",
    "escalate",
    "ineligible",
    "standby_down",
    "unreachable",
    "max_lag",
    "outage",
];

fn area_value(area: &super::area::Area, s: &super::area::Stats, field: &str) -> Option<Value> {
    let text = |o: &Option<String>| Value::Str(o.clone().unwrap_or_default());
    let n = |x: usize| Value::Num(x as f64);
    if field == "region" {
        return Some(text(&area.region));
    }
    if field == "provider" {
        return Some(text(&area.provider));
    }
    Some(match field {
        "pairs" => n(s.pairs),
        "failing" => n(s.failing),
        "eligible" => n(s.eligible),
        "escalate" => n(s.escalate),
        "ineligible" => n(s.ineligible),
        "standby_down" => n(s.standby_down),
        "unreachable" => n(s.unreachable),
        "max_lag" => Value::Num(s.max_lag),
        "outage" => Value::Bool(s.outage),
        _ => return None,
    })
}

/// Live values for one pair (and the incident's elapsed seconds).
pub struct PairScope<'a> {
    pub model: &'a Model,
    pub pair: Option<&'a Pair>,
    /// The region or provider of an area incident.
    pub area: Option<&'a super::area::Area>,
    /// Its counts, computed once per scope (each walks the fleet).
    pub area_stats: std::cell::OnceCell<super::area::Stats>,
    pub elapsed: f64,
    /// Only data received after this counts (a wait after an action must
    /// not be satisfied by what was seen before the action).
    pub since: Option<chrono::DateTime<chrono::Utc>>,
}

impl PairScope<'_> {
    fn instance(&self, who: &str) -> Option<&Instance> {
        let p = self.pair?;
        match who {
            "primary" => Some(&p.primary),
            "standby" => p.standby.as_ref(),
            _ => None,
        }
    }
}

impl Scope for PairScope<'_> {
    fn get(&self, name: &str) -> Value {
        let missing = || Value::Missing(name.to_string());
        let t = &self.model.config.thresholds;
        match name {
            "elapsed" => return Value::Num(self.elapsed),
            "thresholds.critical_below" => return Value::Num(t.critical_below),
            "thresholds.standby_min" => return Value::Num(t.standby_min),
            "thresholds.lag_warn" => return Value::Num(t.lag_warn.as_secs_f64()),
            "thresholds.lag_abort" => return Value::Num(t.lag_abort.as_secs_f64()),
            "thresholds.lag_bytes_warn" => return Value::Num(t.lag_bytes_warn as f64),
            "thresholds.lag_bytes_abort" => return Value::Num(t.lag_bytes_abort as f64),
            _ => {}
        }
        if name.starts_with("check")
            && let Some(v) = super::service_checks::value(self.model, name, self.since)
        {
            return v;
        }
        if let Some(field) = name.strip_prefix("area.") {
            return self
                .area
                .and_then(|a| {
                    let stats = self.area_stats.get_or_init(|| a.stats(self.model));
                    area_value(a, stats, field)
                })
                .unwrap_or_else(missing);
        }
        let Some(p) = self.pair else { return missing() };
        // Values from data older than its bound are not values.
        if p.is_stale(self.model.now) && name != "pair.id" && name != "pair.state" {
            return Value::Missing(format!("{name} (data is STALE)"));
        }
        if let Some(since) = self.since
            && p.updated.is_none_or(|u| u <= since)
            && name != "pair.id"
        {
            return Value::Missing(format!("{name} (no data since the step began)"));
        }
        match name {
            "pair.id" => Value::Str(p.id.clone()),
            "pair.state" => Value::Str(p.state.label().to_string()),
            "lag" => p
                .lag
                .map_or_else(|| why_missing(name, p.lag_invalid.as_ref()), Value::Num),
            "lag_bytes" => p
                .lag_bytes
                .map_or_else(|| why_missing(name, p.lag_invalid.as_ref()), Value::Num),
            _ => {
                let Some((who, field)) = name.split_once('.') else {
                    return missing();
                };
                let Some(i) = self.instance(who) else {
                    return missing();
                };
                match field {
                    "id" => Value::Str(i.id.clone()),
                    "role" => i.role.clone().map_or_else(
                        || Value::Missing(format!("{name} (no source reports it)")),
                        Value::Str,
                    ),
                    "writable" => i.writable.map_or_else(
                        || Value::Missing(format!("{name} (no source reports it)")),
                        Value::Bool,
                    ),
                    "status" => Value::Str(if i.down {
                        "DOWN".into()
                    } else {
                        i.status.clone()
                    }),
                    "health_score" => i
                        .effective_score()
                        .map_or_else(|| why_missing(name, i.invalid.as_ref()), Value::Num),
                    "region" => Value::Str(i.region.clone()),
                    "provider" => Value::Str(i.provider.clone()),
                    "down" => Value::Bool(i.down),
                    "fail_streak" => Value::Num(f64::from(i.fail_streak)),
                    _ => missing(),
                }
            }
        }
    }
}

/// No value, with the reason when the source sent an impossible one.
fn why_missing(name: &str, invalid: Option<&String>) -> Value {
    Value::Missing(invalid.map_or_else(|| name.to_string(), |w| format!("{name} ({w})")))
}

/// Template context for action commands and URLs: the pair, its
/// instances, the incident, and each source's URL (`source.fleet.url`).
pub fn template_context(
    model: &Model,
    pair: Option<&Pair>,
    incident: &str,
    operator: &str,
) -> minijinja::Value {
    let config = &model.config;
    let inst = |i: &Instance| {
        BTreeMap::from([
            ("vars", minijinja::Value::from(config.instance_vars(&i.id))),
            (
                "role",
                minijinja::Value::from(i.role.clone().unwrap_or_default()),
            ),
            ("id", minijinja::Value::from(i.id.clone())),
            ("status", minijinja::Value::from(i.status.clone())),
            ("region", minijinja::Value::from(i.region.clone())),
            ("provider", minijinja::Value::from(i.provider.clone())),
            (
                "health_score",
                minijinja::Value::from(i.health_score.unwrap_or(0.0)),
            ),
        ])
    };
    let empty = Instance::default();
    let sources: BTreeMap<String, BTreeMap<&str, String>> = model
        .config
        .sources
        .iter()
        .map(|s| {
            (
                s.name.clone(),
                BTreeMap::from([("url", s.url.clone().unwrap_or_default())]),
            )
        })
        .collect();
    let fleet_url = model
        .config
        .sources
        .iter()
        .find(|s| s.kind == crate::config::SourceKind::Fleet)
        .and_then(|s| s.url.clone())
        .unwrap_or_default();
    let (check, checks) = super::service_checks::template_values(model);
    minijinja::context! {
        check => check,
        checks => checks,
        // `base`: the fleet URL without its last segment, where a control
        // plane keeps its other endpoints (`…/api`).
        fleet => BTreeMap::from([
            ("base", fleet_url.rsplit_once('/').map(|(b, _)| b.to_string()).unwrap_or_default()),
            ("url", fleet_url),
        ]),
        pair => BTreeMap::from([
            ("id", minijinja::Value::from(pair.map(|p| p.id.clone()).unwrap_or_default())),
            ("vars", minijinja::Value::from(pair.map(|p| config.pair_vars(&p.id)).unwrap_or_default())),
        ]),
        primary => inst(pair.map_or(&empty, |p| &p.primary)),
        standby => inst(pair.and_then(|p| p.standby.as_ref()).unwrap_or(&empty)),
        lag => pair.and_then(|p| p.lag).unwrap_or(0.0),
        lag_bytes => pair.and_then(|p| p.lag_bytes).unwrap_or(0.0),
        // Every configured instance's vars by id, for a step that must name
        // one whatever the roles are now (`instances[failover.new_primary]`).
        instances => config
            .pairs
            .iter()
            .flat_map(|p| std::iter::once(&p.primary).chain(p.standby.as_ref()))
            .map(|i| (i.id.clone(), BTreeMap::from([("vars", i.vars.clone())])))
            .collect::<BTreeMap<_, _>>(),
        incident => BTreeMap::from([("id", incident.to_string())]),
        operator => operator.to_string(),
        source => sources,
    }
}
