//! Gatus-style conditions on an HTTP health response:
//! `[STATUS] == 200`, `[BODY].status == ACTIVE`, `[RESPONSE_TIME] < 500`.

use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    /// As written, shown when the condition fails.
    pub text: String,
    left: Placeholder,
    op: Op,
    right: String,
}

#[derive(Debug, Clone, PartialEq)]
enum Placeholder {
    Status,
    /// Milliseconds.
    ResponseTime,
    /// `[BODY]` (whole text) or `[BODY].a.b[0]`.
    Body(Vec<PathPart>),
}

#[derive(Debug, Clone, PartialEq)]
enum PathPart {
    Key(String),
    Index(usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Eq,
    Ne,
    Lt,
    Gt,
    Le,
    Ge,
}

const OPS: [(&str, Op); 6] = [
    ("==", Op::Eq),
    ("!=", Op::Ne),
    ("<=", Op::Le),
    (">=", Op::Ge),
    ("<", Op::Lt),
    (">", Op::Gt),
];

/// What a condition is checked against.
pub struct Response<'a> {
    pub status: u16,
    pub millis: u128,
    pub body: &'a [u8],
    pub json: Option<&'a Value>,
}

pub fn parse(text: &str) -> Result<Condition, String> {
    let (pos, sym, op) = OPS
        .iter()
        .filter_map(|(sym, op)| text.find(sym).map(|p| (p, *sym, *op)))
        .min_by_key(|(p, sym, _)| (*p, std::cmp::Reverse(sym.len())))
        .ok_or_else(|| format!("condition `{text}` has no operator (== != < > <= >=)"))?;
    let left = text[..pos].trim();
    let right = text[pos + sym.len()..].trim().trim_matches('"').to_string();
    let left = match left {
        "[STATUS]" => Placeholder::Status,
        "[RESPONSE_TIME]" => Placeholder::ResponseTime,
        l if l.starts_with("[BODY]") => Placeholder::Body(path(&l["[BODY]".len()..], text)?),
        other => {
            return Err(format!(
                "condition `{text}`: unknown placeholder `{other}`; use [STATUS], [RESPONSE_TIME] or [BODY].path"
            ));
        }
    };
    if matches!(left, Placeholder::Status | Placeholder::ResponseTime)
        && right.parse::<f64>().is_err()
    {
        return Err(format!("condition `{text}`: `{right}` is not a number"));
    }
    Ok(Condition {
        text: text.trim().to_string(),
        left,
        op,
        right,
    })
}

fn path(rest: &str, text: &str) -> Result<Vec<PathPart>, String> {
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
                    return Err(format!("condition `{text}`: empty key in [BODY] path"));
                }
                parts.push(PathPart::Key(key));
            }
            '[' => {
                let digits: String = chars.by_ref().take_while(|c| *c != ']').collect();
                let i = digits.parse().map_err(|_| {
                    format!("condition `{text}`: `[{digits}]` is not an array index")
                })?;
                parts.push(PathPart::Index(i));
            }
            _ => {
                return Err(format!(
                    "condition `{text}`: cannot read the [BODY] path `{rest}`"
                ));
            }
        }
    }
    Ok(parts)
}

impl Condition {
    /// `Ok` when it holds; otherwise the condition text and what was seen.
    pub fn check(&self, r: &Response<'_>) -> Result<(), String> {
        let got = match &self.left {
            Placeholder::Status => r.status.to_string(),
            Placeholder::ResponseTime => r.millis.to_string(),
            Placeholder::Body(p) if p.is_empty() => {
                String::from_utf8_lossy(r.body).trim().to_string()
            }
            Placeholder::Body(p) => {
                let mut v = r
                    .json
                    .ok_or_else(|| format!("condition failed: {} (body is not JSON)", self.text))?;
                for part in p {
                    let next = match part {
                        PathPart::Key(k) => v.get(k),
                        PathPart::Index(i) => v.get(*i),
                    };
                    v = next.ok_or_else(|| {
                        format!("condition failed: {} (path not in body)", self.text)
                    })?;
                }
                match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                }
            }
        };
        let holds = match (got.parse::<f64>(), self.right.parse::<f64>()) {
            (Ok(a), Ok(b)) => match self.op {
                Op::Eq => (a - b).abs() < f64::EPSILON,
                Op::Ne => (a - b).abs() >= f64::EPSILON,
                Op::Lt => a < b,
                Op::Gt => a > b,
                Op::Le => a <= b,
                Op::Ge => a >= b,
            },
            _ => match self.op {
                Op::Eq => got == self.right,
                Op::Ne => got != self.right,
                _ => {
                    return Err(format!(
                        "condition failed: {} (`{got}` is not a number)",
                        self.text
                    ));
                }
            },
        };
        if holds {
            Ok(())
        } else {
            Err(format!("condition failed: {} (got {got})", self.text))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resp<'a>(
        status: u16,
        millis: u128,
        body: &'a [u8],
        json: Option<&'a Value>,
    ) -> Response<'a> {
        Response {
            status,
            millis,
            body,
            json,
        }
    }

    #[test]
    fn gatus_examples() {
        let body = br#"{"status":"ACTIVE","data":{"items":[{"lag":1.5}]}}"#;
        let json: Value = serde_json::from_slice(body).expect("json");
        let r = resp(200, 120, body, Some(&json));
        for ok in [
            "[STATUS] == 200",
            "[BODY].status == ACTIVE",
            "[BODY].status == \"ACTIVE\"",
            "[RESPONSE_TIME] < 500",
            "[BODY].data.items[0].lag <= 2",
            "[STATUS]!=500",
        ] {
            parse(ok).expect(ok).check(&r).expect(ok);
        }
        let failed = parse("[BODY].status == DEGRADED")
            .expect("parses")
            .check(&r)
            .expect_err("fails");
        assert_eq!(
            failed,
            "condition failed: [BODY].status == DEGRADED (got ACTIVE)"
        );
        let slow = parse("[RESPONSE_TIME] < 100")
            .expect("parses")
            .check(&r)
            .expect_err("fails");
        assert!(slow.contains("got 120"), "{slow}");
    }

    #[test]
    fn bad_conditions_are_refused() {
        assert!(
            parse("[STATUS] = 200")
                .expect_err("no op")
                .contains("no operator")
        );
        assert!(
            parse("[HEADERS] == x")
                .expect_err("unknown")
                .contains("unknown placeholder")
        );
        assert!(
            parse("[STATUS] == ok")
                .expect_err("nan")
                .contains("not a number")
        );
    }
}
