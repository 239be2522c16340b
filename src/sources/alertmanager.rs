//! `alertmanager` sources: `/api/v2/alerts` into the Alerts pane, and the
//! silence request body for `/api/v2/silences`.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use reqwest::header::HeaderMap;
use serde::Deserialize;
use serde_json::json;

use super::client;
use super::report::{ExternalAlert, Payload};
use crate::config::SourceCfg;

#[derive(Deserialize)]
struct Raw {
    #[serde(default)]
    fingerprint: String,
    #[serde(default)]
    labels: BTreeMap<String, String>,
    #[serde(default)]
    annotations: BTreeMap<String, String>,
    #[serde(default, rename = "startsAt")]
    starts_at: Option<DateTime<Utc>>,
    #[serde(default)]
    status: RawStatus,
}

#[derive(Deserialize, Default)]
struct RawStatus {
    #[serde(default, rename = "silencedBy")]
    silenced_by: Vec<String>,
    #[serde(default, rename = "inhibitedBy")]
    inhibited_by: Vec<String>,
}

pub async fn poll(
    client: &reqwest::Client,
    headers: &HeaderMap,
    cfg: &SourceCfg,
    max: usize,
) -> Result<Payload, String> {
    let base = cfg.url.as_deref().unwrap_or_default().trim_end_matches('/');
    let (status, body) =
        client::get_bounded(client, &format!("{base}/api/v2/alerts"), headers, max).await?;
    if !(200..300).contains(&status) {
        let text: String = String::from_utf8_lossy(&body).chars().take(120).collect();
        return Err(format!("HTTP {status}: {}", text.trim()));
    }
    read(&body, &cfg.severity_label)
}

pub fn read(body: &[u8], severity_label: &str) -> Result<Payload, String> {
    let raw: Vec<Raw> =
        serde_json::from_slice(body).map_err(|e| format!("not an Alertmanager alert list: {e}"))?;
    Ok(Payload::Alerts(
        raw.into_iter()
            .map(|a| ExternalAlert {
                name: a
                    .labels
                    .get("alertname")
                    .cloned()
                    .unwrap_or_else(|| "alert".into()),
                severity: a.labels.get(severity_label).cloned().unwrap_or_default(),
                summary: a
                    .annotations
                    .get("summary")
                    .or_else(|| a.annotations.get("description"))
                    .cloned()
                    .unwrap_or_default(),
                fingerprint: a.fingerprint,
                starts_at: a.starts_at,
                silenced: !a.status.silenced_by.is_empty(),
                inhibited: !a.status.inhibited_by.is_empty(),
                labels: a.labels,
            })
            .collect(),
    ))
}

/// The body of `POST /api/v2/silences`: exact matchers on every label.
pub fn silence_body(
    labels: &BTreeMap<String, String>,
    starts: DateTime<Utc>,
    ends: DateTime<Utc>,
    created_by: &str,
    comment: &str,
) -> serde_json::Value {
    let matchers: Vec<_> = labels
        .iter()
        .map(|(k, v)| json!({"name": k, "value": v, "isRegex": false, "isEqual": true}))
        .collect();
    json!({
        "matchers": matchers,
        "startsAt": starts.to_rfc3339(),
        "endsAt": ends.to_rfc3339(),
        "createdBy": created_by,
        "comment": comment,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_v2_alerts() {
        let body = br#"[{"fingerprint":"abc","labels":{"alertname":"PrimaryDown","severity":"critical","instance":"gw-1"},
            "annotations":{"summary":"gw-1 is down"},"startsAt":"2027-01-15T12:00:00Z","status":{"state":"suppressed","silencedBy":["s1"],"inhibitedBy":[]}}]"#;
        match read(body, "severity") {
            Ok(Payload::Alerts(a)) => {
                assert_eq!(
                    (
                        a[0].name.as_str(),
                        a[0].severity.as_str(),
                        a[0].summary.as_str()
                    ),
                    ("PrimaryDown", "critical", "gw-1 is down")
                );
                assert!(a[0].silenced && !a[0].inhibited);
            }
            other => panic!("{other:?}"),
        }
        assert!(read(b"{\"not\": \"a list\"}", "severity").is_err());
    }
}
