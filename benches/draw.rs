//! Benchmarks of the spec's performance targets (run: `cargo bench`).

use std::hint::black_box;
use std::time::Duration;

use baton::demo::{Sim, fixture};
use baton::sources::parse;
use baton::sources::report::{Payload, SourceUpdate};
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn draw(c: &mut Criterion) {
    for n in [1_000usize, 10_000] {
        let app = fixture::app(n, "mixed", 20, "default");
        let mut term = Terminal::new(TestBackend::new(200, 60)).expect("backend");
        c.bench_function(&format!("draw frame 200x60, {n} pairs"), |b| {
            b.iter(|| {
                term.draw(|f| baton::ui::draw(f, black_box(&app)))
                    .expect("draw");
            });
        });
    }
}

fn fleet(c: &mut Criterion) {
    let mut sim = Sim::new(10_000, "mixed", 1);
    sim.step();
    let body = serde_json::to_vec(&serde_json::json!({ "pairs": sim.report() })).expect("json");
    c.bench_function("parse fleet response, 10000 pairs", |b| {
        b.iter(|| parse::fleet(black_box(&body)).expect("parses"));
    });

    let mut model = fixture::model(10_000, "mixed", 5);
    let report = sim.report();
    let at = model.now;
    c.bench_function("apply fleet update, 10000 pairs", |b| {
        b.iter_batched(
            || SourceUpdate {
                source: 0,
                at,
                latency: Duration::from_millis(3),
                next_poll: None,
                result: Ok(Payload::Fleet {
                    pairs: report.clone(),
                    skipped: Vec::new(),
                }),
            },
            |u| model.apply(u),
            BatchSize::LargeInput,
        );
    });
}

fn gates(c: &mut Criterion) {
    use baton::wizard::incident::{Incident, Operator};
    let model = fixture::model(10_000, "primary-crash", 20);
    let (runbooks, _) = baton::wizard::runbook::load_shipped(&model.config);
    let rb = std::sync::Arc::new(runbooks.into_iter().next().expect("shipped runbook"));
    let gates: Vec<Incident> = rb
        .steps()
        .filter(|(_, _, s)| s.expr.is_some())
        .map(|(pi, si, _)| {
            let mut inc = Incident::new(
                "INC-B",
                std::sync::Arc::clone(&rb),
                Some("acct-1003".into()),
                Operator::default(),
                false,
                model.now,
            );
            inc.phase = pi;
            inc.step = si;
            inc
        })
        .collect();
    c.bench_function(
        "evaluate every gate of an open wizard (10000-pair model)",
        |b| {
            b.iter(|| {
                for inc in &gates {
                    black_box(baton::wizard::decide::evaluate(inc, &model, model.now));
                }
            });
        },
    );
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(3)).warm_up_time(Duration::from_secs(1));
    targets = draw, fleet, gates
}
criterion_main!(benches);
