//! How the console's costs grow with the fleet (issue 18): at 1 000,
//! 10 000 and 100 000 pairs, with about 1 % of them changing per second
//! (the demo's steady scenario), each stage of one fleet poll on the state owner's
//! thread and off it. Run: `cargo bench --bench scale`.

use std::hint::black_box;
use std::time::Duration;

use baton::demo::{Sim, fixture};
use baton::sources::parse;
use baton::sources::prometheus::read_against;
use baton::sources::report::{Payload, SourceUpdate};
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const SIZES: [usize; 3] = [1_000, 10_000, 100_000];

fn update(
    report: Vec<baton::sources::report::PairReport>,
    at: chrono::DateTime<chrono::Utc>,
) -> SourceUpdate {
    SourceUpdate {
        source: 0,
        at,
        latency: Duration::from_millis(3),
        next_poll: None,
        result: Ok(Payload::Fleet {
            pairs: report,
            skipped: Vec::new(),
        }),
    }
}

fn stages(c: &mut Criterion) {
    let mut g = c.benchmark_group("fleet poll");
    g.sample_size(10);
    // `cargo test` runs each benchmark once, unoptimised, to see that it
    // works: the smallest size is enough for that.
    let sizes = if std::env::args().any(|a| a == "--bench") {
        &SIZES[..]
    } else {
        &SIZES[..1]
    };
    for &n in sizes {
        let mut sim = Sim::new(n, "steady", 1);
        sim.step();
        let body = serde_json::to_vec(&serde_json::json!({ "pairs": sim.report() })).expect("json");
        eprintln!("{n} pairs: a fleet body of {} KiB", body.len() / 1024);
        g.bench_function(format!("parse, {n} pairs"), |b| {
            b.iter(|| parse::fleet(black_box(&body)).expect("parses"));
        });
        // The next second's body read against this one: the steady state.
        let mut last = None;
        baton::sources::fleet_delta::read(&body, &mut last).expect("first");
        sim.step();
        let next = serde_json::to_vec(&serde_json::json!({ "pairs": sim.report() })).expect("json");
        g.bench_function(format!("read against the last poll, {n} pairs"), |b| {
            b.iter_batched(
                || (next.clone(), last.clone()),
                |(next, mut l)| black_box(baton::sources::fleet_delta::read(&next, &mut l)),
                BatchSize::LargeInput,
            );
        });
        let delta = baton::sources::fleet_delta::read(&next, &mut last.clone()).expect("delta");
        if let Payload::FleetDelta { changed, unchanged } = &delta {
            eprintln!(
                "{n} pairs: {} changed, {unchanged} unchanged",
                changed.len()
            );
        }
        let mut app = fixture::app(n, "steady", 5, "default");
        let report = sim.report();
        let at = app.model.now;
        g.bench_function(format!("apply, {n} pairs"), |b| {
            b.iter_batched(
                || update(report.clone(), at),
                |u| app.model.apply(u),
                BatchSize::LargeInput,
            );
        });
        g.bench_function(format!("apply the changes, {n} pairs"), |b| {
            b.iter_batched(
                || SourceUpdate {
                    result: Ok(delta.clone()),
                    ..update(Vec::new(), at)
                },
                |u| app.model.apply(u),
                BatchSize::LargeInput,
            );
        });
        g.bench_function(format!("judge (tick), {n} pairs"), |b| {
            b.iter(|| app.model.tick(at));
        });
        g.bench_function(format!("rows (filter and sort), {n} pairs"), |b| {
            b.iter(|| app.view.refresh(&app.model, true));
        });
        let mut term = Terminal::new(TestBackend::new(200, 60)).expect("backend");
        g.bench_function(format!("draw 200x60, {n} pairs"), |b| {
            b.iter(|| {
                term.draw(|f| baton::ui::draw(f, black_box(&app)))
                    .expect("draw");
            });
        });
    }
    g.finish();
    prometheus_stages(c, sizes);
}

/// An answer as Prometheus writes it for `replication_lag_seconds`
/// scraped with `honor_labels` (what scripts/bench-scale.sh runs).
fn prom_body(sim: &Sim, ts: f64) -> Vec<u8> {
    let result: Vec<String> = sim
        .report()
        .iter()
        .map(|r| {
            format!(
                r#"{{"metric":{{"__name__":"replication_lag_seconds","instance":"127.0.0.1:9100","job":"fleet","pair":"{}"}},"value":[{ts},"{}"]}}"#,
                r.id,
                r.replication_lag_seconds.unwrap_or(0.0)
            )
        })
        .collect();
    format!(
        r#"{{"status":"success","data":{{"resultType":"vector","result":[{}]}}}}"#,
        result.join(",")
    )
    .into_bytes()
}

fn prometheus_stages(c: &mut Criterion, sizes: &[usize]) {
    let mut g = c.benchmark_group("prometheus poll");
    g.sample_size(10);
    let cfg: baton::config::SourceCfg = toml::from_str(
        "name = \"lag\"\nkind = \"prometheus\"\nurl = \"http://127.0.0.1:9090\"\nquery = \"replication_lag_seconds\"\nmeasure = \"lag\"",
    )
    .expect("cfg");
    for &n in sizes {
        let mut sim = Sim::new(n, "steady", 1);
        sim.step();
        let body = prom_body(&sim, 1_733_150_000.123);
        sim.step();
        let next = prom_body(&sim, 1_733_150_001.123);
        eprintln!("{n} series: an answer of {} KiB", body.len() / 1024);
        g.bench_function(format!("read whole, {n} series"), |b| {
            b.iter(|| {
                baton::sources::prometheus::read(200, black_box(&body), &cfg).expect("reads")
            });
        });
        // The next second's answer read against this one.
        let mut seen = None;
        let whole = read_against(200, &body, &cfg, &mut seen, false).expect("reads");
        let delta = read_against(200, &next, &cfg, &mut seen.clone(), false).expect("reads");
        if let Payload::MeasuresDelta { changed, total } = &delta {
            eprintln!("{n} series: {} of {total} values changed", changed.len());
        }
        g.bench_function(format!("read against the last, {n} series"), |b| {
            b.iter_batched(
                || seen.clone(),
                |mut s| read_against(200, black_box(&next), &cfg, &mut s, false).expect("reads"),
                BatchSize::LargeInput,
            );
        });
        let mut app = fixture::app(n, "steady", 5, "default");
        let at = app.model.now;
        g.bench_function(format!("apply whole, {n} series"), |b| {
            b.iter_batched(
                || SourceUpdate {
                    result: Ok(whole.clone()),
                    ..update(Vec::new(), at)
                },
                |u| app.model.apply(u),
                BatchSize::LargeInput,
            );
        });
        g.bench_function(format!("apply the changes, {n} series"), |b| {
            b.iter_batched(
                || SourceUpdate {
                    result: Ok(delta.clone()),
                    ..update(Vec::new(), at)
                },
                |u| app.model.apply(u),
                BatchSize::LargeInput,
            );
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(2)).warm_up_time(Duration::from_millis(500));
    targets = stages
}
criterion_main!(benches);
