//! Files a config names by folder or path (runbooks, templates): the
//! shipped ones first, then the user's, in a stable order. Every user file
//! (config, runbook, template, theme, keymap, CA bundle) is read through
//! [`read_text`] or [`read_bytes`], which read only bounded regular files.

use std::io::Read as _;
use std::path::{Path, PathBuf};

use crate::diag::{Diagnostic, Located};

/// The largest user file read: far above any real config or runbook.
pub const MAX_FILE: u64 = 1024 * 1024;
/// The most files read from one folder.
pub const MAX_FILES: usize = 1000;

/// Folders whose entries are not files one can read to the end: `/proc`
/// and `/sys` answer without a size and some reads block, `/dev` holds
/// devices (`/dev/zero` never ends).
const SPECIAL: [&str; 3] = ["/proc", "/sys", "/dev"];

fn special(path: &Path) -> bool {
    SPECIAL.iter().any(|s| path.starts_with(s))
}

/// The bytes of a regular file of at most `limit` bytes. The reason it is
/// refused otherwise reads after "cannot read …:".
pub fn read_bytes(path: &Path, limit: u64) -> Result<Vec<u8>, String> {
    let real = std::fs::canonicalize(path).map_err(|e| e.to_string())?;
    if special(&real) {
        return Err(format!(
            "{} is on a special filesystem, not a file to read",
            real.display()
        ));
    }
    let meta = std::fs::metadata(&real).map_err(|e| e.to_string())?;
    if !meta.is_file() {
        return Err("not a regular file".into());
    }
    let too_big = || format!("larger than the limit of {}", size(limit));
    if meta.len() > limit {
        return Err(too_big());
    }
    let file = std::fs::File::open(&real).map_err(|e| e.to_string())?;
    // The size can change between the check and the read: bound the read.
    let mut buf = Vec::new();
    file.take(limit + 1)
        .read_to_end(&mut buf)
        .map_err(|e| e.to_string())?;
    if buf.len() as u64 > limit {
        return Err(too_big());
    }
    Ok(buf)
}

/// A user file as text: a regular file of at most [`MAX_FILE`] bytes, UTF-8.
pub fn read_text(path: &Path) -> Result<String, String> {
    String::from_utf8(read_bytes(path, MAX_FILE)?).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let line = String::from_utf8_lossy(&e.as_bytes()[..at])
            .matches('\n')
            .count()
            + 1;
        format!("not UTF-8 text (line {line})")
    })
}

fn size(bytes: u64) -> String {
    if bytes >= 1024 * 1024 && bytes.is_multiple_of(1024 * 1024) {
        format!("{} MiB", bytes / (1024 * 1024))
    } else {
        format!("{} KiB", bytes.div_ceil(1024))
    }
}

/// Reads a user file as UTF-8. Invalid UTF-8 is reported at the line and
/// column of the first invalid byte, not at the top of the file.
pub fn read_located(path: &Path) -> Result<String, Diagnostic> {
    // Bounded, regular files only (never /dev/zero, never /proc).
    let bytes = read_bytes(path, MAX_FILE)
        .map_err(|e| Diagnostic::file(path, format!("cannot read: {e}")))?;
    String::from_utf8(bytes).map_err(|e| {
        let bytes = e.as_bytes();
        let at = e.utf8_error().valid_up_to();
        let valid = String::from_utf8_lossy(&bytes[..at]);
        let loc = Located {
            file: path,
            src: &valid,
        };
        loc.at_offset(
            at,
            String::new(),
            format!(
                "invalid UTF-8 (byte 0x{:02x}): save the file as UTF-8",
                bytes.get(at).copied().unwrap_or_default()
            ),
        )
    })
}

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
            if std::fs::canonicalize(&path).is_ok_and(|r| special(&r)) {
                errors.push(Diagnostic::file(
                    path.clone(),
                    format!("cannot read {kind}: a special filesystem, not a folder of files"),
                ));
                continue;
            }
            // Only regular files (a symlink to one counts): no FIFOs,
            // devices or sockets, which block or never end.
            let mut v: Vec<PathBuf> = std::fs::read_dir(&path)
                .map(|rd| {
                    rd.filter_map(Result::ok)
                        .map(|e| e.path())
                        .filter(|p| p.is_file() && accept(p))
                        .take(MAX_FILES + 1)
                        .collect()
                })
                .unwrap_or_default();
            if v.len() > MAX_FILES {
                errors.push(Diagnostic::file(
                    path.clone(),
                    format!("more than {MAX_FILES} files: none of them read"),
                ));
                continue;
            }
            v.sort();
            v
        } else if path.exists() {
            vec![path.clone()]
        } else {
            continue;
        };
        for f in list {
            match read_located(&f) {
                Ok(s) => files.push((f, s)),
                Err(d) => errors.push(d),
            }
        }
    }
    (files, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_bounded_regular_files_are_read() {
        let e = read_text(Path::new("/dev/zero")).expect_err("a device");
        assert!(e.contains("special filesystem"), "{e}");
        let e = read_text(Path::new("/proc/self/status")).expect_err("procfs");
        assert!(e.contains("special filesystem"), "{e}");
        let dir = std::env::temp_dir().join(format!("baton-files-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let big = dir.join("big.toml");
        std::fs::write(&big, vec![b'#'; MAX_FILE as usize + 1]).expect("write");
        let e = read_text(&big).expect_err("too big");
        assert_eq!(e, "larger than the limit of 1 MiB");
        let bad = dir.join("bad.toml");
        std::fs::write(&bad, b"a = 1\n\xff = 2\n").expect("write");
        assert_eq!(
            read_text(&bad).expect_err("not utf-8"),
            "not UTF-8 text (line 2)"
        );
        let e = read_text(&dir).expect_err("a folder");
        assert_eq!(e, "not a regular file");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_special_folder_is_refused_whole() {
        let (files, errors) = gather("templates", &[], &[PathBuf::from("/proc")], None, |_| true);
        assert!(files.is_empty());
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(
            errors[0].message.contains("special filesystem"),
            "{errors:?}"
        );
    }
}
