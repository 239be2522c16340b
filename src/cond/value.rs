//! Values a condition compares, and where variables get them.

use std::fmt;

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Num(f64),
    Str(String),
    Bool(bool),
    /// A variable with no value now (no data yet, no standby), written
    /// `name` or `name (why)` so the reason reaches the operator.
    Missing(String),
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Num(n) if n.fract() == 0.0 && n.abs() < 1e15 => write!(f, "{n:.0}"),
            Self::Num(n) => write!(f, "{n:.2}"),
            Self::Str(s) => write!(f, "\"{s}\""),
            Self::Bool(b) => write!(f, "{b}"),
            // "name (why)" keeps its reason on screen.
            Self::Missing(s) => match s.split_once(" (") {
                Some((_, why)) => write!(f, "no value ({why}"),
                None => write!(f, "no value"),
            },
        }
    }
}

/// Where variables get their values.
pub trait Scope {
    fn get(&self, name: &str) -> Value;

    /// The value as text, as a Gatus comparison reads it (`Err` says why
    /// there is none). Scopes over JSON override it to keep the spelling
    /// of numbers as sent.
    fn text(&self, name: &str) -> Result<String, String> {
        match self.get(name) {
            Value::Num(n) => Ok(n.to_string()),
            Value::Str(s) => Ok(s),
            Value::Bool(b) => Ok(b.to_string()),
            Value::Missing(m) => Err(reason(&m)),
        }
    }
}

/// The reason part of a missing value, or "NAME has no value".
pub fn reason(missing: &str) -> String {
    match missing.split_once(" (") {
        Some((_, why)) => why.strip_suffix(')').unwrap_or(why).to_string(),
        None => format!("{missing} has no value"),
    }
}

/// One step into a JSON document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    Key(String),
    Index(usize),
}

/// Reads `.a.b[0]` into its steps.
pub fn path(rest: &str) -> Result<Vec<Part>, String> {
    let mut parts = Vec::new();
    let mut chars = rest.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '.' => {
                let mut key = String::new();
                while let Some(&n) = chars.peek() {
                    if n == '.' || n == '[' {
                        break;
                    }
                    key.push(n);
                    chars.next();
                }
                if key.is_empty() {
                    return Err("empty key in [BODY] path".into());
                }
                parts.push(Part::Key(key));
            }
            '[' => {
                let digits: String = chars.by_ref().take_while(|c| *c != ']').collect();
                let i = digits
                    .parse()
                    .map_err(|_| format!("`[{digits}]` is not an array index"))?;
                parts.push(Part::Index(i));
            }
            _ => return Err(format!("cannot read the [BODY] path `{rest}`")),
        }
    }
    Ok(parts)
}

/// The value at `parts` in `json`, if there is one.
pub fn lookup<'a>(json: &'a serde_json::Value, parts: &[Part]) -> Option<&'a serde_json::Value> {
    parts.iter().try_fold(json, |v, p| match p {
        Part::Key(k) => v.get(k),
        Part::Index(i) => v.get(*i),
    })
}

/// A JSON value as a condition value: numbers, text and booleans as such,
/// anything else as its JSON text.
pub fn from_json(name: &str, v: &serde_json::Value) -> Value {
    match v {
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => n.as_f64().map_or(Value::Missing(name.into()), Value::Num),
        serde_json::Value::String(s) => Value::Str(s.clone()),
        other => Value::Str(other.to_string()),
    }
}

/// The value at the dotted path `name` (`a.b`, `items[0].x`) of `json`.
pub fn json_at<'a>(json: &'a serde_json::Value, name: &str) -> Option<&'a serde_json::Value> {
    lookup(json, &path(&format!(".{name}")).ok()?)
}
