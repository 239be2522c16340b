//! A fleet read against its last poll (only what changed crosses to the
//! state owner) leaves the console exactly where reading every poll whole
//! leaves it: states, streaks toward down and up, lag, last seen.

use std::time::Duration;

use baton::demo::Sim;
use baton::sources::fleet_delta;
use baton::sources::report::{Measured, Payload, SourceUpdate};
use baton::state::Model;

fn update(payload: Payload, at: chrono::DateTime<chrono::Utc>) -> SourceUpdate {
    SourceUpdate {
        source: 0,
        at,
        latency: Duration::from_millis(1),
        next_poll: None,
        result: Ok(payload),
    }
}

/// What a user sees of every pair, and what the rules read.
fn seen(m: &Model) -> Vec<String> {
    m.pairs
        .iter()
        .map(|p| {
            let inst = |i: &baton::state::Instance| {
                format!(
                    "{} {} {:?} down={} streaks={}/{} seen={:?} ok={:?}",
                    i.id,
                    i.status,
                    i.health_score,
                    i.down,
                    i.fail_streak,
                    i.ok_streak,
                    i.last_seen,
                    i.last_ok
                )
            };
            format!(
                "{} {:?} ({}) lag={:?} bytes={:?} hist={} | {} | {}",
                p.id,
                p.state,
                p.reason,
                p.lag,
                p.lag_bytes,
                p.lag_history.len(),
                inst(&p.primary),
                p.standby.as_ref().map(inst).unwrap_or_default()
            )
        })
        .chain(fleet(m))
        .collect()
}

/// The figures of the whole fleet: counts, worst lags, regions, alerts.
fn fleet(m: &Model) -> Vec<String> {
    use baton::state::PairState as S;
    let counts = [S::Ok, S::AtRisk, S::Critical, S::Stale, S::NoStandby]
        .map(|s| format!("{s:?}={}", m.count_state(s)));
    let worst = m.worst_lags(64).map(|(id, l)| format!("worst {id} {l}"));
    let regions = m.regions.iter().map(|r| format!("{r:?}"));
    let alerts = m
        .alerts
        .iter()
        .map(|a| format!("{} {:?} {} {}", a.key, a.state, a.summary, a.since));
    counts
        .into_iter()
        .chain(worst)
        .chain(regions)
        .chain(alerts)
        .collect()
}

#[test]
fn reading_only_the_changes_gives_the_same_console_as_reading_everything() {
    for scenario in ["mixed", "flapping", "provider-outage", "calm"] {
        let config = std::sync::Arc::new(baton::demo::config(std::net::SocketAddr::from((
            [127, 0, 0, 1],
            1,
        ))));
        let start = baton::demo::fixture::clock();
        let mut whole = Model::new(std::sync::Arc::clone(&config), start);
        let mut delta = Model::new(config, start);
        let mut sim = Sim::new(200, scenario, 7);
        let mut last = None;
        let mut deltas = 0;
        // Rows sorted by state are sorted again only when a state changes:
        // they must be the rows a full sort gives, every poll.
        let mut rows = baton::app::View::default();
        for s in 1..=60 {
            sim.step();
            let at = start + chrono::Duration::seconds(s);
            let body =
                serde_json::to_vec(&serde_json::json!({ "pairs": sim.report() })).expect("json");
            let (pairs, skipped) = baton::sources::parse::fleet(&body).expect("parses");
            whole.apply(update(Payload::Fleet { pairs, skipped }, at));
            let read = fleet_delta::read(&body, &mut last).expect("reads");
            if let Payload::FleetDelta { changed, .. } = &read {
                deltas += 1;
                assert!(
                    changed.len() < 200,
                    "{scenario} poll {s}: everything changed?"
                );
            }
            delta.apply(update(read, at));
            // Prometheus values over the same pairs: most say the same again,
            // some move, one names nobody; judged only where they changed.
            let measures: Vec<Measured> = (0..200)
                .map(|i| Measured {
                    pair: Some(format!("acct-{}", 1000 + i)),
                    instance: None,
                    measure: baton::config::Measure::LagBytes,
                    value: if i % 10 == (s as usize) % 10 {
                        s as f64 * 1e6
                    } else {
                        1e3
                    },
                })
                .chain([Measured {
                    pair: Some("acct-none".into()),
                    instance: None,
                    measure: baton::config::Measure::LagBytes,
                    value: 1.0,
                }])
                .collect();
            whole.apply(update(Payload::Measures(measures.clone()), at));
            delta.apply(update(Payload::Measures(measures), at));
            whole.tick(at);
            delta.tick(at);
            assert_eq!(seen(&whole), seen(&delta), "{scenario}, poll {s}");
            // What was judged incrementally is what judging all gives.
            let before = seen(&delta);
            delta.recompute();
            assert_eq!(before, seen(&delta), "{scenario}, poll {s}: judged all");
            rows.refresh(&delta, false);
            let mut sorted = baton::app::View::default();
            sorted.refresh(&delta, true);
            assert_eq!(
                rows.rows, sorted.rows,
                "{scenario}, poll {s}: rows out of order"
            );
        }
        // The source goes quiet: pairs go STALE by age alone, on the same
        // tick in both, and their reasons count the seconds.
        let mut went_stale = false;
        for s in 61..=75 {
            let at = start + chrono::Duration::seconds(s);
            whole.tick(at);
            delta.tick(at);
            assert_eq!(seen(&whole), seen(&delta), "{scenario}, quiet second {s}");
            went_stale |= delta.count_state(baton::state::PairState::Stale) == 200;
        }
        assert!(went_stale, "{scenario}: never went stale");
        assert!(
            deltas > 50,
            "{scenario}: {deltas} of 60 polls read as changes"
        );
    }
}
