//! Source conditions on an HTTP health answer, in the Gatus spellings
//! (`[STATUS] == 200`, `[BODY].status == ACTIVE`, `[RESPONSE_TIME] < 500`)
//! or in the one language over `status`, `response_time` and `body.PATH`.
//!
//! A condition that starts with a placeholder is read the Gatus way: one
//! comparison whose right side is the text written (quotes optional),
//! compared as numbers when both sides are numbers. That keeps every
//! existing config deciding as before.

use super::syntax::{self, Cmp, Expr};
use super::value::{Part, Scope, Value, from_json, lookup, path};

/// What a source condition is checked against.
pub struct Response<'a> {
    pub status: u16,
    pub millis: u128,
    pub body: &'a [u8],
    pub json: Option<&'a serde_json::Value>,
}

const OPS: [(&str, Cmp); 6] = [
    ("==", Cmp::Eq),
    ("!=", Cmp::Ne),
    ("<=", Cmp::Le),
    (">=", Cmp::Ge),
    ("<", Cmp::Lt),
    (">", Cmp::Gt),
];

/// Parses a source condition.
pub fn parse(text: &str) -> Result<Expr, String> {
    if text.trim_start().starts_with('[') {
        return placeholder(text);
    }
    let e = syntax::parse(text).map_err(|e| format!("condition `{text}`: {e}"))?;
    if let Some(v) = e.vars().into_iter().find(|v| !known(v)) {
        return Err(format!(
            "condition `{text}`: unknown variable `{v}`; variables: status, response_time, body, body.PATH"
        ));
    }
    Ok(e)
}

fn known(v: &str) -> bool {
    matches!(v, "status" | "response_time" | "body")
        || v.strip_prefix("body").is_some_and(|r| path(r).is_ok())
}

/// `[PLACEHOLDER] OP text`: the first operator splits it.
fn placeholder(text: &str) -> Result<Expr, String> {
    let (pos, sym, op) = OPS
        .iter()
        .filter_map(|(sym, op)| text.find(sym).map(|p| (p, *sym, *op)))
        .min_by_key(|(p, sym, _)| (*p, std::cmp::Reverse(sym.len())))
        .ok_or_else(|| format!("condition `{text}` has no operator (== != < > <= >=)"))?;
    let left = text[..pos].trim();
    let right = text[pos + sym.len()..].trim().trim_matches('"').to_string();
    let var = match left {
        "[STATUS]" => "status".to_string(),
        "[RESPONSE_TIME]" => "response_time".to_string(),
        l if l.starts_with("[BODY]") => {
            let rest = &l["[BODY]".len()..];
            path(rest).map_err(|e| format!("condition `{text}`: {e}"))?;
            format!("body{rest}")
        }
        other => {
            return Err(format!(
                "condition `{text}`: unknown placeholder `{other}`; use [STATUS], [RESPONSE_TIME] or [BODY].path"
            ));
        }
    };
    if (var == "status" || var == "response_time") && right.parse::<f64>().is_err() {
        return Err(format!("condition `{text}`: `{right}` is not a number"));
    }
    Ok(Expr::Text(var, op, right))
}

impl Response<'_> {
    fn body_text(&self) -> String {
        String::from_utf8_lossy(self.body).trim().to_string()
    }

    /// The JSON at `body.PATH`, or why there is none.
    fn at(&self, name: &str) -> Result<&serde_json::Value, String> {
        let parts: Vec<Part> = name
            .strip_prefix("body")
            .and_then(|r| path(r).ok())
            .ok_or_else(|| format!("{name} has no value"))?;
        let json = self.json.ok_or("body is not JSON")?;
        lookup(json, &parts).ok_or_else(|| "path not in body".to_string())
    }
}

impl Scope for Response<'_> {
    fn get(&self, name: &str) -> Value {
        match name {
            "status" => Value::Num(f64::from(self.status)),
            "response_time" => Value::Num(self.millis as f64),
            "body" => Value::Str(self.body_text()),
            _ => match self.at(name) {
                Ok(v) => from_json(name, v),
                Err(why) => Value::Missing(format!("{name} ({why})")),
            },
        }
    }

    fn text(&self, name: &str) -> Result<String, String> {
        match name {
            "status" => Ok(self.status.to_string()),
            "response_time" => Ok(self.millis.to_string()),
            "body" => Ok(self.body_text()),
            _ => self.at(name).map(|v| match v {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            }),
        }
    }
}

/// `Ok` when `cond` holds for `r`; otherwise the condition and what was
/// seen: `condition failed: [BODY].status == ACTIVE (got DEGRADED)`.
pub fn check(cond: &super::Cond, r: &Response<'_>) -> Result<(), String> {
    let text = cond.as_str().trim();
    match cond.eval(r) {
        Ok(true) => Ok(()),
        Ok(false) => {
            let seen = match cond.expr() {
                Some(Expr::Text(var, _, _)) => format!("got {}", r.text(var).unwrap_or_default()),
                _ => cond.values(r),
            };
            Err(format!("condition failed: {text} ({seen})"))
        }
        Err(why) => Err(format!("condition failed: {text} ({why})")),
    }
}
