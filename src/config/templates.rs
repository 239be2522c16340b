//! Reading notification templates: the shipped ones (embedded) and the
//! files of the config's `templates` folders, named by file stem. Each is
//! checked (syntax, every variable it names) with file and line.

use std::path::Path;

use super::Config;
use crate::diag::Diagnostic;
use crate::wizard::templates::Templates;

const EMBEDDED: &[(&str, &str)] = &[
    (
        "initial-alert.txt",
        include_str!("../../templates/initial-alert.txt"),
    ),
    (
        "resolution.txt",
        include_str!("../../templates/resolution.txt"),
    ),
    (
        "failover-complete.json",
        include_str!("../../templates/failover-complete.json"),
    ),
    (
        "stakeholder-notice.txt",
        include_str!("../../templates/stakeholder-notice.txt"),
    ),
    (
        "escalation.txt",
        include_str!("../../templates/escalation.txt"),
    ),
    (
        "bulk-summary.txt",
        include_str!("../../templates/bulk-summary.txt"),
    ),
];

/// The shipped templates, then every file of the config's `templates`
/// paths (relative to the config folder); a user file replaces a shipped
/// template of the same name. A template with errors is left out and
/// named, the others load.
pub fn load_all(config: &Config, config_dir: Option<&Path>) -> (Templates, Vec<Diagnostic>) {
    let (files, mut errors) = crate::config::files::gather(
        "templates",
        EMBEDDED,
        &config.console.templates,
        config_dir,
        // Editor swap files and the like are not templates.
        |p| {
            !p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        },
    );
    let sample = crate::wizard::notify::sample_context(config);
    let mut out = Templates::default();
    for (path, src) in files {
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let problems = crate::wizard::templates::check(&name, &src, &path, &sample);
        if problems.is_empty() {
            if let Err(e) = out.add(name, path.clone(), src) {
                errors.push(Diagnostic::file(
                    path,
                    crate::wizard::templates::describe(&e),
                ));
            }
        } else {
            errors.extend(problems);
        }
    }
    (out, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_template_replaces_a_shipped_one_and_a_broken_one_is_left_out() {
        let dir = std::env::temp_dir().join(format!("baton-tpl-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("templates")).expect("dir");
        std::fs::write(
            dir.join("templates/resolution.txt"),
            "RESOLVED {{ pair.id }}",
        )
        .expect("w");
        std::fs::write(dir.join("templates/broken.txt"), "{{ pair.id ").expect("w");
        let (t, errs) = load_all(&Config::default(), Some(&dir));
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert!(errs[0].file.ends_with("templates/broken.txt"), "{errs:?}");
        assert!(!t.contains("broken"));
        let ctx = crate::wizard::notify::sample_context(&Config::default());
        assert_eq!(t.render("resolution", &ctx).as_deref(), Ok("RESOLVED "));
        assert!(t.contains("failover-complete"), "the shipped ones remain");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
