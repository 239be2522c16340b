//! A demo console in a fixed state at a fixed clock, built without
//! threads or sockets: for snapshot tests and benchmarks.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::sim::Sim;
use crate::app::{App, Mode};
use crate::keymap::Keymap;
use crate::sources::report::{Payload, SourceUpdate};
use crate::state::Model;
use crate::theme::Theme;

/// 2027-01-15 12:04:31Z: the fixed clock of every snapshot.
pub fn clock() -> DateTime<Utc> {
    use chrono::TimeZone;
    Utc.with_ymd_and_hms(2027, 1, 15, 12, 4, 31)
        .single()
        .unwrap_or_default()
}

/// A model fed `steps` seconds of the simulated fleet, one fleet poll per
/// second, exactly as the real source would deliver them.
pub fn model(pairs: usize, scenario: &str, steps: u64) -> Model {
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], 18_080));
    let config = Arc::new(super::config(addr));
    let start = clock() - chrono::Duration::seconds(steps as i64);
    let mut model = Model::new(config, start);
    let mut sim = Sim::new(pairs, scenario, 0x5eed_ba70);
    for s in 1..=steps {
        sim.step();
        feed(
            &mut model,
            &sim,
            start + chrono::Duration::seconds(s as i64),
        );
    }
    model.tick(clock());
    model
}

/// One poll of the simulated fleet and its Alertmanager at `at`, read
/// exactly as the real sources read them.
pub fn feed(model: &mut Model, sim: &Sim, at: DateTime<Utc>) {
    model.tick(at);
    model.apply(SourceUpdate {
        source: 0,
        at,
        latency: Duration::from_millis(3),
        next_poll: None,
        result: Ok(Payload::Fleet {
            pairs: sim.report(),
            skipped: Vec::new(),
        }),
    });
    let body = serde_json::to_vec(&sim.alerts(at)).unwrap_or_default();
    model.apply(SourceUpdate {
        source: 1,
        at,
        latency: Duration::from_millis(2),
        next_poll: None,
        result: crate::sources::alertmanager::read(&body, "severity"),
    });
    // The demo's service checks, as they would answer, found by name.
    let up = || {
        Ok(Payload::Checked {
            detail: "UP".into(),
        })
    };
    let checks = [
        (
            "checkout_api",
            match sim.serves("acct-1003") {
                Some(true) => up(),
                _ => Err("HTTP 503".to_string()),
            },
        ),
        ("control_plane", up()),
    ];
    for (name, result) in checks {
        let Some(source) = model.config.sources.iter().position(|s| s.name == name) else {
            continue;
        };
        model.apply(SourceUpdate {
            source,
            at,
            latency: Duration::from_millis(1),
            next_poll: None,
            result,
        });
    }
}

/// The demo console as a user would see it, in a given theme.
pub fn app(pairs: usize, scenario: &str, steps: u64, theme: &str) -> App {
    let theme = Theme::builtin(theme).unwrap_or_else(Theme::plain);
    let keymap = Keymap::builtin("default").unwrap_or_default();
    let mut app = App::new(model(pairs, scenario, steps), keymap, theme, Mode::Demo);
    app.operator = "alice@bastion-1".into();
    app.wizard.operator = crate::wizard::incident::Operator {
        user: "alice".into(),
        host: "bastion-1".into(),
        ssh_client: None,
    };
    app.scenario = Some(scenario.to_string());
    let (templates, _) = crate::config::templates::load_all(&app.model.config, None);
    let (runbooks, _) = crate::config::runbooks::load_all(&app.model.config, None, &templates);
    app.wizard.runbooks = runbooks.into_iter().map(std::sync::Arc::new).collect();
    app.wizard.templates = std::sync::Arc::new(templates);
    app
}
