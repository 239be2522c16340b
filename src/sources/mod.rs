//! Health sources: tokio tasks that poll on their own interval, with their
//! own timeout, and only send `SourceUpdate`s. No drawing, no state.

pub mod client;
pub mod parse;
pub mod report;

use std::time::{Duration, Instant};

use chrono::Utc;
use futures::StreamExt;
use reqwest::header::HeaderMap;
use tokio::sync::mpsc;
use tokio::task::JoinSet;

use crate::config::{Config, SourceCfg, SourceKind};
use report::{Payload, Probe, SourceUpdate};

/// Starts one task per supported source. Tasks end when the receiver is
/// dropped or the set is dropped.
pub fn spawn_all(config: &Config, tx: &mpsc::Sender<SourceUpdate>) -> JoinSet<()> {
    let mut set = JoinSet::new();
    for (idx, cfg) in config.sources.iter().enumerate() {
        let poller = match cfg.kind {
            SourceKind::Fleet => Poller::Fleet,
            SourceKind::Http => Poller::Http(http_targets(cfg, config)),
            _ => continue,
        };
        let tx = tx.clone();
        let cfg = cfg.clone();
        set.spawn(run(idx, cfg, poller, tx));
    }
    set
}

enum Poller {
    Fleet,
    /// (instance id, URL) pairs.
    Http(Vec<(String, String)>),
}

fn http_targets(cfg: &SourceCfg, config: &Config) -> Vec<(String, String)> {
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

async fn run(idx: usize, cfg: SourceCfg, poller: Poller, tx: mpsc::Sender<SourceUpdate>) {
    let mut ticker = tokio::time::interval(cfg.interval.0);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let setup = client::build(cfg.timeout.0, cfg.max_in_flight)
        .and_then(|c| client::headers(&cfg.headers).map(|h| (c, h)));
    loop {
        ticker.tick().await;
        let start = Instant::now();
        let result = match &setup {
            Err(e) => Err(e.clone()),
            Ok((client, headers)) => poll(&poller, &cfg, client, headers).await,
        };
        let update = SourceUpdate {
            source: idx,
            at: Utc::now(),
            latency: start.elapsed(),
            result,
        };
        if tx.send(update).await.is_err() {
            break;
        }
    }
}

async fn poll(
    poller: &Poller,
    cfg: &SourceCfg,
    client: &reqwest::Client,
    headers: &HeaderMap,
) -> Result<Payload, String> {
    match poller {
        Poller::Fleet => {
            let url = cfg.url.as_deref().unwrap_or_default();
            let fetch = client::get_bounded(client, url, headers, client::MAX_FLEET_BODY);
            let (status, body) = with_timeout(cfg.timeout.0, fetch).await?;
            if !(200..300).contains(&status) {
                return Err(format!("HTTP {status}"));
            }
            // Parsing 10 000 pairs takes milliseconds: keep it off the
            // runtime's worker that also serves other sources.
            let (pairs, skipped) = tokio::task::spawn_blocking(move || parse::fleet(&body))
                .await
                .map_err(|e| format!("parser failed: {e}"))??;
            Ok(Payload::Fleet { pairs, skipped })
        }
        Poller::Http(targets) => {
            // Owned arguments: a borrowed client inside `buffer_unordered`
            // trips the compiler's Send check for spawned tasks.
            let timeout = cfg.timeout.0;
            let probes = futures::stream::iter(targets.clone())
                .map(|(id, url)| probe(client.clone(), headers.clone(), timeout, id, url))
                .buffer_unordered(cfg.max_in_flight.max(1))
                .collect::<Vec<_>>()
                .await;
            Ok(Payload::Instances(probes))
        }
    }
}

async fn probe(
    client: reqwest::Client,
    headers: HeaderMap,
    timeout: Duration,
    id: String,
    url: String,
) -> Probe {
    let start = Instant::now();
    let fetched = with_timeout(
        timeout,
        client::get_bounded(&client, &url, &headers, client::MAX_HEALTH_BODY),
    )
    .await;
    let result = fetched.and_then(|(status, body)| parse::instance(&id, status, &body));
    Probe {
        instance: id,
        latency: start.elapsed(),
        result,
    }
}

/// The source's own timeout covers connect, headers and the whole body, so
/// a response that never ends still fails on time.
async fn with_timeout<T>(
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
