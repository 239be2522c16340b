//! Fleet, health, Prometheus and Alertmanager bodies: parsed by the
//! source's own reader, applied to a model, and drawn.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use baton::app::Overlay;
use baton::config::Config;
use baton::sources::report::{Payload, Probe, SourceUpdate};
use baton::state::Model;

use super::mutate::Bytes;
use super::{app, draw, leak};

/// A config with every kind of source that reads a body, and pairs.
pub fn body_config() -> &'static Arc<Config> {
    static C: OnceLock<Arc<Config>> = OnceLock::new();
    C.get_or_init(|| {
        let cfg: Config = toml::from_str(include_str!("seed-config.toml")).expect("seed config");
        Arc::new(cfg)
    })
}

/// The source update into the model, then the panes drawn.
pub fn show(source: usize, result: Result<Payload, String>) {
    let ok = result.is_ok();
    let now = baton::demo::fixture::clock();
    let mut model = Model::new(Arc::clone(body_config()), now);
    for at in [now, now + chrono::Duration::seconds(1)] {
        model.apply(SourceUpdate {
            source,
            at,
            latency: Duration::from_millis(5),
            result: result.clone(),
            next_poll: None,
        });
        model.tick(at);
    }
    let mut app = crate::common::Harness::builder("fuzz-bodies")
        .model(model)
        .keymap(app::looks().keymap("default"))
        .app();
    app.refresh();
    // A refused body changes only the source's row: drawn in its view.
    if !ok {
        app.view.overlay = Some(Overlay::Sources);
        draw(&app, 100, 30);
        return;
    }
    draw(&app, 120, 36);
    if let Some(id) = app.model.pairs.first().map(|p| p.id.clone()) {
        app.view.overlay = Some(Overlay::Detail(id));
        draw(&app, 100, 30);
    }
}

pub fn fleet_seeds() -> &'static [&'static str] {
    static S: OnceLock<Vec<&'static str>> = OnceLock::new();
    S.get_or_init(|| {
        let mut out = Vec::new();
        for scenario in ["mixed", "provider-outage"] {
            let mut sim = baton::demo::Sim::new(6, scenario, 7);
            for _ in 0..40 {
                sim.step();
            }
            let body = serde_json::json!({ "pairs": sim.report() });
            out.push(leak(serde_json::to_string_pretty(&body).expect("json")));
        }
        out.push(include_str!("seed-fleet-mapped.json"));
        out
    })
}

pub fn fleet_case(bytes: Bytes) {
    let _ = baton::sources::parse::fleet(&bytes);
    let mapped = body_config().sources[5].map.clone();
    if let Ok(doc) = serde_json::from_slice::<serde_json::Value>(&bytes) {
        let _ = baton::sources::mapping::fleet(&doc, &mapped);
    }
    let _ = baton::sources::command::read(&bytes, &body_config().sources[5], Duration::ZERO);
    let result = baton::sources::parse::fleet(&bytes)
        .map(|(pairs, skipped)| Payload::Fleet { pairs, skipped });
    show(0, result);
}

pub const HEALTH_SEEDS: &[&str] = &[
    r#"{"id": "gw-1042-a", "role": "PRIMARY", "status": "ACTIVE", "health_score": 87,
 "region": "eu-west-1", "provider": "aws", "replication_lag_seconds": 1.2}"#,
    r#"{"status":"DOWN","health_score":"12","checks":{"db":{"ok":false,"latency_ms":[1,2,3]}}}"#,
    "OK\n",
];

pub const CONDITIONS: &[&str] = &[
    "[STATUS] == 200",
    "[BODY].status == ACTIVE",
    "[RESPONSE_TIME] < 500",
    "[BODY].checks.db.latency_ms[2] <= 3",
    "[BODY].health_score >= 1e308",
    "[BODY] == OK",
    "[BODY].a[99999999999999999999] == 1",
    "[STATUS] < -5",
];

pub fn health_case((bytes, status, cond): (Bytes, u16, &'static str)) {
    let report = baton::sources::parse::instance("gw-1001-a", status, &bytes);
    let json = serde_json::from_slice::<serde_json::Value>(&bytes).ok();
    if let Some(v) = &json {
        let _ = baton::sources::mapping::instance(v, &body_config().sources[1].map);
    }
    let c = baton::cond::Cond::http(cond);
    if c.error().is_none() {
        let r = baton::cond::Response {
            status,
            millis: 12,
            body: &bytes,
            json: json.as_ref(),
        };
        let _ = baton::cond::gatus::check(&c, &r);
    }
    let probes = ["gw-1001-a", "gw-1001-b"]
        .iter()
        .map(|id| Probe {
            instance: (*id).into(),
            latency: Duration::from_millis(9),
            result: report.clone(),
        })
        .collect();
    show(1, Ok(Payload::Instances(probes)));
}

pub const PROMETHEUS_SEEDS: &[&str] = &[
    include_str!("seed-prometheus.json"),
    r#"{"status":"error","errorType":"bad_data","error":"1:5: parse error"}"#,
    r#"{"status":"success","data":{"resultType":"scalar","result":[1,"1"]}}"#,
];

pub fn prometheus_case((bytes, status, source): (Bytes, u16, usize)) {
    let cfg = &body_config().sources[source];
    let result = baton::sources::prometheus::read(status, &bytes, cfg);
    show(source, result);
}

pub fn alertmanager_seeds() -> &'static [&'static str] {
    static S: OnceLock<Vec<&'static str>> = OnceLock::new();
    S.get_or_init(|| {
        let mut sim = baton::demo::Sim::new(6, "provider-outage", 7);
        for _ in 0..40 {
            sim.step();
        }
        let alerts = sim.alerts(baton::demo::fixture::clock());
        vec![
            leak(serde_json::to_string_pretty(&alerts).expect("json")),
            include_str!("seed-alertmanager.json"),
        ]
    })
}

pub fn alertmanager_case(bytes: Bytes) {
    let result = baton::sources::alertmanager::read(&bytes, "severity");
    show(4, result);
}
