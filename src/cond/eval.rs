//! Deciding a parsed condition against a scope.

use std::cmp::Ordering;

use super::syntax::{Cmp, Expr};
use super::value::{Scope, Value};

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
            Self::Var(v) | Self::Text(v, _, _) => out.push(v),
            Self::Lit(_) => {}
            Self::Not(e) => e.collect(out),
            Self::And(a, b) | Self::Or(a, b) | Self::Cmp(a, _, b) => {
                a.collect(out);
                b.collect(out);
            }
        }
    }

    /// `Ok(bool)` when it can be decided; `Err` says why not (a missing
    /// value, a type mismatch). An undecided condition does not hold, but
    /// an `||` with one side that holds does.
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
            Self::Text(var, op, right) => compare_text(&scope.text(var)?, *op, right),
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

    /// The same condition with each text literal passed through `f`
    /// (templates rendered into values); `None` keeps the literal.
    pub fn map_text(&self, f: &dyn Fn(&str) -> Option<String>) -> Self {
        let b = |e: &Self| Box::new(e.map_text(f));
        match self {
            Self::Lit(Value::Str(s)) => Self::Lit(Value::Str(f(s).unwrap_or_else(|| s.clone()))),
            Self::Lit(_) | Self::Var(_) | Self::Text(..) => self.clone(),
            Self::Not(e) => Self::Not(b(e)),
            Self::And(x, y) => Self::And(b(x), b(y)),
            Self::Or(x, y) => Self::Or(b(x), b(y)),
            Self::Cmp(x, op, y) => Self::Cmp(b(x), *op, b(y)),
        }
    }

    /// Every text literal, in order.
    pub fn texts(&self) -> Vec<&str> {
        let mut out = Vec::new();
        self.collect_texts(&mut out);
        out
    }

    fn collect_texts<'a>(&'a self, out: &mut Vec<&'a str>) {
        match self {
            Self::Lit(Value::Str(s)) => out.push(s),
            Self::Lit(_) | Self::Var(_) | Self::Text(..) => {}
            Self::Not(e) => e.collect_texts(out),
            Self::And(a, b) | Self::Or(a, b) | Self::Cmp(a, _, b) => {
                a.collect_texts(out);
                b.collect_texts(out);
            }
        }
    }
}

fn compare(a: &Value, op: Cmp, b: &Value) -> Result<bool, String> {
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
    Ok(holds(ord, op))
}

fn holds(ord: Ordering, op: Cmp) -> bool {
    match op {
        Cmp::Eq => ord == Ordering::Equal,
        Cmp::Ne => ord != Ordering::Equal,
        Cmp::Lt => ord == Ordering::Less,
        Cmp::Gt => ord == Ordering::Greater,
        Cmp::Le => ord != Ordering::Greater,
        Cmp::Ge => ord != Ordering::Less,
    }
}

/// Gatus: numbers when both sides read as numbers, else text, which only
/// `==` and `!=` compare.
fn compare_text(got: &str, op: Cmp, right: &str) -> Result<bool, String> {
    match (got.parse::<f64>(), right.parse::<f64>()) {
        (Ok(a), Ok(b)) => Ok(match op {
            Cmp::Eq => (a - b).abs() < f64::EPSILON,
            Cmp::Ne => (a - b).abs() >= f64::EPSILON,
            Cmp::Lt => a < b,
            Cmp::Gt => a > b,
            Cmp::Le => a <= b,
            Cmp::Ge => a >= b,
        }),
        _ => match op {
            Cmp::Eq => Ok(got == right),
            Cmp::Ne => Ok(got != right),
            _ => Err(format!("`{got}` is not a number")),
        },
    }
}
