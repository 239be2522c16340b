//! What holds between runbooks rather than inside one: a `then` follow-up
//! names a loaded runbook of the same kind of target, never itself, and
//! follow-ups never come back round in a cycle.

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::runbook::{AppliesTo, Runbook};
use crate::diag::{Diagnostic, Located, Seg};

/// What a runbook is started on, as the console hands a follow-up its
/// target: a pair, an area (region or provider), or the estate.
fn target_kind(a: AppliesTo) -> &'static str {
    match a {
        AppliesTo::Pair => "a pair",
        AppliesTo::Region | AppliesTo::Provider => "a region or provider",
        AppliesTo::Estate => "the estate",
    }
}

/// Every `then` problem of the loaded runbooks, at the `then` key of the
/// runbook that names it.
pub fn check(runbooks: &[Runbook], sources: &BTreeMap<PathBuf, String>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let by_id = |id: &str| runbooks.iter().find(|r| r.id == id);
    for rb in runbooks {
        let Some(next) = &rb.then else { continue };
        let src = sources.get(&rb.file).map_or("", String::as_str);
        let loc = Located {
            file: &rb.file,
            src,
        };
        let at = [Seg::Key("then".into())];
        if next == &rb.id {
            out.push(loc.at(
                &at,
                format!("runbook `{}` names itself as its follow-up", rb.id),
            ));
            continue;
        }
        let Some(follow) = by_id(next) else {
            let ids: Vec<&str> = runbooks.iter().map(|r| r.id.as_str()).collect();
            out.push(loc.at(
                &at,
                format!(
                    "no runbook `{next}` is loaded; runbooks: {}",
                    ids.join(", ")
                ),
            ));
            continue;
        };
        if target_kind(follow.applies_to) != target_kind(rb.applies_to) {
            out.push(loc.at(
                &at,
                format!(
                    "`{next}` applies to {}, but `{}` runs on {}: a follow-up starts on the same target",
                    target_kind(follow.applies_to),
                    rb.id,
                    target_kind(rb.applies_to)
                ),
            ));
        }
        // Walk the chain: one that comes back to this runbook would start
        // follow-ups on every close, forever.
        let mut chain = vec![rb.id.as_str(), next.as_str()];
        let mut cur = follow;
        while let Some(n) = cur.then.as_deref() {
            if n == rb.id {
                chain.push(n);
                out.push(loc.at(
                    &at,
                    format!("follow-ups form a cycle: {}", chain.join(" → ")),
                ));
                break;
            }
            // A cycle further on, not through this runbook: reported there.
            if chain.contains(&n) {
                break;
            }
            let Some(r) = by_id(n) else { break };
            chain.push(n);
            cur = r;
        }
    }
    out
}
