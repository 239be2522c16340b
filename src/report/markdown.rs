//! The report as Markdown: the summary with RTO and RPO verdicts (none on
//! a damaged journal), the timeline, each step in detail, overrides,
//! notifications, bulk failovers, silences and inputs.

use std::fmt::Write as _;

use chrono::{DateTime, Utc};

use super::Report;

fn dur(secs: f64) -> String {
    let s = secs.max(0.0).round() as u64;
    if s >= 60 {
        format!("{}m {:02}s", s / 60, s % 60)
    } else {
        format!("{s}s")
    }
}

/// A recovery: under 10 s in milliseconds, so a quick one does not read "0s".
pub fn recovery(secs: f64) -> String {
    if secs < 10.0 {
        format!("{:.3}s", secs.max(0.0))
    } else {
        dur(secs)
    }
}

/// A duration against its target; `judged` is false on a damaged journal,
/// where no target is said to be met or missed.
fn against(actual: f64, target: Option<f64>, judged: bool) -> String {
    against_shown(actual, target, judged, dur)
}

/// As `against`, the actual duration shown by `show`.
fn against_shown(
    actual: f64,
    target: Option<f64>,
    judged: bool,
    show: fn(f64) -> String,
) -> String {
    match target {
        Some(t) if !judged => format!(
            "{} (target {}; not judged: the journal is damaged)",
            show(actual),
            dur(t)
        ),
        Some(t) if actual <= t => format!("{} (target {}, met)", show(actual), dur(t)),
        Some(t) => format!(
            "{} (target {}, **missed by {}**)",
            show(actual),
            dur(t),
            dur(actual - t)
        ),
        None => show(actual),
    }
}

/// The Markdown an engineer pastes into the post-mortem.
pub fn markdown(r: &Report) -> String {
    let mut m = String::new();
    let title = r.runbook_title.clone().unwrap_or_else(|| r.runbook.clone());
    let _ = writeln!(
        m,
        "# Incident {} — {}{}\n",
        r.incident,
        title,
        if r.drill { " (DRILL)" } else { "" }
    );
    let judged = r.damage.is_empty();
    if !judged {
        let _ = writeln!(
            m,
            "> **The journal is damaged**: {}. The report covers what could be read; no target is judged.\n",
            r.damage.join("; ")
        );
    }
    let _ = writeln!(m, "| | |\n|---|---|");
    let _ = writeln!(m, "| Runbook | `{}` |", r.runbook);
    match (&r.pair, &r.area) {
        (Some(p), _) => {
            let _ = writeln!(m, "| Pair | {p} |");
        }
        (None, Some(a)) => {
            let _ = writeln!(m, "| Area | {a} |");
        }
        (None, None) => {
            let _ = writeln!(m, "| Pair | — |");
        }
    }
    let _ = writeln!(m, "| Operators | {} |", r.operators.join(", "));
    let fmt_t = |t: Option<DateTime<Utc>>| {
        t.map_or("—".into(), |t| t.format("%Y-%m-%d %H:%M:%SZ").to_string())
    };
    let _ = writeln!(m, "| Started | {} |", fmt_t(r.started));
    let _ = writeln!(m, "| Ended | {} |", fmt_t(r.ended));
    let _ = writeln!(m, "| Outcome | {} |", r.outcome);
    let _ = writeln!(
        m,
        "| Mode | {} |",
        if r.drill {
            "drill (dry-run actions)"
        } else {
            "real"
        }
    );
    match &r.recovery {
        Some((secs, what)) => {
            let _ = writeln!(
                m,
                "| Recovery time | {} — {what} |",
                against_shown(*secs, r.rto, judged, recovery)
            );
        }
        None => {
            let _ = writeln!(m, "| Recovery time | not reached |");
        }
    }
    match r.lag_at_cutover {
        Some(l) => {
            let verdict = match (r.rpo, r.rpo_met()) {
                (None, _) => String::new(),
                (Some(rpo), Some(true)) => format!(" (RPO {}, met)", dur(rpo)),
                (Some(rpo), Some(false)) => format!(" (RPO {}, **missed**)", dur(rpo)),
                (Some(rpo), None) if !judged => {
                    format!(" (RPO {}; not judged: the journal is damaged)", dur(rpo))
                }
                (Some(rpo), None) => format!(
                    " (RPO {}; not judged: the cutover did not succeed)",
                    dur(rpo)
                ),
            };
            let _ = writeln!(
                m,
                "| Data-loss window | replication lag {l:.1}s{} when the cutover started{verdict} |",
                r.lag_bytes_at_cutover
                    .map(|b| format!(" ({} not replayed)", crate::text::bytes(b)))
                    .unwrap_or_default()
            );
        }
        None => {
            let _ = writeln!(m, "| Data-loss window | no lag recorded at cutover |");
        }
    }
    let _ = writeln!(m, "\n## Timeline\n");
    let _ = writeln!(
        m,
        "| Start | Phase | Step | Duration | Outcome |\n|---|---|---|---|---|"
    );
    for s in &r.steps {
        let d = s.seconds.map_or("not finished".into(), |secs| {
            against(secs, s.target, judged)
        });
        let _ = writeln!(
            m,
            "| {} | {} | {} | {} | {} |",
            s.started.format("%H:%M:%SZ"),
            s.phase,
            s.title,
            d,
            s.outcome
        );
    }
    let _ = writeln!(m, "\n| Phase | Duration |\n|---|---|");
    for (id, secs, target) in &r.phases {
        let _ = writeln!(m, "| {id} | {} |", against(*secs, *target, judged));
    }
    let _ = writeln!(m, "\n## Steps in detail\n");
    for s in &r.steps {
        let _ = writeln!(
            m,
            "- **{}** (`{}/{}`): {}",
            s.title, s.phase, s.step, s.outcome
        );
        for d in &s.details {
            let _ = writeln!(m, "  - {d}");
        }
    }
    let _ = writeln!(m, "\n## Gate overrides\n");
    if r.overrides.is_empty() {
        let _ = writeln!(m, "None.");
    }
    for o in &r.overrides {
        let _ = writeln!(m, "- {o}");
    }
    notifications(&mut m, r);
    if !r.bulk.is_empty() {
        let _ = writeln!(m, "\n## Bulk failovers\n");
        for b in &r.bulk {
            let _ = writeln!(
                m,
                "- `{}`: {} of {} failed over; {} failed or skipped; {} escalated; {} not eligible",
                b.step,
                b.ok,
                b.planned,
                b.failed.len(),
                b.escalated.len(),
                b.ineligible.len()
            );
            for (p, why) in &b.failed {
                let _ = writeln!(m, "  - follow up {p}: {why}");
            }
            for (p, why) in &b.escalated {
                let _ = writeln!(m, "  - escalated {p}: {why}");
            }
        }
    }
    if !r.silences.is_empty() {
        let _ = writeln!(m, "\n## Silences\n");
        for (id, source, matchers, until) in &r.silences {
            let _ = writeln!(
                m,
                "- `{id}` in {source} for {matchers}, ends by itself at {}",
                until.format("%Y-%m-%d %H:%M:%SZ")
            );
        }
    }
    let _ = writeln!(m, "\n## Recorded inputs\n");
    if r.inputs.is_empty() {
        let _ = writeln!(m, "None.");
    }
    for (q, a) in &r.inputs {
        let _ = writeln!(m, "- {q}: {a}");
    }
    m
}

/// Each send with its deadline, then the exact texts.
fn notifications(m: &mut String, r: &Report) {
    let _ = writeln!(m, "\n## Notifications\n");
    if r.notifications.is_empty() {
        let _ = writeln!(m, "None sent.");
        return;
    }
    let _ = writeln!(
        m,
        "| Step | Channel | Sent | Deadline | Result |\n|---|---|---|---|---|"
    );
    for n in &r.notifications {
        let deadline = match (n.due, n.ok) {
            (_, false) => "not sent".to_string(),
            (Some(d), _) if n.late => format!(
                "**LATE** by {}s (due {})",
                (n.at - d).num_seconds(),
                d.format("%H:%M:%SZ")
            ),
            (Some(d), _) => format!("met (due {})", d.format("%H:%M:%SZ")),
            (None, _) => "none".to_string(),
        };
        let _ = writeln!(
            m,
            "| {} | {} ({}) | {} | {deadline} | {} |",
            n.step,
            n.channel,
            n.target,
            n.at.format("%H:%M:%SZ"),
            n.response.replace('|', "\\|").replace('\n', " ")
        );
    }
    for n in r.notifications.iter().filter(|n| n.ok) {
        let _ = writeln!(
            m,
            "\nSent to {} at {}:\n\n```\n{}\n```",
            n.channel,
            n.at.format("%H:%M:%SZ"),
            n.text.trim_end()
        );
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_quick_recovery_is_shown_in_milliseconds_not_as_0s() {
        assert_eq!(super::recovery(0.42), "0.420s");
        assert_eq!(super::recovery(9.9994), "9.999s");
        assert_eq!(super::recovery(75.0), "1m 15s");
        assert_eq!(
            super::against_shown(0.42, Some(300.0), true, super::recovery),
            "0.420s (target 5m 00s, met)"
        );
    }
}
