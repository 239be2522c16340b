//! `prometheus` sources: PromQL instant queries over `/api/v1/query`,
//! series mapped to pairs or instances by a label.

use std::borrow::Cow;

use reqwest::header::HeaderMap;
use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::client;
use super::report::{Measured, Payload};
use super::series_delta::{Row, Seen};
use crate::config::{Measure, SourceCfg};

// One pass over the body: an answer over 100 000 series is read without
// a value tree or a copy of every label.
#[derive(Default)]
struct Answer {
    status: Option<String>,
    result_type: Option<String>,
    error_type: Option<String>,
    error: Option<String>,
}

struct Whole<'w, 'l>(&'w Want<'l>, &'w mut Vec<Measured>);

impl<'de> DeserializeSeed<'de> for Whole<'_, '_> {
    type Value = Answer;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Answer, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Whole<'_, '_> {
    type Value = Answer;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a Prometheus answer")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Answer, A::Error> {
        let mut answer = Answer::default();
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            match key.as_ref() {
                "status" => answer.status = Some(map.next_value()?),
                "errorType" => answer.error_type = map.next_value()?,
                "error" => answer.error = map.next_value()?,
                "data" => {
                    answer.result_type = map.next_value_seed(DataSeed(self.0, &mut *self.1))?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(answer)
    }
}

struct DataSeed<'w, 'l>(&'w Want<'l>, &'w mut Vec<Measured>);

impl<'de> DeserializeSeed<'de> for DataSeed<'_, '_> {
    type Value = Option<String>;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for DataSeed<'_, '_> {
    type Value = Option<String>;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("the data of an answer")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut kind: Option<String> = None;
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            match key.as_ref() {
                "resultType" => kind = Some(map.next_value()?),
                // Prometheus names the type first; a scalar or a matrix
                // is then passed over, to be refused by name.
                "result" if kind.as_deref().is_none_or(|k| k == "vector") => {
                    map.next_value_seed(Vector(self.0, &mut *self.1))?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(kind)
    }
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
    memo: &mut super::Memo,
    whole: bool,
) -> Result<Payload, String> {
    let base = cfg.url.as_deref().unwrap_or_default().trim_end_matches('/');
    let query = cfg.query.as_deref().unwrap_or_default();
    let url = reqwest::Url::parse_with_params(&format!("{base}/api/v1/query"), &[("query", query)])
        .map_err(|e| format!("invalid URL: {e}"))?;
    let status = client::get_into(client, url.as_str(), headers, max, &mut memo.body).await?;
    // An answer over 100 000 series takes tens of milliseconds to read:
    // off the runtime's workers that also serve other sources. A poll cut
    // short by its timeout here loses what was seen: the next is whole.
    let (taken, cfg, mut seen) = (
        std::mem::take(&mut memo.body),
        cfg.clone(),
        memo.series.take(),
    );
    let (result, taken, seen) = tokio::task::spawn_blocking(move || {
        let r = read_against(status, &taken, &cfg, &mut seen, whole);
        (r, taken, seen)
    })
    .await
    .map_err(|e| format!("parser failed: {e}"))?;
    (memo.body, memo.series) = (taken, seen);
    result
}

/// Reads a query answer whole; Prometheus's own error text is kept.
pub fn read(status: u16, body: &[u8], cfg: &SourceCfg) -> Result<Payload, String> {
    read_against(status, body, cfg, &mut None, true)
}

/// Reads a query answer against what `seen` holds of the last one sent
/// whole: only the values that changed, unless `whole`.
pub fn read_against(
    status: u16,
    body: &[u8],
    cfg: &SourceCfg,
    seen: &mut Option<Seen>,
    whole: bool,
) -> Result<Payload, String> {
    if !whole
        && (200..300).contains(&status)
        && let Some(s) = seen.as_mut()
        && let Some(changed) = s.changes(body)
    {
        return Ok(Payload::MeasuresDelta {
            changed,
            total: s.places(),
        });
    }
    *seen = None;
    let (pair_label, instance_label) = labels(cfg);
    let want = Want {
        pair: pair_label.as_deref(),
        instance: instance_label.as_deref(),
        measure: cfg.measure.unwrap_or(Measure::Lag),
    };
    let mut rows = Vec::new();
    let mut de = serde_json::Deserializer::from_slice(body);
    let answer = Whole(&want, &mut rows)
        .deserialize(&mut de)
        .and_then(|a| de.end().map(|()| a))
        .map_err(|e| {
            if (200..300).contains(&status) {
                format!("not a Prometheus answer: {e}")
            } else {
                format!("HTTP {status}")
            }
        })?;
    if answer.status.as_deref() != Some("success") {
        return Err(format!(
            "Prometheus error ({}): {}",
            answer.error_type.as_deref().unwrap_or("unknown"),
            answer.error.as_deref().unwrap_or("no error text")
        ));
    }
    let kind = answer.result_type.ok_or("Prometheus answer has no data")?;
    if kind != "vector" {
        return Err(format!(
            "query returns a {kind}; it must return an instant vector with a pair or instance label"
        ));
    }
    *seen = Seen::of(body, rows.len());
    Ok(Payload::Measures(rows))
}

/// The labels a source maps by.
struct Want<'l> {
    pair: Option<&'l str>,
    instance: Option<&'l str>,
    measure: Measure,
}

// The vector is read series by series: only the labels the source maps
// by are kept, the others are skipped unread; each series is owned as it
// is read, so an answer is not held twice (at 200 000 series, 15 MB).
struct Vector<'w, 'l>(&'w Want<'l>, &'w mut Vec<Measured>);

impl<'de> DeserializeSeed<'de> for Vector<'_, '_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Vector<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a list of series")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        if let Some(n) = seq.size_hint() {
            self.1.reserve(n);
        }
        while let Some(m) = seq.next_element_seed(Series(self.0))? {
            self.1.extend(m.map(|r| r.measured(self.0.measure)));
        }
        Ok(())
    }
}

struct Series<'w, 'l>(&'w Want<'l>);

impl<'de> DeserializeSeed<'de> for Series<'_, '_> {
    type Value = Option<Row<'de>>;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Series<'_, '_> {
    type Value = Option<Row<'de>>;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a series with metric and value")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut labels = None;
        let mut value = None;
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            match key.as_ref() {
                "metric" => labels = Some(map.next_value_seed(Labels(self.0))?),
                "value" => value = Some(map.next_value::<(f64, Cow<'de, str>)>()?),
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let (pair, instance) = labels.ok_or_else(|| serde::de::Error::missing_field("metric"))?;
        let (_, text) = value.ok_or_else(|| serde::de::Error::missing_field("value"))?;
        // NaN and infinities say nothing about a pair: left out.
        Ok(text
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .map(|value| Row {
                pair,
                instance,
                value,
            }))
    }
}

struct Labels<'w, 'l>(&'w Want<'l>);

type Pick<'de> = (Option<Cow<'de, str>>, Option<Cow<'de, str>>);

impl<'de> DeserializeSeed<'de> for Labels<'_, '_> {
    type Value = Pick<'de>;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Labels<'_, '_> {
    type Value = Pick<'de>;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a map of labels")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let (mut pair, mut instance) = (None, None);
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            let key = Some(key.as_ref());
            if key == self.0.pair || key == self.0.instance {
                let v = map.next_value::<Cow<'de, str>>()?;
                if key == self.0.pair {
                    pair = Some(v.clone());
                }
                if key == self.0.instance {
                    instance = Some(v);
                }
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok((pair, instance))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::report::Measured;

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
        // Only the mapped labels are kept, escapes read; NaN left out.
        let escaped = br#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"__name__":"x","job":"j","pair":"acct-\u0031","instance":"i"},"value":[1.0,"3"]}]}}"#;
        match read(200, escaped, &cfg()) {
            Ok(Payload::Measures(m)) => assert_eq!(
                m,
                vec![Measured {
                    pair: Some("acct-1".into()),
                    instance: None,
                    measure: Measure::Lag,
                    value: 3.0
                }]
            ),
            other => panic!("{other:?}"),
        }
        let no_value = br#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"pair":"a"}}]}}"#;
        assert!(
            read(200, no_value, &cfg())
                .expect_err("no value")
                .contains("missing field `value`")
        );
        let scalar = br#"{"status":"success","data":{"resultType":"scalar","result":[1,"1"]}}"#;
        assert!(
            read(200, scalar, &cfg())
                .expect_err("scalar")
                .contains("instant vector")
        );
    }
}
