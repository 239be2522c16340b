//! Rules for the keys of each source kind that serde cannot check.

use super::{SourceCfg, SourceKind};
use crate::diag::{Diagnostic, Located, Seg};

pub fn check(i: usize, s: &SourceCfg, loc: &Located<'_>) -> Vec<Diagnostic> {
    let at = |k: &str| vec![Seg::Key("source".into()), Seg::Index(i), Seg::Key(k.into())];
    let whole = [Seg::Key("source".into()), Seg::Index(i)];
    let mut out = Vec::new();
    if s.success_threshold == 0 {
        out.push(loc.at(&at("success_threshold"), "must be at least 1"));
    }
    if s.max_body_mib == Some(0) {
        out.push(loc.at(&at("max_body_mib"), "must be at least 1"));
    }
    for (j, c) in s.conditions.iter().enumerate() {
        if let Some(e) = c.error() {
            let mut path = at("conditions");
            path.push(Seg::Index(j));
            out.push(loc.at(&path, e));
        }
    }
    if !s.conditions.is_empty() && s.kind != SourceKind::Http {
        out.push(loc.at(&at("conditions"), "conditions apply to `http` sources only"));
    }
    if let Some(ca) = &s.ca_file
        && !ca.is_file()
    {
        out.push(loc.at(&at("ca_file"), format!("no such file: {}", ca.display())));
    }
    let map = &s.map;
    for (name, ptr) in [
        ("pairs", &map.pairs),
        ("pair_id", &map.pair_id),
        ("primary", &map.primary),
        ("standby", &map.standby),
        ("lag", &map.lag),
        ("lag_bytes", &map.lag_bytes),
        ("writable", &map.writable),
        ("id", &map.id),
        ("role", &map.role),
        ("status", &map.status),
        ("health_score", &map.health_score),
        ("region", &map.region),
        ("provider", &map.provider),
    ] {
        if let Some(p) = ptr
            && !p.is_empty()
            && !p.starts_with('/')
        {
            let path = [
                Seg::Key("source".into()),
                Seg::Index(i),
                Seg::Key("map".into()),
                Seg::Key(name.into()),
            ];
            out.push(loc.at(
                &path,
                format!("`{p}` is not a JSON pointer; write it like \"/data/{p}\""),
            ));
        }
    }
    match s.kind {
        SourceKind::Prometheus => {
            if s.query.as_deref().is_none_or(|q| q.trim().is_empty()) {
                out.push(loc.at(
                    &whole,
                    "a `prometheus` source needs `query`, a PromQL instant query",
                ));
            }
            if s.measure.is_none() {
                out.push(loc.at(
                    &whole,
                    "a `prometheus` source needs `measure` = \"lag\", \"lag_bytes\", \"health_score\" or \"up\"",
                ));
            }
        }
        SourceKind::Process if s.pid_file.is_some() == s.process.is_some() => {
            out.push(loc.at(
                &whole,
                "a `process` source needs either `pid_file` (the pid file of the process) or `process` (its exact executable name)",
            ));
        }
        _ => {}
    }
    out.extend(check_rules(s, &at, loc));
    if let (SourceKind::Tcp, Some(u)) = (s.kind, &s.url)
        && reqwest::Url::parse(u)
            .ok()
            .is_none_or(|u| u.port().is_none() || u.host_str().is_none())
    {
        out.push(loc.at(
            &at("url"),
            format!("\"{u}\" needs a host and a port: tcp://host:port"),
        ));
    }
    out
}

/// Rules of named service checks and of the keys only some kinds read.
fn check_rules(s: &SourceCfg, at: &dyn Fn(&str) -> Vec<Seg>, loc: &Located<'_>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    if s.check && s.kind != SourceKind::Command {
        out.push(loc.at(
            &at("check"),
            format!(
                "`check` is for `command` sources; a `{}` source with no `instance` is already a check",
                s.kind.name()
            ),
        ));
    } else if s.check && s.instance.is_some() {
        out.push(loc.at(
            &at("check"),
            "a source with `instance` reports that instance; leave out `check` or `instance`",
        ));
    }
    if s.is_check()
        && !s.name.is_empty()
        && !s
            .name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        out.push(loc.at(
            &at("name"),
            format!(
                "a check's name is read in expressions as `check.{}.ok`: letters, digits and _ only",
                s.name
            ),
        ));
    }
    for (key, set, kind) in [
        ("pid_file", s.pid_file.is_some(), SourceKind::Process),
        ("process", s.process.is_some(), SourceKind::Process),
        ("password", s.password.is_some(), SourceKind::Database),
    ] {
        if set && s.kind != kind {
            out.push(loc.at(
                &at(key),
                format!("`{key}` applies to `{}` sources only", kind.name()),
            ));
        }
    }
    if let Some(p) = &s.password
        && !crate::secret::is_reference(p)
    {
        out.push(loc.at(
            &at("password"),
            "write the password as a reference, `env:NAME` or `file:PATH`, never the value",
        ));
    }
    if s.query.is_some() && !matches!(s.kind, SourceKind::Prometheus | SourceKind::Database) {
        out.push(loc.at(
            &at("query"),
            "`query` applies to `prometheus` and `database` sources only",
        ));
    }
    out
}
