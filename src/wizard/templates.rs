//! Notification templates: the minijinja environment they render in, with
//! its limits, and the check of one template's syntax and variables (the
//! files are read by `config::templates`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use minijinja::{AutoEscape, Environment, UndefinedBehavior};

use crate::diag::{Diagnostic, Located};

/// Roots whose keys depend on the runbook (`steps.verify-pair`), the
/// config (`source.fleet`) or the step (`vars.level`): any key is allowed.
const OPEN_ROOTS: [&str; 4] = ["steps", "inputs", "vars", "source"];

/// The loaded templates, ready to render.
#[derive(Debug, Clone)]
pub struct Templates {
    env: Environment<'static>,
    /// Name → file it came from.
    files: BTreeMap<String, PathBuf>,
}

impl Default for Templates {
    fn default() -> Self {
        Self {
            env: environment(),
            files: BTreeMap::new(),
        }
    }
}

/// Work one render may do (minijinja fuel: instructions, plus bytes of the
/// strings and lists it builds). The shipped templates need a few thousand;
/// nested `range` loops or a string-doubling macro from a runbook must fail
/// fast instead of hanging `check` and the console or eating memory.
pub const FUEL: u64 = 2_000_000;

/// The longest rendered text accepted: a message, a command argument, a URL.
pub const MAX_OUTPUT: usize = 64 * 1024;

/// Strict: a misspelt variable is an error, never an empty string in a
/// message to the Commander. No escaping: JSON templates use `tojson`.
/// Fuelled, so that no template can run away.
pub fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_auto_escape_callback(|_| AutoEscape::None);
    env.set_fuel(Some(FUEL));
    env
}

/// Renders template text written in a runbook (an argument, a URL, a
/// matcher) with the rules of [`environment`] and the output bound.
pub fn render_str(src: &str, ctx: impl Into<minijinja::Value>) -> Result<String, String> {
    bounded(environment().render_str(src, ctx))
}

fn bounded(rendered: Result<String, minijinja::Error>) -> Result<String, String> {
    let text = rendered.map_err(|e| describe(&e))?;
    if text.len() > MAX_OUTPUT {
        return Err(format!(
            "the rendered text is {} KiB, over the limit of {} KiB",
            text.len().div_ceil(1024),
            MAX_OUTPUT / 1024
        ));
    }
    Ok(text)
}

impl Templates {
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.files.keys().map(String::as_str)
    }

    pub fn contains(&self, name: &str) -> bool {
        self.files.contains_key(name)
    }

    pub fn file(&self, name: &str) -> Option<&Path> {
        self.files.get(name).map(PathBuf::as_path)
    }

    /// The source text of a template, for a reader in watch mode.
    pub fn source(&self, name: &str) -> Option<String> {
        self.env
            .get_template(name)
            .ok()
            .map(|t| t.source().to_string())
    }

    pub fn render(&self, name: &str, ctx: &minijinja::Value) -> Result<String, String> {
        let t = self
            .env
            .get_template(name)
            .map_err(|_| format!("no template named `{name}`"))?;
        bounded(t.render(ctx))
    }

    /// Renders text written inside a runbook step.
    pub fn render_inline(&self, src: &str, ctx: &minijinja::Value) -> Result<String, String> {
        bounded(self.env.render_str(src, ctx))
    }

    pub fn add(
        &mut self,
        name: String,
        file: PathBuf,
        src: String,
    ) -> Result<(), minijinja::Error> {
        self.env.add_template_owned(name.clone(), src)?;
        self.files.insert(name, file);
        Ok(())
    }
}

/// A minijinja error in one line: what, where.
pub fn describe(e: &minijinja::Error) -> String {
    let what = if e.kind() == minijinja::ErrorKind::OutOfFuel {
        format!(
            "the template does too much work (more than {FUEL} steps or bytes): a loop or macro that runs away?"
        )
    } else {
        e.detail()
            .map_or_else(|| e.kind().to_string(), str::to_string)
    };
    match e.line() {
        Some(l) => format!("{what} (template line {l})"),
        None => what,
    }
}

/// Syntax errors and unknown variables of one template, with lines.
pub fn check(name: &str, src: &str, file: &Path, sample: &minijinja::Value) -> Vec<Diagnostic> {
    let loc = Located { file, src };
    let at_line = |line: usize, message: String| Diagnostic {
        file: file.to_path_buf(),
        line,
        column: 1,
        key: format!("template {name}"),
        message,
    };
    let env = environment();
    let tmpl = match env.template_from_named_str(name, src) {
        Ok(t) => t,
        Err(e) => return vec![at_line(e.line().unwrap_or(1), describe(&e))],
    };
    let mut unknown: Vec<String> = tmpl
        .undeclared_variables(true)
        .into_iter()
        .filter(|v| !resolves(sample, v))
        .collect();
    unknown.sort();
    unknown
        .into_iter()
        .map(|v| {
            let offset = src.find(v.as_str()).unwrap_or(0);
            at_line(
                loc.line_col(offset).0,
                format!(
                    "unknown variable `{v}`; variables: {}",
                    known_roots(sample).join(", ")
                ),
            )
        })
        .collect()
}

/// Whether a dotted name exists in the sample context (any key below an
/// open root counts).
fn resolves(sample: &minijinja::Value, dotted: &str) -> bool {
    let mut parts = dotted.split('.');
    let Some(root) = parts.next() else {
        return false;
    };
    if OPEN_ROOTS.contains(&root) {
        return true;
    }
    // minijinja's own globals (`range`, `namespace`, ...).
    if environment().globals().any(|(n, _)| n == root) {
        return true;
    }
    let mut v = match sample.get_attr(root) {
        Ok(v) if !v.is_undefined() => v,
        _ => return false,
    };
    for p in parts {
        // `pair.vars.X`, `primary.vars.X`: set per pair in the config, so
        // any name is allowed here; a pair without it fails at render.
        if p == "vars" {
            return true;
        }
        v = match v.get_attr(p) {
            Ok(x) if !x.is_undefined() => x,
            _ => return false,
        };
    }
    true
}

/// The names a template may use, for error messages.
pub fn known_roots(sample: &minijinja::Value) -> Vec<String> {
    let mut out = Vec::new();
    if let Ok(keys) = sample.try_iter() {
        for k in keys {
            let key = k.to_string();
            let v = sample.get_attr(&key).unwrap_or_default();
            let fields: Vec<String> = if v.kind() == minijinja::value::ValueKind::Map
                && !OPEN_ROOTS.contains(&key.as_str())
            {
                v.try_iter()
                    .map(|it| it.map(|f| format!("{key}.{f}")).collect())
                    .unwrap_or_default()
            } else if OPEN_ROOTS.contains(&key.as_str()) {
                vec![format!("{key}.*")]
            } else {
                vec![key.clone()]
            };
            out.extend(fields);
        }
    }
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn errors(src: &str) -> Vec<Diagnostic> {
        let config = Config::default();
        check(
            "note",
            src,
            Path::new("templates/note.txt"),
            &crate::wizard::notify::sample_context(&config),
        )
    }

    #[test]
    fn syntax_errors_and_unknown_variables_name_file_and_line() {
        let e = errors("fine {{ pair.id }}\nsecond\n{% if x %}never closed\n");
        assert_eq!(e.len(), 1, "{e:?}");
        assert_eq!(e[0].file, Path::new("templates/note.txt"));
        assert!(e[0].line >= 3, "{e:?}");
        let e = errors(
            "ok {{ pair.id }}\n{{ primary.helth }} and {{ incident.severity }}\n{{ nope }}\n",
        );
        let got: Vec<(usize, &str)> = e.iter().map(|d| (d.line, d.message.as_str())).collect();
        assert_eq!(got.len(), 2, "{got:?}");
        assert!(
            got[0].0 == 3 && got[0].1.starts_with("unknown variable `nope`"),
            "{got:?}"
        );
        assert!(
            got[1].0 == 2 && got[1].1.starts_with("unknown variable `primary.helth`"),
            "{got:?}"
        );
        // Keys below open roots and minijinja's own globals are fine.
        assert!(
            errors("{{ steps['verify-pair'] }} {{ vars.level }} {{ range(3) | list }}").is_empty()
        );
    }

    #[test]
    fn runaway_templates_fail_fast_with_a_clear_error() {
        let ctx = crate::wizard::notify::sample_context(&Config::default());
        let start = std::time::Instant::now();
        let loops = "{% for a in range(100000) %}{% for b in range(100000) %}{{ a }}{% endfor %}{% endfor %}";
        let e = Templates::default()
            .render_inline(loops, &ctx)
            .expect_err("runs away");
        assert!(e.contains("too much work"), "{e}");
        let doubling = "{% set ns = namespace(s='x') %}{% for i in range(60) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s | length }}";
        assert!(
            render_str(doubling, &ctx)
                .expect_err("memory")
                .contains("too much work")
        );
        let macro_doubling = "{% macro d(s, n) %}{% if n > 0 %}{{ d(s ~ s, n - 1) }}{% else %}{{ s | length }}{% endif %}{% endmacro %}{{ d('x', 60) }}";
        assert!(render_str(macro_doubling, &ctx).is_err());
        let e = render_str("{{ 'x' * 70000 }}", &ctx).expect_err("too long");
        assert_eq!(e, "the rendered text is 69 KiB, over the limit of 64 KiB");
        assert!(start.elapsed() < std::time::Duration::from_secs(5));
        assert_eq!(render_str("a{{ 1 + 1 }}", &ctx).as_deref(), Ok("a2"));
    }
}
