//! The journal: one JSON Lines file per incident in `journal_dir`, each
//! entry written and fsynced before the wizard goes on.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use crate::wizard::incident::Entry;

pub fn expand(dir: &Path) -> PathBuf {
    match dir.strip_prefix("~") {
        Ok(rest) => crate::config::home().join(rest),
        Err(_) => dir.to_path_buf(),
    }
}

pub fn path_of(dir: &Path, incident: &str) -> PathBuf {
    dir.join(format!("{incident}.jsonl"))
}

/// Appends entries and makes them durable. An error means the entries may
/// not be on disk: whatever they announced must not happen.
pub fn append(dir: &Path, entries: &[Entry]) -> Result<(), String> {
    let Some(first) = entries.first() else {
        return Ok(());
    };
    std::fs::create_dir_all(dir)
        .map_err(|e| format!("cannot create journal folder {}: {e}", dir.display()))?;
    let path = path_of(dir, &first.incident);
    let mut file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .map_err(|e| format!("cannot open journal {}: {e}", path.display()))?;
    for e in entries {
        let mut line =
            serde_json::to_string(e).map_err(|e| format!("cannot encode journal entry: {e}"))?;
        line.push('\n');
        file.write_all(line.as_bytes())
            .map_err(|e| format!("cannot write journal {}: {e}", path.display()))?;
    }
    file.sync_data()
        .map_err(|e| format!("cannot flush journal {}: {e}", path.display()))
}

/// Every entry of one journal file; a torn last line (a crash mid-write)
/// and invalid lines are skipped and counted.
pub fn read(path: &Path) -> Result<(Vec<Entry>, usize), String> {
    let file = File::open(path).map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    let mut out = Vec::new();
    let mut bad = 0;
    for line in BufReader::new(file).lines() {
        let Ok(line) = line else {
            bad += 1;
            continue;
        };
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Entry>(&line) {
            Ok(e) => out.push(e),
            Err(_) => bad += 1,
        }
    }
    Ok((out, bad))
}

/// Every journal in the folder, oldest first.
pub fn all(dir: &Path) -> Vec<(PathBuf, Vec<Entry>)> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = rd
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    files.sort();
    files
        .into_iter()
        .filter_map(|p| read(&p).ok().map(|(e, _)| (p, e)))
        .collect()
}
