//! One condition language for gates, waits, settles, probe `expect` and
//! source conditions: `standby.health_score >= 70 && lag < 10s`,
//! `primary.status == "FAILED"`, `!primary.down`, `status == 200`, and the
//! Gatus spellings `[STATUS]`, `[BODY].x.y`, `[RESPONSE_TIME]` as sugar for
//! `status`, `body.x.y`, `response_time`. Durations (`500ms`, `10s`, `5m`)
//! are numbers of seconds. The grammar is in `syntax`.
//!
//! Conditions are parsed once, when the file that holds them is read: a
//! [`Cond`] keeps its text and its parsed form (or the parse error, which
//! `baton check` and the loaders report with file, line and key, and which
//! an evaluation returns instead of a result).
//!
//! Why a small parser of our own rather than minijinja's
//! `compile_expression` or CEL: a missing value must carry its reason to
//! the operator ("standby.lag (data is STALE)"), and `a || b` must hold
//! when `b` holds even if `a` cannot be decided. minijinja turns a missing
//! value into an undefined that compares false and forgets why; CEL would
//! add a dependency and its own error model for a grammar of six
//! operators. A hand parser also gives every error its column, and bounded
//! depth and length, so no input can overflow the stack.
//!
//! Templates: a quoted text literal may hold a template
//! (`primary.id == "{{ standby.id }}"`), rendered into a value by whoever
//! has the context ([`Cond::render`]); a template outside quotes is a
//! parse error that names this spelling.

mod eval;
pub mod gatus;
mod syntax;
mod value;

#[cfg(test)]
mod tests;

use std::fmt;

pub use gatus::Response;
pub use syntax::{Cmp, Expr, MAX_DEPTH, MAX_TOKENS};
pub use value::{Scope, Value, from_json, json_at};

/// A condition as written, parsed; shared, so steps, plans and journal
/// entries that carry one stay small and cheap to clone.
#[derive(Debug, Clone)]
pub struct Cond(std::sync::Arc<Inner>);

#[derive(Debug)]
struct Inner {
    src: String,
    parsed: Result<Expr, String>,
}

impl Cond {
    /// A gate, wait, settle or `expect` condition.
    pub fn new(src: impl Into<String>) -> Self {
        let src = src.into();
        let parsed = syntax::parse(&src);
        Self::of(src, parsed)
    }

    /// A source condition (Gatus spellings, or the language over
    /// `status`, `response_time` and `body`).
    pub fn http(src: impl Into<String>) -> Self {
        let src = src.into();
        let parsed = gatus::parse(&src);
        Self::of(src, parsed)
    }

    fn of(src: String, parsed: Result<Expr, String>) -> Self {
        Self(std::sync::Arc::new(Inner { src, parsed }))
    }

    /// Parses, refusing what does not parse.
    pub fn parse(src: &str) -> Result<Self, String> {
        let c = Self::new(src);
        match c.error() {
            None => Ok(c),
            Some(e) => Err(e.to_string()),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0.src
    }

    /// Why it does not parse.
    pub fn error(&self) -> Option<&str> {
        self.0.parsed.as_ref().err().map(String::as_str)
    }

    pub fn expr(&self) -> Option<&Expr> {
        self.0.parsed.as_ref().ok()
    }

    /// Every variable named (none when it does not parse).
    pub fn vars(&self) -> Vec<&str> {
        self.expr().map(Expr::vars).unwrap_or_default()
    }

    /// `Ok(bool)` when it can be decided; `Err` says why not.
    pub fn eval(&self, scope: &dyn Scope) -> Result<bool, String> {
        match &self.0.parsed {
            Ok(e) => e.eval(scope),
            Err(e) => Err(e.clone()),
        }
    }

    /// Its variables with their values now: `lag = 2, standby.down = false`.
    pub fn values(&self, scope: &dyn Scope) -> String {
        self.vars()
            .iter()
            .map(|v| format!("{v} = {}", scope.get(v)))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The quoted literals that hold a template (`{{ }}` or `{% %}`).
    pub fn templates(&self) -> Vec<&str> {
        self.expr()
            .map(|e| e.texts().into_iter().filter(|t| is_template(t)).collect())
            .unwrap_or_default()
    }

    /// The condition with its templates rendered by `f` (`None` keeps a
    /// template as written): its text rendered whole, as the operator
    /// reads it, and its literals rendered one by one, so nothing is
    /// parsed again.
    #[must_use]
    pub fn render(&self, f: &dyn Fn(&str) -> Option<String>) -> Self {
        if self.templates().is_empty() {
            return self.clone();
        }
        Self::of(
            f(&self.0.src).unwrap_or_else(|| self.0.src.clone()),
            self.0
                .parsed
                .as_ref()
                .map(|e| e.map_text(&|t| if is_template(t) { f(t) } else { None }))
                .map_err(Clone::clone),
        )
    }
}

impl Cond {
    /// As [`Cond::render`], but a template that does not render makes the
    /// whole condition undecidable (its `eval` says why): a literal left
    /// as written could make a `!=` hold.
    #[must_use]
    pub fn render_strict(&self, f: &dyn Fn(&str) -> Result<String, String>) -> Self {
        if let Some((t, e)) = self
            .templates()
            .into_iter()
            .find_map(|t| f(t).err().map(|e| (t.to_string(), e)))
        {
            return Self::of(
                self.0.src.clone(),
                Err(format!("the template \"{t}\" does not render: {e}")),
            );
        }
        self.render(&|t| f(t).ok())
    }
}

fn is_template(t: &str) -> bool {
    t.contains("{{") || t.contains("{%")
}

impl PartialEq for Cond {
    fn eq(&self, other: &Self) -> bool {
        self.0.src == other.0.src
    }
}

impl Eq for Cond {}

impl PartialEq<str> for Cond {
    fn eq(&self, other: &str) -> bool {
        self.0.src == other
    }
}

impl fmt::Display for Cond {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.src)
    }
}

impl serde::Serialize for Cond {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0.src)
    }
}

/// Parsed while the file is read; a parse error is kept for the file's
/// checks to report at its line and key (and so a journal with an odd
/// settle text still reads).
impl<'de> serde::Deserialize<'de> for Cond {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Self::new)
    }
}

/// For `#[serde(default, deserialize_with = "...")]` on a source's
/// `conditions`.
pub fn http_conditions<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<Cond>, D::Error> {
    use serde::Deserialize as _;
    Vec::<String>::deserialize(d).map(|v| v.into_iter().map(Cond::http).collect())
}
