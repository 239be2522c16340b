//! DNS questions asked of one given server (an authoritative server or a
//! resolver), through hickory's client: no cache and no search list, so
//! what comes back is what that server answers now. Used by probe waits
//! (`dns://SERVER:PORT/NAME?type=A`) to check a cutover at every resolver.

use std::net::SocketAddr;
use std::str::FromStr;
use std::time::Duration;

use hickory_client::client::{Client, ClientHandle};
use hickory_client::proto::rr::{DNSClass, Name, RData, RecordType};
use hickory_client::proto::runtime::TokioRuntimeProvider;
use hickory_client::proto::udp::UdpClientStream;

/// One question: which server, which name, which type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    pub server: SocketAddr,
    pub name: String,
    pub rtype: RecordType,
}

/// Reads `dns://127.0.0.21:15353/db.estate.test?type=A` (port 53 and type
/// A when left out).
pub fn parse(url: &str) -> Result<Question, String> {
    let rest = url
        .strip_prefix("dns://")
        .ok_or_else(|| format!("\"{url}\" is not a dns:// URL"))?;
    let (authority, path) = rest
        .split_once('/')
        .ok_or_else(|| format!("\"{url}\" names no record: dns://server:port/NAME"))?;
    let (name, query) = path.split_once('?').unwrap_or((path, ""));
    if name.is_empty() {
        return Err(format!("\"{url}\" names no record: dns://server:port/NAME"));
    }
    let server = SocketAddr::from_str(authority)
        .or_else(|_| SocketAddr::from_str(&format!("{authority}:53")))
        .map_err(|_| format!("\"{authority}\" is not an IP address with an optional port"))?;
    let mut rtype = RecordType::A;
    for kv in query.split('&').filter(|s| !s.is_empty()) {
        match kv.split_once('=') {
            Some(("type", t)) => {
                rtype = RecordType::from_str(&t.to_uppercase())
                    .map_err(|_| format!("unknown DNS record type `{t}`"))?;
            }
            _ => {
                return Err(format!(
                    "unknown parameter `{kv}` in \"{url}\" (only type=)"
                ));
            }
        }
    }
    Ok(Question {
        server,
        name: name.to_string(),
        rtype,
    })
}

/// The answer as probe expressions read it: `answers` (every record's
/// data as text, sorted), `answer` (the first), `rcode`, `ttl` (the
/// smallest); and a status: 200 for an answer, 404 for NXDOMAIN or no
/// record of the type, 502 for another response code.
pub async fn ask(q: &Question, timeout: Duration) -> Result<(u16, serde_json::Value), String> {
    let stream = UdpClientStream::builder(q.server, TokioRuntimeProvider::new())
        .with_timeout(Some(timeout))
        .build();
    let (mut client, background) = Client::connect(stream)
        .await
        .map_err(|e| format!("DNS server {}: {e}", q.server))?;
    let bg = tokio::spawn(background);
    let name = Name::from_str(&q.name).map_err(|e| format!("`{}`: {e}", q.name))?;
    let result = client.query(name, DNSClass::IN, q.rtype).await;
    bg.abort();
    let response = result.map_err(|e| format!("DNS server {}: {e}", q.server))?;
    let rcode = response.response_code();
    let mut answers: Vec<String> = response
        .answers()
        .iter()
        .filter(|r| r.record_type() == q.rtype)
        .map(|r| text(r.data()))
        .collect();
    answers.sort();
    let ttl = response
        .answers()
        .iter()
        .map(hickory_client::proto::rr::Record::ttl)
        .min();
    let status = match rcode.low() {
        0 if !answers.is_empty() => 200,
        0 | 3 => 404,
        _ => 502,
    };
    Ok((
        status,
        serde_json::json!({
            "answers": answers,
            "answer": answers.first().cloned().unwrap_or_default(),
            "rcode": rcode.to_str(),
            "ttl": ttl,
            "server": q.server.to_string(),
        }),
    ))
}

/// A `dns` source: the DNS server (`instance`) is up when it answers the
/// record with at least one record of the type; NXDOMAIN, an empty answer
/// or no answer is a failed check, said as such.
pub async fn poll(cfg: &crate::config::SourceCfg) -> super::report::Payload {
    let start = std::time::Instant::now();
    let id = cfg.instance.clone().unwrap_or_else(|| cfg.name.clone());
    let result = match parse(cfg.url.as_deref().unwrap_or_default()) {
        Err(e) => Err(e),
        Ok(q) => super::with_timeout(cfg.timeout.0, ask(&q, cfg.timeout.0))
            .await
            .and_then(|(status, answer)| {
                if status == 200 {
                    Ok(super::report::InstanceReport {
                        id: id.clone(),
                        status: Some("UP".into()),
                        ..super::report::InstanceReport::default()
                    })
                } else {
                    Err(format!(
                        "{} answers {} for {}: no {} record",
                        q.server,
                        answer["rcode"].as_str().unwrap_or("nothing"),
                        q.name,
                        q.rtype
                    ))
                }
            }),
    };
    super::report::Payload::Instances(vec![super::report::Probe {
        instance: id,
        latency: start.elapsed(),
        result,
    }])
}

fn text(d: &RData) -> String {
    match d {
        RData::A(a) => a.0.to_string(),
        RData::AAAA(a) => a.0.to_string(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_urls_name_server_record_and_type() {
        let q =
            parse("dns://127.0.0.21:15353/db.estate.test?type=a").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(q.server, SocketAddr::from(([127, 0, 0, 21], 15353)));
        assert_eq!(
            (q.name.as_str(), q.rtype),
            ("db.estate.test", RecordType::A)
        );
        let q = parse("dns://127.0.0.1/x.test").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(q.server.port(), 53);
        assert!(parse("dns://127.0.0.1:53/").is_err());
        assert!(
            parse("dns://resolver.example:53/x").is_err(),
            "an IP, not a name"
        );
        assert!(parse("dns://127.0.0.1/x?type=NOPE").is_err());
    }
}
