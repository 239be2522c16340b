//! reference/variables.md: the variables of gate expressions (from
//! `vars::known()`) and of templates (from the sample context that
//! `baton check` renders every template against).

use std::fmt::Write as _;

use crate::config::Config;
use crate::wizard::{notify, templates, vars};

/// What an expression variable means; the names themselves come from the
/// code, so a new variable shows up here even before it is described.
fn describe_expr(name: &str) -> &'static str {
    let field = name.split_once('.').map_or(name, |(_, f)| f);
    match name {
        "pair.id" => "the pair's id",
        "pair.state" => {
            "the pair's state as shown in the Pairs pane (`OK`, `AT RISK`, `CRITICAL`, …)"
        }
        "lag" => "the pair's replication lag, in seconds",
        "checks.failing" => "how many service checks are FAILING",
        "checks.passing" => "how many service checks are PASSING",
        "checks.total" => "how many service checks the config has",
        "check.NAME.ok" => {
            "whether the service check NAME passes (after `failure_threshold` failed polls it fails, after `success_threshold` good ones it passes again); no value while it has no verdict or its data is STALE"
        }
        "check.NAME.latency" => {
            "the last poll's response time of check NAME, in seconds (`< 500ms` reads naturally)"
        }
        "check.NAME.failures" => "its failed polls in a row",
        "check.NAME.successes" => "its good polls in a row",
        "elapsed" => "seconds since the incident started",
        "thresholds.critical_below" => "`[thresholds] critical_below`",
        "thresholds.standby_min" => "`[thresholds] standby_min`",
        "thresholds.lag_warn" => "`[thresholds] lag_warn`, in seconds",
        "thresholds.lag_abort" => "`[thresholds] lag_abort`, in seconds",
        "thresholds.lag_bytes_warn" => "`[thresholds] lag_bytes_warn`, in bytes",
        "thresholds.lag_bytes_abort" => "`[thresholds] lag_bytes_abort`, in bytes",
        "lag_bytes" => {
            "the pair's replication lag in bytes, where a source measures it (PostgreSQL WAL not replayed, Redis offsets): what a promotion gate should trust"
        }
        _ if name.starts_with("primary.") || name.starts_with("standby.") => match field {
            "id" => "the instance's id",
            "status" => {
                "its reported status (`ACTIVE`, `STANDBY`, …), `DOWN` once it counts as down"
            }
            "health_score" => "its health score, 0–100",
            "region" => "its region",
            "provider" => "its provider",
            "down" => "whether it counts as down (`failure_threshold` failed checks)",
            "fail_streak" => "its consecutive failed checks",
            "role" => {
                "the role its own source reports: `PRIMARY`, `STANDBY`, `FENCED`… (master/leader read as PRIMARY, replica as STANDBY); no value when no source says"
            }
            "writable" => {
                "whether it says it takes writes (a database asked `pg_is_in_recovery()` and `default_transaction_read_only`, a Redis master); no value when no source says"
            }
            _ => "",
        },
        _ if name.starts_with("area.") => match field {
            "region" => "the region of a region incident (empty for a provider incident)",
            "provider" => "the provider of a provider incident (empty for a region incident)",
            "pairs" => "affected pairs: those whose primary is in the area",
            "failing" => "affected pairs whose primary is down or below `critical_below`",
            "eligible" => "affected pairs the safety rules let fail over now",
            "escalate" => {
                "affected pairs to escalate: no standby, or a standby on the primary's provider or in the area"
            }
            "ineligible" => "affected pairs another safety rule blocks now",
            "standby_down" => "affected pairs with no standby or a standby down",
            "unreachable" => "instances down in the area",
            "max_lag" => "the worst lag of the affected pairs, in seconds",
            "outage" => "whether a provider outage is declared on the area (seed 000)",
            _ => "",
        },
        _ => "",
    }
}

/// What a template variable means, by its name as `baton check` lists it.
fn describe_template(name: &str) -> &'static str {
    match name {
        "pair.id" => "the pair's id (empty in an area incident)",
        "primary.id" | "standby.id" => "the instance's id",
        "primary.status" | "standby.status" => "its reported status",
        "primary.region" | "standby.region" => "its region",
        "primary.provider" | "standby.provider" => "its provider",
        "primary.health_score" | "standby.health_score" => "its health score (0 when unknown)",
        "lag" => "the pair's replication lag in seconds (0 when unknown)",
        "lag_bytes" => "the pair's replication lag in bytes (0 when unknown)",
        "primary.role" | "standby.role" => "the role its own source reports (empty when none says)",
        "primary.vars" | "standby.vars" => {
            "`primary.vars.NAME`: the instance's `vars` in `[[pair]]` (a connection string, an address), following the instance through a role swap"
        }
        "pair.vars" => "`pair.vars.NAME`: the pair's `vars` in `[[pair]]`",
        "instances" | "instances.*" => {
            "`instances[ID].vars.NAME`: any configured instance's `vars` by id, whatever its role now (`instances[failover.new_primary].vars.api`)"
        }
        "lag_at_cutover" => {
            "the lag journaled with the cutover's intent (`1.2s`), or `not measured`"
        }
        "operator" => "who drives the incident (`user@host`)",
        "fleet.url" => "the URL of the first `fleet` source",
        "fleet.base" => {
            "the first `fleet` source's URL without its last segment: where a control plane keeps its other endpoints"
        }
        "source.*" => "`source.NAME.url`: the URL of each source",
        "check.NAME.*" => {
            "`check.NAME.ok`, `.state` (PASSING, FAILING, waiting, STALE), `.latency_ms`, `.failures`, `.error`, `.detail`, `.target` of each service check"
        }
        "checks.total" => "how many service checks the config has",
        "checks.failing" => "how many of them are FAILING",
        "checks.failing_names" => "their names, a list: `{{ checks.failing_names | join(', ') }}`",
        "now" => "the time of rendering (`2027-01-15 12:04:31 UTC`)",
        "regions" => "the regions of the pair's instances, a list",
        "providers" => "the providers of the pair's instances, a list",
        "incident.id" => "the incident id (`INC-…`; `FUP-…` for a runbook with `lock = false`)",
        "incident.started_at" => "when the incident started (`2027-01-15 12:04:31 UTC`)",
        "incident.window" => {
            "the id of the maintenance window it runs in (`WIN-…`), empty outside one"
        }
        "incident.window_opens" => {
            "when that window opens (`2027-01-17 02:00:00 UTC`), empty outside one"
        }
        "incident.elapsed" => "seconds since the incident started",
        "incident.duration" => "time since the incident started, in words",
        "incident.duration_ms" => "time since the incident started, in milliseconds",
        "incident.severity" => {
            "`Critical` or `Warning`: from the pair; an area incident is Critical once one of its primaries fails"
        }
        "incident.runbook" => "the runbook's id",
        "incident.runbook_title" => "the runbook's title",
        "incident.scenario" => "the runbook's `scenario`",
        "incident.phase" => "the current phase's id",
        "incident.phase_title" => "the current phase's title (else its id)",
        "incident.drill" => "whether this is a drill",
        "incident.rto" => "the runbook's `rto`",
        "incident.rpo" => "the runbook's `rpo`",
        "incident.reason" => "the first answer recorded by an `input` step",
        "incident.next_update" => "30 minutes from now",
        "failover.failed_instance" => "the primary when the incident started",
        "failover.new_primary" => "the standby when the incident started",
        "failover.duration_ms" => {
            "from the start to the end of the promotion's phase, in milliseconds"
        }
        "escalation.level" => {
            "the escalation level (matrix below), read from the estate; a step's `vars.level` overrides it"
        }
        "escalation.trigger" => "that level's trigger",
        "escalation.who" => "who that level calls",
        "escalation.response" => "that level's response time",
        "area.label" => "the area in words (`eu-west-1 (aws)`, `provider aws`)",
        "bulk.planned" => "how many pairs the bulk step planned (a count)",
        "bulk.ok" => "how many pairs were failed over (a count)",
        "bulk.failed" => "pairs whose action failed, a list of `pair (reason)`",
        "bulk.escalated" => "pairs to escalate, a list of `pair (reason)`",
        "bulk.ineligible" => "pairs not eligible, a list of `pair (reason)`",
        "steps.*" => "`steps.ID`: each step's outcome, or `pending`",
        "inputs.*" => "`inputs.ID`: each `input` step's answer",
        "vars.*" => "the step's `vars`",
        _ if name.starts_with("area.") => {
            "as the expression variable of that name (an area incident)"
        }
        _ => "",
    }
}

pub fn page() -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{}\n", super::BANNER);
    s.push_str("# Expression and template variables\n\n");
    s.push_str("## Expressions\n\n");
    s.push_str("Gates (`expr`), waits (`expr`), an action's `settle` and a probe's `expect` are expressions over live data: `!standby.down && standby.health_score >= thresholds.standby_min && lag < 60s`.\n\n");
    s.push_str("- Operators: `==`, `!=`, `<`, `>`, `<=`, `>=`, `&&`, `||`, `!`, parentheses.\n");
    s.push_str("- Values: numbers, strings in double or single quotes, `true`, `false`; durations (`500ms`, `10s`, `5m`) are numbers of seconds.\n");
    s.push_str("- Strings and booleans compare only with `==` and `!=`.\n");
    s.push_str("- A variable with no value (no data yet, no standby, data STALE, or no data since a wait began) makes a comparison undecidable, and a gate on it does not hold; the gate says why. `a || b` holds when either side holds, even if the other is undecidable.\n");
    s.push_str("- `baton check` rejects an unknown variable with its file, line and key.\n\n");
    s.push_str("| variable | value |\n|---|---|\n");
    for v in vars::known() {
        let _ = writeln!(s, "| `{v}` | {} |", super::cell(describe_expr(&v)));
    }
    for f in crate::wizard::service_checks::FIELDS {
        let v = format!("check.NAME.{f}");
        let _ = writeln!(s, "| `{v}` | {} |", super::cell(describe_expr(&v)));
    }
    s.push_str("\nThe `area.` variables have values only in a region or provider incident.\n\n");
    s.push_str("## Templates\n\n");
    s.push_str("Notification messages, action commands and URLs, headers and bodies, probe URLs (with `{{ item }}`), silence matchers and comments, and `expect` are [minijinja](https://docs.rs/minijinja) templates, strict: an unknown variable is an error, reported by `baton check` with its file and line. JSON templates use `| tojson`. Every render is bounded (");
    let _ = write!(
        s,
        "{} units of minijinja fuel, {} KiB of output): a template that does more is an error, not a hang.\n\n",
        templates::FUEL,
        templates::MAX_OUTPUT / 1024
    );
    s.push_str("| variable | value |\n|---|---|\n");
    let names = templates::known_roots(&notify::sample_context(&Config::default()));
    for v in names.into_iter().chain(["check.NAME.*".to_string()]) {
        let _ = writeln!(s, "| `{v}` | {} |", super::cell(describe_template(&v)));
    }
    s.push_str("\n### Escalation matrix (seed 003)\n\n");
    s.push_str("`escalation.level` is read from the estate unless the step sets `vars.level`.\n\n");
    s.push_str("| level | trigger | who | response |\n|---|---|---|---|\n");
    for (level, trigger, who, response) in notify::ESCALATION {
        let _ = writeln!(s, "| {level} | {trigger} | {who} | {response} |");
    }
    s
}
