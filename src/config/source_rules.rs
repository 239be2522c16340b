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
        SourceKind::Dns if s.instance.is_none() || s.url.is_none() => {
            out.push(loc.at(
                &whole,
                "a `dns` source needs `url` (dns://IP:PORT/NAME?type=A) and `instance`, the id of the DNS server it asks",
            ));
        }
        SourceKind::Redis if s.instance.is_none() || s.url.is_none() => {
            out.push(loc.at(
                &whole,
                "a `redis` source needs `url` (redis://host:port) and `instance`, the id of the server it asks",
            ));
        }
        SourceKind::Tcp if s.instance.is_none() => {
            out.push(loc.at(
                &whole,
                "a `tcp` source needs `instance`, the id of the instance it checks",
            ));
        }
        _ => {}
    }
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
