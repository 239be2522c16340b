//! The state model follows real HTTP sources: an in-process fleet and
//! per-instance health endpoints on 127.0.0.1.

mod common;

use common::{follow, model_for, serve};

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use baton::state::{PairState, SourceHealth};
use serde_json::json;

#[derive(Clone, Copy, PartialEq)]
enum Behaviour {
    Ok,
    Down,
    Hang,
    Malformed,
}

#[derive(Clone, Default)]
struct Fleet {
    primary_down: Arc<AtomicBool>,
    listing: Arc<Mutex<Option<Behaviour>>>,
    health: Arc<Mutex<HashMap<String, Behaviour>>>,
}

async fn fleet(State(f): State<Fleet>) -> Response {
    match *f.listing.lock().expect("lock") {
        Some(Behaviour::Malformed) => return (StatusCode::OK, "{\"pairs\": [").into_response(),
        Some(Behaviour::Down) => return StatusCode::NOT_FOUND.into_response(),
        _ => {}
    }
    let down = f.primary_down.load(Ordering::SeqCst);
    let primary = json!({"id": "gw-1-a", "role": "PRIMARY", "status": if down {"DOWN"} else {"ACTIVE"},
        "health_score": if down {0} else {91}, "region": "eu-west-1", "provider": "aws"});
    axum::Json(json!({"pairs": [
        {"id": "acct-1", "primary": primary, "standby": {"id": "gw-1-b", "status": "STANDBY", "health_score": 88, "region": "eu-central-1", "provider": "hetzner"}, "replication_lag_seconds": 1.5},
        {"id": "acct-2", "primary": {"id": "gw-2-a", "status": "ACTIVE", "health_score": 95, "region": "eu-west-1"}, "standby": {"id": "gw-2-b", "health_score": 90, "region": "eu-central-1"}, "replication_lag_seconds": 0.4}
    ]})).into_response()
}

async fn health(State(f): State<Fleet>, Path(id): Path<String>) -> Response {
    let b = f
        .health
        .lock()
        .expect("lock")
        .get(&id)
        .copied()
        .unwrap_or(Behaviour::Ok);
    match b {
        Behaviour::Ok => axum::Json(json!({"id": id, "status": "ACTIVE", "health_score": 90, "replication_lag_seconds": 0.7})).into_response(),
        Behaviour::Down => (StatusCode::INTERNAL_SERVER_ERROR, "database unreachable").into_response(),
        Behaviour::Malformed => (StatusCode::OK, "{\"status\": ").into_response(),
        Behaviour::Hang => {
            tokio::time::sleep(Duration::from_hours(1)).await;
            StatusCode::OK.into_response()
        }
    }
}

fn router(state: Fleet) -> Router {
    Router::new()
        .route("/api/pairs", get(fleet))
        .route("/health/{id}", get(health))
        .with_state(state)
}

#[tokio::test]
async fn primary_down_turns_critical_after_failure_threshold_polls() {
    let state = Fleet::default();
    let addr = serve(router(state.clone())).await;
    let (mut model, mut rx, _tasks) = model_for(&format!(
        "[[source]]\nname = \"fleet\"\nkind = \"fleet\"\nurl = \"http://{addr}/api/pairs\"\ninterval = \"150ms\"\ntimeout = \"100ms\"\nfailure_threshold = 3\n"
    ));
    follow(&mut model, &mut rx, "the expected state", |m| {
        m.pair("acct-1").is_some_and(|p| p.state == PairState::Ok)
    })
    .await;
    assert_eq!(model.pair("acct-2").map(|p| p.lag), Some(Some(0.4)));

    state.primary_down.store(true, Ordering::SeqCst);
    let mut seen = Vec::new();
    follow(&mut model, &mut rx, "the expected state", |m| {
        let p = m.pair("acct-1").expect("pair");
        seen.push((p.primary.fail_streak, p.state));
        p.state == PairState::Critical
    })
    .await;
    // Every poll before the third failed one kept the pair out of CRITICAL.
    for (streak, st) in &seen {
        assert_eq!(*st == PairState::Critical, *streak >= 3, "{seen:?}");
    }
    let p = model.pair("acct-1").expect("pair");
    assert!(p.reason.contains("primary gw-1-a down"), "{}", p.reason);
    assert_eq!(model.pair("acct-2").map(|p| p.state), Some(PairState::Ok));
    assert!(
        model
            .alerts
            .iter()
            .any(|a| a.name == "PrimaryDown" && a.subject == "gw-1-a")
    );

    // Recovery: one good poll clears it.
    state.primary_down.store(false, Ordering::SeqCst);
    follow(&mut model, &mut rx, "the expected state", |m| {
        m.pair("acct-1").is_some_and(|p| p.state == PairState::Ok)
    })
    .await;
}

#[tokio::test]
async fn a_broken_fleet_response_is_shown_failing_and_pairs_go_stale() {
    let state = Fleet::default();
    let addr = serve(router(state.clone())).await;
    let (mut model, mut rx, _tasks) = model_for(&format!(
        "[[source]]\nname = \"fleet\"\nkind = \"fleet\"\nurl = \"http://{addr}/api/pairs\"\ninterval = \"150ms\"\ntimeout = \"100ms\"\nfailure_threshold = 2\n"
    ));
    follow(&mut model, &mut rx, "the expected state", |m| {
        m.pair("acct-1").is_some()
    })
    .await;
    *state.listing.lock().expect("lock") = Some(Behaviour::Malformed);
    follow(&mut model, &mut rx, "the expected state", |m| {
        m.sources[0].health(m.now) == SourceHealth::Failing
    })
    .await;
    let err = model.sources[0].last_error.clone().unwrap_or_default();
    assert!(err.starts_with("malformed JSON"), "{err}");
    assert!(model.alerts.iter().any(|a| a.name == "SourceFailing"));
    // Old data is never shown as fresh.
    follow(&mut model, &mut rx, "the expected state", |m| {
        m.pair("acct-1")
            .is_some_and(|p| p.state == PairState::Stale)
    })
    .await;

    *state.listing.lock().expect("lock") = Some(Behaviour::Down);
    follow(&mut model, &mut rx, "the expected state", |m| {
        m.sources[0].last_error.as_deref() == Some("HTTP 404")
    })
    .await;
}

#[tokio::test]
async fn a_hung_endpoint_fails_after_its_timeout_and_does_not_delay_the_others() {
    let state = Fleet::default();
    state
        .health
        .lock()
        .expect("lock")
        .insert("gw-2-a".into(), Behaviour::Hang);
    state
        .health
        .lock()
        .expect("lock")
        .insert("gw-3-b".into(), Behaviour::Down);
    let addr = serve(router(state.clone())).await;
    let u = |id: &str| format!("http://{addr}/health/{id}");
    let (mut model, mut rx, _tasks) = model_for(&format!(
        r#"
[[source]]
name = "health"
kind = "http"
interval = "500ms"
timeout = "300ms"
failure_threshold = 2

[[pair]]
id = "acct-1"
primary = {{ id = "gw-1-a", region = "eu-west-1", health = "{}" }}
standby = {{ id = "gw-1-b", region = "eu-central-1", health = "{}" }}

[[pair]]
id = "acct-2"
primary = {{ id = "gw-2-a", region = "eu-west-1", health = "{}" }}
standby = {{ id = "gw-2-b", region = "eu-central-1", health = "{}" }}

[[pair]]
id = "acct-3"
primary = {{ id = "gw-3-a", region = "eu-west-1", health = "{}" }}
standby = {{ id = "gw-3-b", region = "eu-central-1", health = "{}" }}
"#,
        u("gw-1-a"),
        u("gw-1-b"),
        u("gw-2-a"),
        u("gw-2-b"),
        u("gw-3-a"),
        u("gw-3-b")
    ));
    follow(&mut model, &mut rx, "the expected state", |m| {
        m.pair("acct-2")
            .is_some_and(|p| p.state == PairState::Critical)
    })
    .await;

    let hung = model.pair("acct-2").expect("pair");
    assert_eq!(hung.primary.error.as_deref(), Some("timed out after 300ms"));
    let healthy = model.pair("acct-1").expect("pair");
    assert_eq!(healthy.state, PairState::Ok);
    let answered = healthy.primary.response.expect("probed");
    assert!(
        answered < Duration::from_millis(300),
        "healthy probe waited for the hung one: {answered:?}"
    );
    assert_eq!(healthy.lag, Some(0.7));

    let degraded = model.pair("acct-3").expect("pair");
    assert_eq!(degraded.state, PairState::AtRisk, "{}", degraded.reason);
    assert_eq!(
        degraded
            .standby
            .as_ref()
            .and_then(|s| s.error.clone())
            .as_deref(),
        Some("HTTP 500: database unreachable")
    );
    assert_eq!(model.sources[0].failed_targets, 2);
    assert_eq!(model.sources[0].health(model.now), SourceHealth::Degraded);
}

#[tokio::test]
async fn connection_refused_and_malformed_health_are_errors_on_the_instance() {
    let state = Fleet::default();
    state
        .health
        .lock()
        .expect("lock")
        .insert("gw-1-b".into(), Behaviour::Malformed);
    let addr = serve(router(state.clone())).await;
    // A port nothing listens on: bind, note it, close it.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr");
    let (mut model, mut rx, _tasks) = model_for(&format!(
        r#"
[[source]]
name = "health"
kind = "http"
interval = "200ms"
timeout = "150ms"
failure_threshold = 1

[[pair]]
id = "acct-1"
primary = {{ id = "gw-1-a", region = "eu-west-1", health = "http://{closed}/health" }}
standby = {{ id = "gw-1-b", region = "eu-central-1", health = "http://{addr}/health/gw-1-b" }}
"#
    ));
    follow(&mut model, &mut rx, "the expected state", |m| {
        m.pair("acct-1")
            .is_some_and(|p| p.primary.down && p.standby.as_ref().is_some_and(|s| s.down))
    })
    .await;
    let p = model.pair("acct-1").expect("pair");
    assert!(
        p.primary
            .error
            .as_deref()
            .unwrap_or_default()
            .starts_with("connect failed"),
        "{:?}",
        p.primary.error
    );
    assert!(
        p.standby
            .as_ref()
            .and_then(|s| s.error.as_deref())
            .unwrap_or_default()
            .starts_with("malformed JSON")
    );
    assert_eq!(
        model.sources[0].health(model.now),
        SourceHealth::Failing,
        "every target failing counts against the source"
    );
}
