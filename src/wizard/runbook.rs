//! Runbooks: TOML files of phases and steps, with an RTO, phase targets and
//! step deadlines. Loading checks everything a run would trip on later:
//! kinds, required keys, duplicate ids, expressions and their variables,
//! templates and theirs.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::templates::Templates;
use crate::cond::Cond;
use crate::config::{Config, Dur};
use crate::diag::{Diagnostic, Located, Seg};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Runbook {
    pub id: String,
    pub title: String,
    /// What it is started on.
    #[serde(default)]
    pub applies_to: AppliesTo,
    /// The scenario of seed 001's table, shown with the targets.
    pub scenario: Option<String>,
    /// Recovery time objective for the whole run.
    #[serde(default, deserialize_with = "crate::config::nonzero_duration")]
    pub rto: Option<Dur>,
    /// Recovery point objective (data-loss window), compared with lag at cutover.
    pub rpo: Option<Dur>,
    /// Takes the pair's (or area's) lock and counts toward max_concurrent;
    /// a follow-up checklist does not.
    #[serde(default = "yes")]
    pub lock: bool,
    /// Always runs in drill mode: actions run their `dry_run`, marked DRILL.
    #[serde(default)]
    pub drill: bool,
    /// Started on the same target when this one closes (a follow-up).
    pub then: Option<String>,
    /// What it is for, so the chooser highlights the one that fits the
    /// pair's state whatever the load order; see `Runbook::purpose`.
    #[serde(default)]
    pub purpose: Option<Purpose>,
    #[serde(rename = "phase")]
    pub phases: Vec<Phase>,
    /// Where it was loaded from, for messages.
    #[serde(skip)]
    pub file: PathBuf,
}

/// What a runbook is for.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Purpose {
    /// Moves a failing primary's role to its standby.
    Failover,
    /// Moves it back after a failover.
    Failback,
    /// Works an incident without necessarily failing over.
    Incident,
    /// A follow-up checklist.
    Checklist,
}

impl Runbook {
    /// The declared purpose; without one, a runbook without a lock is a
    /// checklist, one whose id or title says failback or rollback is a
    /// failback (copies of older runbooks), and any other a failover.
    pub fn purpose(&self) -> Purpose {
        if let Some(p) = self.purpose {
            return p;
        }
        let named = format!("{} {}", self.id, self.title).to_lowercase();
        if !self.lock {
            Purpose::Checklist
        } else if named.contains("failback") || named.contains("rollback") {
            Purpose::Failback
        } else {
            Purpose::Failover
        }
    }
}

#[derive(Debug, Clone, Copy, Deserialize, Default, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum AppliesTo {
    #[default]
    Pair,
    /// Started from the Regions pane on one region (all its primaries).
    Region,
    /// Started from the Regions pane on the row's provider (all its primaries).
    Provider,
    Estate,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Phase {
    pub id: String,
    pub title: Option<String>,
    /// Time target for the phase.
    #[serde(default, deserialize_with = "crate::config::nonzero_duration")]
    pub target: Option<Dur>,
    /// Not before this long after the incident started (follow-up horizons:
    /// "15m", "1h", "24h", "1w").
    pub due: Option<Dur>,
    #[serde(rename = "step")]
    pub steps: Vec<Step>,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum StepKind {
    Check,
    Gate,
    Action,
    Wait,
    Input,
    Notify,
    /// The step's action run on every eligible pair of the area, in batches.
    Bulk,
    /// A scoped, self-expiring Alertmanager silence (alert hygiene).
    Silence,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub id: String,
    pub kind: StepKind,
    pub title: String,
    /// Longer guidance shown under the title.
    pub help: Option<String>,
    /// Time allowed for this step from the moment it becomes current.
    #[serde(default, deserialize_with = "crate::config::nonzero_duration")]
    pub deadline: Option<Dur>,
    /// `gate`: must hold to go on; `wait`: wait until it holds.
    pub expr: Option<Cond>,
    /// `action`: program and arguments, each a template, never a shell.
    pub command: Option<Vec<String>>,
    /// `action`: an HTTP request instead of a program.
    pub http: Option<HttpAction>,
    /// `action`: run this instead in drill mode (`--drill`); without it a
    /// drill only shows the command.
    pub dry_run: Option<Vec<String>>,
    /// `action`: the operator types the pair id to confirm.
    #[serde(default)]
    pub destructive: bool,
    /// `action`: promotes the standby; refused below `standby_min`, no override.
    #[serde(default)]
    pub promote: bool,
    /// `action`: its success is the recovery point (RTO) and its intent's
    /// lag the data-loss window (RPO); implied by `promote`.
    #[serde(default)]
    pub cutover: bool,
    /// `action`: killed after this (default 30s); `wait`: gives up after this.
    #[serde(default, deserialize_with = "crate::config::nonzero_duration")]
    pub timeout: Option<Dur>,
    /// `action`: expression that shows the action took effect; watched
    /// when its outcome is unknown.
    pub settle: Option<Cond>,
    /// `wait`: a countdown.
    #[serde(default, deserialize_with = "crate::config::nonzero_duration")]
    pub duration: Option<Dur>,
    /// `input`: the question.
    pub prompt: Option<String>,
    /// `notify`: name of a template (file stem in `templates/`).
    pub template: Option<String>,
    /// `notify`: the template written here instead of in a file.
    pub text: Option<String>,
    /// `notify`: a `[notify.NAME]` channel (or `clipboard`); without it the
    /// first configured channel, else the clipboard.
    pub channel: Option<String>,
    /// `notify`: the deadline counts from the end of this step instead of
    /// the start of the phase.
    pub after: Option<String>,
    /// `notify` to PagerDuty: resolve the incident's alert instead of
    /// triggering it.
    #[serde(default)]
    pub resolve: bool,
    /// `notify`: extra template variables (`vars.level = "L3"`).
    #[serde(default)]
    pub vars: BTreeMap<String, String>,
    /// `bulk`: pairs per batch (default `limits.batch_size`); at most
    /// `limits.max_concurrent` actions are in flight.
    #[serde(default, deserialize_with = "crate::config::nonzero_count")]
    pub batch_size: Option<u32>,
    /// `bulk`: a progress report every this many completions (default 10),
    /// sent to `channel` when set.
    #[serde(default, deserialize_with = "crate::config::nonzero_count")]
    pub progress_every: Option<u32>,
    /// `silence`: exact label matchers, each a template
    /// (`{ instance = "{{ failover.failed_instance }}" }`).
    #[serde(default)]
    pub matchers: BTreeMap<String, String>,
    /// `silence`: the Alertmanager source (default: the first one).
    pub source: Option<String>,
    /// `silence`: why, a template (default names the incident).
    pub comment: Option<String>,
    /// `wait`: poll this until `expect` holds for every item.
    pub probe: Option<Probe>,
    /// `wait` with `probe`, `action` over HTTP: an expression over the JSON
    /// answer's top-level fields (and `status`) that must hold.
    pub expect: Option<Cond>,
}

/// A request a wait step repeats: once per item of `each` (`{{ item }}`),
/// every `every` (default 5s).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Probe {
    pub url: String,
    #[serde(default)]
    pub each: Vec<String>,
    #[serde(default, deserialize_with = "crate::config::nonzero_duration")]
    pub every: Option<Dur>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpAction {
    #[serde(default = "default_method")]
    pub method: String,
    pub url: String,
    pub body: Option<String>,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
}

fn yes() -> bool {
    true
}

fn default_method() -> String {
    "POST".into()
}

const EMBEDDED: &[(&str, &str)] = &[
    (
        "pair-failover.toml",
        include_str!("../../runbooks/pair-failover.toml"),
    ),
    (
        "pair-followup.toml",
        include_str!("../../runbooks/pair-followup.toml"),
    ),
    (
        "pair-failback.toml",
        include_str!("../../runbooks/pair-failback.toml"),
    ),
    (
        "service-incident.toml",
        include_str!("../../runbooks/service-incident.toml"),
    ),
    (
        "bulk-failover-region.toml",
        include_str!("../../runbooks/bulk-failover-region.toml"),
    ),
    (
        "bulk-failover-provider.toml",
        include_str!("../../runbooks/bulk-failover-provider.toml"),
    ),
    (
        "regional-failover-planned.toml",
        include_str!("../../runbooks/regional-failover-planned.toml"),
    ),
    (
        "regional-failover-emergency.toml",
        include_str!("../../runbooks/regional-failover-emergency.toml"),
    ),
    ("dr-drill", include_str!("../../runbooks/dr-drill.toml")),
    (
        "post-failover-followup.toml",
        include_str!("../../runbooks/post-failover-followup.toml"),
    ),
];

impl Runbook {
    /// An empty runbook, for checking templates outside any runbook.
    pub fn placeholder() -> Self {
        Self {
            id: "runbook".into(),
            title: "Runbook".into(),
            applies_to: AppliesTo::Pair,
            scenario: None,
            rto: None,
            rpo: None,
            lock: true,
            drill: false,
            then: None,
            purpose: None,
            phases: Vec::new(),
            file: PathBuf::new(),
        }
    }

    pub fn steps(&self) -> impl Iterator<Item = (usize, usize, &Step)> {
        self.phases
            .iter()
            .enumerate()
            .flat_map(|(pi, p)| p.steps.iter().enumerate().map(move |(si, s)| (pi, si, s)))
    }

    pub fn step(&self, phase: usize, step: usize) -> Option<&Step> {
        self.phases.get(phase).and_then(|p| p.steps.get(step))
    }
}

/// The shipped runbooks alone (with the shipped templates), as a console
/// without a config folder loads them.
pub fn load_shipped(config: &Config) -> (Vec<Runbook>, Vec<Diagnostic>) {
    load_all(config, None, &super::templates::load_all(config, None).0)
}

/// The shipped runbooks, then every runbook file of the config's
/// `runbooks` paths (relative to the config folder). A user runbook with a
/// shipped id replaces it.
pub fn load_all(
    config: &Config,
    config_dir: Option<&Path>,
    templates: &Templates,
) -> (Vec<Runbook>, Vec<Diagnostic>) {
    let (files, mut errors) = crate::config::files::gather(
        "runbooks",
        EMBEDDED,
        &config.console.runbooks,
        config_dir,
        |p| p.extension().is_some_and(|x| x == "toml"),
    );
    let mut out: Vec<Runbook> = Vec::new();
    // Sources of the runbooks kept, to locate what is checked across them.
    let mut sources: BTreeMap<PathBuf, String> = BTreeMap::new();
    for (path, src) in files {
        match crate::diag::from_toml::<Runbook>(&path, &src) {
            Ok(mut rb) => {
                rb.file.clone_from(&path);
                let loc = Located {
                    file: &path,
                    src: &src,
                };
                let problems = check(&rb, config, templates, &loc);
                if !problems.is_empty() {
                    errors.extend(problems);
                    continue;
                }
                // A user file replaces a shipped runbook of its id; two
                // user files of one id would leave one silently unused.
                if let Some(first) = out
                    .iter()
                    .find(|r| r.id == rb.id && !r.file.starts_with("<embedded>"))
                {
                    errors.push(loc.at(
                        &[k("id")],
                        format!(
                            "runbook id `{}` is already used by {}; give one of them another id",
                            rb.id,
                            first.file.display()
                        ),
                    ));
                    continue;
                }
                out.retain(|r| r.id != rb.id);
                sources.insert(path.clone(), src);
                out.push(rb);
            }
            Err(d) => errors.push(d),
        }
    }
    errors.extend(super::runbook_links::check(&out, &sources));
    (out, errors)
}

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
    let known: HashSet<String> = super::vars::known().into_iter().collect();
    let ctx = super::notify::sample_context(config);
    if rb.phases.is_empty() {
        out.push(loc.at(&[k("phase")], "a runbook needs at least one [[phase]]"));
    }
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
                        if let Err(e) = super::templates::render_str(t, &ctx) {
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
            for (key, src) in [("expr", &s.expr), ("settle", &s.settle)] {
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
                                        super::vars::known().join(", ")
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
                if let Err(e) = super::templates::render_str(&p.url, c) {
                    out.push(loc.at(&at("probe"), format!("template `{}`: {e}", p.url)));
                }
            }
            if let Some(x) = &s.expect {
                if let Some(e) = x.error() {
                    out.push(loc.at(&at("expect"), format!("invalid expression: {e}")));
                }
                for t in x.templates() {
                    if let Err(e) = super::templates::render_str(t, &ctx) {
                        out.push(loc.at(&at("expect"), format!("template `{x}`: {e}")));
                    }
                }
            }
            for t in templates {
                if let Err(e) = super::templates::render_str(t, &ctx) {
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
            let inc = super::incident::Incident::new(
                "INC-0",
                std::sync::Arc::new(rb),
                None,
                super::incident::Operator::default(),
                false,
                model.now,
            );
            if let Err(e) = super::notify::render(templates, &model, &inc, s, model.now) {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn check_src(src: &str) -> Vec<Diagnostic> {
        let path = PathBuf::from("rb.toml");
        let config: Config = toml::from_str("[[source]]\nname = \"fleet\"\nkind = \"fleet\"\nurl = \"http://127.0.0.1:1/api/pairs\"\n").expect("config");
        match crate::diag::from_toml::<Runbook>(&path, src) {
            Ok(rb) => check(
                &rb,
                &config,
                &crate::wizard::templates::load_all(&config, None).0,
                &Located { file: &path, src },
            ),
            Err(d) => vec![d],
        }
    }

    #[test]
    fn the_shipped_runbooks_are_clean() {
        let config: Config = toml::from_str("[[source]]\nname = \"fleet\"\nkind = \"fleet\"\nurl = \"http://127.0.0.1:1/api/pairs\"\n").expect("config");
        let (templates, terrs) = crate::wizard::templates::load_all(&config, None);
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
