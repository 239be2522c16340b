//! The command line as users meet it: no config, init, check.

mod common;

use std::process::Command;

use common::temp;

fn baton(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_baton"))
        .args(args)
        .current_dir(dir)
        .env("HOME", dir)
        .env("XDG_CONFIG_HOME", dir.join("cfg"))
        .env("XDG_STATE_HOME", dir.join("state"))
        .env_remove("BATON_CONFIG")
        .env_remove("NO_COLOR")
        .output()
        .expect("run baton")
}

#[test]
fn without_config_baton_names_the_searched_paths_and_suggests_demo_and_init() {
    let d = temp("none");
    let out = baton(&d, &[]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("./baton.toml"), "{err}");
    assert!(
        err.contains(&format!("{}/cfg/baton/config.toml", d.display())),
        "{err}"
    );
    assert!(
        err.contains("baton demo") && err.contains("baton init"),
        "{err}"
    );
}

#[test]
fn init_writes_a_config_that_check_accepts_and_refuses_to_overwrite() {
    let d = temp("init");
    let out = baton(&d, &["init"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(d.join("baton.toml").exists());
    let again = baton(&d, &["init"]);
    assert!(!again.status.success());
    let check = baton(&d, &["check"]);
    let text = String::from_utf8_lossy(&check.stdout);
    assert!(check.status.success(), "{text}");
    assert!(text.contains("no problems found"), "{text}");
}

#[test]
fn check_reports_every_error_with_file_line_and_key_and_exits_1() {
    let d = temp("check");
    std::fs::write(
        d.join("baton.toml"),
        "[console]\ntitle = \"prod\"\ntheme = \"mine\"\nkeymap = \"mine\"\n\n[thresholds]\nstandby_min = 170\n",
    )
    .expect("write");
    std::fs::create_dir_all(d.join("themes")).expect("dir");
    std::fs::create_dir_all(d.join("keymaps")).expect("dir");
    std::fs::write(
        d.join("themes/mine.toml"),
        "[roles]\nokk = { fg = \"green\" }\n",
    )
    .expect("write");
    std::fs::write(
        d.join("keymaps/mine.toml"),
        "[dashboard]\n\"x\" = \"launch_missiles\"\n[prompt]\n\"q\" = \"cancel\"\n",
    )
    .expect("write");
    let out = baton(&d, &["check"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("baton.toml:7:1: key `thresholds.standby_min`"),
        "{text}"
    );
    assert!(
        text.contains("themes/mine.toml:2:1: key `roles.okk`: unknown colour role"),
        "{text}"
    );
    assert!(
        text.contains("keymaps/mine.toml:2:1: key `dashboard.x`: unknown action `launch_missiles`"),
        "{text}"
    );
    // A text field's layer: a plain letter bound there could not be typed.
    assert!(
        text.contains("keymaps/mine.toml:4:1: key `prompt.q`: key `q` is bound to `cancel` in [prompt], so it could no longer be typed"),
        "{text}"
    );
    assert!(text.contains("4 problems found"), "{text}");
}

#[test]
fn a_broken_config_stops_start_up_with_the_location() {
    let d = temp("broken");
    std::fs::write(d.join("baton.toml"), "[limits]\ncooldown = 5\n").expect("write");
    let out = baton(&d, &[]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("baton.toml:2:12: key `limits.cooldown`"),
        "{err}"
    );
}

#[test]
fn unknown_scenario_is_refused_with_the_list() {
    let d = temp("scenario");
    let out = baton(&d, &["demo", "--scenario", "meteor"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("provider-outage") && err.contains("flapping"),
        "{err}"
    );
}

#[test]
fn check_names_broken_templates_and_runbooks_that_refer_to_unknown_ones() {
    let d = temp("check-notify");
    std::fs::write(
        d.join("baton.toml"),
        "[notify.ops]\nkind = \"slack\"\nurl = \"env:OPS_SLACK\"\n\n[notify.pager]\nkind = \"pagerduty\"\n",
    )
    .expect("write");
    let out = baton(&d, &["check"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(
            "baton.toml:5:9: key `notify.pager`: a pagerduty channel needs `routing_key`"
        ),
        "{text}"
    );
    std::fs::write(
        d.join("baton.toml"),
        "[notify.ops]\nkind = \"slack\"\nurl = \"env:OPS_SLACK\"\n",
    )
    .expect("write");
    std::fs::create_dir_all(d.join("templates")).expect("dir");
    std::fs::create_dir_all(d.join("runbooks")).expect("dir");
    std::fs::write(
        d.join("templates/freeze.txt"),
        "[FREEZE] {{ pair.id }}\n{{ primary.regoin }}\n",
    )
    .expect("write");
    std::fs::write(
        d.join("runbooks/mine.toml"),
        "id = \"mine\"\ntitle = \"Mine\"\n[[phase]]\nid = \"p\"\n[[phase.step]]\nid = \"tell\"\nkind = \"notify\"\ntitle = \"Tell\"\ntemplate = \"freez\"\nchannel = \"ops\"\n",
    )
    .expect("write");
    let out = baton(&d, &["check"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains(
            "templates/freeze.txt:2:1: key `template freeze`: unknown variable `primary.regoin`"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "runbooks/mine.toml:9:1: key `phase[0].step[0].template`: unknown template `freez`"
        ),
        "{text}"
    );
}

#[test]
fn check_refuses_durations_that_overflow_or_mean_nothing_with_file_line_and_key() {
    let d = temp("check-durations");
    std::fs::write(
        d.join("baton.toml"),
        "[[source]]\nname = \"fleet\"\nkind = \"fleet\"\nurl = \"http://127.0.0.1:1/\"\ninterval = \"292277026597y\"\n",
    )
    .expect("write");
    let out = baton(&d, &["check"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "no crash (101): {text}");
    assert!(
        text.contains("baton.toml:5:12: key `source[0].interval`: duration \"292277026597y\""),
        "{text}"
    );

    std::fs::write(d.join("baton.toml"), "[console]\ntitle = \"t\"\n").expect("write");
    std::fs::create_dir_all(d.join("runbooks")).expect("dir");
    let head = |id: &str| format!("id = \"{id}\"\ntitle = \"T\"\n[[phase]]\nid = \"p\"\n");
    let step = "[[phase.step]]\nid = \"a\"\nkind = \"wait\"\ntitle = \"t\"\n";
    for (name, body) in [
        (
            "due",
            format!("due = \"99999999999h\"\n{step}duration = \"1m\"\n"),
        ),
        (
            "deadline",
            format!("{step}duration = \"1m\"\ndeadline = \"0s\"\n"),
        ),
        ("wait", format!("{step}duration = \"0s\"\n")),
        (
            "every",
            format!("{step}probe = {{ url = \"http://127.0.0.1:1/\", every = \"0s\" }}\n"),
        ),
        (
            "batch",
            format!("{step}duration = \"1m\"\nbatch_size = 0\n"),
        ),
    ] {
        std::fs::write(d.join(format!("runbooks/{name}.toml")), head(name) + &body).expect("write");
    }
    let out = baton(&d, &["check"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    for want in [
        "runbooks/due.toml:5:7: key `phase[0].due`: duration \"99999999999h\" is longer than the limit of 366 days",
        "runbooks/deadline.toml:10:12: key `phase[0].step[0].deadline`: must be longer than zero",
        "runbooks/wait.toml:9:12: key `phase[0].step[0].duration`: must be longer than zero",
        "runbooks/every.toml:9:",
        "key `phase[0].step[0].probe.every`: must be longer than zero",
        "runbooks/batch.toml:10:14: key `phase[0].step[0].batch_size`: must be at least 1",
    ] {
        assert!(text.contains(want), "missing {want}:\n{text}");
    }
}

#[test]
fn check_stops_runaway_expressions_and_templates_with_file_line_and_key() {
    let d = temp("check-runaway");
    std::fs::write(d.join("baton.toml"), "[console]\ntitle = \"t\"\n").expect("write");
    std::fs::create_dir_all(d.join("runbooks")).expect("dir");
    let parens = format!("{}lag < 1{}", "(".repeat(11_400), ")".repeat(11_400));
    std::fs::write(
        d.join("runbooks/deep.toml"),
        format!("id = \"deep\"\ntitle = \"T\"\n[[phase]]\nid = \"p\"\n[[phase.step]]\nid = \"g\"\nkind = \"gate\"\ntitle = \"t\"\nexpr = \"{parens}\"\n"),
    )
    .expect("write");
    std::fs::write(
        d.join("runbooks/loops.toml"),
        "id = \"loops\"\ntitle = \"T\"\n[[phase]]\nid = \"p\"\n[[phase.step]]\nid = \"a\"\nkind = \"action\"\ntitle = \"t\"\ncommand = [\"echo\", \"{% for a in range(100000) %}{% for b in range(100000) %}{{ a }}{% endfor %}{% endfor %}\"]\n",
    )
    .expect("write");
    let start = std::time::Instant::now();
    let out = baton(&d, &["check"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(1),
        "no stack overflow (134): {text}"
    );
    assert!(
        start.elapsed() < std::time::Duration::from_secs(30),
        "no hang"
    );
    assert!(
        text.contains("runbooks/deep.toml:9:1: key `phase[0].step[0].expr`: invalid expression: the expression nests deeper than 64 levels"),
        "{text}"
    );
    assert!(
        text.contains(
            "runbooks/loops.toml:9:1: key `phase[0].step[0].command`: template `{% for a"
        ) && text.contains("the template does too much work"),
        "{text}"
    );
}

#[test]
fn check_reads_only_bounded_regular_files() {
    let d = temp("check-files");
    std::fs::write(
        d.join("baton.toml"),
        "[console]\ntheme = \"/dev/zero\"\ntemplates = [\"/proc\"]\n",
    )
    .expect("write");
    std::fs::create_dir_all(d.join("runbooks")).expect("dir");
    std::fs::write(
        d.join("runbooks/huge.toml"),
        format!("id = \"huge\"\ntitle = \"T\"\n{}", "#\n".repeat(600_000)),
    )
    .expect("write");
    let start = std::time::Instant::now();
    let out = baton(&d, &["check"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        start.elapsed() < std::time::Duration::from_secs(30),
        "no hang"
    );
    for want in [
        "baton.toml:2:1: key `console.theme`: cannot read: /dev/zero is on a special filesystem",
        "/proc: cannot read templates: a special filesystem",
        "runbooks/huge.toml: cannot read: larger than the limit of 1 MiB",
    ] {
        assert!(text.contains(want), "missing {want}:\n{text}");
    }
}

/// A one-step runbook file with an optional follow-up.
fn runbook(id: &str, applies_to: &str, then: Option<&str>) -> String {
    let then = then
        .map(|t| format!("then = \"{t}\"\n"))
        .unwrap_or_default();
    format!(
        "id = \"{id}\"\ntitle = \"{id}\"\napplies_to = \"{applies_to}\"\n{then}[[phase]]\nid = \"p\"\n[[phase.step]]\nid = \"s\"\nkind = \"check\"\ntitle = \"S\"\n"
    )
}

#[test]
fn check_names_every_follow_up_that_cannot_run_and_runbook_ids_used_twice() {
    let d = temp("check-then");
    std::fs::write(d.join("baton.toml"), "[console]\ntitle = \"t\"\n").expect("write");
    let rb = d.join("runbooks");
    std::fs::create_dir_all(&rb).expect("dir");
    let files = [
        (
            "a-unknown.toml",
            runbook("unknown", "pair", Some("nowhere")),
        ),
        ("b-self.toml", runbook("self", "pair", Some("self"))),
        ("c-ping.toml", runbook("ping", "pair", Some("pong"))),
        ("d-pong.toml", runbook("pong", "pair", Some("ping"))),
        (
            "e-mixed.toml",
            runbook("mixed", "pair", Some("post-failover-followup")),
        ),
        ("f-twice.toml", runbook("twice", "pair", None)),
        ("g-twice.toml", runbook("twice", "pair", None)),
        // A user copy of a shipped runbook replaces it: not an error.
        ("h-copy.toml", runbook("pair-followup", "pair", None)),
    ];
    for (name, text) in &files {
        std::fs::write(rb.join(name), text).expect("write");
    }
    let out = baton(&d, &["check"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    for expected in [
        "runbooks/a-unknown.toml:4:1: key `then`: no runbook `nowhere` is loaded",
        "runbooks/b-self.toml:4:1: key `then`: runbook `self` names itself as its follow-up",
        "runbooks/c-ping.toml:4:1: key `then`: follow-ups form a cycle: ping → pong → ping",
        "runbooks/d-pong.toml:4:1: key `then`: follow-ups form a cycle: pong → ping → pong",
        "runbooks/e-mixed.toml:4:1: key `then`: `post-failover-followup` applies to a region or provider, but `mixed` runs on a pair",
        "runbooks/g-twice.toml:1:1: key `id`: runbook id `twice` is already used by",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
    assert!(text.contains("6 problems found"), "{text}");
    assert!(
        !text.contains("h-copy.toml:"),
        "a copy of a shipped runbook is fine: {text}"
    );
}

#[test]
fn check_names_an_unknown_theme_at_its_config_key() {
    let d = temp("check-theme");
    std::fs::write(
        d.join("baton.toml"),
        "[console]\ntitle = \"t\"\ntheme = \"nope\"\n",
    )
    .expect("write");
    let out = baton(&d, &["check"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("baton.toml:3:1: key `console.theme`: no theme named `nope`"),
        "{text}"
    );
    assert!(!text.contains("nope:0:0"), "{text}");
}

#[test]
fn check_reports_invalid_utf8_at_its_line_and_column() {
    let d = temp("check-utf8");
    std::fs::write(
        d.join("baton.toml"),
        b"[console]\ntitle = \"t\"\n\n[thresholds]\nlag_warn = \"10s\" # caf\xe9\n".as_slice(),
    )
    .expect("write");
    let out = baton(&d, &["check"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("baton.toml:5:23: invalid UTF-8 (byte 0xe9)"),
        "{text}"
    );
}

#[test]
fn check_names_a_duplicate_key_with_its_table() {
    let d = temp("check-dup");
    std::fs::write(
        d.join("baton.toml"),
        "[console]\ntitle = \"t\"\n\n[[source]]\nname = \"a\"\nkind = \"fleet\"\n\n[[source]]\nname = \"b\"\nkind = \"fleet\"\nname = \"c\"\n",
    )
    .expect("write");
    let out = baton(&d, &["check"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("baton.toml:11:1: key `source[1].name`: duplicate key `source[1].name`"),
        "{text}"
    );
}

#[test]
fn an_unknown_theme_at_start_up_names_the_config_key() {
    let d = temp("start-theme");
    std::fs::write(d.join("baton.toml"), "[console]\ntheme = \"nope\"\n").expect("write");
    // A colour terminal, so the configured theme is the one picked.
    let out = Command::new(env!("CARGO_BIN_EXE_baton"))
        .current_dir(&d)
        .env("HOME", &d)
        .env("XDG_STATE_HOME", d.join("state"))
        .env("TERM", "xterm-256color")
        .env_remove("NO_COLOR")
        .env_remove("BATON_CONFIG")
        .output()
        .expect("run baton");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("baton.toml:2:1: key `console.theme`: no theme named `nope`"),
        "{err}"
    );
}

#[test]
fn check_names_a_pair_whose_runbook_needs_vars_it_lacks_at_the_pair_line() {
    let dir = common::temp("check-vars");
    let runbooks = format!("{}/runbooks/systems/", env!("CARGO_MANIFEST_DIR"));
    let config = format!(
        "[console]\nrunbooks = [\"{runbooks}\"]\n\n[[pair]]\nid = \"db\"\nrunbook = \"postgres-promote\"\nprimary = {{ id = \"pg-a\", region = \"a\", vars = {{ dsn = \"host=127.0.0.11\" }} }}\nstandby = {{ id = \"pg-b\", region = \"b\" }}\n"
    );
    std::fs::write(dir.join("baton.toml"), config).expect("write");
    let out = baton(&dir, &["check"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "{text}");
    assert!(
        text.contains("baton.toml:8:")
            && text.contains(
                "runbook `postgres-promote` needs standby.vars.dsn: instance `pg-b` has none"
            ),
        "{text}"
    );
}

#[test]
fn shipped_runbooks_false_loads_only_the_estates_own() {
    let dir = temp("check-no-shipped");
    let runbooks = format!("{}/runbooks/systems/", env!("CARGO_MANIFEST_DIR"));
    let config = format!("[console]\nshipped_runbooks = false\nrunbooks = [\"{runbooks}\"]\n");
    std::fs::write(dir.join("baton.toml"), config).expect("write");
    let out = baton(&dir, &["check"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("runbook postgres-promote"), "{text}");
    assert!(!text.contains("<embedded>/runbooks"), "{text}");
}
