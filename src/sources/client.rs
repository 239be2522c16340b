//! The HTTP client sources share: bounded bodies, readable errors, headers
//! from the environment.

use std::collections::BTreeMap;
use std::sync::Once;
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

/// A body larger than this is refused rather than filling memory: a
/// fleet of 100 000 pairs in the default shape is about 46 MiB, so this
/// leaves room for 300 000 (`max_body_mib` sets a source's own).
pub const MAX_FLEET_BODY: usize = 160 * 1024 * 1024;
pub const MAX_HEALTH_BODY: usize = 1024 * 1024;

/// Builds a client with pooled keep-alive connections. TLS uses the system
/// roots through rustls.
pub fn build(
    timeout: Duration,
    max_in_flight: usize,
    ca_file: Option<&std::path::Path>,
) -> Result<reqwest::Client, String> {
    static PROVIDER: Once = Once::new();
    PROVIDER.call_once(|| {
        // Fails only if a provider is already installed, which is fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
    // The whole-request timeout is the caller's (`tokio::time::timeout`),
    // so its message names the configured value; connect gets its own.
    let mut builder = reqwest::Client::builder();
    if let Some(path) = ca_file {
        let pem = crate::config::files::read_bytes(path, crate::config::files::MAX_FILE)
            .map_err(|e| format!("cannot read ca_file {}: {e}", path.display()))?;
        let certs = reqwest::Certificate::from_pem_bundle(&pem)
            .map_err(|e| format!("ca_file {} is not PEM: {e}", path.display()))?;
        if certs.is_empty() {
            return Err(format!("ca_file {} holds no certificate", path.display()));
        }
        for c in certs {
            builder = builder.add_root_certificate(c);
        }
    }
    builder
        .connect_timeout(timeout)
        .pool_max_idle_per_host(max_in_flight)
        .user_agent(concat!("baton/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| format!("cannot build HTTP client: {}", describe(&e)))
}

/// Resolves `env:NAME` and `file:PATH` values; the value itself is never logged.
pub fn headers(spec: &BTreeMap<String, String>) -> Result<HeaderMap, String> {
    let mut map = HeaderMap::new();
    for (k, v) in spec {
        let value = crate::secret::resolve(v, &format!("header {k}"))?;
        let name =
            HeaderName::from_bytes(k.as_bytes()).map_err(|_| format!("invalid header name {k}"))?;
        let mut value =
            HeaderValue::from_str(&value).map_err(|_| format!("header {k}: value is not valid"))?;
        value.set_sensitive(true);
        map.insert(name, value);
    }
    Ok(map)
}

/// GETs `url` and reads at most `max` bytes of body.
pub async fn get_bounded(
    client: &reqwest::Client,
    url: &str,
    headers: &HeaderMap,
    max: usize,
) -> Result<(u16, Vec<u8>), String> {
    let mut body = Vec::new();
    let status = get_into(client, url, headers, max, &mut body).await?;
    Ok((status, body))
}

/// As `get_bounded`, into a buffer kept from poll to poll: a source that
/// reads tens of megabytes a second then holds one buffer, not one per
/// thread that ever read it.
pub async fn get_into(
    client: &reqwest::Client,
    url: &str,
    headers: &HeaderMap,
    max: usize,
    body: &mut Vec<u8>,
) -> Result<u16, String> {
    let resp = client
        .get(url)
        .headers(headers.clone())
        .send()
        .await
        .map_err(|e| describe(&e))?;
    let status = resp.status().as_u16();
    read_limited_into(resp, max, body).await?;
    Ok(status)
}

/// Reads at most `max` bytes of a response's body.
pub async fn read_limited(resp: reqwest::Response, max: usize) -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    read_limited_into(resp, max, &mut body).await?;
    Ok(body)
}

async fn read_limited_into(
    mut resp: reqwest::Response,
    max: usize,
    body: &mut Vec<u8>,
) -> Result<(), String> {
    body.clear();
    let announced = resp
        .content_length()
        .map_or(0, |l| usize::try_from(l).unwrap_or(usize::MAX));
    if announced > max {
        return Err(too_large(max));
    }
    // Sized once from the announced length: a 30 MB body grown by
    // doubling is copied several times over.
    body.reserve(announced);
    while let Some(chunk) = resp.chunk().await.map_err(|e| describe(&e))? {
        if body.len() + chunk.len() > max {
            return Err(too_large(max));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(())
}

fn too_large(max: usize) -> String {
    format!("response body larger than {} KiB, refused", max / 1024)
}

/// One line a user can act on: the innermost cause of a request error.
pub fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        return "timed out".into();
    }
    let mut root: &dyn std::error::Error = e;
    while let Some(next) = root.source() {
        root = next;
    }
    let cause = root.to_string();
    if e.is_connect() {
        format!("connect failed: {cause}")
    } else if e.is_decode() || e.is_body() {
        format!("reading body failed: {cause}")
    } else {
        cause
    }
}
