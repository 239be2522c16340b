//! Gate expressions over live state: `standby.health_score >= 70 &&
//! lag < 10s`, `primary.status == "FAILED"`, `!primary.down`. Durations
//! (`500ms`, `10s`, `5m`) are numbers of seconds. A small parser, so every
//! error can say where it is and every variable can be checked up front.

use std::fmt;

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Num(f64),
    Str(String),
    Bool(bool),
    /// A variable with no value now (no data yet, no standby).
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp {
    Eq,
    Ne,
    Lt,
    Gt,
    Le,
    Ge,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Lit(Value),
    Var(String),
    Not(Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Cmp(Box<Expr>, Cmp, Box<Expr>),
}

/// Where variables get their values.
pub trait Scope {
    fn get(&self, name: &str) -> Value;
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Num(f64),
    Str(String),
    Ident(String),
    Op(&'static str),
    LParen,
    RParen,
}

fn lex(src: &str) -> Result<Vec<Tok>, String> {
    let chars: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '(' {
            out.push(Tok::LParen);
            i += 1;
        } else if c == ')' {
            out.push(Tok::RParen);
            i += 1;
        } else if c == '"' || c == '\'' {
            let end = chars[i + 1..]
                .iter()
                .position(|&x| x == c)
                .ok_or_else(|| format!("unclosed string at column {}", i + 1))?;
            out.push(Tok::Str(chars[i + 1..i + 1 + end].iter().collect()));
            i += end + 2;
        } else if c.is_ascii_digit() {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '.') {
                i += 1;
            }
            let text: String = chars[start..i].iter().collect();
            out.push(Tok::Num(number(&text).ok_or_else(|| {
                format!("`{text}` is not a number or a duration (10s, 500ms, 5m)")
            })?));
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '.')
            {
                i += 1;
            }
            out.push(Tok::Ident(chars[start..i].iter().collect()));
        } else {
            let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
            let op = ["&&", "||", "==", "!=", "<=", ">="]
                .into_iter()
                .find(|o| *o == two);
            if let Some(o) = op {
                out.push(Tok::Op(o));
                i += 2;
            } else if let Some(o) = ["<", ">", "!"].into_iter().find(|o| o.starts_with(c)) {
                out.push(Tok::Op(o));
                i += 1;
            } else {
                return Err(format!("unexpected `{c}` at column {}", i + 1));
            }
        }
    }
    Ok(out)
}

/// `12`, `1.5`, `10s`, `500ms`, `5m`, `1h` → seconds.
fn number(text: &str) -> Option<f64> {
    if let Ok(n) = text.parse::<f64>() {
        return Some(n);
    }
    crate::config::parse_duration(text)
        .ok()
        .map(|d| d.as_secs_f64())
}

/// Deepest nesting of parentheses and `!` accepted. Real gates nest a few
/// levels; thousands would overflow the stack of `check`, the console and
/// `report` (the parser and the evaluator both recurse).
pub const MAX_DEPTH: usize = 64;
/// Longest expression, in tokens: a chain of `&&` is as deep as it is long
/// when evaluated.
pub const MAX_TOKENS: usize = 1024;

struct Parser {
    toks: Vec<Tok>,
    pos: usize,
    depth: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }

    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    /// Runs one level of nesting, refusing to go past `MAX_DEPTH`.
    fn nested(&mut self, f: fn(&mut Self) -> Result<Expr, String>) -> Result<Expr, String> {
        if self.depth >= MAX_DEPTH {
            return Err(too_deep());
        }
        self.depth += 1;
        let e = f(self);
        self.depth -= 1;
        e
    }

    fn or(&mut self) -> Result<Expr, String> {
        let mut left = self.and()?;
        while self.peek() == Some(&Tok::Op("||")) {
            self.pos += 1;
            left = Expr::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, String> {
        let mut left = self.unary()?;
        while self.peek() == Some(&Tok::Op("&&")) {
            self.pos += 1;
            left = Expr::And(Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, String> {
        if self.peek() == Some(&Tok::Op("!")) {
            self.pos += 1;
            return Ok(Expr::Not(Box::new(self.nested(Self::unary)?)));
        }
        let left = self.atom()?;
        let op = match self.peek() {
            Some(Tok::Op("==")) => Cmp::Eq,
            Some(Tok::Op("!=")) => Cmp::Ne,
            Some(Tok::Op("<")) => Cmp::Lt,
            Some(Tok::Op(">")) => Cmp::Gt,
            Some(Tok::Op("<=")) => Cmp::Le,
            Some(Tok::Op(">=")) => Cmp::Ge,
            _ => return Ok(left),
        };
        self.pos += 1;
        Ok(Expr::Cmp(Box::new(left), op, Box::new(self.atom()?)))
    }

    fn atom(&mut self) -> Result<Expr, String> {
        match self.next() {
            Some(Tok::Num(n)) => Ok(Expr::Lit(Value::Num(n))),
            Some(Tok::Str(s)) => Ok(Expr::Lit(Value::Str(s))),
            Some(Tok::Ident(id)) if id == "true" => Ok(Expr::Lit(Value::Bool(true))),
            Some(Tok::Ident(id)) if id == "false" => Ok(Expr::Lit(Value::Bool(false))),
            Some(Tok::Ident(id)) => Ok(Expr::Var(id)),
            Some(Tok::LParen) => {
                let e = self.nested(Self::or)?;
                match self.next() {
                    Some(Tok::RParen) => Ok(e),
                    _ => Err("missing `)`".into()),
                }
            }
            Some(t) => Err(format!("unexpected {t:?}")),
            None => Err("the expression ends too early".into()),
        }
    }
}

fn too_deep() -> String {
    format!("the expression nests deeper than {MAX_DEPTH} levels of parentheses and `!`")
}

pub fn parse(src: &str) -> Result<Expr, String> {
    let toks = lex(src)?;
    let mut open = 0usize;
    for t in &toks {
        match t {
            Tok::LParen => open += 1,
            Tok::RParen => open = open.saturating_sub(1),
            _ => {}
        }
        if open > MAX_DEPTH {
            return Err(too_deep());
        }
    }
    if toks.len() > MAX_TOKENS {
        return Err(format!(
            "the expression has {} parts, more than the limit of {MAX_TOKENS}",
            toks.len()
        ));
    }
    let mut p = Parser {
        toks,
        pos: 0,
        depth: 0,
    };
    let e = p.or()?;
    if p.pos < p.toks.len() {
        return Err(format!(
            "unexpected {:?} after a complete expression",
            p.toks[p.pos]
        ));
    }
    Ok(e)
}

impl Expr {
    /// Every variable named, for `baton check` and for showing values.
    pub fn vars(&self) -> Vec<&str> {
        let mut out = Vec::new();
        self.collect(&mut out);
        out.dedup();
        out
    }

    fn collect<'a>(&'a self, out: &mut Vec<&'a str>) {
        match self {
            Self::Var(v) => out.push(v),
            Self::Lit(_) => {}
            Self::Not(e) => e.collect(out),
            Self::And(a, b) | Self::Or(a, b) | Self::Cmp(a, _, b) => {
                a.collect(out);
                b.collect(out);
            }
        }
    }

    /// `Ok(bool)` when it can be decided; `Err` says why not (a missing
    /// value, a type mismatch). An undecided gate does not pass.
    pub fn eval(&self, scope: &dyn Scope) -> Result<bool, String> {
        match self {
            Self::Not(e) => e.eval(scope).map(|b| !b),
            Self::And(a, b) => Ok(a.eval(scope)? && b.eval(scope)?),
            Self::Or(a, b) => match a.eval(scope) {
                Ok(true) => Ok(true),
                Ok(false) => b.eval(scope),
                Err(e) => match b.eval(scope) {
                    Ok(true) => Ok(true),
                    _ => Err(e),
                },
            },
            Self::Cmp(a, op, b) => compare(&a.value(scope), *op, &b.value(scope)),
            Self::Lit(_) | Self::Var(_) => match self.value(scope) {
                Value::Bool(b) => Ok(b),
                Value::Missing(name) => Err(format!("{name} has no value")),
                other => Err(format!("{other} is not true or false")),
            },
        }
    }

    fn value(&self, scope: &dyn Scope) -> Value {
        match self {
            Self::Lit(v) => v.clone(),
            Self::Var(name) => scope.get(name),
            other => match other.eval(scope) {
                Ok(b) => Value::Bool(b),
                Err(e) => Value::Missing(e),
            },
        }
    }
}

fn compare(a: &Value, op: Cmp, b: &Value) -> Result<bool, String> {
    use std::cmp::Ordering;
    let ord = match (a, b) {
        (Value::Missing(n), _) | (_, Value::Missing(n)) => return Err(format!("{n} has no value")),
        (Value::Num(x), Value::Num(y)) => x.partial_cmp(y).ok_or("not a number")?,
        (Value::Str(x), Value::Str(y)) => x.cmp(y),
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        (x, y) => return Err(format!("cannot compare {x} with {y}")),
    };
    if matches!(a, Value::Str(_) | Value::Bool(_)) && !matches!(op, Cmp::Eq | Cmp::Ne) {
        return Err(format!("{a} and {b} can only be compared with == or !="));
    }
    Ok(match op {
        Cmp::Eq => ord == Ordering::Equal,
        Cmp::Ne => ord != Ordering::Equal,
        Cmp::Lt => ord == Ordering::Less,
        Cmp::Gt => ord == Ordering::Greater,
        Cmp::Le => ord != Ordering::Greater,
        Cmp::Ge => ord != Ordering::Less,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    struct Map(HashMap<&'static str, Value>);
    impl Scope for Map {
        fn get(&self, name: &str) -> Value {
            self.0
                .get(name)
                .cloned()
                .unwrap_or_else(|| Value::Missing(name.to_string()))
        }
    }

    fn scope() -> Map {
        Map(HashMap::from([
            ("standby.health_score", Value::Num(88.0)),
            ("lag", Value::Num(2.5)),
            ("primary.status", Value::Str("FAILED".into())),
            ("primary.down", Value::Bool(true)),
        ]))
    }

    fn holds(src: &str) -> Result<bool, String> {
        parse(src)
            .map_err(|e| format!("parse: {e}"))?
            .eval(&scope())
    }

    #[test]
    fn gates_of_the_spec() {
        assert_eq!(holds("standby.health_score >= 70 && lag < 10s"), Ok(true));
        assert_eq!(holds("lag < 2s"), Ok(false));
        assert_eq!(holds("lag < 2500ms || lag > 1m"), Ok(false));
        assert_eq!(holds("primary.status == \"FAILED\""), Ok(true));
        assert_eq!(holds("!primary.down"), Ok(false));
        assert_eq!(holds("!(lag > 10s) && (primary.down || false)"), Ok(true));
    }

    #[test]
    fn missing_values_and_type_errors_do_not_pass() {
        assert_eq!(
            holds("standby.lag < 10"),
            Err("standby.lag has no value".into())
        );
        assert!(holds("primary.status > 3").is_err());
        assert_eq!(
            holds("standby.nothing > 1 || lag < 10s"),
            Ok(true),
            "an || with a true side holds"
        );
    }

    #[test]
    fn syntax_errors_say_what() {
        assert!(
            parse("lag < ")
                .expect_err("short")
                .contains("ends too early")
        );
        assert!(
            parse("lag < 10 parsecs")
                .expect_err("trailing")
                .contains("after a complete expression")
        );
        assert!(
            parse("(lag < 10")
                .expect_err("paren")
                .contains("missing `)`")
        );
        assert!(parse("lag ~ 3").expect_err("op").contains("unexpected `~`"));
        assert_eq!(parse("a.b && c").map(|e| e.vars().len()), Ok(2));
    }

    #[test]
    fn deep_nesting_is_refused_not_a_stack_overflow() {
        let deep = format!("{}lag < 1{}", "(".repeat(11_400), ")".repeat(11_400));
        let err = parse(&deep).expect_err("too deep");
        assert!(err.contains("deeper than 64 levels"), "{err}");
        let nots = format!("{}primary.down", "!".repeat(100));
        assert!(
            parse(&nots)
                .expect_err("too deep")
                .contains("deeper than 64")
        );
        let chain = vec!["primary.down"; 6_000].join(" && ");
        assert!(
            parse(&chain)
                .expect_err("too long")
                .contains("limit of 1024")
        );
        let fine = format!("{}lag < 1{}", "(".repeat(64), ")".repeat(64));
        assert_eq!(parse(&fine).map(|e| e.vars().len()), Ok(1));
    }
}
