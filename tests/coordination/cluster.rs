//! A three-member etcd cluster of `scripts/etcd-cluster.sh` for one test
//! (its own folder and ports), stopped by recorded pid when dropped; and
//! the config of a console coordinating on it.

use std::path::{Path, PathBuf};
use std::process::Command;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

pub struct Cluster {
    pub dir: PathBuf,
    pub port: u16,
}

impl Cluster {
    /// Starts the cluster (installing etcd-server if missing); fails the
    /// test with the script's output if it cannot.
    pub fn up(name: &str, port: u16) -> Self {
        let dir = std::env::temp_dir().join(format!("baton-etcd-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let c = Self { dir, port };
        let out = c.script(&["up"]);
        assert!(
            out.status.success(),
            "scripts/etcd-cluster.sh up failed (package etcd-server):\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        eprintln!("{}", String::from_utf8_lossy(&out.stdout).trim());
        c
    }

    fn script(&self, args: &[&str]) -> std::process::Output {
        Command::new(format!("{ROOT}/scripts/etcd-cluster.sh"))
            .args(args)
            .env("BATON_ETCD_DIR", &self.dir)
            .env("BATON_ETCD_PORT", self.port.to_string())
            .output()
            .unwrap_or_else(|e| panic!("cannot run scripts/etcd-cluster.sh: {e}"))
    }

    /// Kills member `n` (1–3) with SIGKILL.
    pub fn kill(&self, n: u8) {
        let out = self.script(&["kill", &n.to_string()]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    pub fn start(&self, n: u8) {
        let out = self.script(&["start", &n.to_string()]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    pub fn endpoints(&self) -> Vec<String> {
        (0..3)
            .map(|i| format!("http://127.0.0.1:{}", self.port + i * 10))
            .collect()
    }

    /// The `[coordination]` section of a console on this cluster.
    pub fn section(&self, prefix: &str, extra: &str) -> String {
        let eps: Vec<String> = self
            .endpoints()
            .iter()
            .map(|e| format!("\"{e}\""))
            .collect();
        format!(
            "[coordination]\nkind = \"etcd\"\nendpoints = [{}]\nprefix = \"{prefix}\"\nlease = \"3s\"\ntimeout = \"1500ms\"\n{extra}\n",
            eps.join(", ")
        )
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self.script(&["down"]);
    }
}

/// The test runbook: a check, then a destructive action that writes a
/// line to `marker` and runs `secs` seconds, then a check.
pub fn runbook(dir: &Path, marker: &Path, secs: u32) -> PathBuf {
    let rb_dir = dir.join("runbooks");
    std::fs::create_dir_all(&rb_dir).expect("runbooks dir");
    let text = format!(
        r#"id = "coord-test"
title = "Coordinated promote"
applies_to = "pair"
purpose = "failover"

[[phase]]
id = "act"
title = "Act"

[[phase.step]]
id = "look"
kind = "check"
title = "Look at the pair"

[[phase.step]]
id = "promote"
kind = "action"
title = "Promote the standby"
destructive = true
command = ["sh", "-c", "echo ran >> '{marker}'; sleep {secs}"]
timeout = "120s"

[[phase.step]]
id = "after"
kind = "check"
title = "Look again"
"#,
        marker = marker.display()
    );
    std::fs::write(rb_dir.join("coord-test.toml"), text).expect("write runbook");
    rb_dir
}

/// A console's config: the fleet at `fleet`, its own journal folder, the
/// test runbook, and `coordination` (a `[coordination]` section or "").
pub fn config(fleet: &str, journal: &Path, runbooks: &Path, coordination: &str) -> String {
    format!(
        "[console]\ntitle = \"coord\"\njournal_dir = \"{}\"\nrunbooks = [\"{}\"]\nshipped_runbooks = false\n\n[limits]\ncooldown = \"1s\"\n\n[[source]]\nname = \"fleet\"\nkind = \"fleet\"\nurl = \"http://{fleet}/api/pairs\"\ninterval = \"500ms\"\ntimeout = \"400ms\"\nfailure_threshold = 1\n\n{coordination}",
        journal.display(),
        runbooks.display()
    )
}
