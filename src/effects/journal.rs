//! The journal: one JSON Lines file per incident in `journal_dir`, each
//! entry written and fsynced before the wizard goes on.
//!
//! A write that fails leaves the file exactly as it was (truncated back),
//! so a refused entry can never glue onto the next one. A line torn by a
//! crash (or left by an older baton) is ended before the next append, and
//! the repair is journaled. Reading keeps what can be read of a torn line:
//! an entry glued after it is recovered, and the fragment itself becomes a
//! `torn` event, which the fold treats as a possible intent of the step it
//! was written at (outcome unknown, never re-run).

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use crate::wizard::incident::{Entry, Event};

pub fn expand(dir: &Path) -> PathBuf {
    match dir.strip_prefix("~") {
        Ok(rest) => crate::config::home().join(rest),
        Err(_) => dir.to_path_buf(),
    }
}

/// The largest journal file read.
pub const MAX_JOURNAL: u64 = 256 * 1024 * 1024;

pub fn path_of(dir: &Path, incident: &str) -> PathBuf {
    dir.join(format!("{incident}.jsonl"))
}

/// Makes a new name in `dir` durable (a created file or folder).
fn sync_dir(dir: &Path) -> Result<(), String> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| format!("cannot flush journal folder {}: {e}", dir.display()))
}

/// Bytes after the last newline of a file of `len` bytes (a torn line).
fn torn_tail(file: &mut File, len: u64) -> std::io::Result<u64> {
    if len == 0 {
        return Ok(0);
    }
    // A torn line longer than this is still ended; its length is a floor.
    let window = len.min(1 << 20);
    file.seek(SeekFrom::Start(len - window))?;
    let mut buf = Vec::with_capacity(window as usize);
    file.take(window).read_to_end(&mut buf)?;
    Ok(match buf.iter().rposition(|&b| b == b'\n') {
        Some(i) => (buf.len() - i - 1) as u64,
        None => window,
    })
}

/// Appends entries and makes them durable. An error means the entries are
/// not on disk and the file is as it was: whatever they announced must not
/// happen.
/// Creates a new incident's journal, empty, or refuses when one exists: two
/// consoles starting the same id (in the same second, without a lock)
/// never share a journal. Atomic (`create_new`).
pub fn create(dir: &Path, incident: &str) -> Result<(), String> {
    std::fs::create_dir_all(dir)
        .map_err(|e| format!("cannot create journal folder {}: {e}", dir.display()))?;
    let path = path_of(dir, incident);
    match OpenOptions::new().write(true).create_new(true).open(&path) {
        Ok(_) => sync_dir(dir),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(format!(
            "a journal for {incident} exists already: start it again in a second"
        )),
        Err(e) => Err(format!("cannot create journal {}: {e}", path.display())),
    }
}

pub fn append(dir: &Path, entries: &[Entry]) -> Result<(), String> {
    let Some(first) = entries.first() else {
        return Ok(());
    };
    if !dir.is_dir() {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create journal folder {}: {e}", dir.display()))?;
        if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
            sync_dir(parent)?;
        }
    }
    let path = path_of(dir, &first.incident);
    let created = !path.exists();
    let mut file = OpenOptions::new()
        .create(true)
        .read(true)
        .append(true)
        .open(&path)
        .map_err(|e| format!("cannot open journal {}: {e}", path.display()))?;
    if created {
        sync_dir(dir)?;
    }
    let len = file
        .metadata()
        .map_err(|e| format!("cannot read journal {}: {e}", path.display()))?
        .len();
    let torn = torn_tail(&mut file, len)
        .map_err(|e| format!("cannot read journal {}: {e}", path.display()))?;
    let mut buf = String::new();
    if torn > 0 {
        // End the torn line so nothing glues onto it, and say so.
        buf.push('\n');
        let repair = Entry {
            event: Event::JournalRepaired { torn_bytes: torn },
            ..first.clone()
        };
        push_line(&mut buf, &repair)?;
    }
    for e in entries {
        push_line(&mut buf, e)?;
    }
    let written = file
        .write_all(buf.as_bytes())
        .and_then(|()| file.sync_data());
    if let Err(e) = written {
        // Back to exactly what was there: a partial entry on disk would
        // read as written, or swallow the next entry.
        let restored = file.set_len(len).and_then(|()| file.sync_data());
        let note = match restored {
            Ok(()) => String::new(),
            Err(r) => format!(" (and it could not be cut back: {r})"),
        };
        return Err(format!(
            "cannot write journal {}: {e}{note}",
            path.display()
        ));
    }
    Ok(())
}

fn push_line(buf: &mut String, e: &Entry) -> Result<(), String> {
    let line = serde_json::to_string(e).map_err(|e| format!("cannot encode journal entry: {e}"))?;
    buf.push_str(&line);
    buf.push('\n');
    Ok(())
}

/// What one line of a journal file held.
enum Line {
    Entry(Box<Entry>),
    /// Unreadable bytes: a torn write, with its line number.
    Torn(usize, String),
}

/// A line that is not one entry: a torn fragment, perhaps with an entry
/// glued after it (an older baton appended onto a torn line).
fn salvage(n: usize, line: &str, out: &mut Vec<Line>) {
    let glued = line
        .match_indices("{\"at\":")
        .map(|(i, _)| i)
        .filter(|&i| i > 0)
        .find_map(|i| {
            serde_json::from_str::<Entry>(&line[i..])
                .ok()
                .map(|e| (i, e))
        });
    match glued {
        Some((i, e)) => {
            out.push(Line::Torn(n, line[..i].to_string()));
            out.push(Line::Entry(Box::new(e)));
        }
        None => out.push(Line::Torn(n, line.to_string())),
    }
}

/// The string value of `"key":"…"` in a fragment of JSON, if it is whole.
fn field(fragment: &str, key: &str) -> Option<String> {
    let pat = format!("\"{key}\":\"");
    let start = fragment.find(&pat)? + pat.len();
    let rest = &fragment[start..];
    let end = rest.find('"')?;
    Some(rest[..end].to_string())
}

/// The `torn` entry standing for a fragment, named after the entry next to
/// it (the same incident); its step is the fragment's when it says one.
fn torn_entry(n: usize, fragment: &str, near: &Entry) -> Entry {
    let cut: String = fragment.chars().take(240).collect();
    Entry {
        step: field(fragment, "step"),
        phase: field(fragment, "phase").or_else(|| near.phase.clone()),
        event: Event::Torn {
            line: n,
            event: field(fragment, "event"),
            // A bulk intent names its pair in its details.
            pair: fragment
                .find("\"details\":")
                .and_then(|i| field(&fragment[i..], "pair")),
            fragment: cut,
        },
        ..near.clone()
    }
}

/// Every entry of one journal file, in file order, and how many lines were
/// damaged. A damaged line becomes a `torn` entry (when another entry says
/// which incident it belongs to) so the fold and the report see it.
pub fn read(path: &Path) -> Result<(Vec<Entry>, usize), String> {
    // A journal of a bulk failover over 10 000 pairs is a few MiB; a
    // device or a special file is never read.
    let raw = crate::config::files::read_bytes(path, MAX_JOURNAL)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut lines = Vec::new();
    for (i, bytes) in raw.split(|&b| b == b'\n').enumerate() {
        let text = String::from_utf8_lossy(bytes);
        let text = text.trim();
        if text.is_empty() {
            continue;
        }
        match serde_json::from_str::<Entry>(text) {
            Ok(e) => lines.push(Line::Entry(Box::new(e))),
            Err(_) => salvage(i + 1, text, &mut lines),
        }
    }
    let bad = lines.iter().filter(|l| matches!(l, Line::Torn(..))).count();
    let mut out = Vec::with_capacity(lines.len());
    for (i, l) in lines.iter().enumerate() {
        match l {
            Line::Entry(e) => out.push((**e).clone()),
            Line::Torn(n, fragment) => {
                let near = out.last().cloned().or_else(|| {
                    lines[i..].iter().find_map(|l| match l {
                        Line::Entry(e) => Some((**e).clone()),
                        Line::Torn(..) => None,
                    })
                });
                // Nothing says whose it is: counted, not folded.
                if let Some(near) = near {
                    out.push(torn_entry(*n, fragment, &near));
                }
            }
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

#[cfg(test)]
mod tests;
