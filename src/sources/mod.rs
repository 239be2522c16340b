//! Health sources: tokio tasks that poll on their own interval, with their
//! own timeout, and only send `SourceUpdate`s. No drawing, no state.

pub mod alertmanager;
pub mod client;
pub mod command;
pub mod database;
pub mod dns;
pub mod fleet_delta;
pub mod http;
pub mod mapping;
pub mod parse;
pub mod process;
pub mod prometheus;
pub mod redis;
pub mod report;
pub mod series_delta;
pub mod tcp;

use std::time::{Duration, Instant};

use chrono::Utc;
use reqwest::header::HeaderMap;
use tokio::sync::mpsc;
use tokio::task::JoinSet;

use crate::config::{Config, SourceCfg, SourceKind, SourceMap};
use report::{Payload, Probe, SourceUpdate};
use series_delta::Resync;

/// What a source keeps from poll to poll: the buffer the next body is
/// read into, and what the last answer left to read the next against.
#[derive(Default)]
pub struct Memo {
    pub body: Vec<u8>,
    pub fleet: Option<fleet_delta::Last>,
    pub series: Option<series_delta::Seen>,
}

/// Starts one task per source. Tasks end when the receiver is dropped or
/// the set is dropped. `resync` is the state owner's (`Model::resync`).
pub fn spawn_all(config: &Config, tx: &mpsc::Sender<SourceUpdate>, resync: &Resync) -> JoinSet<()> {
    let mut set = JoinSet::new();
    for (idx, cfg) in config.sources.iter().enumerate() {
        let targets = if cfg.kind == SourceKind::Http {
            http::targets(cfg, config)
        } else {
            Vec::new()
        };
        let (cfg, tx, resync) = (cfg.clone(), tx.clone(), resync.clone());
        set.spawn(supervise(idx, cfg.interval.0, tx.clone(), move || {
            run(
                idx,
                cfg.clone(),
                targets.clone(),
                tx.clone(),
                resync.clone(),
            )
        }));
    }
    set
}

/// Runs a source's task; if it panics, the source is reported failing with
/// the panic's text and the task starts again after a pause (its interval,
/// between 1 s and 60 s), so one bad response never stops the polling.
pub async fn supervise<F, Fut>(
    idx: usize,
    interval: Duration,
    tx: mpsc::Sender<SourceUpdate>,
    mut task: F,
) where
    F: FnMut() -> Fut,
    Fut: Future<Output = ()>,
{
    let pause = interval.clamp(Duration::from_secs(1), Duration::from_mins(1));
    loop {
        let Err(why) = crate::panics::contain(task()).await else {
            // The receiver is gone: the console is ending.
            return;
        };
        tracing::error!("source {idx}: its task panicked ({why}); restarting it");
        let update = SourceUpdate {
            source: idx,
            at: Utc::now(),
            latency: Duration::ZERO,
            result: Err(format!(
                "baton's poller for this source panicked ({why}); restarted, polling again in {}",
                humantime::format_duration(pause)
            )),
            next_poll: chrono::Duration::from_std(pause)
                .ok()
                .and_then(|d| Utc::now().checked_add_signed(d)),
        };
        if tx.send(update).await.is_err() {
            return;
        }
        tokio::time::sleep(pause).await;
    }
}

/// Sources polled at most this far apart keep their body buffer.
const KEEP_BODY_UNDER: Duration = Duration::from_secs(2);

/// Default body limits: a fleet can be large, one instance cannot.
fn max_body(cfg: &SourceCfg) -> usize {
    let default = match cfg.kind {
        SourceKind::Http | SourceKind::Tcp | SourceKind::Redis | SourceKind::Dns => {
            client::MAX_HEALTH_BODY
        }
        _ => client::MAX_FLEET_BODY,
    };
    cfg.max_body_mib
        .map_or(default, |m| m as usize * 1024 * 1024)
}

/// How long to wait before the next poll: the interval, doubled per failed
/// poll beyond the threshold, up to `max_backoff`.
pub fn next_delay(cfg: &SourceCfg, failures: u32) -> Duration {
    let interval = cfg.interval.0;
    if failures < cfg.failure_threshold {
        return interval;
    }
    let cap = cfg.max_backoff.0.max(interval);
    let doublings = (failures - cfg.failure_threshold + 1).min(16);
    interval.saturating_mul(1 << doublings).min(cap)
}

async fn run(
    idx: usize,
    cfg: SourceCfg,
    targets: Vec<(String, String)>,
    tx: mpsc::Sender<SourceUpdate>,
    resync: Resync,
) {
    let setup = prepare(&cfg);
    let mut failures = 0u32;
    let mut memo = Memo::default();
    loop {
        let start = Instant::now();
        let whole = resync.take(idx);
        let result = match &setup {
            Err(e) => Err(e.clone()),
            Ok(check) => poll(check, &cfg, &targets, &mut memo, whole).await,
        };
        // A buffer kept for the next poll saves growing it again; one that
        // waits longer than that would take (a 30 s inventory's 46 MB at
        // 100 000 pairs) is given back meanwhile.
        if cfg.interval.0 > KEEP_BODY_UNDER {
            memo.body = Vec::new();
        }
        let result = if cfg.is_check() {
            as_check(result)
        } else {
            result
        };
        let failed = match &result {
            Err(_) => true,
            Ok(Payload::Instances(p)) => !p.is_empty() && p.iter().all(|p| p.result.is_err()),
            Ok(_) => false,
        };
        failures = if failed {
            failures.saturating_add(1)
        } else {
            0
        };
        let delay = next_delay(&cfg, failures);
        // Measured from the poll's start, so a slow poll does not shift
        // the schedule; `sleep` saturates where `Instant + delay` panics.
        let left = delay.saturating_sub(start.elapsed());
        let update = SourceUpdate {
            source: idx,
            at: Utc::now(),
            latency: start.elapsed(),
            result,
            next_poll: Some(crate::clock::after(Utc::now(), left)),
        };
        if tx.send(update).await.is_err() {
            break;
        }
        tokio::time::sleep(delay.saturating_sub(start.elapsed())).await;
    }
}

/// Client, headers and parsed conditions, built once per source.
fn prepare(cfg: &SourceCfg) -> Result<http::Check, String> {
    if let Some(e) = cfg.conditions.iter().find_map(|c| c.error()) {
        return Err(e.to_string());
    }
    let conditions = cfg.conditions.clone();
    Ok(http::Check {
        client: client::build(cfg.timeout.0, cfg.max_in_flight, cfg.ca_file.as_deref())?,
        headers: client::headers(&cfg.headers)?,
        timeout: cfg.timeout.0,
        max_body: max_body(cfg),
        conditions,
        map: cfg.map.clone(),
    })
}

async fn poll(
    check: &http::Check,
    cfg: &SourceCfg,
    targets: &[(String, String)],
    memo: &mut Memo,
    whole: bool,
) -> Result<Payload, String> {
    let (client, headers, max) = (&check.client, &check.headers, check.max_body);
    match cfg.kind {
        SourceKind::Fleet => {
            with_timeout(cfg.timeout.0, fleet(client, headers, cfg, max, memo)).await
        }
        SourceKind::Http => Ok(http::poll(check, cfg, targets).await),
        SourceKind::Prometheus => {
            let poll = prometheus::poll(client, headers, cfg, max, memo, whole);
            with_timeout(cfg.timeout.0, poll).await
        }
        SourceKind::Alertmanager => {
            with_timeout(cfg.timeout.0, alertmanager::poll(client, headers, cfg, max)).await
        }
        SourceKind::Tcp => Ok(tcp::poll(cfg).await),
        SourceKind::Redis => Ok(redis::poll(cfg).await),
        SourceKind::Dns => Ok(dns::poll(cfg).await),
        SourceKind::Process => found(cfg, process::poll(cfg)).await,
        SourceKind::Database => found(cfg, database::poll(cfg)).await,
        SourceKind::Command => {
            let start = Instant::now();
            if cfg.is_check() {
                let r = with_timeout(cfg.timeout.0, command::passes(cfg)).await;
                return r.map(|detail| Payload::Checked { detail });
            }
            let r = with_timeout(cfg.timeout.0, command::poll(cfg, max)).await;
            match (r, &cfg.instance) {
                // A failed run of an instance check is a failed check of
                // that instance, not only of the source.
                (Err(e), Some(id)) => Ok(Payload::Instances(vec![Probe {
                    instance: id.clone(),
                    latency: start.elapsed(),
                    result: Err(e),
                }])),
                (r, _) => r,
            }
        }
    }
}

/// A `process` or `database` lookup within the source's timeout, as a
/// probe of the source's instance (or of the check itself).
async fn found(
    cfg: &SourceCfg,
    lookup: impl Future<Output = Result<String, String>>,
) -> Result<Payload, String> {
    let start = Instant::now();
    let result = with_timeout(cfg.timeout.0, lookup).await;
    if cfg.is_check() {
        return result.map(|detail| Payload::Checked { detail });
    }
    let id = cfg.instance.clone().unwrap_or_else(|| cfg.name.clone());
    Ok(Payload::Instances(vec![Probe {
        instance: id.clone(),
        latency: start.elapsed(),
        result: result.map(|_| report::InstanceReport {
            id,
            status: Some("UP".into()),
            ..report::InstanceReport::default()
        }),
    }]))
}

/// A check's one probe is the poll's own result: its failure is the
/// check's, with the probe's error.
fn as_check(result: Result<Payload, String>) -> Result<Payload, String> {
    match result? {
        Payload::Instances(mut probes) if probes.len() == 1 => {
            let p = probes.remove(0);
            p.result.map(|r| Payload::Checked {
                detail: r.status.unwrap_or_else(|| "answered".into()),
            })
        }
        other => Ok(other),
    }
}

async fn fleet(
    client: &reqwest::Client,
    headers: &HeaderMap,
    cfg: &SourceCfg,
    max: usize,
    last: &mut Memo,
) -> Result<Payload, String> {
    let url = cfg.url.as_deref().unwrap_or_default();
    let mut body = std::mem::take(&mut last.body);
    let status = client::get_into(client, url, headers, max, &mut body).await;
    let status = match status {
        Ok(s) => s,
        Err(e) => {
            last.body = body;
            return Err(e);
        }
    };
    if !(200..300).contains(&status) {
        last.body = body;
        return Err(format!("HTTP {status}"));
    }
    let map = cfg.map.clone();
    let mut prev = last.fleet.take();
    // Reading 100 000 pairs takes milliseconds even against the last
    // body: off the runtime's workers that also serve other sources.
    let (result, next_last, next_body) = tokio::task::spawn_blocking(move || {
        let result = if map == SourceMap::default() {
            fleet_delta::read(&body, &mut prev)
        } else {
            // Another shape is read whole every time.
            serde_json::from_slice::<serde_json::Value>(&body)
                .map_err(|e| format!("malformed JSON: {e}"))
                .and_then(|doc| mapping::fleet(&doc, &map))
                .map(|(pairs, skipped)| Payload::Fleet { pairs, skipped })
        };
        (result, prev, body)
    })
    .await
    .map_err(|e| format!("parser failed: {e}"))?;
    (last.fleet, last.body) = (next_last, next_body);
    result
}

/// The source's own timeout covers connect, headers and the whole body, so
/// a response that never ends still fails on time.
pub async fn with_timeout<T>(
    timeout: Duration,
    fut: impl Future<Output = Result<T, String>>,
) -> Result<T, String> {
    match tokio::time::timeout(timeout, fut).await {
        Ok(r) => r,
        Err(_) => Err(format!(
            "timed out after {}",
            humantime::format_duration(timeout)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_after_the_threshold_up_to_the_cap() {
        let cfg: SourceCfg = toml::from_str(
            "name = \"f\"\nkind = \"fleet\"\nurl = \"http://127.0.0.1/\"\ninterval = \"2s\"\nfailure_threshold = 3\nmax_backoff = \"20s\"",
        )
        .expect("cfg");
        let d: Vec<u64> = (0..8).map(|f| next_delay(&cfg, f).as_secs()).collect();
        assert_eq!(d, vec![2, 2, 2, 4, 8, 16, 20, 20]);
    }
}
