//! Fuzz-style tests on stable Rust (proptest): every input baton reads from
//! outside, mutated from real seeds, through the library's own entry
//! points, each case bounded in time. One test per target; CI runs a few
//! cases of each (`BATON_FUZZ_CASES`), `scripts/fuzz.sh` a million in all.
//! What must hold: no panic, no hang, and a read-only console never asks
//! for an effect that changes anything.

// Case bodies take their input by value: the driver moves it into the
// thread that runs the case.
#![allow(clippy::needless_pass_by_value)]

mod common;

#[path = "fuzz/app.rs"]
mod app;
#[path = "fuzz/bodies.rs"]
mod bodies;
#[path = "fuzz/driver.rs"]
mod driver;
#[path = "fuzz/journal.rs"]
mod journal;
#[path = "fuzz/mutate.rs"]
mod mutate;
#[path = "fuzz/nesting.rs"]
mod nesting;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use baton::app::{Effect, Mode, Overlay};
use baton::state::Model;
use baton::wizard::runbook::Runbook;
use driver::fuzz;
use mutate::{Bytes, JSON_TOKENS, TOML_TOKENS, mutated};
use proptest::prelude::*;
use proptest::sample::select;

/// Nesting depth of generated expressions: moderate by default, because a
/// stack overflow aborts the whole test binary; `BATON_FUZZ_DEPTH` raises it.
pub fn depth() -> u16 {
    std::env::var("BATON_FUZZ_DEPTH")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(24)
}

/// A file of its own for each case, removed afterwards.
pub struct TempFile(PathBuf);

impl TempFile {
    fn new(name: &str, bytes: &[u8]) -> Self {
        static N: AtomicU64 = AtomicU64::new(0);
        let dir = std::env::temp_dir().join(format!(
            "baton-fuzz-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join(name);
        std::fs::write(&path, bytes).expect("temp file");
        Self(path)
    }

    fn dir(&self) -> &Path {
        self.0.parent().unwrap_or(Path::new("/"))
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(self.dir());
    }
}

pub fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

// ---------------------------------------------------------------- config

const CONFIG_SEEDS: &[&str] = &[
    include_str!("data/reference.toml"),
    include_str!("../src/config/starter.toml"),
    include_str!("fuzz/seed-config.toml"),
];

/// A config that loads is also started on: the model, the panes, the
/// detail of each pair, the sources' schedule.
pub fn config_case(bytes: Bytes) {
    let f = TempFile::new("baton.toml", &bytes);
    let Ok(cfg) = baton::config::load_file(&f.0) else {
        return;
    };
    for s in &cfg.sources {
        for failures in [0, 1, 3, 17, u32::MAX] {
            let _ = baton::sources::next_delay(s, failures);
        }
        let _ = baton::sources::http::targets(s, &cfg);
    }
    let _ = baton::theme::load(&cfg.console.theme, Some(f.dir()));
    let _ = baton::keymap::load(&cfg.console.keymap, Some(f.dir()));
    // The shipped runbooks as this config loads them (the runbook target
    // checks runbooks themselves; loading all ten per case costs 4 ms).
    let s = app::shipped();
    let now = baton::demo::fixture::clock();
    let mut model = Model::new(Arc::new(cfg), now);
    model.tick(now + chrono::Duration::hours(1));
    let mut app = common::Harness::builder("fuzz-config")
        .model(model)
        .keymap(app::looks().keymap("default"))
        .runbooks(s.runbooks.clone())
        .app();
    app.refresh();
    draw(&app, 80, 24);
    let ids: Vec<String> = app
        .model
        .pairs
        .iter()
        .map(|p| p.id.clone())
        .take(3)
        .collect();
    for id in ids {
        app.view.overlay = Some(Overlay::Detail(id));
        draw(&app, 120, 36);
    }
    app.view.overlay = Some(Overlay::Sources);
    draw(&app, 120, 36);
}

pub fn draw(app: &baton::app::App, w: u16, h: u16) -> String {
    let mut term = ratatui::Terminal::new(ratatui::backend::TestBackend::new(w, h)).expect("term");
    term.draw(|f| baton::ui::draw(f, app)).expect("draw");
    term.backend().to_string()
}

#[test]
fn config() {
    fuzz(
        "config",
        32,
        mutated(CONFIG_SEEDS, TOML_TOKENS, 8, depth()),
        config_case,
    );
}

// --------------------------------------------------------------- runbook

const RUNBOOK_SEEDS: &[&str] = &[
    include_str!("../runbooks/pair-failover.toml"),
    include_str!("../runbooks/pair-followup.toml"),
    include_str!("../runbooks/pair-failback.toml"),
    include_str!("../runbooks/service-incident.toml"),
    include_str!("../runbooks/bulk-failover-region.toml"),
    include_str!("../runbooks/bulk-failover-provider.toml"),
    include_str!("../runbooks/regional-failover-planned.toml"),
    include_str!("../runbooks/regional-failover-emergency.toml"),
    include_str!("../runbooks/dr-drill.toml"),
    include_str!("../runbooks/post-failover-followup.toml"),
];

/// `baton check` on the runbook; one that passes is started on the demo
/// fleet and driven a few steps (gates, waits, templates, timers), drawn,
/// and its journal turned into a report.
pub fn runbook_case((bytes, drive): (Bytes, u8)) {
    let Ok(src) = String::from_utf8(bytes.0) else {
        return;
    };
    let path = Path::new("fuzz/runbook.toml");
    let Ok(mut rb) = baton::diag::from_toml::<Runbook>(path, &src) else {
        return;
    };
    let s = app::shipped();
    let loc = baton::diag::Located {
        file: path,
        src: &src,
    };
    let problems = baton::wizard::runbook::check::check(&rb, &s.config, &s.templates, &loc);
    if !problems.is_empty() {
        return;
    }
    rb.file = path.to_path_buf();
    let rb = Arc::new(rb);
    let mut c = app::Console::new(12, "provider-outage", 30, Mode::Operator, "default");
    c.app.wizard.runbooks.retain(|r| r.id != rb.id);
    c.app.wizard.runbooks.push(Arc::clone(&rb));
    let target = match rb.applies_to {
        baton::wizard::runbook::AppliesTo::Pair => baton::wizard::Target::Pair("acct-1003".into()),
        _ => baton::wizard::Target::Area {
            region: "eu-west-1".into(),
            provider: "aws".into(),
        },
    };
    let fx = c.app.wizard_input(baton::wizard::Input::StartWith(
        target.clone(),
        rb.id.clone(),
    ));
    c.perform(fx);
    c.app.view.wizard = true;
    for _ in 0..drive {
        c.drive();
    }
    c.draw(100, 30);
    c.draw(80, 24);
    if let Some(inc) = c.app.wizard.focused() {
        let r = baton::report::build(&inc.entries, Some(&inc.runbook), Vec::new());
        let _ = baton::report::markdown(&r);
    }
}

#[test]
fn runbook() {
    fuzz(
        "runbook",
        32,
        (mutated(RUNBOOK_SEEDS, TOML_TOKENS, 6, depth()), 0u8..24),
        runbook_case,
    );
}

// ------------------------------------------------------------ expressions

fn expr_text() -> impl Strategy<Value = String> {
    let atom = prop_oneof![
        select(baton::wizard::vars::known()).prop_map(|v| v),
        select(
            &[
                "0",
                "-5",
                "70",
                "1e308",
                "99999999999h",
                "10s",
                "500ms",
                "1.5",
                "nan"
            ][..]
        )
        .prop_map(str::to_string),
        select(&["\"ACTIVE\"", "'x'", "\"\"", "true", "false", "nope.x"][..])
            .prop_map(str::to_string),
    ];
    let leaf = atom.boxed();
    let d = u32::from(depth());
    leaf.prop_recursive(d, d * 4, 2, |inner| {
        prop_oneof![
            (inner.clone(), select(&["&&", "||"][..]), inner.clone())
                .prop_map(|(a, o, b)| format!("{a} {o} {b}")),
            (
                inner.clone(),
                select(&["==", "!=", "<", ">", "<=", ">="][..]),
                inner.clone()
            )
                .prop_map(|(a, o, b)| format!("{a} {o} {b}")),
            inner.clone().prop_map(|a| format!("!{a}")),
            inner.prop_map(|a| format!("({a})")),
        ]
    })
}

/// Shipped gate expressions, mutated, and generated ones: parsed and
/// evaluated against live pairs of the demo fleet.
pub fn expr_case(src: String) {
    static MODEL: OnceLock<Model> = OnceLock::new();
    let Ok(e) = baton::cond::Cond::parse(&src) else {
        return;
    };
    let _ = e.vars();
    let model = MODEL.get_or_init(|| baton::demo::fixture::model(8, "mixed", 20));
    for pair in model.pairs.iter().take(3) {
        let scope = baton::wizard::vars::PairScope {
            model,
            pair: Some(pair),
            area: None,
            area_stats: std::cell::OnceCell::new(),
            elapsed: 12.5,
            since: None,
        };
        let _ = e.eval(&scope);
    }
}

fn shipped_exprs() -> &'static [&'static str] {
    static E: OnceLock<Vec<&'static str>> = OnceLock::new();
    E.get_or_init(|| {
        let mut v: Vec<&'static str> = app::shipped()
            .runbooks
            .iter()
            .flat_map(|r| r.steps().map(|(_, _, s)| s.clone()).collect::<Vec<_>>())
            .filter_map(|s| s.expr.or(s.settle))
            .map(|c| leak(c.as_str().to_string()))
            .collect();
        v.push("lag < 10s && standby.health_score >= thresholds.standby_min");
        v
    })
}

#[test]
fn expr() {
    let mutated_shipped = (
        select(shipped_exprs()),
        mutate::edits(TOML_TOKENS, 6, depth()),
    )
        .prop_map(|(s, e)| String::from_utf8_lossy(&mutate::apply(s.as_bytes(), &e)).into_owned());
    fuzz(
        "expr",
        256,
        prop_oneof![expr_text(), mutated_shipped],
        expr_case,
    );
}

// -------------------------------------------------------------- templates

const TEMPLATE_SEEDS: &[&str] = &[
    include_str!("../templates/bulk-summary.txt"),
    include_str!("../templates/escalation.txt"),
    include_str!("../templates/failover-complete.json"),
    include_str!("../templates/initial-alert.txt"),
    include_str!("../templates/resolution.txt"),
    include_str!("../templates/stakeholder-notice.txt"),
];

/// A notification template as `baton check` reads it and as a notify step
/// renders it.
pub fn template_case(bytes: Bytes) {
    let Ok(src) = String::from_utf8(bytes.0) else {
        return;
    };
    let s = app::shipped();
    let sample = baton::wizard::notify::sample_context(&s.config);
    let problems =
        baton::wizard::templates::check("fuzz", &src, Path::new("templates/fuzz.txt"), &sample);
    if problems.is_empty() {
        let _ = s.templates.render_inline(&src, &sample);
    }
}

#[test]
fn template() {
    fuzz(
        "template",
        128,
        mutated(TEMPLATE_SEEDS, TOML_TOKENS, 6, depth()),
        template_case,
    );
}

// ------------------------------------------------ fleet and health bodies

#[test]
fn fleet_body() {
    fuzz(
        "fleet_body",
        24,
        mutated(bodies::fleet_seeds(), JSON_TOKENS, 8, depth()),
        bodies::fleet_case,
    );
}

#[test]
fn health_body() {
    fuzz(
        "health_body",
        24,
        (
            mutated(bodies::HEALTH_SEEDS, JSON_TOKENS, 8, depth()),
            prop_oneof![Just(200u16), Just(503), any::<u16>()],
            select(bodies::CONDITIONS),
        ),
        bodies::health_case,
    );
}

#[test]
fn prometheus_body() {
    fuzz(
        "prometheus_body",
        24,
        (
            mutated(bodies::PROMETHEUS_SEEDS, JSON_TOKENS, 8, depth()),
            prop_oneof![Just(200u16), Just(400), any::<u16>()],
            2usize..=3,
        ),
        bodies::prometheus_case,
    );
}

#[test]
fn alertmanager_body() {
    fuzz(
        "alertmanager_body",
        24,
        mutated(bodies::alertmanager_seeds(), JSON_TOKENS, 8, depth()),
        bodies::alertmanager_case,
    );
}

// ------------------------------------------------------ journal to report

#[test]
fn journal() {
    fuzz(
        "journal",
        32,
        mutated(journal::journal_seeds(), JSON_TOKENS, 8, depth()),
        journal::journal_case,
    );
}

// ------------------------------------------------------- keys into the App

fn keys_case((start, mode, ops): (app::Start, Mode, Vec<app::Op>)) {
    let mut c = app::Console::new(start.pairs, start.scenario, start.steps, mode, start.keymap);
    app::run(&mut c, &ops, |_, _| {});
    c.draw(80, 24);
}

#[test]
fn app_keys() {
    fuzz(
        "app_keys",
        12,
        (
            app::start(),
            prop_oneof![Just(Mode::Operator), Just(Mode::Demo)],
            prop::collection::vec(app::op(), 0..80),
        ),
        keys_case,
    );
}

/// A watcher follows an operator's incident (driven a few steps first);
/// nothing it is given, keys or actions past the keymap, yields an effect
/// that changes anything.
fn watch_case((start, drive, ops): (app::Start, u8, Vec<app::Op>)) {
    let mut op = app::Console::new(
        start.pairs,
        start.scenario,
        start.steps,
        Mode::Operator,
        start.keymap,
    );
    // `n` then `f`: a failover on the first pair that is not OK.
    op.text("nf");
    for _ in 0..drive {
        op.drive();
    }
    let mut w = app::Console::new(
        start.pairs,
        start.scenario,
        start.steps,
        Mode::Watch,
        start.keymap,
    );
    let history = op.app.wizard.history.clone();
    w.app
        .follow_update(common::wizard::incidents(&op.app).to_vec(), history);
    app::run(&mut w, &ops, |c, fx| {
        let bad: Vec<&Effect> = fx.iter().filter(|e| app::mutating(e)).collect();
        assert!(bad.is_empty(), "a read-only console asked for {bad:?}");
        assert!(c.app.read_only, "the watcher stays read-only");
    });
    let open = common::wizard::incidents(&w.app)
        .iter()
        .map(|i| i.entries.len())
        .collect::<Vec<_>>();
    let before = common::wizard::incidents(&op.app)
        .iter()
        .map(|i| i.entries.len())
        .collect::<Vec<_>>();
    assert_eq!(open, before, "the watcher changed an incident");
}

#[test]
fn watch_keys() {
    fuzz(
        "watch_keys",
        12,
        (
            app::start(),
            0u8..12,
            prop::collection::vec(app::op(), 0..80),
        ),
        watch_case,
    );
}

// ------------------------------------------------------------ deep nesting

/// Ignored in CI: a stack overflow aborts the whole test binary, which no
/// test can catch; scripts/fuzz.sh runs it on its own and reports a crash.
#[test]
#[ignore = "a stack overflow aborts the test binary: run by scripts/fuzz.sh"]
fn nesting() {
    fuzz("nesting", 64, nesting::nested(), nesting::nesting_case);
}

/// Replays one saved input (scripts/fuzz.sh keeps them in its log folder)
/// on this thread, so a panic comes with its backtrace:
/// `BATON_FUZZ_REPLAY=journal:/tmp/baton-fuzz.X/journal-0.txt cargo test
/// --test fuzz replay -- --ignored`.
#[test]
#[ignore = "run by hand with BATON_FUZZ_REPLAY=TARGET:FILE"]
fn replay() {
    let spec = std::env::var("BATON_FUZZ_REPLAY").expect("BATON_FUZZ_REPLAY=TARGET:FILE");
    let (target, file) = spec.split_once(':').expect("TARGET:FILE");
    let b = Bytes(std::fs::read(file).expect("the saved input"));
    match target {
        "config" => config_case(b),
        "runbook" => runbook_case((b, 24)),
        "template" => template_case(b),
        "fleet_body" => bodies::fleet_case(b),
        "alertmanager_body" => bodies::alertmanager_case(b),
        "journal" => journal::journal_case(b),
        _ => panic!("replay works on the targets whose input is one text"),
    }
}

// ------------------------------------------------- found by fuzzing, fixed

/// A journal whose bulk step has more results than planned pairs (lines
/// duplicated or edited) was resumed and drawn with a progress bar of
/// `30 - filled` cells: an overflow (a capacity-overflow panic in release).
#[test]
fn a_bulk_step_with_more_results_than_planned_pairs_is_drawn() {
    let seed = journal::journal_seeds()[1];
    let lines: Vec<&str> = seed.lines().collect();
    let last = lines
        .iter()
        .rposition(|l| l.contains("\"event\":\"bulk_result\""))
        .expect("the bulk step ran");
    // Cut after the last result (the bulk step is the current one), then
    // results for pairs the plan never named.
    let mut text = lines[..=last].join("\n") + "\n";
    let result = lines[last];
    let pair = result
        .split("\"pair\":\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("a pair");
    for i in 0..80 {
        text.push_str(&result.replace(pair, &format!("acct-9{i:03}")));
        text.push('\n');
    }
    let f = TempFile::new("INC-bulk.jsonl", text.as_bytes());
    let (entries, bad) = baton::effects::journal::read(&f.0).expect("journal");
    assert_eq!(bad, 0);
    let rb = app::shipped()
        .runbooks
        .iter()
        .find(|r| r.id == entries[0].runbook)
        .cloned()
        .expect("runbook");
    let inc = baton::wizard::incident::Incident::replay(&entries, rb).expect("replay");
    let b = inc.current_bulk().expect("the bulk step is current");
    assert!(
        b.finished.len() > b.planned.len(),
        "{} of {}",
        b.finished.len(),
        b.planned.len()
    );
    let mut c = app::Console::new(6, "provider-outage", 5, Mode::Operator, "default");
    common::wizard::incidents_mut(&mut c.app).push(inc);
    c.app.view.wizard = true;
    let screen = c.draw(120, 40);
    assert!(screen.contains("done ·"), "{screen}");
}

/// The fuzzer's operator reaches deep states: a failover started with
/// keys, its promote run and answered, and the incident closed, so random
/// ops between drives land everywhere in the wizard.
#[test]
fn driving_the_console_runs_a_failover_to_its_end() {
    let mut c = app::Console::new(48, "primary-crash", 30, Mode::Operator, "default");
    c.text("nf");
    for _ in 0..60 {
        c.drive();
    }
    let inc = common::wizard::incidents(&c.app)
        .first()
        .expect("a failover was started");
    assert_eq!(inc.runbook.id, "pair-failover");
    let events: Vec<String> = inc
        .entries
        .iter()
        .filter_map(|e| serde_json::to_value(&e.event).ok())
        .filter_map(|v| v["event"].as_str().map(str::to_string))
        .collect();
    for e in ["action_intent", "action_result", "notified", "closed"] {
        assert!(events.iter().any(|x| x == e), "no {e} in {events:?}");
    }
}
