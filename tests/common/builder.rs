//! The one builder of `App` for the tests, and of the harness around it.

use std::path::PathBuf;
use std::sync::Arc;

use baton::app::{App, Mode};
use baton::config::Config;
use baton::demo::{DemoFleet, Sim};
use baton::effects::Executor;
use baton::keymap::Keymap;
use baton::state::Model;
use baton::theme::Theme;
use baton::wizard::runbook::Runbook;
use tokio::sync::mpsc;

use super::harness::Harness;

/// The seed every demo fleet of the tests is built with.
const SEED: u64 = 0x5eed_ba70;

/// A change made to the config before the console is built on it.
type Change = Box<dyn FnOnce(&mut Config)>;

/// Where the model comes from.
enum Source {
    Config(Config),
    Model(Model),
    /// `baton::demo::fixture::model`: fed in memory, nothing served.
    Fixture {
        pairs: usize,
        scenario: String,
        steps: u64,
    },
    /// The simulated fleet served on 127.0.0.1, stepped by the fake clock.
    Served {
        pairs: usize,
        scenario: String,
        steps: u64,
    },
}

enum Runbooks {
    None,
    /// `runbook::load_shipped`: the shipped runbooks, no templates.
    Shipped,
    /// Templates and runbooks as the console loads them (errors fail).
    Loaded,
    These(Vec<Arc<Runbook>>),
}

pub struct Builder {
    name: String,
    source: Source,
    configure: Vec<Change>,
    runbooks: Runbooks,
    templates: Option<Arc<baton::wizard::templates::Templates>>,
    mode: Mode,
    read_only: bool,
    operator: String,
    drill: bool,
    keymap: Option<Keymap>,
    theme: Option<Theme>,
    scenario: Option<String>,
    dir: Option<PathBuf>,
    journal: Option<PathBuf>,
}

impl Builder {
    pub(super) fn new(name: &str) -> Self {
        Self {
            name: name.into(),
            source: Source::Config(Config::default()),
            configure: Vec::new(),
            runbooks: Runbooks::None,
            templates: None,
            mode: Mode::Operator,
            read_only: false,
            operator: "tester@bastion".into(),
            drill: false,
            keymap: None,
            theme: None,
            scenario: None,
            dir: None,
            journal: None,
        }
    }

    /// A model on this config, with no source fed yet.
    pub fn config(mut self, config: Config) -> Self {
        self.source = Source::Config(config);
        self
    }

    pub fn config_text(self, text: &str) -> Self {
        let config = toml::from_str(text).unwrap_or_else(|e| panic!("test config: {e}\n{text}"));
        self.config(config)
    }

    /// A model the test fed itself (real sources, a fixed update, …).
    pub fn model(mut self, model: Model) -> Self {
        self.source = Source::Model(model);
        self
    }

    /// The demo fleet fed in memory at the fixed clock; nothing served.
    pub fn demo(mut self, pairs: usize, scenario: &str, steps: u64) -> Self {
        self.source = Source::Fixture {
            pairs,
            scenario: scenario.into(),
            steps,
        };
        self
    }

    /// The demo console as `baton demo` shows it, in memory: the fixture
    /// model, demo mode, its operator, theme, scenario and runbooks.
    pub fn demo_console(self, pairs: usize, scenario: &str, steps: u64, theme: &str) -> Self {
        self.demo(pairs, scenario, steps)
            .mode(Mode::Demo)
            .operator("alice@bastion-1")
            .theme(Theme::builtin(theme).unwrap_or_else(Theme::plain))
            .scenario(scenario)
            .loaded_runbooks()
    }

    /// The demo fleet served on 127.0.0.1, stepped `steps` seconds, then
    /// only by the fake clock; needs [`Builder::start`].
    pub fn serve_demo(mut self, pairs: usize, scenario: &str, steps: u64) -> Self {
        self.source = Source::Served {
            pairs,
            scenario: scenario.into(),
            steps,
        };
        self
    }

    /// Changes the config before the console is built on it.
    pub fn configure(mut self, f: impl FnOnce(&mut Config) + 'static) -> Self {
        self.configure.push(Box::new(f));
        self
    }

    pub fn shipped_runbooks(mut self) -> Self {
        self.runbooks = Runbooks::Shipped;
        self
    }

    pub fn loaded_runbooks(mut self) -> Self {
        self.runbooks = Runbooks::Loaded;
        self
    }

    pub fn runbooks(mut self, runbooks: Vec<Arc<Runbook>>) -> Self {
        self.runbooks = Runbooks::These(runbooks);
        self
    }

    pub fn templates(mut self, t: Arc<baton::wizard::templates::Templates>) -> Self {
        self.templates = Some(t);
        self
    }

    pub fn mode(mut self, mode: Mode) -> Self {
        self.mode = mode;
        self
    }

    /// `--read-only`: the console and its executor refuse to act.
    pub fn read_only(mut self) -> Self {
        self.read_only = true;
        self
    }

    /// `user@host` of the console and of its executor.
    pub fn operator(mut self, who: &str) -> Self {
        self.operator = who.into();
        self
    }

    pub fn drill(mut self) -> Self {
        self.drill = true;
        self
    }

    pub fn keymap(mut self, keymap: Keymap) -> Self {
        self.keymap = Some(keymap);
        self
    }

    pub fn theme(mut self, theme: Theme) -> Self {
        self.theme = Some(theme);
        self
    }

    /// The demo's scenario name, as `baton demo` shows it.
    pub fn scenario(mut self, name: &str) -> Self {
        self.scenario = Some(name.into());
        self
    }

    /// Use this (existing) folder for the test instead of a fresh one.
    pub fn in_dir(mut self, dir: PathBuf) -> Self {
        self.dir = Some(dir);
        self
    }

    /// The journal folder; by default `journal/` in the test's folder.
    pub fn journal_dir(mut self, dir: PathBuf) -> Self {
        self.journal = Some(dir);
        self
    }

    /// The App alone, without folder, journal or executor: for tests that
    /// bring their own executor (the fuzzers' in-memory one).
    pub fn app(mut self) -> App {
        let source = match std::mem::replace(&mut self.source, Source::Config(Config::default())) {
            Source::Served { .. } => panic!("a served fleet needs Builder::start"),
            Source::Config(c) => {
                Source::Model(Model::new(Arc::new(c), baton::demo::fixture::clock()))
            }
            s => s,
        };
        self.assemble(model_of(source))
    }

    /// The console with its executor; a served fleet needs `start`.
    pub fn build(self) -> Harness {
        assert!(
            !matches!(self.source, Source::Served { .. }),
            "a served fleet needs Builder::start"
        );
        self.finish(None)
    }

    /// The console with its executor, the demo fleet served if asked.
    pub async fn start(mut self) -> Harness {
        let Source::Served {
            pairs,
            ref scenario,
            steps,
        } = self.source
        else {
            return self.finish(None);
        };
        let mut sim = Sim::new(pairs, scenario, SEED);
        for _ in 0..steps {
            sim.step();
        }
        let fleet = baton::demo::serve_sim(sim, false)
            .await
            .expect("serve the demo fleet");
        let config = baton::demo::config(fleet.addr);
        self.source = Source::Model(Model::new(Arc::new(config), baton::demo::fixture::clock()));
        let mut h = self.finish(Some(fleet));
        // Three polls: an instance is down after failure_threshold (3).
        for _ in 0..3 {
            h.advance(1);
        }
        h
    }

    fn finish(mut self, fleet: Option<DemoFleet>) -> Harness {
        let dir = self.dir.take().unwrap_or_else(|| super::temp(&self.name));
        let journal = self.journal.take().unwrap_or_else(|| dir.join("journal"));
        let j = journal.clone();
        self.configure
            .insert(0, Box::new(move |c| c.console.journal_dir = j));
        let source = match std::mem::replace(&mut self.source, Source::Config(Config::default())) {
            Source::Config(c) => {
                Source::Model(Model::new(Arc::new(c), baton::demo::fixture::clock()))
            }
            s => s,
        };
        let operator = self.operator.clone();
        let app = self.assemble(model_of(source));
        let (tx, rx) = mpsc::channel(1024);
        let exec = Executor::new(Arc::clone(&app.model.config), app.read_only, operator, tx);
        Harness {
            app,
            exec,
            rx,
            fleet,
            dir,
            journal,
            max_in_flight: 0,
        }
    }

    fn assemble(self, mut model: Model) -> App {
        if !self.configure.is_empty() {
            let cfg = Arc::make_mut(&mut model.config);
            for f in self.configure {
                f(cfg);
            }
        }
        let keymap = self
            .keymap
            .unwrap_or_else(|| Keymap::builtin("default").expect("keymap"));
        let mut app = App::new(
            model,
            keymap,
            self.theme.unwrap_or_else(Theme::plain),
            self.mode,
        );
        if self.read_only {
            app.set_read_only();
        }
        app.operator = self.operator;
        app.wizard.drill = self.drill;
        app.scenario = self.scenario;
        match self.runbooks {
            Runbooks::None => {}
            Runbooks::Shipped => {
                app.wizard.runbooks = baton::config::runbooks::load_shipped(&app.model.config)
                    .0
                    .into_iter()
                    .map(Arc::new)
                    .collect();
            }
            Runbooks::Loaded => {
                let (templates, errs) = baton::config::templates::load_all(&app.model.config, None);
                assert!(errs.is_empty(), "{errs:?}");
                let (runbooks, errs) =
                    baton::config::runbooks::load_all(&app.model.config, None, &templates);
                assert!(errs.is_empty(), "{errs:?}");
                app.wizard.runbooks = runbooks.into_iter().map(Arc::new).collect();
                app.wizard.templates = Arc::new(templates);
            }
            Runbooks::These(r) => app.wizard.runbooks = r,
        }
        if let Some(t) = self.templates {
            app.wizard.templates = t;
        }
        app
    }
}

fn model_of(source: Source) -> Model {
    match source {
        Source::Model(m) => m,
        Source::Fixture {
            pairs,
            scenario,
            steps,
        } => baton::demo::fixture::model(pairs, &scenario, steps),
        Source::Config(_) | Source::Served { .. } => unreachable!("resolved by the caller"),
    }
}
