//! Reading health and fleet responses of the default shapes.

use serde::Deserialize;

use super::report::{InstanceReport, PairReport};

#[derive(Deserialize)]
struct FleetBody {
    pairs: Vec<PairReport>,
}

#[derive(Deserialize)]
struct LooseFleetBody {
    pairs: Vec<serde_json::Value>,
}

/// Parses a fleet response. Entries that cannot be read are skipped and
/// named, so one bad pair does not hide the others.
pub fn fleet(body: &[u8]) -> Result<(Vec<PairReport>, Vec<String>), String> {
    let (pairs, mut skipped) = match serde_json::from_slice::<FleetBody>(body) {
        Ok(b) => (b.pairs, Vec::new()),
        Err(fast) => {
            let loose: LooseFleetBody = serde_json::from_slice(body).map_err(|e| {
                if fast.is_syntax() || fast.is_eof() {
                    format!("malformed JSON: {e}")
                } else {
                    format!("unexpected shape, expected {{\"pairs\": [...]}}: {e}")
                }
            })?;
            let mut pairs = Vec::with_capacity(loose.pairs.len());
            let mut skipped = Vec::new();
            for (i, v) in loose.pairs.into_iter().enumerate() {
                let id = v.get("id").and_then(|x| x.as_str()).map(str::to_string);
                match serde_json::from_value::<PairReport>(v) {
                    Ok(p) => pairs.push(p),
                    Err(e) => skipped.push(format!(
                        "pair #{i} ({}): {e}",
                        id.as_deref().unwrap_or("no id")
                    )),
                }
            }
            (pairs, skipped)
        }
    };
    let mut good = Vec::with_capacity(pairs.len());
    for p in pairs {
        if p.id.is_empty() || p.primary.id.is_empty() {
            skipped.push(format!("pair \"{}\": pair or primary has no id", p.id));
        } else {
            good.push(p);
        }
    }
    super::report::drop_duplicate_pairs(&mut good, &mut skipped);
    Ok((good, skipped))
}

/// Parses an instance health response. A body that is not JSON counts as
/// reachable with status UP: many health endpoints answer `OK`.
pub fn instance(instance: &str, status: u16, body: &[u8]) -> Result<InstanceReport, String> {
    if !(200..300).contains(&status) {
        let snippet: String = String::from_utf8_lossy(body).chars().take(80).collect();
        let snippet = snippet.trim();
        return Err(if snippet.is_empty() {
            format!("HTTP {status}")
        } else {
            format!("HTTP {status}: {snippet}")
        });
    }
    let text = String::from_utf8_lossy(body);
    let trimmed = text.trim_start();
    if !trimmed.starts_with('{') {
        return Ok(InstanceReport {
            id: instance.to_string(),
            status: Some("UP".into()),
            ..InstanceReport::default()
        });
    }
    let mut r: InstanceReport = serde_json::from_str(trimmed).map_err(|e| {
        if e.is_syntax() || e.is_eof() {
            format!("malformed JSON: {e}")
        } else {
            format!("unexpected health body: {e}")
        }
    })?;
    if r.id.is_empty() {
        r.id = instance.to_string();
    }
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fleet_default_shape() {
        let body =
            br#"{"pairs":[{"id":"acct-1","primary":{"id":"a","status":"ACTIVE","health_score":87},
            "standby":{"id":"b","health_score":80},"replication_lag_seconds":1.5}]}"#;
        let (pairs, skipped) = fleet(body).expect("parses");
        assert!(skipped.is_empty());
        assert_eq!(pairs[0].primary.health_score, Some(87.0));
        assert_eq!(pairs[0].replication_lag_seconds, Some(1.5));
    }

    #[test]
    fn one_bad_pair_is_skipped_and_named() {
        let body = br#"{"pairs":[{"id":"good","primary":{"id":"a"}},{"id":"bad","primary":{"id":"b","health_score":"high"}}]}"#;
        let (pairs, skipped) = fleet(body).expect("parses");
        assert_eq!(pairs.len(), 1);
        assert!(
            skipped[0].contains("bad") && skipped[0].contains("invalid type"),
            "{skipped:?}"
        );
    }

    #[test]
    fn duplicate_pair_ids_are_reported_not_collapsed_silently() {
        let entry = r#"{"id":"acct-1","primary":{"id":"a"}}"#;
        let body = format!(
            r#"{{"pairs":[{},{{"id":"acct-2","primary":{{"id":"c"}}}}]}}"#,
            vec![entry; 10_000].join(",")
        );
        let (pairs, skipped) = fleet(body.as_bytes()).expect("parses");
        assert_eq!(pairs.len(), 2);
        assert_eq!(
            skipped,
            vec!["pair \"acct-1\" is listed 10000 times: only the first entry is used".to_string()]
        );
    }

    #[test]
    fn malformed_and_wrong_shapes_are_errors() {
        assert!(
            fleet(b"{\"pairs\": [")
                .expect_err("must fail")
                .starts_with("malformed JSON")
        );
        assert!(
            fleet(b"[1,2]")
                .expect_err("must fail")
                .starts_with("unexpected shape")
        );
    }

    #[test]
    fn health_statuses() {
        assert_eq!(
            instance("x", 500, b"boom").expect_err("must fail"),
            "HTTP 500: boom"
        );
        assert_eq!(
            instance("x", 200, b"OK").map(|r| r.status),
            Ok(Some("UP".into()))
        );
        let r = instance("x", 200, br#"{"status":"ACTIVE","health_score":70}"#).expect("json");
        assert_eq!((r.id.as_str(), r.health_score), ("x", Some(70.0)));
        assert!(
            instance("x", 200, b"{\"status\":")
                .expect_err("must fail")
                .starts_with("malformed JSON")
        );
    }
}
