//! `redis` sources: a Redis server's own `INFO replication`, through the
//! maintained `redis` client. The server says its role (Sentinel decides
//! it; the server is what clients write to), and a master says how far
//! behind each replica is, in bytes of replication offset.

use std::time::Instant;

use super::report::{InstanceReport, Payload, Probe};
use super::with_timeout;
use crate::config::SourceCfg;

pub async fn poll(cfg: &SourceCfg) -> Payload {
    let start = Instant::now();
    let id = cfg.instance.clone().unwrap_or_else(|| cfg.name.clone());
    let url = cfg.url.clone().unwrap_or_default();
    let result = with_timeout(cfg.timeout.0, info(&url))
        .await
        .and_then(|text| read(&id, &text));
    Payload::Instances(vec![Probe {
        instance: id,
        latency: start.elapsed(),
        result,
    }])
}

async fn info(url: &str) -> Result<String, String> {
    let client = redis::Client::open(url).map_err(|e| format!("invalid Redis URL: {e}"))?;
    let mut con = client
        .get_multiplexed_async_connection()
        .await
        .map_err(|e| format!("connect: {e}"))?;
    redis::cmd("INFO")
        .arg("replication")
        .query_async::<String>(&mut con)
        .await
        .map_err(|e| format!("INFO replication: {e}"))
}

/// Reads `INFO replication`. A master takes writes and reports the largest
/// offset gap of its replicas; a replica takes none (replica-read-only)
/// and is down for baton while its link to the master is down only if it
/// says so (`master_link_status:down` is shown, not failed: after a
/// master's crash that is exactly the replica Sentinel will promote).
pub fn read(id: &str, text: &str) -> Result<InstanceReport, String> {
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.trim_end().strip_prefix(name)?.strip_prefix(':'))
    };
    let role = field("role").ok_or("INFO replication has no role line")?;
    let mut r = InstanceReport {
        id: id.to_string(),
        health_score: Some(100.0),
        ..InstanceReport::default()
    };
    match role {
        "master" => {
            r.role = Some("PRIMARY".into());
            r.status = Some("ACTIVE".into());
            r.writable = Some(true);
            let offset: Option<f64> = field("master_repl_offset").and_then(|v| v.parse().ok());
            // slaveN:ip=…,port=…,state=online,offset=N,lag=S
            let replicas: Vec<f64> = text
                .lines()
                .filter(|l| l.starts_with("slave") && l.contains("offset="))
                .filter_map(|l| {
                    l.split(',')
                        .find_map(|kv| kv.strip_prefix("offset="))
                        .and_then(|v| v.trim().parse().ok())
                })
                .collect();
            if let (Some(m), Some(min)) = (offset, replicas.iter().copied().reduce(f64::min)) {
                r.replication_lag_bytes = Some((m - min).max(0.0));
            }
        }
        "slave" | "replica" => {
            r.role = Some("STANDBY".into());
            r.writable = Some(false);
            r.status = Some(match field("master_link_status") {
                Some("up") | None => "STANDBY".into(),
                Some(other) => format!("STANDBY (link {other})"),
            });
        }
        other => return Err(format!("unexpected role `{other}` in INFO replication")),
    }
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_master_reports_its_replicas_byte_lag_and_a_replica_its_role() {
        let master = "# Replication\r\nrole:master\r\nconnected_slaves:1\r\nslave0:ip=127.0.0.12,port=16379,state=online,offset=1000,lag=0\r\nmaster_repl_offset:1312\r\n";
        let r = read("redis-a", master).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.role.as_deref(), Some("PRIMARY"));
        assert_eq!(r.writable, Some(true));
        assert_eq!(r.replication_lag_bytes, Some(312.0));
        let replica = "role:slave\r\nmaster_host:127.0.0.11\r\nmaster_link_status:down\r\n";
        let r = read("redis-b", replica).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            (r.role.as_deref(), r.status.as_deref(), r.writable),
            (Some("STANDBY"), Some("STANDBY (link down)"), Some(false))
        );
        assert!(read("x", "nothing here").is_err());
    }
}
