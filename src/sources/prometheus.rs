//! `prometheus` sources: PromQL instant queries over `/api/v1/query`,
//! series mapped to pairs or instances by a label.

use std::borrow::Cow;

use reqwest::header::HeaderMap;
use serde::Deserialize;

use super::client;
use super::report::{Measured, Payload};
use crate::config::{Measure, SourceCfg};

// Borrowed from the body where it can be: an answer over 100 000 series
// is read without a value tree or a copy of every label.
#[derive(Deserialize)]
struct Answer<'a> {
    #[serde(borrow)]
    status: Cow<'a, str>,
    #[serde(default, borrow)]
    data: Option<Data<'a>>,
    #[serde(default, rename = "errorType")]
    error_type: Option<String>,
    #[serde(default)]
    error: Option<String>,
}

#[derive(Deserialize)]
struct Data<'a> {
    #[serde(rename = "resultType", borrow)]
    result_type: Cow<'a, str>,
    #[serde(borrow)]
    result: &'a serde_json::value::RawValue,
}

#[derive(Deserialize)]
struct Series<'a> {
    #[serde(borrow)]
    metric: std::collections::BTreeMap<Cow<'a, str>, Cow<'a, str>>,
    #[serde(borrow)]
    value: (f64, Cow<'a, str>),
}

/// The label read for a pair or an instance, with the defaults of the README.
pub fn labels(cfg: &SourceCfg) -> (Option<String>, Option<String>) {
    match (&cfg.pair_label, &cfg.instance_label) {
        (None, None) => match cfg.measure.unwrap_or(Measure::Lag) {
            Measure::Lag | Measure::LagBytes => (Some("pair".into()), None),
            _ => (None, Some("instance".into())),
        },
        (p, i) => (p.clone(), i.clone()),
    }
}

pub async fn poll(
    client: &reqwest::Client,
    headers: &HeaderMap,
    cfg: &SourceCfg,
    max: usize,
    body: &mut Vec<u8>,
) -> Result<Payload, String> {
    let base = cfg.url.as_deref().unwrap_or_default().trim_end_matches('/');
    let query = cfg.query.as_deref().unwrap_or_default();
    let url = reqwest::Url::parse_with_params(&format!("{base}/api/v1/query"), &[("query", query)])
        .map_err(|e| format!("invalid URL: {e}"))?;
    let status = client::get_into(client, url.as_str(), headers, max, body).await?;
    read(status, body, cfg)
}

/// Reads a query answer; Prometheus's own error text is kept.
pub fn read(status: u16, body: &[u8], cfg: &SourceCfg) -> Result<Payload, String> {
    let answer: Answer = serde_json::from_slice(body).map_err(|e| {
        if (200..300).contains(&status) {
            format!("not a Prometheus answer: {e}")
        } else {
            format!("HTTP {status}")
        }
    })?;
    if answer.status != "success" {
        return Err(format!(
            "Prometheus error ({}): {}",
            answer.error_type.as_deref().unwrap_or("unknown"),
            answer.error.as_deref().unwrap_or("no error text")
        ));
    }
    let data = answer.data.ok_or("Prometheus answer has no data")?;
    if data.result_type != "vector" {
        return Err(format!(
            "query returns a {}; it must return an instant vector with a pair or instance label",
            data.result_type
        ));
    }
    let series: Vec<Series<'_>> =
        serde_json::from_str(data.result.get()).map_err(|e| format!("unexpected vector: {e}"))?;
    let (pair_label, instance_label) = labels(cfg);
    let measure = cfg.measure.unwrap_or(Measure::Lag);
    let out = series
        .into_iter()
        .filter_map(|s| {
            let value: f64 = s.value.1.parse().ok().filter(|v: &f64| v.is_finite())?;
            Some(Measured {
                pair: pair_label
                    .as_deref()
                    .and_then(|l| s.metric.get(l))
                    .map(ToString::to_string),
                instance: instance_label
                    .as_deref()
                    .and_then(|l| s.metric.get(l))
                    .map(ToString::to_string),
                measure,
                value,
            })
        })
        .collect();
    Ok(Payload::Measures(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> SourceCfg {
        toml::from_str("name = \"p\"\nkind = \"prometheus\"\nurl = \"http://127.0.0.1:9090\"\nquery = \"x\"\nmeasure = \"lag\"").expect("cfg")
    }

    #[test]
    fn vector_and_errors() {
        let body = br#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"pair":"acct-1"},"value":[1.0,"2.5"]},{"metric":{"pair":"acct-2"},"value":[1.0,"NaN"]}]}}"#;
        match read(200, body, &cfg()) {
            Ok(Payload::Measures(m)) => assert_eq!(
                m,
                vec![Measured {
                    pair: Some("acct-1".into()),
                    instance: None,
                    measure: Measure::Lag,
                    value: 2.5
                }]
            ),
            other => panic!("{other:?}"),
        }
        let err =
            br#"{"status":"error","errorType":"bad_data","error":"1:5: parse error: unexpected"}"#;
        assert_eq!(
            read(400, err, &cfg()).expect_err("error"),
            "Prometheus error (bad_data): 1:5: parse error: unexpected"
        );
        let scalar = br#"{"status":"success","data":{"resultType":"scalar","result":[1,"1"]}}"#;
        assert!(
            read(200, scalar, &cfg())
                .expect_err("scalar")
                .contains("instant vector")
        );
    }
}
