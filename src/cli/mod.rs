//! The command line: parse, set up logging and the runtime, dispatch.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use chrono::Utc;
use clap::Parser;
use color_eyre::eyre::{Result, WrapErr, eyre};

pub mod args;
mod coordinated;
mod plan;
mod plan_out;
mod schedule;

pub use args::{
    Cli, Command, PlanFormat, ReportFormat, locate_name, no_config_message, theme_name,
};

use crate::app::{App, Mode, RunOptions};
use crate::config::{self, Config, Lookup};
use crate::diag::Diagnostics;
use crate::keymap::{self, Keymap};
use crate::state::Model;
use crate::text::escape_controls;
use crate::theme::{self, Theme};

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Err(e) = color_eyre::install() {
        eprintln!("baton: cannot install error hooks: {e}");
    }
    match dispatch(&cli) {
        Ok(code) => code,
        Err(e) => {
            // Not eprintln: a terminal that is gone (a dropped SSH session)
            // would make the last word a panic.
            let _ = writeln!(
                std::io::stderr(),
                "baton: {}",
                escape_controls(&format!("{e:#}"))
            );
            ExitCode::from(1)
        }
    }
}

fn dispatch(cli: &Cli) -> Result<ExitCode> {
    match &cli.command {
        Some(Command::Check) => Ok(crate::check::run(cli)),
        Some(Command::Init { path, force }) => init(path, *force),
        Some(Command::Plan {
            runbook,
            target,
            format,
            wait,
        }) => plan::run(cli, runbook, target, *format, *wait),
        Some(Command::Schedule {
            runbook,
            target,
            at,
            list: _,
            move_window,
            to,
            cancel,
            reason,
            wait,
        }) => {
            let ask = match (move_window, cancel, runbook, target, at) {
                (Some(w), _, _, _, _) => {
                    let Some(to) = to else {
                        eprintln!("baton: --move needs --to AT");
                        return Ok(ExitCode::from(2));
                    };
                    schedule::Ask::Move { window: w, to }
                }
                (None, Some(w), _, _, _) => schedule::Ask::Cancel { window: w },
                (None, None, Some(runbook), Some(target), Some(at)) => schedule::Ask::Add {
                    runbook,
                    target,
                    at,
                },
                (None, None, None, None, None) => schedule::Ask::List,
                _ => {
                    eprintln!(
                        "baton: schedule needs RUNBOOK TARGET AT (or --list, --move, --cancel)"
                    );
                    return Ok(ExitCode::from(2));
                }
            };
            schedule::run(cli, &ask, reason.as_deref(), *wait)
        }
        Some(Command::Approve {
            incident,
            yes,
            refuse,
        }) => {
            let Some(cfg) = required_config(cli) else {
                return Ok(ExitCode::from(2));
            };
            Ok(coordinated::approve(
                &cfg,
                incident,
                *yes,
                refuse.as_deref(),
                cli.read_only,
            ))
        }
        Some(Command::Report {
            journal,
            format,
            output,
        }) => report(cli, journal, *format, output.as_deref()),
        Some(Command::Demo { scenario, pairs }) => {
            if !crate::demo::scenario_names().contains(&scenario.as_str()) {
                eprintln!(
                    "baton: unknown scenario `{scenario}`; scenarios: {}",
                    crate::demo::scenario_names().join(", ")
                );
                return Ok(ExitCode::from(2));
            }
            start_logging(cli);
            runtime()?.block_on(demo(cli, scenario, *pairs as usize))
        }
        Some(Command::Watch { .. }) | None => {
            let (path, cfg) = match located_config(cli) {
                Ok(found) => found,
                Err(code) => return Ok(code),
            };
            start_logging(cli);
            let watch = matches!(cli.command, Some(Command::Watch { .. }));
            let follow = matches!(cli.command, Some(Command::Watch { no_follow: false }));
            let mode = if watch { Mode::Watch } else { Mode::Operator };
            let dir = path.parent().map(Path::to_path_buf);
            let app = build_app(cli, cfg, Some(&path), dir.as_deref(), mode)?;
            runtime()?.block_on(crate::app::run(
                app,
                RunOptions {
                    follow,
                    mouse: cli.mouse,
                },
            ))?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn demo(cli: &Cli, scenario: &str, pairs: usize) -> Result<ExitCode> {
    let fleet = crate::demo::serve(pairs, scenario)
        .await
        .wrap_err("cannot start the demo fleet on 127.0.0.1")?;
    let cfg = crate::demo::config(fleet.addr);
    let dir = config::xdg_config_home().join("baton");
    let mut app = build_app(cli, cfg, None, Some(&dir), Mode::Demo)?;
    app.scenario = Some(scenario.to_string());
    crate::app::run(
        app,
        RunOptions {
            follow: false,
            mouse: cli.mouse,
        },
    )
    .await?;
    drop(fleet);
    Ok(ExitCode::SUCCESS)
}

/// Resolves theme and keymap (CLI over NO_COLOR over config) and builds the app.
pub fn build_app(
    cli: &Cli,
    cfg: Config,
    config_file: Option<&Path>,
    config_dir: Option<&Path>,
    mode: Mode,
) -> Result<App> {
    let (theme, keymap) =
        resolve_look(cli, &cfg, config_file, config_dir).map_err(|d| eyre!("{d}"))?;
    let (templates, mut errors) = crate::config::templates::load_all(&cfg, config_dir);
    let (runbooks, rb_errors) = crate::config::runbooks::load_all(&cfg, config_dir, &templates);
    errors.extend(rb_errors);
    let model = Model::new(Arc::new(cfg), Utc::now());
    let mut app = App::new(model, keymap, theme, mode);
    if cli.read_only {
        app.set_read_only();
    }
    app.wizard.drill = cli.drill;
    let history = crate::app::command::history_file();
    app.command_history = crate::app::command::load_history(&history);
    app.command_history_file = Some(history);
    app.wizard.runbooks = runbooks.into_iter().map(Arc::new).collect();
    app.wizard.templates = Arc::new(templates);
    // Over SSH but outside tmux/screen, a dropped session kills the console:
    // say so once (the wizard itself resumes from the journal either way).
    let on_ssh = std::env::var_os("SSH_CONNECTION").is_some();
    let multiplexed = std::env::var_os("TMUX").is_some() || std::env::var_os("STY").is_some();
    if on_ssh && !multiplexed {
        app.say("tip: run baton inside tmux or screen on the bastion, so a dropped SSH session costs nothing", false);
    }
    if !errors.is_empty() {
        // The console runs on the runbooks and templates that loaded; the
        // rest is named.
        for e in &errors {
            tracing::warn!("runbook or template: {e}");
        }
        app.say(
            format!(
                "{} runbook or template problem(s), e.g. {}: run `baton check`",
                errors.len(),
                errors[0]
            ),
            true,
        );
    }
    Ok(app)
}

pub fn resolve_look(
    cli: &Cli,
    cfg: &Config,
    config_file: Option<&Path>,
    dir: Option<&Path>,
) -> Result<(Theme, Keymap), Diagnostics> {
    let name = theme_name(cli, cfg);
    let mut theme = theme::load(&name, dir);
    if name == cfg.console.theme {
        theme = theme.map_err(|d| locate_name(d, &name, config_file, "theme"));
    }
    let keymap = match &cli.keymap {
        Some(k) => keymap::load(k, dir),
        None => keymap::load(&cfg.console.keymap, dir)
            .map_err(|d| locate_name(d, &cfg.console.keymap, config_file, "keymap")),
    };
    match (theme, keymap) {
        (Ok(t), Ok(k)) => Ok((t.for_depth(crate::theme::depth::from_env()), k)),
        (t, k) => {
            let mut all = Vec::new();
            if let Err(d) = t {
                all.extend(d.0);
            }
            if let Err(d) = k {
                all.extend(d.0);
            }
            Err(Diagnostics(all))
        }
    }
}

fn report(
    cli: &Cli,
    journal: &Path,
    format: ReportFormat,
    output: Option<&Path>,
) -> Result<ExitCode> {
    // Runbook titles and targets come from the config when there is one;
    // the shipped runbooks always.
    let (cfg, dir) = match config::find(cli.config.as_deref()) {
        Lookup::Found(p) => (
            config::load_file(&p).unwrap_or_default(),
            p.parent().map(Path::to_path_buf),
        ),
        Lookup::NotFound(_) => (Config::default(), None),
    };
    let runbooks: Vec<Arc<crate::wizard::runbook::Runbook>> = crate::config::runbooks::load_all(
        &cfg,
        dir.as_deref(),
        &crate::config::templates::load_all(&cfg, dir.as_deref()).0,
    )
    .0
    .into_iter()
    .map(Arc::new)
    .collect();
    // Not a file: an incident id, read from the journal of record.
    let from_store =
        !journal.exists() && cfg.coordination.kind == crate::config::coordination::Kind::Etcd;
    let read = if from_store {
        coordinated::journal_of(&cfg, &journal.to_string_lossy()).map(|e| {
            let rb = runbooks
                .iter()
                .find(|r| e.first().is_some_and(|x| x.runbook == r.id));
            crate::report::build(&e, rb, Vec::new())
        })
    } else {
        crate::report::from_file(journal, &runbooks)
    };
    let r = match read {
        Ok(r) => r,
        Err(e) => {
            eprintln!("baton: {}", escape_controls(&e));
            return Ok(ExitCode::from(1));
        }
    };
    // Action output and answers in the journal came from outside: their
    // terminal sequences are shown, never run, in a file as on stdout.
    let text = match format {
        ReportFormat::Markdown => escape_controls(&crate::report::markdown(&r)).into_owned(),
        ReportFormat::Json => {
            let json = serde_json::to_string_pretty(&r).wrap_err("cannot encode the report")?;
            crate::text::escape_json_controls(&json).into_owned() + "\n"
        }
    };
    match output {
        Some(p) => {
            std::fs::write(p, text).wrap_err_with(|| format!("cannot write {}", p.display()))?;
        }
        None => emit(&text)?,
    }
    for d in &r.damage {
        eprintln!("baton: warning: {}", escape_controls(d));
    }
    Ok(ExitCode::SUCCESS)
}

fn init(path: &Path, force: bool) -> Result<ExitCode> {
    if path.exists() && !force {
        eprintln!(
            "baton: {} already exists; use --force to overwrite it",
            path.display()
        );
        return Ok(ExitCode::from(1));
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .wrap_err_with(|| format!("cannot create {}", dir.display()))?;
    }
    std::fs::write(path, config::STARTER)
        .wrap_err_with(|| format!("cannot write {}", path.display()))?;
    println!(
        "wrote {}\nedit it for your fleet, then run `baton check --config {}`",
        path.display(),
        path.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// Writes a command's output. A reader that went away (`| head`) ends
/// the output quietly; print! would panic there.
fn emit(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(e).wrap_err("cannot write to standard output")
        }
        _ => Ok(()),
    }
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .wrap_err("cannot start the async runtime")
}

/// Logs go to a file, never to the terminal (it belongs to the UI).
fn start_logging(cli: &Cli) {
    let path = cli.log_file.clone().unwrap_or_else(|| {
        let state = std::env::var_os("XDG_STATE_HOME")
            .filter(|s| !s.is_empty())
            .map_or_else(|| config::home().join(".local/state"), PathBuf::from);
        state.join("baton/baton.log")
    });
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    match std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
    {
        Ok(file) => {
            let _ = tracing_subscriber::fmt()
                .with_writer(std::sync::Mutex::new(file))
                .with_ansi(false)
                .with_max_level(tracing::Level::INFO)
                .try_init();
            tracing::info!("baton {} starting", env!("CARGO_PKG_VERSION"));
        }
        Err(e) => eprintln!(
            "baton: cannot open log file {}: {e}; continuing without logs",
            path.display()
        ),
    }
}

/// The config a subcommand needs (found and valid), or why not, printed.
/// The config file and what it holds, or the exit code after saying why
/// not: 2 when none is found (every path searched is named), 1 when it
/// has errors.
fn located_config(cli: &Cli) -> std::result::Result<(PathBuf, Config), ExitCode> {
    let path = match config::find(cli.config.as_deref()) {
        Lookup::Found(p) => p,
        Lookup::NotFound(searched) => {
            eprintln!("{}", no_config_message(&searched));
            return Err(ExitCode::from(2));
        }
    };
    match config::load_file(&path) {
        Ok(c) => Ok((path, c)),
        Err(d) => {
            eprintln!(
                "{}\nbaton: the config has errors; fix them (see `baton check`) and start again",
                escape_controls(&d.to_string())
            );
            Err(ExitCode::from(1))
        }
    }
}

fn required_config(cli: &Cli) -> Option<Config> {
    let path = match config::find(cli.config.as_deref()) {
        Lookup::Found(p) => p,
        Lookup::NotFound(searched) => {
            eprintln!("{}", no_config_message(&searched));
            return None;
        }
    };
    match config::load_file(&path) {
        Ok(c) => Some(c),
        Err(d) => {
            eprintln!("{}", escape_controls(&d.to_string()));
            None
        }
    }
}
