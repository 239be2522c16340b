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
    let (runbooks, _) = baton::config::runbooks::load_shipped(&model.config);
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

/// A region incident on a 10 000-pair fleet: its gates (each area variable
/// walks the fleet), planning a bulk step, the next batches, and drawing
/// the wizard.
fn area(c: &mut Criterion) {
    use baton::wizard::Target;
    use baton::wizard::incident::{Incident, Operator};
    let mut app = fixture::app(10_000, "provider-outage", 60, "default");
    let find = |id: &str| {
        app.wizard
            .runbooks
            .iter()
            .find(|r| r.id == id)
            .cloned()
            .expect("shipped runbook")
    };
    let planned = find("regional-failover-planned");
    let bulk = find("bulk-failover-provider");
    let area = baton::wizard::area::Area {
        region: Some("eu-west-1".into()),
        provider: None,
    };
    let gates: Vec<Incident> = planned
        .steps()
        .filter(|(_, _, s)| s.expr.is_some())
        .map(|(pi, si, _)| {
            let mut inc = Incident::new(
                "INC-A",
                std::sync::Arc::clone(&planned),
                None,
                Operator::default(),
                false,
                app.model.now,
            );
            inc.area = Some(area.clone());
            inc.phase = pi;
            inc.step = si;
            inc
        })
        .collect();
    let model = &app.model;
    c.bench_function(
        "evaluate every gate of a regional wizard (10000-pair model)",
        |b| {
            b.iter(|| {
                for inc in &gates {
                    black_box(baton::wizard::decide::evaluate(inc, model, model.now));
                }
            });
        },
    );
    let (pi, si) = bulk
        .steps()
        .find(|(_, _, s)| s.kind == baton::wizard::runbook::StepKind::Bulk)
        .map(|(p, s, _)| (p, s))
        .expect("bulk step");
    let mut inc = Incident::new(
        "INC-B",
        std::sync::Arc::clone(&bulk),
        None,
        Operator::default(),
        false,
        model.now,
    );
    inc.area = Some(baton::wizard::area::Area {
        region: None,
        provider: Some("aws".into()),
    });
    inc.phase = pi;
    inc.step = si;
    c.bench_function(
        "plan a bulk failover of a provider (10000-pair model)",
        |b| {
            b.iter(|| black_box(baton::wizard::decide::bulk_plan(&inc, model)));
        },
    );
    let plan = baton::wizard::decide::bulk_plan(&inc, model).expect("plan");
    for e in plan {
        let entry = inc.entry(model.now, e);
        inc.apply(&entry);
    }
    let none = |_: &str| None;
    c.bench_function("next batches of a bulk step (10000-pair model)", |b| {
        b.iter(|| black_box(baton::wizard::decide::bulk_next(&inc, model, 0, &none)));
    });
    let fx = app.wizard_input(baton::wizard::Input::StartWith(
        Target::Area {
            region: "eu-west-1".into(),
            provider: "aws".into(),
        },
        planned.id.clone(),
    ));
    if let Some(baton::app::Effect::Start { incident, entry }) = fx.into_iter().next() {
        app.wizard_input(baton::wizard::Input::Started {
            incident,
            entry,
            keep_focus: false,
        });
    }
    let mut term = Terminal::new(TestBackend::new(200, 60)).expect("backend");
    c.bench_function("draw a regional wizard 200x60 (10000 pairs)", |b| {
        b.iter(|| {
            term.draw(|f| baton::ui::draw(f, &app)).expect("draw");
        });
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(3)).warm_up_time(Duration::from_secs(1));
    targets = draw, fleet, gates, area
}
criterion_main!(benches);
