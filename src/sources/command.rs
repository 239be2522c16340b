//! `command` sources: a program with arguments (never a shell), JSON on
//! stdout, killed when its timeout expires.

use std::process::Stdio;
use std::time::Instant;

use tokio::io::AsyncReadExt;

use super::report::{Payload, Probe};
use super::{mapping, parse};
use crate::config::{SourceCfg, SourceMap};

/// stderr kept for the error message.
const MAX_STDERR: u64 = 16 * 1024;

pub async fn poll(cfg: &SourceCfg, max: usize) -> Result<Payload, String> {
    let start = Instant::now();
    let argv = cfg.command.as_deref().unwrap_or_default();
    let (program, rest) = argv.split_first().ok_or("no command")?;
    let mut child = tokio::process::Command::new(program)
        .args(rest)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // Dropping the future on timeout kills the program.
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("cannot run {program}: {e}"))?;
    let mut out = Vec::new();
    let mut err = Vec::new();
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let stderr = child.stderr.take().ok_or("no stderr")?;
    let mut stdout = stdout.take(max as u64 + 1);
    let mut stderr = stderr.take(MAX_STDERR);
    let (r1, r2) = tokio::join!(stdout.read_to_end(&mut out), stderr.read_to_end(&mut err));
    r1.map_err(|e| format!("reading stdout: {e}"))?;
    r2.map_err(|e| format!("reading stderr: {e}"))?;
    if out.len() > max {
        return Err(format!("output larger than {} KiB, refused", max / 1024));
    }
    let status = child
        .wait()
        .await
        .map_err(|e| format!("waiting for {program}: {e}"))?;
    if !status.success() {
        let text = String::from_utf8_lossy(&err);
        let first = text
            .lines()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("no stderr");
        return Err(format!("{program} exited with {status}: {first}"));
    }
    read(&out, cfg, start.elapsed())
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
