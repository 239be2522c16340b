//! Two-person approval: a destructive step waits for a second, different
//! operator (`baton approve`), on one host (kind = "local") and through
//! etcd; the same operator cannot approve, a read-only console cannot;
//! the action runs once; both identities are journaled and reported.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use baton::effects::Feedback;
use baton::wizard::incident::Event;
use baton::wizard::machine::Target;
use crossterm::event::KeyCode;

use super::cluster::{self, Cluster};
use super::{console, fleet, follow_until, write};

/// `baton approve` as `user`, with `args`.
fn approve(user: &str, config: &Path, args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_baton"))
        .env("USER", user)
        .args(["--config", &config.display().to_string(), "approve"])
        .args(args)
        .output()
        .expect("baton approve");
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

fn ask_to_run(h: &mut super::Harness) {
    h.app.model.now = chrono::Utc::now();
    h.code(KeyCode::Enter);
    h.text("acct-1");
    h.code(KeyCode::Enter);
}

async fn run_once(h: &mut super::Harness, marker: &Path) {
    ask_to_run(h);
    loop {
        match h.next_feedback("the promote's outcome").await {
            f @ Feedback::ActionDone { .. } => {
                h.feed(f);
                break;
            }
            other => h.feed(other),
        }
    }
    assert_eq!(
        std::fs::read_to_string(marker)
            .unwrap_or_default()
            .lines()
            .count(),
        1
    );
}

/// Up to the promote, asked: the request journaled, nothing run.
fn asked(h: &mut super::Harness, marker: &Path) -> String {
    h.start("coord-test", &Target::Pair("acct-1".into()));
    h.code(KeyCode::Enter);
    ask_to_run(h);
    let inc = &h.app.wizard.incidents[0];
    assert!(
        inc.entries.iter().any(|e| matches!(&e.event, Event::ApprovalRequested { command, .. } if command.contains("echo ran"))),
        "the request names the exact command: {}",
        h.describe()
    );
    assert!(!marker.exists(), "nothing runs before the approval");
    // Asking again does not run it either: it waits.
    ask_to_run(h);
    assert!(!marker.exists());
    inc_id(h)
}

fn inc_id(h: &super::Harness) -> String {
    h.app.wizard.incidents[0].id.clone()
}

fn approved_by(h: &super::Harness, user: &str) -> bool {
    h.app.wizard.incidents[0].entries.iter().any(|e| {
        matches!(&e.event, Event::Approved { by, .. } if by.user == user)
            && e.operator.user == "alice"
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_destructive_step_waits_for_a_second_operator_on_one_host() {
    let base = super::common::temp("coord-approve-local");
    let marker = base.join("promoted");
    let runbooks = cluster::runbook(&base, &marker, 0);
    let addr = fleet().await.to_string();
    let text = cluster::config(
        &addr,
        &base.join("journal"),
        &runbooks,
        "[coordination]\napproval = \"destructive\"\n",
    );
    let cfg = write(&base, "baton.toml", &text);
    let mut alice = console("coord-approve-alice", "alice", &text);
    let id = asked(&mut alice, &marker);

    // Her own approval, and a read-only console's, are refused.
    let (ok, out) = approve("alice", &cfg, &[&id, "--yes"]);
    assert!(!ok && out.contains("second, different operator"), "{out}");
    let (ok, out) = approve("bob", &cfg, &["--read-only", &id, "--yes"]);
    assert!(!ok && out.contains("read-only"), "{out}");
    // Bob sees the exact command and approves.
    let (ok, out) = approve("bob", &cfg, &[&id, "--yes"]);
    assert!(
        ok && out.contains("echo ran") && out.contains("approved by bob@"),
        "{out}"
    );

    let dir = alice.journal_dir().to_path_buf();
    let fx = alice.app.local_approvals(&dir);
    alice.perform(fx);
    assert!(approved_by(&alice, "bob"), "{}", alice.describe());
    run_once(&mut alice, &marker).await;

    let report = Command::new(env!("CARGO_BIN_EXE_baton"))
        .args([
            "report",
            &baton::effects::journal::path_of(alice.journal_dir(), &id)
                .display()
                .to_string(),
        ])
        .output()
        .expect("baton report");
    let text = String::from_utf8_lossy(&report.stdout);
    assert!(
        text.contains("**approved**") && text.contains("bob@"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn approval_through_etcd_from_another_host_and_a_refusal_first() {
    let etcd = Cluster::up("approve", 12800);
    let base = super::common::temp("coord-approve-etcd");
    let marker = base.join("promoted");
    let runbooks = cluster::runbook(&base, &marker, 0);
    let addr = fleet().await.to_string();
    let coord = etcd.section("/baton/approve", "approval = \"destructive\"");
    let text = cluster::config(&addr, &base.join("alice/journal"), &runbooks, &coord);
    let bob_cfg = write(
        &base.join("bob"),
        "baton.toml",
        &cluster::config(&addr, &base.join("bob/journal"), &runbooks, &coord),
    );
    let mut alice = console("coord-approve-etcd-alice", "alice", &text);
    let view = baton::app::coordination::view_of(&alice.app.model.config).expect("view");
    let id = asked(&mut alice, &marker);

    // Bob refuses first, with a reason: the step does not run.
    let (ok, out) = approve("bob", &bob_cfg, &[&id, "--refuse", "wrong region, wait"]);
    assert!(ok, "{out}");
    follow_until(
        &mut alice,
        &view,
        "the refusal",
        Duration::from_secs(10),
        |h| {
            h.app.wizard.incidents[0]
                .entries
                .iter()
                .any(|e| matches!(e.event, Event::ApprovalRefused { .. }))
        },
    );
    assert!(!marker.exists());

    // Asked again, approved by bob from his host: it runs once.
    ask_to_run(&mut alice);
    let t0 = Instant::now();
    let (ok, out) = approve("bob", &bob_cfg, &[&id, "--yes"]);
    assert!(ok, "{out}");
    follow_until(
        &mut alice,
        &view,
        "the approval",
        Duration::from_secs(10),
        |h| approved_by(h, "bob"),
    );
    eprintln!(
        "approval seen by the operator's console {} ms after `baton approve` began",
        t0.elapsed().as_millis()
    );
    run_once(&mut alice, &marker).await;
}
