//! `http` sources: one request per instance health endpoint, bounded in
//! flight, with optional conditions and pointer mapping.

use std::time::{Duration, Instant};

use futures::StreamExt;
use reqwest::header::HeaderMap;
use serde_json::Value;

use super::report::{InstanceReport, Payload, Probe};
use super::{client, mapping, parse, with_timeout};
use crate::cond::{Cond, Response};
use crate::config::{SourceCfg, SourceMap};

/// What a probe needs besides the target.
#[derive(Clone)]
pub struct Check {
    pub client: reqwest::Client,
    pub headers: HeaderMap,
    pub timeout: Duration,
    pub max_body: usize,
    pub conditions: Vec<Cond>,
    pub map: SourceMap,
}

pub async fn poll(check: &Check, cfg: &SourceCfg, targets: &[(String, String)]) -> Payload {
    let probes = futures::stream::iter(targets.to_vec())
        .map(|(id, url)| probe(check.clone(), id, url))
        .buffer_unordered(cfg.max_in_flight.max(1))
        .collect::<Vec<_>>()
        .await;
    Payload::Instances(probes)
}

async fn probe(check: Check, id: String, url: String) -> Probe {
    let start = Instant::now();
    let fetched = with_timeout(
        check.timeout,
        client::get_bounded(&check.client, &url, &check.headers, check.max_body),
    )
    .await;
    let millis = start.elapsed().as_millis();
    let result = fetched.and_then(|(status, body)| judge(&check, &id, status, millis, &body));
    Probe {
        instance: id,
        latency: start.elapsed(),
        result,
    }
}

/// Applies conditions (or the 2xx rule) and reads the body.
pub fn judge(
    check: &Check,
    id: &str,
    status: u16,
    millis: u128,
    body: &[u8],
) -> Result<InstanceReport, String> {
    if check.conditions.is_empty() && check.map == SourceMap::default() {
        return parse::instance(id, status, body);
    }
    let json: Option<Value> = serde_json::from_slice(body).ok();
    if check.conditions.is_empty() {
        if !(200..300).contains(&status) {
            return parse::instance(id, status, body);
        }
    } else {
        let r = Response {
            status,
            millis,
            body,
            json: json.as_ref(),
        };
        for c in &check.conditions {
            crate::cond::gatus::check(c, &r)?;
        }
    }
    let mut report = match &json {
        Some(v) if check.map != SourceMap::default() => mapping::instance(v, &check.map)?,
        Some(_) => parse::instance(id, 200, body)?,
        None => InstanceReport {
            status: Some("UP".into()),
            ..InstanceReport::default()
        },
    };
    if report.id.is_empty() {
        report.id = id.to_string();
    }
    Ok(report)
}

/// Targets of an `http` source: its own `url`, or every instance `health`
/// URL of the config's pairs.
pub fn targets(cfg: &SourceCfg, config: &crate::config::Config) -> Vec<(String, String)> {
    if let Some(url) = &cfg.url {
        let id = cfg.instance.clone().unwrap_or_else(|| cfg.name.clone());
        return vec![(id, url.clone())];
    }
    config
        .pairs
        .iter()
        .flat_map(|p| std::iter::once(&p.primary).chain(p.standby.as_ref()))
        .filter_map(|i| i.health.as_ref().map(|u| (i.id.clone(), u.clone())))
        .collect()
}
