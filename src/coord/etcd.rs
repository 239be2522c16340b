//! etcd v3 through its JSON gateway (`/v3/...`), over the HTTP client the
//! sources already use: no gRPC stack, no `protoc` at build time. Keys and
//! values travel base64-encoded, 64-bit numbers as strings. Every call has
//! a deadline; an endpoint that fails is skipped for the next one.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::{Value, json};

/// One key as etcd holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kv {
    pub key: String,
    pub value: Vec<u8>,
    pub create_revision: i64,
    pub mod_revision: i64,
    pub lease: i64,
}

/// A change seen by a watch.
#[derive(Debug, Clone)]
pub enum Change {
    Put(Kv),
    Delete(String),
}

pub struct Etcd {
    http: reqwest::Client,
    endpoints: Vec<String>,
    /// The endpoint that answered last: asked first next time.
    current: AtomicUsize,
    user: Option<(String, String)>,
    token: Mutex<Option<String>>,
    timeout: Duration,
}

fn enc(s: &[u8]) -> String {
    B64.encode(s)
}

/// The first key after every key that starts with `prefix`.
fn range_end(prefix: &str) -> String {
    let mut end = prefix.as_bytes().to_vec();
    while let Some(last) = end.pop() {
        if last < 0xff {
            end.push(last + 1);
            return enc(&end);
        }
    }
    enc(&[0])
}

fn num(v: &Value) -> i64 {
    match v {
        Value::String(s) => s.parse().unwrap_or(0),
        Value::Number(n) => n.as_i64().unwrap_or(0),
        _ => 0,
    }
}

fn kv_of(v: &Value) -> Option<Kv> {
    let key = B64.decode(v.get("key")?.as_str()?).ok()?;
    let value = match v.get("value").and_then(Value::as_str) {
        Some(s) => B64.decode(s).ok()?,
        None => Vec::new(),
    };
    Some(Kv {
        key: String::from_utf8(key).ok()?,
        value,
        create_revision: v.get("create_revision").map_or(0, num),
        mod_revision: v.get("mod_revision").map_or(0, num),
        lease: v.get("lease").map_or(0, num),
    })
}

fn kvs_of(v: &Value) -> Vec<Kv> {
    v.get("kvs")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(kv_of).collect())
        .unwrap_or_default()
}

/// The answers larger than this are refused (a journal range of a long
/// bulk failover is a few MiB).
const MAX_BODY: usize = 64 * 1024 * 1024;

impl Etcd {
    pub fn new(
        endpoints: Vec<String>,
        timeout: Duration,
        user: Option<(String, String)>,
        ca_file: Option<&std::path::Path>,
    ) -> Result<Self, String> {
        let http = crate::sources::client::build(timeout, 4, ca_file)?;
        Ok(Self {
            http,
            endpoints: endpoints
                .into_iter()
                .map(|e| e.trim_end_matches('/').to_string())
                .collect(),
            current: AtomicUsize::new(0),
            user,
            token: Mutex::new(None),
            timeout,
        })
    }

    fn token(&self) -> Option<String> {
        self.token.lock().ok().and_then(|t| t.clone())
    }

    async fn authenticate(&self, base: &str) -> Result<(), String> {
        let Some((name, password)) = &self.user else {
            return Ok(());
        };
        let url = format!("{base}/v3/auth/authenticate");
        let r = self
            .http
            .post(&url)
            .json(&json!({"name": name, "password": password}))
            .timeout(self.timeout)
            .send()
            .await
            .map_err(|e| format!("{base}: {}", crate::sources::client::describe(&e)))?;
        let v: Value = r.json().await.map_err(|e| format!("{base}: {e}"))?;
        match v.get("token").and_then(Value::as_str) {
            Some(t) => {
                if let Ok(mut slot) = self.token.lock() {
                    *slot = Some(t.to_string());
                }
                Ok(())
            }
            None => Err(format!("{base}: authentication refused ({})", error_of(&v))),
        }
    }

    /// One request to the first endpoint that answers, starting at the
    /// one that answered last. An etcd error (no leader, a timeout inside
    /// the cluster) is an answer: it is returned, not retried elsewhere,
    /// except "no leader", which another member may not share.
    async fn call(&self, path: &str, body: &Value) -> Result<Value, String> {
        let n = self.endpoints.len().max(1);
        let start = self.current.load(Ordering::Relaxed);
        let mut errors = Vec::new();
        for i in 0..n {
            let idx = (start + i) % n;
            let Some(base) = self.endpoints.get(idx) else {
                break;
            };
            if self.user.is_some()
                && self.token().is_none()
                && let Err(e) = self.authenticate(base).await
            {
                errors.push(e);
                continue;
            }
            match self.once(base, path, body).await {
                Ok(v) => {
                    self.current.store(idx, Ordering::Relaxed);
                    return Ok(v);
                }
                Err((e, next)) => {
                    errors.push(format!("{base}: {e}"));
                    if !next {
                        break;
                    }
                }
            }
        }
        Err(summarise(&self.endpoints, &errors))
    }

    /// `Err((why, try the next endpoint))`.
    async fn once(&self, base: &str, path: &str, body: &Value) -> Result<Value, (String, bool)> {
        let mut req = self
            .http
            .post(format!("{base}{path}"))
            .json(body)
            .timeout(self.timeout);
        if let Some(t) = self.token() {
            req = req.header("Authorization", t);
        }
        let resp = req
            .send()
            .await
            .map_err(|e| (crate::sources::client::describe(&e), true))?;
        let status = resp.status();
        let bytes = crate::sources::client::read_limited(resp, MAX_BODY)
            .await
            .map_err(|e| (e, true))?;
        let v: Value = serde_json::from_slice(&bytes)
            .map_err(|e| (format!("HTTP {status}, not JSON: {e}"), true))?;
        if v.get("error").is_some() || !status.is_success() {
            let msg = error_of(&v);
            if msg.contains("token")
                && let Ok(mut slot) = self.token.lock()
            {
                *slot = None;
            }
            // Another member may have a leader, or be the one not cut off.
            let next =
                msg.contains("leader") || msg.contains("timed out") || status.is_server_error();
            return Err((msg, next));
        }
        Ok(v)
    }

    pub async fn grant(&self, ttl: Duration) -> Result<i64, String> {
        let v = self
            .call("/v3/lease/grant", &json!({"TTL": ttl.as_secs().max(1)}))
            .await?;
        let id = v.get("ID").map_or(0, num);
        if id == 0 {
            return Err(format!("no lease granted ({})", error_of(&v)));
        }
        Ok(id)
    }

    /// The lease's remaining seconds; 0 when it has expired.
    pub async fn keepalive(&self, lease: i64) -> Result<i64, String> {
        let v = self
            .call("/v3/lease/keepalive", &json!({"ID": lease.to_string()}))
            .await?;
        Ok(v.get("result").and_then(|r| r.get("TTL")).map_or(0, num))
    }

    /// Puts `key` only if it does not exist; otherwise the key as it is.
    pub async fn create(&self, key: &str, value: &[u8], lease: i64) -> Result<Option<Kv>, String> {
        let k = enc(key.as_bytes());
        let mut put = json!({"key": k, "value": enc(value)});
        if lease != 0 {
            put["lease"] = json!(lease.to_string());
        }
        let v = self
            .call(
                "/v3/kv/txn",
                &json!({
                    "compare": [{"target": "CREATE", "key": k, "createRevision": "0"}],
                    "success": [{"requestPut": put}],
                    "failure": [{"requestRange": {"key": k}}],
                }),
            )
            .await?;
        if v.get("succeeded").and_then(Value::as_bool) == Some(true) {
            return Ok(None);
        }
        let held = v
            .get("responses")
            .and_then(|r| r.get(0))
            .and_then(|r| r.get("response_range"))
            .map(kvs_of)
            .and_then(|k| k.into_iter().next());
        // Deleted between the compare and the range: try again.
        held.map(Some)
            .ok_or_else(|| "the key changed while it was being created; try again".to_string())
    }

    /// Puts every key that does not exist yet, in one transaction; a key
    /// that exists is left as it is and returned (a retried write).
    pub async fn create_all(&self, kvs: &[(String, Vec<u8>)]) -> Result<Vec<Kv>, String> {
        if kvs.is_empty() {
            return Ok(Vec::new());
        }
        let compare: Vec<Value> = kvs
            .iter()
            .map(|(k, _)| json!({"target": "CREATE", "key": enc(k.as_bytes()), "createRevision": "0"}))
            .collect();
        let puts: Vec<Value> = kvs
            .iter()
            .map(|(k, v)| json!({"requestPut": {"key": enc(k.as_bytes()), "value": enc(v)}}))
            .collect();
        let ranges: Vec<Value> = kvs
            .iter()
            .map(|(k, _)| json!({"requestRange": {"key": enc(k.as_bytes())}}))
            .collect();
        let v = self
            .call(
                "/v3/kv/txn",
                &json!({"compare": compare, "success": puts, "failure": ranges}),
            )
            .await?;
        if v.get("succeeded").and_then(Value::as_bool) == Some(true) {
            return Ok(Vec::new());
        }
        Ok(v.get("responses")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|r| r.get("response_range"))
                    .flat_map(kvs_of)
                    .collect()
            })
            .unwrap_or_default())
    }

    /// Every key under `prefix`, in key order, and the store's revision.
    pub async fn range(&self, prefix: &str) -> Result<(Vec<Kv>, i64), String> {
        let v = self
            .call(
                "/v3/kv/range",
                &json!({"key": enc(prefix.as_bytes()), "range_end": range_end(prefix)}),
            )
            .await?;
        let rev = v
            .get("header")
            .and_then(|h| h.get("revision"))
            .map_or(0, num);
        Ok((kvs_of(&v), rev))
    }

    /// Deletes `key` only while it is bound to `lease` (still ours).
    pub async fn delete_own(&self, key: &str, lease: i64) -> Result<(), String> {
        let k = enc(key.as_bytes());
        self.call(
            "/v3/kv/txn",
            &json!({
                "compare": [{"target": "LEASE", "key": k, "lease": lease.to_string()}],
                "success": [{"requestDeleteRange": {"key": k}}],
            }),
        )
        .await
        .map(|_| ())
    }

    /// Watches every key under `prefix` from revision `from`: changes in
    /// order, until the stream ends or fails (the caller starts again from
    /// the last revision it saw).
    pub async fn watch(
        &self,
        prefix: &str,
        from: i64,
        mut seen: impl FnMut(Vec<Change>),
    ) -> Result<(), String> {
        let base = self
            .endpoints
            .get(self.current.load(Ordering::Relaxed) % self.endpoints.len().max(1))
            .cloned()
            .ok_or("no etcd endpoint")?;
        let body = json!({"create_request": {
            "key": enc(prefix.as_bytes()),
            "range_end": range_end(prefix),
            "start_revision": from.to_string(),
        }});
        // A watch is a long-lived stream: no overall deadline, only the
        // connection's; a silent stream is noticed by the caller's
        // periodic range.
        let mut req = self.http.post(format!("{base}/v3/watch")).json(&body);
        if let Some(t) = self.token() {
            req = req.header("Authorization", t);
        }
        let resp = req
            .timeout(Duration::from_hours(24))
            .send()
            .await
            .map_err(|e| format!("{base}: {}", crate::sources::client::describe(&e)))?;
        let mut resp = resp;
        let mut buf: Vec<u8> = Vec::new();
        loop {
            let chunk = match resp.chunk().await {
                Ok(Some(c)) => c,
                Ok(None) => break,
                Err(e) => {
                    return Err(format!(
                        "{base}: watch stream: {}",
                        crate::sources::client::describe(&e)
                    ));
                }
            };
            buf.extend_from_slice(&chunk);
            if buf.len() > MAX_BODY {
                return Err(format!(
                    "{base}: a watch message larger than {MAX_BODY} bytes"
                ));
            }
            while let Some(i) = buf.iter().position(|&b| b == b'\n') {
                let line: Vec<u8> = buf.drain(..=i).collect();
                let Ok(v) = serde_json::from_slice::<Value>(&line) else {
                    continue;
                };
                let Some(r) = v.get("result") else {
                    return Err(format!("{base}: watch ended: {}", error_of(&v)));
                };
                let changes: Vec<Change> = r
                    .get("events")
                    .and_then(Value::as_array)
                    .map(|evs| {
                        evs.iter()
                            .filter_map(|e| {
                                let kv = kv_of(e.get("kv")?)?;
                                Some(if e.get("type").and_then(Value::as_str) == Some("DELETE") {
                                    Change::Delete(kv.key)
                                } else {
                                    Change::Put(kv)
                                })
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                if r.get("canceled").and_then(Value::as_bool) == Some(true) {
                    return Err(format!("{base}: watch canceled: {}", error_of(r)));
                }
                seen(changes);
            }
        }
        Err(format!("{base}: watch stream ended"))
    }
}

/// One reason when every endpoint gave the same (a wrong password, no
/// quorum), else each endpoint's.
fn summarise(endpoints: &[String], errors: &[String]) -> String {
    let bare: Vec<&str> = errors
        .iter()
        .map(|e| {
            endpoints
                .iter()
                .find_map(|b| {
                    e.strip_prefix(b.as_str())
                        .and_then(|r| r.strip_prefix(": "))
                })
                .unwrap_or(e)
        })
        .collect();
    match bare.first() {
        Some(first) if bare.len() > 1 && bare.iter().all(|b| b == first) => {
            format!("every endpoint ({}): {first}", bare.len())
        }
        _ => errors.join("; "),
    }
}

fn error_of(v: &Value) -> String {
    v.get("message")
        .or_else(|| v.get("error"))
        .or_else(|| v.get("cancel_reason"))
        .and_then(Value::as_str)
        .unwrap_or("no reason given")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_prefix_range_ends_after_its_last_key() {
        assert_eq!(range_end("/a/"), enc(b"/a0"));
        assert_eq!(range_end("a\u{7f}"), enc(b"a\x80"));
    }

    #[test]
    fn the_same_reason_from_every_endpoint_is_said_once() {
        let eps = vec!["http://a:1".to_string(), "http://b:1".to_string()];
        let same = [
            "http://a:1: denied".to_string(),
            "http://b:1: denied".to_string(),
        ];
        assert_eq!(summarise(&eps, &same), "every endpoint (2): denied");
        let differ = [
            "http://a:1: denied".to_string(),
            "http://b:1: timed out".to_string(),
        ];
        assert_eq!(
            summarise(&eps, &differ),
            "http://a:1: denied; http://b:1: timed out"
        );
    }

    #[test]
    fn numbers_come_as_strings_or_numbers() {
        assert_eq!(num(&json!("42")), 42);
        assert_eq!(num(&json!(7)), 7);
        assert_eq!(num(&json!(null)), 0);
        let kv = kv_of(
            &json!({"key": enc(b"/k"), "value": enc(b"v"), "create_revision": "3", "lease": "9"}),
        );
        assert_eq!(
            kv,
            Some(Kv {
                key: "/k".into(),
                value: b"v".to_vec(),
                create_revision: 3,
                mod_revision: 0,
                lease: 9
            })
        );
    }
}
