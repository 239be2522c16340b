//! Deep nesting of every kind, far past what the other targets generate.

use proptest::prelude::*;
use proptest::sample::select;

use super::mutate::Bytes;
use super::{app, bodies, config_case, depth, expr_case, runbook_case, template_case};

/// Kinds of nesting a runbook, a config, a template or a body can carry.
pub const NESTINGS: &[&str] = &[
    "expr_parens",
    "expr_not",
    "expr_and",
    "runbook_expr",
    "template_if",
    "template_parens",
    "toml_array",
    "json_array",
];

/// Nesting up to `BATON_FUZZ_DEPTH` levels (scripts/fuzz.sh: 20 000), of
/// the kind `BATON_FUZZ_NESTING` names (default: any), so a crash of one
/// kind does not hide the others.
pub fn nested() -> impl Strategy<Value = (u8, u32)> {
    let kinds: Vec<u8> = match std::env::var("BATON_FUZZ_NESTING")
        .ok()
        .filter(|k| !k.is_empty())
    {
        Some(k) => NESTINGS.iter().position(|n| *n == k).map_or_else(
            || panic!("BATON_FUZZ_NESTING: one of {NESTINGS:?}"),
            |i| vec![i as u8],
        ),
        None => (0..NESTINGS.len() as u8).collect(),
    };
    (select(kinds), 1..=u32::from(depth()).max(2))
}

pub fn nesting_case((kind, n): (u8, u32)) {
    let n = n as usize;
    let rep = |s: &str| s.repeat(n);
    let s = app::shipped();
    match kind {
        0 => expr_case(format!("{}lag{} < 1s", rep("("), rep(")"))),
        1 => expr_case(format!("{}primary.down", rep("!"))),
        2 => expr_case(format!("{}lag < 1s", rep("lag < 1s && "))),
        3 => {
            let src = format!(
                "id = \"deep\"\ntitle = \"Deep\"\n[[phase]]\nid = \"p\"\n[[phase.step]]\nid = \"g\"\nkind = \"gate\"\ntitle = \"g\"\nexpr = \"{}lag{} < 1s\"\n",
                rep("("),
                rep(")")
            );
            runbook_case((Bytes(src.into_bytes()), 2));
        }
        4 => template_case(Bytes(
            format!("{}x{}", rep("{% if true %}"), rep("{% endif %}")).into_bytes(),
        )),
        5 => {
            let sample = baton::wizard::notify::sample_context(&s.config);
            let _ = s
                .templates
                .render_inline(&format!("{{{{ {}1{} }}}}", rep("("), rep(")")), &sample);
        }
        6 => {
            config_case(Bytes(
                format!("[console]\ntitle = {}\"x\"{}\n", rep("["), rep("]")).into_bytes(),
            ));
        }
        _ => bodies::fleet_case(Bytes(
            format!("{{\"pairs\": {}{}}}", rep("["), rep("]")).into_bytes(),
        )),
    }
}
