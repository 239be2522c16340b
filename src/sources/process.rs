//! `process` sources: a process is alive, by pid file or by exact
//! executable name (seed 002's process check). Read from `/proc`: baton
//! runs on the Linux bastion, and a liveness check needs no signal rights
//! over the process (kill -0 needs them for another user's).

use crate::config::SourceCfg;
use std::path::Path;

/// The longest pid file read: a pid and a newline.
const MAX_PID_FILE: u64 = 64;

/// What was found ("pid 4242"), or why the process is not alive.
pub async fn poll(cfg: &SourceCfg) -> Result<String, String> {
    let (pid_file, name) = (cfg.pid_file.clone(), cfg.process.clone());
    let work = tokio::task::spawn_blocking(move || match (pid_file, name) {
        (Some(f), _) => by_pid_file(&f, Path::new("/proc")),
        (None, Some(n)) => by_name(&n, Path::new("/proc")),
        (None, None) => Err("no `pid_file` or `process` to look for".into()),
    });
    work.await
        .map_err(|e| format!("process lookup failed: {e}"))?
}

/// Alive when the pid the file names is a running process (not a zombie).
pub fn by_pid_file(file: &Path, proc: &Path) -> Result<String, String> {
    use std::io::Read as _;
    let f = std::fs::File::open(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let mut text = String::new();
    f.take(MAX_PID_FILE)
        .read_to_string(&mut text)
        .map_err(|e| format!("{}: {e}", file.display()))?;
    let pid: u32 = text
        .trim()
        .parse()
        .ok()
        .filter(|p| *p > 0)
        .ok_or_else(|| format!("{} does not hold a pid: {:?}", file.display(), text.trim()))?;
    match state(proc, pid) {
        Some('Z') => Err(format!("pid {pid} (from {}) is a zombie", file.display())),
        Some(_) => Ok(format!("pid {pid}")),
        None => Err(format!(
            "no process {pid} (from {}): not running",
            file.display()
        )),
    }
}

/// Alive when some running process has exactly this executable name: its
/// `comm` or the file name of its first argument.
pub fn by_name(name: &str, proc: &Path) -> Result<String, String> {
    let dir = std::fs::read_dir(proc).map_err(|e| format!("{}: {e}", proc.display()))?;
    let mut pids: Vec<u32> = dir
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str()?.parse().ok())
        .filter(|pid| named(proc, *pid, name) && state(proc, *pid).is_some_and(|s| s != 'Z'))
        .collect();
    pids.sort_unstable();
    match pids.as_slice() {
        [] => Err(format!("no running process named {name}")),
        [one] => Ok(format!("pid {one}")),
        [first, ..] => Ok(format!("{} processes, pid {first} first", pids.len())),
    }
}

fn named(proc: &Path, pid: u32, name: &str) -> bool {
    let base = proc.join(pid.to_string());
    let comm = std::fs::read_to_string(base.join("comm")).unwrap_or_default();
    if comm.trim_end_matches('\n') == name {
        return true;
    }
    let cmdline = std::fs::read(base.join("cmdline")).unwrap_or_default();
    let argv0 = cmdline.split(|b| *b == 0).next().unwrap_or_default();
    let file = argv0.rsplit(|b| *b == b'/').next().unwrap_or_default();
    !file.is_empty() && file == name.as_bytes()
}

/// The process's state letter from `/proc/PID/stat` (after the command in
/// parentheses, which may itself hold spaces and parentheses).
fn state(proc: &Path, pid: u32) -> Option<char> {
    let stat = std::fs::read_to_string(proc.join(pid.to_string()).join("stat")).ok()?;
    let (_, rest) = stat.rsplit_once(')')?;
    rest.trim_start().chars().next()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_test_is_alive_by_pid_file_and_by_name() {
        let dir = std::env::temp_dir().join(format!("baton-proc-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let f = dir.join("me.pid");
        std::fs::write(&f, format!("{}\n", std::process::id())).expect("write");
        let proc = Path::new("/proc");
        assert_eq!(
            by_pid_file(&f, proc),
            Ok(format!("pid {}", std::process::id()))
        );
        std::fs::write(&f, "4194399\n").expect("write");
        let e = by_pid_file(&f, proc).expect_err("no such pid");
        assert!(e.contains("not running"), "{e}");
        std::fs::write(&f, "hello").expect("write");
        let e = by_pid_file(&f, proc).expect_err("not a pid");
        assert!(e.contains("does not hold a pid"), "{e}");
        let e = by_pid_file(&dir.join("absent.pid"), proc).expect_err("absent");
        assert!(e.contains("absent.pid"), "{e}");
        let me = std::fs::read_to_string("/proc/self/comm").expect("comm");
        assert!(by_name(me.trim(), proc).is_ok());
        let e = by_name("no-such-program-baton", proc).expect_err("absent");
        assert_eq!(e, "no running process named no-such-program-baton");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
