//! `baton demo`: a simulated fleet served over loopback HTTP on an
//! ephemeral port and polled through the real `fleet` source.

pub mod fixture;
pub mod sim;
mod wire;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json};
use axum::routing::{get, post};
use serde_json::json;

use crate::config::{Config, RegionCfg, SourceCfg};
pub use sim::{SCENARIOS, Sim};

type Shared = Arc<Mutex<Sim>>;

/// The simulation, even after a panicked holder: the demo keeps serving.
fn locked(sim: &Shared) -> std::sync::MutexGuard<'_, Sim> {
    sim.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The running demo fleet; dropping it stops the server and the clock.
pub struct DemoFleet {
    pub addr: SocketAddr,
    pub sim: Shared,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Drop for DemoFleet {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

pub fn scenario_names() -> Vec<&'static str> {
    SCENARIOS.iter().map(|(n, _)| *n).collect()
}

/// Starts the simulated fleet on 127.0.0.1 with an ephemeral port.
pub async fn serve(pairs: usize, scenario: &str) -> std::io::Result<DemoFleet> {
    serve_sim(Sim::new(pairs, scenario, 0x5eed_ba70), true).await
}

/// Serves `sim`; with `clock` it advances one step per second, without it
/// the caller steps it (a test's fake clock).
pub async fn serve_sim(sim: Sim, clock: bool) -> std::io::Result<DemoFleet> {
    let sim: Shared = Arc::new(Mutex::new(sim));
    let app = Router::new()
        .route("/api/pairs", get(fleet))
        .route("/health/{id}", get(health))
        .route("/api/services/{pair}/health", get(service_health))
        .route("/api/pairs/{id}/failover", post(failover))
        .route("/api/notify", post(notify))
        .route("/api/pairs/{id}/reprovision", post(reprovision))
        .route("/api/regions/{id}/failover", post(failover_region))
        .route("/api/dns/{name}", get(dns_get).post(dns_set))
        .route("/api/automation", get(automation))
        .route("/api/automation/{op}", post(automation_set))
        .route("/api/ops/{op}", post(operation))
        .route("/alertmanager/api/v2/alerts", get(am_alerts))
        .route("/alertmanager/api/v2/silences", post(am_silence))
        .with_state(Arc::clone(&sim));
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
    let addr = listener.local_addr()?;
    let server = tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!("demo fleet server stopped: {e}");
        }
    });
    let mut tasks = vec![server];
    if !clock {
        return Ok(DemoFleet { addr, sim, tasks });
    }
    let clock_sim = Arc::clone(&sim);
    let clock = tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        tick.tick().await;
        loop {
            tick.tick().await;
            locked(&clock_sim).step();
        }
    });
    tasks.push(clock);
    Ok(DemoFleet { addr, sim, tasks })
}

async fn fleet(State(sim): State<Shared>) -> impl IntoResponse {
    let body = locked(&sim).fleet_body();
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        body,
    )
}

async fn health(State(sim): State<Shared>, Path(id): Path<String>) -> axum::response::Response {
    let found = locked(&sim).instance(&id);
    match found {
        Some(i) if i.is_down() => StatusCode::SERVICE_UNAVAILABLE.into_response(),
        Some(i) => Json(i).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// A service the pair serves: up while the pair's current primary is.
async fn service_health(
    State(sim): State<Shared>,
    Path(pair): Path<String>,
) -> axum::response::Response {
    match locked(&sim).serves(&pair) {
        Some(true) => Json(json!({ "status": "UP" })).into_response(),
        Some(false) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "status": "DOWN", "error": "no primary answers" })),
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// Refuses (409) to promote a standby that is down, as a control plane would.
async fn failover(State(sim): State<Shared>, Path(id): Path<String>) -> axum::response::Response {
    match locked(&sim).failover(&id) {
        Ok(()) => StatusCode::OK.into_response(),
        Err(why) => (StatusCode::CONFLICT, Json(json!({ "error": why }))).into_response(),
    }
}

async fn reprovision(
    State(sim): State<Shared>,
    Path(id): Path<String>,
) -> axum::response::Response {
    match locked(&sim).reprovision(&id) {
        Some(new) => {
            Json(json!({ "pair": id, "new_standby": new, "queued": true })).into_response()
        }
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn failover_region(
    State(sim): State<Shared>,
    Path(id): Path<String>,
) -> axum::response::Response {
    match locked(&sim).failover_region(&id) {
        Some(n) => Json(json!({ "region": id, "failed_over": n })).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

#[derive(serde::Deserialize)]
struct Resolver {
    resolver: Option<String>,
}

/// A DNS record as one resolver answers it: a change reaches resolver k
/// of `sim::RESOLVERS` 2(k+1) seconds after it was made (propagation).
async fn dns_get(
    State(sim): State<Shared>,
    Path(name): Path<String>,
    axum::extract::Query(q): axum::extract::Query<Resolver>,
) -> impl IntoResponse {
    let s = locked(&sim);
    let resolver = q.resolver.unwrap_or_default();
    Json(json!({ "name": name, "resolver": resolver, "answer": s.dns_answer(&name, &resolver) }))
}

async fn dns_set(
    State(sim): State<Shared>,
    Path(name): Path<String>,
    Json(body): Json<serde_json::Value>,
) -> impl IntoResponse {
    let answer = body["answer"].as_str().unwrap_or("primary").to_string();
    locked(&sim).dns_set(&name, &answer);
    Json(json!({ "name": name, "answer": answer, "ttl": 60 }))
}

async fn automation(State(sim): State<Shared>) -> impl IntoResponse {
    let paused = locked(&sim).automation_paused;
    Json(json!({ "paused": paused }))
}

async fn automation_set(
    State(sim): State<Shared>,
    Path(op): Path<String>,
) -> axum::response::Response {
    let paused = match op.as_str() {
        "pause" => true,
        "resume" => false,
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    locked(&sim).automation_paused = paused;
    Json(json!({ "paused": paused })).into_response()
}

async fn am_alerts(State(sim): State<Shared>) -> impl IntoResponse {
    let alerts = locked(&sim).alerts(chrono::Utc::now());
    Json(serde_json::Value::Array(alerts))
}

/// Alertmanager's `POST /api/v2/silences`: exact matchers, an end.
async fn am_silence(
    State(sim): State<Shared>,
    Json(body): Json<serde_json::Value>,
) -> axum::response::Response {
    let matchers: std::collections::BTreeMap<String, String> = body["matchers"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|m| {
            Some((
                m["name"].as_str()?.to_string(),
                m["value"].as_str()?.to_string(),
            ))
        })
        .collect();
    let Some(ends) = body["endsAt"]
        .as_str()
        .and_then(|e| chrono::DateTime::parse_from_rfc3339(e).ok())
    else {
        return (StatusCode::BAD_REQUEST, "endsAt is required").into_response();
    };
    if matchers.is_empty() {
        return (StatusCode::BAD_REQUEST, "at least one matcher").into_response();
    }
    let mut s = locked(&sim);
    let id = format!("demo-silence-{}", s.silences.len() + 1);
    s.silences
        .push((id.clone(), matchers, ends.with_timezone(&chrono::Utc)));
    Json(json!({ "silenceID": id })).into_response()
}

/// Operations with no effect on the simulation (scale up, snapshot,
/// freeze…): accepted and named, so the runbooks that call them run.
async fn operation(
    Path(op): Path<String>,
    body: Option<Json<serde_json::Value>>,
) -> impl IntoResponse {
    Json(json!({ "ok": true, "op": op, "request": body.map(|b| b.0) }))
}

/// The demo's Commander: takes any JSON message and says it was received.
async fn notify(
    State(sim): State<Shared>,
    Json(msg): Json<serde_json::Value>,
) -> impl IntoResponse {
    let n = {
        let mut s = locked(&sim);
        s.messages.push(msg);
        s.messages.len()
    };
    Json(json!({ "received": n }))
}

/// The config the demo runs on: the real `fleet` source against the
/// simulated fleet, polled every second.
pub fn config(addr: SocketAddr) -> Config {
    #[derive(serde::Deserialize)]
    struct Sources {
        source: Vec<SourceCfg>,
    }
    let mut c = Config::default();
    c.console.title = "demo".into();
    // Demo incidents never mix with the journal of a real estate.
    c.console.journal_dir = std::env::var_os("XDG_STATE_HOME")
        .filter(|s| !s.is_empty())
        .map_or_else(
            || crate::config::home().join(".local/state"),
            std::path::PathBuf::from,
        )
        .join("baton/demo-journal");
    c.regions = sim::REGIONS
        .iter()
        .map(|(id, provider)| RegionCfg {
            id: (*id).into(),
            provider: (*provider).into(),
        })
        .collect();
    // Written as TOML so the demo source gets every default a user's does.
    let source = format!(
        "name = \"fleet\"\nkind = \"fleet\"\nurl = \"http://{addr}/api/pairs\"\ninterval = \"1s\"\ntimeout = \"800ms\"\nfailure_threshold = 3\n"
    );
    match toml::from_str::<SourceCfg>(&source) {
        Ok(s) => c.sources.push(s),
        Err(e) => tracing::error!("demo source config: {e}"),
    }
    // The demo's Alertmanager: instance-down alerts, silences.
    let am = format!(
        "name = \"alertmanager\"\nkind = \"alertmanager\"\nurl = \"http://{addr}/alertmanager\"\ninterval = \"2s\"\ntimeout = \"800ms\"\n"
    );
    match toml::from_str::<SourceCfg>(&am) {
        Ok(s) => c.sources.push(s),
        Err(e) => tracing::error!("demo alertmanager config: {e}"),
    }
    // Service checks: the checkout API runs on acct-1003, the pair the
    // primary-crash and mixed scenarios take down; the control plane's port.
    let checks = format!(
        "[[source]]\nname = \"checkout_api\"\nkind = \"http\"\nurl = \"http://{addr}/api/services/acct-1003/health\"\ninterval = \"1s\"\ntimeout = \"800ms\"\nfailure_threshold = 2\n\n[[source]]\nname = \"control_plane\"\nkind = \"tcp\"\nurl = \"tcp://{addr}\"\ninterval = \"2s\"\ntimeout = \"800ms\"\n"
    );
    match toml::from_str::<Sources>(&checks) {
        Ok(s) => c.sources.extend(s.source),
        Err(e) => tracing::error!("demo checks config: {e}"),
    }
    // The Commander's webhook: notify steps of the demo send here.
    let commander = format!("kind = \"webhook\"\nurl = \"http://{addr}/api/notify\"\n");
    match toml::from_str::<crate::config::NotifyCfg>(&commander) {
        Ok(n) => {
            c.notify.insert("commander".into(), n);
        }
        Err(e) => tracing::error!("demo notify config: {e}"),
    }
    c
}
