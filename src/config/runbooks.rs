//! Reading runbooks: the shipped ones (embedded), then the files of the
//! config's `runbooks` paths. Each is parsed and checked; one with errors
//! is left out and named, the others load.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::Config;
use crate::diag::{Diagnostic, Located, Seg};
use crate::wizard::runbook::Runbook;
use crate::wizard::templates::Templates;

const EMBEDDED: &[(&str, &str)] = &[
    (
        "pair-failover.toml",
        include_str!("../../runbooks/pair-failover.toml"),
    ),
    (
        "pair-followup.toml",
        include_str!("../../runbooks/pair-followup.toml"),
    ),
    (
        "pair-failback.toml",
        include_str!("../../runbooks/pair-failback.toml"),
    ),
    (
        "service-incident.toml",
        include_str!("../../runbooks/service-incident.toml"),
    ),
    (
        "bulk-failover-region.toml",
        include_str!("../../runbooks/bulk-failover-region.toml"),
    ),
    (
        "bulk-failover-provider.toml",
        include_str!("../../runbooks/bulk-failover-provider.toml"),
    ),
    (
        "regional-failover-planned.toml",
        include_str!("../../runbooks/regional-failover-planned.toml"),
    ),
    (
        "regional-failover-emergency.toml",
        include_str!("../../runbooks/regional-failover-emergency.toml"),
    ),
    ("dr-drill", include_str!("../../runbooks/dr-drill.toml")),
    (
        "post-failover-followup.toml",
        include_str!("../../runbooks/post-failover-followup.toml"),
    ),
];

/// The shipped runbooks alone (with the shipped templates), as a console
/// without a config folder loads them.
pub fn load_shipped(config: &Config) -> (Vec<Runbook>, Vec<Diagnostic>) {
    load_all(
        config,
        None,
        &crate::config::templates::load_all(config, None).0,
    )
}

/// The shipped runbooks, then every runbook file of the config's
/// `runbooks` paths (relative to the config folder). A user runbook with a
/// shipped id replaces it.
pub fn load_all(
    config: &Config,
    config_dir: Option<&Path>,
    templates: &Templates,
) -> (Vec<Runbook>, Vec<Diagnostic>) {
    let shipped: &[(&str, &str)] = if config.console.shipped_runbooks {
        EMBEDDED
    } else {
        &[]
    };
    let (files, mut errors) = crate::config::files::gather(
        "runbooks",
        shipped,
        &config.console.runbooks,
        config_dir,
        |p| p.extension().is_some_and(|x| x == "toml"),
    );
    let mut out: Vec<Runbook> = Vec::new();
    // Sources of the runbooks kept, to locate what is checked across them.
    let mut sources: BTreeMap<PathBuf, String> = BTreeMap::new();
    for (path, src) in files {
        match crate::diag::from_toml::<Runbook>(&path, &src) {
            Ok(mut rb) => {
                rb.file.clone_from(&path);
                let loc = Located {
                    file: &path,
                    src: &src,
                };
                let problems = crate::wizard::runbook::check::check(&rb, config, templates, &loc);
                if !problems.is_empty() {
                    errors.extend(problems);
                    continue;
                }
                // A user file replaces a shipped runbook of its id; two
                // user files of one id would leave one silently unused.
                if let Some(first) = out
                    .iter()
                    .find(|r| r.id == rb.id && !r.file.starts_with("<embedded>"))
                {
                    errors.push(loc.at(
                        &[Seg::Key("id".into())],
                        format!(
                            "runbook id `{}` is already used by {}; give one of them another id",
                            rb.id,
                            first.file.display()
                        ),
                    ));
                    continue;
                }
                out.retain(|r| r.id != rb.id);
                sources.insert(path.clone(), src);
                out.push(rb);
            }
            Err(d) => errors.push(d),
        }
    }
    errors.extend(crate::wizard::runbook_links::check(&out, &sources));
    (out, errors)
}
