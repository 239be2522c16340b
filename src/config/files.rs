//! Files a config names by folder or path (runbooks, templates): the
//! shipped ones first, then the user's, in a stable order.

use std::path::{Path, PathBuf};

use crate::diag::Diagnostic;

/// `embedded` as `<embedded>/{kind}/{name}`, then every file of `paths`
/// (relative to the config folder; a folder is read in name order, keeping
/// the files `accept` takes). A missing path is not an error: the shipped
/// files remain. A file that cannot be read is named.
pub fn gather(
    kind: &str,
    embedded: &[(&str, &str)],
    paths: &[PathBuf],
    config_dir: Option<&Path>,
    accept: impl Fn(&Path) -> bool,
) -> (Vec<(PathBuf, String)>, Vec<Diagnostic>) {
    let mut files: Vec<(PathBuf, String)> = embedded
        .iter()
        .map(|(n, s)| {
            (
                PathBuf::from(format!("<embedded>/{kind}/{n}")),
                (*s).to_string(),
            )
        })
        .collect();
    let mut errors = Vec::new();
    for p in paths {
        let path = match config_dir {
            Some(d) if p.is_relative() => d.join(p),
            // Relative to no config: not the current folder by accident.
            None if p.is_relative() => continue,
            _ => p.clone(),
        };
        let list = if path.is_dir() {
            let mut v: Vec<PathBuf> = std::fs::read_dir(&path)
                .map(|rd| {
                    rd.filter_map(Result::ok)
                        .map(|e| e.path())
                        .filter(|p| p.is_file() && accept(p))
                        .collect()
                })
                .unwrap_or_default();
            v.sort();
            v
        } else if path.is_file() {
            vec![path.clone()]
        } else {
            continue;
        };
        for f in list {
            match crate::diag::read_text(&f) {
                Ok(s) => files.push((f, s)),
                Err(d) => errors.push(d),
            }
        }
    }
    (files, errors)
}
