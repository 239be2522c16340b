//! `tcp` sources: an instance counts as up when a connection opens within
//! the timeout.

use std::time::Instant;

use super::report::{InstanceReport, Payload, Probe};
use super::with_timeout;
use crate::config::SourceCfg;

pub async fn poll(cfg: &SourceCfg) -> Payload {
    let start = Instant::now();
    let id = cfg.instance.clone().unwrap_or_else(|| cfg.name.clone());
    let addr = cfg
        .url
        .as_deref()
        .and_then(|u| reqwest::Url::parse(u).ok())
        .and_then(|u| Some(format!("{}:{}", u.host_str()?, u.port()?)))
        .unwrap_or_default();
    let result = with_timeout(cfg.timeout.0, async {
        tokio::net::TcpStream::connect(&addr)
            .await
            .map_err(|e| format!("connect to {addr} failed: {e}"))
    })
    .await
    .map(|_| InstanceReport {
        id: id.clone(),
        status: Some("UP".into()),
        ..InstanceReport::default()
    });
    Payload::Instances(vec![Probe {
        instance: id,
        latency: start.elapsed(),
        result,
    }])
}
