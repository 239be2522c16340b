//! The grammar, its lexer and parser. Every error says where it is.
//!
//! ```text
//! or    := and ("||" and)*
//! and   := unary ("&&" unary)*
//! unary := "!" unary | atom (("=="|"!="|"<"|">"|"<="|">=") atom)?
//! atom  := number | duration | "text" | 'text' | true | false | name | "(" or ")"
//! name  := word ("." word | "[" digits "]")*      e.g. standby.lag, body.items[0].x
//!        | [STATUS] | [RESPONSE_TIME] | [BODY] path   (Gatus spellings of status, …)
//! ```

use super::value::Value;

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
    /// A Gatus comparison: the variable's text against the text written,
    /// as numbers when both read as numbers.
    Text(String, Cmp, String),
}

/// Deepest nesting of parentheses and `!` accepted. Real gates nest a few
/// levels; thousands would overflow the stack of `check`, the console and
/// `report` (the parser and the evaluator both recurse).
pub const MAX_DEPTH: usize = 64;
/// Longest expression, in tokens: a chain of `&&` is as deep as it is long
/// when evaluated.
pub const MAX_TOKENS: usize = 1024;

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Num(f64),
    Str(String),
    Ident(String),
    Op(&'static str),
    LParen,
    RParen,
}

/// A token, its 1-based column and its text as written.
struct Lexed {
    tok: Tok,
    col: usize,
    text: String,
}

/// Gatus placeholders and the variables they stand for.
const PLACEHOLDERS: [(&str, &str); 3] = [
    ("[STATUS]", "status"),
    ("[RESPONSE_TIME]", "response_time"),
    ("[BODY]", "body"),
];

fn lex(src: &str) -> Result<Vec<Lexed>, String> {
    let chars: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let start = i;
        let tok = if c.is_whitespace() {
            i += 1;
            continue;
        } else if c == '(' {
            i += 1;
            Tok::LParen
        } else if c == ')' {
            i += 1;
            Tok::RParen
        } else if c == '"' || c == '\'' {
            let end = chars[i + 1..]
                .iter()
                .position(|&x| x == c)
                .ok_or_else(|| format!("unclosed string at column {}", i + 1))?;
            i += end + 2;
            Tok::Str(chars[start + 1..i - 1].iter().collect())
        } else if c.is_ascii_digit() {
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '.') {
                i += 1;
            }
            let text: String = chars[start..i].iter().collect();
            Tok::Num(number(&text).ok_or_else(|| {
                format!(
                    "`{text}` at column {} is not a number or a duration (10s, 500ms, 5m)",
                    start + 1
                )
            })?)
        } else if let Some((ph, var)) = PLACEHOLDERS
            .iter()
            .find(|(ph, _)| chars[i..].starts_with(&ph.chars().collect::<Vec<_>>()))
        {
            i += ph.chars().count();
            let mut name = (*var).to_string();
            if *var == "body" {
                i = name_rest(&chars, i, &mut name);
            }
            Tok::Ident(name)
        } else if c.is_alphabetic() || c == '_' {
            let mut name = String::new();
            i = name_rest(&chars, i, &mut name);
            Tok::Ident(name)
        } else if c == '{' && matches!(chars.get(i + 1), Some('{' | '%')) {
            return Err(format!(
                "a template goes inside quotes, compared as text: \
                 `answer == \"{{{{ area.region }}}}\"` (`{{{{` at column {})",
                i + 1
            ));
        } else {
            let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
            if let Some(o) = ["&&", "||", "==", "!=", "<=", ">="]
                .into_iter()
                .find(|o| *o == two)
            {
                i += 2;
                Tok::Op(o)
            } else if let Some(o) = ["<", ">", "!"].into_iter().find(|o| o.starts_with(c)) {
                i += 1;
                Tok::Op(o)
            } else {
                return Err(format!("unexpected `{c}` at column {}", i + 1));
            }
        };
        out.push(Lexed {
            tok,
            col: start + 1,
            text: chars[start..i].iter().collect(),
        });
    }
    Ok(out)
}

/// The rest of a name from `i`: word characters, dots and `[digits]`.
fn name_rest(chars: &[char], mut i: usize, name: &mut String) -> usize {
    while i < chars.len() {
        let c = chars[i];
        if c.is_alphanumeric() || c == '_' || c == '.' {
            name.push(c);
            i += 1;
        } else if c == '[' {
            let digits = chars[i + 1..]
                .iter()
                .take_while(|d| d.is_ascii_digit())
                .count();
            if digits == 0 || chars.get(i + 1 + digits) != Some(&']') {
                break;
            }
            name.extend(&chars[i..=i + 1 + digits]);
            i += digits + 2;
        } else {
            break;
        }
    }
    i
}

/// `12`, `1.5`, `10s`, `500ms`, `5m`, `1h` → seconds (at most 366 days,
/// as every duration of the config).
fn number(text: &str) -> Option<f64> {
    if let Ok(n) = text.parse::<f64>() {
        return Some(n);
    }
    humantime::parse_duration(text)
        .ok()
        .filter(|d| *d <= std::time::Duration::from_hours(366 * 24))
        .map(|d| d.as_secs_f64())
}

struct Parser {
    toks: Vec<Lexed>,
    pos: usize,
    depth: usize,
    /// Column just past the end, for "ends too early".
    end: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|l| &l.tok)
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
        let Some(op) = self.peek().and_then(cmp) else {
            return Ok(left);
        };
        self.pos += 1;
        Ok(Expr::Cmp(Box::new(left), op, Box::new(self.atom()?)))
    }

    fn atom(&mut self) -> Result<Expr, String> {
        let Some(l) = self.toks.get(self.pos) else {
            return Err(format!(
                "the expression ends too early, at column {}",
                self.end
            ));
        };
        let col = l.col;
        self.pos += 1;
        match l.tok.clone() {
            Tok::Num(n) => Ok(Expr::Lit(Value::Num(n))),
            Tok::Str(s) => Ok(Expr::Lit(Value::Str(s))),
            Tok::Ident(id) if id == "true" => Ok(Expr::Lit(Value::Bool(true))),
            Tok::Ident(id) if id == "false" => Ok(Expr::Lit(Value::Bool(false))),
            Tok::Ident(id) => Ok(Expr::Var(id)),
            Tok::LParen => {
                let e = self.nested(Self::or)?;
                if self.peek() == Some(&Tok::RParen) {
                    self.pos += 1;
                    Ok(e)
                } else {
                    Err(format!("missing `)` for the `(` at column {col}"))
                }
            }
            Tok::RParen | Tok::Op(_) => Err(format!("unexpected `{}` at column {col}", l.text)),
        }
    }
}

fn cmp(t: &Tok) -> Option<Cmp> {
    Some(match t {
        Tok::Op("==") => Cmp::Eq,
        Tok::Op("!=") => Cmp::Ne,
        Tok::Op("<") => Cmp::Lt,
        Tok::Op(">") => Cmp::Gt,
        Tok::Op("<=") => Cmp::Le,
        Tok::Op(">=") => Cmp::Ge,
        _ => return None,
    })
}

fn too_deep() -> String {
    format!("the expression nests deeper than {MAX_DEPTH} levels of parentheses and `!`")
}

/// Parses a gate, wait, settle, expect or source condition.
pub fn parse(src: &str) -> Result<Expr, String> {
    let toks = lex(src)?;
    let mut open = 0usize;
    for t in &toks {
        match t.tok {
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
        end: src.chars().count() + 1,
    };
    let e = p.or()?;
    if let Some(l) = p.toks.get(p.pos) {
        return Err(format!(
            "unexpected `{}` at column {} after a complete expression",
            l.text, l.col
        ));
    }
    Ok(e)
}
