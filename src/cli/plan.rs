//! `baton plan RUNBOOK TARGET`: reads the live sources for a while, then
//! prints what the runbook would do now. Nothing is journaled, locked,
//! sent or run: the journal folder is only read (for the cooldown and
//! per-day rules and the failovers still open).

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use color_eyre::eyre::{Result, WrapErr};

use super::{Cli, PlanFormat, runtime};
use crate::config::{self, Config};
use crate::effects::journal;
use crate::state::Model;
use crate::text::escape_controls;
use crate::wizard::{Wizard, plan};

pub fn run(
    cli: &Cli,
    runbook: &str,
    target: &str,
    format: PlanFormat,
    wait: Duration,
) -> Result<ExitCode> {
    let (path, cfg) = match super::located_config(cli) {
        Ok(found) => found,
        Err(code) => return Ok(code),
    };
    let dir = path.parent();
    let (templates, mut errors) = config::templates::load_all(&cfg, dir);
    let (runbooks, rb_errors) = config::runbooks::load_all(&cfg, dir, &templates);
    errors.extend(rb_errors);
    for e in &errors {
        eprintln!("baton: warning: {}", escape_controls(&e.to_string()));
    }
    let runbooks: Vec<_> = runbooks.into_iter().map(Arc::new).collect();
    let Some(rb) = runbooks.iter().find(|r| r.id == runbook).cloned() else {
        let ids: Vec<&str> = runbooks.iter().map(|r| r.id.as_str()).collect();
        eprintln!(
            "baton: no runbook `{}`; runbooks: {}",
            escape_controls(runbook),
            ids.join(", ")
        );
        return Ok(ExitCode::from(2));
    };
    let cfg = Arc::new(cfg);
    let since = Utc::now();
    let model = runtime()?.block_on(observe(&cfg, wait));
    let target = match plan::target(&model, &rb, target) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("baton: {}", escape_controls(&e));
            return Ok(ExitCode::from(2));
        }
    };
    let mut wizard = Wizard::new(crate::app::operator_from_env());
    wizard.drill = cli.drill;
    wizard.templates = Arc::new(templates);
    let all = journal::all(&journal::expand(&cfg.console.journal_dir));
    wizard.history = all.iter().flat_map(|(_, e)| e.iter().cloned()).collect();
    wizard.incidents = crate::wizard::machine::unfinished(&all, &runbooks);
    wizard.runbooks = runbooks;
    // A window scheduled for this runbook and target: due times by it.
    let (windows, _) = crate::effects::windows::load(&journal::expand(&cfg.console.journal_dir));
    wizard.set_windows(windows);
    let p = plan::make(&mut wizard, &rb, &target, &model, since)
        .map_err(|e| color_eyre::eyre::eyre!(e))?;
    let text = match format {
        PlanFormat::Text => escape_controls(&super::plan_out::text(&p, &model)).into_owned(),
        PlanFormat::Markdown => {
            escape_controls(&super::plan_out::markdown(&p, &model)).into_owned()
        }
        PlanFormat::Json => {
            let json = serde_json::to_string_pretty(&p).wrap_err("cannot encode the plan")?;
            crate::text::escape_json_controls(&json).into_owned() + "\n"
        }
    };
    super::emit(&text)?;
    Ok(if p.blocked() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The model after every source has answered as often as its failure
/// threshold (an instance is DOWN only after that many failed polls), or
/// when `wait` runs out.
pub(super) async fn observe(cfg: &Arc<Config>, wait: Duration) -> Model {
    let (tx, mut rx) = tokio::sync::mpsc::channel(256);
    let mut model = Model::new(Arc::clone(cfg), Utc::now());
    let tasks = crate::sources::spawn_all(cfg, &tx, model.resync());
    drop(tx);
    let mut answers = vec![0u32; cfg.sources.len()];
    let deadline = tokio::time::Instant::now() + wait;
    let enough = |answers: &[u32]| {
        cfg.sources
            .iter()
            .zip(answers)
            .all(|(s, n)| *n >= s.failure_threshold.max(1))
    };
    while !enough(&answers) {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(u)) => {
                if let Some(n) = answers.get_mut(u.source) {
                    *n += 1;
                }
                model.now = Utc::now();
                model.take(u);
            }
            _ => break,
        }
    }
    drop(tasks);
    model.tick(Utc::now());
    model
}
