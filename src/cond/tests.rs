use std::collections::HashMap;

use serde_json::Value as Json;

use super::*;

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
        (
            "standby.lag",
            Value::Missing("standby.lag (data is STALE)".into()),
        ),
        ("primary.id", Value::Str("gw-1-b".into())),
    ]))
}

fn holds(src: &str) -> Result<bool, String> {
    Cond::parse(src)
        .map_err(|e| format!("parse: {e}"))?
        .eval(&scope())
}

#[test]
fn gates_of_the_spec() {
    assert_eq!(holds("standby.health_score >= 70 && lag < 10s"), Ok(true));
    assert_eq!(holds("lag < 2s"), Ok(false));
    assert_eq!(holds("lag < 2500ms || lag > 1m"), Ok(false));
    assert_eq!(holds("primary.status == \"FAILED\""), Ok(true));
    assert_eq!(holds("primary.status == 'FAILED'"), Ok(true));
    assert_eq!(holds("!primary.down"), Ok(false));
    assert_eq!(holds("!(lag > 10s) && (primary.down || false)"), Ok(true));
}

#[test]
fn precedence_not_then_comparison_then_and_then_or() {
    // `&&` binds tighter than `||`: true || (false && false).
    assert_eq!(holds("primary.down || lag > 5 && lag > 6"), Ok(true));
    assert_eq!(holds("(primary.down || lag > 5) && lag > 6"), Ok(false));
    // `!` applies to the atom before the comparison is made.
    assert_eq!(holds("!primary.down == false"), Ok(true));
    assert_eq!(holds("!(lag < 1)"), Ok(true));
    let e = Cond::parse("a || b && c").expect("parses");
    assert!(matches!(e.expr(), Some(Expr::Or(_, r)) if matches!(**r, Expr::And(..))));
}

#[test]
fn a_missing_value_keeps_its_reason() {
    assert_eq!(
        holds("standby.nothing < 10"),
        Err("standby.nothing has no value".into())
    );
    assert_eq!(
        holds("standby.lag < 10"),
        Err("standby.lag (data is STALE) has no value".into())
    );
    let c = Cond::parse("standby.lag < 10 && lag < 5").expect("parses");
    assert_eq!(
        c.values(&scope()),
        "standby.lag = no value (data is STALE), lag = 2.50"
    );
    assert!(holds("primary.status > 3").is_err(), "text and number");
    assert!(holds("primary.status < \"Z\"").is_err(), "text ordered");
    assert!(
        holds("lag")
            .expect_err("a number")
            .contains("not true or false")
    );
}

#[test]
fn or_holds_when_one_side_holds_and_and_needs_both() {
    assert_eq!(holds("standby.nothing > 1 || lag < 10s"), Ok(true));
    assert_eq!(holds("lag < 10s || standby.nothing > 1"), Ok(true));
    assert_eq!(
        holds("standby.lag > 1 || lag > 10s"),
        Err("standby.lag (data is STALE) has no value".into()),
        "undecidable || false stays undecidable, with the reason"
    );
    assert!(holds("standby.lag > 1 && lag < 10s").is_err());
    assert!(holds("lag < 10s && standby.lag > 1").is_err());
    assert_eq!(
        holds("lag > 10s && standby.lag > 1"),
        Ok(false),
        "decided early"
    );
    assert!(holds("!(standby.lag > 1)").is_err(), "not of undecidable");
}

#[test]
fn syntax_errors_say_what_and_where() {
    let err = |s: &str| Cond::parse(s).expect_err(s);
    assert_eq!(err("lag < "), "the expression ends too early, at column 7");
    assert_eq!(
        err("lag < 10 parsecs"),
        "unexpected `parsecs` at column 10 after a complete expression"
    );
    assert_eq!(err("x && (lag < 10"), "missing `)` for the `(` at column 6");
    assert_eq!(err("lag ~ 3"), "unexpected `~` at column 5");
    assert_eq!(err("lag < 'x"), "unclosed string at column 7");
    assert_eq!(err("lag < && x"), "unexpected `&&` at column 7");
    assert!(err("lag < 3parsecs").contains("`3parsecs` at column 7 is not a number"));
    assert!(err("answer == {{ area.region }}").contains("inside quotes"));
    assert_eq!(Cond::parse("a.b && c").map(|e| e.vars().len()), Ok(2));
    let bad = Cond::new("lag <");
    assert_eq!(bad.as_str(), "lag <");
    assert!(bad.eval(&scope()).is_err() && bad.error().is_some() && bad.vars().is_empty());
}

#[test]
fn deep_nesting_is_refused_not_a_stack_overflow() {
    let deep = format!("{}lag < 1{}", "(".repeat(11_400), ")".repeat(11_400));
    let err = Cond::parse(&deep).expect_err("too deep");
    assert!(err.contains("deeper than 64 levels"), "{err}");
    let nots = format!("{}primary.down", "!".repeat(100));
    assert!(
        Cond::parse(&nots)
            .expect_err("too deep")
            .contains("deeper than 64")
    );
    let chain = vec!["primary.down"; 6_000].join(" && ");
    assert!(
        Cond::parse(&chain)
            .expect_err("too long")
            .contains("limit of 1024")
    );
    let fine = format!("{}lag < 1{}", "(".repeat(64), ")".repeat(64));
    assert_eq!(Cond::parse(&fine).map(|e| e.vars().len()), Ok(1));
}

#[test]
fn templates_live_in_quotes_and_render_into_values() {
    let c = Cond::parse("primary.id == \"{{ standby.id }}\" && lag < 10").expect("parses");
    assert_eq!(c.templates(), vec!["{{ standby.id }}"]);
    let r = c.render(&|t| Some(t.replace("{{ standby.id }}", "gw-1-b")));
    assert_eq!(r.as_str(), "primary.id == \"gw-1-b\" && lag < 10");
    assert_eq!(r.eval(&scope()), Ok(true));
    assert_eq!(
        c.eval(&scope()),
        Ok(false),
        "unrendered: compared as written"
    );
    let kept = c.render(&|_| None);
    assert_eq!(kept, c);
}

#[test]
fn serde_reads_text_and_writes_it_back() {
    #[derive(serde::Deserialize, serde::Serialize)]
    struct S {
        c: Cond,
        #[serde(default, deserialize_with = "http_conditions")]
        h: Vec<Cond>,
    }
    let s: S = toml::from_str("c = \"lag < 1\"\nh = [\"[STATUS] == 200\"]").expect("toml");
    assert_eq!(s.c.eval(&scope()), Ok(false));
    assert!(matches!(s.h[0].expr(), Some(Expr::Text(..))));
    assert_eq!(serde_json::to_string(&s.c).expect("json"), "\"lag < 1\"");
    let odd: Cond = serde_json::from_str("\"lag <\"").expect("kept with its error");
    assert!(odd.error().is_some());
}

fn resp<'a>(status: u16, millis: u128, body: &'a [u8], json: Option<&'a Json>) -> Response<'a> {
    Response {
        status,
        millis,
        body,
        json,
    }
}

fn check(c: &str, r: &Response<'_>) -> Result<(), String> {
    gatus::check(&Cond::http(c), r)
}

#[test]
fn gatus_examples() {
    let body = br#"{"status":"ACTIVE","data":{"items":[{"lag":1.5}]},"n":"200","up":true}"#;
    let json: Json = serde_json::from_slice(body).expect("json");
    let r = resp(200, 120, body, Some(&json));
    for ok in [
        "[STATUS] == 200",
        "[BODY].status == ACTIVE",
        "[BODY].status == \"ACTIVE\"",
        "[RESPONSE_TIME] < 500",
        "[BODY].data.items[0].lag <= 2",
        "[STATUS]!=500",
        "[BODY].n == 200",
        "[BODY].up == true",
    ] {
        check(ok, &r).expect(ok);
    }
    assert_eq!(
        check("[BODY].status == DEGRADED", &r),
        Err("condition failed: [BODY].status == DEGRADED (got ACTIVE)".into())
    );
    let slow = check("[RESPONSE_TIME] < 100", &r).expect_err("fails");
    assert!(slow.contains("got 120"), "{slow}");
    assert_eq!(
        check("[BODY].nope == 1", &r),
        Err("condition failed: [BODY].nope == 1 (path not in body)".into())
    );
    assert_eq!(
        check("[BODY].status > 1", &r),
        Err("condition failed: [BODY].status > 1 (`ACTIVE` is not a number)".into())
    );
    let text = resp(503, 5, b" OK \n", None);
    check("[BODY] == OK", &text).expect("whole body");
    assert_eq!(
        check("[BODY].x == 1", &text),
        Err("condition failed: [BODY].x == 1 (body is not JSON)".into())
    );
    assert_eq!(
        check("[STATUS] == 200", &text),
        Err("condition failed: [STATUS] == 200 (got 503)".into())
    );
}

#[test]
fn gatus_sugar_means_the_same_as_the_language() {
    let body = br#"{"status":"ACTIVE","data":{"items":[{"lag":1.5}]}}"#;
    let json: Json = serde_json::from_slice(body).expect("json");
    for (status, millis) in [(200, 120), (500, 900)] {
        let r = resp(status, millis, body, Some(&json));
        for (sugar, plain) in [
            ("[STATUS] == 200", "status == 200"),
            ("[BODY].status == ACTIVE", "body.status == \"ACTIVE\""),
            ("[RESPONSE_TIME] < 500", "response_time < 500"),
            (
                "[BODY].data.items[0].lag <= 2",
                "body.data.items[0].lag <= 2",
            ),
        ] {
            assert_eq!(
                check(sugar, &r).is_ok(),
                check(plain, &r).is_ok(),
                "{sugar} / {plain}"
            );
            let mixed = format!("{plain} && [STATUS] < 600");
            assert_eq!(
                check(&mixed, &r).is_ok(),
                check(plain, &r).is_ok(),
                "{mixed}"
            );
        }
    }
    let r = resp(200, 1, body, Some(&json));
    assert_eq!(
        check("status == 500 || body.status == \"ACTIVE\"", &r),
        Ok(())
    );
    assert_eq!(
        check("status == 500", &r),
        Err("condition failed: status == 500 (status = 200)".into())
    );
}

#[test]
fn bad_source_conditions_are_refused() {
    let err = |s: &str| {
        Cond::http(s)
            .error()
            .map(str::to_string)
            .unwrap_or_default()
    };
    assert!(err("[STATUS] = 200").contains("no operator"));
    assert!(err("[HEADERS] == x").contains("unknown placeholder"));
    assert!(err("[STATUS] == ok").contains("not a number"));
    assert!(err("[BODY]..x == 1").contains("empty key"));
    assert!(err("[BODY].a[99999999999999999999] == 1").contains("not an array index"));
    assert!(err("[BODY]x == 1").contains("cannot read the [BODY] path"));
    assert!(err("lag < 1").contains("unknown variable `lag`"));
    assert!(err("status == ").contains("ends too early"));
    assert_eq!(err("[STATUS] == 200"), "");
}

#[test]
fn a_template_that_does_not_render_makes_the_condition_undecidable() {
    struct Empty;
    impl Scope for Empty {
        fn get(&self, _: &str) -> Value {
            Value::Str("pg-a".into())
        }
    }
    let c = Cond::new("primary.id != \"{{ failover.failed_instance }}\"");
    let failed = c.render_strict(&|_| Err("undefined".into()));
    let why = failed
        .eval(&Empty)
        .expect_err("no decision on an unrendered template");
    assert!(why.contains("does not render"), "{why}");
    let ok = c.render_strict(&|_| Ok("pg-b".into()));
    assert_eq!(ok.eval(&Empty), Ok(true));
}
