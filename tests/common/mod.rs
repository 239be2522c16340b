//! Helpers shared by the integration tests: loopback servers, a model fed
//! by real source tasks, and waiting for what a user would see.
#![allow(dead_code)] // each test crate uses a different subset

pub mod builder;
pub mod drive;
pub mod harness;
pub mod tmux;
pub mod wizard;

#[allow(unused_imports)] // not every test crate drives a console
pub use harness::Harness;

use std::sync::Arc;
use std::time::Duration;

use baton::config::Config;
use baton::sources::report::SourceUpdate;
use baton::state::Model;
use chrono::Utc;
use tokio::sync::mpsc;

/// Serves an axum router on 127.0.0.1 with an ephemeral port.
pub async fn serve(app: axum::Router) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .expect("bind loopback");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
    addr
}

/// A model with the config's sources running as real tasks.
pub fn model_for(
    toml_text: &str,
) -> (
    Model,
    mpsc::Receiver<SourceUpdate>,
    tokio::task::JoinSet<()>,
) {
    let cfg: Config =
        toml::from_str(toml_text).unwrap_or_else(|e| panic!("test config: {e}\n{toml_text}"));
    let (tx, rx) = mpsc::channel(64);
    let cfg = Arc::new(cfg);
    let model = Model::new(Arc::clone(&cfg), Utc::now());
    let tasks = baton::sources::spawn_all(&cfg, &tx, model.resync());
    (model, rx, tasks)
}

/// Feeds source updates into the model until `done` holds; a generous
/// safety deadline fails the test (with what the model says) instead of
/// hanging it.
pub async fn follow(
    model: &mut Model,
    rx: &mut mpsc::Receiver<SourceUpdate>,
    what: &str,
    mut done: impl FnMut(&Model) -> bool,
) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let Ok(u) = tokio::time::timeout_at(deadline, rx.recv()).await else {
            let errs: Vec<_> = model
                .pairs
                .iter()
                .map(|p| {
                    (
                        &p.id,
                        &p.primary.error,
                        p.standby.as_ref().map(|s| &s.error),
                    )
                })
                .collect();
            let sources: Vec<_> = model
                .sources
                .iter()
                .map(|s| (&s.name, &s.last_error))
                .collect();
            panic!("waited for {what}; instance errors: {errs:?}; sources: {sources:?}");
        };
        model.now = Utc::now();
        model.apply(u.expect("sources ended"));
        if done(model) {
            return;
        }
    }
}

/// A fresh temp folder for one test.
pub fn temp(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("baton-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

/// The model of a console whose fleet source answered once: one pair,
/// acct-1, its primary DOWN, its standby ready.
pub fn one_pair_down(config: Config) -> Model {
    let mut model = Model::new(Arc::new(config), Utc::now());
    let inst =
        |id: &str, status: &str, score: f64, region: &str| baton::sources::report::InstanceReport {
            id: id.into(),
            status: Some(status.into()),
            health_score: Some(score),
            region: Some(region.into()),
            ..baton::sources::report::InstanceReport::default()
        };
    model.apply(SourceUpdate {
        source: 0,
        at: Utc::now(),
        latency: Duration::from_millis(1),
        next_poll: None,
        result: Ok(baton::sources::report::Payload::Fleet {
            pairs: vec![baton::sources::report::PairReport {
                id: "acct-1".into(),
                primary: inst("gw-1-a", "DOWN", 0.0, "eu-west-1"),
                standby: Some(inst("gw-1-b", "STANDBY", 88.0, "eu-central-1")),
                replication_lag_seconds: Some(0.5),
                ..baton::sources::report::PairReport::default()
            }],
            skipped: Vec::new(),
        }),
    });
    model
}
