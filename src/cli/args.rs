//! The command line: flags and subcommands (clap), and the small helpers
//! `baton` and `baton check` share to name what they looked for.

use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand};

use crate::config::Config;
use crate::diag::Diagnostics;

/// Terminal war-room console for failover.
#[derive(Debug, Parser)]
#[command(name = "baton", version, about, long_about = None)]
pub struct Cli {
    /// Config file (else $BATON_CONFIG, ./baton.toml, $XDG_CONFIG_HOME/baton/config.toml).
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Theme name (default, light, high-contrast, monochrome) or path; overrides the config and NO_COLOR.
    #[arg(long, global = true, value_name = "NAME|PATH")]
    pub theme: Option<String>,
    /// Keymap name (default, vim) or path; overrides the config.
    #[arg(long, global = true, value_name = "NAME|PATH")]
    pub keymap: Option<String>,
    /// Look, never act: no actions, notifications, journal writes or locks.
    #[arg(long, global = true)]
    pub read_only: bool,
    /// Mouse: wheel scrolls, click selects a pair (stops the terminal's own
    /// text selection while baton runs, so it is off by default).
    #[arg(long, global = true)]
    pub mouse: bool,
    /// Drill mode: actions run their `dry_run` variant (or are only shown); marked DRILL.
    #[arg(long, global = true)]
    pub drill: bool,
    /// Log file (default $XDG_STATE_HOME/baton/baton.log); logs never go to the terminal.
    #[arg(long, global = true, value_name = "PATH")]
    pub log_file: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the console on a simulated fleet with scripted incidents.
    Demo {
        /// Scenario: mixed, primary-crash, standby-degraded, lag-spike, provider-outage, flapping, calm, steady.
        #[arg(long, default_value = "mixed")]
        scenario: String,
        /// Number of simulated pairs.
        #[arg(long, default_value_t = 48, value_parser = clap::value_parser!(u32).range(1..=100_000))]
        pairs: u32,
    },
    /// Watch the fleet read-only (incident commander, war room), following
    /// every operator's wizard from the journal folder.
    Watch {
        /// Do not follow the journal folder (panes only).
        #[arg(long)]
        no_follow: bool,
    },
    /// Validate the config, themes and keymaps; exit 1 on any error.
    Check,
    /// Approve (or refuse) another operator's step that waits for a second
    /// operator: shows the exact command, records the decision.
    Approve {
        /// The incident id (`INC-…`).
        incident: String,
        /// Approve without asking.
        #[arg(long, conflicts_with = "refuse")]
        yes: bool,
        /// Refuse, with this reason.
        #[arg(long, value_name = "REASON")]
        refuse: Option<String>,
    },
    /// Turn an incident journal into a timeline report (Markdown or JSON).
    Report {
        /// The incident's journal file (`journal_dir/INC-….jsonl`), or with
        /// `[coordination] kind = "etcd"` an incident id, read from etcd.
        journal: PathBuf,
        #[arg(long, value_enum, default_value = "markdown")]
        format: ReportFormat,
        /// Write to this file instead of standard output.
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Print what a runbook would do on a target now, against the live
    /// sources: every gate with its value, the rules, the exact commands
    /// and messages. Acts on nothing; exits 1 if a gate would block.
    Plan {
        /// The runbook id (`pair-failover`, …).
        runbook: String,
        /// A pair id, a region or a provider.
        target: String,
        #[arg(long, value_enum, default_value = "text")]
        format: PlanFormat,
        /// How long to read the sources before judging (each source is
        /// read until it has answered `failure_threshold` times).
        #[arg(long, default_value = "15s", value_parser = crate::config::parse_duration)]
        wait: std::time::Duration,
    },
    /// Maintenance windows: schedule RUNBOOK on TARGET at AT (`baton
    /// schedule regional-failover-planned eu-west-1 "2026-12-05 02:00"`),
    /// list them (no arguments, or --list), move or cancel one with a reason.
    Schedule {
        /// The runbook id.
        runbook: Option<String>,
        /// A pair id, a region or a provider.
        target: Option<String>,
        /// When the window opens: 2026-12-05T02:00:00Z, "2026-12-05 02:00"
        /// (UTC) or +48h.
        at: Option<String>,
        /// List the windows with what comes due when (the default).
        #[arg(long)]
        list: bool,
        /// Move this window (with --to and --reason).
        #[arg(long = "move", value_name = "WINDOW", conflicts_with_all = ["cancel", "runbook"])]
        move_window: Option<String>,
        /// The window's new time.
        #[arg(long, value_name = "AT", requires = "move_window")]
        to: Option<String>,
        /// Cancel this window (with --reason).
        #[arg(long, value_name = "WINDOW", conflicts_with = "runbook")]
        cancel: Option<String>,
        /// Why: journaled with the change (required to move or cancel).
        #[arg(long)]
        reason: Option<String>,
        /// How long to read the sources for a target only they know.
        #[arg(long, default_value = "10s", value_parser = crate::config::parse_duration)]
        wait: std::time::Duration,
    },
    /// Write a commented starter config.
    Init {
        /// Where to write it.
        #[arg(default_value = "baton.toml")]
        path: PathBuf,
        /// Overwrite an existing file.
        #[arg(long)]
        force: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PlanFormat {
    Text,
    Markdown,
    Json,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum ReportFormat {
    Markdown,
    Json,
}

pub fn no_config_message(searched: &[PathBuf]) -> String {
    let list: Vec<String> = searched
        .iter()
        .map(|p| format!("  {}", p.display()))
        .collect();
    format!(
        "baton: no config file found. Searched:\n{}\nRun `baton demo` to try baton on a simulated fleet, or `baton init` to write a starter config.",
        list.join("\n")
    )
}

pub fn theme_name(cli: &Cli, cfg: &Config) -> String {
    // NO_COLOR, and a terminal that has no colour at all, get the theme
    // that carries meaning with attributes and symbols.
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
        || crate::theme::depth::from_env() == crate::theme::depth::Depth::None;
    match (&cli.theme, no_color) {
        (Some(t), _) => t.clone(),
        (None, true) => "monochrome".into(),
        (None, false) => cfg.console.theme.clone(),
    }
}

/// A theme or keymap named in the config that loads nothing has no file
/// of its own to point at: the error names the config file, line and key
/// (`console.theme`) instead.
pub fn locate_name(d: Diagnostics, name: &str, config: Option<&Path>, key: &str) -> Diagnostics {
    let Some(file) = config else { return d };
    let Ok(src) = std::fs::read_to_string(file) else {
        return d;
    };
    let loc = crate::diag::Located { file, src: &src };
    let path = [
        crate::diag::Seg::Key("console".into()),
        crate::diag::Seg::Key(key.into()),
    ];
    Diagnostics(
        d.0.into_iter()
            .map(|x| {
                if x.line != 0 || x.file != Path::new(name) {
                    return x;
                }
                if x.message.contains(name) {
                    loc.at(&path, x.message)
                } else {
                    loc.at(&path, format!("`{name}`: {}", x.message))
                }
            })
            .collect(),
    )
}
