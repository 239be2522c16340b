//! Finding the config file and validating what serde cannot.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use super::{Config, SourceKind};
use crate::diag::{Diagnostic, Diagnostics, Located, Seg};

/// Where the config came from, or every place that was searched.
#[derive(Debug)]
pub enum Lookup {
    Found(PathBuf),
    NotFound(Vec<PathBuf>),
}

/// Config lookup order of the spec: `--config`, `$BATON_CONFIG`,
/// `./baton.toml`, `$XDG_CONFIG_HOME/baton/config.toml`.
pub fn find(explicit: Option<&Path>) -> Lookup {
    if let Some(p) = explicit {
        // An explicit path is never replaced by another file.
        return if p.is_file() {
            Lookup::Found(p.to_path_buf())
        } else {
            Lookup::NotFound(vec![p.to_path_buf()])
        };
    }
    let mut searched = Vec::new();
    if let Some(p) = std::env::var_os("BATON_CONFIG").filter(|p| !p.is_empty()) {
        searched.push(PathBuf::from(p));
    }
    searched.push(PathBuf::from("./baton.toml"));
    searched.push(xdg_config_home().join("baton/config.toml"));
    match searched.iter().find(|p| p.is_file()) {
        Some(p) => Lookup::Found(p.clone()),
        None => Lookup::NotFound(searched),
    }
}

/// `$XDG_CONFIG_HOME`, or `~/.config` as the XDG spec says.
pub fn xdg_config_home() -> PathBuf {
    std::env::var_os("XDG_CONFIG_HOME")
        .filter(|p| !p.is_empty())
        .map_or_else(|| home().join(".config"), PathBuf::from)
}

pub fn home() -> PathBuf {
    std::env::var_os("HOME").map_or_else(|| PathBuf::from("/"), PathBuf::from)
}

/// Reads, parses and validates one config file. Every problem found is
/// returned, not only the first.
pub fn load_file(path: &Path) -> Result<Config, Diagnostics> {
    let src = crate::config::files::read_located(path).map_err(|d| Diagnostics(vec![d]))?;
    let config: Config = crate::diag::from_toml(path, &src).map_err(|d| Diagnostics(vec![d]))?;
    let loc = Located {
        file: path,
        src: &src,
    };
    let problems = validate(&config, &loc);
    if problems.is_empty() {
        Ok(config)
    } else {
        Err(Diagnostics(problems))
    }
}

fn key(k: &str) -> Seg {
    Seg::Key(k.to_string())
}

/// Checks the rules serde cannot express: ranges, unique ids, required
/// fields per kind, references between sections.
pub fn validate(c: &Config, loc: &Located<'_>) -> Vec<Diagnostic> {
    let mut out = super::coordination::validate(&c.coordination, loc);
    if let Some(col) = &c.console.frame_color
        && let Err(e) = crate::theme::color(col)
    {
        out.push(loc.at(&[key("console"), key("frame_color")], e));
    }
    let t = &c.thresholds;
    for (name, v) in [
        ("critical_below", t.critical_below),
        ("standby_min", t.standby_min),
    ] {
        if !(0.0..=100.0).contains(&v) {
            out.push(loc.at(
                &[key("thresholds"), key(name)],
                format!("must be a health score between 0 and 100, got {v}"),
            ));
        }
    }
    if t.lag_warn > t.lag_abort {
        out.push(loc.at(
            &[key("thresholds"), key("lag_warn")],
            format!(
                "lag_warn ({}) is above lag_abort ({})",
                t.lag_warn, t.lag_abort
            ),
        ));
    }
    if t.lag_bytes_warn > t.lag_bytes_abort {
        out.push(loc.at(
            &[key("thresholds"), key("lag_bytes_warn")],
            format!(
                "lag_bytes_warn ({}) is above lag_bytes_abort ({})",
                t.lag_bytes_warn, t.lag_bytes_abort
            ),
        ));
    }
    for (name, v) in [
        ("max_per_day", c.limits.max_per_day),
        ("max_concurrent", c.limits.max_concurrent),
        ("batch_size", c.limits.batch_size),
    ] {
        if v == 0 {
            out.push(loc.at(&[key("limits"), key(name)], "must be at least 1"));
        }
    }

    let mut names = HashSet::new();
    for (i, s) in c.sources.iter().enumerate() {
        let at = |k: &str| vec![key("source"), Seg::Index(i), key(k)];
        if s.name.trim().is_empty() {
            out.push(loc.at(&at("name"), "a source needs a name"));
        } else if !names.insert(s.name.as_str()) {
            out.push(loc.at(
                &at("name"),
                format!("source name `{}` is used twice", s.name),
            ));
        }
        if s.interval.0 < std::time::Duration::from_millis(100) {
            out.push(loc.at(&at("interval"), "must be at least 100ms"));
        }
        if s.timeout.0.is_zero() || s.timeout > s.interval {
            out.push(loc.at(
                &at("timeout"),
                format!(
                    "must be above zero and at most the interval ({}), got {}",
                    s.interval, s.timeout
                ),
            ));
        }
        if s.failure_threshold == 0 {
            out.push(loc.at(&at("failure_threshold"), "must be at least 1"));
        }
        if s.max_in_flight == 0 {
            out.push(loc.at(&at("max_in_flight"), "must be at least 1"));
        }
        match (&s.url, s.kind) {
            (None, SourceKind::Http | SourceKind::Command | SourceKind::Process) => {}
            (None, kind) => out.push(loc.at(
                &[key("source"), Seg::Index(i)],
                format!("a `{}` source needs `url`", kind.name()),
            )),
            (Some(u), kind) => {
                if let Err(e) = check_url(u, kind) {
                    out.push(loc.at(&at("url"), e));
                }
            }
        }
        if s.kind == SourceKind::Command && s.command.as_ref().is_none_or(Vec::is_empty) {
            out.push(loc.at(
                &[key("source"), Seg::Index(i)],
                "a `command` source needs `command = [\"program\", \"arg\", ...]`",
            ));
        }
        for (h, v) in &s.headers {
            if let Some(var) = v.strip_prefix("env:")
                && var.is_empty()
            {
                out.push(loc.at(
                    &[key("source"), Seg::Index(i), key("headers"), key(h)],
                    "`env:` needs a variable name",
                ));
            }
        }
        out.extend(super::source_rules::check(i, s, loc));
    }

    let regions: HashSet<&str> = c.regions.iter().map(|r| r.id.as_str()).collect();
    let mut pair_ids = HashSet::new();
    let mut instance_ids = HashSet::new();
    for (i, p) in c.pairs.iter().enumerate() {
        let at = |path: &[&str]| {
            let mut v = vec![key("pair"), Seg::Index(i)];
            v.extend(path.iter().map(|k| key(k)));
            v
        };
        if !pair_ids.insert(p.id.as_str()) {
            out.push(loc.at(&at(&["id"]), format!("pair id `{}` is used twice", p.id)));
        }
        let members = [
            ("primary", Some(&p.primary)),
            ("standby", p.standby.as_ref()),
        ];
        for (role, inst) in members {
            let Some(inst) = inst else { continue };
            if !instance_ids.insert(inst.id.as_str()) {
                out.push(loc.at(
                    &at(&[role, "id"]),
                    format!("instance `{}` already belongs to a pair", inst.id),
                ));
            }
            if !regions.is_empty() && !regions.contains(inst.region.as_str()) {
                out.push(loc.at(
                    &at(&[role, "region"]),
                    format!("region `{}` is not declared in any [[region]]", inst.region),
                ));
            }
            if let Some(u) = &inst.health
                && let Err(e) = check_url(u, SourceKind::Http)
            {
                out.push(loc.at(&at(&[role, "health"]), e));
            }
        }
    }

    for (name, n) in &c.notify {
        out.extend(check_notify(name, n, loc));
    }
    out
}

/// What a `[notify.NAME]` channel needs for its kind.
fn check_notify(name: &str, n: &super::NotifyCfg, loc: &Located<'_>) -> Vec<Diagnostic> {
    use super::NotifyKind as K;
    let mut out = Vec::new();
    let at = |k: &str| vec![key("notify"), key(name), key(k)];
    let whole = [key("notify"), key(name)];
    if name == "clipboard" && n.kind != K::Clipboard {
        out.push(loc.at(
            &at("kind"),
            "`clipboard` is the builtin OSC 52 channel: give this one another name",
        ));
    }
    if let Some(f) = &n.format
        && (n.kind != K::Webhook || !matches!(f.as_str(), "json" | "slack" | "pagerduty"))
    {
        out.push(loc.at(
            &at("format"),
            "`format` is for `kind = \"webhook\"`: json, slack or pagerduty",
        ));
    }
    let kind = n.effective_kind();
    match kind {
        K::Webhook | K::Slack => match &n.url {
            None => out.push(loc.at(&whole, "this channel needs `url`")),
            Some(u) if !u.starts_with("env:") => {
                if let Err(e) = check_url(u, SourceKind::Http) {
                    out.push(loc.at(&at("url"), e));
                }
            }
            Some(_) => {}
        },
        K::Pagerduty if n.routing_key.is_none() => {
            out.push(loc.at(
                &whole,
                "a pagerduty channel needs `routing_key` (or \"env:NAME\")",
            ));
        }
        K::Command if n.command.as_ref().is_none_or(Vec::is_empty) => {
            out.push(loc.at(
                &whole,
                "a command channel needs `command = [\"program\", \"arg\", ...]`",
            ));
        }
        K::File if n.path.is_none() => out.push(loc.at(&whole, "a file channel needs `path`")),
        _ => {}
    }
    for (k, v) in [
        ("url", n.url.as_ref()),
        ("routing_key", n.routing_key.as_ref()),
    ]
    .into_iter()
    .chain(n.headers.iter().map(|(h, v)| (h.as_str(), Some(v))))
    {
        if v.map(String::as_str) == Some("env:") {
            out.push(loc.at(&at(k), "`env:` needs a variable name"));
        }
    }
    out
}

fn check_url(u: &str, kind: SourceKind) -> Result<(), String> {
    let parsed = reqwest::Url::parse(u).map_err(|e| format!("invalid URL \"{u}\": {e}"))?;
    let ok = match kind {
        SourceKind::Tcp => parsed.scheme() == "tcp",
        SourceKind::Redis => matches!(parsed.scheme(), "redis" | "rediss"),
        SourceKind::Dns => crate::sources::dns::parse(u).is_ok(),
        SourceKind::Database => return crate::sources::database::target(u).map(|_| ()),
        SourceKind::Process => {
            return Err("a `process` source reads `pid_file` or `process`, not `url`".into());
        }
        _ => matches!(parsed.scheme(), "http" | "https"),
    };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "URL \"{u}\" has scheme `{}`; a `{}` source needs {}",
            parsed.scheme(),
            kind.name(),
            if kind == SourceKind::Tcp {
                "tcp://host:port"
            } else if kind == SourceKind::Redis {
                "redis://host:port"
            } else if kind == SourceKind::Dns {
                "dns://IP:PORT/NAME?type=A (an IP address, a record)"
            } else {
                "http:// or https://"
            }
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_str(src: &str) -> Result<Config, Diagnostics> {
        let dir = std::env::temp_dir().join(format!("baton-cfg-{}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| Diagnostics(vec![io_diag(&e)]))?;
        let path = dir.join(format!("t{}.toml", src.len()));
        std::fs::write(&path, src).map_err(|e| Diagnostics(vec![io_diag(&e)]))?;
        load_file(&path)
    }

    fn io_diag(e: &std::io::Error) -> Diagnostic {
        Diagnostic::file(PathBuf::new(), e.to_string())
    }

    fn first_error(src: &str) -> Diagnostic {
        match load_str(src) {
            Ok(_) => panic!("config should have been refused:\n{src}"),
            Err(d) => d.0[0].clone(),
        }
    }

    #[test]
    fn the_spec_reference_config_loads() {
        let c =
            load_str(include_str!("../../tests/data/reference.toml")).expect("reference config");
        assert_eq!(c.console.title, "prod-eu");
        assert_eq!(c.thresholds.lag_warn, super::super::Dur::secs(10));
        assert_eq!(c.sources.len(), 3);
        assert_eq!(
            c.pairs[0].standby.as_ref().map(|s| s.region.as_str()),
            Some("eu-central-1")
        );
        assert_eq!(c.limits.cooldown, super::super::Dur::secs(300));
    }

    #[test]
    fn the_starter_config_loads() {
        load_str(super::super::STARTER).expect("starter config is valid");
    }

    #[test]
    fn syntax_error_names_line() {
        let d = first_error("[console]\ntitle = \"x\"\n\n[thresholds\n");
        assert_eq!(d.line, 4, "{d}");
    }

    #[test]
    fn wrong_type_names_key_and_line() {
        let d = first_error("[console]\ntitle = \"x\"\n[thresholds]\ncritical_below = \"high\"\n");
        assert_eq!(
            (d.line, d.key.as_str()),
            (4, "thresholds.critical_below"),
            "{d}"
        );
        assert!(d.message.contains("invalid type"), "{d}");
    }

    #[test]
    fn unknown_key_is_refused() {
        let d = first_error("[thresholds]\ncritical_bellow = 40\n");
        assert_eq!(d.line, 2, "{d}");
        assert!(d.message.contains("unknown field `critical_bellow`"), "{d}");
    }

    #[test]
    fn bad_duration_names_key() {
        let d = first_error("[thresholds]\nlag_warn = \"ten seconds\"\n");
        assert_eq!((d.line, d.key.as_str()), (2, "thresholds.lag_warn"), "{d}");
        assert!(d.message.contains("\"10s\""), "{d}");
    }

    #[test]
    fn durations_that_would_overflow_the_clock_are_refused_with_the_limit() {
        let d = first_error("[limits]\ncooldown = \"99999999999h\"\n");
        assert_eq!((d.line, d.key.as_str()), (2, "limits.cooldown"), "{d}");
        assert!(
            d.message
                .contains("duration \"99999999999h\" is longer than the limit of 366 days"),
            "{d}"
        );
        let d = first_error(
            "[[source]]\nname = \"f\"\nkind = \"fleet\"\nurl = \"http://127.0.0.1/\"\ninterval = \"292277026597y\"\n",
        );
        assert_eq!((d.line, d.key.as_str()), (5, "source[0].interval"), "{d}");
    }

    #[test]
    fn a_zero_notify_timeout_is_refused() {
        let d = first_error("[notify.ops]\nkind = \"file\"\npath = \"/tmp/x\"\ntimeout = \"0s\"\n");
        assert_eq!((d.line, d.key.as_str()), (4, "notify.ops.timeout"), "{d}");
        assert!(d.message.contains("longer than zero"), "{d}");
    }

    #[test]
    fn unknown_source_kind_is_refused() {
        let d =
            first_error("[[source]]\nname = \"x\"\nkind = \"ftp\"\nurl = \"http://127.0.0.1/\"\n");
        assert_eq!((d.line, d.key.as_str()), (3, "source[0].kind"), "{d}");
        assert!(d.message.contains("unknown variant `ftp`"), "{d}");
    }

    #[test]
    fn semantic_errors_are_all_reported_with_lines() {
        let src = "[thresholds]\nstandby_min = 170\n\n[[source]]\nname = \"f\"\nkind = \"fleet\"\n\n[[source]]\nname = \"f\"\nkind = \"http\"\nurl = \"ftp://x\"\ntimeout = \"5s\"\n";
        let errs = load_str(src).expect_err("invalid").0;
        let lines: Vec<(usize, &str)> = errs.iter().map(|d| (d.line, d.key.as_str())).collect();
        assert!(lines.contains(&(2, "thresholds.standby_min")), "{lines:?}");
        assert!(
            lines.contains(&(4, "source[0]")),
            "fleet without url: {lines:?}"
        );
        assert!(
            lines.contains(&(9, "source[1].name")),
            "duplicate name: {lines:?}"
        );
        assert!(
            lines.contains(&(11, "source[1].url")),
            "bad scheme: {lines:?}"
        );
        assert!(
            lines.contains(&(12, "source[1].timeout")),
            "timeout > interval: {lines:?}"
        );
    }

    #[test]
    fn pair_errors_name_the_member() {
        let src = "[[region]]\nid = \"eu-west-1\"\nprovider = \"aws\"\n\n[[pair]]\nid = \"a\"\nprimary = { id = \"p\", region = \"eu-west-1\" }\nstandby = { id = \"s\", region = \"mars-1\" }\n";
        let d = first_error(src);
        assert_eq!(
            (d.line, d.key.as_str()),
            (8, "pair[0].standby.region"),
            "{d}"
        );
    }

    #[test]
    fn missing_explicit_config_is_not_replaced() {
        match find(Some(Path::new("/nonexistent/baton.toml"))) {
            Lookup::NotFound(p) => assert_eq!(p, vec![PathBuf::from("/nonexistent/baton.toml")]),
            Lookup::Found(p) => panic!("found {p:?}"),
        }
    }
}
