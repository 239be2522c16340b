//! reference/step-kinds.md. There is no table of step kinds in the wizard
//! to read from yet, so it lives here; `tests/docs.rs` loads each example
//! through the real runbook checks, so this table cannot claim a key the
//! loader refuses.

use std::fmt::Write as _;

pub struct StepKindDoc {
    pub kind: &'static str,
    pub summary: &'static str,
    /// What the step must have, in words (`runbook::check` enforces it).
    pub requires: &'static str,
    /// Keys of this kind besides the common ones.
    pub keys: &'static [(&'static str, &'static str)],
    /// The step's lines after `kind`, loadable in a runbook of `applies_to`.
    pub example: &'static str,
    pub applies_to: &'static str,
}

/// Keys every step has.
pub const COMMON: &[(&str, &str)] = &[
    (
        "id",
        "unique within the runbook; the journal and `steps.ID` name it",
    ),
    ("kind", "one of the kinds below"),
    ("title", "shown in the step list"),
    ("help", "longer guidance shown under the title"),
    (
        "deadline",
        "time allowed from the moment the step becomes current (for `notify`: from the start of the phase, or the end of `after`)",
    ),
    (
        "pair",
        "a configured `[[pair]]` the step acts on instead of the incident's (a region runbook that promotes one database, then fails over one cache): its gates, waits, templates and safety rules see that pair, its entries are journaled under it (cooldown and `max_per_day` count them), the incident holds that pair's lock from its start, and a destructive step asks for that pair's id",
    ),
    (
        "skip_when",
        "an [expression](variables.md#expressions): while it holds and the step's action has not started (or failed), `enter` marks the step done as skipped and journals the values (a fence of a primary that is already down); a running or unknown action is never skipped",
    ),
];

pub const STEP_KINDS: &[StepKindDoc] = &[
    StepKindDoc {
        kind: "check",
        summary: "A manual item: `enter` when done.",
        requires: "nothing",
        keys: &[],
        example: "",
        applies_to: "pair",
    },
    StepKindDoc {
        kind: "gate",
        summary: "An expression that must hold to go on. `enter` passes it only when it holds; `o` overrides it with a typed reason (journaled, in the report).",
        requires: "`expr`",
        keys: &[("expr", "the [expression](variables.md#expressions)")],
        example: "expr = \"!standby.down && standby.health_score >= thresholds.standby_min\"\n",
        applies_to: "pair",
    },
    StepKindDoc {
        kind: "action",
        summary: "A program or HTTP request, shown rendered before it runs. Its intent is journaled and flushed before it runs; a timeout makes it OUTCOME UNKNOWN, never re-run.",
        requires: "either `command` or `http`",
        keys: &[
            (
                "command",
                "`[\"program\", \"arg\", …]`, each item a template, never a shell",
            ),
            (
                "http",
                "`{ method, url, body, headers }` (method defaults to `POST`; a JSON body is sent as `application/json`)",
            ),
            (
                "dry_run",
                "a command run instead in drill mode; without it a drill only shows the action",
            ),
            ("timeout", "then OUTCOME UNKNOWN (default 30s)"),
            ("destructive", "the operator types the pair id to confirm"),
            (
                "approve",
                "waits for a second, different operator to approve the exact rendered command (`baton approve`); every destructive step does with `[coordination] approval = \"destructive\"`",
            ),
            (
                "promote",
                "promotes the standby: judged by the safety rules first; implies `cutover`",
            ),
            (
                "cutover",
                "its success is the recovery point (RTO), its intent's lag the data-loss window (RPO)",
            ),
            (
                "settle",
                "an expression that shows the action took effect, watched when its outcome is unknown",
            ),
        ],
        example: "command = [\"echo\", \"promote {{ standby.id }}\"]\ndry_run = [\"echo\", \"would promote {{ standby.id }}\"]\ndestructive = true\npromote = true\ntimeout = \"30s\"\nsettle = \"primary.id == \\\"{{ standby.id }}\\\"\"\n",
        applies_to: "pair",
    },
    StepKindDoc {
        kind: "wait",
        summary: "A countdown, an expression that must come to hold on data received after the wait began, or a probe repeated until its `expect` holds for every item.",
        requires: "`duration`, `expr` or `probe`",
        keys: &[
            ("duration", "a countdown"),
            ("expr", "wait until it holds"),
            ("timeout", "give up after this (with `expr` or `probe`)"),
            (
                "probe",
                "`{ url, each, every }`: a GET to `url` for each item of `each` (`{{ item }}`; an item may be a template, split on spaces), every `every` (default 5s, never under 500ms). A `dns://SERVER:PORT/NAME?type=A` URL asks that DNS server instead (no cache): the answer has `answers`, `answer` (the first), `rcode`, `ttl`, and `status` 200 (an answer), 404 (NXDOMAIN or none of the type) or 502",
            ),
            (
                "expect",
                "with `probe`: an expression over each JSON answer's fields (`a.b[0]`) and `status`; a template goes inside quotes (`answer == \"{{ area.region }}\"`)",
            ),
        ],
        example: "probe = { url = \"{{ fleet.base }}/dns/{{ pair.id }}?resolver={{ item }}\", each = [\"1.1.1.1\", \"8.8.8.8\"], every = \"2s\" }\nexpect = \"status == 200\"\ntimeout = \"90s\"\n",
        applies_to: "pair",
    },
    StepKindDoc {
        kind: "input",
        summary: "A question; the typed answer is journaled (`inputs.ID` in templates).",
        requires: "`prompt`",
        keys: &[("prompt", "the question")],
        example: "prompt = \"Why is this pair failed over?\"\n",
        applies_to: "pair",
    },
    StepKindDoc {
        kind: "notify",
        summary: "A message rendered from a template, edited in place and sent to a channel, its deadline counting down.",
        requires: "either `template` or `text`",
        keys: &[
            ("template", "a template name (a file stem in `templates/`)"),
            ("text", "the template written inline instead"),
            (
                "channel",
                "a `[notify.NAME]` channel or `clipboard`; default: the first configured channel, else the clipboard",
            ),
            ("after", "an earlier step: the deadline counts from its end"),
            (
                "vars",
                "extra template variables (`vars = { level = \"L3\" }`)",
            ),
            ("resolve", "PagerDuty: resolve instead of trigger"),
        ],
        example: "template = \"initial-alert\"\nchannel = \"clipboard\"\ndeadline = \"60s\"\nvars = { level = \"L2\" }\n",
        applies_to: "pair",
    },
    StepKindDoc {
        kind: "bulk",
        summary: "The step's action for every eligible pair of the area, planned, then run in batches under `limits.max_concurrent` in flight. Only in a `region` or `provider` runbook.",
        requires: "either `command` or `http`, run for each pair",
        keys: &[
            ("command", "as for `action`, rendered per pair"),
            ("http", "as for `action`, rendered per pair"),
            ("dry_run", "as for `action`"),
            ("timeout", "as for `action`"),
            (
                "batch_size",
                "pairs per batch (default `limits.batch_size`)",
            ),
            (
                "progress_every",
                "a progress line every this many completions (default 10)",
            ),
            (
                "channel",
                "where progress goes (default: the first configured channel)",
            ),
        ],
        example: "http = { method = \"POST\", url = \"{{ fleet.url }}/{{ pair.id }}/failover\" }\nbatch_size = 20\nprogress_every = 10\n",
        applies_to: "region",
    },
    StepKindDoc {
        kind: "silence",
        summary: "A scoped Alertmanager silence that ends by itself; the journal and report keep its id and end.",
        requires: "`matchers` and `duration`",
        keys: &[
            (
                "matchers",
                "exact label matchers, each a template (`{ instance = \"{{ failover.failed_instance }}\" }`)",
            ),
            ("duration", "how long it lasts"),
            ("comment", "why, a template (default names the incident)"),
            (
                "source",
                "an `alertmanager` source (default: the first one)",
            ),
        ],
        example: "matchers = { instance = \"{{ failover.failed_instance }}\" }\nduration = \"4h\"\n",
        applies_to: "pair",
    },
];

pub fn page() -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{}\n", super::BANNER);
    s.push_str("# Step kinds\n\n");
    s.push_str("Each `[[phase.step]]` of a [runbook](runbooks.md) has a `kind`. `baton check` reports an unknown kind, a missing key and an unknown key with the file, line and key. How each kind looks and behaves in the console: [The failover wizard](../guide/wizard.md).\n\n");
    s.push_str("Keys every step has:\n\n| key | meaning |\n|---|---|\n");
    for (k, d) in COMMON {
        let _ = writeln!(s, "| `{k}` | {} |", super::cell(d));
    }
    s.push_str("\n| kind | what it does | needs |\n|---|---|---|\n");
    for k in STEP_KINDS {
        let _ = writeln!(
            s,
            "| [`{0}`](#{0}) | {1} | {2} |",
            k.kind,
            super::cell(k.summary),
            super::cell(k.requires)
        );
    }
    for k in STEP_KINDS {
        let _ = writeln!(
            s,
            "\n## {}\n\n{}\n\nNeeds {}.",
            k.kind, k.summary, k.requires
        );
        if !k.keys.is_empty() {
            s.push_str("\n| key | meaning |\n|---|---|\n");
            for (key, d) in k.keys {
                let _ = writeln!(s, "| `{key}` | {} |", super::cell(d));
            }
        }
        let _ = write!(
            s,
            "\n```toml\n[[phase.step]]\nid = \"{0}-example\"\nkind = \"{0}\"\ntitle = \"An example {0} step\"\n{1}```\n",
            k.kind, k.example
        );
    }
    s
}
