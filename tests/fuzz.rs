//! Fuzz-style tests on stable Rust (proptest): every input baton reads from
//! outside, mutated from real seeds, through the library's own entry
//! points, each case bounded in time. One test per target; CI runs a few
//! cases of each (`BATON_FUZZ_CASES`), `scripts/fuzz.sh` a million in all.
//! What must hold: no panic, no hang, and a read-only console never asks
//! for an effect that changes anything.

// Case bodies take their input by value: the driver moves it into the
// thread that runs the case.
#![allow(clippy::needless_pass_by_value)]

#[path = "fuzz/app.rs"]
mod app;
#[path = "fuzz/driver.rs"]
mod driver;
#[path = "fuzz/mutate.rs"]
mod mutate;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use baton::app::{Effect, Mode, Overlay};
use baton::config::Config;
use baton::sources::report::{Payload, Probe, SourceUpdate};
use baton::state::Model;
use baton::wizard::runbook::Runbook;
use driver::fuzz;
use mutate::{Bytes, JSON_TOKENS, TOML_TOKENS, mutated};
use proptest::prelude::*;
use proptest::sample::select;

/// Nesting depth of generated expressions: moderate by default, because a
/// stack overflow aborts the whole test binary; `BATON_FUZZ_DEPTH` raises it.
fn depth() -> u16 {
    std::env::var("BATON_FUZZ_DEPTH")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(24)
}

/// A file of its own for each case, removed afterwards.
struct TempFile(PathBuf);

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

fn leak(s: String) -> &'static str {
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
fn config_case(bytes: Bytes) {
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
    let (templates, _) = baton::wizard::templates::load_all(&cfg, Some(f.dir()));
    let (runbooks, _) = baton::wizard::runbook::load_all(&cfg, Some(f.dir()), &templates);
    let now = baton::demo::fixture::clock();
    let mut model = Model::new(Arc::new(cfg), now);
    model.tick(now + chrono::Duration::hours(1));
    let mut app = baton::app::App::new(
        model,
        app::looks().keymap("default"),
        baton::theme::Theme::plain(),
        Mode::Operator,
    );
    app.runbooks = runbooks.into_iter().map(Arc::new).collect();
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

fn draw(app: &baton::app::App, w: u16, h: u16) -> String {
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
fn runbook_case((bytes, drive): (Bytes, u8)) {
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
    let problems = baton::wizard::runbook::check(&rb, &s.config, &s.templates, &loc);
    if !problems.is_empty() {
        return;
    }
    rb.file = path.to_path_buf();
    let rb = Arc::new(rb);
    let mut c = app::Console::new(12, "provider-outage", 30, Mode::Operator, "default");
    c.app.runbooks.retain(|r| r.id != rb.id);
    c.app.runbooks.push(Arc::clone(&rb));
    let target = match rb.applies_to {
        baton::wizard::runbook::AppliesTo::Pair => {
            baton::app::wizard_ops::Target::Pair("acct-1003".into())
        }
        _ => baton::app::wizard_ops::Target::Area {
            region: "eu-west-1".into(),
            provider: "aws".into(),
        },
    };
    let fx = c.app.start_with(&target, &rb);
    c.perform(fx);
    c.app.view.wizard = true;
    for _ in 0..drive {
        c.drive();
    }
    c.draw(100, 30);
    c.draw(80, 24);
    if let Some(inc) = c.app.focused_incident() {
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
fn expr_case(src: String) {
    let Ok(e) = baton::wizard::expr::parse(&src) else {
        return;
    };
    let _ = e.vars();
    static MODEL: OnceLock<Model> = OnceLock::new();
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
            .map(leak)
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
fn template_case(bytes: Bytes) {
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

/// A config with every kind of source that reads a body, and pairs.
fn body_config() -> &'static Arc<Config> {
    static C: OnceLock<Arc<Config>> = OnceLock::new();
    C.get_or_init(|| {
        let cfg: Config =
            toml::from_str(include_str!("fuzz/seed-config.toml")).expect("seed config");
        Arc::new(cfg)
    })
}

/// The source update into the model, then the panes drawn.
fn show(source: usize, result: Result<Payload, String>) {
    let ok = result.is_ok();
    let now = baton::demo::fixture::clock();
    let mut model = Model::new(Arc::clone(body_config()), now);
    for at in [now, now + chrono::Duration::seconds(1)] {
        model.apply(SourceUpdate {
            source,
            at,
            latency: Duration::from_millis(5),
            result: result.clone(),
            next_poll: None,
        });
        model.tick(at);
    }
    let mut app = baton::app::App::new(
        model,
        app::looks().keymap("default"),
        baton::theme::Theme::plain(),
        Mode::Operator,
    );
    app.refresh();
    // A refused body changes only the source's row: drawn in its view.
    if !ok {
        app.view.overlay = Some(Overlay::Sources);
        draw(&app, 100, 30);
        return;
    }
    draw(&app, 120, 36);
    if let Some(id) = app.model.pairs.first().map(|p| p.id.clone()) {
        app.view.overlay = Some(Overlay::Detail(id));
        draw(&app, 100, 30);
    }
}

fn fleet_seeds() -> &'static [&'static str] {
    static S: OnceLock<Vec<&'static str>> = OnceLock::new();
    S.get_or_init(|| {
        let mut out = Vec::new();
        for scenario in ["mixed", "provider-outage"] {
            let mut sim = baton::demo::Sim::new(6, scenario, 7);
            for _ in 0..40 {
                sim.step();
            }
            let body = serde_json::json!({ "pairs": sim.report() });
            out.push(leak(serde_json::to_string_pretty(&body).expect("json")));
        }
        out.push(include_str!("fuzz/seed-fleet-mapped.json"));
        out
    })
}

fn fleet_case(bytes: Bytes) {
    let _ = baton::sources::parse::fleet(&bytes);
    let mapped = body_config().sources[5].map.clone();
    if let Ok(doc) = serde_json::from_slice::<serde_json::Value>(&bytes) {
        let _ = baton::sources::mapping::fleet(&doc, &mapped);
    }
    let _ = baton::sources::command::read(&bytes, &body_config().sources[5], Duration::ZERO);
    let result = baton::sources::parse::fleet(&bytes)
        .map(|(pairs, skipped)| Payload::Fleet { pairs, skipped });
    show(0, result);
}

#[test]
fn fleet_body() {
    fuzz(
        "fleet_body",
        24,
        mutated(fleet_seeds(), JSON_TOKENS, 8, depth()),
        fleet_case,
    );
}

const HEALTH_SEEDS: &[&str] = &[
    r#"{"id": "gw-1042-a", "role": "PRIMARY", "status": "ACTIVE", "health_score": 87,
 "region": "eu-west-1", "provider": "aws", "replication_lag_seconds": 1.2}"#,
    r#"{"status":"DOWN","health_score":"12","checks":{"db":{"ok":false,"latency_ms":[1,2,3]}}}"#,
    "OK\n",
];

const CONDITIONS: &[&str] = &[
    "[STATUS] == 200",
    "[BODY].status == ACTIVE",
    "[RESPONSE_TIME] < 500",
    "[BODY].checks.db.latency_ms[2] <= 3",
    "[BODY].health_score >= 1e308",
    "[BODY] == OK",
    "[BODY].a[99999999999999999999] == 1",
    "[STATUS] < -5",
];

fn health_case((bytes, status, cond): (Bytes, u16, &'static str)) {
    let report = baton::sources::parse::instance("gw-1001-a", status, &bytes);
    let json = serde_json::from_slice::<serde_json::Value>(&bytes).ok();
    if let Some(v) = &json {
        let _ = baton::sources::mapping::instance(v, &body_config().sources[1].map);
    }
    if let Ok(c) = baton::sources::conditions::parse(cond) {
        let r = baton::sources::conditions::Response {
            status,
            millis: 12,
            body: &bytes,
            json: json.as_ref(),
        };
        let _ = c.check(&r);
    }
    let probes = ["gw-1001-a", "gw-1001-b"]
        .iter()
        .map(|id| Probe {
            instance: (*id).into(),
            latency: Duration::from_millis(9),
            result: report.clone(),
        })
        .collect();
    show(1, Ok(Payload::Instances(probes)));
}

#[test]
fn health_body() {
    fuzz(
        "health_body",
        24,
        (
            mutated(HEALTH_SEEDS, JSON_TOKENS, 8, depth()),
            prop_oneof![Just(200u16), Just(503), any::<u16>()],
            select(CONDITIONS),
        ),
        health_case,
    );
}

const PROMETHEUS_SEEDS: &[&str] = &[
    include_str!("fuzz/seed-prometheus.json"),
    r#"{"status":"error","errorType":"bad_data","error":"1:5: parse error"}"#,
    r#"{"status":"success","data":{"resultType":"scalar","result":[1,"1"]}}"#,
];

fn prometheus_case((bytes, status, source): (Bytes, u16, usize)) {
    let cfg = &body_config().sources[source];
    let result = baton::sources::prometheus::read(status, &bytes, cfg);
    show(source, result);
}

#[test]
fn prometheus_body() {
    fuzz(
        "prometheus_body",
        24,
        (
            mutated(PROMETHEUS_SEEDS, JSON_TOKENS, 8, depth()),
            prop_oneof![Just(200u16), Just(400), any::<u16>()],
            2usize..=3,
        ),
        prometheus_case,
    );
}

fn alertmanager_seeds() -> &'static [&'static str] {
    static S: OnceLock<Vec<&'static str>> = OnceLock::new();
    S.get_or_init(|| {
        let mut sim = baton::demo::Sim::new(6, "provider-outage", 7);
        for _ in 0..40 {
            sim.step();
        }
        let alerts = sim.alerts(baton::demo::fixture::clock());
        vec![
            leak(serde_json::to_string_pretty(&alerts).expect("json")),
            include_str!("fuzz/seed-alertmanager.json"),
        ]
    })
}

fn alertmanager_case(bytes: Bytes) {
    let result = baton::sources::alertmanager::read(&bytes, "severity");
    show(4, result);
}

#[test]
fn alertmanager_body() {
    fuzz(
        "alertmanager_body",
        24,
        mutated(alertmanager_seeds(), JSON_TOKENS, 8, depth()),
        alertmanager_case,
    );
}

// ------------------------------------------------------ journal to report

/// Journals written by the console itself: a pair failover and a bulk
/// failover of a region driven to their ends.
fn journal_seeds() -> &'static [&'static str] {
    static S: OnceLock<Vec<&'static str>> = OnceLock::new();
    S.get_or_init(|| {
        let mut out = Vec::new();
        for (scenario, runbook, target) in [
            (
                "primary-crash",
                "pair-failover",
                baton::app::wizard_ops::Target::Pair("acct-1003".into()),
            ),
            (
                "provider-outage",
                "bulk-failover-region",
                baton::app::wizard_ops::Target::Area {
                    region: "eu-west-1".into(),
                    provider: "aws".into(),
                },
            ),
        ] {
            let mut c = app::Console::new(12, scenario, 40, Mode::Operator, "default");
            let rb = c
                .app
                .runbooks
                .iter()
                .find(|r| r.id == runbook)
                .cloned()
                .expect("shipped runbook");
            let fx = c.app.start_with(&target, &rb);
            c.perform(fx);
            for _ in 0..80 {
                c.drive();
            }
            let lines: Vec<String> = c.app.incidents[0]
                .entries
                .iter()
                .map(|e| serde_json::to_string(e).expect("entry"))
                .collect();
            out.push(leak(lines.join("\n") + "\n"));
        }
        out
    })
}

/// `baton report` on the file, and the resume of its incident drawn.
fn journal_case(bytes: Bytes) {
    let f = TempFile::new("INC-fuzz.jsonl", &bytes);
    let s = app::shipped();
    let _ = baton::effects::journal::read(&f.0);
    if let Ok(r) = baton::report::from_file(&f.0, &s.runbooks) {
        let _ = baton::report::markdown(&r);
        let _ = serde_json::to_string(&r);
    }
    let Ok((entries, _)) = baton::effects::journal::read(&f.0) else {
        return;
    };
    let Some(rb) = entries
        .first()
        .and_then(|e| s.runbooks.iter().find(|r| r.id == e.runbook))
    else {
        return;
    };
    let replayed = baton::wizard::incident::Incident::replay(&entries, Arc::clone(rb));
    let followed = baton::wizard::incident::Incident::fold(&entries, Arc::clone(rb));
    let mut c = app::Console::new(6, "primary-crash", 5, Mode::Operator, "default");
    for inc in [replayed, followed].into_iter().flatten() {
        let _ = inc.timers(c.app.model.now);
        c.app.incidents.push(inc);
    }
    if c.app.incidents.is_empty() {
        return;
    }
    c.app.view.wizard = true;
    c.draw(100, 30);
    for o in [Overlay::Timeline, Overlay::Report] {
        c.app.view.overlay = Some(o);
        c.draw(100, 30);
    }
}

#[test]
fn journal() {
    fuzz(
        "journal",
        32,
        mutated(journal_seeds(), JSON_TOKENS, 8, depth()),
        journal_case,
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
    let history = op.app.history.clone();
    w.app.follow_update(op.app.incidents.clone(), history);
    app::run(&mut w, &ops, |c, fx| {
        let bad: Vec<&Effect> = fx.iter().filter(|e| app::mutating(e)).collect();
        assert!(bad.is_empty(), "a read-only console asked for {bad:?}");
        assert!(c.app.read_only, "the watcher stays read-only");
    });
    let open = w
        .app
        .incidents
        .iter()
        .map(|i| i.entries.len())
        .collect::<Vec<_>>();
    let before = op
        .app
        .incidents
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

/// Kinds of nesting a runbook, a config, a template or a body can carry.
const NESTINGS: &[&str] = &[
    "expr_parens",
    "expr_not",
    "expr_and",
    "runbook_expr",
    "template_if",
    "template_parens",
    "toml_array",
    "json_array",
];

/// Nesting up to `BATON_FUZZ_DEPTH` levels (scripts/fuzz.sh: 20 000), of
/// the kind `BATON_FUZZ_NESTING` names (default: any), so a crash of one
/// kind does not hide the others.
fn nested() -> impl Strategy<Value = (u8, u32)> {
    let kinds: Vec<u8> = match std::env::var("BATON_FUZZ_NESTING")
        .ok()
        .filter(|k| !k.is_empty())
    {
        Some(k) => NESTINGS.iter().position(|n| *n == k).map_or_else(
            || panic!("BATON_FUZZ_NESTING: one of {NESTINGS:?}"),
            |i| vec![i as u8],
        ),
        None => (0..NESTINGS.len() as u8).collect(),
    };
    (select(kinds), 1..=u32::from(depth()).max(2))
}

fn nesting_case((kind, n): (u8, u32)) {
    let n = n as usize;
    let rep = |s: &str| s.repeat(n);
    let s = app::shipped();
    match kind {
        0 => expr_case(format!("{}lag{} < 1s", rep("("), rep(")"))),
        1 => expr_case(format!("{}primary.down", rep("!"))),
        2 => expr_case(format!("{}lag < 1s", rep("lag < 1s && "))),
        3 => {
            let src = format!(
                "id = \"deep\"\ntitle = \"Deep\"\n[[phase]]\nid = \"p\"\n[[phase.step]]\nid = \"g\"\nkind = \"gate\"\ntitle = \"g\"\nexpr = \"{}lag{} < 1s\"\n",
                rep("("),
                rep(")")
            );
            runbook_case((Bytes(src.into_bytes()), 2));
        }
        4 => template_case(Bytes(
            format!("{}x{}", rep("{% if true %}"), rep("{% endif %}")).into_bytes(),
        )),
        5 => {
            let sample = baton::wizard::notify::sample_context(&s.config);
            let _ = s
                .templates
                .render_inline(&format!("{{{{ {}1{} }}}}", rep("("), rep(")")), &sample);
        }
        6 => {
            config_case(Bytes(
                format!("[console]\ntitle = {}\"x\"{}\n", rep("["), rep("]")).into_bytes(),
            ));
        }
        _ => fleet_case(Bytes(
            format!("{{\"pairs\": {}{}}}", rep("["), rep("]")).into_bytes(),
        )),
    }
}

/// Ignored in CI: a stack overflow aborts the whole test binary, which no
/// test can catch; scripts/fuzz.sh runs it on its own and reports a crash.
#[test]
#[ignore = "a stack overflow aborts the test binary: run by scripts/fuzz.sh"]
fn nesting() {
    fuzz("nesting", 64, nested(), nesting_case);
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
        "fleet_body" => fleet_case(b),
        "alertmanager_body" => alertmanager_case(b),
        "journal" => journal_case(b),
        _ => panic!("replay works on the targets whose input is one text"),
    }
}

// ------------------------------------------------- found by fuzzing, fixed

/// A journal whose bulk step has more results than planned pairs (lines
/// duplicated or edited) was resumed and drawn with a progress bar of
/// `30 - filled` cells: an overflow (a capacity-overflow panic in release).
#[test]
fn a_bulk_step_with_more_results_than_planned_pairs_is_drawn() {
    let seed = journal_seeds()[1];
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
    c.app.incidents.push(inc);
    c.app.view.wizard = true;
    let screen = c.draw(120, 40);
    assert!(screen.contains("done ·"), "{screen}");
}
