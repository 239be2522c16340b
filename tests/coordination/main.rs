//! Consoles on several hosts coordinating through a real three-member etcd
//! cluster (Debian `etcd-server`, started by the test on 127.0.0.1): pair
//! locks with leases, a lost console taken over, quorum loss, watch mode
//! following through etcd, and two-person approval.

#[path = "../common/mod.rs"]
mod common;

mod approval;
mod cluster;
mod quorum;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::routing::get;
use baton::config::Config;
use baton::keymap::Action;
use baton::wizard::incident::{ActionState, Event, Operator};
use baton::wizard::machine::Target;
use chrono::Utc;
use common::Harness;
use common::tmux::Tmux;
use crossterm::event::KeyCode;
use serde_json::json;

use cluster::Cluster;

/// A fleet endpoint with one pair whose primary is down.
pub async fn fleet() -> std::net::SocketAddr {
    let app = Router::new().route(
        "/api/pairs",
        get(|| async {
            axum::Json(json!({"pairs": [{"id": "acct-1",
                "primary": {"id": "gw-1-a", "status": "DOWN", "health_score": 0, "region": "eu-west-1", "provider": "aws"},
                "standby": {"id": "gw-1-b", "status": "STANDBY", "health_score": 88, "region": "eu-central-1", "provider": "hetzner"},
                "replication_lag_seconds": 0.5}]}))
        }),
    );
    common::serve(app).await
}

/// A headless operator console of `user` on `config_text`, journaling to
/// its own folder (standing in for its own host).
pub fn console(name: &str, user: &str, config_text: &str) -> Harness {
    let config: Config = toml::from_str(config_text).unwrap_or_else(|e| panic!("{e}"));
    let journal = config.console.journal_dir.clone();
    let mut h = Harness::builder(name)
        .journal_dir(journal)
        .model(common::one_pair_down(config))
        .operator(&format!("{user}@vm"))
        .loaded_runbooks()
        .build();
    h.app.wizard.operator = Operator {
        user: user.into(),
        host: "vm".into(),
        ssh_client: None,
    };
    h.app.model.now = Utc::now();
    h
}

/// The console's view of etcd, applied until `done` holds (real time).
pub fn follow_until(
    h: &mut Harness,
    view: &tokio::sync::watch::Receiver<Arc<baton::coord::remote::View>>,
    what: &str,
    limit: Duration,
    done: impl Fn(&Harness) -> bool,
) -> Duration {
    let t0 = Instant::now();
    while !done(h) {
        assert!(
            t0.elapsed() < limit,
            "waited {limit:?} for {what}: {}",
            h.describe()
        );
        std::thread::sleep(Duration::from_millis(50));
        h.app.model.now = Utc::now();
        let v = Arc::clone(&view.borrow());
        let fx = h.app.coord_view(&v, false);
        h.perform(fx);
    }
    t0.elapsed()
}

pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    std::fs::create_dir_all(dir).expect("dir");
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write");
    p
}

fn lines(path: &Path) -> usize {
    std::fs::read_to_string(path).map_or(0, |s| s.lines().count())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_console_is_refused_and_takes_over_after_the_holder_is_killed() {
    let etcd = Cluster::up("takeover", 12600);
    let base = common::temp("coord-takeover");
    let marker = base.join("promoted");
    let runbooks = cluster::runbook(&base, &marker, 30);
    let addr = fleet().await.to_string();
    let coord = etcd.section("/baton/takeover", "");
    let alice_dir = base.join("alice");
    let alice_cfg = write(
        &alice_dir,
        "baton.toml",
        &cluster::config(&addr, &alice_dir.join("journal"), &runbooks, &coord),
    );
    let bob_text = cluster::config(&addr, &base.join("bob/journal"), &runbooks, &coord);

    // Alice, the real binary on her bastion: starts the failover and runs
    // the promote, which takes 30 s.
    let alice = Tmux::start_env(
        "coord-alice",
        alice_dir.clone(),
        100,
        30,
        "USER=alice",
        &format!("--config {}", alice_cfg.display()),
    );
    alice.wait_for("the pair", |s| s.contains("acct-1"));
    alice.keys(&["f"]);
    alice.wait_for("the first step", |s| s.contains("Look at the pair"));
    alice.keys(&["Enter"]);
    alice.wait_for("the promote step", |s| s.contains("Promote the standby"));
    alice.keys(&["Enter"]);
    alice.wait_for("the pair id prompt", |s| s.contains("type the pair id"));
    alice.keys(&["acct-1", "Enter"]);
    alice.wait_for("the promote running", |s| s.contains("running for"));
    assert_eq!(lines(&marker), 1, "the promote ran once");

    // Bob, on another host (his own journal folder): refused, naming her.
    let mut bob = console("coord-bob", "bob", &bob_text);
    let fx = bob.app.wizard_input(baton::wizard::Input::StartWith(
        Target::Pair("acct-1".into()),
        "coord-test".into(),
    ));
    bob.perform(fx);
    let notice = bob.app.notice.clone().map(|n| n.text).unwrap_or_default();
    assert!(
        notice.contains("alice@") && notice.contains("acct-1"),
        "refused naming the holder: {notice}"
    );
    assert!(bob.app.wizard.incidents.is_empty());

    // Her console dies with SIGKILL: nothing let go of the lock.
    let pid = alice.baton_pid();
    let killed = Instant::now();
    assert!(
        std::process::Command::new("kill")
            .args(["-KILL", &pid.to_string()])
            .status()
            .is_ok_and(|s| s.success())
    );
    let view = baton::app::coordination::view_of(&bob.app.model.config).expect("etcd view");
    follow_until(
        &mut bob,
        &view,
        "the incident offered for takeover",
        Duration::from_secs(20),
        |h| !h.app.wizard.orphans.is_empty(),
    );
    let handover = killed.elapsed();
    eprintln!(
        "lock handover after kill -9: {} ms (lease 3s)",
        handover.as_millis()
    );
    assert!(
        handover >= Duration::from_secs(2),
        "not before the lease ran out: {handover:?}"
    );

    // He takes it over with a reason: the promote that was running is
    // OUTCOME UNKNOWN here, never run again.
    bob.press(Action::TakeOver);
    bob.text("alice's bastion is lost");
    bob.code(KeyCode::Enter);
    let inc = bob
        .app
        .wizard
        .incidents
        .first()
        .cloned()
        .unwrap_or_else(|| panic!("taken over: {}", bob.describe()));
    assert_eq!(inc.current().map(|s| s.id.as_str()), Some("promote"));
    assert!(
        matches!(&inc.action, ActionState::Unknown { reason } if reason.contains("alice@vm")),
        "{:?}",
        inc.action
    );
    bob.code(KeyCode::Enter);
    assert_eq!(lines(&marker), 1, "never re-run after the takeover");
    let fx = bob.wizard_action(Action::VerifyOk);
    bob.perform(fx);
    assert!(matches!(
        bob.app.wizard.incidents[0].action,
        ActionState::Succeeded { .. }
    ));

    // The journal of record names both: from alice, by bob, with the reason.
    let report = std::process::Command::new(env!("CARGO_BIN_EXE_baton"))
        .args([
            "--config",
            &write(&base.join("bob"), "baton.toml", &bob_text)
                .display()
                .to_string(),
        ])
        .args(["report", &inc.id])
        .output()
        .expect("baton report");
    let text = String::from_utf8_lossy(&report.stdout);
    assert!(
        report.status.success(),
        "{}",
        String::from_utf8_lossy(&report.stderr)
    );
    assert!(
        text.contains("taken over")
            && text.contains("alice@vm")
            && text.contains("alice's bastion is lost"),
        "{text}"
    );
    let etcd_entries = bob_exec_journal(&bob, &inc.id);
    let taken = etcd_entries
        .iter()
        .find(|e| matches!(e.event, Event::TakenOver { .. }))
        .expect("taken_over on etcd");
    assert_eq!(taken.operator.user, "bob");
    assert!(matches!(&taken.event, Event::TakenOver { from, .. } if from.user == "alice"));

    // Alice's host back, its file as long as etcd's but with entries etcd
    // never got: it must not resume what bob continued.
    let path = baton::effects::journal::path_of(&alice_dir.join("journal"), &inc.id);
    let (mut local, _) = baton::effects::journal::read(&path).expect("alice's journal");
    let last = local.last().cloned().expect("an entry");
    while local.len() < etcd_entries.len() {
        local.push(last.clone());
    }
    let again = console(
        "coord-alice-back",
        "alice",
        &std::fs::read_to_string(&alice_cfg).expect("config"),
    );
    let refused = baton::app::coordination::resume_check(&again.exec, &inc.id, &local);
    assert!(
        refused
            .as_ref()
            .is_err_and(|e| e.contains("continued on another console")),
        "{refused:?}"
    );
    drop(alice);
}

/// The incident's entries on etcd, as `baton report` reads them.
pub fn bob_exec_journal(h: &Harness, id: &str) -> Vec<baton::wizard::incident::Entry> {
    match h.exec.coord() {
        baton::coord::Coord::Etcd(c) => c.journal_of(id).expect("journal on etcd"),
        _ => panic!("not on etcd"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_consoles_racing_for_one_pair_exactly_one_wins_and_max_concurrent_counts_both() {
    let etcd = Cluster::up("race", 12900);
    let text = etcd.section("/baton/race", "");
    let cfg: baton::config::coordination::Coordination = toml::from_str::<toml::Table>(&text)
        .ok()
        .and_then(|t| t.get("coordination").cloned())
        .and_then(|v| v.try_into().ok())
        .expect("coordination section");
    let a = baton::coord::Cluster::start(&cfg, "alice@vm", 1).expect("alice");
    let b = baton::coord::Cluster::start(&cfg, "bob@vm", 1).expect("bob");
    let pair = vec!["acct-1".to_string()];
    let (ra, rb) = std::thread::scope(|s| {
        let ta = s.spawn(|| a.take("INC-a", &pair, false));
        let tb = s.spawn(|| b.take("INC-b", &pair, false));
        (ta.join().expect("a"), tb.join().expect("b"))
    });
    assert!(ra.is_ok() != rb.is_ok(), "exactly one: {ra:?} {rb:?}");
    let refused = ra.err().or(rb.err()).unwrap_or_default();
    assert!(
        refused.contains("is held by") && refused.contains("acct-1"),
        "{refused}"
    );

    // max_concurrent = 1 across both consoles: a second failover of
    // another pair is refused while the first is in flight.
    a.take("INC-a2", &["acct-7".to_string()], true)
        .expect("alice's first slot");
    let full = b.take("INC-b2", &["acct-8".to_string()], true);
    assert!(
        full.as_ref()
            .is_err_and(|e| e.contains("max_concurrent 1") && e.contains("INC-a2")),
        "{full:?}"
    );
    // Released: bob's turn (the key goes once the journal is on etcd).
    a.release("INC-a2");
    let t0 = Instant::now();
    while b.take("INC-b2", &["acct-8".to_string()], true).is_err() {
        assert!(t0.elapsed() < Duration::from_secs(5), "the slot came free");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// POSTs to the cluster's JSON gateway (the test's own set-up calls).
async fn gateway(url: &str, body: serde_json::Value) -> serde_json::Value {
    baton::sources::client::build(Duration::from_secs(5), 1, None)
        .expect("client")
        .post(url)
        .json(&body)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{url}: {e}"))
        .json()
        .await
        .unwrap_or_else(|e| panic!("{url}: {e}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_etcd_authentication_the_secrets_come_from_files_and_a_wrong_one_refuses_actions() {
    let etcd = Cluster::up("auth", 13000);
    let base = common::temp("coord-auth");
    let ep = etcd.endpoints()[0].clone();
    gateway(
        &format!("{ep}/v3/auth/user/add"),
        json!({"name": "root", "password": "s3cret"}),
    )
    .await;
    gateway(
        &format!("{ep}/v3/auth/user/grant"),
        json!({"user": "root", "role": "root"}),
    )
    .await;
    let enabled = gateway(&format!("{ep}/v3/auth/enable"), json!({})).await;
    assert!(enabled.get("error").is_none(), "{enabled}");
    let user = write(&base, "user", "root");
    let good = write(&base, "password", "s3cret");
    let bad = write(&base, "wrong", "guess");
    let section = |pw: &Path| {
        etcd.section(
            "/baton/auth",
            &format!(
                "username = \"file:{}\"\npassword = \"file:{}\"",
                user.display(),
                pw.display()
            ),
        )
    };
    let marker = base.join("promoted");
    let runbooks = cluster::runbook(&base, &marker, 0);
    let addr = fleet().await.to_string();

    let mut ok = console(
        "coord-auth-ok",
        "alice",
        &cluster::config(&addr, &base.join("a/journal"), &runbooks, &section(&good)),
    );
    ok.start("coord-test", &Target::Pair("acct-1".into()));
    assert_eq!(ok.app.wizard.incidents.len(), 1, "{}", ok.describe());
    assert!(
        matches!(baton::app::coordination::status(&ok.exec), Some((true, _))),
        "{:?}",
        baton::app::coordination::status(&ok.exec)
    );

    let mut wrong = console(
        "coord-auth-wrong",
        "bob",
        &cluster::config(&addr, &base.join("b/journal"), &runbooks, &section(&bad)),
    );
    let fx = wrong.app.wizard_input(baton::wizard::Input::StartWith(
        Target::Pair("acct-1".into()),
        "coord-test".into(),
    ));
    wrong.perform(fx);
    let said = wrong.app.notice.clone().map(|n| n.text).unwrap_or_default();
    eprintln!("refused: {said}");
    assert!(
        said.contains("no live lease") && said.contains("authentication"),
        "{said}"
    );
    assert!(wrong.app.wizard.incidents.is_empty());
    // The password is never shown: not in what the console said.
    assert!(
        !said.contains("guess") && !said.contains("s3cret"),
        "{said}"
    );
}
