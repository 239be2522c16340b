//! One lock file per pair in the journal folder, held with an exclusive
//! advisory lock (flock) for the life of the incident, so two consoles on
//! one host cannot fail over one pair at once. The OS drops it when the
//! process dies, so a crash never leaves a pair locked.

use std::fs::{File, OpenOptions};
use std::path::Path;

#[derive(Debug)]
pub struct PairLock {
    _file: File,
}

pub fn take(journal_dir: &Path, pair: &str) -> Result<PairLock, String> {
    let dir = journal_dir.join("locks");
    std::fs::create_dir_all(&dir)
        .map_err(|e| format!("cannot create lock folder {}: {e}", dir.display()))?;
    let safe: String = pair
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let path = dir.join(format!("{safe}.lock"));
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| format!("cannot open lock {}: {e}", path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(PairLock { _file: file }),
        Err(std::fs::TryLockError::WouldBlock) => Err(format!(
            "pair {pair} is already being failed over from another console on this host (lock {})",
            path.display()
        )),
        Err(std::fs::TryLockError::Error(e)) => Err(format!("cannot lock {}: {e}", path.display())),
    }
}
