//! The estate of `scripts/estate.sh` for one test (its own folder and
//! ports), and the console on it: real sources, real executor, real clock.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use baton::sources::report::SourceUpdate;
use baton::wizard::incident::ActionState;
use baton::wizard::runbook::StepKind;
use crossterm::event::KeyCode;
use tokio::sync::mpsc;
use tokio::task::JoinSet;

use super::common::Harness;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
/// The ports of examples/estate/baton.toml, moved by the test's offset.
const PORTS: [u16; 11] = [
    15432, 16379, 26380, 26381, 26382, 18081, 15353, 18008, 18009, 19090, 19093,
];

pub struct Estate {
    pub dir: PathBuf,
    offset: u16,
}

impl Estate {
    /// Starts the components in `only` (installing their packages if
    /// missing); fails the test with the script's output if it cannot.
    pub fn up(name: &str, offset: u16, only: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("baton-estate-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let e = Self { dir, offset };
        let out = e.script(&["up", "--only", only]);
        assert!(
            out.status.success(),
            "scripts/estate.sh up --only {only} failed:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        eprintln!("{}", String::from_utf8_lossy(&out.stdout));
        e
    }

    fn script(&self, args: &[&str]) -> std::process::Output {
        Command::new(format!("{ROOT}/scripts/estate.sh"))
            .args(args)
            .env("BATON_ESTATE_DIR", &self.dir)
            .env("BATON_ESTATE_OFFSET", self.offset.to_string())
            .output()
            .unwrap_or_else(|e| panic!("cannot run scripts/estate.sh: {e}"))
    }

    pub fn port(&self, base: u16) -> u16 {
        base + self.offset
    }

    /// examples/estate/`file` on this estate's folder and ports.
    pub fn config(&self, file: &str) -> baton::config::Config {
        let mut text = std::fs::read_to_string(format!("{ROOT}/examples/estate/{file}"))
            .unwrap_or_else(|e| panic!("examples/estate/{file}: {e}"));
        text = text.replace("/tmp/baton-estate", &self.dir.display().to_string());
        for p in PORTS {
            text = text.replace(&p.to_string(), &self.port(p).to_string());
        }
        text = text.replace(
            "runbooks = [\"../../runbooks/systems/\"]",
            &format!("runbooks = [\"{ROOT}/runbooks/systems/\"]"),
        );
        text = text.replace(
            "runbooks = [\"../../runbooks/systems/\", \"runbooks/\"]",
            &format!(
                "runbooks = [\"{ROOT}/runbooks/systems/\", \"{ROOT}/examples/estate/runbooks/\"]"
            ),
        );
        text = text.replace(
            "\"scripts/estate.sh\"",
            &format!("\"{}\"", self.wrapper().display()),
        );
        // Back to back in one test: the failback follows the promote.
        text = text.replace("cooldown = \"1m\"", "cooldown = \"1s\"");
        let path = self.dir.join(file);
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
        baton::config::load_file(&path).unwrap_or_else(|d| panic!("{d}"))
    }

    /// The failback's script with this estate's folder and offset.
    fn wrapper(&self) -> PathBuf {
        let w = self.dir.join("estate.sh");
        let body = format!(
            "#!/bin/sh\nBATON_ESTATE_DIR='{}' BATON_ESTATE_OFFSET={} exec '{ROOT}/scripts/estate.sh' \"$@\"\n",
            self.dir.display(),
            self.offset
        );
        std::fs::write(&w, body).unwrap_or_else(|e| panic!("{e}"));
        let _ = Command::new("chmod").arg("+x").arg(&w).status();
        w
    }

    /// One SQL statement through psql as the estate's `baton` user.
    pub fn psql(&self, host: &str, sql: &str) -> Result<String, String> {
        let dsn = format!(
            "host={host} port={} user=baton dbname=postgres passfile={}/secrets/pgpass connect_timeout=3",
            self.port(15432),
            self.dir.display()
        );
        let out = Command::new("psql")
            .args([dsn.as_str(), "-XAtc", sql])
            .output()
            .map_err(|e| format!("psql: {e} (package postgresql-client-15)"))?;
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).into_owned())
        }
    }

    /// The server at `host` is a primary (not in recovery) and `standby`
    /// streams from it.
    pub fn assert_primary_streaming_to(&self, host: &str, standby: &str) {
        assert_eq!(
            self.psql(host, "select pg_is_in_recovery()").as_deref(),
            Ok("f"),
            "{host} is the primary"
        );
        assert_eq!(
            self.psql(
                host,
                "select application_name || ':' || state from pg_stat_replication"
            )
            .as_deref(),
            Ok(format!("{standby}:streaming").as_str()),
            "{standby} streams from {host}"
        );
    }

    pub fn redis_cli(args: &[&str]) -> String {
        let out = Command::new("redis-cli")
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("redis-cli: {e} (package redis-tools)"));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The site-a servers lost: PostgreSQL pg-a stopped, Redis redis-a
    /// killed (by its recorded pid).
    pub fn stop_site_a(&self) {
        let out = self.script(&["pg", "pg-a", "stop"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let pid = std::fs::read_to_string(self.dir.join("pids/redis-a.pid")).unwrap_or_default();
        let status = Command::new("kill").args(["-KILL", pid.trim()]).status();
        assert!(status.is_ok_and(|s| s.success()), "kill redis-a {pid}");
    }

    /// The leader Patroni's `/cluster` names.
    pub async fn cluster_leader(&self) -> String {
        let url = format!("http://127.0.0.1:{}/cluster", self.port(18008));
        let body = reqwest::get(&url)
            .await
            .unwrap_or_else(|e| panic!("{url}: {e}"))
            .json::<serde_json::Value>()
            .await
            .unwrap_or_else(|e| panic!("{url}: {e}"));
        body["members"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|m| m["role"] == "leader")
            .and_then(|m| m["name"].as_str())
            .unwrap_or("none")
            .to_string()
    }

    /// What a resolver of the estate answers for `name` (A records).
    pub async fn dns(&self, resolver: &str, name: &str) -> Vec<String> {
        let url = format!("dns://{resolver}:{}/{name}?type=A", self.port(15353));
        let q = baton::sources::dns::parse(&url).unwrap_or_else(|e| panic!("{e}"));
        let (_, answer) = baton::sources::dns::ask(&q, Duration::from_secs(2))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        serde_json::from_value(answer["answers"].clone()).unwrap_or_default()
    }
}

impl Estate {
    /// Every pid the estate recorded (its pid files, and each PostgreSQL
    /// node's postmaster.pid).
    fn recorded_pids(&self) -> Vec<i32> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(self.dir.join("pids"))
            .map(|d| d.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        files.extend(["pg-a", "pg-b"].map(|n| self.dir.join(n).join("postmaster.pid")));
        files
            .iter()
            .filter_map(|f| std::fs::read_to_string(f).ok())
            .filter_map(|t| t.lines().next().and_then(|l| l.trim().parse().ok()))
            .collect()
    }
}

impl Drop for Estate {
    fn drop(&mut self) {
        let pids = self.recorded_pids();
        let out = self.script(&["down", "--purge"]);
        // Whatever the script left running (it must not): killed by the
        // pids it recorded, so no test leaves a server behind.
        for pid in pids {
            // A zombie (stopped, not yet reaped) is not running.
            let state = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            let running = state
                .rsplit_once(") ")
                .is_some_and(|(_, rest)| !rest.starts_with('Z') && !rest.starts_with('X'));
            if running {
                eprintln!("estate down left pid {pid} running: killed");
                let _ = Command::new("kill")
                    .args(["-KILL", &pid.to_string()])
                    .status();
            }
        }
        eprintln!(
            "estate down: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

pub struct Live {
    pub h: Harness,
    updates: mpsc::Receiver<SourceUpdate>,
    _sources: JoinSet<()>,
}

impl Live {
    pub fn start(estate: &Estate, name: &str) -> Self {
        Self::start_on(estate, name, "baton.toml")
    }

    /// The console on examples/estate/`file`.
    pub fn start_on(estate: &Estate, name: &str, file: &str) -> Self {
        let config = estate.config(file);
        let (tx, updates) = mpsc::channel(256);
        // The console's folder inside the estate's: the harness empties a
        // folder named after the test, which must never be the estate's.
        let dir = estate.dir.join(format!("console-{name}"));
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
        let mut h = Harness::builder(name)
            .in_dir(dir)
            .config(config)
            .loaded_runbooks()
            .build();
        h.app.model.now = chrono::Utc::now();
        let sources = baton::sources::spawn_all(&h.app.model.config, &tx, h.app.model.resync());
        Self {
            h,
            updates,
            _sources: sources,
        }
    }

    /// Feeds source updates and executor reports on the real clock until
    /// `done` holds; fails after `within` with what the console shows.
    pub async fn until(
        &mut self,
        what: &str,
        within: Duration,
        mut done: impl FnMut(&Harness) -> bool,
    ) {
        let deadline = Instant::now() + within;
        loop {
            while let Ok(u) = self.updates.try_recv() {
                self.h.app.model.now = chrono::Utc::now();
                self.h.app.model.apply(u);
            }
            while let Some(f) = self.h.try_feedback() {
                self.h.feed(f);
            }
            self.h.app.model.now = chrono::Utc::now();
            let now = self.h.app.model.now;
            self.h.app.model.tick(now);
            self.h.app.refresh();
            self.h.perform(Vec::new());
            if done(&self.h) {
                return;
            }
            if Instant::now() >= deadline {
                let m = &self.h.app.model;
                let pairs: Vec<String> = m
                    .pairs
                    .iter()
                    .map(|p| {
                        format!(
                            "{} {:?} ({}) primary {} error {:?}",
                            p.id, p.state, p.reason, p.primary.id, p.primary.error
                        )
                    })
                    .collect();
                let sources: Vec<String> = m
                    .sources
                    .iter()
                    .map(|s| format!("{}: {:?}", s.name, s.last_error))
                    .collect();
                panic!(
                    "waited for {what}; {}\npairs: {pairs:#?}\nsources: {sources:#?}",
                    self.h.describe()
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Until each of `pairs` is OK with its primary saying PRIMARY and its
    /// standby STANDBY: the estate is up and baton reads it.
    pub async fn until_ready(&mut self, pairs: &[&str]) {
        let what = format!("{} OK with both roles known", pairs.join(" and "));
        self.until(&what, Duration::from_secs(30), |h| {
            pairs.iter().all(|id| {
                h.app.model.pair(id).is_some_and(|p| {
                    p.state == baton::state::PairState::Ok
                        && p.primary.role.as_deref() == Some("PRIMARY")
                        && p.standby
                            .as_ref()
                            .is_some_and(|s| s.role.as_deref() == Some("STANDBY"))
                })
            })
        })
        .await;
    }

    /// Drives the focused incident through every step with its keys, on
    /// live data, then closes it; returns the step ids done.
    pub async fn run_to_end(&mut self) -> Vec<String> {
        let mut done = Vec::new();
        while let Some(step) = self.h.focused().current().cloned() {
            let before = self.h.position();
            let moved = |h: &Harness| h.position() != before;
            match step.kind {
                StepKind::Gate => {
                    self.until(
                        &format!("gate {} to hold", step.id),
                        Duration::from_mins(1),
                        |h| {
                            let (inc, m) = (h.focused(), &h.app.model);
                            matches!(
                                baton::wizard::decide::evaluate(inc, m, m.now),
                                Some((Ok(true), _))
                            )
                        },
                    )
                    .await;
                    self.h.code(KeyCode::Enter);
                }
                StepKind::Check => self.h.code(KeyCode::Enter),
                StepKind::Input => {
                    self.h.code(KeyCode::Enter);
                    self.h.text(&format!("estate test: {}", step.id));
                    self.h.code(KeyCode::Enter);
                }
                StepKind::Action => {
                    self.h.code(KeyCode::Enter);
                    if step.destructive && !moved(&self.h) {
                        let pair = self.h.focused().subject().unwrap_or_default().to_string();
                        self.h.text(&pair);
                        self.h.code(KeyCode::Enter);
                    }
                    if !moved(&self.h) {
                        self.until(
                            &format!("action {} to end", step.id),
                            Duration::from_secs(150),
                            |h| {
                                matches!(
                                    h.focused().action,
                                    ActionState::Succeeded { .. }
                                        | ActionState::Failed { .. }
                                        | ActionState::Unknown { .. }
                                )
                            },
                        )
                        .await;
                        assert!(
                            matches!(self.h.focused().action, ActionState::Succeeded { .. }),
                            "{}: {}",
                            step.id,
                            self.h.describe()
                        );
                        self.h.code(KeyCode::Enter);
                    }
                }
                StepKind::Wait => {}
                StepKind::Notify => {
                    self.h.code(KeyCode::Enter);
                    self.h.ctrl('s');
                }
                other => panic!("no estate runbook has a {other:?} step"),
            }
            self.until(
                &format!("step {} to be done", step.id),
                Duration::from_secs(90),
                moved,
            )
            .await;
            done.push(step.id.clone());
        }
        self.h.code(KeyCode::Char('c'));
        assert!(
            !self.h.focused().is_open(),
            "not closed: {}",
            self.h.describe()
        );
        self.h.code(KeyCode::Esc);
        done
    }

    /// Focuses the open incident of `runbook` (a `then` one started behind
    /// the report).
    pub fn focus_open(&mut self, runbook: &str) {
        let pos = self
            .h
            .incidents()
            .iter()
            .position(|i| i.runbook.id == runbook && i.is_open())
            .unwrap_or_else(|| panic!("no open {runbook}: {}", self.h.describe()));
        self.h.focus(pos);
    }

    /// The journal file of the (last) incident of `runbook`.
    pub fn journal_of(&self, runbook: &str) -> PathBuf {
        let inc = self
            .h
            .incidents()
            .iter()
            .rev()
            .find(|i| i.runbook.id == runbook)
            .unwrap_or_else(|| panic!("no incident of {runbook}"));
        baton::effects::journal::path_of(self.h.journal_dir(), &inc.id)
    }
}

/// `baton report` of a journal, as an operator runs it.
pub fn report(journal: &Path) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_baton"))
        .arg("report")
        .arg(journal)
        .output()
        .unwrap_or_else(|e| panic!("baton report: {e}"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The report's recovery-time row.
pub fn recovery_line(report: &str) -> String {
    report
        .lines()
        .find(|l| l.contains("Recovery time"))
        .unwrap_or("no recovery time")
        .to_string()
}
