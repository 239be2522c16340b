//! Everything wrong with one runbook, each with its line and key: kinds,
//! required keys, duplicate ids, expressions and their variables, templates
//! and theirs.

use std::collections::HashSet;

use super::{AppliesTo, Runbook, Step, StepKind};
use crate::config::Config;
use crate::diag::{Diagnostic, Located, Seg};
use crate::wizard::templates::Templates;

fn k(s: &str) -> Seg {
    Seg::Key(s.to_string())
}

/// Everything wrong with one runbook, each with its line and key.
pub fn check(
    rb: &Runbook,
    config: &Config,
    templates: &Templates,
    loc: &Located<'_>,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let known_list = crate::wizard::vars::known_in(config);
    let known: HashSet<String> = known_list.iter().cloned().collect();
    let ctx = crate::wizard::notify::sample_context(config);
    if rb.phases.is_empty() {
        out.push(loc.at(&[k("phase")], "a runbook needs at least one [[phase]]"));
    }
    out.extend(window_phases(rb, loc));
    let mut ids = HashSet::new();
    for (pi, phase) in rb.phases.iter().enumerate() {
        for (si, s) in phase.steps.iter().enumerate() {
            let at = |key: &str| {
                vec![
                    k("phase"),
                    Seg::Index(pi),
                    k("step"),
                    Seg::Index(si),
                    k(key),
                ]
            };
            if !ids.insert(s.id.as_str()) {
                out.push(loc.at(
                    &at("id"),
                    format!("step id `{}` is used twice in runbook `{}`", s.id, rb.id),
                ));
            }
            let mut require = |cond: bool, what: &str| {
                if !cond {
                    out.push(loc.at(
                        &at("kind"),
                        format!("a `{:?}` step needs {what}", s.kind).to_lowercase(),
                    ));
                }
            };
            match s.kind {
                StepKind::Gate => require(s.expr.is_some(), "`expr`"),
                StepKind::Action => require(
                    s.command.is_some() != s.http.is_some(),
                    "either `command` or `http`",
                ),
                StepKind::Wait => require(
                    s.duration.is_some() || s.expr.is_some() || s.probe.is_some(),
                    "`duration`, `expr` or `probe`",
                ),
                StepKind::Input => require(s.prompt.is_some(), "`prompt`"),
                StepKind::Check => {}
                StepKind::Notify => {
                    out.extend(check_notify(rb, s, &ids, config, templates, loc, &at));
                }
                StepKind::Silence => {
                    require(
                        !s.matchers.is_empty() && s.duration.is_some(),
                        "`matchers` and `duration`",
                    );
                    if let Some(name) = &s.source
                        && !config.sources.iter().any(|x| {
                            &x.name == name && x.kind == crate::config::SourceKind::Alertmanager
                        })
                    {
                        out.push(loc.at(
                            &at("source"),
                            format!("no `alertmanager` source named `{name}`"),
                        ));
                    }
                    for (m, t) in &s.matchers {
                        if let Err(e) = crate::wizard::templates::render_str(t, &ctx) {
                            out.push(
                                loc.at(
                                    &at("matchers"),
                                    format!("matcher {m}: template `{t}`: {e}"),
                                ),
                            );
                        }
                    }
                }
                StepKind::Bulk => {
                    if s.command.is_some() == s.http.is_some() {
                        out.push(loc.at(
                            &at("kind"),
                            "a `bulk` step needs either `command` or `http`, run for each pair",
                        ));
                    }
                    if !matches!(rb.applies_to, AppliesTo::Region | AppliesTo::Provider) {
                        out.push(loc.at(&at("kind"), "a `bulk` step belongs in a runbook with `applies_to = \"region\"` or `\"provider\"`"));
                    }
                }
            }
            if let Some(p) = &s.pair
                && !config.pairs.iter().any(|c| &c.id == p)
            {
                out.push(loc.at(
                    &at("pair"),
                    format!(
                        "no [[pair]] `{p}` in the config: a step's `pair` names a configured pair"
                    ),
                ));
            }
            for (key, src) in [
                ("expr", &s.expr),
                ("settle", &s.settle),
                ("skip_when", &s.skip_when),
            ] {
                let Some(src) = src else { continue };
                match src.error() {
                    Some(e) => out.push(loc.at(&at(key), format!("invalid expression: {e}"))),
                    None => {
                        for v in src.vars() {
                            if !known.contains(v) {
                                out.push(loc.at(
                                    &at(key),
                                    format!(
                                        "unknown variable `{v}`; variables: {}",
                                        known_list.join(", ")
                                    ),
                                ));
                            }
                        }
                    }
                }
            }
            let templates: Vec<&String> = s
                .command
                .iter()
                .flatten()
                .chain(s.dry_run.iter().flatten())
                .chain(s.http.iter().flat_map(|h| {
                    std::iter::once(&h.url)
                        .chain(h.body.iter())
                        .chain(h.headers.values())
                }))
                .collect();
            if let Some(p) = &s.probe {
                let c = minijinja::value::merge_maps([
                    ctx.clone(),
                    minijinja::context! { item => "x" },
                ]);
                if let Err(e) = crate::wizard::templates::render_str(&p.url, c) {
                    out.push(loc.at(&at("probe"), format!("template `{}`: {e}", p.url)));
                }
            }
            if let Some(x) = &s.expect {
                if let Some(e) = x.error() {
                    out.push(loc.at(&at("expect"), format!("invalid expression: {e}")));
                }
                for t in x.templates() {
                    if let Err(e) = crate::wizard::templates::render_str(t, &ctx) {
                        out.push(loc.at(&at("expect"), format!("template `{x}`: {e}")));
                    }
                }
            }
            for t in templates {
                if let Err(e) = crate::wizard::templates::render_str(t, &ctx) {
                    let key = if s.http.is_some() { "http" } else { "command" };
                    out.push(loc.at(&at(key), format!("template `{t}`: {e}")));
                }
            }
        }
    }
    out
}

/// A notify step: one of `template` or `text`, a template that exists and
/// renders, a known channel, an `after` step that comes before it.
fn check_notify(
    rb: &Runbook,
    s: &Step,
    earlier: &HashSet<&str>,
    config: &Config,
    templates: &Templates,
    loc: &Located<'_>,
    at: &dyn Fn(&str) -> Vec<Seg>,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    match (&s.template, &s.text) {
        (None, None) | (Some(_), Some(_)) => {
            out.push(loc.at(
                &at("kind"),
                "a `notify` step needs either `template` or `text`",
            ));
        }
        (Some(name), None) if !templates.contains(name) => {
            let names: Vec<&str> = templates.names().collect();
            out.push(loc.at(
                &at("template"),
                format!("unknown template `{name}`; templates: {}", names.join(", ")),
            ));
        }
        _ => {
            // Rendered against an incident of this runbook with every
            // variable present, so a missing `vars.level` shows here.
            let model =
                crate::state::Model::new(std::sync::Arc::new(config.clone()), chrono::Utc::now());
            let mut rb = rb.clone();
            rb.phases.retain(|p| p.steps.iter().any(|x| x.id == s.id));
            for p in &mut rb.phases {
                p.steps.retain(|x| x.id == s.id);
            }
            let inc = crate::wizard::incident::Incident::new(
                "INC-0",
                std::sync::Arc::new(rb),
                None,
                crate::wizard::incident::Operator::default(),
                false,
                model.now,
            );
            if let Err(e) = crate::wizard::notify::render(templates, &model, &inc, s, model.now) {
                let key = if s.text.is_some() { "text" } else { "template" };
                out.push(loc.at(&at(key), format!("does not render: {e}")));
            }
        }
    }
    if let Some(c) = &s.channel
        && c != "clipboard"
        && !config.notify.contains_key(c)
    {
        let mut names: Vec<&str> = config.notify.keys().map(String::as_str).collect();
        names.push("clipboard");
        out.push(loc.at(
            &at("channel"),
            format!(
                "unknown channel `{c}`; add [notify.{c}] to the config, or use one of: {}",
                names.join(", ")
            ),
        ));
    }
    if let Some(a) = &s.after
        && (!earlier.contains(a.as_str()) || a == &s.id)
    {
        out.push(loc.at(
            &at("after"),
            format!("`after` must name a step before this one; `{a}` is not"),
        ));
    }
    out
}

/// Phases with `before` come first, furthest ahead first (the wizard goes
/// in order), never with `due`, and at most a year ahead.
fn window_phases(rb: &Runbook, loc: &Located<'_>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut last: Option<std::time::Duration> = None;
    let mut seen_window_phase = false;
    for (pi, p) in rb.phases.iter().enumerate() {
        let at = vec![k("phase"), Seg::Index(pi), k("before")];
        let Some(b) = p.before.map(|d| d.0) else {
            seen_window_phase = true;
            continue;
        };
        if p.due.is_some() {
            out.push(loc.at(
                &at,
                "a phase is due either `before` the window or `due` after the start, not both",
            ));
        }
        if b > crate::wizard::window::FURTHEST {
            out.push(loc.at(&at, "more than a year before the window"));
        }
        if seen_window_phase {
            out.push(loc.at(
                &at,
                "phases with `before` come first: the wizard goes in order, and this one would come after the window's own",
            ));
        }
        if last.is_some_and(|l| b > l) {
            out.push(loc.at(
                &at,
                "is further ahead than the phase before it: order the phases with `before` furthest first",
            ));
        }
        last = Some(b);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::runbooks::load_all;
    use std::path::PathBuf;

    fn check_src(src: &str) -> Vec<Diagnostic> {
        let path = PathBuf::from("rb.toml");
        let config: Config = toml::from_str("[[source]]\nname = \"fleet\"\nkind = \"fleet\"\nurl = \"http://127.0.0.1:1/api/pairs\"\n").expect("config");
        match crate::diag::from_toml::<Runbook>(&path, src) {
            Ok(rb) => check(
                &rb,
                &config,
                &crate::config::templates::load_all(&config, None).0,
                &Located { file: &path, src },
            ),
            Err(d) => vec![d],
        }
    }

    #[test]
    fn the_shipped_runbooks_are_clean() {
        let config: Config = toml::from_str("[[source]]\nname = \"fleet\"\nkind = \"fleet\"\nurl = \"http://127.0.0.1:1/api/pairs\"\n").expect("config");
        let (templates, terrs) = crate::config::templates::load_all(&config, None);
        assert!(terrs.is_empty(), "{terrs:?}");
        let (rbs, errs) = load_all(&config, None, &templates);
        assert!(errs.is_empty(), "{errs:?}");
        assert!(rbs.iter().any(|r| r.id == "pair-failover"));
    }

    #[test]
    fn errors_name_line_and_key() {
        let src = "id = \"x\"\ntitle = \"X\"\n[[phase]]\nid = \"pre\"\n[[phase.step]]\nid = \"a\"\nkind = \"gate\"\ntitle = \"g\"\nexpr = \"standby.helth_score >= 70\"\n[[phase.step]]\nid = \"a\"\nkind = \"action\"\ntitle = \"t\"\ncommand = [\"echo\", \"{{ pair.idd }}\"]\n[[phase.step]]\nid = \"c\"\nkind = \"explode\"\ntitle = \"t\"\n";
        let errs = check_src(src);
        assert_eq!(errs.len(), 1, "an unknown kind stops parsing: {errs:?}");
        assert!(
            errs[0].message.contains("unknown variant `explode`") && errs[0].line == 17,
            "{errs:?}"
        );
        let fixed = src.replace("kind = \"explode\"", "kind = \"check\"");
        let errs = check_src(&fixed);
        let got: Vec<(usize, String)> = errs.iter().map(|e| (e.line, e.key.clone())).collect();
        assert!(
            got.contains(&(9, "phase[0].step[0].expr".into())),
            "{errs:?}"
        );
        assert!(
            errs.iter()
                .any(|e| e.message.contains("unknown variable `standby.helth_score`"))
        );
        assert!(
            got.contains(&(11, "phase[0].step[1].id".into())),
            "duplicate id: {errs:?}"
        );
        assert!(
            errs.iter()
                .any(|e| e.key == "phase[0].step[1].command" && e.message.contains("pair.idd")),
            "{errs:?}"
        );
    }

    #[test]
    fn notify_steps_are_checked() {
        let head = "id = \"x\"\ntitle = \"X\"\n[[phase]]\nid = \"post\"\n[[phase.step]]\nid = \"a\"\nkind = \"check\"\ntitle = \"t\"\n";
        let step = |body: &str| {
            format!("{head}[[phase.step]]\nid = \"n\"\nkind = \"notify\"\ntitle = \"tell\"\n{body}")
        };
        let errs = check_src(&step(
            "template = \"resolutoin\"\nchannel = \"pager\"\nafter = \"zz\"\n",
        ));
        let got: Vec<(usize, String)> = errs.iter().map(|e| (e.line, e.key.clone())).collect();
        assert!(
            got.contains(&(13, "phase[0].step[1].template".into())),
            "{errs:?}"
        );
        assert!(
            errs.iter()
                .any(|e| e.message.contains("unknown template `resolutoin`")
                    && e.message.contains("resolution")),
            "{errs:?}"
        );
        assert!(
            got.contains(&(14, "phase[0].step[1].channel".into())),
            "{errs:?}"
        );
        assert!(
            got.contains(&(15, "phase[0].step[1].after".into())),
            "{errs:?}"
        );
        let errs = check_src(&step(
            "text = \"{{ pair.id }} {{ vars.level }}\"\nafter = \"a\"\nvars = { level = \"L2\" }\nchannel = \"clipboard\"\n",
        ));
        assert!(errs.is_empty(), "{errs:?}");
        let errs = check_src(&step("text = \"{{ vars.level }}\"\n"));
        assert!(
            errs.iter()
                .any(|e| e.key == "phase[0].step[1].text" && e.message.contains("does not render")),
            "{errs:?}"
        );
        let errs = check_src(&step(""));
        assert!(
            errs.iter()
                .any(|e| e.message.contains("either `template` or `text`")),
            "{errs:?}"
        );
    }
}
