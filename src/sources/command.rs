//! `command` sources: a program with arguments (never a shell), JSON on
//! stdout, killed when its timeout expires.

use std::time::Instant;

use super::report::{Payload, Probe};
use super::{mapping, parse};
use crate::config::{SourceCfg, SourceMap};

/// stderr kept for the error message.
const MAX_STDERR: u64 = 16 * 1024;

pub async fn poll(cfg: &SourceCfg, max: usize) -> Result<Payload, String> {
    let start = Instant::now();
    let argv = cfg.command.as_deref().unwrap_or_default();
    let program = argv.first().map_or("", String::as_str);
    let out = crate::process::run(argv, max as u64, MAX_STDERR).await?;
    if out.truncated {
        return Err(format!("output larger than {} KiB, refused", max / 1024));
    }
    if !out.status.success() {
        let text = String::from_utf8_lossy(&out.stderr);
        let first = text
            .lines()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("no stderr");
        return Err(format!("{program} exited with {}: {first}", out.status));
    }
    read(&out.stdout, cfg, start.elapsed())
}

/// A check command passes when it exits with status 0 (the Nagios and
/// seed 002 convention); what it printed first is kept as the detail.
pub async fn passes(cfg: &SourceCfg) -> Result<String, String> {
    let argv = cfg.command.as_deref().unwrap_or_default();
    let program = argv.first().map_or("", String::as_str);
    let out = crate::process::run(argv, MAX_STDERR, MAX_STDERR).await?;
    let first = |b: &[u8]| {
        String::from_utf8_lossy(b)
            .lines()
            .find(|l| !l.trim().is_empty())
            .map(|l| l.trim().chars().take(120).collect::<String>())
    };
    if out.status.success() {
        return Ok(first(&out.stdout).unwrap_or_else(|| "exit 0".into()));
    }
    let why = first(&out.stderr)
        .or_else(|| first(&out.stdout))
        .unwrap_or_else(|| "no output".into());
    Err(format!("{program} exited with {}: {why}", out.status))
}

/// A fleet document (with `pairs`) or one instance.
pub fn read(out: &[u8], cfg: &SourceCfg, latency: std::time::Duration) -> Result<Payload, String> {
    let doc: serde_json::Value =
        serde_json::from_slice(out).map_err(|e| format!("output is not JSON: {e}"))?;
    let fleet_ptr = cfg.map.pairs.as_deref().unwrap_or("/pairs");
    if doc.pointer(fleet_ptr).is_some() {
        let (pairs, skipped) = if cfg.map == SourceMap::default() {
            parse::fleet(out)?
        } else {
            mapping::fleet(&doc, &cfg.map)?
        };
        return Ok(Payload::Fleet { pairs, skipped });
    }
    let mut report = mapping::instance(&doc, &cfg.map)?;
    if let Some(id) = &cfg.instance {
        report.id.clone_from(id);
    }
    if report.id.is_empty() {
        return Err("output has no `id` and the source has no `instance`".into());
    }
    Ok(Payload::Instances(vec![Probe {
        instance: report.id.clone(),
        latency,
        result: Ok(report),
    }]))
}
