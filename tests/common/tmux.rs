//! The real baton binary in a private tmux server, as a user runs it.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

pub struct Tmux {
    socket: String,
    pub dir: PathBuf,
}

impl Tmux {
    /// A fresh temp folder, and baton started in it.
    pub fn start(name: &str, w: u16, h: u16, args: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("baton-e2e-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        Self::start_in(name, dir, w, h, args)
    }

    /// Baton started in an existing folder (its config and journal stay).
    pub fn start_in(name: &str, dir: PathBuf, w: u16, h: u16, args: &str) -> Self {
        Self::start_env(name, dir, w, h, "", args)
    }

    /// As `start_in`, with environment assignments (`NO_COLOR=1`) for baton.
    pub fn start_env(name: &str, dir: PathBuf, w: u16, h: u16, env: &str, args: &str) -> Self {
        let ok = Command::new("tmux")
            .arg("-V")
            .output()
            .is_ok_and(|o| o.status.success());
        assert!(
            ok,
            "tmux is needed for this test: install it with `apt-get install tmux` (the README's test command does)"
        );
        let _ = std::fs::remove_file(dir.join("exit"));
        let socket = format!("baton-e2e-{name}-{}", std::process::id());
        let bin = env!("CARGO_BIN_EXE_baton");
        // HOME and XDG point into the temp dir: the test never touches the
        // user's config, state or logs.
        let cmd = format!(
            "cd {d} && HOME={d} USER=tester XDG_CONFIG_HOME={d}/cfg XDG_STATE_HOME={d}/state {env} {bin} {args}; echo EXIT=$? > {d}/exit; sleep 30",
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

    /// The baton process in the pane (for kill -9).
    pub fn baton_pid(&self) -> u32 {
        let out = Command::new("tmux")
            .args(["-L", &self.socket, "list-panes", "-F", "#{pane_pid}"])
            .output()
            .expect("list-panes");
        let shell = String::from_utf8_lossy(&out.stdout).trim().to_string();
        let kids = Command::new("pgrep")
            .args(["-P", &shell, "baton"])
            .output()
            .expect("pgrep");
        String::from_utf8_lossy(&kids.stdout)
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("no baton under pane shell {shell}"))
    }

    /// Ends this tmux server but keeps the folder.
    pub fn stop_keep(mut self) -> PathBuf {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .status();
        std::mem::take(&mut self.dir)
    }

    /// The screen with its escape sequences (colours, attributes).
    pub fn capture_escapes(&self) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket, "capture-pane", "-p", "-e"])
            .output()
            .expect("capture-pane");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// A tmux format of the pane, such as `#{alternate_on}`.
    pub fn pane_format(&self, f: &str) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket, "display", "-p", f])
            .output()
            .expect("display");
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    pub fn capture(&self) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket, "capture-pane", "-p"])
            .output()
            .expect("capture-pane");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn keys(&self, keys: &[&str]) {
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
    pub fn wait_for(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let s = self.capture();
            if pred(&s) {
                if std::env::var_os("BATON_TEST_TRACE").is_some() {
                    eprintln!(
                        "=== {what}\n{}",
                        s.lines().take(3).collect::<Vec<_>>().join("\n")
                    );
                }
                return s;
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "waited for {what}; screen:\n{s}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn exit_code(&self) -> String {
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

    pub fn dir(&self) -> &Path {
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
