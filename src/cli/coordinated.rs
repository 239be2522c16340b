//! `baton approve INCIDENT` (the second operator of two-person approval)
//! and reading an incident's journal of record from etcd for `baton
//! report INCIDENT`.

use std::io::{BufRead, Write};
use std::process::ExitCode;

use chrono::Utc;

use crate::config::Config;
use crate::config::coordination::Kind;
use crate::coord::approval::{self, Decision, Request};
use crate::wizard::incident::Entry;

fn etcd_journal(cfg: &Config, incident: &str) -> Result<Vec<Entry>, String> {
    let c = &cfg.coordination;
    let etcd = crate::coord::cluster::client(c)?;
    let (kvs, _) =
        crate::coord::block::on(etcd.range(&crate::coord::journal_prefix(&c.prefix(), incident)))?;
    let entries: Vec<Entry> = kvs
        .iter()
        .filter_map(|kv| serde_json::from_slice(&kv.value).ok())
        .collect();
    if entries.is_empty() {
        return Err(format!(
            "no incident {incident} under {} on etcd",
            c.prefix()
        ));
    }
    Ok(entries)
}

/// The journal of `incident`: etcd's (the journal of record) with
/// `kind = "etcd"`, else this host's file.
pub fn journal_of(cfg: &Config, incident: &str) -> Result<Vec<Entry>, String> {
    if cfg.coordination.kind == Kind::Etcd {
        return etcd_journal(cfg, incident);
    }
    let dir = crate::effects::journal::expand(&cfg.console.journal_dir);
    let path = crate::effects::journal::path_of(&dir, incident);
    crate::effects::journal::read(&path).map(|(e, _)| e)
}

fn store(cfg: &Config, incident: &str, d: &Decision) -> Result<(), String> {
    if cfg.coordination.kind != Kind::Etcd {
        let dir = crate::effects::journal::expand(&cfg.console.journal_dir);
        return approval::write_local(&dir, incident, d);
    }
    let c = &cfg.coordination;
    let etcd = crate::coord::cluster::client(c)?;
    let key = crate::coord::approval_key(&c.prefix(), incident, d.request);
    let value = serde_json::to_vec(d).map_err(|e| e.to_string())?;
    match crate::coord::block::on(etcd.create(&key, &value, 0))? {
        None => Ok(()),
        Some(_) => Err(format!("request {} was decided already", d.request)),
    }
}

/// `baton approve`: shows the exact command asked for and records the
/// decision. `yes` approves without asking; `refuse` refuses with a reason.
pub fn approve(
    cfg: &Config,
    incident: &str,
    yes: bool,
    refuse: Option<&str>,
    read_only: bool,
) -> ExitCode {
    if read_only {
        eprintln!(
            "baton: a read-only console cannot approve: run `baton approve` without --read-only"
        );
        return ExitCode::from(1);
    }
    let me = crate::app::operator_from_env();
    let entries = match journal_of(cfg, incident) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("baton: {}", crate::text::escape_controls(&e));
            return ExitCode::from(1);
        }
    };
    let Some(req) = approval::open_request(&entries) else {
        eprintln!("baton: {incident} has no step waiting for approval");
        return ExitCode::from(1);
    };
    print_request(incident, &req);
    if let Some(why) = approval::refusal(&req, &me) {
        eprintln!("baton: not recorded: {why}");
        return ExitCode::from(1);
    }
    let (ok, reason) = match (yes, refuse) {
        (_, Some(r)) if r.trim().len() < 3 => {
            eprintln!("baton: a refusal needs a reason");
            return ExitCode::from(2);
        }
        (_, Some(r)) => (false, r.trim().to_string()),
        (true, None) => (true, String::new()),
        (false, None) => {
            let Some(answer) = ask() else {
                eprintln!("baton: nothing recorded");
                return ExitCode::from(1);
            };
            answer
        }
    };
    let d = Decision {
        request: req.request,
        command: req.command.clone(),
        by: me.clone(),
        approve: ok,
        reason,
        at: Utc::now(),
    };
    match store(cfg, incident, &d) {
        Ok(()) => {
            println!(
                "{} by {}: {}'s console journals it; {}",
                if ok { "approved" } else { "refused" },
                me.label(),
                req.by.label(),
                if ok {
                    "the operator runs the step"
                } else {
                    "the step does not run"
                }
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("baton: not recorded: {}", crate::text::escape_controls(&e));
            ExitCode::from(1)
        }
    }
}

fn print_request(incident: &str, req: &Request) {
    let esc = |s: &str| crate::text::escape_controls(s).into_owned();
    println!("incident:  {incident}");
    println!("step:      {}", esc(req.step.as_deref().unwrap_or("?")));
    println!(
        "asked by:  {} at {} UTC",
        req.by.label(),
        req.at.format("%H:%M:%S")
    );
    println!("request:   {}", req.request);
    println!("command:   {}", esc(&req.command));
}

/// "approve" approves; any other text of 3 characters or more refuses
/// with it as the reason; an empty line or end of input records nothing.
fn ask() -> Option<(bool, String)> {
    print!("type `approve` to approve, or a reason to refuse: ");
    let _ = std::io::stdout().flush();
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).ok()?;
    let t = line.trim();
    match t {
        "approve" => Some((true, String::new())),
        _ if t.len() >= 3 => Some((false, t.to_string())),
        _ => None,
    }
}
