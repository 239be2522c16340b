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

/// The event loop's way: an update taken, then applied a slice at a time
/// (7 series here, so every answer takes several), then judged.
/// Returns whether it was left to slices.
fn in_slices(m: &mut Model, u: SourceUpdate) -> bool {
    m.take(u);
    let sliced = m.busy();
    while m.work(7) {}
    m.settle();
    sliced
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
        let mut sliced = 0;
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
            sliced += usize::from(in_slices(
                &mut delta,
                update(Payload::Measures(measures), at),
            ));
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
        assert!(sliced >= 60, "{scenario}: {sliced} of 60 answers in slices");
        assert!(
            deltas > 50,
            "{scenario}: {deltas} of 60 polls read as changes"
        );
    }
}

/// A Prometheus answer written as its query API writes one.
fn answer(series: &[(&str, String, f64)], at: i64) -> Vec<u8> {
    let result: Vec<String> = series
        .iter()
        .map(|(label, v, x)| {
            format!(r#"{{"metric":{{"__name__":"m","job":"fleet","{label}":"{v}"}},"value":[{at}.123,"{x}"]}}"#)
        })
        .collect();
    format!(
        r#"{{"status":"success","data":{{"resultType":"vector","result":[{}]}}}}"#,
        result.join(",")
    )
    .into_bytes()
}

/// A standby replaced by a new instance (a rebuilt host, a new id).
fn rebuild(r: &mut baton::sources::report::PairReport) {
    if let Some(sb) = r.standby.as_mut() {
        sb.id = format!("{}-rebuilt", sb.id);
    }
}

#[test]
fn prometheus_answers_read_by_place_and_applied_in_slices_give_the_same_console_as_read_whole() {
    use baton::sources::{prometheus, series_delta::Seen};
    let config = std::sync::Arc::new(baton::demo::config(std::net::SocketAddr::from((
        [127, 0, 0, 1],
        1,
    ))));
    let start = baton::demo::fixture::clock();
    let mut whole = Model::new(std::sync::Arc::clone(&config), start);
    let mut delta = Model::new(config, start);
    let mut sim = Sim::new(200, "mixed", 3);
    let mut last = None;
    let measures = ["lag", "health_score", "up"];
    let cfgs: Vec<baton::config::SourceCfg> = measures
        .iter()
        .map(|m| {
            toml::from_str(&format!(
                "name = \"{m}\"\nkind = \"prometheus\"\nurl = \"http://127.0.0.1:1\"\nquery = \"q\"\nmeasure = \"{m}\""
            ))
            .expect("cfg")
        })
        .collect();
    let mut memos: Vec<Option<Seen>> = (0..3).map(|_| None).collect();
    let mut by_place = 0;
    let mut resynced = false;
    let mut sliced = 0;
    for s in 1..=60i64 {
        sim.step();
        let at = start + chrono::Duration::seconds(s);
        let mut reports = sim.report();
        // Until poll 20 one pair is not listed yet: its series match
        // nothing, then they must reach it.
        if s < 20 {
            reports.pop();
        }
        // From poll 30 a pair has failed over: its instances swapped roles
        // while their series stay the same.
        if s >= 30
            && let Some(r) = reports.get_mut(5)
            && let Some(sb) = r.standby.take()
        {
            r.standby = Some(std::mem::replace(&mut r.primary, sb));
        }
        // From poll 45 a pair's standby is rebuilt under a new id: the
        // inventory says so at once, Prometheus only from poll 50. Between,
        // its series name an instance no longer in the pair: they must
        // reach nothing, and the places must be learnt again.
        if s >= 45 {
            rebuild(&mut reports[9]);
        }
        let body = serde_json::to_vec(&serde_json::json!({ "pairs": reports })).expect("json");
        let (pairs, skipped) = baton::sources::parse::fleet(&body).expect("parses");
        whole.apply(update(Payload::Fleet { pairs, skipped }, at));
        delta.apply(update(
            fleet_delta::read(&body, &mut last).expect("reads"),
            at,
        ));

        let mut all = sim.report();
        if s >= 50 {
            rebuild(&mut all[9]);
        }
        let ids = |i: usize| {
            let r = &all[i];
            [
                Some(r.primary.id.clone()),
                r.standby.as_ref().map(|s| s.id.clone()),
            ]
        };
        // Lags move now and then; at poll 40 one is NaN (left out: the
        // series are not the same ones, the answer goes whole).
        let lag: Vec<(&str, String, f64)> = (0..all.len())
            .filter(|&i| !(s == 40 && i == 3))
            .map(|i| {
                (
                    "pair",
                    all[i].id.clone(),
                    if i as i64 % 7 == s % 7 { s as f64 } else { 1.0 },
                )
            })
            .collect();
        let score: Vec<(&str, String, f64)> = (0..all.len())
            .flat_map(|i| ids(i).into_iter().flatten().map(move |id| (i, id)))
            .map(|(i, id)| {
                (
                    "instance",
                    id,
                    if (i as i64 + s) % 13 == 0 { 40.0 } else { 95.0 },
                )
            })
            .collect();
        // One instance reports down from poll 10 to 25: its streak must
        // reach the threshold through answers that say the same.
        let up: Vec<(&str, String, f64)> = (0..all.len())
            .flat_map(|i| ids(i).into_iter().flatten().map(move |id| (i, id)))
            .map(|(i, id)| {
                (
                    "instance",
                    id,
                    if i == 7 && (10..25).contains(&s) {
                        0.0
                    } else {
                        1.0
                    },
                )
            })
            .collect();
        for (k, series) in [lag, score, up].iter().enumerate() {
            let body = answer(series, 1_733_150_000 + s);
            let src = k + 1;
            let w = prometheus::read(200, &body, &cfgs[k]).expect("reads");
            let asked = delta.resync().take(src);
            resynced |= asked && (45..50).contains(&s);
            let d = prometheus::read_against(200, &body, &cfgs[k], &mut memos[k], asked)
                .expect("reads");
            if let Payload::MeasuresDelta { changed, .. } = &d {
                by_place += 1;
                assert!(
                    changed.len() < series.len() / 2,
                    "poll {s}: everything changed?"
                );
            }
            whole.apply(SourceUpdate {
                source: src,
                ..update(w, at)
            });
            let u = SourceUpdate {
                source: src,
                ..update(d, at)
            };
            sliced += usize::from(in_slices(&mut delta, u));
        }
        whole.tick(at);
        delta.tick(at);
        assert_eq!(seen(&whole), seen(&delta), "poll {s}");
        let warnings = |m: &Model| {
            m.sources
                .iter()
                .map(|s| s.warnings.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(warnings(&whole), warnings(&delta), "poll {s}");
        if s == 10 {
            assert!(
                warnings(&delta)[1]
                    .iter()
                    .any(|w| w.contains("1 of 200 series match no known pair")),
                "{:?}",
                warnings(&delta)
            );
        }
    }
    let down = delta
        .pairs
        .iter()
        .any(|p| p.id == sim.report()[7].id && p.primary.down);
    assert!(!down, "the instance came back up");
    assert!(
        resynced,
        "the rebuilt standby never made the owner ask again"
    );
    let id = sim.report()[9].id.clone();
    let rebuilt = delta.pairs.iter().find(|p| p.id == id);
    assert!(
        rebuilt
            .and_then(|p| p.standby.as_ref())
            .is_some_and(|s| s.id.ends_with("-rebuilt") && s.health_score.is_some()),
        "the rebuilt standby has its score"
    );
    assert!(by_place > 120, "{by_place} of 180 answers read by place");
    assert!(sliced > 170, "{sliced} of 180 answers applied in slices");
}
