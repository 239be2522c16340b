//! `baton plan` as text for the terminal and as Markdown for a change
//! ticket (JSON is the plan's own serialisation).

use std::fmt::Write as _;

use chrono::{DateTime, Utc};

use crate::state::Model;
use crate::wizard::plan::{Plan, Verdict};

/// When the data was read.
fn stamp(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

fn sources(model: &Model) -> Vec<String> {
    model
        .sources
        .iter()
        .map(|s| {
            let health = s.health(model.now).label();
            match &s.last_error {
                Some(e) if s.failures > 0 => {
                    format!("{} ({}): {health}: {e}", s.name, s.kind.name())
                }
                _ => format!("{} ({}): {health}", s.name, s.kind.name()),
            }
        })
        .collect()
}

fn summary(p: &Plan) -> String {
    if let Some(why) = &p.refused {
        return format!("would not start: {why}");
    }
    let blocks: Vec<&str> = p
        .phases
        .iter()
        .flat_map(|ph| &ph.steps)
        .filter(|s| s.verdict == Verdict::Blocks)
        .map(|s| s.id.as_str())
        .collect();
    if blocks.is_empty() {
        "no gate blocks now".into()
    } else {
        format!("blocked now at: {}", blocks.join(", "))
    }
}

pub fn text(p: &Plan, model: &Model) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Plan: {} ({}) on {}", p.title, p.runbook, p.target);
    let _ = writeln!(
        out,
        "Read at {}{}",
        stamp(p.at),
        if p.drill { ", drill" } else { "" }
    );
    for (label, v) in [("RTO", &p.rto), ("RPO", &p.rpo)] {
        if let Some(v) = v {
            let _ = writeln!(out, "{label} {v}");
        }
    }
    for s in sources(model) {
        let _ = writeln!(out, "source {s}");
    }
    let _ = writeln!(out, "=> {}", summary(p));
    for (i, ph) in p.phases.iter().enumerate() {
        let _ = write!(out, "\nPhase {}: {}", i + 1, ph.title);
        if let Some(t) = &ph.target {
            let _ = write!(out, " (target {t})");
        }
        if let Some(d) = &ph.due {
            let _ = write!(out, " (not before {d})");
        }
        out.push('\n');
        for (j, s) in ph.steps.iter().enumerate() {
            let _ = writeln!(
                out,
                "  {}.{} [{}] {} {}: {}",
                i + 1,
                j + 1,
                s.verdict.label(),
                s.kind,
                s.id,
                s.title
            );
            for l in &s.lines {
                let mut rows = l.text.lines();
                let first = rows.next().unwrap_or_default();
                let _ = writeln!(out, "      {:<10} {first}", format!("{}:", l.label));
                for r in rows {
                    let _ = writeln!(out, "      {:<10} {r}", "");
                }
            }
        }
    }
    out
}

pub fn markdown(p: &Plan, model: &Model) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Plan: {} on {}\n", p.title, p.target);
    let _ = writeln!(out, "- runbook: `{}`", p.runbook);
    let _ = writeln!(
        out,
        "- read at: {}{}",
        stamp(p.at),
        if p.drill { " (drill)" } else { "" }
    );
    for (label, v) in [("RTO", &p.rto), ("RPO", &p.rpo)] {
        if let Some(v) = v {
            let _ = writeln!(out, "- {label}: {v}");
        }
    }
    for s in sources(model) {
        let _ = writeln!(out, "- source {s}");
    }
    let _ = writeln!(out, "\n**{}**", summary(p));
    for (i, ph) in p.phases.iter().enumerate() {
        let _ = writeln!(out, "\n## {}. {}\n", i + 1, ph.title);
        for (label, v) in [("target", &ph.target), ("not before", &ph.due)] {
            if let Some(v) = v {
                let _ = writeln!(out, "_{label}: {v}_\n");
            }
        }
        for (j, s) in ph.steps.iter().enumerate() {
            let _ = writeln!(
                out,
                "### {}.{} {} — {} `{}` ({})\n",
                i + 1,
                j + 1,
                s.title,
                s.verdict.label(),
                s.id,
                s.kind
            );
            for l in &s.lines {
                if l.text.contains('\n') || l.label == "message" || l.label == "runs" {
                    let _ = writeln!(out, "{}:\n\n```\n{}\n```\n", l.label, l.text.trim_end());
                } else {
                    let _ = writeln!(out, "- {}: {}", l.label, l.text);
                }
            }
            out.push('\n');
        }
    }
    out
}
