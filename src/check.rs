//! `baton check`: validates the config, every theme and every keymap it
//! can find, and reports each problem with file, line and key.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::cli::args::{Cli, locate_name, no_config_message, theme_name};
use crate::config::{self, Lookup};
use crate::text::escape_controls;
use crate::{keymap, theme};

pub fn run(cli: &Cli) -> ExitCode {
    let problems = std::cell::Cell::new(0usize);
    // Messages quote the files checked: their control characters are shown.
    let report = |r: Result<String, crate::diag::Diagnostics>| match r {
        Ok(what) => println!("ok    {}", escape_controls(&what)),
        Err(d) => {
            for e in &d.0 {
                println!("error {}", escape_controls(&e.to_string()));
            }
            problems.set(problems.get() + d.0.len());
        }
    };

    let mut dir: Option<PathBuf> = None;
    let mut cfg = None;
    let mut cfg_file = None;
    match config::find(cli.config.as_deref()) {
        Lookup::Found(path) => {
            dir = path.parent().map(Path::to_path_buf);
            cfg_file = Some(path.clone());
            let loaded = config::load_file(&path);
            if let Ok(c) = &loaded {
                cfg = Some(c.clone());
            }
            report(loaded.map(|_| format!("config {}", path.display())));
        }
        Lookup::NotFound(searched) => {
            println!(
                "error {}",
                no_config_message(&searched).replace('\n', "\n      ")
            );
            problems.set(problems.get() + 1);
        }
    }

    // The themes and keymaps in use, every shipped one, and every user file.
    let mut themes: BTreeSet<String> = theme::embedded_names().map(str::to_string).collect();
    let mut keymaps: BTreeSet<String> = keymap::embedded_names().map(str::to_string).collect();
    if let Some(c) = &cfg {
        // The configured theme too, whatever this terminal would pick.
        themes.insert(c.console.theme.clone());
        themes.insert(theme_name(cli, c));
        keymaps.insert(
            cli.keymap
                .clone()
                .unwrap_or_else(|| c.console.keymap.clone()),
        );
    } else {
        themes.extend(cli.theme.clone());
        keymaps.extend(cli.keymap.clone());
    }
    if let Some(d) = &dir {
        themes.extend(stems(&d.join("themes")));
        keymaps.extend(stems(&d.join("keymaps")));
    }
    // A name the config gives is reported at its config key when it names
    // nothing.
    let from_config = |key: &str, name: &str| {
        let c = cfg.as_ref()?;
        let configured = if key == "theme" {
            &c.console.theme
        } else {
            &c.console.keymap
        };
        (configured == name).then(|| cfg_file.clone()).flatten()
    };
    for name in &themes {
        let file = from_config("theme", name);
        report(
            theme::load(name, dir.as_deref())
                .map(|_| format!("theme {name}"))
                .map_err(|d| locate_name(d, name, file.as_deref(), "theme")),
        );
    }
    for name in &keymaps {
        let file = from_config("keymap", name);
        report(
            keymap::load(name, dir.as_deref())
                .map(|_| format!("keymap {name}"))
                .map_err(|d| locate_name(d, name, file.as_deref(), "keymap")),
        );
    }
    if let Some(c) = &cfg {
        let (templates, errors) = crate::config::templates::load_all(c, dir.as_deref());
        for name in templates.names() {
            let file = templates
                .file(name)
                .map(|f| f.display().to_string())
                .unwrap_or_default();
            println!(
                "ok    {}",
                escape_controls(&format!("template {name} ({file})"))
            );
        }
        report(if errors.is_empty() {
            Ok("templates".into())
        } else {
            Err(crate::diag::Diagnostics(errors))
        });
        let (runbooks, errors) = crate::config::runbooks::load_all(c, dir.as_deref(), &templates);
        for r in &runbooks {
            println!(
                "ok    {}",
                escape_controls(&format!("runbook {} ({})", r.id, r.file.display()))
            );
        }
        report(if errors.is_empty() {
            Ok("runbooks".into())
        } else {
            Err(crate::diag::Diagnostics(errors))
        });
        if let Some(file) = &cfg_file {
            // The config's text, once, to place what follows at its lines.
            let src = config::files::read_text(file).unwrap_or_default();
            let loc = crate::diag::Located { file, src: &src };
            let missing = missing_vars(c, &loc, &runbooks);
            report(if missing.is_empty() {
                Ok("pair vars the runbooks name".into())
            } else {
                Err(crate::diag::Diagnostics(missing))
            });
            for w in unset_secrets(c, &loc, |v| std::env::var_os(v).is_some()) {
                println!("warn  {}", escape_controls(&w.to_string()));
            }
        }
    }
    let problems = problems.get();
    if problems == 0 {
        println!("no problems found");
        ExitCode::SUCCESS
    } else {
        println!(
            "{problems} problem{} found",
            if problems == 1 { "" } else { "s" }
        );
        ExitCode::from(1)
    }
}

/// Each `[[pair]]`'s vars against the runbooks it runs (its `runbook`, and
/// steps that name it with `pair`): a var a step names and the pair (or
/// either instance: roles swap) lacks is an error at the pair's line, not a
/// render failure in the middle of a failover.
fn missing_vars(
    c: &config::Config,
    loc: &crate::diag::Located<'_>,
    runbooks: &[crate::wizard::runbook::Runbook],
) -> Vec<crate::diag::Diagnostic> {
    use crate::diag::Seg;
    use crate::wizard::runbook::needs::{self, Owner};
    let mut out = Vec::new();
    for (i, p) in c.pairs.iter().enumerate() {
        let mut needed = std::collections::BTreeSet::new();
        for rb in runbooks {
            let runs_it = p.runbook.as_deref() == Some(rb.id.as_str());
            for s in needs::for_pair(rb, &p.id, runs_it) {
                needed.extend(needs::of_step(s).into_iter().map(|n| (n, rb.id.clone())));
            }
        }
        let instances = std::iter::once(("primary", &p.primary))
            .chain(p.standby.as_ref().map(|s| ("standby", s)));
        let at = |k: &str| vec![Seg::Key("pair".into()), Seg::Index(i), Seg::Key(k.into())];
        for ((owner, name), rb) in &needed {
            match owner {
                Owner::Pair if !p.vars.contains_key(name) => out.push(loc.at(
                    &at("id"),
                    format!("runbook `{rb}` needs pair.vars.{name}: pair `{}` has no `{name}` in its vars", p.id),
                )),
                Owner::Instance => {
                    for (slot, inst) in instances.clone().filter(|(_, x)| !x.vars.contains_key(name)) {
                        out.push(loc.at(
                            &at(slot),
                            format!(
                                "runbook `{rb}` needs {slot}.vars.{name}: instance `{}` has none (both instances need it: the roles swap)",
                                inst.id
                            ),
                        ));
                    }
                }
                Owner::Pair => {}
            }
        }
    }
    out
}

/// Names of the `*.toml` files of a folder.
fn stems(dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .filter_map(|p| p.file_stem().and_then(|s| s.to_str()).map(str::to_string))
        .collect()
}

/// Channels whose `env:NAME` secret is not set here: sending would fail in
/// the middle of an incident, so it is said now. A warning, not a problem:
/// the console may run where the variable is set.
fn unset_secrets(
    c: &config::Config,
    loc: &crate::diag::Located<'_>,
    is_set: impl Fn(&str) -> bool,
) -> Vec<crate::diag::Diagnostic> {
    use crate::diag::Seg;
    let mut out = Vec::new();
    for (name, n) in &c.notify {
        let mut values: Vec<(Vec<Seg>, &String)> = Vec::new();
        let at = |k: &str| {
            vec![
                Seg::Key("notify".into()),
                Seg::Key(name.clone()),
                Seg::Key(k.into()),
            ]
        };
        if let Some(u) = &n.url {
            values.push((at("url"), u));
        }
        if let Some(r) = &n.routing_key {
            values.push((at("routing_key"), r));
        }
        for (h, v) in &n.headers {
            let mut p = at("headers");
            p.push(Seg::Key(h.clone()));
            values.push((p, v));
        }
        for (path, v) in values {
            if let Some(var) = v.strip_prefix("env:")
                && !is_set(var)
            {
                out.push(loc.at(
                    &path,
                    format!("`{var}` is not set in this environment: a send to `{name}` would fail until it is"),
                ));
            }
        }
    }
    // etcd's credentials: unset, the console could take no lease and
    // would refuse every action.
    let co = &c.coordination;
    for (k, v) in [("username", &co.username), ("password", &co.password)] {
        if let Some(var) = v.as_deref().and_then(|v| v.strip_prefix("env:"))
            && co.kind == config::coordination::Kind::Etcd
            && !is_set(var)
        {
            out.push(loc.at(
                &[Seg::Key("coordination".into()), Seg::Key(k.into())],
                format!("`{var}` is not set in this environment: the console could not reach etcd, and would refuse every action, until it is"),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_unset_env_secret_of_a_channel_is_warned_at_its_line() {
        let dir = std::env::temp_dir().join(format!("baton-secrets-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let file = dir.join("baton.toml");
        let text = "[notify.pager]\nkind = \"pagerduty\"\nrouting_key = \"env:PD_KEY\"\n\n[notify.hook]\nkind = \"webhook\"\nurl = \"http://127.0.0.1:9/x\"\nheaders = { Authorization = \"env:HOOK_TOKEN\" }\n";
        std::fs::write(&file, text).unwrap_or_else(|e| panic!("{e}"));
        let c: crate::config::Config = toml::from_str(text).unwrap_or_else(|e| panic!("{e}"));
        let loc = crate::diag::Located {
            file: &file,
            src: text,
        };
        let w = super::unset_secrets(&c, &loc, |v| v == "HOOK_TOKEN");
        assert_eq!(w.len(), 1, "{w:?}");
        assert_eq!(
            (w[0].line, w[0].key.as_str()),
            (3, "notify.pager.routing_key")
        );
        assert!(w[0].message.contains("`PD_KEY` is not set"), "{w:?}");
        assert!(super::unset_secrets(&c, &loc, |_| true).is_empty());
        let text = "[coordination]\nkind = \"etcd\"\nendpoints = [\"http://127.0.0.1:2379\"]\nusername = \"env:ETCD_USER\"\npassword = \"file:/run/etcd-pw\"\n";
        let c: crate::config::Config = toml::from_str(text).unwrap_or_else(|e| panic!("{e}"));
        let loc = crate::diag::Located {
            file: &file,
            src: text,
        };
        let w = super::unset_secrets(&c, &loc, |_| false);
        assert_eq!(w.len(), 1, "{w:?}");
        assert_eq!((w[0].line, w[0].key.as_str()), (4, "coordination.username"));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
