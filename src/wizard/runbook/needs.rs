//! The config `vars` a runbook's steps name (`pair.vars.record`,
//! `primary.vars.dsn`), so `baton check` can say which configured pair
//! lacks one before an action fails to render in an outage.

use std::collections::BTreeSet;

use super::{Runbook, Step};

/// Whose vars: the pair's, or an instance's (either role: roles swap).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Owner {
    Pair,
    Instance,
}

/// The vars one step names, with the pair it acts on when it names one.
pub fn of_step(step: &Step) -> BTreeSet<(Owner, String)> {
    let mut texts: Vec<&str> = Vec::new();
    texts.extend(step.command.iter().flatten().map(String::as_str));
    texts.extend(step.dry_run.iter().flatten().map(String::as_str));
    if let Some(h) = &step.http {
        texts.push(&h.url);
        texts.extend(h.body.as_deref());
        texts.extend(h.headers.values().map(String::as_str));
    }
    if let Some(p) = &step.probe {
        texts.push(&p.url);
        texts.extend(p.each.iter().map(String::as_str));
    }
    texts.extend(step.text.as_deref());
    for c in [&step.expr, &step.settle, &step.expect, &step.skip_when]
        .into_iter()
        .flatten()
    {
        texts.push(c.as_str());
    }
    let mut out = BTreeSet::new();
    for t in texts {
        for (prefix, owner) in [
            ("pair.vars.", Owner::Pair),
            ("primary.vars.", Owner::Instance),
            ("standby.vars.", Owner::Instance),
        ] {
            let mut rest = t;
            while let Some(i) = rest.find(prefix) {
                let after = &rest[i + prefix.len()..];
                let name: String = after
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    out.insert((owner, name));
                }
                rest = after;
            }
        }
    }
    out
}

/// Every step of `rb` that acts on `pair`: its own `pair` steps, or every
/// step without one when the pair runs the runbook itself.
pub fn for_pair<'a>(
    rb: &'a Runbook,
    pair: &'a str,
    runs_it: bool,
) -> impl Iterator<Item = &'a Step> {
    rb.steps()
        .map(|(_, _, s)| s)
        .filter(move |s| match &s.pair {
            Some(p) => p == pair,
            None => runs_it,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_vars_a_step_names_are_found_in_commands_urls_and_expressions() {
        let step: Step = toml::from_str(
            r#"
id = "s"
kind = "action"
title = "t"
command = ["psql", "{{ primary.vars.dsn }}", "{{pair.vars.zone}}"]
settle = "primary.id == \"{{ standby.vars.address }}\""
"#,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let got: Vec<(Owner, String)> = of_step(&step).into_iter().collect();
        assert_eq!(
            got,
            vec![
                (Owner::Pair, "zone".to_string()),
                (Owner::Instance, "address".to_string()),
                (Owner::Instance, "dsn".to_string()),
            ]
        );
    }
}
