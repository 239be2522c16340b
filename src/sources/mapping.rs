//! Responses of other shapes, read through JSON pointers (`[source.map]`).

use serde_json::Value;

use super::report::{InstanceReport, PairReport};
use crate::config::SourceMap;

fn text(v: &Value, ptr: &str) -> Option<String> {
    match v.pointer(ptr)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A number, or a string holding one (many APIs quote numbers).
fn number(v: &Value, ptr: &str, field: &str) -> Result<Option<f64>, String> {
    match v.pointer(ptr) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => Ok(n.as_f64()),
        Some(Value::String(s)) => s
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| format!("{field} at {ptr} is \"{s}\", not a number")),
        Some(other) => Err(format!("{field} at {ptr} is {other}, not a number")),
    }
}

/// Reads one instance object.
pub fn instance(v: &Value, map: &SourceMap) -> Result<InstanceReport, String> {
    let p = |o: &Option<String>, d: &'static str| o.clone().unwrap_or_else(|| d.to_string());
    Ok(InstanceReport {
        id: text(v, &p(&map.id, "/id")).unwrap_or_default(),
        role: text(v, &p(&map.role, "/role")),
        status: text(v, &p(&map.status, "/status")),
        health_score: number(v, &p(&map.health_score, "/health_score"), "health_score")?,
        region: text(v, &p(&map.region, "/region")),
        provider: text(v, &p(&map.provider, "/provider")),
        replication_lag_seconds: number(v, &p(&map.lag, "/replication_lag_seconds"), "lag")?,
        replication_lag_bytes: number(
            v,
            &p(&map.lag_bytes, "/replication_lag_bytes"),
            "lag_bytes",
        )?,
        writable: match v.pointer(&p(&map.writable, "/writable")) {
            None | Some(Value::Null) => None,
            Some(Value::Bool(b)) => Some(*b),
            Some(Value::String(s)) if s == "true" || s == "on" || s == "t" => Some(true),
            Some(Value::String(s)) if s == "false" || s == "off" || s == "f" => Some(false),
            Some(other) => return Err(format!("writable is {other}, not true or false")),
        },
    })
}

/// Reads a fleet document; entries that cannot be read are skipped and named.
pub fn fleet(doc: &Value, map: &SourceMap) -> Result<(Vec<PairReport>, Vec<String>), String> {
    let list_ptr = map.pairs.as_deref().unwrap_or("/pairs");
    let list = doc
        .pointer(list_ptr)
        .and_then(Value::as_array)
        .ok_or_else(|| format!("unexpected shape: no array at {list_ptr}"))?;
    let mut pairs = Vec::with_capacity(list.len());
    let mut skipped = Vec::new();
    // Instance fields are read relative to the instance object, except the
    // pair lag, which is relative to the entry.
    let inst_map = SourceMap {
        lag: None,
        lag_bytes: None,
        ..map.clone()
    };
    for (i, entry) in list.iter().enumerate() {
        let id = text(entry, map.pair_id.as_deref().unwrap_or("/id"));
        let read = || -> Result<PairReport, String> {
            let id = id.clone().ok_or("no pair id")?;
            let primary = entry
                .pointer(map.primary.as_deref().unwrap_or("/primary"))
                .ok_or("no primary")
                .map_err(str::to_string)
                .and_then(|v| instance(v, &inst_map))?;
            let standby = match entry.pointer(map.standby.as_deref().unwrap_or("/standby")) {
                None | Some(Value::Null) => None,
                Some(v) => Some(instance(v, &inst_map)?),
            };
            let lag = number(
                entry,
                map.lag.as_deref().unwrap_or("/replication_lag_seconds"),
                "lag",
            )?;
            let lag_bytes = number(
                entry,
                map.lag_bytes.as_deref().unwrap_or("/replication_lag_bytes"),
                "lag_bytes",
            )?;
            if primary.id.is_empty() {
                return Err("primary has no id".into());
            }
            Ok(PairReport {
                id,
                primary,
                standby,
                replication_lag_seconds: lag,
                replication_lag_bytes: lag_bytes,
            })
        };
        match read() {
            Ok(p) => pairs.push(p),
            Err(e) => skipped.push(format!(
                "pair #{i} ({}): {e}",
                id.as_deref().unwrap_or("no id")
            )),
        }
    }
    super::report::drop_duplicate_pairs(&mut pairs, &mut skipped);
    Ok((pairs, skipped))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn other_shapes_through_pointers() {
        let doc = json!({"data": {"items": [
            {"name": "acct-1", "members": [{"host": "a", "state": "up", "score": "91"}, {"host": "b", "score": 80}], "repl": {"lag_s": 2.5}},
            {"name": "acct-2", "members": [{"state": "up"}]}
        ]}});
        let map = SourceMap {
            pairs: Some("/data/items".into()),
            pair_id: Some("/name".into()),
            primary: Some("/members/0".into()),
            standby: Some("/members/1".into()),
            lag: Some("/repl/lag_s".into()),
            id: Some("/host".into()),
            status: Some("/state".into()),
            health_score: Some("/score".into()),
            ..SourceMap::default()
        };
        let (pairs, skipped) = fleet(&doc, &map).expect("reads");
        assert_eq!(pairs.len(), 1);
        assert_eq!(pairs[0].primary.health_score, Some(91.0));
        assert_eq!(pairs[0].replication_lag_seconds, Some(2.5));
        assert_eq!(pairs[0].standby.as_ref().map(|s| s.id.as_str()), Some("b"));
        assert_eq!(
            skipped,
            vec!["pair #1 (acct-2): primary has no id".to_string()]
        );
        assert!(
            fleet(&json!({"x": 1}), &map)
                .expect_err("no list")
                .contains("/data/items")
        );
    }
}
