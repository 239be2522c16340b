//! The windows journal: `windows/windows.jsonl` in the journal folder, one
//! JSON record per line, appended and flushed (`fsync`) before the command
//! that wrote it says it is done. A torn line is named and skipped; every
//! other line is kept.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::wizard::window::{Record, Window, fold};

/// The largest windows journal read.
const MAX: u64 = 16 * 1024 * 1024;

pub fn path(journal_dir: &Path) -> PathBuf {
    journal_dir.join("windows").join("windows.jsonl")
}

/// Appends one record durably; an error means it is not on disk.
pub fn append(journal_dir: &Path, r: &Record) -> Result<(), String> {
    let file = path(journal_dir);
    let dir = file.parent().unwrap_or(journal_dir);
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let mut line = serde_json::to_string(r).map_err(|e| format!("cannot encode: {e}"))?;
    line.push('\n');
    // A torn last line (a crash mid-write) stays a line of its own.
    let torn = std::fs::read(&file)
        .ok()
        .is_some_and(|b| b.last().is_some_and(|&c| c != b'\n'));
    if torn {
        line.insert(0, '\n');
    }
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&file)
        .map_err(|e| format!("cannot open {}: {e}", file.display()))?;
    f.write_all(line.as_bytes())
        .and_then(|()| f.sync_all())
        .map_err(|e| format!("cannot write {}: {e}", file.display()))?;
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| format!("cannot flush {}: {e}", dir.display()))
}

/// Every record, and a problem for each line that could not be read.
pub fn records(journal_dir: &Path) -> (Vec<Record>, Vec<String>) {
    let file = path(journal_dir);
    let raw = match crate::config::files::read_bytes(&file, MAX) {
        Ok(b) => b,
        Err(_) if !file.exists() => return (Vec::new(), Vec::new()),
        Err(e) => {
            return (
                Vec::new(),
                vec![format!("cannot read {}: {e}", file.display())],
            );
        }
    };
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for (i, bytes) in raw.split(|&b| b == b'\n').enumerate() {
        let text = String::from_utf8_lossy(bytes);
        if text.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Record>(text.trim()) {
            Ok(r) => out.push(r),
            Err(e) => problems.push(format!(
                "{}:{}: skipped, not a window record ({e})",
                file.display(),
                i + 1
            )),
        }
    }
    (out, problems)
}

/// The windows of the journal folder, and what could not be read.
pub fn load(journal_dir: &Path) -> (Vec<Window>, Vec<String>) {
    let (records, mut problems) = records(journal_dir);
    let (windows, orphans) = fold(&records);
    problems.extend(orphans);
    (windows, problems)
}

/// When the windows journal last changed, to reload it only then.
pub fn modified(journal_dir: &Path) -> Option<std::time::SystemTime> {
    std::fs::metadata(path(journal_dir))
        .and_then(|m| m.modified())
        .ok()
}
