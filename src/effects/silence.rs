//! `POST /api/v2/silences` to an Alertmanager source.

use chrono::Utc;

use super::SilenceRequest;
use crate::config::SourceCfg;
use crate::sources::{alertmanager, client, with_timeout};

/// Returns the silence id Alertmanager gave.
pub async fn create(
    src: &SourceCfg,
    req: &SilenceRequest,
    operator: &str,
) -> Result<String, String> {
    let http = client::build(src.timeout.0, 1, src.ca_file.as_deref())?;
    let headers = client::headers(&src.headers)?;
    let base = src.url.as_deref().unwrap_or_default().trim_end_matches('/');
    let starts = Utc::now();
    let ends = crate::clock::after(starts, req.duration);
    let body = alertmanager::silence_body(&req.labels, starts, ends, operator, &req.comment);
    let send = async {
        let resp = http
            .post(format!("{base}/api/v2/silences"))
            .headers(headers)
            .json(&body)
            .send()
            .await
            .map_err(|e| client::describe(&e))?;
        let status = resp.status();
        let text = resp.text().await.map_err(|e| client::describe(&e))?;
        if !status.is_success() {
            return Err(format!("HTTP {}: {}", status.as_u16(), text.trim()));
        }
        let v: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| format!("unexpected answer: {e}"))?;
        Ok(v.get("silenceID")
            .and_then(|s| s.as_str())
            .unwrap_or("?")
            .to_string())
    };
    // Sending is an act: allow longer than a poll, but never hang.
    with_timeout(src.timeout.0.max(std::time::Duration::from_secs(5)), send).await
}
