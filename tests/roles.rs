//! Roles as the instances themselves report them (a database asked its
//! recovery state, a Redis its INFO): the pair follows a promotion, says
//! split brain when both take writes, and AT RISK while its primary is
//! fenced.

use std::sync::Arc;
use std::time::Duration;

use baton::config::Config;
use baton::sources::report::{InstanceReport, Payload, Probe, SourceUpdate};
use baton::state::{Model, PairState};
use chrono::Utc;

fn model() -> Model {
    let config: Config = toml::from_str(
        r#"
[[source]]
name = "a"
kind = "tcp"
url = "tcp://127.0.0.1:1"
instance = "pg-a"
failure_threshold = 1

[[pair]]
id = "db"
primary = { id = "pg-a", region = "site-a" }
standby = { id = "pg-b", region = "site-b" }
"#,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    Model::new(Arc::new(config), Utc::now())
}

fn says(model: &mut Model, id: &str, role: &str, writable: bool) {
    let report = InstanceReport {
        id: id.into(),
        role: Some(role.into()),
        status: Some(if role == "PRIMARY" { "ACTIVE" } else { role }.into()),
        health_score: Some(100.0),
        writable: Some(writable),
        replication_lag_bytes: (role == "STANDBY").then_some(120.0),
        ..InstanceReport::default()
    };
    model.now = Utc::now();
    feed(model, report);
}

/// One poll of the instance's own source.
fn feed(model: &mut Model, report: InstanceReport) {
    model.apply(SourceUpdate {
        source: 0,
        at: model.now,
        latency: Duration::from_millis(1),
        result: Ok(Payload::Instances(vec![Probe {
            instance: report.id.clone(),
            latency: Duration::from_millis(1),
            result: Ok(report),
        }])),
        next_poll: None,
    });
}

fn db(model: &Model) -> &baton::state::Pair {
    model.pair("db").unwrap_or_else(|| panic!("db"))
}

#[test]
fn the_pair_follows_a_promotion_and_says_split_brain_when_both_take_writes() {
    let mut m = model();
    says(&mut m, "pg-a", "PRIMARY", true);
    says(&mut m, "pg-b", "STANDBY", false);
    assert_eq!(db(&m).state, PairState::Ok, "{}", db(&m).reason);
    assert_eq!(db(&m).lag_bytes, Some(120.0));

    // Promoted without a fence: both take writes.
    says(&mut m, "pg-b", "PRIMARY", true);
    assert_eq!(db(&m).state, PairState::Critical);
    assert!(
        db(&m).reason.contains("two writable primaries"),
        "{}",
        db(&m).reason
    );
    assert_eq!(
        db(&m).primary.id,
        "pg-a",
        "no swap while the old primary still says PRIMARY"
    );

    // The old primary fenced: the roles follow what the servers say.
    says(&mut m, "pg-a", "FENCED", false);
    assert_eq!(db(&m).primary.id, "pg-b");
    assert_eq!(db(&m).standby.as_ref().map(|s| s.id.as_str()), Some("pg-a"));
    assert_eq!(db(&m).state, PairState::AtRisk);
    assert!(
        db(&m).reason.contains("not a replica (rebuild it)"),
        "{}",
        db(&m).reason
    );
    // Rebuilt as a standby: healthy again.
    says(&mut m, "pg-a", "STANDBY", false);
    assert_eq!(db(&m).state, PairState::Ok, "{}", db(&m).reason);
}

#[test]
fn a_fenced_primary_makes_the_pair_at_risk_until_the_standby_is_promoted() {
    let mut m = model();
    says(&mut m, "pg-a", "FENCED", false);
    says(&mut m, "pg-b", "STANDBY", false);
    assert_eq!(db(&m).state, PairState::AtRisk);
    assert!(
        db(&m).reason.contains("read-only (fenced)"),
        "{}",
        db(&m).reason
    );
    assert_eq!(
        db(&m).primary.id,
        "pg-a",
        "a standby that says STANDBY is not promoted by baton"
    );
}

#[test]
fn the_primarys_byte_lag_wins_while_fresh_and_no_byte_lag_outlives_its_data() {
    let mut m = model();
    let lag = |m: &mut Model, id: &str, bytes: f64| {
        let report = InstanceReport {
            id: id.into(),
            replication_lag_bytes: Some(bytes),
            ..InstanceReport::default()
        };
        feed(m, report);
    };
    // The primary counts WAL not yet sent; the standby only what it got.
    lag(&mut m, "pg-a", 5000.0);
    lag(&mut m, "pg-b", 0.0);
    assert_eq!(db(&m).lag_bytes, Some(5000.0));
    // Nothing measured for longer than the data's bound: no value, so no
    // gate or promotion passes on an old one.
    let later = m.now + chrono::Duration::seconds(60);
    m.tick(later);
    assert_eq!(db(&m).lag_bytes, None);
}
