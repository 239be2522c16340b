//! End to end: the real binary in tmux, as a user runs it.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

struct Tmux {
    socket: String,
    dir: PathBuf,
}

impl Tmux {
    fn start(name: &str, w: u16, h: u16, args: &str) -> Self {
        let ok = Command::new("tmux")
            .arg("-V")
            .output()
            .is_ok_and(|o| o.status.success());
        assert!(
            ok,
            "tmux is needed for this test: install it with `apt-get install tmux` (the README's test command does)"
        );
        let dir = std::env::temp_dir().join(format!("baton-e2e-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        let socket = format!("baton-e2e-{name}-{}", std::process::id());
        let bin = env!("CARGO_BIN_EXE_baton");
        // HOME and XDG point into the temp dir: the test never touches the
        // user's config, state or logs.
        let cmd = format!(
            "cd {d} && HOME={d} XDG_CONFIG_HOME={d}/cfg XDG_STATE_HOME={d}/state {bin} {args}; echo EXIT=$? > {d}/exit; sleep 30",
            d = dir.display()
        );
        let status = Command::new("tmux")
            .args([
                "-L",
                &socket,
                "-f",
                "/dev/null",
                "new-session",
                "-d",
                "-x",
                &w.to_string(),
                "-y",
                &h.to_string(),
                &cmd,
            ])
            .env_remove("TMUX")
            .env("TERM", "xterm-256color")
            .status()
            .expect("run tmux");
        assert!(status.success(), "tmux new-session failed");
        Self { socket, dir }
    }

    fn capture(&self) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket, "capture-pane", "-p"])
            .output()
            .expect("capture-pane");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn keys(&self, keys: &[&str]) {
        for k in keys {
            let st = Command::new("tmux")
                .args(["-L", &self.socket, "send-keys", k])
                .status()
                .expect("send-keys");
            assert!(st.success());
            // A pause between keys so Esc followed by a letter is not read as Alt+letter.
            std::thread::sleep(Duration::from_millis(120));
        }
    }

    /// Waits for the screen to satisfy `pred`; fails with the last screen.
    fn wait_for(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let s = self.capture();
            if pred(&s) {
                return s;
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "waited for {what}; screen:\n{s}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn exit_code(&self) -> String {
        let path = self.dir.join("exit");
        let start = Instant::now();
        while !path.exists() {
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "baton did not exit; screen:\n{}",
                self.capture()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        std::fs::read_to_string(path)
            .expect("exit file")
            .trim()
            .to_string()
    }

    fn dir(&self) -> &Path {
        &self.dir
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[test]
fn demo_shows_the_panes_filters_and_quits_cleanly() {
    let t = Tmux::start("wide", 160, 48, "demo");
    let s = t.wait_for("the demo fleet", |s| {
        s.contains("Pairs (48)") && s.contains("● OK")
    });
    for title in ["Pairs (48)", "Regions (3)", "Lag (", "Alerts ("] {
        assert!(s.contains(title), "missing {title}:\n{s}");
    }
    assert!(s.contains("DEMO"), "{s}");
    t.keys(&["/", "acct-1001", "Enter"]);
    let s = t.wait_for("the filter", |s| s.contains("Pairs (1) of 48"));
    assert!(s.contains("acct-1001") && !s.contains("acct-1002"), "{s}");
    t.keys(&["?"]);
    t.wait_for("help", |s| s.contains("Help · keymap default"));
    t.keys(&["Escape", "q"]);
    assert_eq!(t.exit_code(), "EXIT=0");
    assert!(
        t.dir().join("state/baton/baton.log").exists(),
        "logs go to the log file"
    );
}

#[test]
fn demo_at_80x24_uses_tabs_and_every_pane_is_reachable() {
    let t = Tmux::start("small", 80, 24, "demo --scenario calm --pairs 200");
    let s = t.wait_for("the tabs", |s| {
        s.contains("1 Pairs (200)") && s.contains("● OK")
    });
    assert!(
        s.contains("2 Regions") && s.contains("3 Lag") && s.contains("4 Alerts"),
        "{s}"
    );
    assert!(s.contains("DEMO"), "{s}");
    t.keys(&["Tab"]);
    t.wait_for("the Regions pane", |s| {
        s.contains("REGION") && s.contains("eu-central-1") && s.contains("hetzner")
    });
    t.keys(&["Tab"]);
    t.wait_for("the Lag pane", |s| s.contains("worst lags of the fleet"));
    t.keys(&["q"]);
    assert_eq!(t.exit_code(), "EXIT=0");
}
